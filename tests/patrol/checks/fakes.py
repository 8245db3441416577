"""Fakes for the site-check tests: a PatrolContext whose `fetch` serves canned Responses, and page builders.

`make_page` parses hand-written HTML with the engine's extractor the way the crawler would
(title, lower-case metas, links with their kind and hidden reason, visible text).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from urllib.parse import urlsplit

from sanshen.engine import default_engine
from sanshen.engine.extract.html import extract_html
from sanshen.patrol.model import FetchError, Link, LinkKind, Page, Response

SITE = "http://www.xx.gov.cn/"
ATTACHMENT_EXT = (".pdf", ".doc", ".docx", ".xls", ".xlsx", ".wps", ".zip", ".rar", ".ppt", ".pptx", ".et")


class FakeBaselines:
    def __init__(self):
        self.data: dict[str, dict] = {}

    def get(self, url: str) -> dict | None:
        return self.data.get(url)

    def put(self, url: str, fingerprint: dict) -> None:
        self.data[url] = fingerprint


class FakeContext:
    def __init__(
        self,
        site_url: str = SITE,
        *,
        as_of: dt.date = dt.date(2026, 11, 20),
        responses: dict[str, Response] | None = None,
        handler: Callable[[str, str | None, str | None], Response | None] | None = None,
        options: dict | None = None,
        baselines: FakeBaselines | None = None,
    ):
        self.site_url = site_url
        self.allowed_hosts = frozenset({urlsplit(site_url).hostname or ""})
        self.as_of = as_of
        self.engine = default_engine()
        self.baselines = baselines or FakeBaselines()
        self.options = options or {}
        self.responses = responses or {}
        self.handler = handler
        self.fetched: list[tuple[str, str | None, str | None]] = []

    def is_internal(self, url: str) -> bool:
        host = (urlsplit(url).hostname or "").lower()
        return any(host == h or host.endswith("." + h) for h in self.allowed_hosts)

    async def fetch(self, url: str, *, user_agent: str | None = None, referer: str | None = None) -> Response:
        self.fetched.append((url, user_agent, referer))
        if self.handler is not None:
            r = self.handler(url, user_agent, referer)
            if r is not None:
                return r
        if url in self.responses:
            return self.responses[url]
        return Response(url, url, 404, {"content-type": "text/html"}, b"not found")


def html_response(url: str, html: str, status: int = 200, **kw) -> Response:
    headers = {"content-type": "text/html; charset=utf-8", **kw.pop("headers", {})}
    return Response(url, kw.pop("final_url", url), status, headers, html.encode("utf-8"), **kw)


def error_response(url: str, error: FetchError, elapsed: float = 0.0) -> Response:
    return Response(url, url, None, {}, b"", elapsed=elapsed, error=error, error_detail=str(error))


def link_kind(url: str) -> LinkKind:
    path = urlsplit(url).path.lower()
    return LinkKind.ATTACHMENT if path.endswith(ATTACHMENT_EXT) else LinkKind.PAGE


def make_page(
    url: str, html: str, *, status: int = 200, depth: int = 1, found_on: list[str] | None = None,
    is_home: bool | None = None, response: Response | None = None,
) -> Page:
    ex = extract_html(b"\xef\xbb\xbf" + html.encode("utf-8"), url)
    title, metas, links, body = "", {}, [], []
    for seg in ex.segments:
        text = ex.text[seg.start:seg.end]
        if seg.kind == "title":
            title = text
        elif seg.kind == "meta":
            metas[str(seg.attrs.get("name", "")).lower()] = text
        elif seg.kind == "body":
            body.append(text)
        elif seg.kind == "link":
            href = seg.attrs.get("href", "")
            if href.lower().startswith(("http://", "https://", "mailto:", "javascript:", "tel:")):
                links.append(Link(href, link_kind(href), seg.attrs.get("text", ""),
                                  str(seg.attrs.get("reason") or ("hidden" if seg.attrs.get("hidden") else ""))))
    response = response or html_response(url, html, status)
    return Page(
        url=url, depth=depth, response=response, html=html, encoding="utf-8", title=title, metas=metas,
        links=links, text="\n".join(body), found_on=found_on or [],
        is_home=(url == SITE) if is_home is None else is_home,
    )


def run(coro):
    return asyncio.run(coro)


def layout(body: str, *, title: str = "XX县人民政府", head: str = "") -> str:
    """An ordinary government page around ``body``: navigation, friendly links and the usual footer."""
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title>
<meta name="SiteName" content="XX县人民政府"><meta name="SiteIDCode" content="3406000012">{head}
<link rel="stylesheet" href="/css/style.css"></head><body>
<div id="top"><a href="/">首页</a> <a href="/zwgk/">政务公开</a> <a href="/zwfw/">政务服务</a>
<a href="/hdjl/">互动交流</a> <a href="/zjxx/">走进XX</a></div>
<ul id="menu" style="display:none"><li><a href="/zwgk/tzgg/">通知公告</a></li>
<li><a href="/zwgk/gzdt/">工作动态</a></li>
<li><a href="http://www.ah.gov.cn/">安徽省人民政府</a></li></ul>
{body}
<div id="yqlj">友情链接：<a href="http://www.gov.cn/">中国政府网</a> <a href="https://www.ah.gov.cn/">安徽省人民政府</a>
<a href="http://www.people.com.cn/">人民网</a> <a href="http://www.xinhuanet.com/">新华网</a></div>
<div id="footer"><p>主办单位：XX县人民政府办公室 地址：XX县人民路1号 邮编：231500 联系电话：0551-66778899</p>
<p>网站标识码：3406000012 <a href="https://beian.miit.gov.cn/">皖ICP备05001234号-1</a>
<a href="http://www.beian.gov.cn/portal/registerSystemInfo?code=34012202000123">皖公网安备 34012202000123号</a></p>
<p><a href="https://zfwzgl.www.gov.cn/exposure/jiucuo.html?site_code=3406000012">政府网站找错</a></p></div>
</body></html>"""


def merge(problems):
    """What the crawler does with the problems of a patrol: one per `Problem.key()`, found_on merged."""
    out = {}
    for p in problems:
        known = out.get(p.key())
        if known is None:
            out[p.key()] = p
            p.found_on = list(dict.fromkeys(p.found_on))
        else:
            known.found_on = list(dict.fromkeys([*known.found_on, *p.found_on]))
    return list(out.values())
