"""The 审核表 filled from the review record, and its downloads for signed-in users."""

from __future__ import annotations

import io
import os
from urllib.parse import quote

import pytest
from docx import Document

from sanshen.units.models import Role

CLEAN = "关于做好2026年春季学期学生资助工作的通知。各学校要按时完成资助资金发放。"
VETO = "深入学习贯彻习近平新时代中国特色社会主意思想。"


@pytest.fixture
def org(tree, make_user, settings):
    from sanshen.review.defaults import seed_default_routes
    from sanshen.review.models import RouteStepTemplate, RouteTemplate

    settings.SANSHEN_2FA_REQUIRED_ROLES = ()
    seed_default_routes(RouteTemplate, RouteStepTemplate)
    edu = tree["edu"]
    return {
        **tree,
        "editor": make_user("editor", (edu, Role.EDITOR), full_name="王拟稿"),
        "head": make_user("head", (edu, Role.SECTION_HEAD), full_name="李科长"),
        "secrecy": make_user("secrecy", (edu, Role.SECRECY_REVIEWER), full_name="赵保密"),
        "deputy": make_user("deputy", (edu, Role.DEPUTY_LEADER), full_name="钱分管"),
        "principal": make_user("principal", (edu, Role.PRINCIPAL_LEADER), full_name="孙局长"),
        "outsider": make_user("outsider", (tree["zhanyi_edu"], Role.SECTION_HEAD)),
    }


def _approve(item, user, opinion):
    from sanshen.review import services

    item.refresh_from_db()
    (step,) = [s for s in services.current_steps(item) if services.can_decide(s, user)]
    services.decide(step, user, "approve", opinion, item.latest_revision(), proofread=True)


@pytest.fixture
def reviewed(org):
    """A 政策文件 item with a veto overridden, two steps decided, two open."""
    from sanshen.review import services

    item = services.create_item(
        org["editor"], org["edu"], title="学生资助通知", body=VETO + "\n" + CLEAN * 10, category="policy"
    )
    services.override_veto(item, org["head"], "系引文原文，已核对")
    services.submit(item, org["editor"])
    _approve(item, org["head"], "内容准确，同意报送。")
    _approve(item, org["secrecy"], "不涉及国家秘密。")
    item.refresh_from_db()
    return item


def test_build_form_data(org, reviewed):
    from sanshen.review.formdata import SUMMARY_CHARS, build_form_data

    data = build_form_data(reviewed)
    assert data.unit_name == "麒麟区教育体育局"
    assert data.title == "麒麟区教育体育局政府网站信息发布审核表"
    assert data.info_name == "学生资助通知"
    assert data.source == "原创" and data.category == "政策文件" and data.drafter == "王拟稿"
    assert data.summary.startswith("深入学习") and len(data.summary) <= SUMMARY_CHARS + 2
    assert [s.name for s in data.steps] == ["科室初审", "保密审查", "分管领导复审", "主要领导终审"]
    head, secrecy, deputy, _principal = data.steps
    assert (head.reviewer, head.opinion, head.decision) == ("李科长", "内容准确，同意报送。", "通过")
    assert not head.secrecy
    assert secrecy.secrecy and secrecy.reviewer == "赵保密" and secrecy.date_text
    assert deputy.reviewer == "" and deputy.decision == "" and deputy.date is None
    (note,) = data.overrides
    assert note.reason == "系引文原文，已核对" and note.reviewer == "李科长" and "否决" in note.finding
    assert data.machine_check.startswith("机器检查：")
    assert "否决" in data.machine_check and "第1版" in data.machine_check
    assert data.item_id.endswith(f"{reviewed.pk:06d}")


def test_reprint_source_and_draft_without_steps(org):
    from sanshen.review import services
    from sanshen.review.formdata import build_form_data

    item = services.create_item(
        org["editor"], org["edu"], title="转载", body=CLEAN, category="reprint",
        source="reprint", source_name="曲靖日报", source_url="https://example.cn/a",
    )
    data = build_form_data(item)
    assert data.source == "转载：曲靖日报"
    assert data.steps == []
    assert data.machine_check == "机器检查：未发现问题（第1版）" or data.machine_check.startswith("机器检查：共")


def test_docx_download_for_visible_users_only(org, reviewed, client):
    url = f"/review/items/{reviewed.pk}/form.docx"
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(org["outsider"])
    assert client.get(url).status_code == 404
    assert client.get("/review/items/999999/form.docx").status_code == 404
    client.force_login(org["deputy"])
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert "filename*=utf-8''" + quote(f"审核表-{reviewed.pk}-学生资助通知.docx") in disposition
    doc = Document(io.BytesIO(response.content))
    text = "\n".join(cell.text for table in doc.tables for row in table.rows for cell in row.cells)
    for needle in ("李科长", "内容准确，同意报送。", "赵保密", "不涉及国家秘密。", "系引文原文，已核对"):
        assert needle in text


def test_pdf_download(org, reviewed, client):
    from sanshen.review.formdoc import FormRenderError, check_pdf_support

    client.force_login(org["head"])
    response = client.get(f"/review/items/{reviewed.pk}/form.pdf")
    try:
        check_pdf_support()
    except FormRenderError as exc:
        assert response.status_code == 503
        if os.environ.get("CI") == "true":
            pytest.fail(str(exc))
        pytest.skip(str(exc))
    from pypdf import PdfReader

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    text = "".join(text.split())
    for needle in ("李科长", "赵保密", "内容准确"):
        assert needle in text
