"""Browser test of the review workflow (issue 4, "Proof", first bullet), with Playwright driving
Debian's chromium against `live_server`, reusing the driver, database fixture, console checks and
sign-in helper of test_browser.py.

An editor drafts a 政策文件 item containing a valid ID number, is blocked by the machine check,
masks the number in a new version and submits; 科室负责人, 保密审查员, 分管领导 and 主要领导 then
approve in turn, each signed in in their own browser context; the drafter's page has no decision
form; the review form downloads as .docx and .pdf and is read back.
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import pytest
from django.urls import reverse

from sanshen.units.models import Role
from tests.platform.test_browser import (  # noqa: F401 - fixtures used by name
    CHROMIUM,
    CHROMIUM_ARGS,
    CSP_REPORTER,
    TIMEOUT_MS,
    Tab,
    expect,
    live_db,
    playwright_driver,
    sign_in,
)

ID = "110101199003077571"  # valid GB 11643 check digit
MASKED_ID = "110101********7571"
TITLE = "关于2026年春季学期学生资助政策的通知"
BODY = f"各学校要按时完成资助资金发放。\n联系人：张建国，身份证号{ID}。\n"

REVIEWERS = [
    # username, role, full name, step label, opinion
    ("head", Role.SECTION_HEAD, "李科长", "科室初审", "内容准确，同意报保密审查。"),
    ("secrecy", Role.SECRECY_REVIEWER, "赵保密", "保密审查", "经审查不涉及国家秘密。"),
    ("deputy", Role.DEPUTY_LEADER, "钱分管", "分管领导复审", "同意报主要领导终审。"),
    ("principal", Role.PRINCIPAL_LEADER, "孙主要", "主要领导终审", "同意发布。"),
]


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


@pytest.fixture
def browser(playwright_driver, live_db, live_server):  # noqa: F811 - fixtures imported above
    instance = playwright_driver.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    try:
        yield instance
    finally:
        instance.close()


@pytest.fixture
def open_tab(browser, live_server):
    """A factory of tabs, each in its own browser context (own cookies: one signed-in user each)."""
    contexts = []

    def open_() -> Tab:
        context = browser.new_context(
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            viewport={"width": 1366, "height": 900},
            accept_downloads=True,
        )
        contexts.append(context)
        context.set_default_timeout(TIMEOUT_MS)
        context.add_init_script(CSP_REPORTER)
        page = context.new_page()
        tab = Tab(page=page, base_url=live_server.url)
        page.on("console", tab._console)
        page.on("pageerror", tab._page_error)
        return tab

    yield open_
    for context in contexts:
        context.close()


def _docx_text(data: bytes) -> str:
    from docx import Document

    doc = Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def _decision_dates(item) -> dict[str, str]:
    """username → the decision date as the 审核表 prints it (local date, 2026年11月22日)."""
    from django.utils import timezone

    from sanshen.review.formdoc.data import fmt_date

    return {
        s.decided_by.username: fmt_date(timezone.localtime(s.decided_at))
        for s in item.steps.filter(round=item.round, decided_by__isnull=False).select_related("decided_by")
    }


def test_policy_item_blocked_masked_submitted_and_approved_by_four_reviewers(open_tab, tree, make_user):
    from sanshen.review.defaults import seed_default_routes
    from sanshen.review.models import Item, RouteStepTemplate, RouteTemplate

    seed_default_routes(RouteTemplate, RouteStepTemplate)
    edu = tree["edu"]
    make_user("editor", (edu, Role.EDITOR), full_name="王拟稿")
    for username, role, full_name, *_ in REVIEWERS:
        make_user(username, (edu, role), full_name=full_name)

    # The editor drafts the item with the ID number in it.
    drafter = open_tab()
    page = drafter.page
    sign_in(drafter, "editor")
    expect(page.locator("h1")).to_have_text("工作台")
    page.goto(drafter.url(reverse("review:new")))
    expect(page.locator("h1")).to_have_text("新建稿件")
    page.locator("select[name=unit]").select_option(label="麒麟区教育体育局")
    page.locator("input[name=title]").fill(TITLE)
    page.locator("textarea[name=body]").fill(BODY)
    page.locator("select[name=category]").select_option(label="政策文件")
    page.get_by_role("button", name="保存并检查").click()

    item = Item.objects.get()
    item_path = reverse("review:item", args=[item.pk])
    expect(page).to_have_url(drafter.url(item_path))
    expect(page.locator(".rv-alert")).to_contain_text("否决项")
    expect(page.locator("#check-text mark.hl.sev-veto")).to_have_text(ID)
    submit = page.locator("#submit-button")
    expect(submit).to_be_disabled()
    # Forcing the form past the disabled button is refused by the server.
    page.locator(f'form[action="{reverse("review:submit", args=[item.pk])}"]').evaluate("f => f.submit()")
    expect(page.locator("body")).to_contain_text("未能提交")
    item.refresh_from_db()
    assert item.status == "draft"

    # The editor masks the number in a new version and submits.
    page.locator("summary", has_text="修改稿件（形成新版本）").click()
    body = page.locator(f'form[action="{reverse("review:revise", args=[item.pk])}"] textarea[name=body]')
    expect(body).to_have_value(re.compile(ID))
    body.fill(BODY.replace(ID, MASKED_ID))
    page.get_by_role("button", name="保存为新版本并检查").click()
    expect(page.locator("body")).to_contain_text("已保存为第2版")
    expect(page.locator("#check-text")).to_contain_text(MASKED_ID)
    expect(page.locator("#check-text mark.hl.sev-veto")).to_have_count(0)
    expect(page.locator("#submit-button")).to_be_enabled()
    page.locator("#submit-button").click()
    expect(page.locator("body")).to_contain_text("已提交审核，共 4 个审核环节")
    item.refresh_from_db()
    assert item.status == "in_review"
    # The drafter cannot decide.
    expect(page.locator("section.rv-decide")).to_have_count(0)
    expect(page.locator("body")).not_to_contain_text("我已校对当前版本")

    # Each reviewer, in their own browser context, approves in turn.
    for username, _role, full_name, label, opinion in REVIEWERS:
        reviewer = open_tab()
        rpage = reviewer.page
        sign_in(reviewer, username)
        expect(rpage.locator(".user-name")).to_contain_text(full_name)
        rpage.goto(reviewer.url(reverse("review:queue")))
        expect(rpage.locator("#queue-total")).to_have_text("1")
        rpage.goto(reviewer.url(item_path))
        form = rpage.locator("section.rv-decide")
        expect(form).to_have_count(1)
        expect(form.locator("h2")).to_have_text(f"审核：{label}")
        form.locator("input[type=radio][value=approve]").check()
        form.get_by_label(re.compile("我已校对当前版本")).check()
        form.locator("textarea[name$=-opinion]").fill(opinion)
        form.get_by_role("button", name="提交审核决定").click()
        expect(rpage.locator("body")).to_contain_text("审核决定已保存")
        expect(rpage.locator("section.rv-decide")).to_have_count(0)
        expect(rpage.locator(".rv-list").first).to_contain_text(f"{full_name} · 通过（第2版，已校对）：{opinion}")
        reviewer.assert_clean()

    item.refresh_from_db()
    assert item.status != "in_review", item.status

    # The drafter's page: the whole record, still no decision form.
    page.goto(drafter.url(item_path))
    expect(page.locator(".rv-status")).to_have_text(item.get_status_display())
    expect(page.locator("section.rv-decide")).to_have_count(0)
    for _u, _r, full_name, _l, opinion in REVIEWERS:
        expect(page.locator(".rv-table")).to_contain_text(full_name)
        expect(page.locator(".rv-table")).to_contain_text(opinion)

    # The review form as .docx, through the browser's download.
    with page.expect_download() as info:
        page.get_by_role("link", name="下载 .docx").click()
    download = info.value
    assert download.failure() is None
    assert download.suggested_filename == f"审核表-{item.pk}-{TITLE}.docx"
    text = _docx_text(Path(download.path()).read_bytes())
    assert TITLE in text and "王拟稿" in text
    dates = _decision_dates(item)
    for username, _r, full_name, _l, opinion in REVIEWERS:
        assert full_name in text and opinion in text
        # The signature line: each reviewer's name with the date of their decision, as the form writes it.
        assert f"审核人：{full_name}　　日期：{dates[username]}" in text, (full_name, dates[username])
    assert ID not in text

    drafter.assert_clean()

    # The .pdf, through the link's response in the drafter's session (503 when this machine
    # lacks WeasyPrint or CJK fonts).
    href = page.get_by_role("link", name="下载 .pdf").get_attribute("href")
    response = page.context.request.get(drafter.url(href))
    if response.status == 503 and not _in_ci():
        pytest.skip(f"PDF 审核表无法在本机生成（CI=true 时必须可用）：{response.text()}")
    assert response.status == 200, response.text()
    assert response.headers["content-type"] == "application/pdf"
    from pypdf import PdfReader

    pdf_text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.body())).pages)
    pdf_text = re.sub(r"\s+", "", pdf_text)
    for username, _r, full_name, *_ in REVIEWERS:
        assert full_name in pdf_text, full_name
        assert f"审核人：{full_name}日期：{dates[username]}" in pdf_text, (full_name, dates[username])


def test_skip_publish_route_editor_and_archive_pages_in_the_browser(open_tab, tree, make_user):
    """The management pages under the strict CSP: a supervisor skips a step with a reason, the
    site admin records the published URL, the supervisor opens the route editor and downloads
    the month's archive; no console errors or CSP violations anywhere."""
    import zipfile

    from django.utils import timezone

    from sanshen.review import services
    from sanshen.review.defaults import seed_default_routes
    from sanshen.review.models import RouteStepTemplate, RouteTemplate

    seed_default_routes(RouteTemplate, RouteStepTemplate)
    edu = tree["edu"]
    editor = make_user("editor", (edu, Role.EDITOR), full_name="王拟稿")
    make_user("head", (edu, Role.SECTION_HEAD), full_name="李科长")
    secrecy = make_user("secrecy", (edu, Role.SECRECY_REVIEWER), full_name="赵保密")
    deputy = make_user("deputy", (edu, Role.DEPUTY_LEADER), full_name="钱分管")
    webadmin = make_user("webadmin", (edu, Role.SITE_ADMIN), full_name="周管理")
    from sanshen.accounts.testing import totp_token, verified_device

    supervisor = make_user("supervisor", (tree["qilin"], Role.SUPERVISOR), full_name="郑监管")
    devices = {u.username: verified_device(u) for u in (supervisor, webadmin)}  # both need a second factor

    def sign_in_2fa(tab, username):
        sign_in(tab, username)
        expect(tab.page.locator("h1")).to_have_text("双因素验证")
        tab.page.locator("input[name=token]").fill(totp_token(devices[username]))
        tab.page.get_by_role("button", name="验证").click()
        expect(tab.page.locator("h1")).to_have_text("工作台")
    item = services.create_item(editor, edu, title=TITLE, body="各学校要按时完成资助资金发放。", category="work_news")
    services.submit(item, editor)
    item_path = reverse("review:item", args=[item.pk])

    sup = open_tab()
    page = sup.page
    sign_in_2fa(sup, "supervisor")
    page.goto(sup.url(item_path))
    page.locator("#skip-box summary", has_text="科室初审").click()
    page.locator("#skip-box input[name$=-reason]").first.fill("科室负责人岗位空缺")
    page.get_by_role("button", name="跳过该环节").first.click()
    expect(page.locator(".messages")).to_contain_text("已跳过")
    expect(page.locator(".rv-table")).to_contain_text("已跳过：科室负责人岗位空缺")

    for user in (secrecy, deputy):
        item.refresh_from_db()
        (step,) = [s for s in services.current_steps(item) if services.can_decide(s, user)]
        services.decide(step, user, "approve", "同意", item.latest_revision(), proofread=True)

    admin = open_tab()
    apage = admin.page
    sign_in_2fa(admin, "webadmin")
    apage.goto(admin.url(item_path))
    apage.get_by_role("link", name="记录发布网址").click()
    apage.locator("input[name=url]").fill("https://www.example.gov.cn/a/1.html")
    apage.get_by_role("button", name="记录发布").click()
    expect(apage.locator("#publication-url")).to_have_text("https://www.example.gov.cn/a/1.html")
    admin.assert_clean()

    page.get_by_role("link", name="审核流程设置").click()
    expect(page.locator("h1")).to_have_text("审核流程设置")
    route = page.locator("#route-work_news")
    route.locator("summary", has_text="添加环节").click()
    expect(route.locator("select[name$=-kind]").last).to_be_visible()
    page.get_by_role("link", name="月度归档").click()
    expect(page.locator("h1")).to_have_text("月度归档")
    now = timezone.localtime()
    page.locator("select[name=unit]").select_option(label=edu.name)
    page.locator("select[name=year]").select_option(str(now.year))
    page.locator("select[name=month]").select_option(str(now.month))
    page.get_by_role("button", name="查看").click()
    expect(page.locator("#archive-decided")).to_have_text("1")
    with page.expect_download() as info:
        page.get_by_role("link", name="下载月度归档（.zip）").click()
    names = zipfile.ZipFile(info.value.path()).namelist()
    assert f"items/{item.pk}/form.docx" in names
    sup.assert_clean()


JOINT_TITLE = "麒麟区第二中学食堂改造工程招标公告"
JOINT_BODY = "麒麟区第二中学食堂改造工程已具备招标条件，现进行公开招标，欢迎符合条件的投标人参加。\n"


def test_bidding_item_waits_for_every_joint_reviewer(open_tab, tree, make_user):
    """A 招投标 item: after the route's earlier steps, each 会审 department decides in parallel and
    the final step opens only when all of them have agreed."""
    from sanshen.review.defaults import seed_default_routes
    from sanshen.review.models import Item, RouteStepTemplate, RouteTemplate

    seed_default_routes(RouteTemplate, RouteStepTemplate)
    edu, town, zhanyi_edu = tree["edu"], tree["town"], tree["zhanyi_edu"]
    make_user("editor", (edu, Role.EDITOR), full_name="王拟稿")
    for username, role, full_name, *_ in REVIEWERS:
        make_user(username, (edu, role), full_name=full_name)
    make_user("town_head", (town, Role.SECTION_HEAD), full_name="周镇长")
    make_user("zhanyi_head", (zhanyi_edu, Role.SECTION_HEAD), full_name="吴科长")

    drafter = open_tab()
    page = drafter.page
    sign_in(drafter, "editor")
    page.goto(drafter.url(reverse("review:new")))
    page.locator("select[name=unit]").select_option(label="麒麟区教育体育局")
    page.locator("input[name=title]").fill(JOINT_TITLE)
    page.locator("textarea[name=body]").fill(JOINT_BODY)
    page.locator("select[name=category]").select_option(label="公示公告")
    page.get_by_label("招投标").check()
    page.locator("select[name=joint_units]").select_option(label=["越州镇", "沾益区教育体育局"])
    page.get_by_role("button", name="保存并检查").click()
    item = Item.objects.get()
    item_path = reverse("review:item", args=[item.pk])
    expect(page).to_have_url(drafter.url(item_path))
    page.locator("#submit-button").click()
    expect(page.locator("body")).to_contain_text("已提交审核")

    def decide(username: str, opinion: str) -> None:
        tab = open_tab()
        sign_in(tab, username)
        tab.page.goto(tab.url(item_path))
        form = tab.page.locator("section.rv-decide")
        expect(form).to_have_count(1)
        form.locator("input[type=radio][value=approve]").check()
        form.get_by_label(re.compile("我已校对当前版本")).check()
        form.locator("textarea[name$=-opinion]").fill(opinion)
        form.get_by_role("button", name="提交审核决定").click()
        expect(tab.page.locator("body")).to_contain_text("审核决定已保存")
        tab.assert_clean()

    def has_form(username: str) -> bool:
        tab = open_tab()
        sign_in(tab, username)
        tab.page.goto(tab.url(item_path))
        expect(tab.page.locator("h1")).to_contain_text(JOINT_TITLE)
        return tab.page.locator("section.rv-decide").count() == 1

    for username, _role, _name, _label, opinion in REVIEWERS[:3]:
        decide(username, opinion)
    # Both departments are now asked at once; the final step is not open yet.
    assert has_form("town_head") and has_form("zhanyi_head")
    assert not has_form("principal")
    decide("town_head", "越州镇会审同意。")
    # One department agreed: the item still waits for the other.
    assert not has_form("principal")
    assert has_form("zhanyi_head")
    page.goto(drafter.url(item_path))
    expect(page.locator(".rv-status")).to_have_text("审核中")
    decide("zhanyi_head", "沾益区教育体育局会审同意。")
    # Every joint reviewer agreed: the final step opens and decides.
    assert has_form("principal")
    decide("principal", "同意发布。")
    item.refresh_from_db()
    assert item.status == "approved"
    joint = item.steps.filter(kind="joint")
    assert {s.unit.name for s in joint} == {"越州镇", "沾益区教育体育局"}
    assert all(s.state == "passed" for s in joint)
