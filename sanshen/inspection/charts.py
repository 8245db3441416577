"""Horizontal bar charts without a plotting library: SVG (for HTML pages and WeasyPrint PDFs) and
PNG drawn with Pillow (for .docx, which needs a raster image). Both take the same data, a list of
{"label": str, "count": int} (most first, as `bulletin_data` gives them), and draw at most
`MAX_BARS` bars; the rest are summed into one bar "其他N项".

Chinese labels in the PNG are drawn with a Noto CJK font file (`sanshen.web.docfonts.cjk_font_file`);
without one, `ChartError` is raised rather than drawing boxes.
"""

from __future__ import annotations

import io
import unicodedata
from html import escape

from sanshen.web.docfonts import CSS_SANS, cjk_font_file

MAX_BARS = 15
LABEL_EMS = 14  # longer labels are cut with "…"
BAR_COLOR = "#3d6a9e"
AXIS_COLOR = "#666666"
TEXT_COLOR = "#222222"


class ChartError(RuntimeError):
    """The chart image cannot be drawn on this machine (no Pillow or no Chinese font)."""


def _em(ch: str) -> float:
    return 1.0 if unicodedata.east_asian_width(ch) in ("W", "F") else 0.55


def text_ems(text: str) -> float:
    """Approximate width of `text` in ems (CJK full width, the rest about half)."""
    return sum(_em(ch) for ch in text)


def shorten(text: str, ems: float = LABEL_EMS) -> str:
    if text_ems(text) <= ems:
        return text
    out, width = "", 0.0
    for ch in text:
        if width + _em(ch) > ems - 1:
            break
        out, width = out + ch, width + _em(ch)
    return out + "…"


def bars(items: list[dict], limit: int = MAX_BARS) -> list[tuple[str, int]]:
    """(label, count) pairs to draw: zero counts dropped, the tail beyond `limit` summed as 其他."""
    rows = [(str(i.get("label", "")), int(i.get("count") or 0)) for i in items]
    rows = [r for r in rows if r[1] > 0]
    if len(rows) > limit:
        rest = rows[limit - 1 :]
        rows = [*rows[: limit - 1], (f"其他{len(rest)}项", sum(n for _, n in rest))]
    return rows


def _ticks(top: int) -> list[int]:
    """Up to about five round tick values from 0 to at least `top`."""
    top = max(top, 1)
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        if top / step <= 5:
            break
    else:
        step = max(1, top // 5)
    last = -(-top // step) * step
    return list(range(0, last + 1, step))


# SVG ----------------------------------------------------------------------------------------


def bar_svg(items: list[dict], title: str = "", *, width: int = 600) -> str:
    """An SVG document (string) of a horizontal bar chart, sized in CSS pixels; scalable."""
    rows = bars(items)
    font = 13
    bar_h, gap = 18, 8
    label_w = int(max([text_ems(shorten(label)) for label, _ in rows] + [4]) * font) + 12
    top = 34 if title else 10
    plot_w = width - label_w - 50
    height = top + max(len(rows), 1) * (bar_h + gap) + 28
    ticks = _ticks(max([n for _, n in rows] + [1]))
    scale = plot_w / ticks[-1]
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family=\'{escape(CSS_SANS, quote=False)}\' font-size="{font}" '
        f'role="img" aria-label="{escape(title)}">',
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
    ]
    if title:
        out.append(f'<text x="{width / 2:.0f}" y="20" text-anchor="middle" font-size="15" '
                   f'fill="{TEXT_COLOR}">{escape(title)}</text>')
    x0, y_end = label_w, top + max(len(rows), 1) * (bar_h + gap)
    for t in ticks:
        x = x0 + t * scale
        out.append(f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{y_end}" stroke="#dddddd" stroke-width="1"/>')
        out.append(f'<text x="{x:.1f}" y="{y_end + 16}" text-anchor="middle" font-size="11" '
                   f'fill="{AXIS_COLOR}">{t}</text>')
    if not rows:
        out.append(f'<text x="{x0 + 8}" y="{top + bar_h - 4}" fill="{AXIS_COLOR}">无问题</text>')
    for i, (label, count) in enumerate(rows):
        y = top + i * (bar_h + gap)
        w = max(count * scale, 1)
        out.append(f'<text x="{x0 - 8}" y="{y + bar_h - 4}" text-anchor="end" fill="{TEXT_COLOR}">'
                   f'<title>{escape(label)}</title>{escape(shorten(label))}</text>')
        out.append(f'<rect x="{x0}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{BAR_COLOR}"/>')
        out.append(f'<text x="{x0 + w + 5:.1f}" y="{y + bar_h - 4}" fill="{TEXT_COLOR}">{count}</text>')
    out.append(f'<line x1="{x0}" y1="{top - 4}" x2="{x0}" y2="{y_end}" stroke="{AXIS_COLOR}" stroke-width="1"/>')
    out.append("</svg>")
    return "".join(out)


# PNG ----------------------------------------------------------------------------------------


def _font(size: int):
    from PIL import ImageFont

    path = cjk_font_file("Noto Sans CJK SC") or cjk_font_file("Noto Serif CJK SC")
    if not path:
        raise ChartError("无法绘制统计图：缺少中文字体（请安装 Debian 软件包 fonts-noto-cjk）")
    if path.endswith(".ttc"):  # a collection: pick the Simplified Chinese face
        for index in range(10):
            try:
                face = ImageFont.truetype(path, size, index=index)
            except OSError:
                break
            if "SC" in face.getname()[0]:
                return face
    return ImageFont.truetype(path, size)


def bar_png(items: list[dict], title: str = "", *, width: int = 1200) -> bytes:
    """A PNG of the same chart, `width` pixels wide (1200 px prints sharp at 15 cm)."""
    try:
        from PIL import Image, ImageDraw
    except ImportError as exc:  # pragma: no cover - WeasyPrint depends on Pillow
        raise ChartError("无法绘制统计图：未安装 Pillow") from exc
    k = width / 600  # drawn at the SVG's proportions, scaled up
    font, small, big = _font(int(13 * k)), _font(int(11 * k)), _font(int(15 * k))
    rows = bars(items)
    bar_h, gap = int(18 * k), int(8 * k)
    labels = [shorten(label) for label, _ in rows]
    label_w = int(max([draw_len(font, s) for s in labels] + [draw_len(font, "无问题")])) + int(14 * k)
    top = int((34 if title else 10) * k)
    plot_w = width - label_w - int(50 * k)
    y_end = top + max(len(rows), 1) * (bar_h + gap)
    height = y_end + int(28 * k)
    ticks = _ticks(max([n for _, n in rows] + [1]))
    scale = plot_w / ticks[-1]
    img = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(img)
    if title:
        draw.text((width / 2, int(20 * k)), title, font=big, fill=TEXT_COLOR, anchor="ms")
    x0 = label_w
    for t in ticks:
        x = x0 + t * scale
        draw.line([(x, top - 4 * k), (x, y_end)], fill="#dddddd", width=max(1, int(k)))
        draw.text((x, y_end + 16 * k), str(t), font=small, fill=AXIS_COLOR, anchor="ms")
    if not rows:
        draw.text((x0 + 8 * k, top + bar_h - 4 * k), "无问题", font=font, fill=AXIS_COLOR, anchor="ls")
    for i, ((_, count), label) in enumerate(zip(rows, labels, strict=True)):
        y = top + i * (bar_h + gap)
        w = max(count * scale, 1)
        draw.text((x0 - 8 * k, y + bar_h - 4 * k), label, font=font, fill=TEXT_COLOR, anchor="rs")
        draw.rectangle([(x0, y), (x0 + w, y + bar_h)], fill=BAR_COLOR)
        draw.text((x0 + w + 5 * k, y + bar_h - 4 * k), str(count), font=font, fill=TEXT_COLOR, anchor="ls")
    draw.line([(x0, top - 4 * k), (x0, y_end)], fill=AXIS_COLOR, width=max(1, int(k)))
    buf = io.BytesIO()
    img.save(buf, "PNG", optimize=True)
    return buf.getvalue()


def draw_len(font, text: str) -> float:
    return font.getlength(text)
