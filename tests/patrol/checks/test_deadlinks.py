from sanshen.patrol.checks.anti_bot import AntiBotCheck, is_challenge
from sanshen.patrol.checks.deadlinks import DeadLinksCheck
from sanshen.patrol.model import FetchError, Kind, Link, LinkKind, Response

from .fakes import SITE, FakeContext, error_response, html_response, make_page, merge, run

INNER = "http://www.xx.gov.cn/zwgk/index.html"


def _feed(check, ctx, items):
    problems = []
    for response, link, found_on in items:
        problems += run(check.on_resource(response, link, found_on, ctx))
    return merge(problems + run(check.finish(ctx)))


def test_home_and_inner_dead_links_are_classified():
    ctx = FakeContext()
    check = DeadLinksCheck()
    problems = _feed(check, ctx, [
        (html_response("http://www.xx.gov.cn/a.html", "gone", 404),
         Link("http://www.xx.gov.cn/a.html", LinkKind.PAGE, "旧文章"), [SITE]),
        (Response("http://www.xx.gov.cn/f.pdf", "http://www.xx.gov.cn/f.pdf", 500),
         Link("http://www.xx.gov.cn/f.pdf", LinkKind.ATTACHMENT, "附件"), [INNER]),
        (error_response("http://dead.example.com/", FetchError.DNS),
         Link("http://dead.example.com/", LinkKind.PAGE, "合作单位"), [INNER]),
        (error_response("http://www.xx.gov.cn/slow", FetchError.TIMEOUT, 15.0),
         Link("http://www.xx.gov.cn/slow", LinkKind.PAGE), [INNER]),
        (Response("http://www.xx.gov.cn/img/x.png", "http://www.xx.gov.cn/img/x.png", 200, elapsed=16.2),
         Link("http://www.xx.gov.cn/img/x.png", LinkKind.IMAGE), [INNER]),
        (error_response("http://www.xx.gov.cn/loop", FetchError.REDIRECT_LOOP),
         Link("http://www.xx.gov.cn/loop", LinkKind.PAGE), [INNER, "http://www.xx.gov.cn/b.html"]),
    ])
    by_url = {p.url: p for p in problems}
    assert all(p.kind == Kind.DEAD_LINK for p in problems)
    home = by_url["http://www.xx.gov.cn/a.html"]
    assert home.severity == "high" and home.facts["on_home"] and home.facts["status"] == 404
    assert home.found_on == [SITE] and "首页" in home.detail
    pdf = by_url["http://www.xx.gov.cn/f.pdf"]
    assert pdf.severity == "medium" and pdf.facts["link_kind"] == "attachment" and pdf.facts["internal"]
    dns = by_url["http://dead.example.com/"]
    assert dns.severity == "low" and dns.facts["error"] == "dns" and not dns.facts["internal"]
    assert by_url["http://www.xx.gov.cn/slow"].facts["error"] == "timeout"
    assert by_url["http://www.xx.gov.cn/img/x.png"].facts["error"] == "timeout"
    assert by_url["http://www.xx.gov.cn/loop"].facts["error"] == "redirect_loop"
    assert by_url["http://www.xx.gov.cn/loop"].found_on == [INNER, "http://www.xx.gov.cn/b.html"]


def test_found_on_merges_over_calls():
    ctx = FakeContext()
    check = DeadLinksCheck()
    r = html_response("http://www.xx.gov.cn/a.html", "", 404)
    link = Link(r.url, LinkKind.PAGE)
    problems = _feed(check, ctx, [(r, link, [INNER]), (r, link, [SITE, INNER])])
    assert len(problems) == 1
    assert problems[0].found_on == [INNER, SITE]


def test_not_dead_challenge_rate_limit_schemes_and_ok():
    ctx = FakeContext()
    check = DeadLinksCheck()
    challenge = html_response("http://www.xx.gov.cn/c.html",
                              "<html><script>document.cookie='x=1';location.reload()</script></html>", 412)
    problems = _feed(check, ctx, [
        (challenge, Link(challenge.url, LinkKind.PAGE), [SITE]),
        (Response("http://www.xx.gov.cn/r", "http://www.xx.gov.cn/r", 429), Link("http://www.xx.gov.cn/r",
                                                                                LinkKind.PAGE), [SITE]),
        (error_response("mailto:office@xx.gov.cn", FetchError.INVALID_URL),
         Link("mailto:office@xx.gov.cn", LinkKind.PAGE), [SITE]),
        (error_response("javascript:void(0)", FetchError.INVALID_URL), Link("javascript:void(0)", LinkKind.PAGE),
         [SITE]),
        (Response("http://www.gov.cn/", "http://www.gov.cn/", 200, elapsed=2.0), Link("http://www.gov.cn/",
                                                                                     LinkKind.PAGE), [SITE]),
        (Response("http://www.xx.gov.cn/big.zip", "http://www.xx.gov.cn/big.zip", None, error=FetchError.TOO_LARGE),
         Link("http://www.xx.gov.cn/big.zip", LinkKind.ATTACHMENT), [SITE]),
    ])
    assert problems == []


def test_plain_403_is_dead_but_waf_403_is_not():
    plain = html_response("http://www.xx.gov.cn/p", "<h1>403 Forbidden</h1>", 403)
    waf = html_response("http://www.xx.gov.cn/w", "<script>var _ts='x';document.cookie='a'</script>安全验证", 403)
    assert not is_challenge(plain) and is_challenge(waf)
    ctx = FakeContext()
    check = DeadLinksCheck()
    problems = _feed(check, ctx, [(plain, Link(plain.url, LinkKind.PAGE), [INNER]),
                                  (waf, Link(waf.url, LinkKind.PAGE), [INNER])])
    assert [p.url for p in problems] == [plain.url]


def test_home_page_itself_is_not_a_dead_link_and_slow_page_is():
    ctx = FakeContext()
    check = DeadLinksCheck()
    assert run(check.on_resource(error_response(SITE, FetchError.CONNECT), Link(SITE, LinkKind.PAGE), [], ctx)) == []
    slow = make_page(INNER, "<p>x</p>", found_on=[SITE],
                     response=Response(INNER, INNER, 200, {"content-type": "text/html"}, b"<p>x</p>", elapsed=18))
    problems = run(check.on_page(slow, ctx))
    assert [(p.url, p.facts["error"], p.severity) for p in problems] == [(INNER, "timeout", "high")]


def test_anti_bot_reports_once_per_host_and_not_passed_challenges():
    ctx = FakeContext()
    check = AntiBotCheck()
    body = "<html><script>document.cookie='acw_sc__v2=1';location.reload()</script></html>"
    problems = []
    for i in range(3):
        url = f"http://www.xx.gov.cn/{i}.html"
        problems += run(check.on_resource(html_response(url, body, 412), Link(url, LinkKind.PAGE), [f"p{i}"], ctx))
    passed = html_response("http://www.xx.gov.cn/ok", body, 412, headers={"x-sanshen-challenge": "passed"})
    problems += run(check.on_resource(passed, Link(passed.url, LinkKind.PAGE), [SITE], ctx))
    limited = Response("http://www.xx.gov.cn/r", "http://www.xx.gov.cn/r", 429)
    problems += run(check.on_resource(limited, Link(limited.url, LinkKind.PAGE), [SITE], ctx))
    problems = merge(problems + run(check.finish(ctx)))
    assert len(problems) == 2
    challenge = next(p for p in problems if p.facts["reason"] == "challenge")
    assert challenge.kind == Kind.ANTI_BOT and challenge.severity == "low"
    assert "访问验证拦截，未计为死链" in challenge.detail and challenge.found_on == ["p0", "p1", "p2"]
    assert next(p for p in problems if p.facts["reason"] == "rate_limited").url == limited.url


def test_ordinary_responses_give_no_anti_bot_note():
    ctx = FakeContext()
    check = AntiBotCheck()
    assert run(check.on_page(make_page(SITE, "<p>首页</p>"), ctx)) == []
    r = html_response("http://www.xx.gov.cn/x", "<h1>Not Found</h1>", 404)
    assert run(check.on_resource(r, Link(r.url, LinkKind.PAGE), [SITE], ctx)) == []
