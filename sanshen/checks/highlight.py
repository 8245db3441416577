"""Text + findings → safe HTML with every finding highlighted.

The text is hostile input (a hacked page, an uploaded file): every character of it goes through
`escape`, and only markup built here is marked safe. Findings may overlap or nest: the text is cut
at every start and end, and each piece lists all findings covering it and takes the colour of the
most severe one. Each finding gets an anchor `hl-<index>` at its start, so the list beside the
text can link to it (and the page's script can flash the pieces of one finding).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from sanshen.engine.findings import SEVERITY_RANK


@dataclass(frozen=True)
class Piece:
    """A run of text covered by the same findings (indexes into the findings list)."""

    start: int
    end: int
    text: str
    findings: tuple[int, ...] = ()
    anchors: tuple[int, ...] = ()  # findings that start here
    severity: str | None = None  # the most severe of `findings`

    @property
    def marked(self) -> bool:
        return bool(self.findings)


def _clip(value: int, size: int) -> int:
    return max(0, min(int(value), size))


def pieces(text: str, findings) -> list[Piece]:
    """Cut `text` at every finding boundary. Zero-length findings become empty pieces (a point
    mark) so they still get an anchor; spans outside the text are clipped to it."""
    size = len(text)
    starts: dict[int, list[int]] = defaultdict(list)
    ends: dict[int, list[int]] = defaultdict(list)
    points: dict[int, list[int]] = defaultdict(list)
    for i, f in enumerate(findings):
        start, end = _clip(f.start, size), _clip(f.end, size)
        if end <= start:
            points[start].append(i)
        else:
            starts[start].append(i)
            ends[end].append(i)
    bounds = sorted({0, size, *starts, *ends, *points})
    severities = [f.severity for f in findings]

    def top(ids) -> str | None:
        return min((severities[i] for i in ids), key=SEVERITY_RANK.__getitem__, default=None)

    out: list[Piece] = []
    active: set[int] = set()
    for n, pos in enumerate(bounds):
        active.difference_update(ends.get(pos, ()))
        if points.get(pos):
            ids = tuple(points[pos])
            out.append(Piece(pos, pos, "", ids, ids, top(ids)))
        new = starts.get(pos, ())
        active.update(new)
        if n + 1 < len(bounds) and bounds[n + 1] > pos:
            nxt = bounds[n + 1]
            ids = tuple(sorted(active))
            out.append(Piece(pos, nxt, text[pos:nxt], ids, tuple(sorted(new)), top(ids)))
    return out


def highlight_html(text: str, findings) -> SafeString:
    """The whole text as HTML: plain pieces escaped, marked pieces in `<mark>` with the severity
    as a class; meant for a container with `white-space: pre-wrap`."""
    parts: list[str] = []
    for piece in pieces(text, findings):
        parts.extend(f'<span class="hl-anchor" id="hl-{i}"></span>' for i in piece.anchors)
        if not piece.marked:
            parts.append(escape(piece.text))
            continue
        classes = ["hl", f"sev-{piece.severity}"]
        if len(piece.findings) > 1:
            classes.append("hl-overlap")
        if piece.start == piece.end:
            classes.append("hl-point")
        ids = " ".join(map(str, piece.findings))
        parts.append(f'<mark class="{" ".join(classes)}" data-findings="{ids}">{escape(piece.text)}</mark>')
    return mark_safe("".join(parts))
