"""The platform side of patrol: problem lifecycle, column corrections, availability, alerts,
exports. Patrol results are built from `sanshen.patrol.model` types; nothing touches the network."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from sanshen.patrol.model import Column as PColumn
from sanshen.patrol.model import Kind
from sanshen.patrol.model import Problem as PProblem
from sanshen.units.models import Role

HOME = "https://www.qilin.gov.example/"


@dataclass
class Result:
    pages_crawled: int = 10
    problems: list = field(default_factory=list)
    columns: list = field(default_factory=list)
    complete: bool = True


def dead(path: str, severity: str = "medium", found_on=(HOME,)) -> PProblem:
    return PProblem(Kind.DEAD_LINK, HOME + path, "链接返回 HTTP 404", severity, found_on=list(found_on),
                    facts={"status": 404, "key": "404"})


def privacy(path: str = "a.html") -> PProblem:
    return PProblem(Kind.CONTENT, HOME + path, "身份证号码", "veto", found_on=[HOME],
                    finding={"rule": "id_card", "text": "110101199003077571", "category": "privacy"})


@pytest.fixture
def org(tree, make_user):
    return {
        **tree,
        "admin": make_user("site_admin", (tree["edu"], Role.SITE_ADMIN)),
        "editor": make_user("editor", (tree["edu"], Role.EDITOR)),
        "duty": make_user("duty", (tree["edu"], Role.DUTY_OFFICER)),
        "supervisor": make_user("supervisor", (tree["qilin"], Role.SUPERVISOR)),
        "outsider": make_user("outsider", (tree["zhanyi_edu"], Role.SITE_ADMIN)),
    }


@pytest.fixture
def site(org):
    from sanshen.sites import services

    return services.register_site(org["admin"], org["edu"], name="麒麟区教育体育局网站", home_url=HOME,
                                  site_code="5303020001", allowed_hosts="jyj.qilin.gov.example, QILIN.gov.example")


def patrol(site, *problems, columns=(), complete=True):
    from sanshen.sites import services
    from sanshen.sites.models import PatrolRun

    run = PatrolRun.objects.create(site=site)
    counts = services.record_patrol(site, run, Result(problems=list(problems), columns=list(columns),
                                                      complete=complete))
    run.refresh_from_db()
    return run, counts


# Registry and permissions -------------------------------------------------------------------


def test_register_normalises_hosts_and_audits(org, site):
    from sanshen.audit.models import AuditEntry

    assert site.allowed_hosts == ["jyj.qilin.gov.example", "qilin.gov.example"]
    assert site.hosts() == {"www.qilin.gov.example", "jyj.qilin.gov.example", "qilin.gov.example"}
    entry = AuditEntry.objects.filter(object_type="sites.site", object_id=str(site.pk)).get()
    assert entry.action == "create" and entry.unit_id == org["edu"].pk and entry.actor_id == org["admin"].pk


def test_only_site_admin_or_supervisor_above_may_register_or_edit(org, site):
    from sanshen.sites import services

    for user in (org["editor"], org["duty"], org["outsider"]):
        with pytest.raises(PermissionDenied):
            services.register_site(user, org["edu"], name="x", home_url="https://x.example/")
        with pytest.raises(PermissionDenied):
            services.update_site(site, user, name="改名")
    services.update_site(site, org["supervisor"], name="麒麟区教体局网站")
    site.refresh_from_db()
    assert site.name == "麒麟区教体局网站"


def test_site_code_and_custom_column_validated(org, site):
    from sanshen.sites import services

    with pytest.raises(ValidationError):
        services.register_site(org["admin"], org["edu"], name="坏标识码", home_url="https://y.example/",
                               site_code="53-03")
    with pytest.raises(ValidationError):
        services.add_column(site, org["admin"], url=HOME + "zdy/", name="专栏", update_class="custom")


def test_visible_sites_follow_unit_scope(org, site):
    from sanshen.sites import services

    assert list(services.visible_sites(org["editor"])) == [site]
    assert list(services.visible_sites(org["supervisor"])) == [site]
    assert list(services.visible_sites(org["outsider"])) == []


# Problem lifecycle --------------------------------------------------------------------------


def test_new_problems_open_and_alert_only_for_veto_and_high(site):
    from sanshen.sites.models import Alert, Problem

    run, counts = patrol(site, dead("a", "high"), dead("b", "medium"), privacy())
    assert counts["new"] == 3 and run.problems_found == 3 and run.state == "done" and run.complete
    assert set(Problem.objects.values_list("status", flat=True)) == {"open"}
    assert sorted(Alert.objects.values_list("severity", flat=True)) == ["high", "veto"]
    content = Problem.objects.get(kind="content")
    assert content.excerpt == "110101199003077571" and content.finding["rule"] == "id_card"
    assert content.first_seen_run == run and len(content.key_hash) == 64


def test_same_key_twice_in_one_patrol_is_one_problem(site):
    from sanshen.sites.models import Problem

    patrol(site, dead("a", found_on=[HOME]), dead("a", found_on=[HOME + "list.html"]))
    (row,) = Problem.objects.all()
    assert row.found_on == [HOME, HOME + "list.html"]


def test_seen_again_updates_last_seen_without_new_alert(site):
    from sanshen.sites.models import Alert, Problem

    first, _ = patrol(site, dead("a", "high"))
    second, counts = patrol(site, dead("a", "high"))
    row = Problem.objects.get()
    assert counts == {**counts, "seen": 1, "new": 0}
    assert row.first_seen_run == first and row.last_seen_run == second and row.status == "open"
    assert Alert.objects.count() == 1


def test_open_problem_missing_from_complete_patrol_is_gone(site):
    from sanshen.sites.models import Problem

    patrol(site, dead("a"), dead("b"))
    _, counts = patrol(site, dead("a"))
    assert counts["gone"] == 1
    assert Problem.objects.get(url=HOME + "b").status == "gone"
    assert Problem.objects.get(url=HOME + "a").status == "open"
    # Back again: open once more.
    patrol(site, dead("a"), dead("b"))
    assert Problem.objects.get(url=HOME + "b").status == "open"


def test_incomplete_patrol_does_not_make_problems_disappear(site):
    from sanshen.sites.models import Problem

    patrol(site, dead("a"), dead("b"))
    run, counts = patrol(site, dead("a"), complete=False)
    assert counts["gone"] == 0 and not run.complete
    assert Problem.objects.get(url=HOME + "b").status == "open"


def test_false_positive_stays_suppressed(org, site):
    from sanshen.sites import services
    from sanshen.sites.models import Alert, Problem

    patrol(site, privacy())
    row = Problem.objects.get()
    with pytest.raises(ValidationError):
        services.mark_problem(row, org["admin"], "false_positive", "")
    services.mark_problem(row, org["admin"], "false_positive", "测试账号的示例号码")
    alerts = Alert.objects.count()
    _, counts = patrol(site, privacy())
    row.refresh_from_db()
    assert counts["suppressed"] == 1 and row.status == "false_positive"
    assert Alert.objects.count() == alerts
    # A complete patrol that no longer finds it leaves the verdict alone, too.
    patrol(site)
    row.refresh_from_db()
    assert row.status == "false_positive"


def test_fixed_problem_seen_again_is_reopened_with_alert(org, site):
    from sanshen.audit.models import AuditEntry
    from sanshen.sites import services
    from sanshen.sites.models import Alert, Problem

    patrol(site, dead("a", "medium"))
    row = Problem.objects.get()
    services.mark_problem(row, org["admin"], "fixed", "已删除失效链接")
    entry = AuditEntry.objects.filter(action="sites_mark_problem").get()
    assert entry.after["status"] == "fixed" and entry.before["status"] == "open"
    assert entry.unit_id == org["edu"].pk
    _, counts = patrol(site, dead("a", "medium"))
    row.refresh_from_db()
    assert counts["reopened"] == 1 and row.status == "open" and row.reopened == 1
    alert = Alert.objects.get()
    assert alert.kind == "reopened" and alert.problem == row


def test_only_managers_mark_problems(org, site):
    from sanshen.sites import services
    from sanshen.sites.models import Problem

    patrol(site, dead("a"))
    row = Problem.objects.get()
    for user in (org["editor"], org["duty"], org["outsider"]):
        with pytest.raises(PermissionDenied):
            services.mark_problem(row, user, "fixed", "")
    services.mark_problem(row, org["supervisor"], "fixed", "")
    assert Problem.objects.get().status == "fixed"


def test_problems_are_per_site(org, site):
    from sanshen.sites import services
    from sanshen.sites.models import Problem

    other = services.register_site(org["admin"], org["edu"], name="第二个网站", home_url="https://two.example/")
    patrol(site, dead("a"))
    patrol(other, dead("a"))
    assert Problem.objects.count() == 2
    patrol(other)
    assert Problem.objects.get(site=site).status == "open"


# Columns ------------------------------------------------------------------------------------


def test_columns_added_and_corrections_kept(org, site):
    from sanshen.sites import services
    from sanshen.sites.models import Column

    today = dt.date(2026, 11, 20)
    found = [
        PColumn(HOME + "gzdt/", "工作动态", "news", 14, today - dt.timedelta(days=3), 20),
        PColumn(HOME + "tzgg/", "通知", "news", 14, today - dt.timedelta(days=40), 9),
    ]
    _, counts = patrol(site, columns=found)
    assert counts["columns_added"] == 2
    notices = Column.objects.get(url=HOME + "tzgg/")
    assert notices.found_automatically and notices.is_stale(today)
    services.correct_column(notices, org["admin"], name="通知公告", update_class="notice")
    manual = services.add_column(site, org["admin"], url=HOME + "zt/", name="专题专栏", update_class="custom",
                                 custom_days=30)
    found2 = [
        PColumn(HOME + "gzdt/", "要闻动态", "news", 14, today, 21),
        PColumn(HOME + "tzgg/", "通知", "news", 14, today - dt.timedelta(days=41), 9),
        PColumn(HOME + "zt/", "专题", "none", None, today - dt.timedelta(days=5), 3),
    ]
    _, counts = patrol(site, columns=found2)
    assert counts["columns_updated"] == 3
    notices.refresh_from_db()
    manual.refresh_from_db()
    news = Column.objects.get(url=HOME + "gzdt/")
    assert (notices.name, notices.update_class, notices.max_age_days) == ("通知公告", "notice", 183)
    assert not notices.is_stale(today) and notices.latest_date == today - dt.timedelta(days=41)
    assert (manual.name, manual.update_class, manual.custom_days) == ("专题专栏", "custom", 30)
    assert manual.item_count == 3
    assert news.name == "要闻动态"  # never corrected: follows the patrol
    overrides = {c["url"]: c for c in services.column_overrides(site)}
    assert set(overrides) == {HOME + "tzgg/", HOME + "zt/"} and overrides[HOME + "zt/"]["max_age_days"] == 30


def test_column_correction_needs_manager(org, site):
    from sanshen.sites import services
    from sanshen.sites.models import Column

    patrol(site, columns=[PColumn(HOME + "gzdt/", "工作动态", "news", 14)])
    column = Column.objects.get()
    with pytest.raises(PermissionDenied):
        services.correct_column(column, org["editor"], name="x")


# Availability -------------------------------------------------------------------------------

NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)


def _probes(site, total: int, failures: int, *, slow: int = 0):
    """`total` probes spread over the last 6 days; `failures` of them failed and `slow` took 15 s,
    never two in a row."""
    from sanshen.sites.models import Probe

    bad = list(range(0, 2 * (failures + slow), 2))
    failed, slowed = set(bad[:failures]), set(bad[failures:])
    rows = []
    for i in range(total):
        at = NOW - dt.timedelta(days=6) * (total - i) / total
        rows.append(Probe(site=site, at=at, ok=i not in failed, status=None if i in failed else 200,
                          elapsed_ms=15000 if i in slowed else 200))
    Probe.objects.bulk_create(rows)


@pytest.mark.parametrize(
    ("failures", "slow", "verdict"),
    [(0, 0, "ok"), (2, 0, "ok"), (3, 0, "warning"), (2, 1, "warning"), (4, 0, "warning"), (5, 0, "veto"),
     (3, 2, "veto")],
)
def test_availability_thresholds_per_hundred_probes(site, failures, slow, verdict):
    from sanshen.sites import services

    _probes(site, 100, failures, slow=slow)
    state = services.availability(site, NOW)
    assert (state.total, state.failures, state.verdict) == (100, failures + slow, verdict)


def test_availability_just_inside_and_outside_thresholds(site):
    from sanshen.sites import services
    from sanshen.sites.models import Probe

    _probes(site, 1000, 29)  # 2.9 %
    assert services.availability(site, NOW).verdict == "ok"

    Probe.objects.all().delete()
    _probes(site, 1000, 30)  # 3.0 %
    assert services.availability(site, NOW).verdict == "warning"
    Probe.objects.all().delete()
    _probes(site, 1000, 49)  # 4.9 %
    assert services.availability(site, NOW).verdict == "warning"
    Probe.objects.all().delete()
    _probes(site, 1000, 50)  # 5.0 %
    state = services.availability(site, NOW)
    assert state.verdict == "veto" and state.percent == 95.0


def test_availability_window_is_seven_days(site):
    from sanshen.sites import services
    from sanshen.sites.models import Probe

    Probe.objects.create(site=site, at=NOW - dt.timedelta(days=8), ok=False, elapsed_ms=0)
    Probe.objects.create(site=site, at=NOW - dt.timedelta(hours=1), ok=True, elapsed_ms=100)
    state = services.availability(site, NOW)
    assert (state.total, state.failures, state.percent) == (1, 0, 100.0)
    assert services.availability(site, NOW - dt.timedelta(days=30)).verdict == "unknown"


def test_two_failures_in_a_row_alert_once(site):
    from sanshen.sites import services
    from sanshen.sites.models import Alert

    _probes(site, 200, 0)
    t = NOW + dt.timedelta(minutes=1)
    services.record_probe(site, False, 0, None, "连接超时", at=t)
    assert not Alert.objects.filter(kind="unavailable").exists()
    services.record_probe(site, True, 300, 200, at=t + dt.timedelta(minutes=15))
    services.record_probe(site, False, 0, None, "连接超时", at=t + dt.timedelta(minutes=30))
    assert not Alert.objects.filter(kind="unavailable").exists()
    services.record_probe(site, True, 16000, 200, at=t + dt.timedelta(minutes=45))  # slow counts as a failure
    assert Alert.objects.filter(kind="unavailable").count() == 1
    services.record_probe(site, False, 0, 503, at=t + dt.timedelta(minutes=60))
    assert Alert.objects.filter(kind="unavailable").count() == 1  # still the same outage


def test_veto_ratio_raises_availability_alert(site):
    from sanshen.sites import services
    from sanshen.sites.models import Alert

    _probes(site, 99, 4)  # the fifth failure makes 5 of 100
    services.record_probe(site, False, 0, None, "超时", at=NOW + dt.timedelta(minutes=1))
    alert = Alert.objects.get(kind="availability")
    assert alert.severity == "veto" and "5" in alert.message


# Alerts -------------------------------------------------------------------------------------


def test_alert_queue_scope_and_acknowledge(org, site):
    from sanshen.audit.models import AuditEntry
    from sanshen.sites import services

    patrol(site, privacy())
    assert services.visible_alerts(org["duty"]).count() == 1
    assert services.visible_alerts(org["supervisor"]).count() == 1
    assert services.visible_alerts(org["outsider"]).count() == 0
    assert not services.can_read_duty(org["editor"]) and services.can_read_duty(org["duty"])
    alert = services.visible_alerts(org["duty"]).get()
    with pytest.raises(PermissionDenied):
        services.acknowledge_alert(alert, org["outsider"])
    with pytest.raises(PermissionDenied):
        services.acknowledge_alert(alert, org["editor"])
    services.acknowledge_alert(alert, org["duty"])
    assert services.visible_alerts(org["duty"]).count() == 0
    assert AuditEntry.objects.filter(action="sites_ack_alert", actor=org["duty"]).exists()


# Exports ------------------------------------------------------------------------------------


def test_export_csv_and_xlsx_read_back(org, site):
    from openpyxl import load_workbook

    from sanshen.audit.models import AuditEntry
    from sanshen.sites import services
    from sanshen.sites.models import Problem

    formula = PProblem(Kind.CONTENT, HOME + "b.html", "=HYPERLINK(\"x\")", "low", found_on=[HOME],
                       facts={"key": "f", "excerpt": "控制字符\x01在此"})
    patrol(site, dead("a", "high"), privacy(), formula)
    qs = Problem.objects.filter(site=site).order_by("kind", "url")
    data = services.export_problems(site, qs, "csv", org["admin"])
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][:5] == ["网站", "问题类型", "严重程度", "状态", "页面地址"]
    assert len(rows) == 4
    assert {r[1] for r in rows[1:]} == {"链接不可用", "内容问题"}
    assert any(r[6].startswith("'=HYPERLINK") for r in rows[1:])
    book = load_workbook(io.BytesIO(services.export_problems(site, qs, "xlsx", org["admin"])))
    sheet = book["巡检问题"]
    values = list(sheet.values)
    assert values[0][4] == "页面地址" and len(values) == 4
    assert {v[4] for v in values[1:]} == {HOME + "a", HOME + "a.html", HOME + "b.html"}
    assert any(v[7] == "控制字符在此" for v in values[1:])
    assert AuditEntry.objects.filter(action="export", object_type="sites.site").count() == 2
    with pytest.raises(ValueError):
        services.export_problems(site, qs, "pdf", org["admin"])


# Running and scheduling ---------------------------------------------------------------------


def test_run_patrol_now_with_a_fake_crawler_reports_progress(org, site):
    from sanshen.sites import services
    from sanshen.sites.models import PatrolRun

    seen = []

    def crawl(site_, run, progress):
        progress({"pages_crawled": 5, "pages_total_estimate": 20, "problems_found": 1})
        seen.append(PatrolRun.objects.get(pk=run.pk).pages_crawled)
        assert PatrolRun.objects.get(pk=run.pk).state == "running"
        return Result(pages_crawled=20, problems=[dead("a")])

    run = services.run_patrol_now(site, org["admin"], crawl=crawl)
    assert seen == [5]
    assert (run.state, run.pages_crawled, run.problems_found, run.complete) == ("done", 20, 1, True)
    with pytest.raises(PermissionDenied):
        services.run_patrol_now(site, org["editor"], crawl=crawl)


def test_failed_crawl_is_recorded_and_alerted(org, site):
    from sanshen.sites import services
    from sanshen.sites.models import Alert

    def crawl(site_, run, progress):
        raise RuntimeError("DNS 解析失败")

    run = services.run_patrol_now(site, org["admin"], crawl=crawl)
    assert run.state == "failed" and "DNS" in run.error
    assert Alert.objects.filter(kind="patrol_failed").exists()


def test_one_active_run_per_site(org, site):
    from sanshen.sites import services

    first = services.start_patrol(site, org["admin"])
    assert services.start_patrol(site, org["supervisor"]) == first


def test_due_patrols_and_probes(site):
    from sanshen.sites import services
    from sanshen.sites.models import PatrolRun, Probe

    local = timezone.localtime(NOW)
    site.daily_at = (local - dt.timedelta(hours=1)).time()
    site.save()
    assert services.due_patrols(NOW) == [site]
    PatrolRun.objects.create(site=site, state="done")
    PatrolRun.objects.filter(site=site).update(created_at=NOW - dt.timedelta(minutes=30))
    assert services.due_patrols(NOW) == []
    PatrolRun.objects.filter(site=site).update(created_at=NOW - dt.timedelta(hours=2))
    assert services.due_patrols(NOW) == [site]
    site.schedule, site.every_hours = "interval", 6
    site.save()
    assert services.due_patrols(NOW) == []
    assert services.due_patrols(NOW + dt.timedelta(hours=5)) == [site]
    # Probes every 15 minutes.
    assert services.due_probes(NOW) == [site]
    Probe.objects.create(site=site, at=NOW - dt.timedelta(minutes=5), ok=True)
    assert services.due_probes(NOW) == []
    assert services.due_probes(NOW + dt.timedelta(minutes=10)) == [site]


def test_stale_running_run_expires(site):
    from sanshen.sites import services
    from sanshen.sites.models import PatrolRun

    site.schedule, site.every_hours = "interval", 1
    site.save()
    run = PatrolRun.objects.create(site=site, state="running")
    PatrolRun.objects.filter(pk=run.pk).update(created_at=NOW - dt.timedelta(hours=13))
    assert services.due_patrols(NOW) == [site]
    run.refresh_from_db()
    assert run.state == "failed"


def test_patrol_due_command_is_idempotent(org, site, monkeypatch):
    from django.core.management import call_command

    from sanshen.sites import services
    from sanshen.sites.models import PatrolRun, Probe

    calls = []

    def fake_probe(s, **kw):
        calls.append(s.pk)
        return services.record_probe(s, True, 120, 200)

    monkeypatch.setattr(services, "probe_site", fake_probe)
    monkeypatch.setattr(services, "_crawl", lambda s, run, progress: Result(problems=[dead("x")]))
    site.schedule, site.every_hours = "interval", 24
    site.save()
    out = io.StringIO()
    call_command("patrol_due", stdout=out)
    call_command("patrol_due", stdout=out)
    assert calls == [site.pk] and Probe.objects.count() == 1
    assert PatrolRun.objects.filter(site=site, state="done").count() == 1
    assert "完成" in out.getvalue()


# Corrections in judging and completeness ----------------------------------------------------


def test_corrected_column_is_judged_by_its_corrected_class(org, site):
    from sanshen.sites import services
    from sanshen.sites.models import Column, Problem

    today = timezone.localdate()
    old = today - dt.timedelta(days=40)
    crawler_says = PProblem(Kind.STALE_COLUMN, HOME + "tzgg/", "栏目“通知”已 40 天未更新", "high",
                            facts={"key": HOME + "tzgg/", "update_class": "news"})
    found = [PColumn(HOME + "tzgg/", "通知", "news", 14, old, 9)]
    patrol(site, crawler_says, columns=found)
    assert Problem.objects.get().status == "open"
    services.correct_column(Column.objects.get(), org["admin"], name="通知公告", update_class="notice")
    _, counts = patrol(site, crawler_says, columns=found)
    assert counts["gone"] == 1 and Problem.objects.get().status == "gone"  # 40 days is fine for 6 months
    column = Column.objects.get()
    services.correct_column(column, org["admin"], update_class="custom", custom_days=30)
    patrol(site, crawler_says, columns=found)
    row = Problem.objects.get()  # the same identity, reopened, judged by 30 days
    assert row.status == "open" and "30 天" in row.detail and row.facts["corrected"] is True


def test_is_complete_heuristics(site):
    from sanshen.sites import services

    @dataclass
    class Crawled:
        pages_crawled: int
        problems: list = field(default_factory=list)

    site.max_pages = 100
    assert services.is_complete(site, Crawled(40))
    assert not services.is_complete(site, Crawled(0))
    assert not services.is_complete(site, Crawled(100))
    down = PProblem(Kind.UNAVAILABLE, HOME, "首页无法访问", "veto", facts={"key": "home"})
    assert not services.is_complete(site, Crawled(1, [down]))


# The real crawler against a loopback server --------------------------------------------------


@pytest.fixture
def loopback_site(tmp_path):
    import functools
    import http.server
    import threading

    (tmp_path / "index.html").write_text(
        '<html><head><meta charset="utf-8"><title>测试区人民政府</title></head><body>'
        '<a href="/a.html">政务公开</a> <a href="/missing.html">旧栏目</a></body></html>', encoding="utf-8")
    (tmp_path / "a.html").write_text(
        '<html><head><meta charset="utf-8"><title>政务公开</title></head><body><p>欢迎访问。</p>'
        '<a href="/">首页</a></body></html>', encoding="utf-8")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(tmp_path)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", tmp_path
    server.shutdown()
    server.server_close()


def test_real_crawler_on_loopback(committed_db, loopback_site):
    """Committed transactions: the crawl reports progress and checks cancellation from threads."""
    from pathlib import Path

    home, folder = loopback_site
    from sanshen.sites import services
    from sanshen.sites.models import Problem, Site
    from sanshen.units.models import Unit, User

    unit = Unit.objects.create(name="测试区", kind=Unit.Kind.COUNTY)
    admin = User.objects.create_user("crawl_admin", password="x-Qj-2026-口令")
    admin.memberships.create(unit=unit, role=Role.SITE_ADMIN)
    site = Site.objects.create(unit=unit, name="测试区政府网站", home_url=home, max_pages=50,
                               obey_robots=False, cloaking=False)
    run = services.run_patrol_now(site, admin)
    assert run.state == "done", run.error
    assert run.pages_crawled >= 2 and run.complete
    assert Path(run.frontier_path).exists()
    dead = Problem.objects.get(site=site, kind="dead_link")
    assert dead.url == home + "missing.html" and dead.found_on == [home]
    assert dead.status == "open"
    # The link is removed; the next (incremental) patrol sees the whole site again and the problem goes.
    (folder / "index.html").write_text(
        '<html><head><meta charset="utf-8"><title>测试区人民政府</title></head><body>'
        '<a href="/a.html">政务公开</a></body></html>', encoding="utf-8")
    second = services.run_patrol_now(site, admin)
    assert second.state == "done" and second.pk != run.pk and second.complete
    dead.refresh_from_db()
    assert dead.status == "gone"
