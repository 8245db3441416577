"""Dead links (链接不可用), classified the way inspectors count them.

A link is dead when its target gave an HTTP error (4xx/5xx), no answer (DNS, connection, TLS,
protocol failure), took 15 s or more (the national rule's timeout), or went round a redirect loop.
Not dead: WAF challenge pages (:mod:`anti_bot`), 429 rate limiting (noted by :mod:`anti_bot`),
``mailto:``/``javascript:``/``tel:`` links, a body cut at the size cap.

One problem per dead target, emitted when the target is checked; its key is the target URL, so
the crawler's merge gathers every linking page into ``found_on``. Severity: linked from the home
page "high" (inspectors deduct per home-page dead link); an internal page or attachment elsewhere
"medium"; external targets and images elsewhere "low".
Facts: ``status``, ``error``, ``link_kind``, ``internal``, ``on_home``.
"""

from __future__ import annotations

from ..model import FetchError, Kind, Link, LinkKind, Page, Problem, Response
from ._common import is_home
from .anti_bot import is_challenge, is_rate_limited
from .base import PatrolContext, SiteCheck

TIMEOUT_S = 15.0
SKIP_SCHEMES = ("mailto:", "javascript:", "tel:", "data:", "sms:", "about:", "#")
NOT_DEAD_ERRORS = frozenset({FetchError.TOO_LARGE})
ERROR_LABELS = {
    FetchError.DNS: "域名无法解析",
    FetchError.CONNECT: "无法连接服务器",
    FetchError.TIMEOUT: "访问超时（≥15 秒）",
    FetchError.TLS: "HTTPS 证书或握手错误",
    FetchError.REDIRECT_LOOP: "重定向循环",
    FetchError.TOO_MANY_REDIRECTS: "重定向次数过多",
    FetchError.INVALID_URL: "非法 URL",
    FetchError.PROTOCOL: "HTTP 协议错误",
}
KIND_LABELS = {
    LinkKind.PAGE: "网页", LinkKind.ATTACHMENT: "附件", LinkKind.IMAGE: "图片", LinkKind.FRAME: "内嵌框架",
    LinkKind.SCRIPT: "脚本", LinkKind.STYLESHEET: "样式表",
}


def dead_reason(response: Response) -> tuple[str, str] | None:
    """(error code, human reason) when the response means the link is dead, else None."""
    if response.error is not None and response.error in NOT_DEAD_ERRORS:
        return None
    if response.status is None:
        error = response.error or FetchError.CONNECT
        return str(error), ERROR_LABELS.get(error, "无法访问") + (
            f"：{response.error_detail}" if response.error_detail else "")
    if is_challenge(response) or is_rate_limited(response):
        return None
    if response.status >= 400:
        return f"http_{response.status}", f"HTTP {response.status}"
    if response.elapsed >= TIMEOUT_S:
        return str(FetchError.TIMEOUT), f"响应用时 {response.elapsed:.1f} 秒（≥15 秒视为无法访问）"
    return None


class DeadLinksCheck(SiteCheck):
    name = "deadlinks"

    def _problem(self, response: Response, kind: LinkKind, text: str, found_on: list[str], ctx) -> list[Problem]:
        url = response.url
        if url.lower().startswith(SKIP_SCHEMES) or is_home(url, ctx):
            return []  # the home page itself failing is `unavailable` (availability check)
        why = dead_reason(response)
        if why is None:
            return []
        error, reason = why
        internal = ctx.is_internal(url)
        on_home = any(is_home(p, ctx) for p in found_on)
        if on_home:
            severity = "high"
        elif internal and kind in (LinkKind.PAGE, LinkKind.ATTACHMENT, LinkKind.FRAME):
            severity = "medium"
        else:
            severity = "low"
        where = "首页" if on_home else "内页"
        scope = "站内" if internal else "站外"
        what = KIND_LABELS.get(kind, "链接")
        anchor = f"“{text[:40]}”" if text else ""
        return [Problem(
            kind=Kind.DEAD_LINK, url=url, detail=f"{where}{scope}{what}链接{anchor}不可用：{reason}",
            severity=severity, found_on=list(dict.fromkeys(found_on)),
            facts={"key": url, "status": response.status, "error": error, "link_kind": str(kind),
                   "internal": internal, "on_home": on_home},
        )]

    async def on_resource(
        self, response: Response, link: Link, found_on: list[str], ctx: PatrolContext
    ) -> list[Problem]:
        if link.url.lower().startswith(SKIP_SCHEMES):
            return []
        return self._problem(response, link.kind, link.text, found_on, ctx)

    async def on_page(self, page: Page, ctx: PatrolContext) -> list[Problem]:
        # A page that parsed but took ≥ 15 s (or an error page the crawler parsed) still fails.
        if page.response is not None and not page.is_home:
            return self._problem(page.response, LinkKind.PAGE, "", page.found_on, ctx)
        return []
