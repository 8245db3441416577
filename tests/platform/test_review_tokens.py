"""Personal API tokens: reviewers decide through /api/v1/items/{id}/decisions as themselves, by
the same rules as the web page; a unit's system token (a CMS) creates items but never decides."""

from __future__ import annotations

import json
import re

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from sanshen.api import tokens
from sanshen.api.models import ApiToken
from sanshen.audit.models import AuditEntry
from sanshen.units.models import Membership, Role

pytestmark = pytest.mark.django_db

CLEAN = "关于做好2026年春季学期学生资助工作的通知。各学校要按时完成资助资金发放。"
VETO = "深入学习贯彻习近平新时代中国特色社会主意思想。"
URL = "/api/v1/items"
REVIEWERS = ("head", "secrecy", "deputy", "principal")


@pytest.fixture(autouse=True)
def _fresh(fresh_api):
    fresh_api.SANSHEN_API_RATE = "off"
    fresh_api.LOGIN_URL = "/accounts/login/"


def bearer(plain: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {plain}"}


@pytest.fixture
def org(tree, make_user):
    from sanshen.review.defaults import seed_default_routes
    from sanshen.review.models import RouteStepTemplate, RouteTemplate

    seed_default_routes(RouteTemplate, RouteStepTemplate)
    edu = tree["edu"]
    people = {
        "admin": make_user("edu_admin", (edu, Role.SITE_ADMIN), full_name="周管理"),
        "editor": make_user("editor", (edu, Role.EDITOR), full_name="王拟稿"),
        "head": make_user("head", (edu, Role.SECTION_HEAD), full_name="李科长"),
        "secrecy": make_user("secrecy", (edu, Role.SECRECY_REVIEWER), full_name="赵保密"),
        "deputy": make_user("deputy", (edu, Role.DEPUTY_LEADER), full_name="钱分管"),
        "principal": make_user("principal", (edu, Role.PRINCIPAL_LEADER), full_name="孙局长"),
        "outsider": make_user("outsider", (tree["zhanyi_edu"], Role.SECTION_HEAD), full_name="外单位"),
    }
    system = tokens.create_token(edu, "门户网站 CMS", by=people["admin"])[1]
    personal = {
        name: tokens.create_token(
            tree["zhanyi_edu"] if name == "outsider" else edu, f"{name} 审核", by=user, user=user
        )[1]
        for name, user in people.items()
    }
    return {**tree, **people, "system": bearer(system), "personal": {k: bearer(v) for k, v in personal.items()}}


def post(client, url, body, **headers):
    return client.post(url, data=json.dumps(body, ensure_ascii=False), content_type="application/json", **headers)


def create(client, org, headers=None, **extra):
    body = {
        "title": "学生资助通知",
        "body": CLEAN,
        "category": "policy",
        "submit": True,
        "channels": [{"kind": "site", "name": "麒麟区人民政府网站", "column": "通知公告"}],
        **extra,
    }
    response = post(client, URL, body, **(headers or org["system"]))
    assert response.status_code == 201, response.content.decode()
    return response.json()


def decide(client, org, name, item_id, **extra):
    body = {"action": "approve", "opinion": "同意", "proofread": True, **extra}
    return post(client, f"{URL}/{item_id}/decisions", body, **org["personal"][name])


# Creating and revoking ----------------------------------------------------------------------


def test_personal_token_for_oneself_only_and_audited(org):
    row = ApiToken.objects.get(user=org["head"])
    assert row.unit == org["edu"] and row.created_by == org["head"]
    entry = AuditEntry.objects.filter(action="api_token_create", actor=org["head"]).get()
    assert entry.after["kind"] == "personal" and entry.after["user"] == org["head"].pk
    system = AuditEntry.objects.filter(action="api_token_create", actor=org["admin"], after__kind="system")
    assert system.count() == 1
    # Not for someone else, not even by an admin; not in a unit without a role there.
    with pytest.raises(PermissionDenied):
        tokens.create_token(org["edu"], "x", by=org["admin"], user=org["head"])
    with pytest.raises(PermissionDenied):
        tokens.create_token(org["zhanyi_edu"], "x", by=org["head"], user=org["head"])
    # A reviewer cannot create a system token.
    with pytest.raises(PermissionDenied):
        tokens.create_token(org["edu"], "x", by=org["head"])


def test_personal_token_pages(org):
    client = Client()
    client.force_login(org["deputy"])
    index = client.get(reverse("api-tokens")).content.decode()
    assert "个人令牌（用于审核决定）" in index
    response = client.post(reverse("api-tokens-mine"), {"unit": org["edu"].pk, "name": "移动办公"})
    html = response.content.decode()
    plain = re.search(r'<code class="token-value" id="new-token">(ssk_[\w-]+)</code>', html).group(1)
    row = ApiToken.objects.get(hash=tokens.hash_token(plain))
    assert row.user == org["deputy"] and row.unit == org["edu"]
    # Another unit is not offered and not accepted.
    response = client.post(reverse("api-tokens-mine"), {"unit": org["zhanyi_edu"].pk, "name": "x"})
    assert "请选择您担任角色的单位" in response.content.decode()
    # The unit's token page lists whose token each is, and offers the personal kind to the admin.
    admin = Client()
    admin.force_login(org["admin"])
    page = admin.get(reverse("api-tokens-unit", args=[org["edu"].pk])).content.decode()
    assert "个人令牌（用于审核决定）" in page and "单位系统令牌" in page and "个人令牌：钱分管" in page
    response = admin.post(reverse("api-tokens-unit", args=[org["edu"].pk]), {"name": "管理员本人", "kind": "personal"})
    assert response.status_code == 200
    assert ApiToken.objects.get(name="管理员本人").user == org["admin"]

    # The owner revokes; someone else's personal token is not found through the owner's pages.
    other = ApiToken.objects.get(user=org["head"])
    assert client.post(reverse("api-token-mine-revoke", args=[other.pk])).status_code == 404
    assert client.post(reverse("api-token-mine-revoke", args=[row.pk])).status_code == 302
    row.refresh_from_db()
    assert row.revoked_at is not None and row.revoked_by == org["deputy"]
    assert AuditEntry.objects.filter(action="api_token_revoke", actor=org["deputy"]).count() == 1
    assert Client().get("/api/v1/items/1", **bearer(plain)).status_code == 401
    # The unit's admin may revoke a personal token too.
    assert tokens.revoke_token(other, by=org["admin"])


# Deciding -----------------------------------------------------------------------------------


def test_cms_creates_and_reviewers_decide_with_personal_tokens(client, org):
    created = create(client, org)
    assert created["status"] == "in_review" and created["drafter"] == "周管理"
    # No site registered for the unit: the name is kept as text, without registry ids.
    assert created["channels"] == [
        {"kind": "site", "name": "麒麟区人民政府网站", "column": "通知公告", "site_id": None, "column_id": None}
    ]
    assert created["attachments"] == []
    item_id = created["id"]

    # The system token may not decide, whatever the step.
    response = post(client, f"{URL}/{item_id}/decisions", {"action": "approve", "proofread": True}, **org["system"])
    assert response.status_code == 403 and "系统令牌" in response.json()["detail"]
    # Not yet the deputy's turn.
    assert decide(client, org, "deputy", item_id).status_code == 403

    opinions = {"head": "内容准确。", "secrecy": "不涉密。", "deputy": "同意。", "principal": "同意发布。"}
    for name, opinion in opinions.items():
        response = decide(client, org, name, item_id, opinion=opinion)
        assert response.status_code == 200, (name, response.content.decode())
    item = client.get(f"{URL}/{item_id}", **org["system"]).json()
    assert item["status"] == "approved"
    assert [(s["decided_by"], s["opinion"]) for s in item["steps"]] == [
        ("李科长", "内容准确。"),
        ("赵保密", "不涉密。"),
        ("钱分管", "同意。"),
        ("孙局长", "同意发布。"),
    ]
    decisions = AuditEntry.objects.filter(action="review_decision").order_by("id")
    assert [e.actor_id for e in decisions] == [org[n].pk for n in REVIEWERS]


def test_proofread_and_opinion_rules_hold(client, org):
    item_id = create(client, org)["id"]
    response = decide(client, org, "head", item_id, proofread=False)
    assert response.status_code == 400 and "校对" in response.json()["detail"]
    response = decide(client, org, "head", item_id, action="return", opinion="")
    assert response.status_code == 400 and "审核意见" in response.json()["detail"]
    response = decide(client, org, "head", item_id, action="return", opinion="请补充资助标准。")
    assert response.status_code == 200 and response.json()["status"] == "returned"


def test_drafters_personal_token_cannot_approve(client, org):
    # The editor drafts with a personal token: the item is the editor's.
    created = create(client, org, headers=org["personal"]["editor"])
    assert created["drafter"] == "王拟稿" and created["unit"] == "麒麟区教育体育局"
    item_id = created["id"]
    assert decide(client, org, "editor", item_id).status_code == 403
    # The admin who is a reviewer elsewhere but drafted the CMS item cannot approve it either.
    cms_item = create(client, org)["id"]
    response = decide(client, org, "admin", cms_item)
    assert response.status_code == 403


def test_veto_override_reason_with_the_decision(client, org):
    from sanshen.review import services
    from sanshen.review.models import Item

    created = create(client, org, body=VETO)
    assert created["status"] == "draft"
    item = Item.objects.get(pk=created["id"])
    services.override_veto(item, org["head"], "引文原文如此，已核对。")
    services.submit(item, org["admin"])
    # A later revision by a reviewer with a fresh veto: 通过 needs an override reason too.
    services.add_revision(item, org["head"], title=item.title, body=VETO + "再次修改。")
    # The author of a revision may not decide at all.
    assert decide(client, org, "head", item.pk).status_code == 403
    Membership.objects.create(user=org["deputy"], unit=org["edu"], role=Role.SECTION_HEAD)
    response = decide(client, org, "deputy", item.pk)
    assert response.status_code == 400 and "否决项" in response.json()["detail"]
    response = decide(client, org, "deputy", item.pk, override_reason="经核对属于引用原文。")
    assert response.status_code == 200, response.content.decode()
    assert response.json()["steps"][0]["state"] == "passed"
    assert AuditEntry.objects.filter(action="review_override", actor=org["deputy"]).count() == 1


def test_visibility_is_the_users(client, org):
    item_id = create(client, org)["id"]
    # Another unit's reviewer: not found, for reading and deciding.
    assert client.get(f"{URL}/{item_id}", **org["personal"]["outsider"]).status_code == 404
    response = decide(client, org, "outsider", item_id)
    assert response.status_code == 404 and response.json()["detail"] == "未找到该稿件"
    assert client.get(f"{URL}/{item_id}", **org["personal"]["head"]).status_code == 200


def test_revoked_and_disabled_users_tokens_are_refused(client, org):
    item_id = create(client, org)["id"]
    head = org["personal"]["head"]
    assert client.get(f"{URL}/{item_id}", **head).status_code == 200
    org["head"].is_active = False
    org["head"].save()
    response = decide(client, org, "head", item_id)
    assert response.status_code == 401
    assert client.get(f"{URL}/{item_id}", **head).status_code == 401
    # Even while another process would still remember the token, the use itself refuses.
    from ninja.errors import AuthenticationError

    from sanshen.api.models import ApiToken as Row
    from sanshen.review.api import _token_user

    with pytest.raises(AuthenticationError):
        _token_user(Row.objects.get(user=org["head"]))
    org["head"].is_active = True
    org["head"].save()
    assert decide(client, org, "head", item_id).status_code == 200

    secrecy = ApiToken.objects.get(user=org["secrecy"])
    tokens.revoke_token(secrecy, by=org["secrecy"])
    assert decide(client, org, "secrecy", item_id).status_code == 401


def test_role_lost_in_the_tokens_unit_is_403(client, org):
    item_id = create(client, org)["id"]
    Membership.objects.filter(user=org["head"]).delete()
    response = decide(client, org, "head", item_id)
    assert response.status_code == 403 and "没有任何角色" in response.json()["detail"]
