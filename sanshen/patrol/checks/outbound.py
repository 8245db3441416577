"""External links to gambling/porn sites (外链指向违规网站), judged by the target's content.

For every external page link the crawler checked (``on_resource``) that answered 2xx HTML, the
engine's spam family reads the target's title, metas and text. A gambling/porn page — a spam word
in its title or metas, the betting platforms' title template, or at least 3 distinct gambling/porn
words in its text — gives ``bad_outbound_link`` (high), ``found_on`` = the linking pages. A target
host on the engine's blocklist (``sanshen/engine/data/blocklist``) is reported whatever it answers.
Non-government hosts are fine in themselves; only content (or the blocklist) counts. Option
``ctx.options["outbound_content"] = False`` turns the content reading off (the blocklist stays).
"""

from __future__ import annotations

from ..model import Kind, Link, LinkKind, Problem, Response
from ._common import analyse_bytes, domain_lists, host, response_is_html
from .base import PatrolContext, SiteCheck

STRONG_RULES = ("spam:title-tampered", "spam:seo-stuffing")
MIN_WORDS = 3


def spam_verdict(findings) -> list[str]:
    """The gambling/porn words that make a page a spam page ([] when it is not one)."""
    strong = [f.text for f in findings if f.rule in STRONG_RULES or (f.rule == "spam:gambling" and f.severity == "veto"
                                                                       and "官方网站" in f.text)]
    words = list(dict.fromkeys(f.text for f in findings if f.rule in ("spam:gambling", "spam:porn")))
    if strong:
        return list(dict.fromkeys([*strong, *words]))[:8]
    return words[:8] if len(words) >= MIN_WORDS else []


class OutboundCheck(SiteCheck):
    name = "outbound"

    async def on_resource(
        self, response: Response, link: Link, found_on: list[str], ctx: PatrolContext
    ) -> list[Problem]:
        if link.kind != LinkKind.PAGE or ctx.is_internal(link.url):
            return []
        target = host(link.url) or ""
        blocked = domain_lists(ctx).blocked(target) if target else None
        facts = {"key": link.url, "host": target, "status": response.status}
        if blocked:
            return [Problem(kind=Kind.BAD_OUTBOUND_LINK, url=link.url, severity="high", found_on=list(found_on),
                            detail=f"外部链接指向黑名单网站 {target}（{blocked}）",
                            facts={**facts, "blocklist": blocked})]
        if (ctx.options or {}).get("outbound_content", True) is False:
            return []
        if not response.ok or not response.body or not response_is_html(response):
            return []
        analysis = analyse_bytes(response.body, response.final_url or response.url, ctx)
        if analysis is None:
            return []
        findings = [f for f in analysis.findings if f.category == "spam"]
        words = spam_verdict(findings)
        if not words:
            return []
        return [Problem(kind=Kind.BAD_OUTBOUND_LINK, url=link.url, severity="high", found_on=list(found_on),
                        detail=f"外部链接“{link.text[:30]}”指向的网页含博彩/色情内容（{'、'.join(words[:5])}），"
                               "可能是过期域名被抢注，应删除该链接",
                        facts={**facts, "words": words, "final_url": response.final_url})]
