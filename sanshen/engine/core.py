"""The engine: builds every family once, then checks texts with one shared lexicon pass."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from .base import Recognizer
from .document import Document, Extracted
from .findings import SEVERITY_RANK, Finding
from .lexicon import Scanner
from .packs import RuleSet, load_rules


@dataclass(frozen=True, slots=True)
class Profile:
    """Which families run and how weak a finding may be and still be reported."""

    name: str
    families: frozenset[str] | None = None  # None: all
    min_severity: str = "low"
    min_confidence: float = 0.5


PROFILES: dict[str, Profile] = {
    # Everything a reviewer should look at before publication.
    "default": Profile("default"),
    # Also weak candidates (e.g. possible typos) for a careful proof-read.
    "strict": Profile("strict", min_confidence=0.3),
    # Only what an inspector would count as a serious error: for sweeps over a site's history.
    "serious": Profile("serious", min_severity="high", min_confidence=0.6),
}


def resolve_profile(profile: str | Profile | None) -> Profile:
    if profile is None:
        return PROFILES["default"]
    if isinstance(profile, Profile):
        return profile
    try:
        return PROFILES[profile]
    except KeyError:
        raise ValueError(f"unknown profile {profile!r}; choose one of {', '.join(PROFILES)}") from None


class Engine:
    def __init__(self, rules_dirs: list[str | Path] | tuple = (), families: tuple[type[Recognizer], ...] | None = None):
        from .registry import FAMILIES

        self.rules: RuleSet = load_rules(rules_dirs)
        self.recognizers: list[Recognizer] = [cls(self.rules) for cls in (families or FAMILIES)]
        terms = [
            (word, owner, payload)
            for owner, recognizer in enumerate(self.recognizers)
            for word, payload in recognizer.terms()
        ]
        self.scanner = Scanner(terms, self.rules.whitelist)

    def recognizer(self, family: str) -> Recognizer:
        for recognizer in self.recognizers:
            if recognizer.family == family:
                return recognizer
        raise KeyError(family)

    def check(
        self,
        text: str | Extracted,
        *,
        as_of: dt.date | str | None = None,
        profile: str | Profile | None = None,
    ) -> list[Finding]:
        prof = resolve_profile(profile)
        extracted = text if isinstance(text, Extracted) else Extracted.plain(text)
        if isinstance(as_of, str):
            as_of = dt.date.fromisoformat(as_of)
        doc = Document(extracted, as_of)
        hits = self.scanner.scan(doc, len(self.recognizers))
        max_rank = SEVERITY_RANK[prof.min_severity]
        best: dict[tuple, Finding] = {}
        for recognizer, own_hits in zip(self.recognizers, hits, strict=True):
            if prof.families is not None and recognizer.family not in prof.families:
                continue
            for finding in recognizer.analyze(doc, own_hits):
                if SEVERITY_RANK[finding.severity] > max_rank or finding.confidence < prof.min_confidence:
                    continue
                key = (finding.category, finding.start, finding.end)
                kept = best.get(key)
                if kept is None or (SEVERITY_RANK[finding.severity], -finding.confidence) < (
                    SEVERITY_RANK[kept.severity], -kept.confidence
                ):
                    best[key] = finding
        return _drop_nested_same_rule(sorted(best.values(), key=lambda f: f.sort_key))


def _drop_nested_same_rule(findings: list[Finding]) -> list[Finding]:
    """Drop a finding inside a longer one of the same rule (催情药 inside 催情药水)."""
    reach: dict[tuple[str, str], int] = {}
    kept = []
    for finding in findings:  # sorted by start, longest first
        key = (finding.category, finding.rule)
        if reach.get(key, -1) >= finding.end:
            continue
        reach[key] = max(reach.get(key, -1), finding.end)
        kept.append(finding)
    return kept
