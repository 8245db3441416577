"""The inspection pages through Django's test client: the supervisor's inspection, spot check with a
screenshot, closing, bulletin downloads (renderer present or not), scorecards, the units' tasks,
the indicator editor, the calendar; 404 outside the user's scope, 403 for non-supervisors."""

from __future__ import annotations

import datetime as dt
import re
import sys
import types

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sanshen.accounts.testing import login
from tests.platform.inspection_helpers import EDU, column, dead, make_org, make_sites, patrol, wording

TZ = timezone.get_current_timezone()
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def org(tree, make_user):
    return make_org(tree, make_user)


@pytest.fixture
def sites(org):
    return make_sites(org)


def client(user) -> Client:
    return login(Client(), user)


def no_inline_code(html: str) -> None:
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline script"
    assert " style=" not in html and "<style" not in html, "inline style"


@pytest.fixture
def closed(org, sites):
    """A closed 2026 Q3 inspection of 麒麟区 with tasks for 教育体育局 and 越州镇."""
    from sanshen.inspection.services import add_spot_check, close_inspection, open_inspection

    day = dt.date(2026, 9, 21)
    patrol(sites["edu"], dead(EDU, "a.html"), wording(EDU), columns=[column(EDU, "工作动态", day)],
           when=dt.datetime.combine(day, dt.time(9), tzinfo=TZ))
    inspection = open_inspection(org["supervisor"], 2026, 3)
    add_spot_check(org["supervisor"], inspection, site=sites["town"], url="https://yz.qilin.gov.example/1.html",
                   problem_type="sensitive", wrong_text="錯字", right_text="错字")
    return close_inspection(org["supervisor"], inspection, bulletin_date=dt.date(2026, 9, 28),
                            now=dt.datetime(2026, 9, 28, 9, tzinfo=TZ))


def test_supervisor_opens_spot_checks_edits_and_closes(org, sites):
    from sanshen.inspection.models import Inspection, RectificationTask

    c = client(org["supervisor"])
    page = c.get(reverse("inspection:list"))
    assert page.status_code == 200 and "开启检查" in page.content.decode()
    no_inline_code(page.content.decode())
    response = c.post(reverse("inspection:list"), {"unit": org["qilin"].pk, "year": 2026, "quarter": 3,
                                                   "set_id": "website-2019"})
    inspection = Inspection.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("inspection:detail", args=[inspection.pk])
    html = c.get(response["Location"]).content.decode()
    no_inline_code(html)
    assert 'id="covered">3<' in html and "越州镇网站" in html and "沾益区" not in html
    again = c.post(reverse("inspection:list"), {"unit": org["qilin"].pk, "year": 2026, "quarter": 3,
                                                "set_id": "website-2019"})
    assert again.status_code == 200 and "已有进行中的检查" in again.content.decode()

    shot = SimpleUploadedFile("shot.png", PNG, content_type="image/png")
    response = c.post(reverse("inspection:spot", args=[inspection.pk]), {
        "site": sites["town"].pk, "url": "https://yz.qilin.gov.example/n/2.html", "problem_type": "wording",
        "wrong_text": "中华人民共和国香港", "right_text": "中国香港", "note": "首页要闻", "screenshot": shot})
    assert response.status_code == 302
    spot = inspection.spot_checks.get()
    assert spot.screenshot_size == len(PNG) and spot.screenshot_type == "image/png"
    image = c.get(reverse("inspection:screenshot", args=[inspection.pk, spot.pk]))
    assert image.status_code == 200 and image["Content-Type"] == "image/png" and image.content == PNG
    bad = c.post(reverse("inspection:spot", args=[inspection.pk]), {
        "site": sites["town"].pk, "url": "https://yz.qilin.gov.example/n/3.html", "problem_type": "wording",
        "wrong_text": "x", "screenshot": SimpleUploadedFile("x.png", b"not an image", content_type="image/png")})
    assert bad.status_code == 400 and "截图应为" in bad.content.decode()
    outside = c.post(reverse("inspection:spot", args=[inspection.pk]), {
        "site": sites["zhanyi"].pk, "url": "https://jyj.zhanyi.gov.example/", "problem_type": "other", "note": "x"})
    assert outside.status_code == 400

    response = c.post(reverse("inspection:edit", args=[inspection.pk]), {
        "doc_number": "麒政办函〔2026〕9号", "recipients": "各乡镇人民政府：", "next_steps": "（一）立即整改。",
        "rectification_workdays": 5, "signature": "麒麟区人民政府办公室", "bulletin_date": ""})
    assert response.status_code == 302
    inspection.refresh_from_db()
    assert inspection.next_steps == "（一）立即整改。" and inspection.rectification_workdays == 5

    assert c.post(reverse("inspection:close", args=[inspection.pk])).status_code == 302
    inspection.refresh_from_db()
    assert inspection.state == "closed"
    assert RectificationTask.objects.filter(inspection=inspection, spot_check=spot).exists()
    html = c.get(reverse("inspection:detail", args=[inspection.pk])).content.decode()
    assert "close-form" not in html and "spot-form" not in html


def test_bulletin_download_without_and_with_the_renderer(org, closed, monkeypatch):
    c = client(org["supervisor"])
    url = reverse("inspection:bulletin", args=[closed.pk, "docx"])
    import sanshen.inspection

    # A deployment without the renderer module: the import fails (whatever imported it before).
    monkeypatch.setitem(sys.modules, "sanshen.inspection.bulletin", None)
    monkeypatch.delattr(sanshen.inspection, "bulletin", raising=False)
    missing = c.get(url)
    assert missing.status_code == 503 and "生成组件尚未安装" in missing.content.decode()

    seen = {}
    fake = types.ModuleType("sanshen.inspection.bulletin")

    def render_docx(data):
        seen["data"] = data
        return b"PK docx bytes"

    fake.render_docx = render_docx
    monkeypatch.setitem(sys.modules, "sanshen.inspection.bulletin", fake)
    monkeypatch.setattr(sanshen.inspection, "bulletin", fake, raising=False)
    response = c.get(url)
    assert response.status_code == 200 and response.content == b"PK docx bytes"
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    assert seen["data"]["title"].startswith("麒麟区关于2026年第三季度")
    assert c.get(reverse("inspection:bulletin", args=[closed.pk, "pdf"])).status_code == 503  # no render_pdf
    assert c.get(reverse("inspection:bulletin", args=[closed.pk, "exe"])).status_code == 404


def test_inspections_are_hidden_outside_the_supervised_subtree(org, closed):
    for name in ("edu_admin", "edu_editor", "outsider"):
        c = client(org[name])
        assert c.get(reverse("inspection:list")).status_code == 403
        assert c.post(reverse("inspection:list"), {"unit": org["qilin"].pk, "year": 2026, "quarter": 4,
                                                   "set_id": "website-2019"}).status_code == 403
        assert c.get(reverse("inspection:detail", args=[closed.pk])).status_code == 404
        assert c.post(reverse("inspection:close", args=[closed.pk])).status_code == 404
    other = client(org["outside_supervisor"])
    assert other.get(reverse("inspection:detail", args=[closed.pk])).status_code == 404
    assert other.get(reverse("inspection:bulletin", args=[closed.pk, "docx"])).status_code == 404
    assert client(org["city_supervisor"]).get(reverse("inspection:detail", args=[closed.pk])).status_code == 200


def test_scorecards_for_the_supervisor_and_the_sites_unit_only(org, sites, closed):
    entry = closed.entries.get(site=sites["edu"])
    url = reverse("inspection:entry", args=[closed.pk, entry.pk])
    for name in ("supervisor", "edu_editor"):
        html = client(org[name]).get(url).content.decode()
        assert "严重表述错误" in html and "台湾国" in html and "未测量的指标" in html and 'id="score">0' in html
        no_inline_code(html)
    assert client(org["town_admin"]).get(url).status_code == 404
    live = client(org["edu_admin"]).get(reverse("inspection:site_score", args=[sites["edu"].pk]))
    assert live.status_code == 200 and "实时评分" in live.content.decode()
    assert client(org["town_admin"]).get(reverse("inspection:site_score", args=[sites["edu"].pk])).status_code == 404


def test_units_answer_their_own_tasks(org, sites, closed):
    from sanshen.inspection.models import RectificationTask

    edu_task = RectificationTask.objects.filter(site=sites["edu"]).first()
    town_task = RectificationTask.objects.get(site=sites["town"])
    c = client(org["edu_editor"])
    html = c.get(reverse("inspection:tasks")).content.decode()
    no_inline_code(html)
    assert f'id="task-{edu_task.pk}"' in html and f'id="task-{town_task.pk}"' not in html
    assert "2026-10-16" in html
    assert c.post(reverse("inspection:answer", args=[town_task.pk]), {f"t{town_task.pk}-note": "x"}).status_code == 404
    evidence = SimpleUploadedFile("整改报告.pdf", b"%PDF-1.4 report", content_type="application/pdf")
    response = c.post(reverse("inspection:answer", args=[edu_task.pk]),
                      {f"t{edu_task.pk}-note": "已更正并重新审核。", f"t{edu_task.pk}-evidence": evidence})
    assert response.status_code == 302
    edu_task.refresh_from_db()
    assert edu_task.state == "answered" and edu_task.evidence_name == "整改报告.pdf"
    download = c.get(reverse("inspection:evidence", args=[edu_task.pk]))
    assert download.content == b"%PDF-1.4 report"
    assert client(org["town_admin"]).get(reverse("inspection:evidence", args=[edu_task.pk])).status_code == 404
    # Only a supervisor confirms by hand.
    assert c.post(reverse("inspection:confirm", args=[edu_task.pk])).status_code == 302
    edu_task.refresh_from_db()
    assert edu_task.state == "answered"
    client(org["supervisor"]).post(reverse("inspection:confirm", args=[edu_task.pk]))
    edu_task.refresh_from_db()
    assert edu_task.state == "confirmed"


def test_indicator_editor_validates_and_versions(org):
    from sanshen.inspection.models import IndicatorSetVersion

    assert client(org["edu_admin"]).get(reverse("inspection:indicators")).status_code == 403
    c = client(org["supervisor"])
    page = c.get(reverse("inspection:indicators"))
    html = page.content.decode()
    assert page.status_code == 200 and "website-2019" in html and "第 1 版" in html
    no_inline_code(html)
    current = IndicatorSetVersion.objects.get(set_id="website-2019")
    broken = current.yaml_text.replace("pass_score: 60", "pass_score: 160")
    response = c.post(reverse("inspection:indicators"), {"set": "website-2019", "yaml_text": broken, "note": ""})
    assert response.status_code == 400 and "合格线" in response.content.decode()
    edited = current.yaml_text.replace("pass_score: 60", "pass_score: 65")
    response = c.post(reverse("inspection:indicators"), {"set": "website-2019", "yaml_text": edited, "note": "本市"})
    assert response.status_code == 302
    assert list(IndicatorSetVersion.objects.filter(set_id="website-2019").values_list("version", "is_active")) == [
        (2, True), (1, False)]
    assert c.get(reverse("inspection:indicator_version", args=[current.pk])).content.decode() == current.yaml_text


def test_calendar_page_extends_the_calendar_and_lists_flagged_tasks(org, sites):
    from sanshen.inspection.models import CalendarDay, CalendarYear
    from sanshen.inspection.services import add_spot_check, close_inspection, open_inspection

    inspection = open_inspection(org["supervisor"], 2026, 4)
    add_spot_check(org["supervisor"], inspection, site=sites["edu"], url=EDU, problem_type="other", note="x")
    close_inspection(org["supervisor"], inspection, bulletin_date=dt.date(2026, 12, 24))
    assert client(org["edu_admin"]).get(reverse("inspection:calendar")).status_code == 403
    c = client(org["supervisor"])
    html = c.get(reverse("inspection:calendar")).content.decode()
    no_inline_code(html)
    assert 'id="flagged-tasks"' in html and "2027 年的节假日安排尚未录入" in html
    assert c.post(reverse("inspection:calendar"), {"action": "day", "day-date": "2027-01-01", "day-is_workday": "0",
                                                   "day-note": "元旦"}).status_code == 302
    assert CalendarDay.objects.get(date=dt.date(2027, 1, 1)).is_workday is False
    assert c.post(reverse("inspection:calendar"), {"action": "year", "year-year": "2027"}).status_code == 302
    assert CalendarYear.objects.filter(year=2027).exists()
    html = c.get(reverse("inspection:calendar")).content.decode()
    assert 'id="flagged-tasks"' not in html
