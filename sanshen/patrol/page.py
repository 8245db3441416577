"""A fetched HTML response to a `model.Page`: title, metas, classified links, visible text.

One walk over the lexbor tree with an explicit stack (10,000-deep nesting must not hit Python's
recursion limit). An element hides its subtree when its inline style or a simple ``<style>``
rule says display:none, visibility:hidden, opacity:0, off-screen, a tiny clipped box, or it
carries the ``hidden`` attribute — the same judgement as the engine's HTML extractor
(`sanshen.engine.extract.html`), whose helpers are reused. Hostile input never raises: at worst
the page comes back with fewer links and less text.
"""

from __future__ import annotations

import posixpath
import re
from functools import lru_cache
from urllib.parse import urlsplit, urlunsplit

from selectolax.lexbor import LexborHTMLParser

from sanshen.engine.extract import css
from sanshen.engine.extract.html import BLOCK_TAGS, _hide_reason, _stylesheet, join_url

from .decode import decode_html
from .model import Link, LinkKind, Page, Response

ATTACHMENT_EXTENSIONS = frozenset({
    ".pdf", ".doc", ".docx", ".xls", ".xlsx", ".wps", ".et", ".ppt", ".pptx", ".zip", ".rar", ".txt", ".ofd",
    ".7z", ".csv", ".dps",
})
IMAGE_EXTENSIONS = frozenset({".jpg", ".jpeg", ".png", ".gif", ".bmp", ".webp", ".svg", ".ico", ".tif", ".tiff"})
SKIP_SCHEMES = ("javascript:", "mailto:", "tel:", "data:", "about:", "sms:", "ftp:", "file:", "#")
NO_TEXT_TAGS = frozenset({"script", "style", "noscript", "template", "iframe", "frame", "noframes", "head", "svg"})
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


class _Frame:
    __slots__ = ("anchor", "block", "hidden", "info_pushed", "tag")

    def __init__(self, tag: str, hidden: str, anchor: list | None, block: bool, info_pushed: bool):
        self.tag = tag
        self.hidden = hidden
        self.anchor = anchor
        self.block = block
        self.info_pushed = info_pushed


def parse_page(
    response: Response, *, url: str | None = None, depth: int = 0, found_on: list[str] | None = None,
    is_home: bool = False,
) -> Page:
    """Decode and parse an HTML response. Links are made absolute against ``<base href>`` or the final URL."""
    html, encoding = decode_html(response.body, response.headers.get("content-type"))
    page = Page(
        url=url or response.url, depth=depth, response=response, html=html, encoding=encoding,
        found_on=list(found_on or []), is_home=is_home,
    )
    try:
        parser = LexborHTMLParser(html)
    except Exception:  # the parser's own failure on hostile input: an empty page
        return page
    page.cache["tree"] = parser
    base = response.final_url or page.url
    try:
        base_node = parser.css_first("base[href]")
        if base_node is not None:
            href = (base_node.attributes.get("href") or "").strip()
            if href:
                base = join_url(base, href)
    except Exception:
        pass
    try:
        sheet, _external = _stylesheet(parser)
    except Exception:
        sheet = css.StyleSheet()
    root = parser.root
    if root is None:
        return page
    _walk(root, page, base, sheet)
    return page


def _walk(root, page: Page, base: str, sheet: css.StyleSheet) -> None:
    lines: list[str] = []
    line: list[str] = []
    text_chars = 0
    infos: list[css.ElementInfo] = []
    links: list[Link] = []
    stack: list[tuple[_Frame, object]] = [(_Frame("#root", "", None, True, False), iter((root,)))]

    def flush() -> None:
        nonlocal line, text_chars
        if line:
            text = collapse("".join(line))
            if text and text_chars < MAX_TEXT_CHARS:
                lines.append(text)
                text_chars += len(text)
            line = []

    def add_link(raw: str | None, tag: str, hidden: str, rel: str = "") -> Link | None:
        if raw is None or len(links) >= MAX_LINKS:
            return None
        target = normalize_url(raw, base)
        if target is None:
            return None
        link = Link(url=target, kind=link_kind_for(tag, target, rel), hidden=hidden)
        links.append(link)
        return link

    while stack:
        parent, children = stack[-1]
        node = next(children, None)
        if node is None:
            stack.pop()
            if parent.block:
                flush()
            if parent.info_pushed:
                infos.pop()
            if parent.anchor is not None and parent.tag == "a":
                link, pieces = parent.anchor
                link.text = collapse("".join(pieces))[:500]
            continue
        tag = node.tag
        if tag == "-text":
            text = node.text_content
            if text:
                if parent.anchor is not None:
                    parent.anchor[1].append(text)
                if not parent.hidden and parent.tag not in NO_TEXT_TAGS:
                    line.append(text)
            continue
        if not tag or tag[0] in "-#":
            continue
        try:
            attrs = node.attributes
        except Exception:
            attrs = {}
        if tag == "title":
            if not page.title:
                page.title = collapse(node.text(deep=True) or "")[:1000]
            continue
        if tag == "meta":
            name = (attrs.get("name") or attrs.get("property") or attrs.get("http-equiv") or "").strip().lower()
            content = attrs.get("content")
            if name and content is not None and name not in page.metas:
                page.metas[name[:100]] = collapse(content)[:4000]
            continue
        if tag == "br":
            flush()
            continue

        # Hiding: inline style, simple <style> rules, the hidden attribute. Never undone below.
        hidden = parent.hidden
        pushed = False
        if sheet:
            classes = attrs.get("class") or ""
            info = css.ElementInfo(tag, attrs.get("id"), frozenset(classes[:4096].split()))
            rules = sheet.matching(info, infos)
            infos.append(info)
            pushed = True
        else:
            rules = []
        if not hidden and tag not in ("html", "body"):
            decls: css.Decls = {}
            for rule in rules:
                decls.update(rule.normal)
            style = attrs.get("style")
            important: css.Decls = {}
            if style:
                normal, important = css.parse_declarations(style)
                decls.update(normal)
            for rule in rules:
                decls.update(rule.important)
            decls.update(important)
            display = decls.get("display")
            if "hidden" in attrs and (not display or display.startswith("none")):
                hidden = "hidden-attr"
            elif decls:
                try:
                    hidden = _hide_reason(tag, decls, 16.0) or ""
                except Exception:
                    hidden = ""
            if tag == "input" and (attrs.get("type") or "").lower() == "hidden":
                hidden = hidden or "hidden-attr"

        anchor = parent.anchor
        if tag == "a":
            link = add_link(attrs.get("href"), "a", hidden)
            anchor = [link, []] if link is not None else None
        elif tag == "area":
            add_link(attrs.get("href"), "a", hidden)
        elif tag == "img":
            link = add_link(attrs.get("src"), "img", hidden)
            if link is not None:
                link.text = collapse(attrs.get("alt") or "")[:500]
            if parent.anchor is not None and attrs.get("alt"):
                parent.anchor[1].append(attrs.get("alt") or "")
        elif tag in ("iframe", "frame"):
            add_link(attrs.get("src"), tag, hidden)
        elif tag == "script":
            add_link(attrs.get("src"), "script", hidden)
        elif tag == "link":
            rel = (attrs.get("rel") or "").lower()
            if "stylesheet" in rel:
                add_link(attrs.get("href"), "link", hidden, rel)
        block = tag in BLOCK_TAGS
        if block:
            flush()
        if tag in ("script", "style", "textarea") or tag in ("img", "input", "link", "meta", "base"):
            if pushed:
                infos.pop()
            continue
        frame = _Frame(tag, hidden, anchor, block, pushed)
        try:
            kids = node.iter(include_text=True)
        except Exception:
            if pushed:
                infos.pop()
            continue
        stack.append((frame, kids))
    flush()
    page.links = links
    page.text = "\n".join(lines)
