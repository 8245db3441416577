#!/usr/bin/env python
"""Quality of the content-check engine on the labelled corpus in ``tests/corpus/``.

    python bench/quality.py                 # summary table
    python bench/quality.py -v              # plus every miss and false alarm
    python bench/quality.py --json          # machine-readable
    python bench/quality.py --min-precision 0.9 --min-recall 0.8   # exit 1 when a category is below
    python bench/quality.py --cases tests/corpus/holdout -v        # another case set (the holdout)

Per category: TP, FP, FN, precision, recall (matching rules in ``tests/corpus/scoring.py``), then
the findings on the clean prose files by severity with every veto/high one listed.
It is a report: the exit status is 0 unless thresholds are given and missed.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def load_scoring():
    """Import ``tests/corpus/scoring.py`` (tests/ is not a package)."""
    name = "sanshen_corpus_scoring"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / "tests" / "corpus" / "scoring.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def fmt_ratio(value: float | None) -> str:
    return "   n/a" if value is None else f"{value:6.3f}"


def finding_dict(f) -> dict:
    return {
        "category": f.category, "rule": f.rule, "severity": f.severity,
        "start": f.start, "end": f.end, "text": f.text, "message": getattr(f, "message", ""),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="list misses and false alarms")
    parser.add_argument("--json", action="store_true", help="print JSON instead of the table")
    parser.add_argument("--min-precision", type=float, default=None, help="exit 1 if a category is below")
    parser.add_argument("--min-recall", type=float, default=None, help="exit 1 if a category is below")
    parser.add_argument("--category", action="append",
                        help="only cases of these corpus files (repeatable), e.g. --category spam")
    parser.add_argument("--corpus", type=Path, default=None, help="corpus directory (default tests/corpus)")
    parser.add_argument("--cases", type=Path, default=None,
                        help="case directory (default <corpus>/cases), e.g. tests/corpus/holdout")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(ROOT))
    scoring = load_scoring()
    corpus = args.corpus or scoring.CORPUS_DIR
    cases = scoring.load_cases(args.cases or corpus / "cases")
    problems = scoring.validate_cases(cases)
    if args.category:
        cases = [c for c in cases if c.file in args.category]

    t0 = time.perf_counter()
    report = scoring.evaluate(cases)
    clean = scoring.check_clean_files(scoring.clean_files(corpus / "clean"))
    elapsed = time.perf_counter() - t0
    failures = scoring.below(report, args.min_precision, args.min_recall)

    if args.json:
        print(json.dumps({
            "categories": {c: s.to_dict() for c, s in report.scores.items()},
            "all": report.total.to_dict(),
            "cases": len(cases),
            "misses": [
                {"case": o.case.id, "category": o.located.expectation.category,
                 "expected": o.located.expectation.text, "status": o.status,
                 "required": o.located.expectation.severity_at_least,
                 "findings": [finding_dict(f) for f in o.findings]}
                for o in report.misses
            ],
            "false_alarms": [
                {"case": fa.case.id, "file": fa.case.file, **finding_dict(fa.finding),
                 "excerpt": scoring.excerpt(fa.text, fa.finding.start, fa.finding.end)}
                for fa in report.false_alarms
            ],
            "errors": [{"case": r.case.id, "error": r.error} for r in report.errors],
            "clean": {
                "files": clean.files, "chars": clean.chars, "by_severity": clean.by_severity,
                "by_category": clean.by_category,
                "serious": [{"file": name, **finding_dict(f), "excerpt": ex} for name, f, ex in clean.serious],
                "errors": clean.errors,
            },
            "corpus_problems": problems,
            "below_thresholds": failures,
            "seconds": round(elapsed, 3),
        }, ensure_ascii=False, indent=2))
        return 1 if failures else 0

    if problems:
        print(f"corpus schema problems ({len(problems)}):")
        for p in problems:
            print(f"  {p}")
        print()

    print(f"{'category':<11} {'TP':>4} {'FP':>4} {'FN':>4} {'precision':>9} {'recall':>7}   cases(+/-)")
    for cat, s in report.scores.items():
        weak = f"  ({s.weak} too weak)" if s.weak else ""
        print(f"{cat:<11} {s.tp:>4} {s.fp:>4} {s.fn:>4}    {fmt_ratio(s.precision)}  {fmt_ratio(s.recall)}"
              f"   {s.positives:>3}/{s.negatives:<3}{weak}")
    t = report.total
    print(f"{'all':<11} {t.tp:>4} {t.fp:>4} {t.fn:>4}    {fmt_ratio(t.precision)}  {fmt_ratio(t.recall)}"
          f"   {t.positives:>3}/{t.negatives:<3}  (+{sum(1 for c in cases if c.file == 'clean')} clean cases)")
    sev = ", ".join(f"{k} {v}" for k, v in clean.by_severity.items())
    print(f"\nclean prose: {clean.files} files, {clean.chars} chars: {sev}")
    for name, f, ex in clean.serious:
        print(f"  {f.severity:<5} {name} {f.category}/{f.rule}: {ex}")
    for err in clean.errors:
        print(f"  error: {err}")
    for r in report.errors:
        print(f"error in case {r.case.id}: {r.error}")

    if args.verbose:
        print(f"\nmisses ({len(report.misses)}):")
        for o in report.misses:
            exp = o.located.expectation
            if o.status == "absent":
                why = "expected text not in the extracted text"
            elif o.status == "weak":
                got = ", ".join(f"{f.severity} {f.rule}" for f in o.findings)
                why = f"found as {got}, needs ≥ {exp.severity_at_least}"
            else:
                why = "not found"
            print(f"  {exp.category:<10} {o.case.id:<9} {o.excerpt()}  [{why}]")
        print(f"\nfalse alarms ({len(report.false_alarms)}):")
        for fa in report.false_alarms:
            f = fa.finding
            print(f"  {f.category:<10} {fa.case.id:<9} {f.severity:<6} {f.rule}: "
                  f"{scoring.excerpt(fa.text, f.start, f.end)}")

    print(f"\n{len(cases)} cases + {clean.files} clean files in {elapsed:.2f}s")
    if failures:
        print("below thresholds:")
        for line in failures:
            print(f"  {line}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
