"""Extracted HTML pages built by hand, laid out as docs/engine.md describes, for family tests."""

from __future__ import annotations

from sanshen.engine import Extracted, Segment


def html_page(title="", metas=(), body=(), hidden=(), links=(), scripts=(), source=None) -> Extracted:
    """An extracted HTML page laid out as docs/engine.md describes."""
    parts: list[str] = []
    segs: list[Segment] = []
    pos = 0

    def line(s: str, kind: str | None = None, **attrs) -> None:
        nonlocal pos
        if kind is not None:
            segs.append(Segment(kind, pos, pos + len(s), attrs))
        parts.append(s + "\n")
        pos += len(s) + 1

    if title:
        line(title, "title", locator="title")
    for name, content in metas:
        line(content, "meta", name=name, locator=f"meta[name={name}]")
    line("")
    for i, b in enumerate(body, 1):
        line(b, "body", locator=f"body > p[{i}]")
    if hidden:
        line("[隐藏内容]")
        for text, reason, hrefs in hidden:
            line(text, "hidden", reason=reason, hrefs=list(hrefs), locator="body > div")
    if links:
        line("[链接]")
        for anchor, href, is_hidden in links:
            line(f"{anchor} {href}", "link", href=href, text=anchor, hidden=is_hidden, locator="body > a")
    if scripts:
        line("[脚本]")
        for text, reason, hrefs in scripts:
            line(text, "script", reason=reason, hrefs=list(hrefs), locator="body > script")
    return Extracted("".join(parts), segs, format="html", source=source)
