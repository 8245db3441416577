"""Check family ``expression`` (严重表述错误): wrong forms of names and formulations.

Three sources, all found through the shared scanner:

* rule packs ``data/packs/expression-*.yaml``: wrong→right pairs (国家名称, 重要表述, 机构名称,
  地名, 涉港澳台). Entries tagged ``固定表述`` also report the one-character same-sound slips of
  their suggestion (and for formulations of seven characters or more, one dropped character),
  generated here, so the packs list by hand only the slips sound cannot predict;
* the leaders knowledge base ``data/leaders/*.yaml`` (see ``leaders.py``);
* the region data ``data/regions/*.yaml`` (see ``regions.py``).

Quoted wrong forms inside an explicit correction (“中华人名共和国”应为“中华人民共和国”) are
not errors of the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..base import GAP_CONFIDENCE, Recognizer, near
from ..document import Document
from ..findings import SEVERITY_RANK, Finding
from ..lexicon import Hit
from ..normalize import normalize_term
from ..packs import Entry, RuleSet
from .leaders import LeaderChecker, NameTerm, PhraseTerm, TitleTerm, corrected, load_leaders
from .phonetics import FUNCTION_CHARS, homophones
from .regions import RegionChecker, RegionTerm, load_regions

FORMULATION_TAG = "固定表述"
_MIN_SOUND = 5  # shorter formulations (四个意识) are listed by hand: a slip there is often prose
# A dropped character may leave an ordinary phrase (中国式现代化 → 中国现代化, 全面从严治党 → …):
# only long formulations get missing-character variants.
_MIN_MISSING = 7
# What may stand between the characters of a generated slip in the text: spaces and symbols,
# not sentence punctuation (the scanner drops those matches anyway).
_NOISE_RE = re.compile(r"[\s\u200b-\u200f\u2060\ufeff\u00ad!-/:-@\[-`{-~·•・…—–―★☆※◆◇■□●○◎▲△▼▽～]+")


@dataclass(frozen=True, slots=True, eq=False)
class Variant:
    """A generated slip of a formulation, reported with its entry's severity and suggestion."""

    entry: Entry
    word: str
    kind: str  # "sound" | "missing"


class ExpressionRecognizer(Recognizer):
    family = "expression"
    skip_corrections = True

    def __init__(self, rules: RuleSet):
        super().__init__(rules)
        self.leaders = LeaderChecker(load_leaders(rules.data_files("leaders", ".yaml", ".yml")))
        self.regions = RegionChecker(load_regions(rules.data_files("regions", ".yaml", ".yml")))
        self.variants = list(self._generate_variants())

    # -- generated slips of fixed formulations

    def _generate_variants(self):
        formulations = [e for e in self.entries if e.tag == FORMULATION_TAG and e.suggestion]
        listed = {normalize_term(w) for e in self.entries for w in e.words}
        correct = "\n".join(normalize_term(e.suggestion) for e in self.entries if e.suggestion)
        names = sorted(self.leaders.names, key=len, reverse=True)
        seen: set[str] = set()
        for entry in formulations:
            right = entry.suggestion
            fixed = set()  # leader names inside are checked by the leader rules
            for name in names:
                for m in re.finditer(re.escape(name), right):
                    fixed.update(range(m.start(), m.end()))
            norm_right = normalize_term(right)
            candidates: list[tuple[str, str]] = []
            if len(right) >= _MIN_SOUND:
                for i in range(1, len(right) - 1):
                    ch = right[i]
                    if i in fixed or ch in FUNCTION_CHARS:
                        continue
                    for other in homophones(ch):
                        if other not in FUNCTION_CHARS:
                            candidates.append((right[:i] + other + right[i + 1:], "sound"))
            if len(right) >= _MIN_MISSING:
                for i in range(1, len(right) - 1):
                    if i in fixed or right[i] in (right[i - 1], right[i + 1]):
                        continue
                    candidates.append((right[:i] + right[i + 1:], "missing"))
            for word, kind in candidates:
                norm = normalize_term(word)
                if norm in seen or norm in listed or norm == norm_right:
                    continue
                if norm in correct:
                    continue
                seen.add(norm)
                yield Variant(entry, word, kind)

    # -- the family interface

    def terms(self):
        yield from super().terms()
        for variant in self.variants:
            yield variant.word, variant
        yield from self.leaders.terms()
        yield from self.regions.terms()

    def analyze(self, doc: Document, hits: list[Hit]):
        findings: list[Finding] = []
        names: list[Hit] = []
        titles: list[Hit] = []
        phrases: list[Hit] = []
        regions: list[Hit] = []
        for hit in hits:
            payload = hit.payload
            if isinstance(payload, Entry):
                finding = self.entry_finding(doc, hit, payload)
            elif isinstance(payload, Variant):
                finding = self._variant_finding(doc, hit, payload)
            else:
                if isinstance(payload, TitleTerm):
                    titles.append(hit)
                elif isinstance(payload, NameTerm):
                    names.append(hit)
                elif isinstance(payload, RegionTerm):
                    regions.append(hit)
                elif isinstance(payload, PhraseTerm):
                    phrases.append(hit)
                continue
            if finding is not None:
                findings.append(finding)
        if names or titles or phrases:
            findings.extend(self.leaders.analyze(doc, names, titles, phrases))
        if regions:
            findings.extend(self.regions.analyze(doc, regions))
        return _drop_contained(findings)

    def _variant_finding(self, doc: Document, hit: Hit, variant: Variant) -> Finding | None:
        # Only the exact characters count: the scanner also collapses repeats, which would turn
        # 中国实现现代化 into the slip 中国实现代化.
        if _NOISE_RE.sub("", doc.folded[hit.start:hit.end]) != variant.word:
            return None
        entry = variant.entry
        if entry.unless_near and near(doc, hit.start, hit.end, entry.unless_near, entry.window):
            return None
        if entry.only_near and not near(doc, hit.start, hit.end, entry.only_near, entry.window):
            return None
        if corrected(doc, hit.start, hit.end):
            return None
        how = "疑为同音字误写" if variant.kind == "sound" else "疑漏字"
        base = 0.85 if variant.kind == "sound" else 0.8
        return Finding(
            category=self.family, rule=entry.rule, severity=entry.severity, start=hit.start, end=hit.end,
            text=doc.text[hit.start:hit.end], message=f"{entry.message}（{how}）", suggestion=entry.suggestion,
            confidence=round(base * GAP_CONFIDENCE.get(hit.gap, 0.8), 3),
        )

    def entry_finding(self, doc: Document, hit: Hit, entry: Entry) -> Finding | None:
        finding = super().entry_finding(doc, hit, entry)
        if finding is not None and corrected(doc, hit.start, hit.end):
            return None
        return finding




def _drop_contained(findings: list[Finding]) -> list[Finding]:
    """Drop a finding lying inside another one that is at least as severe (one error, one report)."""
    if len(findings) < 2:
        return findings
    ordered = sorted(findings, key=lambda f: (f.start, -f.end, SEVERITY_RANK[f.severity]))
    kept: list[Finding] = []
    for f in ordered:
        if any(k.start <= f.start and f.end <= k.end and (k.start, k.end) != (f.start, f.end)
               and SEVERITY_RANK[k.severity] <= SEVERITY_RANK[f.severity] for k in kept[-8:]):
            continue
        kept.append(f)
    return kept
