"""Small server-side SVG charts for the inspection pages: no JavaScript, no CDN, and no ``style``
attributes (the Content-Security-Policy blocks inline styles): colours and sizes are SVG
presentation attributes. Every text is escaped; the functions return safe HTML strings."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# Colour-blind-friendly palette (Okabe–Ito), then greys.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000",
           "#999999", "#666666", "#BBBBBB", "#444444")
TEXT = "#333333"
GRID = "#DDDDDD"
FONT = 'font-family="sans-serif"'


def _n(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _nice(top: float) -> int:
    """The smallest 1, 2, 4, 5 × 10^k not below ``top`` (an axis maximum with round quarters)."""
    scale = 1
    while True:
        for m in (1, 2, 4, 5):
            if m * scale >= top:
                return m * scale
        scale *= 10


def sparkline(values: Sequence[float | None], *, width: int = 96, height: int = 24, low: float = 0.0,
              high: float = 100.0, line: float | None = 60.0, label: str = "") -> SafeString:
    """A trend line of ``values`` (None: a gap) on a fixed scale (scores: 0–100, with the pass line
    at 60 dashed). An empty series gives an empty string."""
    points = [(i, v) for i, v in enumerate(values) if v is not None]
    if not points:
        return mark_safe("")
    pad = 3
    span = (high - low) or 1.0
    step = (width - 2 * pad) / max(1, len(values) - 1)

    def xy(i: int, v: float) -> tuple[float, float]:
        v = min(max(v, low), high)
        return pad + i * step, height - pad - (v - low) / span * (height - 2 * pad)

    parts = [f'<svg class="ins-spark" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(label)}">']
    if label:
        parts.append(f"<title>{escape(label)}</title>")
    if line is not None:
        _, y = xy(0, line)
        parts.append(f'<line x1="{pad}" y1="{_n(y)}" x2="{width - pad}" y2="{_n(y)}" stroke="#D55E00" '
                     'stroke-width="0.6" stroke-dasharray="2 2"/>')
    if len(points) > 1:
        coords = " ".join(f"{_n(x)},{_n(y)}" for x, y in (xy(i, v) for i, v in points))
        parts.append(f'<polyline points="{coords}" fill="none" stroke="#0072B2" stroke-width="1.5"/>')
    for i, v in points:
        x, y = xy(i, v)
        fill = "#D55E00" if line is not None and v < line else "#0072B2"
        parts.append(f'<circle cx="{_n(x)}" cy="{_n(y)}" r="2" fill="{fill}"><title>{_n(v)}</title></circle>')
    parts.append("</svg>")
    return mark_safe("".join(parts))


def stacked_bars(categories: Sequence[str], series: Sequence[tuple[str, Sequence[int]]], *, width: int = 720,
                 height: int = 260, label: str = "") -> SafeString:
    """Vertical bars, one per category (e.g. a week), stacked by series (e.g. a problem type),
    with a y axis, the category labels and a legend underneath."""
    n = len(categories)
    totals = [sum(s[1][i] for s in series) for i in range(n)]
    top = max(totals, default=0) or 1
    nice = max(4, _nice(top))
    legend_rows = (len(series) + 3) // 4
    left, right, top_pad, bottom = 36, 8, 10, 34 + 18 * legend_rows
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    band = plot_w / max(1, n)
    bar = band * 0.7
    parts = [f'<svg class="ins-chart" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(label)}" {FONT} font-size="11">']
    if label:
        parts.append(f"<title>{escape(label)}</title>")
    for k in range(5):
        value = nice * k / 4
        y = top_pad + plot_h - plot_h * k / 4
        parts.append(f'<line x1="{left}" y1="{_n(y)}" x2="{width - right}" y2="{_n(y)}" stroke="{GRID}" '
                     'stroke-width="1"/>')
        parts.append(f'<text x="{left - 4}" y="{_n(y + 4)}" text-anchor="end" fill="{TEXT}">{_n(value)}</text>')
    for i, cat in enumerate(categories):
        x = left + i * band + (band - bar) / 2
        y = top_pad + plot_h
        for j, (name, values) in enumerate(series):
            v = values[i]
            if not v:
                continue
            h = plot_h * v / nice
            y -= h
            parts.append(f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(bar)}" height="{_n(h)}" '
                         f'fill="{PALETTE[j % len(PALETTE)]}"><title>{escape(cat)} {escape(name)}：{v}</title></rect>')
        if totals[i]:
            parts.append(f'<text x="{_n(x + bar / 2)}" y="{_n(y - 2)}" text-anchor="middle" fill="{TEXT}">'
                         f"{totals[i]}</text>")
        parts.append(f'<text x="{_n(x + bar / 2)}" y="{_n(top_pad + plot_h + 14)}" text-anchor="middle" '
                     f'fill="{TEXT}">{escape(cat)}</text>')
    ly = top_pad + plot_h + 30
    col_w = (width - left) / 4
    for j, (name, _) in enumerate(series):
        lx = left + (j % 4) * col_w
        yy = ly + (j // 4) * 18
        parts.append(f'<rect x="{_n(lx)}" y="{_n(yy)}" width="10" height="10" fill="{PALETTE[j % len(PALETTE)]}"/>')
        parts.append(f'<text x="{_n(lx + 14)}" y="{_n(yy + 9)}" fill="{TEXT}">{escape(name)}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))


def hbars(rows: Sequence[tuple[str, int]], *, width: int = 480, bar_h: int = 18, label: str = "",
          fill: str = "#D55E00") -> SafeString:
    """Horizontal bars with a label and the value, one row each (e.g. overdue tasks per unit)."""
    if not rows:
        return mark_safe("")
    label_w, gap = 170, 6
    top = max(v for _, v in rows) or 1
    height = len(rows) * (bar_h + gap) + gap
    plot_w = width - label_w - 40
    parts = [f'<svg class="ins-chart" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(label)}" {FONT} font-size="12">']
    if label:
        parts.append(f"<title>{escape(label)}</title>")
    for i, (name, v) in enumerate(rows):
        y = gap + i * (bar_h + gap)
        w = max(1.0, plot_w * v / top)
        short = name if len(name) <= 13 else name[:12] + "…"
        parts.append(f'<text x="{label_w - 6}" y="{_n(y + bar_h - 5)}" text-anchor="end" fill="{TEXT}">'
                     f"<title>{escape(name)}</title>{escape(short)}</text>")
        parts.append(f'<rect x="{label_w}" y="{y}" width="{_n(w)}" height="{bar_h}" fill="{fill}">'
                     f"<title>{escape(name)}：{v}</title></rect>")
        parts.append(f'<text x="{_n(label_w + w + 4)}" y="{_n(y + bar_h - 5)}" fill="{TEXT}">{v}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))
