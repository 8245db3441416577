"""The patrol fetcher against loopback servers: limits, politeness, retries, challenges, decoding."""

from __future__ import annotations

import asyncio
import itertools
import socket
import time

from sanshen.patrol.decode import decode_html
from sanshen.patrol.fetch import UA_BAIDUSPIDER, Fetcher, find_js_cookie, parse_retry_after
from sanshen.patrol.model import FetchError, LinkKind, Response
from sanshen.patrol.page import parse_page

from ._servers import Server, page, redirect, sequence, slow


def fetch(url: str, **options):
    call = {k: options.pop(k) for k in ("user_agent", "referer", "max_bytes", "truncate_ok", "headers") if k in options}

    async def go():
        async with Fetcher(trust_env=False, **options) as f:
            return await f.fetch(url, **call)

    return asyncio.run(go())


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_ok_records_headers_and_user_agent():
    with Server({"/": page("<title>t</title>")}) as srv:
        r = fetch(srv.url("/"), user_agent="baiduspider", referer="http://ref.example/")
        assert r.ok and r.status == 200 and r.content_type == "text/html"
        assert r.body == b"<title>t</title>" and r.redirects == [srv.url("/")]
        hit = srv.hits("/")[0]
        assert hit.headers["user-agent"] == UA_BAIDUSPIDER
        assert hit.headers["referer"] == "http://ref.example/"
        r = fetch(srv.url("/"))
        assert "Sanshen-Patrol" in srv.hits("/")[1].headers["user-agent"]


def test_timeout_covers_the_whole_redirect_chain():
    with Server({"/a": slow(0.4, redirect("/b")), "/b": slow(0.4, page("late"))}) as srv:
        started = time.monotonic()
        r = fetch(srv.url("/a"), timeout=0.6, retries=0)
        assert r.status is None and r.error == FetchError.TIMEOUT
        assert time.monotonic() - started < 2.0
        r = fetch(srv.url("/a"), timeout=3.0)
        assert r.status == 200 and r.final_url == srv.url("/b") and r.redirects == [srv.url("/a"), srv.url("/b")]


def test_redirect_loop_and_too_many_redirects():
    routes = {"/a": redirect("/b"), "/b": redirect("/a")}
    routes.update({f"/r{i}": redirect(f"/r{i + 1}") for i in range(20)})
    with Server(routes) as srv:
        r = fetch(srv.url("/a"))
        assert r.error == FetchError.REDIRECT_LOOP and r.status is None
        assert r.redirects[:2] == [srv.url("/a"), srv.url("/b")]
        r = fetch(srv.url("/r0"))
        assert r.error == FetchError.TOO_MANY_REDIRECTS
        assert len(srv.hits("/r0")) == 1  # not retried


def test_invalid_urls_and_connect_errors():
    assert fetch("ftp://example.gov.cn/x").error == FetchError.INVALID_URL
    assert fetch("http://exa mple.gov.cn/").error in (FetchError.INVALID_URL, FetchError.DNS)
    assert fetch("not a url").error == FetchError.INVALID_URL
    r = fetch(f"http://127.0.0.1:{closed_port()}/", retries=0)
    assert r.status is None and r.error == FetchError.CONNECT


def test_size_cap_stops_reading():
    big = b"<html>" + b"x" * 2_000_000
    with Server({"/big": page(big)}) as srv:
        r = fetch(srv.url("/big"), max_bytes=100_000)
        assert r.status == 200 and r.truncated and r.error == FetchError.TOO_LARGE
        assert len(r.body) == 100_000
        r = fetch(srv.url("/big"), max_bytes=1000, truncate_ok=True)
        assert r.truncated and r.error is None and len(r.body) == 1000


def test_gbk_page_with_a_wrong_header_is_decoded_by_its_meta():
    html = '<html><head><meta charset="gb2312"><title>政务公开</title></head><body><p>通知公告</p></body></html>'
    with Server({"/": page(html.encode("gbk"), ctype="text/html; charset=utf-8"),
                 "/nometa": page("<p>人民政府网站</p>".encode("gbk"), ctype="text/html; charset=iso-8859-1")}) as srv:
        p = parse_page(fetch(srv.url("/")))
        assert p.encoding == "gb18030" and p.title == "政务公开" and "通知公告" in p.text
        p = parse_page(fetch(srv.url("/nometa")))
        assert p.text == "人民政府网站"


def test_decode_order():
    text = "测试页面"
    assert decode_html(b"\xef\xbb\xbf" + text.encode("utf-8"), "text/html; charset=gbk") == (text, "utf-8")
    assert decode_html(text.encode("utf-8"), "text/html; charset=gbk")[0] == text  # real UTF-8 beats the header
    assert decode_html(text.encode("gb18030"), None)[0] == text
    # Cut at the size cap in the middle of a character: still UTF-8.
    assert decode_html(text.encode("utf-8")[:-1], None)[1] == "utf-8"
    assert decode_html(b"\xff\xfe\xfd junk \x00\x81", None)[0]  # never raises


def test_retries_with_backoff_then_success():
    fail = page("err", status=503)
    with Server({"/flaky": sequence(fail, fail, page("ok")), "/down": page("down", status=500)}) as srv:
        started = time.monotonic()
        r = fetch(srv.url("/flaky"), backoff=0.1)
        assert r.status == 200 and len(srv.hits("/flaky")) == 3
        assert time.monotonic() - started >= 0.1 + 0.2  # 0.1 s, then 0.2 s
        r = fetch(srv.url("/down"), backoff=0.01)
        assert r.status == 500 and len(srv.hits("/down")) == 3  # 1 + 2 retries
        r = fetch(srv.url("/down"), backoff=0.01, retries=0)
        assert len(srv.hits("/down")) == 4


def test_retry_after_pauses_the_host():
    throttled = page("slow down", status=429, headers={"Retry-After": "1"})
    with Server({"/t": sequence(throttled, page("ok")), "/other": page("other")}) as srv:

        async def go():
            async with Fetcher(trust_env=False) as f:
                first = asyncio.create_task(f.fetch(srv.url("/t")))
                await asyncio.sleep(0.3)  # the 429 has arrived: the host is paused
                other = await f.fetch(srv.url("/other"))
                return await first, other

        r, other = asyncio.run(go())
        assert r.status == 200 and other.status == 200
        t429, t_ok = (h.time for h in srv.hits("/t"))
        assert t_ok - t429 >= 0.95
        assert srv.hits("/other")[0].time - t429 >= 0.95  # the other path waited for the pause too
    assert parse_retry_after("120") == 120
    assert 59 <= parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412420.0) <= 61
    assert parse_retry_after("soon") is None


def test_per_host_concurrency_is_never_exceeded():
    with Server({f"/p{i}": slow(0.1, page(f"p{i}")) for i in range(24)}) as srv:

        async def go():
            async with Fetcher(trust_env=False, per_host=3) as f:
                return await asyncio.gather(*(f.fetch(srv.url(f"/p{i}")) for i in range(24)))

        results = asyncio.run(go())
        assert all(r.status == 200 for r in results)
        assert srv.max_active == 3


def test_minimum_delay_between_request_starts():
    with Server({f"/p{i}": page("x") for i in range(4)}) as srv:

        async def go():
            async with Fetcher(trust_env=False, delay=0.2) as f:
                await asyncio.gather(*(f.fetch(srv.url(f"/p{i}")) for i in range(4)))

        asyncio.run(go())
        times = sorted(h.time for h in srv.log)
        # Starts are spaced on the client; arrivals jitter with connection set-up on a busy machine.
        assert times[-1] - times[0] >= 0.5
        assert all(b - a >= 0.1 for a, b in itertools.pairwise(times))


def test_timeout_does_not_count_politeness_waits():
    with Server({f"/p{i}": slow(0.3, page("x")) for i in range(4)}) as srv:

        async def go():
            async with Fetcher(trust_env=False, per_host=1, timeout=0.6) as f:
                return await asyncio.gather(*(f.fetch(srv.url(f"/p{i}")) for i in range(4)))

        assert all(r.status == 200 for r in asyncio.run(go()))  # 1.2 s in all, 0.3 s each


CHALLENGE = (
    '<html><head><meta charset="utf-8"></head><body><script>'
    'document.cookie="wzws_cid=abc123; path=/";location.reload();</script></body></html>'
)


def test_cookie_challenge_is_passed_and_the_cookie_kept():
    def guarded(hit, srv):
        if "wzws_cid=abc123" in hit.headers.get("cookie", ""):
            return 200, {"Content-Type": "text/html"}, b"<title>real</title>"
        return 412, {"Content-Type": "text/html"}, CHALLENGE.encode()

    with Server({"/": guarded, "/next": guarded, "/wall": page(CHALLENGE, status=412)}) as srv:

        async def go():
            async with Fetcher(trust_env=False) as f:
                first = await f.fetch(srv.url("/"))
                second = await f.fetch(srv.url("/next"))
                wall = await f.fetch(srv.url("/wall"))
                return first, second, wall, f.cookies(srv.url("/"))

        first, second, wall, cookies = asyncio.run(go())
        assert first.status == 200 and first.headers["x-sanshen-challenge"] == "passed"
        assert len(srv.hits("/")) == 2
        assert second.status == 200 and len(srv.hits("/next")) == 1  # the jar already had the cookie
        assert cookies["wzws_cid"] == "abc123"
        assert wall.status == 412 and "x-sanshen-challenge" not in wall.headers  # still walled: as is
        assert len(srv.hits("/wall")) == 2
    assert find_js_cookie(b"document.cookie = 'a_b=1-2'") == ("a_b", "1-2")
    assert find_js_cookie(b"<p>no script</p>") is None


def test_page_links_are_classified_and_hidden_ones_marked():
    html = """<html><head><base href="/sub/"><link rel="stylesheet" href="s.css">
    <style>.hide{display:none}</style></head><body>
    <a href="a.html#frag">文章 <b>一</b></a><a href="/f/doc.DOCX">附件</a><a href="x.ofd">x</a>
    <img src="/i.png" alt="图片"><iframe src="/frame.html"></iframe><script src="/j.js"></script>
    <div class="hide"><a href="http://bad.example/">博彩</a></div>
    <span style="position:absolute;left:-9999px"><a href="http://bad2.example/">b</a></span>
    <a href="mailto:x@y.cn">m</a><a href="javascript:void(0)">j</a><a href="#top">t</a></body></html>"""
    r = Response("http://gov.example/index.html", "http://gov.example/index.html", 200,
                 {"content-type": "text/html"}, html.encode())
    links = {lk.url: lk for lk in parse_page(r).links}
    assert links["http://gov.example/sub/a.html"].kind == LinkKind.PAGE
    assert links["http://gov.example/sub/a.html"].text == "文章 一"
    assert links["http://gov.example/f/doc.DOCX"].kind == LinkKind.ATTACHMENT
    assert links["http://gov.example/sub/x.ofd"].kind == LinkKind.ATTACHMENT
    assert links["http://gov.example/i.png"].kind == LinkKind.IMAGE
    assert links["http://gov.example/frame.html"].kind == LinkKind.FRAME
    assert links["http://gov.example/j.js"].kind == LinkKind.SCRIPT
    assert links["http://gov.example/sub/s.css"].kind == LinkKind.STYLESHEET
    assert links["http://bad.example/"].hidden == "display:none"
    assert links["http://bad2.example/"].hidden == "off-screen"
    assert links["http://gov.example/sub/a.html"].hidden == ""
    assert len(links) == 9  # mailto:, javascript: and #top are not web links


def test_hostile_html_does_not_crash():
    bodies = [
        b"<div>" * 50_000 + b"deep" + b"</div>" * 10,
        b"\x00\xff\xfe" * 1000 + b"<a href='/x'>x</a>",
        b"<a href='http://[::1'>bad</a><a href='http://x:99999/'>port</a><img src>" * 100,
        b"<table>" + b"<tr><td><a href=/q?" + b"a" * 5000 + b">" * 3000,
        b"",
    ]
    for body in bodies:
        r = Response("http://gov.example/", "http://gov.example/", 200, {"content-type": "text/html"}, body)
        p = parse_page(r)
        assert isinstance(p.text, str)
    assert "deep" in parse_page(Response("http://g/", "http://g/", 200, {}, bodies[0])).text
