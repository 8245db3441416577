"""Browser tests: Playwright for Python driving Debian's chromium against pytest-django's
`live_server` (Django in a thread of this process, on the test database: SQLite or PostgreSQL).

Covered: sign-in with the TOTP second factor; the 在线检查 page (highlights, finding list,
counts, jumping from the list to a highlight, the masked download); an editor of one unit
getting the Chinese 404 page on another unit's pages; no console error, page error or CSP
violation on any page visited; a screenshot of the check page in the test's tmp dir. And, at
the end, that `sanshen serve` has gunicorn build the check engine before its workers fork.

Only Debian's browser is used (`apt-get install chromium`), never one downloaded by Playwright.
Without it these tests are skipped, except under `CI=true`, where that is a failure.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.urls import reverse

from sanshen.engine.findings import CATEGORY_LABELS
from sanshen.units.models import Role

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # reported (skip, or failure under CI) by the `playwright_driver` fixture
    expect = sync_playwright = None

CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags chromium keeps trying to reach Google's services,
# which a closed network (an intranet, this CI machine) refuses.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 10_000

ID = "110101199003077571"  # valid GB 11643 check digit
FILLER = "".join(f"（{n}）各乡镇按月足额发放保障金，做到应保尽保、动态管理。\n" for n in range(1, 41))
TEXT = (
    "关于2026年城乡低保对象的公示\n"
    f"张建国，身份证号{ID}，家庭人口3人。\n"
    "中华人名共和国成立以来，我县社会救助工作稳步推进。\n"
    # Forty clean lines, so that the last finding starts out of sight in the text panel.
    f"{FILLER}"
    "本站友情链接：在线博彩。\n"
)
EXPECTED_RULES = {
    "privacy:id_card": ID,
    "expression-national:national-name": "中华人名共和国",
    "spam:gambling": "博彩",
}


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def _unavailable(reason: str):
    if _in_ci():
        pytest.fail(f"{reason}; CI=true: the browser tests must run here, not be skipped", pytrace=False)
    pytest.skip(reason)


# Browser ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def playwright_driver():
    """Playwright's driver for this module. Its sync API keeps an asyncio loop in this thread,
    which makes Django refuse ORM calls from here ("async context"); the ORM calls of these
    tests (and the database flush after each) are plain sequential calls, so Django is told so
    for this module only."""
    if not os.access(CHROMIUM, os.X_OK):
        _unavailable(f"{CHROMIUM} not found: install Debian's chromium (apt-get install chromium)")
    if sync_playwright is None:
        _unavailable("the playwright package is not installed (it is in requirements-dev.lock)")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as driver:
            yield driver


@dataclass
class Tab:
    """One browser (fresh profile) with one page, and what its console reported."""

    page: object
    base_url: str
    problems: list[str] = field(default_factory=list)
    expected_status: dict[str, tuple[int, ...]] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return self.base_url + path

    def expect_status(self, path: str, *statuses: int) -> None:
        """A page that answers one of `statuses` on purpose: chromium's "Failed to load resource"
        console message for it is not a problem."""
        self.expected_status[self.url(path)] = statuses

    def _console(self, message) -> None:
        if message.type not in ("error", "assert"):
            return
        where = (message.location or {}).get("url", "")
        statuses = self.expected_status.get(where, ())
        if "Failed to load resource" in message.text and any(f"status of {s} " in message.text for s in statuses):
            return
        self.problems.append(f"console {message.type} at {where or '?'}: {message.text}")

    def _page_error(self, error) -> None:
        self.problems.append(f"page error: {error}")

    def assert_clean(self) -> None:
        assert not self.problems, "browser console:\n" + "\n".join(self.problems)


# Reports CSP violations in the console even if a chromium version stopped logging them itself.
CSP_REPORTER = """
document.addEventListener("securitypolicyviolation", (e) => {
  console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || "inline"} in ${e.sourceFile || "?"}`);
});
"""


@pytest.fixture
def live_db(transactional_db, live_server):
    """Committed data, which the live server's thread can see (pytest-django's `live_server`
    makes every test transactional). Like conftest's `committed_db`, but that one's outer guard
    would be set up after the database here, and so would put the audit log's append-only
    triggers back before the flush instead of after it. Here the triggers are dropped just before
    the flush, whose post_migrate signal installs them again; the next test checks they are back."""
    from django.db import connection

    from sanshen.audit import protection

    assert not protection.missing(connection), "the audit log's triggers were not restored after a flush"
    yield
    protection.remove(connection)


@pytest.fixture
def tab(playwright_driver, live_db, live_server, tmp_path):
    """A chromium with a fresh user-data dir in the test's tmp dir, signed in as nobody."""
    context = playwright_driver.chromium.launch_persistent_context(
        str(tmp_path / "chromium-profile"),
        executable_path=CHROMIUM,
        headless=True,
        args=CHROMIUM_ARGS,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        viewport={"width": 1366, "height": 900},
        accept_downloads=True,
    )
    try:
        context.set_default_timeout(TIMEOUT_MS)
        context.add_init_script(CSP_REPORTER)
        page = context.pages[0] if context.pages else context.new_page()
        current = Tab(page=page, base_url=live_server.url)
        page.on("console", current._console)
        page.on("pageerror", current._page_error)
        yield current
    finally:
        context.close()


def sign_in(tab: Tab, username: str, password: str = "Qj-2026-审校口令") -> None:
    page = tab.page
    page.goto(tab.url(reverse("login")))
    page.get_by_label("账号").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


# Tests --------------------------------------------------------------------------------------


def test_supervisor_signs_in_with_totp(tab, tree, make_user):
    from sanshen.accounts.testing import totp_token, verified_device

    user = make_user("city_supervisor", (tree["city"], Role.SUPERVISOR), full_name="周监管")
    device = verified_device(user)
    page = tab.page

    page.goto(tab.url("/"))
    expect(page).to_have_url(re.compile(re.escape(reverse("login")) + r"\?next=/$"))
    page.get_by_label("账号").fill("city_supervisor")
    page.get_by_label("密码").fill("Qj-2026-审校口令")
    page.get_by_role("button", name="登录").click()

    # The password alone is not enough: the second-factor page asks for the code.
    expect(page).to_have_url(re.compile(re.escape(reverse("accounts:otp_verify"))))
    expect(page.locator("h1")).to_have_text("双因素验证")
    page.goto(tab.url(reverse("units:tree")))  # any other page sends the user back to the code
    expect(page).to_have_url(re.compile(re.escape(reverse("accounts:otp_verify"))))

    page.locator("input[name=token]").fill(totp_token(device))
    page.get_by_role("button", name="验证").click()

    expect(page).to_have_url(tab.url(reverse("units:tree")))  # back where the user wanted to go
    page.get_by_role("link", name="三审").first.click()
    expect(page).to_have_url(tab.url("/"))
    expect(page.locator("h1")).to_have_text("工作台")
    expect(page.locator(".user-name")).to_contain_text("周监管")
    expect(page.locator(".side-nav")).to_be_visible()
    tab.assert_clean()


def test_editor_checks_text_and_sees_highlights(tab, tree, make_user, tmp_path):
    make_user("edu_editor", (tree["edu"], Role.EDITOR), full_name="李信息")
    page = tab.page
    sign_in(tab, "edu_editor")
    expect(page.locator("h1")).to_have_text("工作台")

    page.locator(".side-nav").get_by_role("link", name="在线检查").click()
    expect(page).to_have_url(tab.url(reverse("online-check")))
    page.get_by_label("粘贴文本").fill(TEXT)
    page.get_by_role("button", name="开始检查").click()

    # Counts, the list and one highlight per finding.
    summary = page.locator("#result")
    expect(summary).to_be_visible()
    items = page.locator("ol.finding-list > li.finding")
    count = items.count()
    assert count == len(EXPECTED_RULES)
    expect(summary).to_contain_text(f"发现 {count} 处问题")
    expect(summary.locator(".check-counts li")).to_have_count(3 + 2)  # 3 families; veto (ID, name) and medium
    counts = summary.locator(".check-counts").first
    for category in ("privacy", "expression", "spam"):
        expect(counts).to_contain_text(f"{CATEGORY_LABELS[category]} 1")
    marks = page.locator("#check-text mark.hl")
    by_rule = {}
    for i in range(count):
        item = page.locator(f"#finding-{i}")
        rule = re.search(r"规则 (\S+)", item.locator(".finding-meta").inner_text()).group(1)
        by_rule[rule] = i
        expect(item.locator(".finding-message")).not_to_be_empty()
        covering = page.locator(f'#check-text mark.hl[data-findings~="{i}"]')
        assert covering.count() >= 1, f"finding {i} ({rule}) has no highlight"
        assert "".join(covering.all_inner_texts()) == EXPECTED_RULES[rule]
        expect(page.locator(f"#hl-{i}")).to_have_count(1)
    assert set(by_rule) == set(EXPECTED_RULES)
    assert marks.count() == count
    expect(page.locator(f"#finding-{by_rule['expression-national:national-name']}")).to_contain_text(
        "建议：中华人民共和国"
    )

    # A click on the last finding in the list brings its highlight (out of sight until then) into
    # view and flashes it.
    last = by_rule["spam:gambling"]
    mark = page.locator(f'#check-text mark.hl[data-findings~="{last}"]')
    expect(mark).not_to_be_in_viewport()
    page.locator(f'.finding-jump[data-index="{last}"]').click()
    expect(mark).to_have_class(re.compile(r"\bflash\b"))
    expect(page.locator(f"#finding-{last}")).to_have_class(re.compile(r"\bactive\b"))
    expect(mark).to_be_in_viewport()
    assert page.url.endswith(f"#hl-{last}")
    # …and a click on a highlight selects its finding in the list.
    first = by_rule["privacy:id_card"]
    page.locator(f'#check-text mark.hl[data-findings~="{first}"]').click()
    expect(page.locator(f"#finding-{first}")).to_have_class(re.compile(r"\bactive\b"))
    expect(page.locator(f"#finding-{last}")).not_to_have_class(re.compile(r"\bactive\b"))

    screenshot = tmp_path / "check-page.png"
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(screenshot), full_page=True)
    assert screenshot.stat().st_size > 10_000
    print(f"screenshot: {screenshot}", file=sys.stderr)

    # The masked text comes back as a download.
    with page.expect_download() as info:
        page.get_by_role("button", name="下载脱敏文本（.txt）").click()
    download = info.value
    assert download.failure() is None
    assert download.suggested_filename == "文本-脱敏.txt"
    masked = Path(download.path()).read_text(encoding="utf-8")
    assert ID not in masked and "110101********7571" in masked
    assert masked.startswith("关于2026年城乡低保对象的公示\n张建国，身份证号")
    assert "中华人名共和国" in masked and masked.count("\n") == TEXT.count("\n")  # only personal data masked
    tab.assert_clean()


def test_editor_of_one_unit_gets_404_on_another_units_pages(tab, tree, make_user):
    make_user("edu_editor", (tree["edu"], Role.EDITOR))
    other = tree["zhanyi_edu"]
    page = tab.page
    sign_in(tab, "edu_editor")
    expect(page.locator("h1")).to_have_text("工作台")

    own = page.goto(tab.url(reverse("units:detail", args=[tree["edu"].pk])))
    assert own.status == 200
    expect(page.locator("h1")).to_contain_text("麒麟区教育体育局")

    forbidden = [
        reverse("units:detail", args=[other.pk]),
        f"{reverse('accounts:ledger')}?unit={other.pk}",
        reverse("api-tokens-unit", args=[other.pk]),
    ]
    for path in forbidden:
        tab.expect_status(path, 403, 404)
        response = page.goto(tab.url(path))
        assert response.status in (403, 404), path
        heading = {404: "页面不存在", 403: "无权操作"}[response.status]
        expect(page.locator("h1")).to_have_text(heading)
        expect(page).to_have_title(f"{heading} · 三审")
        assert page.locator("html").get_attribute("lang") == "zh-Hans"
        expect(page.locator("main")).to_contain_text("返回首页")
        assert "沾益" not in page.content(), path  # nothing of the other unit leaks
        expect(page.locator(".side-nav")).to_be_visible()  # the normal layout, still signed in
    tab.assert_clean()


def test_console_listener_catches_csp_violations(tab):
    """The "no console errors" assertions above mean something: an inline script, which the
    CSP forbids, is reported."""
    page = tab.page
    page.goto(tab.url(reverse("login")))
    expect(page.locator("h1")).to_have_text("登录三审")
    tab.assert_clean()
    page.evaluate(
        """() => {
          const s = document.createElement("script");
          s.textContent = "window.__inline_ran = true";
          document.head.appendChild(s);
        }"""
    )
    page.wait_for_timeout(200)
    assert page.evaluate("window.__inline_ran === undefined")
    # Chromium's own report, and the init script's (in case a chromium stops logging them).
    assert any("violates the following Content Security Policy directive" in p for p in tab.problems), tab.problems
    assert any("CSP violation: script-src" in p for p in tab.problems), tab.problems


# `sanshen serve`/`run`: the engine is built once in gunicorn's master ---------------------------


def test_gunicorn_builds_the_engine_before_forking(monkeypatch):
    from gunicorn.app.wsgiapp import WSGIApplication

    from sanshen.web import server

    argv = server.gunicorn_argv(server.Bind("127.0.0.1", 8000), workers=2, threads=1)
    assert "--preload" in argv
    assert argv[argv.index("--config") + 1] == "python:sanshen.web.server"
    # gunicorn, parsing that command line, loads the app in the master and calls the hook there.
    monkeypatch.setattr(sys, "argv", ["gunicorn", *argv[3:]])
    monkeypatch.setattr(sys, "path", [*sys.path])  # gunicorn adds its working directory
    monkeypatch.chdir(os.getcwd())  # …after changing to it
    app = WSGIApplication("%(prog)s [OPTIONS] [APP_MODULE]")
    assert app.cfg.preload_app is True
    assert app.cfg.on_starting is server.on_starting
    assert app.cfg.workers == 2 and app.cfg.address == [("127.0.0.1", 8000)]
    built = []
    engine = SimpleNamespace(check=lambda text: [])
    monkeypatch.setattr("sanshen.engine.default_engine", lambda: built.append(engine) or engine)
    app.cfg.on_starting(None)
    assert built == [engine]
