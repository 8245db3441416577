"""A fetched HTML response to a `model.Page`: title, metas, classified links, visible text.

The page is parsed once (lexbor) and walked once, by the engine's HTML extractor
(`sanshen.engine.extract.html.extract_parsed`): its visible text, its links with their anchor text
and whether (and how) they are hidden — display:none, visibility, opacity, off-screen, a tiny box,
the ``hidden`` attribute, same-colour text — become the page's. The checks reuse that extraction
(``page.cache``). Metas and resources (images, scripts, stylesheets) are read with selectors.
Hostile input never raises: at worst the page comes back with fewer links and less text.
"""
from __future__ import annotations

import contextlib
import posixpath
import re
from functools import lru_cache
from urllib.parse import urlsplit, urlunsplit

from selectolax.lexbor import LexborHTMLParser

from sanshen.engine.extract import ExtractError
from sanshen.engine.extract.html import _base_url, extract_parsed, join_url

from .decode import decode_html
from .model import Link, LinkKind, Page, Response

ATTACHMENT_EXTENSIONS = frozenset({
    ".pdf", ".doc", ".docx", ".xls", ".xlsx", ".wps", ".et", ".ppt", ".pptx", ".zip", ".rar", ".txt", ".ofd",
    ".7z", ".csv", ".dps",
})
IMAGE_EXTENSIONS = frozenset({".jpg", ".jpeg", ".png", ".gif", ".bmp", ".webp", ".svg", ".ico", ".tif", ".tiff"})
SKIP_SCHEMES = ("javascript:", "mailto:", "tel:", "data:", "about:", "sms:", "ftp:", "file:", "#")
MAX_URL_CHARS = 2048
MAX_LINKS = 20000
MAX_TEXT_CHARS = 2_000_000
_SPACES = re.compile(r"\s+")


def collapse(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def normalize_url(url: str, base: str | None = None) -> str | None:
    """Absolute http(s) URL without fragment, host lower-case, default port dropped; None if not a web address."""
    url = (url or "").strip().replace("\n", "").replace("\r", "").replace("\t", "")
    if not url or len(url) > MAX_URL_CHARS or url.lower().startswith(SKIP_SCHEMES):
        return None
    try:
        if base:
            url = join_url(base, url)
    except ValueError:
        return url.split("#", 1)[0]  # kept as written: the link check reports it as an invalid URL
    return _normalize_absolute(url)


@lru_cache(maxsize=65536)
def _normalize_absolute(url: str) -> str | None:
    try:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https") or not parts.netloc:
            return None if scheme not in ("http", "https", "") else url.split("#", 1)[0]
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:
        return url.split("#", 1)[0]  # kept as written: the link check reports it as an invalid URL
    netloc = host
    if "@" in parts.netloc:
        netloc = parts.netloc.rsplit("@", 1)[0] + "@" + host
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        netloc += f":{port}"
    path = parts.path or "/"
    if "/." in path:
        trailing = path.endswith("/")
        path = posixpath.normpath(path)
        if trailing and not path.endswith("/"):
            path += "/"
        if path.startswith("//"):
            path = "/" + path.lstrip("/")
    return urlunsplit((scheme, netloc, path, parts.query, ""))


def link_kind_for(tag: str, url: str, rel: str = "") -> LinkKind:
    if tag == "img":
        return LinkKind.IMAGE
    if tag in ("iframe", "frame"):
        return LinkKind.FRAME
    if tag == "script":
        return LinkKind.SCRIPT
    if tag == "link":
        return LinkKind.STYLESHEET
    try:
        path = urlsplit(url).path.lower()
    except ValueError:
        path = url.lower()
    ext = posixpath.splitext(path)[1]
    if ext in ATTACHMENT_EXTENSIONS:
        return LinkKind.ATTACHMENT
    if ext in IMAGE_EXTENSIONS:
        return LinkKind.IMAGE
    return LinkKind.PAGE


def looks_like_html(response: Response) -> bool:
    ctype = response.content_type
    if ctype in ("text/html", "application/xhtml+xml"):
        return True
    if ctype and ctype not in ("text/plain", "application/octet-stream"):
        return False
    head = response.body[:1024].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html", b"<head", b"<meta", b"<title", b"<body", b"<!--"))


def parse_page(
    response: Response, *, url: str | None = None, depth: int = 0, found_on: list[str] | None = None,
    is_home: bool = False,
) -> Page:
    """Decode and parse an HTML response. Links are made absolute against ``<base href>`` or the final URL.

    The engine's HTML extraction walks the tree once (`extract_parsed`, kept in ``page.cache`` for the
    checks); the page's visible text, its ``<a>``/frame links with their anchor text and hiding come
    from it, the metas and the resources (images, scripts, stylesheets, image-map areas) from the
    parser's selectors."""
    html, encoding = decode_html(response.body, response.headers.get("content-type"))
    page = Page(
        url=url or response.url, depth=depth, response=response, html=html, encoding=encoding,
        found_on=list(found_on or []), is_home=is_home,
    )
    try:
        parser = LexborHTMLParser(html)
    except Exception:  # the parser's own failure on hostile input: an empty page
        return page
    source = response.final_url or page.url
    try:
        extracted = extract_parsed(parser, source)
    except ExtractError:
        return page
    page.cache["extracted"] = extracted
    links: list[Link] = []
    lines: list[str] = []
    text_chars = 0
    text = extracted.text
    for seg in extracted.segments:
        kind = seg.kind
        if kind == "body":
            if text_chars < MAX_TEXT_CHARS:
                lines.append(text[seg.start:seg.end])
                text_chars += seg.end - seg.start
        elif kind == "link":
            attrs = seg.attrs
            if attrs.get("reason") == "comment" or len(links) >= MAX_LINKS:
                continue  # an <a> inside an HTML comment is no link a visitor can follow
            target = normalize_url(str(attrs.get("href") or ""))
            if target is None:
                continue
            tag = attrs.get("tag") or "a"
            links.append(Link(url=target, kind=link_kind_for(tag, target), text=str(attrs.get("text") or "")[:500],
                              hidden=str(attrs.get("reason") or "") if attrs.get("hidden") else ""))
        elif kind == "title" and not page.title:
            page.title = text[seg.start:seg.end][:1000]
    page.text = "\n".join(lines)
    with contextlib.suppress(Exception):  # selectors on hostile input: the links already found stand
        # Resolved against the same <base> as the engine resolved the <a> links.
        _read_head_and_resources(parser, page, links, _base_url(parser, source) or source)
    page.links = links
    return page


_RESOURCES = "img[src], script[src], link[href], area[href], meta"


def _read_head_and_resources(parser: LexborHTMLParser, page: Page, links: list[Link], base: str) -> None:
    for node in parser.css(_RESOURCES):
        tag = node.tag
        attrs = node.attributes
        if tag == "meta":
            name = (attrs.get("name") or attrs.get("property") or attrs.get("http-equiv") or "").strip().lower()
            content = attrs.get("content")
            if name and content is not None and name not in page.metas:
                page.metas[name[:100]] = collapse(content)[:4000]
            continue
        if len(links) >= MAX_LINKS:
            continue
        if tag == "link":
            if "stylesheet" not in (attrs.get("rel") or "").lower():
                continue
            raw, tag = attrs.get("href"), "link"
        elif tag == "area":
            raw, tag = attrs.get("href"), "a"
        else:
            raw = attrs.get("src")
        target = normalize_url(raw or "", base)
        if target is None:
            continue
        text = collapse(attrs.get("alt") or "")[:500] if tag == "img" else ""
        links.append(Link(url=target, kind=link_kind_for(tag, target), text=text))
