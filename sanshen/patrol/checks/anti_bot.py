"""Access-verification walls (WAF challenges) and rate limiting: not dead links, but worth a note.

Some government sites answer a client without their cookie with HTTP 412 (or 403/521) and a small
JavaScript page that sets the cookie and reloads; a plain link checker would report every page as
dead. :func:`is_challenge` recognises such answers (deadlinks skips them); this check reports them,
one problem per host (on the first blocked URL, merged by the crawler), as kind ``anti_bot``
(severity low, "访问验证拦截，未计为死链"), and HTTP 429 answers
as a rate-limit note. A challenge the fetcher passed reaches the checks as the real page (2xx), so it
is not reported; a response carrying the header ``x-sanshen-challenge: passed`` is not reported either.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from ..model import Kind, Link, Problem, Response
from ._common import Owners
from .base import PatrolContext, SiteCheck

CHALLENGE_STATUSES = frozenset({412, 403, 521, 202})
_CHALLENGE_MARKS = re.compile(
    rb"document\.cookie|\$_ts|_ts\s*=|acw_sc__v2|__jsl_clearance|cf-chl|challenge-platform|slider|captcha"
    rb"|\xe5\xae\x89\xe5\x85\xa8\xe9\xaa\x8c\xe8\xaf\x81"  # 安全验证
    rb"|\xe8\xae\xbf\xe9\x97\xae\xe9\xaa\x8c\xe8\xaf\x81"  # 访问验证
    rb"|\xe4\xba\xba\xe6\x9c\xba\xe9\xaa\x8c\xe8\xaf\x81"  # 人机验证
    rb"|\xe6\xbb\x91\xe5\x8a\xa8\xe9\xaa\x8c\xe8\xaf\x81",  # 滑动验证
    re.I,
)
_WAF_HEADERS = ("x-waf", "x-safe-firewall", "x-yd-waf-info", "x-via-jsl", "cf-mitigated", "x-tengine-error")


def is_challenge(response: Response) -> bool:
    """A WAF/anti-bot verification page rather than the resource itself."""
    if response.headers.get("x-sanshen-challenge") == "passed":
        return False
    status = response.status
    if status == 412:
        return True  # the 瑞数/WAF cookie challenge; never a real "precondition failed" on a GET
    if status not in CHALLENGE_STATUSES:
        return False
    if any(h in response.headers for h in _WAF_HEADERS):
        return True
    body = response.body[:65536]
    if status == 202 and not body.strip():
        return False
    return bool(_CHALLENGE_MARKS.search(body)) and (b"<script" in body.lower() or len(body) < 20000)


def is_rate_limited(response: Response) -> bool:
    return response.status == 429


class AntiBotCheck(SiteCheck):
    name = "anti_bot"

    def __init__(self):
        self.owners = Owners()

    async def on_resource(
        self, response: Response, link: Link, found_on: list[str], ctx: PatrolContext
    ) -> list[Problem]:
        return self._note(response, found_on, ctx)

    async def on_page(self, page, ctx: PatrolContext) -> list[Problem]:
        return self._note(page.response, page.found_on, ctx) if page.response is not None else []

    def _note(self, response: Response, found_on: list[str], ctx) -> list[Problem]:
        if is_challenge(response):
            what = "challenge"
        elif is_rate_limited(response):
            what = "rate_limited"
        else:
            return []
        host = (urlsplit(response.url).hostname or "").lower()
        owner, _ = self.owners((host, what), response.url)
        where = "本站" if ctx.is_internal(response.url) else f"外部网站 {host}"

        def detail(example: str) -> str:
            if what == "challenge":
                return f"访问验证拦截，未计为死链：{where}返回访问验证页（WAF/反爬挑战），如 {example}"
            return f"请求过于频繁被限流（HTTP 429），未计为死链：{where}，如 {example}"

        return [Problem(
            kind=Kind.ANTI_BOT, url=owner, detail=detail(owner), severity="low", found_on=list(found_on),
            facts={"key": f"{host}:{what}", "host": host, "reason": what, "status": response.status},
            owner=Owners.candidate((host, what), response.url, 0, None, detail(response.url)),
        )]
