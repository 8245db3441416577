"""The patrol benchmark (`bench/bench_patrol.py`) runs: its smallest mode, without LinkChecker.

Not a timed test: it only checks that the benchmark works end to end (site server subprocess,
the patrol in its own process, the frontier fill) and reports sane figures.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "bench_patrol.py"


def _bench():
    spec = importlib.util.spec_from_file_location("bench_patrol", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_patrol_benchmark_runs_in_its_smallest_mode(capsys):
    bench = _bench()
    report = bench.run(hosts=1, pages=150, latency_ms=0, timeout=2, linkchecker=False, frontier_urls=2000)
    s = report["sanshen"]
    assert s["pages"] > 50 and s["pages_per_s"] > 0 and s["task_errors"] == 0
    assert 0 < s["ru_maxrss_mb"] < 1024
    assert "content" in s["checks"]
    assert "linkchecker" not in report
    f = report["frontier"]
    assert f["urls"] == 2000 and f["completed"] == 2000 and f["file_mb"] > 0
    bench.print_report(report)
    assert "pages/s" in capsys.readouterr().out
