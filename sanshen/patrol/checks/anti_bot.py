"""Access-verification walls (WAF challenges) and rate limiting: not dead links, but worth a note.

Some government sites answer a client without their cookie with HTTP 412 (or 403/521) and a small
JavaScript page that sets the cookie and reloads; a plain link checker would report every page as
dead. :func:`is_challenge` recognises such answers (deadlinks skips them); this check reports them,
once per host, as kind ``anti_bot`` (severity low, "访问验证拦截，未计为死链"), and HTTP 429 answers
as a rate-limit note. A challenge the fetcher passed reaches the checks as the real page (2xx), so it
is not reported; a response carrying the header ``x-sanshen-challenge: passed`` is not reported either.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from ..model import Kind, Link, Problem, Response
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
SAMPLE = 5


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
        # host -> (status kind, urls)
        self.blocked: dict[tuple[str, str], list[str]] = {}

    async def on_resource(
        self, response: Response, link: Link, found_on: list[str], ctx: PatrolContext
    ) -> list[Problem]:
        self._note(response)
        return []

    async def on_page(self, page, ctx: PatrolContext) -> list[Problem]:
        if page.response is not None:
            self._note(page.response)
        return []

    def _note(self, response: Response) -> None:
        if is_challenge(response):
            what = "challenge"
        elif is_rate_limited(response):
            what = "rate_limited"
        else:
            return
        host = (urlsplit(response.url).hostname or "").lower()
        urls = self.blocked.setdefault((host, what), [])
        if response.url not in urls:
            urls.append(response.url)

    async def finish(self, ctx: PatrolContext) -> list[Problem]:
        problems = []
        for (host, what), urls in sorted(self.blocked.items()):
            where = "本站" if ctx.is_internal(urls[0]) else f"外部网站 {host}"
            if what == "challenge":
                detail = f"访问验证拦截，未计为死链：{where}对 {len(urls)} 个地址返回访问验证页（WAF/反爬挑战）"
            else:
                detail = f"请求过于频繁被限流（HTTP 429），未计为死链：{where} {len(urls)} 个地址"
            problems.append(Problem(
                kind=Kind.ANTI_BOT, url=urls[0], detail=detail, severity="low",
                facts={"key": f"{host}:{what}", "host": host, "reason": what, "count": len(urls),
                       "urls": urls[:SAMPLE]},
            ))
        return problems
