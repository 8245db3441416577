"""Uploaded bodies, attachments (附件) and target channels (发布渠道) of review items."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse
from django.utils.http import content_disposition_header

from sanshen.accounts.testing import login
from sanshen.units.models import Role

CLEAN = "关于做好2026年春季学期学生资助工作的通知。各学校要按时完成资助资金发放。"
ID_NUMBER = "110101199003077571"  # valid GB 11643 check digit: a veto privacy finding
PDF_FIXTURE = Path(__file__).resolve().parents[1] / "engine" / "fixtures" / "extract" / "cjk.pdf"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture
def org(tree, make_user):
    from sanshen.review.defaults import seed_default_routes
    from sanshen.review.models import RouteStepTemplate, RouteTemplate

    seed_default_routes(RouteTemplate, RouteStepTemplate)
    edu = tree["edu"]
    return {
        **tree,
        "editor": make_user("editor", (edu, Role.EDITOR), full_name="王拟稿"),
        "head": make_user("head", (edu, Role.SECTION_HEAD), full_name="李科长"),
        "secrecy": make_user("secrecy", (edu, Role.SECRECY_REVIEWER), full_name="赵保密"),
        "deputy": make_user("deputy", (edu, Role.DEPUTY_LEADER), full_name="钱分管"),
        "outsider": make_user("outsider", (tree["zhanyi_edu"], Role.EDITOR), (tree["zhanyi_edu"], Role.SECTION_HEAD)),
    }


def _docx(*paragraphs: str) -> bytes:
    from docx import Document

    doc = Document()
    for p in paragraphs:
        doc.add_paragraph(p)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _client(user) -> Client:
    return login(Client(), user)


def _new(client, unit, **extra):
    data = {
        "unit": unit.pk,
        "title": "学生资助通知",
        "body": "",
        "category": "work_news",
        "importance": "normal",
        "source": "original",
        "channels": "",
        **extra,
    }
    return client.post(reverse("review:new"), data)


def _item(org, body=CLEAN, **kw):
    from sanshen.review import services

    kw.setdefault("category", "work_news")
    return services.create_item(org["editor"], org["edu"], title="学生资助通知", body=body, **kw)


def _fresh(item):
    item.refresh_from_db()
    return item


# Uploaded bodies ----------------------------------------------------------------------------


def test_docx_upload_becomes_the_body_and_the_original_is_kept(org):
    from sanshen.audit.models import AuditEntry
    from sanshen.review.models import Attachment, Item

    data = _docx("关于做好学生资助工作的通知", "各学校要按时完成资助资金发放。")
    c = _client(org["editor"])
    upload = SimpleUploadedFile("资助通知.docx", data, content_type=DOCX_TYPE)
    response = _new(c, org["edu"], body_file=upload, channels="曲靖市人民政府网站/通知公告\n新媒体：曲靖发布")
    assert response.status_code == 302, response.content.decode()[:2000]
    item = Item.objects.get()
    revision = item.latest_revision()
    assert "各学校要按时完成资助资金发放" in revision.body and "关于做好学生资助工作的通知" in revision.body
    original = Attachment.objects.get(item=item)
    assert (original.kind, original.revision_id, original.name) == ("original", revision.pk, "资助通知.docx")
    assert bytes(original.data) == data and original.sha256 == hashlib.sha256(data).hexdigest()
    assert item.channels == [
        {"kind": "site", "name": "曲靖市人民政府网站", "column": "通知公告"},
        {"kind": "newmedia", "name": "曲靖发布", "column": ""},
    ]

    html = c.get(reverse("review:item", args=[item.pk])).content.decode()
    url = reverse("review:file", args=[item.pk, original.pk])
    assert "正文原件" in html and "资助通知.docx" in html and url in html
    assert "曲靖市人民政府网站/通知公告" in html and "新媒体：曲靖发布" in html

    download = c.get(url)
    assert download.status_code == 200 and download.content == data
    assert download["Content-Type"] == DOCX_TYPE
    assert download["Content-Disposition"] == content_disposition_header(True, "资助通知.docx")
    assert "filename*=utf-8''" in download["Content-Disposition"]
    assert AuditEntry.objects.filter(action="review_file_upload").count() == 1
    assert AuditEntry.objects.filter(action="review_file_download", actor=org["editor"]).count() == 1


def test_html_body_and_pdf_revision_from_files(org):
    from sanshen.review import services
    from sanshen.review.models import Attachment

    page = "<html><head><title>t</title></head><body><p>关于学生资助的通知</p><script>x()</script></body></html>"
    item = services.create_item(
        org["editor"],
        org["edu"],
        title="学生资助通知",
        category="work_news",
        body_file=services.Upload("notice.html", page.encode(), "text/html"),
    )
    assert "关于学生资助的通知" in item.latest_revision().body
    pdf = PDF_FIXTURE.read_bytes()
    revision = services.add_revision_from_file(
        item, org["editor"], title="学生资助通知", upload=services.Upload("通知.pdf", pdf)
    )
    assert revision.number == 2 and revision.body.strip()
    assert revision.body == services.read_body_file(services.Upload("通知.pdf", pdf))
    kinds = list(Attachment.objects.filter(item=item).values_list("kind", "revision__number", "name"))
    assert kinds == [("original", 1, "notice.html"), ("original", 2, "通知.pdf")]
    with pytest.raises(ValidationError, match="二者选一"):
        services.add_revision(item, org["editor"], title="x", body="正文", body_file=services.Upload("a.txt", b"x"))


def test_revise_form_takes_a_file(org):
    from sanshen.review.models import Attachment

    item = _item(org)
    c = _client(org["editor"])
    upload = SimpleUploadedFile("第二稿.txt", "修改后的通知正文。".encode(), content_type="text/plain")
    response = c.post(
        reverse("review:revise", args=[item.pk]), {"title": "学生资助通知", "body": "", "body_file": upload}
    )
    assert response.status_code == 302
    assert _fresh(item).latest_revision().body == "修改后的通知正文。"
    assert Attachment.objects.get(item=item).revision.number == 2


def test_broken_or_oversize_file_is_refused_and_nothing_is_saved(org):
    from sanshen.review.models import Attachment, Item, Revision

    c = _client(org["editor"])
    broken = SimpleUploadedFile("坏文件.docx", b"PK\x03\x04 not really a zip", content_type=DOCX_TYPE)
    response = _new(c, org["edu"], body_file=broken)
    assert response.status_code == 200
    html = response.content.decode()
    assert "无法读取正文文件" in html and "坏文件.docx" in html
    assert not Item.objects.exists() and not Attachment.objects.exists()

    wrong = SimpleUploadedFile("图片.png", b"\x89PNG\r\n\x1a\n", content_type="image/png")
    assert "格式不支持" in _new(c, org["edu"], body_file=wrong).content.decode()
    assert "请粘贴正文，或上传正文文件" in _new(c, org["edu"]).content.decode()

    with override_settings(SANSHEN_REVIEW_MAX_UPLOAD_MB=0.01):  # about 10 KB
        big = SimpleUploadedFile("大文件.txt", ("通知" * 4000).encode(), content_type="text/plain")
        html = _new(c, org["edu"], body_file=big).content.decode()
        assert "超过上限" in html and "10.2 KB" in html
        assert not Item.objects.exists()

        item = _item(org)
        big.seek(0)
        response = c.post(reverse("review:revise", args=[item.pk]), {"title": "学生资助通知", "body_file": big})
        assert response.status_code == 400 and "超过上限" in response.content.decode()
        big.seek(0)
        response = c.post(reverse("review:attachments", args=[item.pk]), {"files": [big]})
        assert response.status_code == 400 and "超过上限" in response.content.decode()
    assert Revision.objects.filter(item=item).count() == 1 and not Attachment.objects.exists()


# Attachments --------------------------------------------------------------------------------


def test_attachment_with_an_id_number_blocks_submission_until_overridden(org):
    from sanshen.audit.models import AuditEntry
    from sanshen.review import services

    item = _item(org)
    c = _client(org["editor"])
    files = [
        SimpleUploadedFile("名单.docx", _docx("低保名单", f"张建国，身份证号{ID_NUMBER}。"), content_type=DOCX_TYPE),
        SimpleUploadedFile("照片.jpg", b"\xff\xd8\xff\xe0 jpeg", content_type="image/jpeg"),
    ]
    response = c.post(reverse("review:attachments", args=[item.pk]), {"files": files})
    assert response.status_code == 302
    listed, photo = list(item.attachments.order_by("id"))
    assert listed.kind == "attachment" and listed.revision_id is None
    assert any(f["severity"] == "veto" and f["category"] == "privacy" for f in listed.findings)
    assert [f["rule"] for f in photo.findings] == [services.UNCHECKED_RULE]  # kept, not checkable

    html = c.get(reverse("review:item", args=[item.pk])).content.decode()
    assert "附件（2）" in html and "名单.docx" in html and listed.sha256[:12] in html
    assert 'id="attachment-vetoes"' in html and 'id="submit-button" disabled' in html
    assert reverse("review:file", args=[item.pk, listed.pk]) in html

    with pytest.raises(ValidationError, match=r"附件《名单\.docx》有 1 处否决项"):
        services.submit(item, org["editor"])
    c.post(reverse("review:submit", args=[item.pk]))
    assert _fresh(item).status == "draft"

    override = services.override_veto(item, org["head"], "名单系内部附件，已核实须脱敏后发布")
    assert override.findings[0]["attachment"] == listed.pk
    assert services.attachment_vetoes(item) == [] and services.blocking_vetoes(item) == []
    entry = AuditEntry.objects.filter(action="review_override").latest("seq")
    assert entry.after["attachments"] == [listed.pk]
    # The override stays with the file across revisions.
    services.add_revision(item, org["editor"], title="学生资助通知", body=CLEAN + "\n补充说明。")
    services.submit(item, org["editor"])
    assert _fresh(item).status == "in_review"
    (step,) = services.current_steps(item)
    decision = services.decide(step, org["head"], "approve", "同意", item.latest_revision(), proofread=True)
    assert "已核实须脱敏" in decision.override_reason

    # No more attachments once in review.
    with pytest.raises(ValidationError, match="不能再添加附件"):
        services.add_attachment(item, org["editor"], services.Upload("b.txt", b"text"))


def test_only_the_drafter_adds_attachments_and_a_new_veto_needs_a_new_override(org):
    from django.core.exceptions import PermissionDenied

    from sanshen.review import services

    item = _item(org)
    with pytest.raises(PermissionDenied):
        services.add_attachment(item, org["head"], services.Upload("a.txt", b"text"))
    first = services.add_attachment(item, org["editor"], services.Upload("a.txt", f"身份证号{ID_NUMBER}".encode()))
    services.override_veto(item, org["head"], "已核实")
    second = services.add_attachment(item, org["editor"], services.Upload("b.txt", f"证号{ID_NUMBER}。".encode()))
    assert {f["attachment"] for f in services.attachment_vetoes(item)} == {second.pk}
    assert first.pk != second.pk
    with pytest.raises(ValidationError, match="否决项"):
        services.submit(item, org["editor"])


def test_attachment_download_is_permission_checked_and_safe(org):
    from sanshen.review import services

    item = _item(org)
    script = b"<html><body><script>alert(1)</script></body></html>"
    page = services.add_attachment(item, org["editor"], services.Upload('../../evil"<x>.html', script))
    assert page.name == "evil__x_.html"
    url = reverse("review:file", args=[item.pk, page.pk])

    response = _client(org["head"]).get(url)  # a reviewer of the unit sees the item
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]

    outsider = _client(org["outsider"])
    assert outsider.get(url).status_code == 404
    other = _item(org)
    assert _client(org["editor"]).get(reverse("review:file", args=[other.pk, page.pk])).status_code == 404
    assert outsider.post(reverse("review:attachments", args=[item.pk]), {}).status_code == 404
    assert Client().get(url).status_code == 302  # to the login page


# Channels -----------------------------------------------------------------------------------


def test_channel_parsing_and_validation():
    from sanshen.review import services

    text = "曲靖市人民政府网站/通知公告\n\n  新媒体：曲靖发布 \n网站：麒麟区政府网／政务动态\n"
    text += "曲靖市人民政府网站/通知公告"
    channels = services.parse_channels(text)
    assert channels == [
        {"kind": "site", "name": "曲靖市人民政府网站", "column": "通知公告"},
        {"kind": "newmedia", "name": "曲靖发布", "column": ""},
        {"kind": "site", "name": "麒麟区政府网", "column": "政务动态"},
    ]
    assert services.parse_channels(services.channels_text(channels)) == channels
    with pytest.raises(ValidationError) as exc:
        services.parse_channels("只有网站名\n新媒体：\n" + "长" * 101 + "/栏目")
    assert [m[:3] for m in exc.value.messages] == ["第1行", "第2行", "第3行"]
    assert "须写明栏目" in exc.value.messages[0]
    assert services.clean_channels(None) == [] and services.clean_channels("") == []
    assert services.clean_channels([{"kind": "newmedia", "name": "曲靖发布"}]) == [
        {"kind": "newmedia", "name": "曲靖发布", "column": ""}
    ]
    for bad in ([{"kind": "tv", "name": "x", "column": "y"}], [{"kind": "site", "name": 1}], ["x"], {"a": 1}):
        with pytest.raises(ValidationError):
            services.clean_channels(bad)


def test_channels_on_forms_pages_form_data_and_submission(org):
    from sanshen.review import services
    from sanshen.review.formdata import build_form_data
    from sanshen.review.models import Item

    c = _client(org["editor"])
    response = _new(c, org["edu"], body=CLEAN, channels="只有网站名")
    assert response.status_code == 200 and "须写明栏目" in response.content.decode()
    assert not Item.objects.exists()

    item = _item(org)
    assert item.channels == []
    with override_settings(SANSHEN_REVIEW_REQUIRE_CHANNELS=True):
        with pytest.raises(ValidationError, match="至少一个发布渠道"):
            services.submit(item, org["editor"])
        assert "提交审核前须至少填写一个" in c.get(reverse("review:item", args=[item.pk])).content.decode()
        response = c.post(
            reverse("review:revise", args=[item.pk]),
            {"title": "学生资助通知", "body": CLEAN, "channels": "麒麟区人民政府网站/教育信息\n新媒体：麒麟教育"},
        )
        assert response.status_code == 302
        item = _fresh(item)
        assert [ch["name"] for ch in item.channels] == ["麒麟区人民政府网站", "麒麟教育"]
        assert build_form_data(item).channels == "麒麟区人民政府网站/教育信息；新媒体：麒麟教育"
        services.submit(item, org["editor"])
    assert _fresh(item).status == "in_review"
    # A post without the channels field leaves them; the drafter may not change them in review.
    services.add_revision(item, org["editor"], title="学生资助通知", body=CLEAN + "。")
    assert len(_fresh(item).channels) == 2
    with pytest.raises(ValidationError, match="不能修改发布渠道"):
        services.add_revision(item, org["editor"], title="学生资助通知", body=CLEAN, channels=[])
    page = c.get(reverse("review:item", args=[item.pk])).content.decode()
    assert "麒麟区人民政府网站/教育信息" in page


# The monthly archive ------------------------------------------------------------------------


def test_archive_contains_originals_and_attachments_with_their_sha256(org):
    import csv

    from django.utils import timezone

    from sanshen.review import services
    from sanshen.review.archive import build_monthly_archive

    body = _docx("关于学生资助的通知", "各学校要按时完成资助资金发放。")
    item = services.create_item(
        org["editor"],
        org["edu"],
        title="学生资助通知",
        category="work_news",
        body_file=services.Upload("正文.docx", body),
        channels=[{"kind": "site", "name": "曲靖市人民政府网站", "column": "通知公告"}],
    )
    sheet = services.add_attachment(item, org["editor"], services.Upload("../名单:2026.txt", "名单：王某".encode()))
    services.submit(item, org["editor"])
    for name in ("head", "secrecy", "deputy"):
        item = _fresh(item)
        (step,) = [s for s in services.current_steps(item) if services.can_decide(s, org[name])]
        services.decide(step, org[name], "approve", "同意", item.latest_revision(), proofread=True)
    assert _fresh(item).status == "approved"

    today = timezone.localdate()
    data = build_monthly_archive(org["edu"], today.year, today.month)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    original = item.attachments.get(kind="original")
    files = {
        f"items/{item.pk}/attachments/{original.pk}-正文.docx": body,
        f"items/{item.pk}/attachments/{sheet.pk}-名单_2026.txt": "名单：王某".encode(),
    }
    for name, content in files.items():
        assert members[name] == content
    sums = dict(reversed(line.split("  ", 1)) for line in members["SHA256SUMS"].decode().splitlines())
    for name, content in files.items():
        assert sums[name] == hashlib.sha256(content).hexdigest()
    assert all(".." not in n and not n.startswith("/") for n in members)
    (row,) = csv.DictReader(io.StringIO(members["manifest.csv"].decode("utf-8-sig")))
    assert all(name in row["attachments"] for name in files)
    assert f"sha256={sheet.sha256}" in row["attachments"] and "正文原件（第1版）" in row["attachments"]


def test_new_item_form_shows_channels_prominently_with_a_hint(org, settings):
    settings.SANSHEN_2FA_REQUIRED_ROLES = ()
    c = _client(org["editor"])
    settings.SANSHEN_REVIEW_REQUIRE_CHANNELS = False
    html = c.get(reverse("review:new")).content.decode()
    assert 'id="channels-field"' in html and 'id="channels-hint"' in html
    assert "拟发布渠道" in html and "建议现在填写" in html and "提交审核前须至少填写一个" not in html
    # Right after the title, before the body.
    assert html.index('name="title"') < html.index('name="channels"') < html.index('name="body"')
    settings.SANSHEN_REVIEW_REQUIRE_CHANNELS = True
    html = c.get(reverse("review:new")).content.decode()
    assert "提交审核前须至少填写一个" in html and "建议现在填写" not in html
