"""The monthly archive (zip of forms, final texts, manifest, checksums) and the self-inspection report."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import zipfile

import pytest
from django.utils import timezone

from sanshen.units.models import Role

CLEAN = "关于做好2026年春季学期学生资助工作的通知。各学校要按时完成资助资金发放。"
VETO = "深入学习贯彻习近平新时代中国特色社会主意思想。"


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
        "principal": make_user("principal", (edu, Role.PRINCIPAL_LEADER), full_name="孙局长"),
        "webadmin": make_user("webadmin", (edu, Role.SITE_ADMIN), full_name="周管理"),
        "town_head": make_user("town_head", (tree["town"], Role.SECTION_HEAD), full_name="吴镇长"),
        "z_editor": make_user("z_editor", (tree["zhanyi_edu"], Role.EDITOR)),
        "z_head": make_user("z_head", (tree["zhanyi_edu"], Role.SECTION_HEAD)),
    }


def _approve_current(item, user):
    from sanshen.review import services

    item.refresh_from_db()
    (step,) = [s for s in services.current_steps(item) if services.can_decide(s, user)]
    return services.decide(step, user, "approve", f"同意（{user}）", item.latest_revision(), proofread=True)


def _item(org, title, body=CLEAN, **kw):
    from sanshen.review import services

    kw.setdefault("category", "work_news")
    return services.create_item(org["editor"], org["edu"], title=title, body=body, **kw)


@pytest.fixture
def month_data(org):
    from sanshen.review import publishing, services
    from sanshen.review.models import ReviewStep, StepState

    now = timezone.now()
    # A: approved, published, then withdrawn; with a skipped step on record.
    a = _item(org, "学生资助通知")
    services.submit(a, org["editor"])
    for name in ("head", "secrecy", "deputy"):
        _approve_current(a, org[name])
    a.refresh_from_db()
    publishing.publish(a, org["webadmin"], "https://www.example.gov.cn/a/1.html")
    first = a.steps.order_by("order").first()
    ReviewStep.objects.create(
        item=a, round=a.round, order=first.order + 1, kind="first", label="办公室核稿", unit=org["edu"],
        state=StepState.SKIPPED,
    )  # fmt: skip
    req = publishing.request_withdraw(a, org["webadmin"], "withdraw", "时机不当")
    publishing.decide_withdraw(req, org["principal"], True, "同意撤回")
    # B: a veto overridden by a reviewer; its first step decided after the deadline.
    b = _item(org, "教育统计公报", body=VETO)
    services.override_veto(b, org["head"], "引文原文如此，已核对")
    services.submit(b, org["editor"])
    b.refresh_from_db()
    ReviewStep.objects.filter(pk=services.current_steps(b)[0].pk).update(deadline=now - dt.timedelta(seconds=5))
    for name in ("head", "secrecy", "deputy"):
        _approve_current(b, org[name])
    # C: a bidding item whose joint review is complete; D: one still waiting in review, overdue.
    c = _item(org, "校舍维修招标公告", topics=["bidding"], joint_units=[org["town"]])
    services.submit(c, org["editor"])
    for name in ("head", "secrecy"):
        _approve_current(c, org[name])
    _approve_current(c, org["town_head"])
    _approve_current(c, org["deputy"])
    d = _item(org, "教师招聘结果公示", topics=["personnel"], joint_units=[org["town"]])
    services.submit(d, org["editor"])
    ReviewStep.objects.filter(item=d, state=StepState.PENDING, deadline__isnull=False).update(
        deadline=now - dt.timedelta(seconds=1)
    )
    # E: rejected. F: another unit's item (never in this unit's archive).
    e = _item(org, "驳回稿件")
    services.submit(e, org["editor"])
    e.refresh_from_db()
    services.decide(services.current_steps(e)[0], org["head"], "reject", "内容不宜公开")
    f = services.create_item(org["z_editor"], org["zhanyi_edu"], title="沾益稿件", body=CLEAN, category="work_news")
    services.submit(f, org["z_editor"])
    for item in (a, b, c, d, e):
        item.refresh_from_db()
    today = timezone.localdate()
    return {"a": a, "b": b, "c": c, "d": d, "e": e, "f": f, "year": today.year, "month": today.month}


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.testzip() is None
        return {name: zf.read(name) for name in zf.namelist()}


def _docx_text(data: bytes) -> str:
    from docx import Document

    doc = Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def test_archive_contents_and_checksums(org, month_data):
    from sanshen.audit.models import AuditEntry
    from sanshen.review.archive import build_monthly_archive

    md = month_data
    data = build_monthly_archive(org["edu"], md["year"], md["month"])
    members = _members(data)
    decided = [md[k] for k in ("a", "b", "c", "e")]
    expected = {"manifest.csv", "SHA256SUMS", "self_inspection.csv", "self_inspection.docx"}
    for item in decided:
        expected |= {f"items/{item.pk}/form.docx", f"items/{item.pk}/text.txt"}
    assert set(members) == expected  # D (in review) and F (other unit) are not in it

    sums = members["SHA256SUMS"].decode().splitlines()
    listed = {}
    for line in sums:
        digest, name = line.split("  ", 1)
        listed[name] = digest
    assert set(listed) == expected - {"SHA256SUMS"}
    for name, digest in listed.items():
        assert hashlib.sha256(members[name]).hexdigest() == digest

    rows = list(csv.DictReader(io.StringIO(members["manifest.csv"].decode("utf-8-sig"))))
    by_id = {int(r["id"]): r for r in rows}
    assert set(by_id) == {i.pk for i in decided}
    a = by_id[md["a"].pk]
    assert a["status"] == "已撤回" and a["published_url"] == "https://www.example.gov.cn/a/1.html"
    assert a["published_at"] and a["decided_at"] and a["withdrawn"].startswith("撤回")
    assert "科室初审/通过/李科长" in a["steps"] and "分管领导终审/通过/钱分管" in a["steps"]
    assert by_id[md["e"].pk]["status"] == "已驳回"
    assert by_id[md["b"].pk]["content_hash"] == md["b"].latest_revision().content_hash

    text = members[f"items/{md['b'].pk}/text.txt"].decode()
    assert text.startswith("教育统计公报\n") and VETO in text
    form = _docx_text(members[f"items/{md['a'].pk}/form.docx"])
    for name in ("李科长", "赵保密", "钱分管", "学生资助通知"):
        assert name in form
    assert "吴镇长" in _docx_text(members[f"items/{md['c'].pk}/form.docx"])
    entry = AuditEntry.objects.filter(action="review_archive").latest("seq")
    assert entry.after["items"] == 4 and entry.after["sha256"] == hashlib.sha256(data).hexdigest()


def test_archive_of_another_month_is_empty(org, month_data):
    from sanshen.review.archive import build_monthly_archive

    year, month = month_data["year"] - 1, month_data["month"]
    members = _members(build_monthly_archive(org["edu"], year, month))
    assert set(members) == {"manifest.csv", "SHA256SUMS", "self_inspection.csv", "self_inspection.docx"}
    assert members["manifest.csv"].decode("utf-8-sig").count("\n") == 1  # the header only


def test_self_inspection_counts(org, month_data):
    from sanshen.review.archive import self_inspection, self_inspection_csv, self_inspection_docx

    md = month_data
    report = self_inspection(org["edu"], md["year"], md["month"])
    assert report.counts == {
        "published": 1,
        "skipped": 1,
        "overrides": 1,
        "overdue": 2,
        "joint_topics": 2,
        "withdrawals": 1,
    }
    assert report.published[0]["id"] == md["a"].pk
    assert report.skipped[0]["detail"] == "办公室核稿"
    assert report.overrides[0]["detail"] == "引文原文如此，已核对"
    assert {r["id"] for r in report.overdue} == {md["b"].pk, md["d"].pk}
    assert [r["at"] for r in report.overdue if r["id"] == md["d"].pk] == ["未办结"]
    joint = {r["id"]: r for r in report.joint_topics}
    assert joint[md["c"].pk]["joint_complete"] is True
    assert joint[md["d"].pk]["joint_complete"] is False and "越州镇" in joint[md["d"].pk]["detail"]
    assert report.incomplete_joint == 1
    other = self_inspection(org["zhanyi_edu"], md["year"], md["month"])
    assert sum(other.counts.values()) == 0

    text = self_inspection_csv(report)
    assert "本月发布信息（1）" in text and "校舍维修招标公告" in text
    docx = _docx_text(self_inspection_docx(report))
    assert "自检自查报告" in docx and "超期审核：2 项" in docx and "教师招聘结果公示" in docx


def test_review_archive_command(org, month_data, tmp_path):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    md = month_data
    month = f"{md['year']:04d}-{md['month']:02d}"
    call_command("review_archive", "--unit", str(org["edu"].pk), "--month", month, "-o", str(tmp_path / "one"))
    (path,) = (tmp_path / "one").iterdir()
    assert path.name == f"review-archive-{org['edu'].pk}-{month}.zip"
    assert "manifest.csv" in _members(path.read_bytes())
    call_command("review_archive", "--all-units", "--month", month, "-o", str(tmp_path / "all"))
    assert [p.name for p in (tmp_path / "all").iterdir()] == [path.name]  # only units with decided items
    with pytest.raises(CommandError):
        call_command("review_archive", "--unit", str(org["edu"].pk), "--month", "2026-13")
    out = tmp_path / "report"
    call_command("review_archive", "--unit", str(org["edu"].pk), "--month", month, "--self-inspection", "-o", str(out))
    stem = f"self-inspection-{org['edu'].pk}-{month}"
    assert sorted(p.name for p in out.iterdir()) == [f"{stem}.csv", f"{stem}.docx"]
    assert "教师招聘结果公示" in (out / f"{stem}.csv").read_text(encoding="utf-8-sig")
