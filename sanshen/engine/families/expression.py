"""Check family ``expression`` (严重表述错误): wrong forms of names and formulations.

Three sources, all found through the shared scanner:

* rule packs ``data/packs/expression-*.yaml``: wrong→right pairs (国家名称, 重要表述, 机构名称,
  地名, 涉港澳台). Entries tagged ``固定表述`` also report the one-character same-sound slips of
  their suggestion (and for formulations of seven characters or more, one dropped character),
  generated here, so the packs list by hand only the slips sound cannot predict. Entries
  tagged ``固定表述`` or ``规范提法`` of five characters or more also report a key word replaced
  by another real word (思想 → 理论, 核心 → 中心: see ``_WORD_SLIPS``);
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
STANDARD_TAG = "规范提法"  # listed by hand; only key-word substitutions are generated for these
_MIN_SOUND = 5  # shorter formulations (四个意识) are listed by hand: a slip there is often prose
# A dropped character may leave an ordinary phrase (中国式现代化 → 中国现代化, 全面从严治党 → …):
# only long formulations get missing-character variants.
_MIN_MISSING = 7
# A key word of a formulation replaced by another real word (习近平新时代中国特色社会主义理论):
# sound does not predict these, so the usual substitutes are listed. Only formulations of five
# characters or more get them, and a result that is part of another right form is dropped
# (社会主义核心价值体系 is itself a formulation, so 价值观 → 价值体系 is not listed).
_WORD_SLIPS: dict[str, tuple[str, ...]] = {
    "思想": ("理论", "精神", "理念", "思维", "学说"),
    "新时代": ("新时期", "新阶段", "新世纪", "新时代的"),
    "特色": ("特点", "特性", "特征"),
    "复兴": ("振兴", "复苏"),
    "伟大": ("宏伟",),
    "共同体": ("联合体", "统一体", "综合体"),
    "意识": ("观念", "理念", "意志"),
    "同志": ("主席", "先生"),
    "核心": ("中心",),
    "全过程": ("全方位", "全流程", "全链条"),
    "从严": ("从紧",),
    "规定": ("规矩", "规则"),
    "政治协商": ("政治协调",),
}
_MIN_WORD = 5
# What may stand between the characters of a generated slip in the text: spaces and symbols,
# not sentence punctuation (the scanner drops those matches anyway).
_NOISE_RE = re.compile(r"[\s\u200b-\u200f\u2060\ufeff\u00ad!-/:-@\[-`{-~·•・…—–―★☆※◆◇■□●○◎▲△▼▽～]+")


@dataclass(frozen=True, slots=True, eq=False)
class Variant:
    """A generated slip of a formulation, reported with its entry's severity and suggestion."""

    entry: Entry
    word: str
    kind: str  # "sound" | "missing" | "word"


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
        formulations = [e for e in self.entries if e.tag in (FORMULATION_TAG, STANDARD_TAG) and e.suggestion]
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
            if len(right) >= _MIN_WORD:
                for key, others in _WORD_SLIPS.items():
                    for m in re.finditer(re.escape(key), right):
                        if fixed.intersection(range(m.start(), m.end())):
                            continue
                        candidates.extend((right[:m.start()] + o + right[m.end():], "word") for o in others)
            if entry.tag != FORMULATION_TAG:
                candidates = [c for c in candidates if c[1] == "word"]
            elif len(right) >= _MIN_SOUND:
                for i in range(1, len(right) - 1):
                    ch = right[i]
                    if i in fixed or ch in FUNCTION_CHARS:
                        continue
                    for other in homophones(ch):
                        if other not in FUNCTION_CHARS:
                            candidates.append((right[:i] + other + right[i + 1:], "sound"))
            if len(right) >= _MIN_MISSING and entry.tag == FORMULATION_TAG:
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
        how = {"sound": "疑为同音字误写", "missing": "疑漏字", "word": "关键词被替换"}[variant.kind]
        base = {"sound": 0.85, "missing": 0.8, "word": 0.8}[variant.kind]
        return Finding(
            category=self.family, rule=entry.rule_for(hit.word), severity=entry.severity,
            start=hit.start, end=hit.end,
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
