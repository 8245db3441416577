"""Hidden links (暗链), script-injected links and spam titles (SEO 黑帽), from the engine's HTML extraction.

The engine's extractor already lists each hidden element (display:none, visibility, opacity,
off-screen, tiny box, font-size 0, same colour as the background, HTML comments) with its reason
and links, and decodes literal script arguments (document.write, atob, eval, fromCharCode, JS
redirects, injected iframes). From those:

* ``hidden_link``: a hidden element whose links go to hosts outside the site that are neither
  government nor allow-listed, or whose text carries gambling/porn words. Severity veto when spam
  words or a betting/porn/blocklisted host are involved, else high. A commented-out link
  (``<!-- <a href=…> -->``) counts only with spam words or a bad host (old commented-out friendly
  links are common and harmless).
* ``spam_injection``: a script that writes links to such hosts or spam words (veto when spam words
  or bad hosts, high for a plain script redirect to an outside host; a script writing only
  statistics/allow-listed hosts is ignored); a title, description or keywords carrying gambling/porn
  terms (veto).

The same injected block usually sits in a template and so on every page: each page's problem is
reported on the first page that carried the same injection (the home page, crawled first, when it
does) with ``found_on`` = [this page], so the crawler's merge by `Problem.key()` makes it one problem
listing every page (see `_common.Owners`). ``finding`` holds the engine's finding
(spam:dark-link, spam:script-link, spam:title-tampered, spam:seo-stuffing) when there is one.
"""

from __future__ import annotations

from sanshen.engine.families.link import urls_in

from ..model import Kind, Page, Problem
from ._common import Analysis, Owners, analyse, bad_host, domain_lists, host, outside_host
from .base import PatrolContext, SiteCheck

SEGMENT_RULES = {"hidden": "spam:dark-link", "script": "spam:script-link"}
TITLE_RULES = ("spam:title-tampered", "spam:seo-stuffing")


def _words_in(analysis: Analysis, start: int, end: int) -> list[str]:
    out: dict[str, None] = {}
    for f in analysis.findings:
        if f.category == "spam" and start <= f.start < end and f.rule not in (*SEGMENT_RULES.values(), *TITLE_RULES,
                                                                             "spam:zero-width"):
            out.setdefault(f.text, None)
    return list(out)


def _segment_finding(analysis: Analysis, seg, rules: tuple[str, ...]) -> dict | None:
    for f in analysis.findings:
        if f.rule in rules and f.start == seg.start:
            return f.to_dict()
    return None


def injected(analysis: Analysis, page_url: str, ctx) -> list[tuple[Kind, str, str, dict | None, dict]]:
    """(kind, severity, detail, engine finding, facts) for each injected block of one page.

    Shared with tampering and cloaking (they compare what is injected, not how it looks)."""
    lists = domain_lists(ctx)
    text = analysis.extracted.text
    out = []
    for seg in analysis.segments("hidden", "script"):
        hosts = list(dict.fromkeys(h for u in urls_in(seg, text) if outside_host(h := host(u), ctx, lists)))
        words = _words_in(analysis, seg.start, seg.end)
        bad = {h: why for h in hosts if (why := bad_host(h, ctx, lists))}
        reason = str(seg.attrs.get("reason") or "")
        if not hosts and not words:
            continue
        strong = bool(words or bad)
        shown = "、".join(hosts[:3]) + (f" 等 {len(hosts)} 个站外网站" if len(hosts) > 3 else "")
        parts = []
        if hosts:
            parts.append(f"指向 {shown} 的链接")
        if words:
            parts.append(f"博彩/色情词语（{'、'.join(words[:5])}）")
        content = "及".join(parts)
        facts = {"reason": reason, "hosts": hosts, "bad_hosts": bad, "words": words,
                 "locator": seg.attrs.get("locator", ""), "hrefs": list(seg.attrs.get("hrefs") or [])[:20]}
        if seg.kind == "hidden":
            if reason == "comment" and not strong:
                continue
            how = "HTML 注释" if reason == "comment" else f"隐藏元素（{reason}）"
            detail = f"{how}中含{content}，属暗链，网页疑似被篡改"
            out.append((Kind.HIDDEN_LINK, "veto" if strong else "high", detail,
                        _segment_finding(analysis, seg, ("spam:dark-link",)), facts))
        else:
            if not strong and reason != "location":
                continue  # statistics snippets and the like
            detail = (f"脚本（{reason or '可疑脚本'}）输出{content}，属脚本注入/挂马，网页疑似被篡改" if strong
                      else f"脚本将访问者跳转到站外网站 {shown}，网页疑似被篡改")
            out.append((Kind.SPAM_INJECTION, "veto" if strong else "high", detail,
                        _segment_finding(analysis, seg, ("spam:script-link", "link:blocklist")), facts))
    for seg in analysis.segments("title", "meta"):
        words = _words_in(analysis, seg.start, seg.end)
        finding = _segment_finding(analysis, seg, ("spam:seo-stuffing",))
        if finding is None:
            finding = next((f.to_dict() for f in analysis.findings
                            if f.rule == "spam:title-tampered" and seg.start <= f.start < seg.end), None)
        if not words and finding is None:
            continue
        where = "网页标题" if seg.kind == "title" else f"网页 meta {seg.attrs.get('name', '')}".rstrip()
        words = words or [finding["text"]] if finding else words
        facts = {"reason": seg.kind, "where": where, "words": words, "hosts": [], "bad_hosts": {},
                 "value": analysis.seg_text(seg)[:200]}
        detail = f"{where}被改写，含博彩/色情词语（{'、'.join(words[:5])}）：“{analysis.seg_text(seg)[:80]}”"
        out.append((Kind.SPAM_INJECTION, "veto", detail, finding, facts))
    return out


class HiddenLinksCheck(SiteCheck):
    name = "hidden"

    def __init__(self):
        self.owners = Owners()

    async def on_page(self, page: Page, ctx: PatrolContext) -> list[Problem]:
        analysis = analyse(page, ctx)
        if analysis is None:
            return []
        problems = []
        for kind, severity, detail, finding, facts in injected(analysis, page.url, ctx):
            signature = (kind.value, facts["reason"] if kind == Kind.HIDDEN_LINK else "", *sorted(facts["hosts"]), "|",
                         *sorted(facts["words"]), facts.get("where", ""))
            own = finding
            owner, finding = self.owners(signature, page.url, finding)
            key = " ".join(signature)
            problems.append(Problem(kind=kind, url=owner, detail=detail, severity=severity, found_on=[page.url],
                                    finding=finding, facts={**facts, "key": key},
                                    owner=Owners.candidate(signature, page.url, page.depth, own, detail)))
        return problems
