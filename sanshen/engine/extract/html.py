"""HTML pages: title, metas, visible text, hidden elements, links and suspicious scripts.

The layout of the extracted text is fixed by docs/engine.md. The page is walked once with an
explicit stack (10,000-deep nesting must not hit Python's recursion limit); styles come from
inline ``style``, simple ``<style>`` rules and old presentational attributes (``<font color>``,
``bgcolor``).

Two kinds of hiding are told apart: a *subtree* hide (display:none, visibility, opacity,
off-screen, tiny box, ``hidden``) that no descendant can undo, and a *faint* text (font-size 0,
transparent or same-as-background colour) that a descendant may undo by setting its own size or
colour; faint text is judged per text node and grouped under the outermost element of the run.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urljoin

from selectolax.lexbor import LexborHTMLParser

from ..document import Extracted
from . import css
from ._base import ExtractError, TextBuilder
from .scripts import ScriptFinding, analyse_script, find_urls
from .txt import bom_encoding, decode_text

BLOCK_TAGS = frozenset({
    "address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "details", "dialog", "dir",
    "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "frameset", "h1", "h2", "h3", "h4",
    "h5", "h6", "header", "hgroup", "hr", "html", "legend", "li", "listing", "main", "marquee", "menu", "nav",
    "ol", "optgroup", "option", "p", "plaintext", "pre", "section", "select", "summary", "table", "tbody", "td",
    "textarea", "tfoot", "th", "thead", "tr", "ul", "xmp",
})
INLINE_DISPLAYS = frozenset({"inline", "inline-block", "inline-flex", "inline-grid", "inline-table", "contents"})
# Elements without text of their own, skipped without a frame.
VOID_TAGS = frozenset({
    "img", "input", "link", "base", "source", "track", "wbr", "area", "col", "param", "embed", "keygen",
})
# Elements whose children are not shown as text.
NO_DESCEND = frozenset({"iframe", "frame", "noembed", "noframes", "template", "canvas"})
PRE_TAGS = frozenset({"pre", "textarea", "listing", "xmp", "plaintext"})
# Presentational width/height attributes count only on these.
SIZED_TAGS = frozenset({"iframe", "frame", "marquee", "table", "td", "th", "img", "object", "embed"})
# Replaced or self-clipping elements: a 1-pixel box hides them without overflow:hidden.
CLIPPING_TAGS = frozenset({"iframe", "frame", "marquee", "object", "embed"})

# Meta names worth checking, spelt as in the Chinese government website metadata convention.
META_NAMES = {
    name.lower(): name
    for name in (
        "description", "keywords", "SiteName", "SiteDomain", "ColumnName", "ColumnDescription",
        "ColumnKeywords", "ColumnType", "ArticleTitle", "PubDate", "ContentSource", "Author",
        "og:title", "og:description", "og:site_name",
    )
}
FONT_KEYWORDS = {
    "xx-small": 9.0, "x-small": 10.0, "small": 13.0, "medium": 16.0, "large": 18.0, "x-large": 24.0,
    "xx-large": 32.0, "xxx-large": 48.0,
}
FONT_ATTR_SIZES = {"1": 10.0, "2": 13.0, "3": 16.0, "4": 18.0, "5": 24.0, "6": 32.0, "7": 48.0}
TINY_FONT_PX = 3.0
OFFSCREEN_PX = -500.0
MAX_LOCATOR_DEPTH = 12
MAX_ATTR_CHARS = 4096
LOOSE_NUL_RATIO = 0.01

_META_CHARSET = re.compile(rb"<meta\b[^>]{0,1024}?charset\s*=\s*[\"']?\s*([A-Za-z0-9_\-:.]{1,40})", re.I)
_SPACES = re.compile(r"\s+")
_FONT_SIZE_TOKEN = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:px|pt|pc|em|rem|ex|ch|%|in|cm|mm|q|vw|vh)|0")
_TRANSLATE = re.compile(r"translate(?:x|y|3d)?\(\s*(-\d+(?:\.\d+)?)(px|em|%)?")
_SCALE_ZERO = re.compile(r"scale(?:x|y|3d)?\(\s*0(?:\.0+)?\s*[,)]")
_CLIP_RECT = re.compile(r"rect\(([^)]{0,200})\)")
_TAG = re.compile(r"<[^<>]{0,2000}>")
_COMMENT_ANCHOR = re.compile(r"<a\b([^<>]{0,2000})>([^<]{0,500})", re.I)
_HREF_IN_ATTRS = re.compile(r"""href\s*=\s*["']?([^"'\s>]{1,2000})""", re.I)


def _join_base(base: str, raw: str) -> str:
    """The part of ``base`` that ``urljoin(base, raw)`` depends on: none for an absolute ``raw``, the
    directory for a relative path (so the pages of one directory share cache entries), else all of it."""
    head = raw[:8].lower()
    if head.startswith(("http://", "https://")):
        # Only the base's scheme matters then (urljoin lower-cases raw's scheme when they agree).
        return base.split(":", 1)[0].lower() + "://-/"
    if not raw or raw[0] in "?#":
        return base
    cut = base.split("#", 1)[0].split("?", 1)[0]
    if cut.count("/") < 3:
        return cut + "/"
    return cut[: cut.rfind("/") + 1]


@lru_cache(maxsize=32768)
def _cached_join(key: str, raw: str) -> str:
    return urljoin(key, raw)


def join_url(base: str, raw: str) -> str:
    """``urljoin(base, raw)``, memoised: a site's template links repeat on every page. Raises ValueError as urljoin."""
    if len(raw) > 2048 or len(base) > 2048:
        return urljoin(base, raw)
    return _cached_join(_join_base(base, raw), raw)


def collapse(text: str) -> str:
    """Runs of whitespace become one space; zero-width characters are not whitespace and stay."""
    return _SPACES.sub(" ", text).strip()


def decode_html(data: bytes) -> str:
    """Charset from the BOM, then ``<meta charset>``/http-equiv, then strict UTF-8, GB18030, detection."""
    declared = None
    if not bom_encoding(data):
        m = _META_CHARSET.search(data, 0, 16384)
        if m:
            declared = m.group(1).decode("ascii", "replace")
        nuls = data.count(0)
        if nuls and nuls <= len(data) * LOOSE_NUL_RATIO:
            # A few stray NULs do not make a page binary; browsers drop them too.
            data = data.replace(b"\x00", b"")
    text, _encoding = decode_text(data, declared)
    return text


class _Record:
    """One hidden element (or comment) and what it holds."""

    __slots__ = ("hrefs", "locator", "pieces", "reason", "sep", "tag")

    def __init__(self, reason: str, locator: str, tag: str):
        self.reason = reason
        self.locator = locator
        self.tag = tag
        self.pieces: list[str] = []
        self.hrefs: dict[str, None] = {}  # an ordered set: spam blocks repeat their links
        self.sep = False

    def add(self, text: str) -> None:
        if self.sep and self.pieces:
            self.pieces.append(" ")
        self.sep = False
        self.pieces.append(text)


class _Link:
    __slots__ = ("hidden", "href", "locator", "pieces", "raw", "reason", "tag")

    def __init__(self, raw: str, href: str, locator: str, hidden: bool, reason: str | None, tag: str = "a"):
        self.raw = raw
        self.href = href
        self.locator = locator
        self.hidden = hidden
        self.reason = reason
        self.tag = tag
        self.pieces: list[str] = []


class _Frame:
    """The state of one open element while walking."""

    __slots__ = (
        "bg", "block", "block_frame", "colour", "counts", "faint", "faint_reason", "faint_record",
        "font_px", "hide", "id", "index", "link", "parent", "path", "pre", "svg", "tag",
    )

    def __init__(self, tag: str, parent: _Frame | None):
        self.tag = tag
        self.parent = parent
        self.counts: dict[str, int] | None = None
        self.id: str | None = None
        self.index = 0
        self.block = False
        self.block_frame: _Frame = self
        self.hide: _Record | None = None
        self.faint: _Frame | None = None
        self.faint_reason: str | None = None
        self.faint_record: _Record | None = None
        self.link: _Link | None = None
        self.pre = False
        self.svg = False
        self.colour: css.Colour | None = None
        self.bg: css.Colour | None = None
        self.font_px = 16.0
        self.path: tuple[tuple[str, ...], bool] | None = None  # `_path`, once asked for

    def label(self) -> str:
        if self.tag in ("body", "head"):
            return self.tag
        if self.id:
            return f"{self.tag}#{self.id[:64]}"
        return f"{self.tag}[{self.index}]"


_NO_PATH: tuple[tuple[str, ...], bool] = ((), False)


def _path(frame: _Frame) -> tuple[tuple[str, ...], bool]:
    """The labels from the top (below ``html``) down to ``frame``, the nearest `MAX_LOCATOR_DEPTH`
    only, and whether more were cut above them. Kept on each frame: siblings share their parent's."""
    if frame.path is not None:
        return frame.path
    chain: list[_Frame] = []
    node: _Frame | None = frame
    while node is not None and node.path is None and node.tag not in ("html", "#document"):
        chain.append(node)
        node = node.parent
    labels, cut = node.path if node is not None and node.path is not None else _NO_PATH
    for item in reversed(chain):  # no recursion: 10,000-deep pages must not hit the limit
        labels = (*labels, item.label())
        if len(labels) > MAX_LOCATOR_DEPTH:
            labels, cut = labels[1:], True
        item.path = (labels, cut)
    return frame.path if chain else _NO_PATH


def _locator(frame: _Frame) -> str:
    labels, cut = _path(frame)
    if not labels:
        return frame.tag
    return ("… > " if cut else "") + " > ".join(labels)


def _font_size(decls: css.Decls, parent_px: float) -> float:
    value = decls.get("font-size")
    if value is None and "font" in decls:
        for token in decls["font"].split():
            size = token.split("/", 1)[0]
            if size in FONT_KEYWORDS or _FONT_SIZE_TOKEN.fullmatch(size):
                value = size
                break
    if value is None or value == "inherit":
        return parent_px
    if value in FONT_KEYWORDS:
        return FONT_KEYWORDS[value]
    if value == "smaller":
        return parent_px / 1.2
    if value == "larger":
        return parent_px * 1.2
    px = css.parse_length(value, em=parent_px, percent_of=parent_px)
    return parent_px if px is None or px < 0 else px


def _far_negative(value: str | None, em: float) -> bool:
    if not value:
        return False
    value = value.split()[0]
    px = css.parse_length(value, em=em)
    if px is not None:
        return px <= OFFSCREEN_PX
    pct = css.percent(value)
    return pct is not None and pct <= -100


def _opacity_zero(decls: css.Decls) -> bool:
    value = decls.get("opacity")
    if value is not None:
        pct = css.percent(value)
        try:
            number = pct / 100 if pct is not None else float(value)
        except ValueError:
            number = 1.0
        if number <= 0.05:
            return True
    value = decls.get("filter")
    if value:
        compact = value.replace(" ", "")
        if "opacity=0)" in compact or "opacity(0)" in compact or "opacity(0%)" in compact:
            return True
    return False


def _hide_reason(tag: str, decls: css.Decls, font_px: float) -> str | None:
    """Why this element hides its whole subtree, or None."""
    display = decls.get("display")
    if display and display.split()[0] == "none":
        return "display:none"
    if decls.get("visibility") in ("hidden", "collapse"):
        return "visibility:hidden"
    if _opacity_zero(decls):
        return "opacity:0"
    position = decls.get("position")
    if position != "static" and any(_far_negative(decls.get(p), font_px) for p in ("left", "top", "right")):
        return "off-screen"
    if any(_far_negative(decls.get(p), font_px) for p in ("text-indent", "margin-left", "margin-top")):
        return "off-screen"
    transform = decls.get("transform")
    if transform:
        m = _TRANSLATE.search(transform)
        if m and _far_negative(m.group(1) + (m.group(2) or "px"), font_px):
            return "off-screen"
        if _SCALE_ZERO.search(transform):
            return "tiny-box"
    if _tiny_box(tag, decls, font_px, position):
        return "tiny-box"
    return None


def _tiny_box(tag: str, decls: css.Decls, font_px: float, position: str | None) -> bool:
    clips = tag in CLIPPING_TAGS or any(
        decls.get(p) in ("hidden", "clip") for p in ("overflow", "overflow-x", "overflow-y")
    )
    if clips:
        for prop in ("width", "height", "max-width", "max-height"):
            value = decls.get(prop)
            if value:
                px = css.parse_length(value.split()[0], em=font_px)
                if px is not None and px <= 1:
                    return True
    if position in ("absolute", "fixed", None):
        clip = decls.get("clip")
        if clip:
            m = _CLIP_RECT.search(clip)
            if m:
                sizes = [css.parse_length(v, em=font_px) for v in re.split(r"[,\s]+", m.group(1).strip()) if v]
                if len(sizes) == 4 and None not in sizes:
                    top, right, bottom, left = sizes
                    if right - left <= 1 or bottom - top <= 1:
                        return True
        clip_path = decls.get("clip-path")
        if clip_path and any(k in clip_path for k in ("inset(50%", "inset(100%", "circle(0")):
            return True
    return False


class _Walker:
    def __init__(self, sheet: css.StyleSheet, base: str | None, external_css: bool):
        self.sheet = sheet
        self.base = base
        # Without an external stylesheet the page really is black on white unless it says otherwise.
        self.default_colour = None if external_css else (0, 0, 0, 1.0)
        self.default_bg = None if external_css else (255, 255, 255, 1.0)
        self.infos: list[css.ElementInfo] = []
        self.title: str | None = None
        self.metas: list[tuple[str, str, str]] = []
        self.lines: list[tuple[str, str]] = []
        self.line: list[str] = []
        self.line_frame: _Frame | None = None
        self.hidden: list[_Record] = []
        self.links: list[_Link] = []
        self.scripts: list[tuple[ScriptFinding, str]] = []

    # ---- walking ----------------------------------------------------------------------------

    def run(self, document) -> None:
        root = _Frame("#document", None)
        root.colour = self.default_colour
        root.bg = self.default_bg
        stack = [(root, document.iter(include_text=True))]
        while stack:
            frame, children = stack[-1]
            node = next(children, None)
            if node is None:
                stack.pop()
                if frame is not root:
                    self._exit(frame)
                continue
            tag = node.tag
            if tag == "-text":
                self._text(node.text_content, frame)
            elif tag == "-comment":
                self._comment(node.comment_content or "", frame)
            elif tag and tag[0] not in "-#":
                child = self._enter(node, tag, frame)
                if child is None:
                    continue
                if tag in NO_DESCEND:
                    self._exit(child)
                else:
                    stack.append((child, node.iter(include_text=True)))
        self._flush()

    def _enter(self, node, tag: str, parent: _Frame) -> _Frame | None:
        if tag in VOID_TAGS:
            return None
        attrs = node.attributes
        if tag == "script":
            self._script(node, attrs, parent)
            return None
        if tag == "style":
            return None
        if tag == "title":
            if self.title is None and not parent.svg:
                self.title = collapse(node.text(deep=True) or "")
            return None
        if tag == "meta":
            self._meta(attrs)
            return None
        if tag == "br":
            self._block_boundary(parent)
            return None

        frame = _Frame(tag, parent)
        if parent.counts is None:
            parent.counts = {}
        frame.index = parent.counts[tag] = parent.counts.get(tag, 0) + 1
        element_id = attrs.get("id")
        frame.id = element_id[:MAX_ATTR_CHARS] if element_id else None
        frame.svg = parent.svg or tag == "svg"
        frame.pre = parent.pre or tag in PRE_TAGS

        decls = self._declarations(tag, attrs, frame)
        frame.font_px = _font_size(decls, parent.font_px) if decls else parent.font_px

        display = decls.get("display") if decls else None
        if display and display.split()[0] not in ("none",):
            frame.block = display.split()[0] not in INLINE_DISPLAYS
        else:
            frame.block = tag in BLOCK_TAGS
        frame.block_frame = frame if frame.block else parent.block_frame

        frame.hide = parent.hide
        # A page that hides its whole body is fading in by script, not hiding spam.
        if frame.hide is None and tag not in ("html", "body"):
            reason = None
            if "hidden" in attrs and (not display or display.startswith("none")):
                reason = "hidden-attr"
            elif decls:
                reason = _hide_reason(tag, decls, frame.font_px)
            if reason:
                frame.hide = _Record(reason, _locator(frame), tag)
                self.hidden.append(frame.hide)

        self._colours(tag, attrs, decls, frame, parent)

        # A hidden block takes no room on the page, so it does not break the visible line.
        if frame.block and (frame.hide is None or parent.hide is not None):
            self._block_boundary(parent)

        frame.link = parent.link
        if tag == "a":
            self._separate_hidden(frame)  # neighbouring hidden links must not run together
            href = attrs.get("href")
            if href is not None:
                frame.link = self._add_link(href, frame, "a")
        elif tag in ("iframe", "frame"):
            self._embedded_frame(attrs, frame)
        return frame

    def _exit(self, frame: _Frame) -> None:
        if frame.block:
            self._block_boundary(frame)
        elif frame.tag == "a":
            self._separate_hidden(frame)
        if self.sheet:
            self.infos.pop()

    # ---- styles -----------------------------------------------------------------------------

    def _declarations(self, tag: str, attrs: dict, frame: _Frame) -> css.Decls:
        """The cascaded relevant declarations of an element (presentational hints lowest)."""
        decls: css.Decls = {}
        if tag == "font":
            if attrs.get("color"):
                decls["color"] = attrs["color"].strip().lower()
            size = (attrs.get("size") or "").strip()
            if size in FONT_ATTR_SIZES:
                decls["font-size"] = f"{FONT_ATTR_SIZES[size]}px"
        if attrs.get("bgcolor"):
            decls["background-color"] = attrs["bgcolor"].strip().lower()
        if tag == "body" and attrs.get("text"):
            decls["color"] = attrs["text"].strip().lower()
        if tag in SIZED_TAGS:
            for prop in ("width", "height"):
                if attrs.get(prop):
                    decls[prop] = attrs[prop].strip().lower()[:64]
        rules: list[css.Rule] = []
        if self.sheet:
            classes = attrs.get("class")
            info = css.ElementInfo(
                tag, frame.id, frozenset(classes[:MAX_ATTR_CHARS].split()) if classes else frozenset()
            )
            rules = self.sheet.matching(info, self.infos)
            self.infos.append(info)
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
        return decls

    def _colours(self, tag: str, attrs: dict, decls: css.Decls, frame: _Frame, parent: _Frame) -> None:
        colour = parent.colour
        declared = decls.get("color") if decls else None
        if declared and declared not in ("inherit", "currentcolor"):
            colour = css.parse_color(declared)
        elif tag == "a" and not declared:
            colour = None  # the browser's own link colour
        bg = parent.bg
        if decls:
            found = css.background_color(decls)
            if found == css.IMAGE:
                bg = None
            elif found is not None and found[3] >= 0.5:
                bg = found
        frame.colour, frame.bg = colour, bg

        reason = None
        if frame.font_px < TINY_FONT_PX:
            reason = "font-size:0"
        elif colour is not None and colour[3] <= 0.05:
            reason = "opacity:0"
        elif colour is not None and bg is not None and css.same_colour(colour, bg):
            reason = "same-colour"
        if reason:
            if parent.faint is not None and parent.faint_reason == reason:
                frame.faint = parent.faint
            else:
                frame.faint = frame
            frame.faint_reason = reason

    def _faint_record(self, frame: _Frame) -> _Record:
        root = frame.faint
        assert root is not None
        if root.faint_record is None:
            root.faint_record = _Record(root.faint_reason or "same-colour", _locator(root), root.tag)
            self.hidden.append(root.faint_record)
        return root.faint_record

    # ---- text -------------------------------------------------------------------------------

    def _text(self, text: str | None, frame: _Frame) -> None:
        if not text:
            return
        if frame.hide is not None:
            frame.hide.add(text)
        elif frame.faint is not None:
            if not text.isspace():
                self._faint_record(frame).add(text)
        elif frame.pre and "\n" in text:
            first, *rest = text.split("\n")
            self._visible(first, frame)
            for piece in rest:
                self._flush()
                self._visible(piece, frame)
        else:
            self._visible(text, frame)
        if frame.link is not None:
            frame.link.pieces.append(text)

    def _visible(self, text: str, frame: _Frame) -> None:
        if self.line_frame is None:
            if text.isspace() or not text:
                return
            self.line_frame = frame.block_frame
        self.line.append(text)

    def _flush(self) -> None:
        if self.line_frame is not None:
            text = collapse("".join(self.line))
            if text:
                self.lines.append((text, _locator(self.line_frame)))
        self.line = []
        self.line_frame = None

    def _block_boundary(self, frame: _Frame) -> None:
        if frame.hide is None:
            self._flush()
        self._separate_hidden(frame)

    def _separate_hidden(self, frame: _Frame) -> None:
        """The next hidden text of this element's record starts after a space."""
        if frame.hide is not None:
            frame.hide.sep = True
        elif frame.faint is not None and frame.faint.faint_record is not None:
            frame.faint.faint_record.sep = True

    # ---- links, frames, metas, scripts, comments --------------------------------------------

    def _resolve(self, raw: str) -> str:
        if not self.base or raw.startswith("#") or raw.lower().startswith(("javascript:", "mailto:", "tel:", "data:")):
            return raw
        try:
            return join_url(self.base, raw)
        except ValueError:
            return raw

    def _add_link(self, raw: str, frame: _Frame, tag: str) -> _Link:
        raw = raw.strip()[:MAX_ATTR_CHARS]
        href = self._resolve(raw)
        record = frame.hide
        if record is None and frame.faint is not None and tag == "a":
            record = self._faint_record(frame)
        link = _Link(raw, href, _locator(frame), record is not None, record.reason if record else None, tag)
        self.links.append(link)
        if record is not None:
            record.hrefs.setdefault(href, None)
        return link

    def _embedded_frame(self, attrs: dict, frame: _Frame) -> None:
        src = (attrs.get("src") or "").strip()
        if not src:
            return
        link = self._add_link(src, frame, frame.tag)
        if frame.hide is not None and not frame.hide.pieces:
            frame.hide.add(link.href)

    def _meta(self, attrs: dict) -> None:
        content = attrs.get("content")
        if not content:
            return
        name = (attrs.get("name") or attrs.get("property") or "").strip()
        canonical = META_NAMES.get(name.lower())
        if canonical:
            text = collapse(content)
            if text:
                self.metas.append((canonical, text, f'meta[name="{name[:64]}"]'))
            return
        if (attrs.get("http-equiv") or "").strip().lower() == "refresh":
            # Only a jump to an absolute address is worth a look; "0;url=index.html" is housekeeping.
            urls = [u for u in find_urls(content) if u.lower().startswith(("http:", "https:", "//"))]
            if urls:
                self.scripts.append((ScriptFinding("location", " ".join(urls), urls), 'meta[http-equiv="refresh"]'))

    def _script(self, node, attrs: dict, parent: _Frame) -> None:
        if parent.counts is None:
            parent.counts = {}
        index = parent.counts["script"] = parent.counts.get("script", 0) + 1
        if attrs.get("src"):
            return
        kind = (attrs.get("type") or "").strip().lower()
        if kind and not any(k in kind for k in ("javascript", "ecmascript", "jscript", "module")):
            return
        finding = analyse_script(node.text(deep=True) or "")
        if finding is not None:
            self.scripts.append((finding, f"{_locator(parent)} > script[{index}]"))

    def _comment(self, content: str, frame: _Frame) -> None:
        head = content.lstrip()[:8].lower()
        if head.startswith("[if") or head.startswith("<![endif"):
            return  # IE conditional comments hold ordinary script and style links
        low = content.lower()
        if "<a" not in low and "http" not in low:
            return
        record = _Record("comment", f"{_locator(frame)} > comment", "#comment")
        anchors = [
            (m.group(2), h.group(1))
            for m in _COMMENT_ANCHOR.finditer(content)
            if (h := _HREF_IN_ATTRS.search(m.group(1)))
        ]
        urls = find_urls(content)
        for text, raw in anchors:
            link = _Link(raw, self._resolve(raw), record.locator, True, "comment")
            link.pieces.append(text)
            self.links.append(link)
        record.hrefs = dict.fromkeys(self._resolve(u) for u in urls)
        text = collapse(_TAG.sub(" ", content))
        record.add(text or " ".join(record.hrefs))
        self.hidden.append(record)

    # ---- output -----------------------------------------------------------------------------

    def build(self, source: str | None) -> Extracted:
        out = TextBuilder()
        if self.title:
            out.line(self.title, "title", {"locator": "title"})
        for name, content, locator in self.metas:
            out.line(content, "meta", {"name": name, "locator": locator})
        out.blank_line()
        for text, locator in self.lines:
            out.line(text, "body", {"locator": locator})

        hidden = [(r, collapse("".join(r.pieces)) or " ".join(r.hrefs)) for r in self.hidden]
        hidden = [(r, text) for r, text in hidden if text]
        if hidden:
            out.label("[隐藏内容]")
            for record, text in hidden:
                out.line(text, "hidden", {
                    "reason": record.reason, "hrefs": list(record.hrefs), "locator": record.locator,
                    "tag": record.tag,
                })
        if self.links:
            out.label("[链接]")
            for link in self.links:
                anchor = collapse("".join(link.pieces))
                line = f"{anchor} {link.href}" if anchor else link.href
                if not line:
                    continue
                attrs = {"href": link.href, "raw": link.raw, "text": anchor, "hidden": link.hidden,
                         "locator": link.locator, "tag": link.tag}
                if link.reason:
                    attrs["reason"] = link.reason
                out.line(line, "link", attrs)
        if self.scripts:
            out.label("[脚本]")
            for finding, locator in self.scripts:
                out.line(finding.text or " ".join(finding.hrefs), "script", {
                    "reason": finding.reason, "hrefs": list(finding.hrefs), "locator": locator,
                })
        return out.build("html", source)


def _stylesheet(parser: LexborHTMLParser) -> tuple[css.StyleSheet, bool]:
    """Rules of the page's own ``<style>`` elements, and whether it also loads stylesheets we cannot see."""
    sheet = css.StyleSheet()
    order = 0
    external = False
    for style in parser.css("style"):
        media = (style.attributes.get("media") or "").lower()
        if media and not any(m in media for m in ("all", "screen")):
            continue
        text = style.text(deep=True) or ""
        if "@import" in text:
            external = True
        rules = css.parse_stylesheet(text, order)
        order += len(rules)
        sheet.add(rules)
    for link in parser.css("link"):
        if "stylesheet" in (link.attributes.get("rel") or "").lower():
            external = True
            break
    return sheet, external


def _base_url(parser: LexborHTMLParser, source: str | None) -> str | None:
    page = source if source and source.lower().startswith(("http://", "https://")) else None
    base = parser.css_first("base")
    href = (base.attributes.get("href") or "").strip() if base is not None else ""
    if href:
        try:
            return urljoin(page, href) if page else href
        except ValueError:
            return page
    return page


def extract_html(data: bytes, name: str | None) -> Extracted:
    text = decode_html(data)
    try:
        parser = LexborHTMLParser(text)
    except Exception as exc:  # the parser's own failures on hostile input
        raise ExtractError(f"HTML 无法解析：{type(exc).__name__}") from exc
    return extract_parsed(parser, name)


def extract_parsed(parser: LexborHTMLParser, name: str | None) -> Extracted:
    """`extract_html` of a document already decoded and parsed (the patrol parses each page once)."""
    document = parser.root.parent if parser.root is not None else None
    if document is None:
        return Extracted("", [], "html", name)
    sheet, external = _stylesheet(parser)
    base = _base_url(parser, name)
    if base and not base.lower().startswith(("http://", "https://", "//")):
        base = None
    walker = _Walker(sheet, base, external)
    walker.run(document)
    return walker.build(name)
