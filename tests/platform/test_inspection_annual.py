"""The annual report (年度工作报表): analytics CSV import in its common shapes and encodings, bad
files refused clearly, prefilling from the patrol's columns, .docx/.xlsx read back, January
reminders once a day, and who may see and edit."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.platform.inspection_helpers import EDU, column, make_org, make_sites, patrol


@pytest.fixture
def org(tree, make_user):
    return make_org(tree, make_user)


@pytest.fixture
def sites(org):
    return make_sites(org)


def upload(text: str, encoding: str = "utf-8-sig", name: str = "visits.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def test_csv_utf8_bom_date_visits(org, sites):
    from sanshen.inspection.annual import import_visits

    imp = import_visits(sites["edu"], 2025, upload("date,visits\n2025-01-01,100\n2025-01-02,\"1,250\"\n"),
                        org["edu_admin"])
    assert (imp.rows, imp.total, imp.visitors_total, imp.encoding) == (2, 1350, None, "UTF-8")
    assert imp.first_day == dt.date(2025, 1, 1) and bytes(imp.data).startswith(b"\xef\xbb\xbf")
    report = sites["edu"].annual_reports.get(year=2025)
    assert report.total_visits == 1350 and "visits.csv" in report.notes["total_visits"]


def test_csv_gbk_chinese_headers_with_title_lines_and_total(org, sites):
    from sanshen.inspection.annual import import_visits

    text = ("麒麟区教育体育局网站 趋势分析\n时间范围：2025-01-01 至 2025-12-31\n"
            "日期,浏览量(PV),访客数(UV),IP数\n2025/01/01,300,120,100\n2025/1/2,200,80,70\n2024/12/31,999,9,9\n"
            "合计,500,200,170\n")
    imp = import_visits(sites["edu"], 2025, upload(text, "gbk"), org["edu_admin"])
    assert (imp.encoding, imp.rows, imp.total, imp.visitors_total) == ("GBK", 2, 500, 200)
    assert imp.shape == "日期,浏览量(PV),访客数(UV)" and imp.ignored == 1  # the 2024 row
    report = sites["edu"].annual_reports.get(year=2025)
    assert (report.total_visits, report.unique_visitors) == (500, 200)
    assert "请核对" in report.notes["unique_visitors"]


def test_csv_other_shapes(org, sites):
    from sanshen.inspection.annual import parse_visits_csv

    assert parse_visits_csv("日期,访问量\n2025年3月1日,7\n".encode(), 2025)["rows"] == [(dt.date(2025, 3, 1), 7, None)]
    headless = parse_visits_csv(b"20250301,5\n20250302,6\n", 2025)
    assert headless["shape"] == "无表头：日期,访问量" and [r[1] for r in headless["rows"]] == [5, 6]
    tabbed = parse_visits_csv(b"Date\tPageviews\tUsers\n2025-03-01\t9\t4\n", 2025)
    assert tabbed["rows"] == [(dt.date(2025, 3, 1), 9, 4)]


@pytest.mark.parametrize(("content", "message"), [
    (b"", "文件是空的"),
    (b"PK\x03\x04\x00\x00binary", "不是文本格式"),
    ("名称,数值\n甲,1\n".encode(), "没有找到表头"),
    ("日期,访问量\n2025-13-01,1\n".encode(), "第 2 行的日期无法识别"),
    ("日期,访问量\n2025-01-01,很多\n".encode(), "第 2 行的访问量不是整数"),
    ("日期,访问量\n2025-01-01,1\n2025-01-01,2\n".encode(), "第 3 行的日期 2025-01-01 重复"),
    ("日期,访问量\n2024-01-01,1\n".encode(), "没有 2025 年的数据"),
])  # fmt: skip
def test_bad_files_are_refused_clearly(org, sites, content, message):
    from sanshen.inspection.annual import import_visits
    from sanshen.inspection.models import VisitImport

    with pytest.raises(ValidationError, match=message):
        import_visits(sites["edu"], 2025, SimpleUploadedFile("bad.csv", content), org["edu_admin"])
    assert not VisitImport.objects.exists()


def test_prefill_from_columns_and_blanks(org, sites):
    from sanshen.inspection.annual import COLUMN_NOTE, TODO, build_annual_report

    patrol(sites["edu"], columns=[column(EDU, "工作动态", dt.date(2025, 12, 20), items=40),
                                  column(EDU, "通知公告", dt.date(2025, 11, 2), "notice", items=12)])
    report = build_annual_report(sites["edu"], 2025, org["edu_admin"])
    assert sorted((c["column"], c["count"]) for c in report.items_by_column) == [("工作动态", 40), ("通知公告", 12)]
    assert report.items_total == 52 and report.notes["items_total"] == COLUMN_NOTE
    assert report.total_visits is None and report.notes["total_visits"] == TODO
    assert report.messages_received is None and report.notes["messages_received"] == TODO
    assert build_annual_report(sites["edu"], 2025, org["edu_admin"]).pk == report.pk  # the same report
    empty = build_annual_report(sites["town"], 2025, org["town_admin"])
    assert empty.items_by_column == [] and empty.items_total is None and empty.notes["items_total"] == TODO


def _filled(org, sites):
    from sanshen.inspection.annual import build_annual_report, import_visits, update_report

    import_visits(sites["edu"], 2025, upload("日期,浏览量(PV),访客数(UV)\n2025-01-01,1000,300\n"), org["edu_admin"])
    report = build_annual_report(sites["edu"], 2025, org["edu_admin"])
    return update_report(org["edu_admin"], report, items_by_column="工作动态,120\n政策文件，30\n",
                         service_items=85, service_applications=1234, messages_received=40, messages_answered=38,
                         platform_note="完成集约化平台迁移。", mechanism_note="落实三审三校制度。")


def test_edit_recomputes_total_and_clears_notes(org, sites):
    report = _filled(org, sites)
    assert report.items_by_column == [{"column": "工作动态", "count": 120}, {"column": "政策文件", "count": 30}]
    assert report.items_total == 150 and "items_total" not in report.notes and "service_items" not in report.notes
    from sanshen.inspection.annual import update_report

    with pytest.raises(ValidationError, match="第 1 行"):
        update_report(org["edu_admin"], report, items_by_column="没有数字")


def test_docx_and_xlsx_read_back(org, sites):
    from docx import Document
    from openpyxl import load_workbook

    from sanshen.inspection.annual import annual_docx, annual_xlsx, publish_report

    report = _filled(org, sites)
    doc = Document(io.BytesIO(annual_docx(report)))
    cells = {row.cells[1].text: row.cells[2].text for row in doc.tables[0].rows}
    assert doc.paragraphs[0].text == "麒麟区教育体育局网站2025年度工作报表" and doc.paragraphs[1].text == "（草稿）"
    assert cells["单位名称"] == "麒麟区教育体育局" and cells["首页网址"] == EDU
    assert cells["网站总访问量（次）"] == "1000" and cells["独立用户访问总量（个）"] == "300"
    assert cells["信息发布总数（条）"] == "150" and cells["其中：工作动态（条）"] == "120"
    assert cells["服务事项数（项）"] == "85" and cells["收到留言数（条）"] == "40" and cells["办结留言数（条）"] == "38"
    assert cells["平均办理时间（天）"] == "" and cells["机制保障情况"] == "落实三审三校制度。"

    publish_report(org["edu_admin"], report)
    ws = load_workbook(io.BytesIO(annual_xlsx(report))).active
    assert ws["A1"].value == "麒麟区教育体育局网站2025年度工作报表"
    values = {ws.cell(r, 2).value: ws.cell(r, 3).value for r in range(3, ws.max_row + 1)}
    assert values["网站总访问量（次）"] == 1000 and values["其中：政策文件（条）"] == 30
    assert values["服务受理量（件）"] == 1234 and values["公开答复数（条）"] is None
    assert values["平台建设情况"] == "完成集约化平台迁移。"
    assert any("公开时间" in str(ws.cell(r, 1).value) for r in range(1, ws.max_row + 1))


def test_published_report_is_read_only(org, sites):
    from sanshen.inspection.annual import import_visits, publish_report, update_report

    report = publish_report(org["edu_admin"], _filled(org, sites))
    assert report.is_published and report.published_at
    with pytest.raises(ValidationError, match="已公开"):
        update_report(org["edu_admin"], report, service_items=1)
    with pytest.raises(ValidationError, match="已公开"):
        import_visits(sites["edu"], 2025, upload("date,visits\n2025-01-01,1\n"), org["edu_admin"])


def test_reminders_in_january_once_a_day(org, sites):
    from django.core.management import call_command

    from sanshen.inspection.annual import annual_report_reminders, publish_report
    from sanshen.sites.models import Alert

    publish_report(org["edu_admin"], _filled(org, sites))  # the 2025 report of 教育体育局 is out
    assert annual_report_reminders(dt.date(2026, 2, 1)) == 0
    assert annual_report_reminders(dt.date(2025, 12, 31)) == 0
    first = annual_report_reminders(dt.date(2026, 1, 5))
    active_without = {"麒麟区人民政府网", "越州镇网站", "沾益区教育体育局网站"}
    assert first == len(active_without)
    alerts = Alert.objects.filter(kind="annual_report")
    assert {a.site.name for a in alerts} == active_without
    assert all("2025 年度工作报表尚未公开" in a.message and "2026年1月31日" in a.message for a in alerts)
    assert annual_report_reminders(dt.date(2026, 1, 5)) == 0  # the same day: nothing new
    out = io.StringIO()
    call_command("inspection_daily", "--date", "2026-01-06", stdout=out)
    assert "年度报表提醒 3 条" in out.getvalue()
    assert Alert.objects.filter(kind="annual_report").count() == 6
    assert annual_report_reminders(dt.date(2026, 1, 31)) == 3 and annual_report_reminders(dt.date(2026, 2, 1)) == 0


def test_permissions(org, sites):
    from sanshen.inspection.annual import build_annual_report, can_edit, can_view, import_visits, supervised_sites

    edu = sites["edu"]
    assert can_edit(org["edu_admin"], edu) and can_view(org["edu_admin"], edu)
    assert not can_edit(org["edu_editor"], edu) and not can_view(org["edu_editor"], edu)
    assert can_view(org["supervisor"], edu) and can_view(org["city_supervisor"], edu)
    assert not can_edit(org["supervisor"], edu)
    assert not can_view(org["outsider"], edu) and not can_view(org["outside_supervisor"], edu)
    with pytest.raises(PermissionDenied):
        build_annual_report(edu, 2025, org["supervisor"])  # a supervisor sees, the site's admin creates
    with pytest.raises(PermissionDenied):
        import_visits(edu, 2025, upload("date,visits\n2025-01-01,1\n"), org["town_admin"])
    assert {s.name for s in supervised_sites(org["supervisor"])} == {"麒麟区人民政府网", "麒麟区教育体育局网站",
                                                                      "越州镇网站"}
    assert not supervised_sites(org["edu_admin"]).exists()


def test_pages(org, sites):
    from django.test import Client

    from sanshen.accounts.testing import login

    edu = sites["edu"]
    admin = login(Client(), org["edu_admin"])
    page = admin.get(f"/inspection/annual/sites/{edu.pk}/2025/")
    assert page.status_code == 200 and "年度工作报表" in page.content.decode()
    response = admin.post(f"/inspection/annual/sites/{edu.pk}/2025/import/",
                          {"file": upload("日期,访问量\n2025-01-01,77\n")})
    assert response.status_code == 302
    response = admin.post(f"/inspection/annual/sites/{edu.pk}/2025/", {
        "items_by_column": "工作动态,3", "service_items": "5", "messages_received": "2", "messages_answered": "2"})
    assert response.status_code == 302
    report = edu.annual_reports.get(year=2025)
    assert (report.total_visits, report.items_total, report.service_items) == (77, 3, 5)
    docx = admin.get(f"/inspection/annual/sites/{edu.pk}/2025/report.docx")
    assert docx.status_code == 200 and docx.content.startswith(b"PK")
    assert admin.get(f"/inspection/annual/sites/{edu.pk}/2025/report.xlsx").content.startswith(b"PK")
    assert admin.post(f"/inspection/annual/sites/{edu.pk}/2025/publish/").status_code == 302
    report.refresh_from_db()
    assert report.is_published

    supervisor = login(Client(), org["supervisor"])
    listing = supervisor.get("/inspection/annual/?year=2025").content.decode()
    assert "麒麟区教育体育局网站" in listing and "已公开" in listing and "2026年1月31日" in listing
    assert supervisor.get(f"/inspection/annual/sites/{edu.pk}/2025/").status_code == 200
    assert supervisor.post(f"/inspection/annual/sites/{edu.pk}/2025/publish/").status_code == 403
    assert login(Client(), org["outsider"]).get(f"/inspection/annual/sites/{edu.pk}/2025/").status_code == 404
    assert login(Client(), org["edu_admin"]).get("/inspection/annual/").status_code == 403
