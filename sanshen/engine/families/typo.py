"""Check family `typo` (错别字): misspelt fixed expressions and common words.

Three sources, all found by the shared scanner except the regex rules:

* the curated packs ``packs/typo-*.yaml``: wrong → right pairs a person checked (成语,
  公文 words), with whitelists for legitimate strings that contain a wrong form;
* ``data/typo/*.tsv``: one-character same-sound / same-shape misspellings of fixed
  expressions, and same-sound look-alike slips of common two-character words (培训 → 培询)
  that are no word and unlikely across a word boundary, generated at build time by
  ``data/typo/build_variants.py`` (weaker evidence, reported with lower confidence);
* a few context rules written as regexes: 截止 before a date (截至), 辞职 where a speech
  (致辞) is meant.

A wrong form quoted inside an explicit correction (把“警钟长鸣”写成“警钟常鸣”) is not reported.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from ..base import GAP_CONFIDENCE, Recognizer, in_explicit_correction
from ..document import Document
from ..findings import SEVERITY_RANK, Finding
from ..lexicon import Hit
from ..normalize import fold
from ..packs import Entry, PackError, RuleSet

VARIANT_CONFIDENCE = {"sound": 0.65, "shape": 0.6}
VARIANT_LABEL = {"sound": "音近", "shape": "形近"}

# Only layout whitespace may stand inside a misspelt word (PDF text layers space out
# characters); symbols inserted between characters are spam evasion, not typing errors.
_LAYOUT_RE = re.compile(r"[\s\u200b-\u200f\u2060\ufeff]+")

_DATE_AHEAD = (
    r"(?:目前|当前|今年|今天|今日|现在|本月|上月|本周|上周|本年|上年|去年|年底|年末|月底|月末|年初|"
    r"\d{4}\s*年|\d{1,2}\s*月\s*\d{1,2}\s*日|\d{4}[-./]\d{1,2}|[〇○零一二三四五六七八九]{4}\s*年|"
    r"[一二三四五六七八九十]{1,2}\s*月)"
)
# 截止 means "to stop": before a point in time the right word is 截至 ("up to").
_JIEZHI_RE = re.compile(r"截止(?:到|至)?(?=\s*" + _DATE_AHEAD + ")")
_CLAUSE_START = frozenset("\n，。；：、（(　 ！？\t“\"")
# 辞职 (resign) where a speech at a ceremony (致辞) was meant.
_ZHICI_RE = re.compile(
    r"(?:开幕式|闭幕式|开班式|结业式|开学典礼|毕业典礼|典礼|仪式|庆典|晚会|年会|招待会|宴会|颁奖会)上"
    r"(?:作|做)?(辞职)"
)


class Variant:
    """A generated one-character misspelling of a fixed expression."""

    __slots__ = ("kind", "right")

    def __init__(self, right: str, kind: str):
        self.right = right
        self.kind = kind


def load_variants(paths: Iterable[Path]) -> dict[str, Variant]:
    """Read variant TSVs (columns ``word right kind``); later files override earlier ones."""
    variants: dict[str, Variant] = {}
    shared: dict[tuple[str, str], Variant] = {}
    for path in paths:
        try:
            lines = path.read_text(encoding="utf-8-sig").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise PackError(f"{path}: cannot read typo variants: {exc}") from exc
        header = None
        for n, line in enumerate(lines, 1):
            if not line or line.startswith("#"):
                continue
            cols = line.split("\t")
            if header is None:
                header = cols
                if cols[:2] != ["word", "right"]:
                    raise PackError(f"{path}: the first line must name the columns: word, right[, kind]")
                continue
            if len(cols) < 2 or not cols[0] or not cols[1]:
                raise PackError(f"{path}: line {n}: need a word and its right form")
            kind = cols[2] if len(cols) > 2 and cols[2] in VARIANT_CONFIDENCE else "sound"
            key = (cols[1], kind)
            payload = shared.get(key)
            if payload is None:
                payload = shared[key] = Variant(cols[1], kind)
            variants[cols[0]] = payload
    return variants


class TypoRecognizer(Recognizer):
    family = "typo"
    skip_corrections = True

    def __init__(self, rules: RuleSet):
        super().__init__(rules)
        self.variants = load_variants(rules.data_files("typo", ".tsv"))
        self._folded: dict[str, str] = {}

    def terms(self) -> Iterator[tuple[str, object]]:
        yield from super().terms()
        yield from self.variants.items()

    # -- findings ---------------------------------------------------------------------

    def analyze(self, doc: Document, hits: list[Hit]) -> Iterable[Finding]:
        found: list[tuple[int, Finding]] = []  # (priority, finding); 0 = curated, 1 = rule, 2 = generated
        for hit in hits:
            if hit.gap not in ("none", "soft") or not self._exact(doc, hit):
                continue
            payload = hit.payload
            if isinstance(payload, Entry):
                finding = self.entry_finding(doc, hit, payload)
                if finding is not None:
                    found.append((0, finding))
            elif isinstance(payload, Variant):
                finding = self.variant_finding(doc, hit, payload)
                if finding is not None:
                    found.append((2, finding))
        found.extend((1, f) for f in self.rule_findings(doc))
        if len(doc.segments) > 1:
            # decoded scripts are code, not prose
            found = [pf for pf in found if (seg := doc.segment_at(pf[1].start)) is None or seg.kind != "script"]
        return self._resolve(found)

    def _exact(self, doc: Document, hit: Hit) -> bool:
        """The scanner collapses repeats and skips noise; a typo must be the word as written."""
        want = self._folded.get(hit.word)
        if want is None:
            want = self._folded[hit.word] = _LAYOUT_RE.sub("", fold(hit.word))
        span = doc.folded[hit.start:hit.end]
        return span == want or _LAYOUT_RE.sub("", span) == want

    def entry_finding(self, doc: Document, hit: Hit, entry: Entry) -> Finding | None:
        finding = super().entry_finding(doc, hit, entry)
        if finding is None or not entry.suggestion:
            return finding
        return Finding(
            category=finding.category,
            rule=finding.rule,
            severity=finding.severity,
            start=finding.start,
            end=finding.end,
            text=finding.text,
            message=f"{entry.message}：“{finding.text}”应为“{entry.suggestion}”",
            suggestion=entry.suggestion,
            confidence=finding.confidence,
        )

    def variant_finding(self, doc: Document, hit: Hit, variant: Variant) -> Finding | None:
        # A variant that folds to its right form (叁/三, a traditional form) is no misspelling.
        if self._folded[hit.word] == fold(variant.right) or in_explicit_correction(doc, hit.start, hit.end):
            return None
        text = doc.text[hit.start:hit.end]
        confidence = VARIANT_CONFIDENCE[variant.kind] * GAP_CONFIDENCE.get(hit.gap, 0.8)
        return Finding(
            category="typo",
            rule=f"typo:{variant.kind}-variant",
            severity="low",
            start=hit.start,
            end=hit.end,
            text=text,
            message=f"疑似错别字（{VARIANT_LABEL[variant.kind]}字）：“{text}”应为“{variant.right}”",
            suggestion=variant.right,
            confidence=round(confidence, 3),
        )

    def rule_findings(self, doc: Document) -> Iterator[Finding]:
        text, folded = doc.text, doc.folded
        if "截止" in folded:
            for m in _JIEZHI_RE.finditer(folded):
                start, end = m.span()
                if in_explicit_correction(doc, start, end):
                    continue
                # At the head of a clause (截止2024年底，…) it can only mean "up to"; after a
                # subject (报名截止6月30日) it may be a clipped 截止于: say so more softly.
                head = start == 0 or folded[start - 1] in _CLAUSE_START
                yield Finding(
                    category="typo",
                    rule="typo:jiezhi-date",
                    severity="medium" if head else "low",
                    start=start,
                    end=end,
                    text=text[start:end],
                    message=f"“{text[start:end]}”后接时间点，表示“到某时为止”应写作“截至”",
                    suggestion="截至",
                    confidence=0.85 if head else 0.6,
                )
        if "辞职" in folded:
            for m in _ZHICI_RE.finditer(folded):
                start, end = m.span(1)
                if in_explicit_correction(doc, start, end):
                    continue
                yield Finding(
                    category="typo",
                    rule="typo:zhici",
                    severity="medium",
                    start=start,
                    end=end,
                    text=text[start:end],
                    message="在仪式、会议上讲话应为“致辞”，“辞职”意为辞去职务",
                    suggestion="致辞",
                    confidence=0.75,
                )

    @staticmethod
    def _resolve(found: list[tuple[int, Finding]]) -> list[Finding]:
        """Keep the best finding where several overlap.

        A finding inside a longer one is dropped (财政拔款 over 拔款); a generated variant
        that overlaps a curated or rule finding is dropped; otherwise overlapping findings
        of the same priority are both kept.
        """
        if len(found) <= 1:
            return [f for _, f in found]
        order = sorted(
            found,
            key=lambda pf: (pf[0], -(pf[1].end - pf[1].start), SEVERITY_RANK[pf[1].severity], pf[1].start),
        )
        kept: list[tuple[int, Finding]] = []
        for prio, f in order:
            if not any(_clashes(prio, f, kprio, k) for kprio, k in kept):
                kept.append((prio, f))
        return [f for _, f in kept]


def _clashes(prio: int, f: Finding, kept_prio: int, kept: Finding) -> bool:
    if kept.start <= f.start and f.end <= kept.end:
        return True  # inside a finding already kept
    # a generated variant gives way to any curated or rule finding it overlaps
    return prio == 2 and kept_prio < 2 and f.start < kept.end and kept.start < f.end
