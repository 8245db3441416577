"""The text under check, its parts and its normalised views, computed once and shared by all families."""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import cached_property

from .normalize import LazySqueezedView, fold, squeeze_lazy

# Kinds of segment an extractor may produce. Families use them: spam looks hardest at
# titles, metas and hidden parts; secret looks at the head of a document; link at links.
SEGMENT_KINDS = (
    "title", "meta", "body", "hidden", "link", "script", "table", "header", "footer", "note",
)


@dataclass(slots=True)
class Segment:
    """A part of the extracted text: ``text[start:end]`` came from one place in the source.

    An extractor's segments are sorted by ``start`` and never overlap; text between them
    (section labels, separators) belongs to no segment.

    ``attrs`` says where (``locator``: an HTML node path, ``paragraph 12``, ``page 3``…) and
    carries kind-specific facts: ``href`` for links, ``reason`` for hidden elements
    (``display:none``…), ``name`` for metas.
    """

    kind: str
    start: int
    end: int
    attrs: dict = field(default_factory=dict)


@dataclass(slots=True)
class Extracted:
    """Plain text extracted from a file plus the map of where each part came from."""

    text: str
    segments: list[Segment]
    format: str = "txt"
    source: str | None = None
    warnings: list[str] = field(default_factory=list)

    @classmethod
    def plain(cls, text: str, source: str | None = None) -> Extracted:
        return cls(text, [Segment("body", 0, len(text))], "txt", source)


class Document:
    """What every family receives: the original text, its segments and lazily built views."""

    def __init__(self, extracted: Extracted, as_of: dt.date | None = None):
        self.extracted = extracted
        self.text = extracted.text
        self.segments = extracted.segments
        self.format = extracted.format
        self.as_of = as_of
        self._seg_starts = [seg.start for seg in self.segments]

    @cached_property
    def folded(self) -> str:
        return fold(self.text)

    @cached_property
    def squeezed(self) -> LazySqueezedView:
        return squeeze_lazy(self.folded)

    @cached_property
    def effective_date(self) -> dt.date:
        """The date the text speaks as of: ``as_of`` if given, else today."""
        return self.as_of or dt.date.today()

    def segment_at(self, offset: int) -> Segment | None:
        """The segment holding ``offset`` (segments are sorted and do not overlap)."""
        k = bisect_right(self._seg_starts, offset) - 1
        if k >= 0 and offset < self.segments[k].end:
            return self.segments[k]
        return None

    def same_segment(self, start: int, end: int) -> bool:
        if len(self.segments) <= 1:
            return True
        seg = self.segment_at(start)
        return seg is not None and end <= seg.end

    def segments_of(self, *kinds: str) -> list[Segment]:
        return [seg for seg in self.segments if seg.kind in kinds]

    def window(self, start: int, end: int, before: int = 12, after: int = 12) -> tuple[str, str]:
        """Folded context on each side of a span, for context-word rules."""
        return self.folded[max(0, start - before):start], self.folded[end:end + after]
