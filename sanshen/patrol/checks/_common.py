"""Helpers shared by the site checks: URL comparison, one engine pass per page, spam-word lookups.

Several checks (content, hidden, tampering, cloaking) need the engine's extraction of the same
page and its findings; :func:`analyse` makes the findings once, on the extraction `parse_page`
made, and keeps them on the page (``page.cache``). `analyse_bytes` reads other bodies (cloaking
variants, outside pages) and keeps the last few.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections import OrderedDict
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from sanshen.engine.document import Extracted, Segment
from sanshen.engine.extract import ExtractError
from sanshen.engine.extract.html import extract_html
from sanshen.engine.families.link import DomainLists, host_of, is_gov_host, spam_host
from sanshen.engine.findings import Finding

from ..model import Page, Response

BOM = b"\xef\xbb\xbf"
_INDEX = re.compile(r"/(?:index|default|home|main)\.(?:s?html?|php|jsp|aspx?)$", re.I)
# Rules of the spam family that name gambling/porn content (not ads, not zero-width).
SPAM_WORD_RULES = ("spam:gambling", "spam:porn", "spam:title-tampered", "spam:seo-stuffing")
WORD_RULES = ("spam:gambling", "spam:porn", "spam:title-tampered")


def norm_url(url: str) -> str:
    """A URL for comparisons: lower-case scheme and host, no fragment, no index file, no trailing slash."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return url.strip()
    path = _INDEX.sub("/", parts.path or "/")
    if len(path) > 1:
        path = path.rstrip("/")
    host = (parts.hostname or "").lower()
    if parts.port and (parts.scheme, parts.port) not in (("http", 80), ("https", 443)):
        host = f"{host}:{parts.port}"
    return urlunsplit(("", host, path if path != "/" else "", parts.query, ""))


def same_url(a: str, b: str) -> bool:
    return norm_url(a) == norm_url(b)


def is_home(url: str, ctx) -> bool:
    return same_url(url, ctx.site_url)


def is_root_path(url: str) -> bool:
    """The URL is the root of its host ("/", "/index.html")."""
    try:
        path = urlsplit(url).path
    except ValueError:
        return False
    return _INDEX.sub("/", path or "/") in ("", "/")


def host(url: str) -> str | None:
    return host_of(url)


def page_bytes(page: Page) -> bytes:
    """The page's bytes as fetched, or its decoded HTML re-encoded (with a BOM, so the charset is clear)."""
    if page.response is not None and page.response.body:
        return page.response.body
    return BOM + page.html.encode("utf-8")


@dataclass(slots=True)
class Analysis:
    extracted: Extracted
    findings: list[Finding]

    def segment(self, finding: Finding) -> Segment | None:
        k = None
        for seg in self.extracted.segments:
            if seg.start <= finding.start < seg.end or (seg.start == finding.start == seg.end):
                k = seg
                break
        return k

    def segments(self, *kinds: str) -> list[Segment]:
        return [s for s in self.extracted.segments if s.kind in kinds]

    def seg_text(self, seg: Segment) -> str:
        return self.extracted.text[seg.start:seg.end]


_CACHE: OrderedDict[tuple, Analysis] = OrderedDict()
_CACHE_SIZE = 16


def extract_page(data: bytes, url: str) -> Extracted | None:
    try:
        return extract_html(data, url)
    except ExtractError:
        return None


def analyse_bytes(data: bytes, url: str, ctx) -> Analysis | None:
    """The engine's extraction of an HTML document and its findings (as of the patrol day), cached."""
    key = (url, len(data), hash(data), ctx.as_of)
    cached = _CACHE.get(key)
    if cached is not None:
        _CACHE.move_to_end(key)
        return cached
    extracted = extract_page(data, url)
    if extracted is None:
        return None
    analysis = Analysis(extracted, ctx.engine.check(extracted, as_of=ctx.as_of))
    _CACHE[key] = analysis
    while len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return analysis


def analyse(page: Page, ctx) -> Analysis | None:
    """`analyse_bytes` of a crawled page, from the extraction `page.parse_page` already made; kept on the page."""
    if "analysis" in page.cache:
        return page.cache["analysis"]
    extracted = page.cache.get("extracted")
    if extracted is None:
        analysis = analyse_bytes(page_bytes(page), page.url, ctx)
    else:
        analysis = Analysis(extracted, ctx.engine.check(extracted, as_of=ctx.as_of))
    page.cache["analysis"] = analysis
    return analysis


_LISTS: dict[int, tuple[float, object, DomainLists]] = {}
LISTS_RECHECK_SECONDS = 30.0


def domain_lists(ctx) -> DomainLists:
    """The block/allow lists of the context's rules. `DomainLists.load` lists and stats the data files
    (so an edited blocklist applies at once); a patrol asks for every page, so it is asked at most
    every 30 seconds per rule set."""
    rules = ctx.engine.rules
    now = time.monotonic()
    known = _LISTS.get(id(rules))
    if known is not None and known[1] is rules and now - known[0] < LISTS_RECHECK_SECONDS:
        return known[2]
    lists = DomainLists.load(rules)
    if len(_LISTS) >= 8:
        _LISTS.clear()
    _LISTS[id(rules)] = (now, rules, lists)
    return lists


def outside_host(h: str | None, ctx, lists: DomainLists | None = None) -> bool:
    """A host that is neither the site's own, a government one nor allow-listed."""
    if not h:
        return False
    if h in ctx.allowed_hosts or any(h.endswith("." + a) for a in ctx.allowed_hosts):
        return False
    if is_gov_host(h):
        return False
    lists = lists or domain_lists(ctx)
    return not lists.trusted(h)


def bad_host(h: str, ctx, lists: DomainLists | None = None) -> str:
    """Why a host is a betting/porn/blocklisted one ('' when it is not)."""
    lists = lists or domain_lists(ctx)
    entry = lists.blocked(h)
    if entry:
        return f"域名在黑名单中（{entry}）"
    score, why = spam_host(h)
    if score >= 3:
        return why or "域名形似博彩/色情网站"
    return ""


def spam_words(findings: list[Finding]) -> list[str]:
    """Distinct gambling/porn words among spam findings (not whole-segment findings)."""
    out: dict[str, None] = {}
    for f in findings:
        if f.rule in WORD_RULES and len(f.text) <= 40:
            out.setdefault(f.text, None)
    return list(out)


def response_is_html(response: Response) -> bool:
    ctype = response.content_type
    if ctype:
        return ctype in ("text/html", "application/xhtml+xml")
    head = response.body[:512].lower()
    return b"<html" in head or b"<!doctype html" in head


class Owners:
    """The page a repeated problem is reported on: the first page it was seen on.

The home page is crawled first, so whatever it carries is owned by it.

    Checks emit a problem on every page where it is seen, with ``url`` = the owner and ``found_on``
    = [this page]; the crawler merges problems by `Problem.key()`, so a block repeated over the
    whole site (a template) becomes one problem whose ``found_on`` lists every page. Emitting as
    we go keeps problems when a patrol is resumed or a page is skipped as unchanged.
    """

    def __init__(self):
        self.owner: dict[object, tuple[str, dict | None]] = {}

    def __call__(self, signature: object, page_url: str, finding: dict | None = None) -> tuple[str, dict | None]:
        """(owner page, the owner's engine finding): the same pair for every page of one signature, so
        every emission has the same `Problem.key()`."""
        known = self.owner.get(signature)
        if known is None:
            known = self.owner[signature] = (page_url, finding)
        return known

    @staticmethod
    def candidate(signature: object, page_url: str, depth: int = 0, finding: dict | None = None,
                  detail: str = "") -> dict:
        """This page as a candidate owner (`Problem.owner`). Workers of one patrol each keep their own
        `Owners`; `resolve_owners` then picks, among every page the signature was seen on, the
        shallowest (then the first URL in sort order), so the result does not depend on who saw what."""
        sig = hashlib.sha1(repr(signature).encode("utf-8")).hexdigest()[:20]
        return {"sig": sig, "page": page_url, "depth": int(depth), "finding": finding, "detail": detail}


def resolve_owners(problems: list) -> list:
    """Give every emission of one (kind, owner signature) the same owner: the candidate page with the
    smallest (depth, URL). Problems without `owner` are left as they are. Returns the list."""
    best: dict[tuple, dict] = {}
    for p in problems:
        cand = getattr(p, "owner", None)
        if not cand:
            continue
        group = (p.kind, cand["sig"])
        known = best.get(group)
        if known is None or (cand["depth"], cand["page"]) < (known["depth"], known["page"]):
            best[group] = cand
    for p in problems:
        cand = getattr(p, "owner", None)
        if not cand:
            continue
        chosen = best[(p.kind, cand["sig"])]
        p.url = chosen["page"]
        if p.finding is not None or chosen.get("finding") is not None:
            p.finding = chosen.get("finding")
        if chosen.get("detail"):
            p.detail = chosen["detail"]
        p.owner = chosen
    return problems
