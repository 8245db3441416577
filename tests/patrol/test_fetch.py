"""The patrol fetcher against loopback servers: limits, politeness, retries, challenges, decoding."""

from __future__ import annotations

import asyncio
import gc
import gzip
import itertools
import shutil
import socket
import ssl
import subprocess
import time
import warnings
import zlib

import aiohttp
import pytest

from sanshen.patrol.decode import decode_html
from sanshen.patrol.fetch import UA_BAIDUSPIDER, Fetcher, _classify, find_js_cookie, parse_retry_after, request_url
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


def test_compressed_bodies_are_decoded_and_the_cap_counts_decoded_bytes():
    html = "<html><title>压缩</title>" + "<p>政务公开</p>" * 2000 + "</html>"
    deflater = zlib.compressobj(wbits=zlib.MAX_WBITS)
    deflated = deflater.compress(html.encode()) + deflater.flush()
    with Server({
        "/gz": page(gzip.compress(html.encode()), headers={"Content-Encoding": "gzip"}),
        "/deflate": page(deflated, headers={"Content-Encoding": "deflate"}),
        "/bomb": page(gzip.compress(b"<p>" + b"0" * 2_000_000), headers={"Content-Encoding": "gzip"}),
        "/broken": page(b"not gzip at all" * 10, headers={"Content-Encoding": "gzip"}),
    }) as srv:
        for path in ("/gz", "/deflate"):
            r = fetch(srv.url(path))
            assert r.ok and r.body == html.encode() and not r.truncated
            assert "gzip" in srv.hits(path)[0].headers["accept-encoding"]
            assert parse_page(r).title == "压缩"
        r = fetch(srv.url("/bomb"), max_bytes=100_000)
        assert r.truncated and len(r.body) == 100_000 and r.error == FetchError.TOO_LARGE
        r = fetch(srv.url("/broken"), retries=0)
        assert r.status is None and r.error == FetchError.PROTOCOL


def test_a_fetcher_made_outside_a_loop_and_closing_one_never_used():
    with Server({"/": page("<title>t</title>")}) as srv:
        f = Fetcher(trust_env=False)  # no running loop here: the session waits for the first fetch

        async def go():
            try:
                return await f.fetch(srv.url("/"))
            finally:
                await f.aclose()

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            assert asyncio.run(go()).status == 200
            asyncio.run(Fetcher(trust_env=False).aclose())  # never fetched

            async def twice():
                async with Fetcher(trust_env=False) as g:
                    await g.fetch(srv.url("/"))
                    await g.aclose()  # closing again is harmless

            asyncio.run(twice())
            gc.collect()
        assert not [w for w in caught if "nclosed" in str(w.message)]


def test_urls_are_sent_as_given_or_quoted_like_a_browser():
    seen = page("ok")
    with Server({"/a%2Fb": seen, "/%E4%B8%AD%E6%96%87%20x.html": seen, "/p%7e": seen, "/q": seen}) as srv:
        assert fetch(srv.url("/a%2Fb?x=%7e&y=a+b")).status == 200
        assert fetch(srv.url("/p%7e")).status == 200
        assert fetch(srv.url("/中文 x.html")).status == 200
        assert fetch(srv.url("/q?v=100%")).status == 200
        assert srv.paths() == ["/a%2Fb?x=%7e&y=a+b", "/p%7e", "/%E4%B8%AD%E6%96%87%20x.html", "/q?v=100%25"]
    assert str(request_url("http://中文.cn/路径")) == "http://xn--fiq228c.cn/%E8%B7%AF%E5%BE%84"
    for bad in ("http://exa mple.gov.cn/", "http://x.gov.cn:99999/", "http://[::1/", "javascript:alert(1)"):
        with pytest.raises(ValueError):
            request_url(bad)
        assert fetch(bad).error == FetchError.INVALID_URL


def test_redirect_with_gbk_bytes_in_location_and_repeated_headers():
    gbk_path = "/%D6%D0%CE%C4.html"  # 中文 in GBK, as the server's Location bytes
    with Server({
        "/go": redirect("/中文.html".encode("gbk").decode("latin-1")),
        gbk_path: page("<p>到了</p>", headers={"Set-Cookie": "a=1; Path=/", "set-cookie": "b=2; HttpOnly",
                                              "X-Tag": "x", "x-tag": "y"}),
        "/next": page("n"),
    }) as srv:

        async def go():
            async with Fetcher(trust_env=False) as f:
                r = await f.fetch(srv.url("/go"))
                await f.fetch(srv.url("/next"))
                return r, f.cookies(srv.url("/"))

        r, cookies = asyncio.run(go())
        assert r.status == 200 and r.final_url == srv.url(gbk_path)
        assert r.redirects == [srv.url("/go"), srv.url(gbk_path)]
        assert r.headers["x-tag"] == "x, y" and "set-cookie" in r.headers
        assert cookies == {"a": "1", "b": "2"}
        assert srv.hits("/next")[0].headers["cookie"] == "a=1; b=2"


def test_head_has_no_body():
    with Server({"/": page("<p>body</p>")}) as srv:

        async def go():
            async with Fetcher(trust_env=False) as f:
                return await f.fetch(srv.url("/"), method="HEAD")

        r = asyncio.run(go())
        assert r.status == 200 and r.body == b"" and srv.hits("/")[0].method == "HEAD"


def test_error_classification():
    assert fetch("http://nonexistent-host.invalid/", retries=0).error == FetchError.DNS
    with Server({"/": page("plain")}) as srv:  # TLS spoken to a plain HTTP server
        r = fetch(srv.url("/").replace("http://", "https://"), retries=0)
        assert r.status is None and r.error == FetchError.TLS
    # A refused connection (whose message says "ssl:default") is CONNECT: test_invalid_urls_and_connect_errors.
    assert _classify(aiohttp.ServerDisconnectedError())[0] == FetchError.PROTOCOL
    assert _classify(aiohttp.ClientPayloadError("Response payload is not completed"))[0] == FetchError.PROTOCOL
    assert _classify(aiohttp.InvalidURL("http://[x"))[0] == FetchError.INVALID_URL
    assert _classify(TimeoutError())[0] == FetchError.TIMEOUT
    assert _classify(ssl.SSLCertVerificationError("certificate verify failed"))[0] == FetchError.TLS


@pytest.mark.skipif(not shutil.which("openssl"), reason="needs the openssl command")
def test_self_signed_certificate_fails_unless_verify_is_off(tmp_path):
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    srv = Server({"/": page("<title>tls</title>")})
    srv.httpd.socket = context.wrap_socket(srv.httpd.socket, server_side=True)
    with srv:
        url = srv.url("/").replace("http://", "https://")
        r = fetch(url, retries=0)
        assert r.status is None and r.error == FetchError.TLS
        r = fetch(url, verify=False)
        assert r.status == 200 and r.body == b"<title>tls</title>"


def test_the_environment_proxy_is_used_and_no_proxy_honoured(monkeypatch):
    with Server({"http://gov.invalid/p": page("经代理访问")}) as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url("").rstrip("/"))
        monkeypatch.delenv("http_proxy", raising=False)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)

        async def go(**options):
            async with Fetcher(**options) as f:
                return await f.fetch("http://gov.invalid/p", retries=0)

        via = asyncio.run(go())
        assert via.status == 200 and "经代理访问" in via.body.decode("utf-8")
        assert [h.path for h in proxy.log] == ["http://gov.invalid/p"]
        assert asyncio.run(go(trust_env=False)).status is None  # no proxy: the name does not resolve
        monkeypatch.setenv("NO_PROXY", "gov.invalid")
        assert asyncio.run(go()).status is None
        assert len(proxy.log) == 1
