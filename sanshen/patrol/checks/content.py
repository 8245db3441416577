"""The content check (内容问题) over every page and readable attachment of the site, history included.

Each page's HTML goes through the engine (`_common.analyse`: the engine's HTML extractor, then
``ctx.engine.check`` as of ``ctx.as_of``; profile ``ctx.options["content_profile"]``, default the
engine's). One ``content`` problem per engine finding, ``finding`` = the finding JSON exactly as
``sanshen check --format json`` prints it (`Finding.to_dict`), severity = the finding's.

Kept: findings in the title, the visible text and visible links. Left to other checks: anything in
hidden elements or scripts, and gambling/porn words in the title/metas (`hidden`: hidden_link,
spam_injection), so nothing is reported twice. Link-family findings about the site's own links are
dropped (a site served on an IP address links to that address). Meta descriptions are not main text and are skipped.

Boilerplate: a finding is identified by (rule, text, the text of its block). The same identity on
another page — navigation, a footer, a friendly-links row repeated by the template — is reported on
the first page it was seen on (the home page, crawled first, when it carries it) with ``found_on``
growing page by page through the crawler's merge (`_common.Owners`). Within one page the same rule
and text (a title repeated as the heading) is reported once.

Attachments (``on_resource``, internal, 2xx, not truncated): .doc/.docx/.wps/.pdf/.rtf/.odt/.xls/.et
through the engine's extractors; a file the engine cannot read gives no problem.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from sanshen.engine.extract import ExtractError, detect_format, extract_bytes

from ..model import Kind, Link, LinkKind, Page, Problem, Response
from ._common import Owners, analyse
from .base import PatrolContext, SiteCheck

ATTACHMENT_EXTENSIONS = (".doc", ".docx", ".wps", ".pdf", ".rtf", ".odt", ".xls", ".xlsx", ".et", ".txt")
MAIN_KINDS = ("title", "body", "table", "header", "footer", "note", "link")
_DIGITS = re.compile(r"\d+")


def _block(text: str) -> str:
    """A block's identity: its text without numbers (page counters, dates and view counts vary)."""
    return _DIGITS.sub("#", text.strip())[:300]


class ContentCheck(SiteCheck):
    name = "content"

    def __init__(self):
        self.owners = Owners()

    def _profile(self, ctx):
        return (ctx.options or {}).get("content_profile")

    async def on_page(self, page: Page, ctx: PatrolContext) -> list[Problem]:
        if page.response is not None and not page.response.ok:
            return []
        analysis = analyse(page, ctx)
        if analysis is None:
            return []
        findings = analysis.findings
        profile = self._profile(ctx)
        if profile:
            findings = ctx.engine.check(analysis.extracted, as_of=ctx.as_of, profile=profile)
        problems: list[Problem] = []
        seen: set[tuple[str, str]] = set()
        for f in findings:
            seg = analysis.segment(f)
            kind = seg.kind if seg is not None else "body"
            if kind not in MAIN_KINDS:
                continue
            if kind == "link" and seg.attrs.get("hidden"):
                continue
            # The site's own links (a site served on its IP links to that IP) are for the dead-link
            # check; the link family's verdicts matter for links that leave the site.
            if kind == "link" and f.category == "link" and ctx.is_internal(seg.attrs.get("href", "")):
                continue
            if kind == "title" and f.category == "spam":
                continue
            if (f.rule, f.text) in seen:
                continue
            seen.add((f.rule, f.text))
            block = _block(analysis.seg_text(seg)) if seg is not None else ""
            signature = (f.rule, f.text, block)
            own = f.to_dict()
            owner, finding = self.owners(signature, page.url, own)
            problems.append(Problem(
                kind=Kind.CONTENT, url=owner, detail=f.message, severity=f.severity, found_on=[page.url],
                finding=finding,
                facts={"key": f"{f.rule}|{f.text}", "category": f.category, "rule": f.rule, "segment": kind,
                       "locator": (seg.attrs.get("locator", "") if seg is not None else "")},
                owner=Owners.candidate(signature, page.url, page.depth, own),
            ))
        return problems

    async def on_resource(
        self, response: Response, link: Link, found_on: list[str], ctx: PatrolContext
    ) -> list[Problem]:
        if link.kind != LinkKind.ATTACHMENT or not response.ok or response.truncated or not response.body:
            return []
        if not ctx.is_internal(response.url):
            return []
        path = urlsplit(response.final_url or response.url).path.lower()
        if not path.endswith(ATTACHMENT_EXTENSIONS):
            return []
        if detect_format(response.body, path) == "txt" and not path.endswith(".txt"):
            return []  # a binary format the engine does not read (.xlsx, .et): never check garbage
        try:
            extracted = extract_bytes(response.body, response.url)
            findings = ctx.engine.check(extracted, as_of=ctx.as_of, profile=self._profile(ctx))
        except (ExtractError, ValueError, OSError, RuntimeError):
            return []
        problems = []
        seen: set[tuple[str, str]] = set()
        for f in findings:
            if (f.rule, f.text) in seen:
                continue
            seen.add((f.rule, f.text))
            problems.append(Problem(
                kind=Kind.CONTENT, url=response.url, detail=f.message, severity=f.severity,
                found_on=list(found_on), finding=f.to_dict(),
                facts={"key": f"{f.rule}|{f.text}", "category": f.category, "rule": f.rule, "segment": "attachment"},
            ))
        return problems
