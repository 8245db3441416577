"""The anti-bot challenge that only a browser passes: the cookie is computed by the page's script,
so replaying a literal cookie is impossible; with ``headless=True`` the fetcher loads the page in
Debian's chromium and gets the real page."""

from __future__ import annotations

import asyncio
import os
import shutil

import pytest

from sanshen.patrol.fetch import Fetcher
from tests.patrol._servers import Server

CHROMIUM = "/usr/bin/chromium"
REAL = "<html><head><title>示范市人民政府</title></head><body><p>政务要闻</p>" + "<p>内容</p>" * 200 + "</body></html>"
CHALLENGE = (
    "<html><head></head><body><script>"
    "var v = [104, 101, 108, 108, 111].map(function (c) { return String.fromCharCode(c); }).join('');"
    "document.cookie = 'wafc=' + v + (6 * 7) + '; path=/'; location.reload();"
    "</script></body></html>"
)


def guarded(hit, srv):
    if "wafc=hello42" in hit.headers.get("cookie", ""):
        return 200, {"Content-Type": "text/html; charset=utf-8"}, REAL.encode()
    return 412, {"Content-Type": "text/html; charset=utf-8"}, CHALLENGE.encode()


def _need_chromium():
    if not shutil.which(CHROMIUM):
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail("CI=true: Debian's chromium is required for the headless challenge test")
        pytest.skip("Debian's chromium is not installed")


def test_script_computed_cookie_is_not_passed_without_a_browser():
    with Server({"/": guarded}) as srv:

        async def go():
            async with Fetcher(trust_env=False) as f:
                return await f.fetch(srv.url("/"))

        response = asyncio.run(go())
    assert response.status == 412


def test_headless_browser_passes_the_challenge():
    _need_chromium()
    with Server({"/": guarded}) as srv:

        async def go():
            async with Fetcher(trust_env=False, headless=True, timeout=30) as f:
                first = await f.fetch(srv.url("/"))
                # The browser's cookie is kept for the host: the next plain fetch passes too.
                second = await f.fetch(srv.url("/"))
                return first, second

        first, second = asyncio.run(go())
    assert first.status == 200, first
    assert "政务要闻" in first.body.decode("utf-8")
    assert second.status == 200 and "政务要闻" in second.body.decode("utf-8")
