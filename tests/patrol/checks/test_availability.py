import datetime as dt

from sanshen.patrol.checks.availability import AvailabilityCheck, Probe, availability_verdict
from sanshen.patrol.model import FetchError, Kind, Link, LinkKind, Response

from .fakes import SITE, FakeContext, error_response, html_response, make_page, run

NOW = dt.datetime(2026, 11, 20, 12, 0)


def _probes(n, failing=(), slow=()):
    """n probes every 15 minutes back from NOW; indexes in failing fail, in slow take 15 s."""
    out = []
    for i in range(n):
        at = NOW - dt.timedelta(minutes=15 * i)
        status = None if i in failing else 200
        out.append(Probe(at, status, 15.0 if i in slow else 0.8))
    return out


def test_verdict_levels():
    assert availability_verdict(_probes(100), NOW)["level"] == "ok"
    # 2 isolated failures in 100 = 2 %: ok; 2 in a row: alert
    assert availability_verdict(_probes(100, failing={3, 50}), NOW)["level"] == "ok"
    v = availability_verdict(_probes(100, failing={3, 4}), NOW)
    assert v["level"] == "alert" and v["consecutive_failures"] == 2
    # 3 % isolated: warning
    v = availability_verdict(_probes(100, failing={1, 30, 60}), NOW)
    assert v["level"] == "warning" and v["failure_rate"] == 0.03
    # 5 %, slow ones count: veto
    v = availability_verdict(_probes(100, failing={1, 30}, slow={10, 50, 70}), NOW)
    assert v["level"] == "veto" and v["failures"] == 5 and "单项否决" in v["reasons"][-1]


def test_verdict_window_is_seven_days():
    old_failures = [Probe(NOW - dt.timedelta(days=8, minutes=i), None) for i in range(50)]
    v = availability_verdict(old_failures + _probes(20), NOW)
    assert v["probes"] == 20 and v["level"] == "ok"
    assert availability_verdict([], NOW)["level"] == "unknown"


def test_probe_from_response():
    r = Response(SITE, SITE, 200, elapsed=15.2)
    assert Probe.from_response(r, NOW).failed
    assert not Probe.from_response(Response(SITE, SITE, 200, elapsed=1), NOW).failed
    assert Probe.from_response(Response(SITE, SITE, 503), NOW).failed


def test_home_failure_is_unavailable_once():
    ctx = FakeContext()
    check = AvailabilityCheck()
    r = error_response(SITE, FetchError.DNS)
    problems = run(check.on_resource(r, Link(SITE, LinkKind.PAGE), [], ctx))
    assert [(p.kind, p.severity) for p in problems] == [(Kind.UNAVAILABLE, "veto")]
    assert run(check.on_resource(r, Link(SITE, LinkKind.PAGE), [], ctx)) == []


def test_home_http_error_page_is_unavailable():
    ctx = FakeContext()
    page = make_page(SITE, "<h1>502 Bad Gateway</h1>", status=502, is_home=True)
    problems = run(AvailabilityCheck().on_page(page, ctx))
    assert problems and problems[0].kind == Kind.UNAVAILABLE and "502" in problems[0].detail


def test_working_home_and_inner_failures_are_not_unavailable():
    ctx = FakeContext()
    check = AvailabilityCheck()
    assert run(check.on_page(make_page(SITE, "<p>首页</p>", is_home=True), ctx)) == []
    inner = "http://www.xx.gov.cn/a.html"
    assert run(check.on_resource(html_response(inner, "", 404), Link(inner, LinkKind.PAGE), [SITE], ctx)) == []
    waf = html_response(SITE, "<script>document.cookie='x'</script>", 412)
    assert run(check.on_resource(waf, Link(SITE, LinkKind.PAGE), [], ctx)) == []
