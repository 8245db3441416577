"""The labelled corpus in tests/corpus/: its schema, and the engine's quality on it.

Schema tests check the corpus itself and pass whatever the engine does. The quality tests are
the gate of issue 2: per category precision >= 0.9 and recall >= 0.8, and no veto/high finding
on clean government prose. Scoring lives in tests/corpus/scoring.py (shared with
bench/quality.py).
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest
from stdnum import luhn
from stdnum.cn import ric, uscc

ROOT = Path(__file__).resolve().parents[2]
MIN_PRECISION = 0.9
MIN_RECALL = 0.8
# Minimum corpus size: positives / hard negatives per category file.
MIN_POSITIVES = {"privacy": 35, "expression": 35, "spam": 35}
MIN_POSITIVES_DEFAULT = 25
MIN_NEGATIVES = 20


def _load_scoring():
    name = "sanshen_corpus_scoring"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / "tests" / "corpus" / "scoring.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


scoring = _load_scoring()
CASES = scoring.load_cases()
HOLDOUT_DIR = ROOT / "tests" / "corpus" / "holdout"


# --------------------------------------------------------------------------------------------
# Schema (independent of the engine)


def test_corpus_schema_is_valid():
    problems = scoring.validate_cases(CASES)
    assert not problems, "\n".join(problems)


def test_case_ids_are_unique():
    ids = [c.id for c in CASES]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    assert not dupes, dupes


def test_every_category_has_a_file_and_enough_cases():
    for cat in scoring.CATEGORIES:
        mine = [c for c in CASES if c.file == cat]
        pos = sum(c.is_positive for c in mine)
        neg = len(mine) - pos
        assert pos >= MIN_POSITIVES.get(cat, MIN_POSITIVES_DEFAULT), f"{cat}: only {pos} positives"
        assert neg >= MIN_NEGATIVES, f"{cat}: only {neg} hard negatives"
    assert any(c.file == "clean" for c in CASES)


_ID18 = re.compile(r"^\d{17}[\dXx]$")
_CARD = re.compile(r"^62\d{14,17}$")


def _compact(s: str) -> str:
    s = s.translate({0xFF10 + i: ord("0") + i for i in range(10)})
    return re.sub(r"[\s\-]", "", s)


def test_privacy_numbers_in_positives_pass_their_checksums():
    """IDs and bank cards the corpus calls leaks are real-looking: valid check digits."""
    checked = 0
    for case in CASES:
        for e in case.expect:
            if e.category != "privacy":
                continue
            n = _compact(e.text)
            if _ID18.match(n):
                assert ric.is_valid(n.upper()), f"{case.id}: {e.text} fails GB 11643"
                checked += 1
            elif _CARD.match(n):
                assert luhn.is_valid(n), f"{case.id}: {e.text} fails Luhn"
                checked += 1
    assert checked >= 20


def test_negative_lookalikes_are_what_their_notes_say():
    by_id = {c.id: c for c in CASES}
    assert not ric.is_valid("530302201905160021")  # pri-n08: fails the ID checksum on purpose
    assert "530302201905160021" in by_id["pri-n08"].text
    assert uscc.is_valid("12530300015124373P")  # pri-n04: a real-shaped organisation code
    assert uscc.is_valid("11441300007187648G")  # pri-n03: the seed's 索引号 prefix


def test_clean_prose_files_exist_and_carry_no_spam_left_from_the_seeds():
    files = scoring.clean_files()
    assert len(files) >= 7
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert len(text) > 300, path.name
        if path.name.startswith("seed"):
            for leftover in ("bet", "365信誉", "久久精品", "无码", "heyzo", "(hào)", "(wù)", "??", "上传人"):
                assert leftover not in text, f"{path.name} still has {leftover!r}"


def test_scoring_matches_by_category_and_overlap():
    """The matching rules on a fake engine (so they are tested whatever the real one does)."""
    from dataclasses import dataclass

    @dataclass
    class F:
        category: str
        start: int
        end: int
        severity: str = "high"
        rule: str = "fake"
        text: str = ""

    case = scoring.Case(
        id="t", file="privacy", text="甲13987412563乙，丙", html=None, as_of=None,
        expect=[scoring.Expectation("privacy", "13987412563", "veto"),
                scoring.Expectation("privacy", "丙", optional=True)],
        also_ok=("spam",), note="",
    )
    r = scoring.match_case(case, case.text, [F("privacy", 3, 6)])
    assert [o.status for o in r.outcomes] == ["weak", "optional"] and not r.false_alarms
    r = scoring.match_case(case, case.text, [F("privacy", 0, 2, "veto"), F("typo", 0, 1), F("spam", 0, 1),
                                             F("privacy", 14, 15)])
    assert r.outcomes[0].status == "hit"
    assert [fa.finding.category for fa in r.false_alarms] == ["typo"]
    r = scoring.match_case(case, case.text, [F("privacy", 13, 14)])
    assert r.outcomes[0].status == "miss" and len(r.false_alarms) == 1
    report = scoring.score([r])
    assert (report.scores["privacy"].tp, report.scores["privacy"].fp, report.scores["privacy"].fn) == (0, 1, 1)


def test_holdout_schema_is_valid():
    """tests/corpus/holdout/: a held-out case set in the same schema, reported by
    ``bench/quality.py --cases tests/corpus/holdout``; schema only, no quality threshold here."""
    holdout = scoring.load_cases(HOLDOUT_DIR)
    problems = scoring.validate_cases(holdout)
    assert not problems, "\n".join(problems)
    assert all(c.id.startswith("ho-") for c in holdout), [c.id for c in holdout if not c.id.startswith("ho-")]
    assert not {c.id for c in holdout} & {c.id for c in CASES}
    for cat in scoring.FILE_CATEGORIES:
        mine = [c for c in holdout if c.file == cat]
        assert any(not c.is_positive for c in mine), f"holdout {cat}: no hard negative"
        assert cat == "clean" or any(c.is_positive for c in mine), f"holdout {cat}: no positive"
    for case in holdout:
        for e in case.expect:
            n = _compact(e.text).upper()
            if e.category == "privacy" and _ID18.match(n):
                assert n[-1] == ric.calc_check_digit(n), f"{case.id}: {e.text} fails GB 11643"
                ric.get_birth_date(n)
            elif e.category == "privacy" and re.match(r"^\d{16,19}$", n):
                assert luhn.is_valid(n), f"{case.id}: {e.text} fails Luhn"


# --------------------------------------------------------------------------------------------
# Quality of the engine (the gate)


@pytest.fixture(scope="module")
def report():
    return scoring.evaluate(CASES)


def test_engine_does_not_crash_on_any_case(report):
    assert not report.errors, [(r.case.id, r.error) for r in report.errors]


def test_clean_prose_has_no_veto_or_high_findings():
    clean = scoring.check_clean_files()
    assert not clean.errors, clean.errors
    assert not clean.serious, "\n".join(
        f"{name}: {f.severity} {f.category}/{f.rule}: {ex}" for name, f, ex in clean.serious
    )


@pytest.mark.parametrize("category", scoring.CATEGORIES)
def test_precision(report, category):
    s = report.scores[category]
    if s.precision is None:
        return  # no findings at all: nothing was cried wolf about (recall is checked separately)
    alarms = [f"{fa.case.id}: {fa.finding.rule} {scoring.excerpt(fa.text, fa.finding.start, fa.finding.end)}"
              for fa in report.false_alarms if fa.finding.category == category]
    assert s.precision >= MIN_PRECISION, f"{category} precision {s.precision:.3f}; false alarms:\n" + "\n".join(
        alarms)


@pytest.mark.parametrize("category", scoring.CATEGORIES)
def test_recall(report, category):
    s = report.scores[category]
    misses = [f"{o.case.id} [{o.status}]: {o.excerpt()}" for o in report.misses
              if o.located.expectation.category == category]
    assert s.recall is not None and s.recall >= MIN_RECALL, (
        f"{category} recall {s.recall}; misses:\n" + "\n".join(misses))
