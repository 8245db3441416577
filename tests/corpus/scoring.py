"""Load the labelled corpus, run the engine over it and score the findings.

Used by ``bench/quality.py`` (the report) and ``tests/engine/test_corpus.py`` (the gate); the
engine itself knows nothing about this module.

Corpus layout (``tests/corpus/``):

* ``cases/<category>.yaml`` (and ``cases/clean.yaml``): ``{category: str, cases: [case...]}``.
  A case has ``id``, ``text`` (or ``format: html`` with ``html``), optional ``as_of``
  (YYYY-MM-DD), ``expect`` (list of ``{category, text, severity_at_least?, occurrence?,
  optional?}``), optional ``also_ok`` (categories whose unexpected findings are tolerated on
  this case) and ``note``.
* ``clean/*.txt``: clean government prose that must not give ``veto``/``high`` findings.

Scoring rules:

* An expectation is located at the ``occurrence``-th (default first) occurrence of its text in
  the text the engine checked (for HTML, the extracted text).
* A finding *hits* an expectation when it has the same category and its span overlaps the
  expectation's span. The expectation counts as a true positive when a hit has at least the
  required severity; otherwise it is a false negative (a hit that is too weak is reported as such).
* ``optional`` expectations mark text that may rightly be flagged (a name next to a leaked ID,
  the rest of a spam passage, the second copy of a hidden anchor in the link list): they are
  never counted as misses, and a finding on *any* occurrence of their text is not a false alarm.
* Every other finding is a false positive of *its own* category: on hard negatives and clean
  cases any finding; on positive cases findings that hit no expectation, unless their
  category is listed in ``also_ok``. Several findings hitting the same expectation count once.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

CORPUS_DIR = Path(__file__).resolve().parent
CASES_DIR = CORPUS_DIR / "cases"
CLEAN_DIR = CORPUS_DIR / "clean"

CATEGORIES = ("sensitive", "expression", "typo", "privacy", "secret", "spam", "link", "format")
FILE_CATEGORIES = (*CATEGORIES, "clean")
SEVERITIES = ("veto", "high", "medium", "low")
SEVERITY_RANK = {name: rank for rank, name in enumerate(SEVERITIES)}

CASE_KEYS = {"id", "text", "html", "format", "as_of", "expect", "also_ok", "note"}
EXPECT_KEYS = {"category", "text", "severity_at_least", "occurrence", "optional"}


# ---------------------------------------------------------------------------------------------
# The corpus


@dataclass(frozen=True)
class Expectation:
    category: str
    text: str
    severity_at_least: str | None = None
    occurrence: int = 1
    optional: bool = False


@dataclass
class Case:
    id: str
    file: str  # the category of the file it came from ("clean" for clean.yaml)
    text: str | None
    html: str | None
    as_of: str | None
    expect: list[Expectation]
    also_ok: tuple[str, ...]
    note: str
    raw: dict = field(repr=False, default_factory=dict)

    @property
    def is_html(self) -> bool:
        return self.html is not None

    @property
    def is_positive(self) -> bool:
        return any(not e.optional for e in self.expect)

    @property
    def source(self) -> str:
        return self.html if self.html is not None else (self.text or "")


class CorpusError(Exception):
    """The corpus files cannot be read at all (bad YAML, wrong top-level shape)."""


def _as_date_string(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def load_cases(cases_dir: Path | str = CASES_DIR) -> list[Case]:
    """Read every ``*.yaml`` under ``cases_dir``. Shape problems inside cases are left for
    :func:`validate_cases`; only unreadable files raise :class:`CorpusError`."""
    cases: list[Case] = []
    for path in sorted(Path(cases_dir).glob("*.yaml")):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise CorpusError(f"{path.name}: {exc}") from exc
        if not isinstance(data, dict) or not isinstance(data.get("cases"), list):
            raise CorpusError(f"{path.name}: expected a mapping with a 'cases' list")
        file_category = str(data.get("category", path.stem))
        for raw in data["cases"]:
            if not isinstance(raw, dict):
                raise CorpusError(f"{path.name}: a case is not a mapping: {raw!r}")
            expect = []
            for item in raw.get("expect") or []:
                if not isinstance(item, dict):
                    expect.append(Expectation(category="?", text=repr(item)))
                    continue
                expect.append(Expectation(
                    category=item.get("category"),
                    text=item.get("text"),
                    severity_at_least=item.get("severity_at_least"),
                    occurrence=item.get("occurrence", 1),
                    optional=bool(item.get("optional", False)),
                ))
            cases.append(Case(
                id=raw.get("id"),
                file=file_category,
                text=raw.get("text"),
                html=raw.get("html"),
                as_of=_as_date_string(raw.get("as_of")),
                expect=expect,
                also_ok=tuple(raw.get("also_ok") or ()),
                note=raw.get("note") or "",
                raw=raw,
            ))
    return cases


_ATOB = re.compile(r"""atob\(\s*(['"])([A-Za-z0-9+/=\s]+)\1\s*\)""")


def decoded_scripts(html: str) -> list[str]:
    """The strings passed as literals to ``atob(...)`` in an HTML source, decoded (UTF-8)."""
    out = []
    for match in _ATOB.finditer(html):
        try:
            out.append(base64.b64decode("".join(match.group(2).split())).decode("utf-8", "replace"))
        except (binascii.Error, ValueError):
            continue
    return out


def validate_cases(cases: Iterable[Case]) -> list[str]:
    """Schema problems of the corpus, one line each (empty: the corpus is well-formed)."""
    errors: list[str] = []
    seen: Counter[str] = Counter()
    for case in cases:
        where = f"{case.file}.yaml:{case.id}"
        if not isinstance(case.id, str) or not case.id:
            errors.append(f"{where}: missing id")
            continue
        seen[case.id] += 1
        if case.file not in FILE_CATEGORIES:
            errors.append(f"{where}: file category {case.file!r} is not one of {FILE_CATEGORIES}")
        unknown = set(case.raw) - CASE_KEYS
        if unknown:
            errors.append(f"{where}: unknown keys {sorted(unknown)}")
        fmt = case.raw.get("format", "text")
        if fmt not in ("text", "html"):
            errors.append(f"{where}: format must be text or html, not {fmt!r}")
        if fmt == "html":
            if not isinstance(case.html, str) or not case.html.strip() or case.text is not None:
                errors.append(f"{where}: an html case needs 'html' (and no 'text')")
        else:
            if not isinstance(case.text, str) or not case.text.strip() or case.html is not None:
                errors.append(f"{where}: a text case needs 'text' (and no 'html'; set format: html)")
        if not case.note or not isinstance(case.note, str):
            errors.append(f"{where}: missing note")
        if "expect" not in case.raw or not isinstance(case.raw.get("expect"), list):
            errors.append(f"{where}: 'expect' must be a list (use [] for a hard negative)")
        if case.as_of is not None:
            try:
                dt.date.fromisoformat(case.as_of)
            except ValueError:
                errors.append(f"{where}: as_of {case.as_of!r} is not YYYY-MM-DD")
        for cat in case.also_ok:
            if cat not in CATEGORIES:
                errors.append(f"{where}: also_ok category {cat!r} unknown")
        source = case.source
        haystacks = [source, *decoded_scripts(source)] if case.is_html else [source]
        for raw_item, exp in zip(case.raw.get("expect") or [], case.expect, strict=False):
            if isinstance(raw_item, dict):
                unknown = set(raw_item) - EXPECT_KEYS
                if unknown:
                    errors.append(f"{where}: expectation has unknown keys {sorted(unknown)}")
            if exp.category not in CATEGORIES:
                errors.append(f"{where}: expectation category {exp.category!r} unknown")
            if not isinstance(exp.text, str) or not exp.text:
                errors.append(f"{where}: expectation text must be a non-empty string, got {exp.text!r}")
                continue
            if exp.severity_at_least is not None and exp.severity_at_least not in SEVERITY_RANK:
                errors.append(f"{where}: severity_at_least {exp.severity_at_least!r} unknown")
            if not isinstance(exp.occurrence, int) or exp.occurrence < 1:
                errors.append(f"{where}: occurrence must be a positive integer")
                continue
            if not any(hay.count(exp.text) >= exp.occurrence for hay in haystacks):
                errors.append(f"{where}: expected text {exp.text!r} (occurrence {exp.occurrence}) not in the case")
        if case.file == "clean" and case.expect:
            errors.append(f"{where}: clean cases expect nothing")
        if case.file in CATEGORIES and case.is_positive and not any(
            e.category == case.file and not e.optional for e in case.expect
        ):
            errors.append(f"{where}: a positive case in {case.file}.yaml must expect a {case.file} finding")
    for case_id, n in seen.items():
        if n > 1:
            errors.append(f"duplicate id {case_id!r} ({n} times)")
    return errors


def clean_files(clean_dir: Path | str = CLEAN_DIR) -> list[Path]:
    return sorted(Path(clean_dir).glob("*.txt"))


# ---------------------------------------------------------------------------------------------
# Running the engine and matching


@dataclass
class Located:
    expectation: Expectation
    start: int | None  # None: the expected text is not in the checked text
    end: int | None
    spans: list[tuple[int, int]] = field(default_factory=list)  # where a finding may hit it


@dataclass
class Outcome:
    """What happened to one expectation."""

    case: Case
    located: Located
    status: str  # "hit" | "miss" | "weak" | "absent" (text not in the checked text) | "optional"
    findings: list[Any] = field(default_factory=list)
    checked_text: str = ""

    def excerpt(self) -> str:
        loc = self.located
        if loc.start is None:
            return loc.expectation.text
        return excerpt(self.checked_text, loc.start, loc.end)


@dataclass
class FalseAlarm:
    case: Case
    finding: Any
    text: str  # the checked text, for excerpts


@dataclass
class CaseResult:
    case: Case
    checked_text: str
    findings: list[Any]
    outcomes: list[Outcome]
    false_alarms: list[FalseAlarm]
    tolerated: list[Any]
    error: str | None = None


def locate(text: str, expectation: Expectation) -> Located:
    """The ``occurrence``-th place of the expected text; an optional expectation is located
    at every occurrence (a finding on any copy of tolerated text is not a false alarm)."""
    n = len(expectation.text)
    starts = []
    pos = text.find(expectation.text)
    while pos >= 0:
        starts.append(pos)
        pos = text.find(expectation.text, pos + 1)
    if len(starts) < expectation.occurrence:
        return Located(expectation, None, None)
    start = starts[expectation.occurrence - 1]
    spans = [(p, p + n) for p in starts] if expectation.optional else [(start, start + n)]
    return Located(expectation, start, start + n, spans)


def overlaps(f_start: int, f_end: int, start: int, end: int) -> bool:
    if f_end <= f_start:  # an empty span marks a point
        return start <= f_start < end
    return f_start < end and start < f_end


def severity_ok(finding_severity: str, required: str | None) -> bool:
    if required is None:
        return True
    return SEVERITY_RANK.get(finding_severity, 99) <= SEVERITY_RANK[required]


def match_case(case: Case, checked_text: str, findings: list[Any]) -> CaseResult:
    located = [locate(checked_text, e) for e in case.expect]
    hits: dict[int, list[Any]] = {i: [] for i in range(len(located))}
    false_alarms: list[FalseAlarm] = []
    tolerated: list[Any] = []
    for f in findings:
        matched = False
        for i, loc in enumerate(located):
            if loc.start is None or loc.expectation.category != f.category:
                continue
            if any(overlaps(f.start, f.end, a, b) for a, b in loc.spans):
                hits[i].append(f)
                matched = True
        if matched:
            continue
        if f.category in case.also_ok:
            tolerated.append(f)
        else:
            false_alarms.append(FalseAlarm(case, f, checked_text))
    outcomes = []
    for i, loc in enumerate(located):
        exp = loc.expectation
        found = hits[i]
        if exp.optional:
            status = "optional"
        elif loc.start is None:
            status = "absent"
        elif any(severity_ok(f.severity, exp.severity_at_least) for f in found):
            status = "hit"
        elif found:
            status = "weak"
        else:
            status = "miss"
        outcomes.append(Outcome(case, loc, status, found, checked_text))
    return CaseResult(case, checked_text, list(findings), outcomes, false_alarms, tolerated)


CheckFn = Callable[..., list[Any]]
ExtractFn = Callable[[bytes, str], Any]


def default_engine() -> tuple[CheckFn, ExtractFn]:
    from sanshen.engine import check, extract_bytes

    return check, extract_bytes


def run_case(case: Case, check: CheckFn, extract: ExtractFn) -> CaseResult:
    try:
        if case.is_html:
            extracted = extract(case.html.encode("utf-8"), f"{case.id}.html")
            checked_text = extracted.text
            findings = check(extracted, as_of=case.as_of)
        else:
            checked_text = case.text
            findings = check(case.text, as_of=case.as_of)
    except Exception as exc:  # a crash on one case is reported, not fatal
        result = match_case(case, case.text or "", [])
        result.error = f"{type(exc).__name__}: {exc}"
        return result
    return match_case(case, checked_text, list(findings))


@dataclass
class CategoryScore:
    category: str
    tp: int = 0
    fp: int = 0
    fn: int = 0
    weak: int = 0  # part of fn: found, but with a lower severity than required
    positives: int = 0  # cases of this file with expectations
    negatives: int = 0  # hard negatives in this file

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    def to_dict(self) -> dict:
        return {
            "tp": self.tp, "fp": self.fp, "fn": self.fn, "weak": self.weak,
            "precision": self.precision, "recall": self.recall,
            "positive_cases": self.positives, "negative_cases": self.negatives,
        }


@dataclass
class Report:
    results: list[CaseResult]
    scores: dict[str, CategoryScore]
    total: CategoryScore

    @property
    def misses(self) -> list[Outcome]:
        return [o for r in self.results for o in r.outcomes if o.status in ("miss", "weak", "absent")]

    @property
    def false_alarms(self) -> list[FalseAlarm]:
        return [fa for r in self.results for fa in r.false_alarms]

    @property
    def errors(self) -> list[CaseResult]:
        return [r for r in self.results if r.error]


def score(results: list[CaseResult]) -> Report:
    scores = {c: CategoryScore(c) for c in CATEGORIES}
    for r in results:
        if r.case.file in scores:
            if r.case.is_positive:
                scores[r.case.file].positives += 1
            else:
                scores[r.case.file].negatives += 1
        for o in r.outcomes:
            s = scores[o.located.expectation.category]
            if o.status == "hit":
                s.tp += 1
            elif o.status in ("miss", "weak", "absent"):
                s.fn += 1
                if o.status == "weak":
                    s.weak += 1
        for fa in r.false_alarms:
            scores[fa.finding.category].fp += 1
    total = CategoryScore("all")
    for s in scores.values():
        total.tp += s.tp
        total.fp += s.fp
        total.fn += s.fn
        total.weak += s.weak
        total.positives += s.positives
        total.negatives += s.negatives
    return Report(results, scores, total)


def evaluate(
    cases: list[Case] | None = None,
    check: CheckFn | None = None,
    extract: ExtractFn | None = None,
) -> Report:
    """Run the engine (by default ``sanshen.engine``) on the corpus and score it."""
    if cases is None:
        cases = load_cases()
    if check is None or extract is None:
        default_check, default_extract = default_engine()
        check = check or default_check
        extract = extract or default_extract
    return score([run_case(c, check, extract) for c in cases])


@dataclass
class CleanReport:
    files: int
    chars: int
    by_severity: dict[str, int]
    by_category: dict[str, int]
    serious: list[tuple[str, Any, str]]  # (file name, finding, excerpt) for veto/high
    errors: list[str]


def check_clean_files(paths: Iterable[Path] | None = None, check: CheckFn | None = None) -> CleanReport:
    """Run the engine over the clean prose files and count findings by severity."""
    if paths is None:
        paths = clean_files()
    if check is None:
        check = default_engine()[0]
    by_severity = dict.fromkeys(SEVERITIES, 0)
    by_category: Counter[str] = Counter()
    serious: list[tuple[str, Any, str]] = []
    errors: list[str] = []
    n_files = n_chars = 0
    for path in paths:
        text = Path(path).read_text(encoding="utf-8")
        n_files += 1
        n_chars += len(text)
        try:
            findings = check(text)
        except Exception as exc:
            errors.append(f"{Path(path).name}: {type(exc).__name__}: {exc}")
            continue
        for f in findings:
            by_severity[f.severity] = by_severity.get(f.severity, 0) + 1
            by_category[f.category] += 1
            if f.severity in ("veto", "high"):
                serious.append((Path(path).name, f, excerpt(text, f.start, f.end)))
    return CleanReport(n_files, n_chars, by_severity, dict(by_category), serious, errors)


def excerpt(text: str, start: int, end: int, width: int = 14) -> str:
    """``text[start:end]`` marked with 【】 inside a little context, on one line."""
    a = max(0, start - width)
    b = min(len(text), end + width)
    s = f"{'…' if a else ''}{text[a:start]}【{text[start:end]}】{text[end:b]}{'…' if b < len(text) else ''}"
    return " ".join(s.split())


def below(report: Report, min_precision: float | None = None, min_recall: float | None = None) -> list[str]:
    """Categories under the thresholds, one line each (an undefined ratio is not a failure)."""
    out = []
    for cat, s in report.scores.items():
        if min_precision is not None and s.precision is not None and s.precision < min_precision:
            out.append(f"{cat}: precision {s.precision:.3f} < {min_precision}")
        if min_recall is not None and s.recall is not None and s.recall < min_recall:
            out.append(f"{cat}: recall {s.recall:.3f} < {min_recall}")
    return out
