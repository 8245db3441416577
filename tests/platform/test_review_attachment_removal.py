"""Removing a wrong attachment: an append-only AttachmentRemoval, the file kept; a removed
attachment no longer blocks submission, shows as 已移除 on the item page, stays in the archive."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sanshen.accounts.testing import login
from sanshen.units.models import Role

CLEAN = "关于做好2026年春季学期学生资助工作的通知。各学校要按时完成资助资金发放。"
ID_NUMBER = "110101199003077571"


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
        "editor2": make_user("editor2", (edu, Role.EDITOR), full_name="冯信息"),
        "head": make_user("head", (edu, Role.SECTION_HEAD), full_name="李科长"),
        "secrecy": make_user("secrecy", (edu, Role.SECRECY_REVIEWER), full_name="赵保密"),
        "deputy": make_user("deputy", (edu, Role.DEPUTY_LEADER), full_name="钱分管"),
    }


def _item(org):
    from sanshen.review import services

    return services.create_item(org["editor"], org["edu"], title="学生资助通知", body=CLEAN, category="work_news")


def _wrong(org, item):
    from sanshen.review import services

    upload = services.Upload("错的名单.txt", f"身份证号{ID_NUMBER}".encode())
    return services.add_attachment(item, org["editor"], upload)


def test_removed_attachment_no_longer_blocks_and_is_audited(org):
    from sanshen.audit.models import AuditEntry
    from sanshen.review import services
    from sanshen.review.models import Attachment, AttachmentRemoval

    item = _item(org)
    wrong = _wrong(org, item)
    with pytest.raises(ValidationError, match="否决项"):
        services.submit(item, org["editor"])

    with pytest.raises(ValidationError, match="写明理由"):
        services.remove_attachment(wrong, org["editor"], "  ")
    with pytest.raises(PermissionDenied):
        services.remove_attachment(wrong, org["head"], "不是拟稿人")
    with pytest.raises(PermissionDenied):
        services.remove_attachment(wrong, org["editor2"], "同单位的另一位信息员")

    removal = services.remove_attachment(wrong, org["editor"], "上传错了文件")
    assert (removal.removed_by, removal.reason) == (org["editor"], "上传错了文件")
    assert services.attachment_vetoes(item) == [] and services.blocking_vetoes(item) == []
    # The file is kept, unchanged; the record cannot be changed, deleted or made twice.
    kept = Attachment.objects.get(pk=wrong.pk)
    assert bytes(kept.data) == f"身份证号{ID_NUMBER}".encode() and kept.sha256 == wrong.sha256
    with pytest.raises(ValidationError):
        removal.delete()
    with pytest.raises(ValidationError):
        AttachmentRemoval.objects.filter(pk=removal.pk).update(reason="改过")
    with pytest.raises(ValidationError, match="已被移除"):
        services.remove_attachment(wrong, org["editor"], "再移除一次")
    entry = AuditEntry.objects.filter(action="review_file_remove").get()
    assert entry.actor == org["editor"]
    assert entry.after["attachment"] == wrong.pk and entry.after["reason"] == "上传错了文件"
    assert entry.after["sha256"] == wrong.sha256 and entry.after["vetoes"] == 1

    services.submit(item, org["editor"])
    item.refresh_from_db()
    assert item.status == "in_review"
    # Not while in review.
    other = Attachment.objects.create(
        item=item, kind="attachment", name="x.txt", size=1, sha256="0" * 64, data=b"x", uploaded_by=org["editor"]
    )
    with pytest.raises(ValidationError, match="不能移除附件"):
        services.remove_attachment(other, org["editor"], "审核中")


def test_body_originals_cannot_be_removed(org):
    from sanshen.review import services

    upload = services.Upload("正文.txt", CLEAN.encode())
    item = services.create_item(org["editor"], org["edu"], title="通知", category="work_news", body_file=upload)
    original = item.attachments.get(kind="original")
    with pytest.raises(ValidationError, match="正文原件"):
        services.remove_attachment(original, org["editor"], "不要了")


def test_item_page_shows_removed_attachment_struck_through(org):
    from sanshen.audit.models import AuditEntry
    from sanshen.review.models import AttachmentRemoval

    item = _item(org)
    wrong = _wrong(org, item)
    c = login(Client(), org["editor"])
    page = reverse("review:item", args=[item.pk])
    url = reverse("review:remove_attachment", args=[item.pk, wrong.pk])
    html = c.get(page).content.decode()
    assert url in html and 'id="attachment-vetoes"' in html

    # A reviewer sees no remove form, and a post from them is refused.
    assert url not in login(Client(), org["head"]).get(page).content.decode()
    response = login(Client(), org["head"]).post(url, {"reason": "越权"}, follow=True)
    assert "未能移除附件" in response.content.decode()
    assert not AttachmentRemoval.objects.exists()
    response = c.post(url, {"reason": ""}, follow=True)
    assert "须写明理由" in response.content.decode()

    response = c.post(url, {"reason": "上传错了文件"})
    assert response.status_code == 302
    html = c.get(page).content.decode()
    assert "<del>错的名单.txt</del>" in html and "已移除（上传错了文件）" in html
    assert 'id="attachment-vetoes"' not in html and url not in html
    # Still downloadable (the record keeps the file).
    download = c.get(reverse("review:file", args=[item.pk, wrong.pk]))
    assert download.status_code == 200 and download.content == f"身份证号{ID_NUMBER}".encode()
    assert AuditEntry.objects.filter(action="review_file_remove").count() == 1


def test_removed_attachment_is_in_the_archive_marked_removed(org):
    from sanshen.review import services
    from sanshen.review.archive import build_monthly_archive

    item = _item(org)
    wrong = _wrong(org, item)
    good = services.add_attachment(item, org["editor"], services.Upload("正确附件.txt", "资助标准表".encode()))
    services.remove_attachment(wrong, org["editor"], "上传错了文件")
    services.submit(item, org["editor"])
    for name in ("head", "secrecy", "deputy"):
        item.refresh_from_db()
        (step,) = [s for s in services.current_steps(item) if services.can_decide(s, org[name])]
        services.decide(step, org[name], "approve", "同意", item.latest_revision(), proofread=True)

    today = timezone.localdate()
    with zipfile.ZipFile(io.BytesIO(build_monthly_archive(org["edu"], today.year, today.month))) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    wrong_name = f"items/{item.pk}/attachments/{wrong.pk}-错的名单.txt"
    assert members[wrong_name] == f"身份证号{ID_NUMBER}".encode()
    (row,) = csv.DictReader(io.StringIO(members["manifest.csv"].decode("utf-8-sig")))
    entries = row["attachments"].split("；")
    (wrong_entry,) = [e for e in entries if wrong_name in e]
    assert "已移除（上传错了文件，王拟稿，" in wrong_entry
    (good_entry,) = [e for e in entries if f"{good.pk}-正确附件.txt" in e]
    assert "已移除" not in good_entry


def test_api_lists_removed_attachments(org, client):
    from sanshen.review import services

    item = _item(org)
    wrong = _wrong(org, item)
    services.remove_attachment(wrong, org["editor"], "上传错了文件")
    client.force_login(org["editor"])
    data = client.get(f"/api/v1/items/{item.pk}").json()
    (listed,) = data["attachments"]
    assert listed["id"] == wrong.pk and listed["removed"] is True and listed["removed_reason"] == "上传错了文件"
