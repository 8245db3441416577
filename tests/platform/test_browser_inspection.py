"""Browser test of the quarterly inspection (issue 6, "Proof", last bullet), with Playwright driving
Debian's chromium against `live_server` (driver, database fixture, console/CSP checks and sign-in
helper shared with test_browser.py; without chromium the test is skipped, under CI=true it fails).

A supervisor (TOTP) opens the previous quarter's inspection of 麒麟区, adds a manual spot-check
finding with a screenshot, closes the inspection and downloads the bulletin (.docx read back; while
the renderer `sanshen.inspection.bulletin` is not installed, the page says so with a 503); the
education bureau's 信息员 answers its rectification task with a note and evidence; the next patrol
no longer finds the problem, and the task page shows it 已确认整改. No console errors or CSP
violations on any page; the dashboard renders its SVG charts under the CSP.
"""

from __future__ import annotations

import datetime as dt
import importlib
import io

from django.urls import reverse
from django.utils import timezone

from sanshen.units.models import Role
from tests.platform.inspection_helpers import EDU, column, dead, patrol
from tests.platform.test_browser import (  # noqa: F401 - fixtures used by name
    expect,
    live_db,
    playwright_driver,
    sign_in,
)
from tests.platform.test_browser_review import browser, open_tab  # noqa: F401 - fixtures used by name

# A 1×1 PNG.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c63f8cfc0f01f0005"
    "0001ff89993d1d0000000049454e44ae426082"
)


def _renderer_installed() -> bool:
    try:
        module = importlib.import_module("sanshen.inspection.bulletin")
    except ImportError:
        return False
    return callable(getattr(module, "render_docx", None))


def _docx_text(data: bytes) -> str:
    from docx import Document

    doc = Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def _previous_quarter(today: dt.date) -> tuple[int, int]:
    q = (today.month - 1) // 3 + 1
    return (today.year, q - 1) if q > 1 else (today.year - 1, 4)


def test_inspection_spot_check_bulletin_answer_and_confirmation(open_tab, tree, make_user):  # noqa: F811
    from sanshen.accounts.testing import totp_token, verified_device
    from sanshen.inspection.models import Inspection, RectificationTask, TaskState
    from sanshen.inspection.services import quarter_end
    from sanshen.sites.models import ProblemStatus, Site

    tz = timezone.get_current_timezone()
    year, quarter = _previous_quarter(timezone.localdate())
    end = quarter_end(year, quarter)
    qilin, edu = tree["qilin"], tree["edu"]
    supervisor = make_user("supervisor", (qilin, Role.SUPERVISOR), full_name="郑监管")
    device = verified_device(supervisor)
    make_user("edu_editor", (edu, Role.EDITOR), full_name="王信息")
    site = Site.objects.create(unit=edu, name="麒麟区教育体育局网站", home_url=EDU)
    # A patrol inside the quarter found a dead link on the home page.
    seen = dt.datetime.combine(end - dt.timedelta(days=10), dt.time(9), tzinfo=tz)
    patrol(site, dead(EDU, "zwgk/old.html"), columns=[column(EDU, "工作动态", end - dt.timedelta(days=11))],
           when=seen)

    # 1. The supervisor signs in with the second factor and opens the quarter's inspection.
    sup = open_tab()
    page = sup.page
    sign_in(sup, "supervisor")
    expect(page.locator("h1")).to_have_text("双因素验证")
    page.locator("input[name=token]").fill(totp_token(device))
    page.get_by_role("button", name="验证").click()
    expect(page.locator("h1")).to_have_text("工作台")
    page.get_by_role("link", name="季度检查").click()
    expect(page.locator("h1")).to_have_text("季度检查")
    form = page.locator("#open-form")
    form.locator("select[name=unit]").select_option(str(qilin.pk))
    form.locator("input[name=year]").fill(str(year))
    form.locator("select[name=quarter]").select_option(str(quarter))
    form.get_by_role("button", name="开启检查").click()
    expect(page.locator("#inspection-state")).to_have_text("检查中")
    expect(page.locator("#covered")).to_have_text("1")
    inspection = Inspection.objects.get()
    assert (inspection.year, inspection.quarter, inspection.owner_id) == (year, quarter, qilin.pk)

    # 2. A manual spot-check finding with a screenshot.
    page.locator("summary", has_text="添加抽查发现").click()
    spot = page.locator("#spot-form")
    spot.locator("select[name=site]").select_option(str(site.pk))
    spot.locator("input[name=url]").fill(EDU + "xwdt/202609/t20260915_12.html")
    spot.locator("select[name=problem_type]").select_option("wording")
    spot.locator("input[name=wrong_text]").fill("中华人民共和国国务院办公厅")
    spot.locator("input[name=right_text]").fill("国务院办公厅")
    spot.locator("textarea[name=note]").fill("机构名称表述不规范。")
    spot.locator("input[name=screenshot]").set_input_files(
        files=[{"name": "抽查截图.png", "mimeType": "image/png", "buffer": PNG}])
    spot.get_by_role("button", name="添加").click()
    expect(page.locator(".messages")).to_contain_text("抽查发现已添加")
    table = page.locator("#spot-checks")
    expect(table).to_contain_text("「中华人民共和国国务院办公厅」 → 「国务院办公厅」")
    shot = table.locator("img.ins-shot")
    expect(shot).to_be_visible()
    assert page.evaluate("img => img.complete && img.naturalWidth", shot.element_handle()) == 1

    # 3. Close: scores frozen, tasks for the dead link and the spot-check finding.
    page.get_by_role("button", name="结束检查并生成通报").click()
    expect(page.locator("#inspection-state")).to_have_text("已结束")
    expect(page.locator(".messages")).to_contain_text("整改任务已下发")
    tasks = RectificationTask.objects.filter(inspection=inspection)
    problem_task = tasks.get(problem__isnull=False)
    assert tasks.filter(spot_check__isnull=False).count() == 1

    # 4. The bulletin: the .docx is read back (or, without the renderer, a clear 503 page).
    if _renderer_installed():
        with page.expect_download() as info:
            page.locator("#bulletin-docx").click()
        download = info.value
        assert download.suggested_filename.endswith(f"{year}年第{quarter}季度检查通报.docx")
        text = _docx_text(open(download.path(), "rb").read())  # noqa: SIM115 - read once
        assert "麒麟区教育体育局" in text and "中华人民共和国国务院办公厅" in text and "国务院办公厅" in text
    else:
        expect(page.locator("#bulletin-docx")).to_have_attribute(
            "href", reverse("inspection:bulletin", args=[inspection.pk, "docx"]))
        path = reverse("inspection:bulletin", args=[inspection.pk, "docx"])
        sup.expect_status(path, 503)
        response = page.goto(sup.url(path))
        assert response.status == 503
        expect(page.locator("#renderer-missing")).to_contain_text("生成组件尚未安装")
        page.go_back()

    # 5. The dashboard renders its charts under the CSP.
    page.get_by_role("link", name="检查总览").click()
    expect(page.locator("h1")).to_have_text("检查考核总览")
    expect(page.locator(f'#score-table tr[data-site="{site.pk}"] svg.ins-spark')).to_be_visible()
    sup.assert_clean()

    # 6. The education bureau's 信息员 answers the dead-link task with a note and evidence.
    unit = open_tab()
    upage = unit.page
    sign_in(unit, "edu_editor")
    expect(upage.locator("h1")).to_have_text("工作台")
    upage.goto(unit.url(reverse("inspection:tasks")))
    expect(upage.locator("h1")).to_have_text("整改任务")
    row = upage.locator(f"#task-{problem_task.pk}")
    expect(row).to_contain_text("待整改")
    row.locator("summary", has_text="答复整改情况").click()
    row.locator("textarea").fill("已删除失效链接并重新发布栏目页。")
    row.locator("input[type=file]").set_input_files(
        files=[{"name": "整改报告.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 rectified"}])
    row.get_by_role("button", name="提交答复").click()
    row = upage.locator(f"#task-{problem_task.pk}")
    expect(row).to_contain_text("已答复")
    expect(row).to_contain_text("已删除失效链接并重新发布栏目页。")
    expect(row.get_by_role("link", name="整改报告.pdf")).to_be_visible()
    problem_task.refresh_from_db()
    assert problem_task.state == TaskState.ANSWERED and problem_task.evidence_name == "整改报告.pdf"

    # 7. The next complete patrol no longer finds the dead link: the task is confirmed.
    patrol(site, columns=[column(EDU, "工作动态", timezone.localdate())])
    problem_task.refresh_from_db()
    assert problem_task.problem.status == ProblemStatus.GONE
    assert problem_task.state == TaskState.CONFIRMED
    upage.goto(unit.url(reverse("inspection:tasks") + "?state=all"))
    expect(upage.locator(f"#task-{problem_task.pk}")).to_contain_text("已确认整改")
    unit.assert_clean()
