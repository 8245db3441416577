"""/api/v1/items: a CMS creates items with its unit's token, reviewers decide, the 审核表 downloads."""

from __future__ import annotations

import io
import json
import os

import pytest
from docx import Document

from sanshen.api import tokens
from sanshen.units.models import Role

pytestmark = pytest.mark.django_db

CLEAN = "关于做好2026年春季学期学生资助工作的通知。各学校要按时完成资助资金发放。"
VETO = "深入学习贯彻习近平新时代中国特色社会主意思想。"
URL = "/api/v1/items"


@pytest.fixture(autouse=True)
def _fresh(fresh_api):
    fresh_api.SANSHEN_API_RATE = "off"


@pytest.fixture
def org(tree, make_user):
    from sanshen.review.defaults import seed_default_routes
    from sanshen.review.models import RouteStepTemplate, RouteTemplate

    seed_default_routes(RouteTemplate, RouteStepTemplate)
    edu = tree["edu"]
    admin = make_user("edu_admin", (edu, Role.SITE_ADMIN), full_name="周管理")
    zhanyi_admin = make_user("zhanyi_admin", (tree["zhanyi_edu"], Role.SITE_ADMIN))
    return {
        **tree,
        "admin": admin,
        "head": make_user("head", (edu, Role.SECTION_HEAD), full_name="李科长"),
        "secrecy": make_user("secrecy", (edu, Role.SECRECY_REVIEWER), full_name="赵保密"),
        "deputy": make_user("deputy", (edu, Role.DEPUTY_LEADER), full_name="钱分管"),
        "principal": make_user("principal", (edu, Role.PRINCIPAL_LEADER), full_name="孙局长"),
        "token": {"HTTP_AUTHORIZATION": f"Bearer {tokens.create_token(edu, 'CMS', by=admin)[1]}"},
        "other_token": {
            "HTTP_AUTHORIZATION": f"Bearer {tokens.create_token(tree['zhanyi_edu'], 'CMS', by=zhanyi_admin)[1]}"
        },
    }


def post(client, url, body, **headers):
    data = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
    return client.post(url, data=data, content_type="application/json", **headers)


def _create(client, org, **extra):
    body = {"title": "学生资助通知", "body": CLEAN, "category": "policy", "submit": True, **extra}
    response = post(client, URL, body, **org["token"])
    assert response.status_code == 201, response.content.decode()
    return response.json()


def _decide(client, user, item_id, opinion, **extra):
    client.force_login(user)
    body = {"action": "approve", "opinion": opinion, "proofread": True, **extra}
    response = post(client, f"{URL}/{item_id}/decisions", body)
    client.logout()
    return response


def test_create_read_decide_and_download(client, org):
    created = _create(client, org)
    assert created["status"] == "in_review" and created["drafter"] == "周管理" and created["unit"] == "麒麟区教育体育局"
    assert created["revision"] == 1 and created["findings"] == [] and created["submit_error"] is None
    assert [s["label"] for s in created["steps"]] == ["科室初审", "保密审查", "分管领导复审", "主要领导终审"]
    item_id = created["id"]

    read = client.get(f"{URL}/{item_id}", **org["token"]).json()
    assert read["steps"][0]["current"] and read["steps"][0]["state"] == "pending"

    # The drafter's token cannot decide; the drafter cannot either.
    response = post(client, f"{URL}/{item_id}/decisions", {"action": "approve", "proofread": True}, **org["token"])
    assert response.status_code == 403 and "令牌" in response.json()["detail"]
    assert _decide(client, org["admin"], item_id, "同意").status_code == 403

    opinions = {
        "head": "内容准确，同意报送。",
        "secrecy": "不涉及国家秘密。",
        "deputy": "同意。",
        "principal": "同意发布。",
    }
    for name, opinion in opinions.items():
        response = _decide(client, org[name], item_id, opinion)
        assert response.status_code == 200, response.content.decode()
    read = client.get(f"{URL}/{item_id}", **org["token"]).json()
    assert read["status"] == "approved"
    assert [(s["decided_by"], s["opinion"], s["state"]) for s in read["steps"]] == [
        ("李科长", opinions["head"], "passed"),
        ("赵保密", opinions["secrecy"], "passed"),
        ("钱分管", opinions["deputy"], "passed"),
        ("孙局长", opinions["principal"], "passed"),
    ]
    assert all(s["decided_at"] for s in read["steps"])

    response = client.get(f"{URL}/{item_id}/form.docx", **org["token"])
    assert response.status_code == 200
    assert "filename*=utf-8''" in response["Content-Disposition"]
    doc = Document(io.BytesIO(response.content))
    text = "\n".join(cell.text for table in doc.tables for row in table.rows for cell in row.cells)
    for name in ("李科长", "赵保密", "钱分管", "孙局长", *opinions.values()):
        assert name in text

    response = client.get(f"{URL}/{item_id}/form.pdf", **org["token"])
    if response.status_code == 503:
        if os.environ.get("CI") == "true":
            pytest.fail(response.json()["detail"])
        pytest.skip(response.json()["detail"])
    from pypdf import PdfReader

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf_text = "".join("".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(response.content)).pages)
    for name in ("李科长", "赵保密", "钱分管", "孙局长"):
        assert name in pdf_text


def test_veto_keeps_draft_and_returns_findings(client, org):
    created = _create(client, org, body=VETO)
    assert created["status"] == "draft"
    assert "否决项" in created["submit_error"]
    assert any(f["severity"] == "veto" for f in created["findings"])


def test_return_and_reject_need_opinion(client, org):
    item_id = _create(client, org)["id"]
    response = _decide(client, org["head"], item_id, "", action="return")
    assert response.status_code == 400 and "审核意见" in response.json()["detail"]
    response = _decide(client, org["head"], item_id, "请补充资助标准。", action="return")
    assert response.status_code == 200 and response.json()["status"] == "returned"


def test_other_units_token_gets_404(client, org):
    item_id = _create(client, org)["id"]
    for suffix in ("", "/form.docx", "/form.pdf"):
        response = client.get(f"{URL}/{item_id}{suffix}", **org["other_token"])
        assert response.status_code == 404, suffix
        assert response.json()["detail"] == "未找到该稿件"
    assert client.get(f"{URL}/999999", **org["token"]).status_code == 404
    # A city-level token sees the items of the units below it.
    city_admin = org["admin"].__class__.objects.create_user("city_admin")
    from sanshen.units.models import Membership

    Membership.objects.create(user=city_admin, unit=org["city"], role=Role.SITE_ADMIN)
    city = {"HTTP_AUTHORIZATION": f"Bearer {tokens.create_token(org['city'], 'CMS', by=city_admin)[1]}"}
    assert client.get(f"{URL}/{item_id}", **city).status_code == 200


def test_bad_input_is_400_in_chinese(client, org):
    cases = [
        "不是 JSON",
        {"title": "", "body": "x", "category": "policy"},
        {"title": "t", "body": "x", "category": "nope"},
        {"title": "t", "body": "x", "category": "reprint", "source": "reprint"},
        {"title": "t", "body": "x\x00", "category": "policy"},
        {"title": "t", "body": "x", "category": "policy", "joint_unit_ids": [999999]},
        {"title": "t", "body": "x", "category": "policy", "planned_at": "0001-01-01T00:00:00"},
    ]
    for body in cases:
        response = post(client, URL, body, **org["token"])
        assert response.status_code == 400, (body, response.content.decode())
        detail = response.json()["detail"]
        assert any("\u4e00" <= ch <= "\u9fff" for ch in detail), detail
    assert client.get(f"{URL}/abc", **org["token"]).status_code in (400, 404)
    assert post(client, URL, {"title": "t", "body": "x", "category": "policy"}).status_code == 401


def test_unit_id_for_session_users(client, org):
    client.force_login(org["admin"])
    body = {"title": "t", "body": CLEAN, "category": "work_news", "unit_id": org["zhanyi_edu"].pk}
    assert post(client, URL, body).status_code == 403
    body["unit_id"] = org["edu"].pk
    response = post(client, URL, body)
    assert response.status_code == 201 and response.json()["status"] == "draft"
    assert client.get(f"{URL}/{response.json()['id']}").status_code == 200
