"""The interface every check family implements, and the shared handling of lexicon entries.

A family (a *recognizer*) is a class with a ``family`` name equal to the category it
reports. The engine gives it the rule set once (``__init__``), asks it for the words it
wants found (``terms``), scans each text once for all families' words together, and calls
``analyze`` with the family's own hits. A family that needs no lexicon simply ignores
``hits`` and reads ``doc.text`` / ``doc.folded`` with its own patterns.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from .document import Document
from .findings import Finding
from .lexicon import Hit
from .packs import Entry, RuleSet

GAP_CONFIDENCE = {"none": 1.0, "soft": 0.9, "systematic": 0.85}

# Words that introduce a quoted correction: 把“警钟长鸣”写成“警钟常鸣”, “常鸣”应为“长鸣”.
_CORRECTION_MARKERS = (
    "写成", "写作", "写为", "误写", "错写", "误作", "误为", "错为", "错成", "打成", "应为", "应是",
    "应写", "改为", "改成", "更正", "纠正", "而非", "而不是", "不应", "不能写", "不得写", "误用",
    "错误表述", "错别字", "错字", "表述错误", "规范表述", "不规范", "勘误",
)
_QUOTES_OPEN = "“‘「『\"'《〈"
_QUOTES_CLOSE = "”’」』\"'》〉"
_CORRECTION_RE = re.compile("|".join(map(re.escape, _CORRECTION_MARKERS)))


def quoted_span(doc: Document, start: int, end: int, reach: int = 16) -> tuple[int, int] | None:
    """The span of the quotation holding ``start:end`` (without the marks) within one sentence."""
    text = doc.text
    i = start - 1
    lo = max(0, start - reach)
    while i >= lo and text[i] not in _QUOTES_OPEN:
        if text[i] in _QUOTES_CLOSE or text[i] in "。！？\n":
            return None
        i -= 1
    if i < lo:
        return None
    for j in range(end, min(len(text), end + reach)):
        if text[j] in _QUOTES_CLOSE:
            return i + 1, j
        if text[j] in _QUOTES_OPEN or text[j] in "。！？\n":
            return None
    return None


def in_explicit_correction(doc: Document, start: int, end: int, reach: int = 16) -> bool:
    """True when the span is (inside) a quoted wrong form of a sentence that corrects it:
    把“警钟长鸣”写成“警钟常鸣”, and also “湖南省委书记杜家豪”系笔误 for the name inside."""
    if _corrects(doc, start, end, reach):
        return True
    quoted = quoted_span(doc, start, end, reach)
    return quoted is not None and quoted != (start, end) and _corrects(doc, *quoted, reach)


def _corrects(doc: Document, start: int, end: int, reach: int) -> bool:
    text = doc.text
    quoted = start > 0 and text[start - 1] in _QUOTES_OPEN and end < len(text) and text[end] in _QUOTES_CLOSE
    before = text[max(0, start - reach):start]
    after = text[end:end + reach]
    if quoted:
        return bool(_CORRECTION_RE.search(before) or _CORRECTION_RE.search(after))
    # Unquoted: only a marker right next to the word counts (误写为警钟常鸣).
    return bool(_CORRECTION_RE.search(before[-4:]) or _CORRECTION_RE.search(after[:3]))


def near(doc: Document, start: int, end: int, words: Iterable[str], window: int) -> bool:
    """True when one of ``words`` (already folded, as packs store them) stands within ``window``."""
    left, right = doc.window(start, end, window, window)
    return any(w in left or w in right for w in words)


class Recognizer:
    """Base class of a check family."""

    family: str = ""
    #: families whose lexicon findings are errors of wording skip quoted corrections
    skip_corrections: bool = False

    def __init__(self, rules: RuleSet):
        self.rules = rules
        self.entries: list[Entry] = rules.entries_of(self.family)

    def terms(self) -> Iterator[tuple[str, object]]:
        """Words to be found by the shared scanner, each with a payload given back in hits."""
        for entry in self.entries:
            for word in entry.words:
                yield word, entry

    def analyze(self, doc: Document, hits: list[Hit]) -> Iterable[Finding]:
        for hit in hits:
            if isinstance(hit.payload, Entry):
                finding = self.entry_finding(doc, hit, hit.payload)
                if finding is not None:
                    yield finding

    def entry_finding(self, doc: Document, hit: Hit, entry: Entry) -> Finding | None:
        """The finding for a pack entry's hit, after its context rules."""
        if entry.unless_near and near(doc, hit.start, hit.end, entry.unless_near, entry.window):
            return None
        if entry.only_near and not near(doc, hit.start, hit.end, entry.only_near, entry.window):
            return None
        if self.skip_corrections and in_explicit_correction(doc, hit.start, hit.end):
            return None
        return Finding(
            category=entry.category,
            rule=entry.rule_for(hit.word),
            severity=entry.severity,
            start=hit.start,
            end=hit.end,
            text=doc.text[hit.start:hit.end],
            message=entry.message,
            suggestion=entry.suggestion,
            confidence=round(entry.confidence * GAP_CONFIDENCE.get(hit.gap, 0.8), 3),
        )
