"""Throughput, start-up and memory benchmark of ``sanshen.engine`` (issue 2, "Numbers it must reach").

One run builds tens of MB of government-style Chinese text (``bench/govtext.py``) and a
synthetic 60,000-word lexicon written as a TSV pack and loaded on top of the default packs,
then reports, each against its target:

  (a) the full ``engine.check`` throughput: one call per article (5,000–20,000 characters)
      and one call over the whole text;
  (b) the lexicon stage alone: ``Document(...)`` + ``engine.scanner.scan`` (normalisation,
      one Aho-Corasick pass, mapping hits back);
  (c) the reference: a raw ``ahocorasick_rs.AhoCorasick(words).find_matches_as_indexes(text)``
      over the same text with the same words, and the ratios lexicon/raw and full/target;
  (d) start-up of a fresh interpreter: import + default engine + one small check, and the
      same with the 60k pack;
  (e) peak RSS of a fresh interpreter holding the engine with the 60k pack after checking 1 MB;
  (f) the cost of each stage and of each family's ``analyze`` over the same articles.

The process (and the subprocesses it starts) is pinned to one CPU with ``os.sched_setaffinity``
where the platform allows it.

    python bench/bench_check.py            # 20 MB, the figures for the README
    python bench/bench_check.py --quick    # 2 MB sanity run
    python bench/bench_check.py --json     # machine-readable output on stdout
    python bench/bench_check.py --profile 2  # also cProfile the article-per-call check over 2 MB
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import os
import platform
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import ahocorasick_rs  # noqa: E402
from govtext import GovTextGenerator, synthetic_lexicon  # noqa: E402

from sanshen.engine import Engine  # noqa: E402
from sanshen.engine.document import Document, Extracted  # noqa: E402

TARGET_CHECK = 2_000_000  # chars/s, full check on one core
TARGET_RATIO = 0.25  # lexicon stage / raw ahocorasick_rs scan
TARGET_STARTUP = 1.0  # s
TARGET_RSS_MB = 300.0

SMALL_TEXT = "联系电话：13812345678，身份证号110101199003077578。澳门葡京娱乐城。2024年2月30日召开会议。"


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def pin_one_cpu() -> str:
    if not hasattr(os, "sched_setaffinity"):
        return "not pinned (os.sched_setaffinity unavailable)"
    try:
        cpus = sorted(os.sched_getaffinity(0))
        cpu = cpus[-1]  # the last allowed CPU: CPU 0 usually takes more interrupts
        os.sched_setaffinity(0, {cpu})
    except OSError as exc:
        return f"not pinned ({exc})"
    return f"pinned to CPU {cpu} of {len(cpus)} (os.sched_setaffinity; subprocesses inherit it)"


# The clock of every throughput figure: CPU time of this process by default, so that other
# processes on a shared machine do not distort the figures (``--wall`` measures elapsed time).
CLOCK: Callable[[], float] = time.process_time
LAST_WALL = [0.0]


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    """Seconds on ``CLOCK`` taken by ``fn()`` and its result; the elapsed time goes to ``LAST_WALL``."""
    gc.collect()
    w0, t0 = time.perf_counter(), CLOCK()
    result = fn()
    t1, w1 = CLOCK(), time.perf_counter()
    LAST_WALL[0] = w1 - w0
    return t1 - t0, result


def best_of(rounds: int, fn: Callable[[], object]) -> tuple[float, object]:
    """The fastest of ``rounds`` runs (other processes on the machine only ever slow a run down)."""
    runs = []
    for _ in range(max(1, rounds)):
        t, result = timed(fn)
        runs.append((t, LAST_WALL[0], result))
    t, LAST_WALL[0], result = min(runs, key=lambda run: run[0])
    return t, result


def load_average() -> float | None:
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def fresh(s: str) -> str:
    """An equal string that is a new object: its UTF-8 form is not cached yet."""
    return (s + "\x00")[:-1]


def mem_available_mb() -> float | None:
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def git_commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=HERE.parent, capture_output=True,
                             text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


# --------------------------------------------------------------------------- inputs


def write_pack(directory: Path, words: list[str], seed: int) -> Path:
    """The synthetic lexicon as a TSV pack (format: sanshen/engine/packs.py)."""
    import random

    rng = random.Random(seed)
    path = directory / "bench-synthetic-60k.tsv"
    with path.open("w", encoding="utf-8") as fh:
        fh.write("# synthetic benchmark lexicon: random words of common characters\n")
        fh.write("word\tcategory\tseverity\tmessage\n")
        for word in words:
            category = "sensitive" if rng.random() < 0.8 else "spam"
            severity = rng.choice(("medium", "low", "low"))
            fh.write(f"{word}\t{category}\t{severity}\t合成词表测试词\n")
    return path


# --------------------------------------------------------------------------- subprocess measurements

_STARTUP_CODE = r"""
import json, sys, time
def now():
    return time.perf_counter(), time.process_time()
t0 = now()
import sanshen.engine
t1 = now()
if sys.argv[1]:
    engine = sanshen.engine.Engine(rules_dirs=[sys.argv[1]])
else:
    engine = sanshen.engine.default_engine()
t2 = now()
engine.check(sys.argv[2])
t3 = now()
k = 1 if sys.argv[3] == "cpu" else 0
print(json.dumps({"import": t1[k] - t0[k], "engine": t2[k] - t1[k], "first_check": t3[k] - t2[k],
                  "inside": t3[k] - t0[k], "patterns": len(engine.scanner)}))
"""

_MEMORY_CODE = r"""
import json, resource, sys, time
def peak_mb():
    # ru_maxrss of a process started by a big parent includes the parent's peak (Linux keeps it across
    # fork and exec), so VmHWM of this process is reported too; both are peaks since start.
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    hwm = None
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    hwm = int(line.split()[1]) / 1024
    except OSError:
        pass
    return {"ru_maxrss": rss, "vmhwm": hwm}
base = peak_mb()
import sanshen.engine
engine = sanshen.engine.Engine(rules_dirs=[sys.argv[1]] if sys.argv[1] else [])
built = peak_mb()
text = open(sys.argv[2], encoding="utf-8").read()
t0 = time.perf_counter()
findings = engine.check(text)
elapsed = time.perf_counter() - t0
print(json.dumps({"interpreter": base, "after_engine": built, "after_check": peak_mb(),
                  "chars": len(text), "findings": len(findings), "check_s": elapsed}))
"""


def _children_cpu() -> float:
    import resource

    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def run_code(code: str, *args: str) -> tuple[float, dict]:
    """Run ``code`` in a fresh interpreter; its elapsed time and CPU time go into the returned dict."""
    c0, t0 = _children_cpu(), time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=HERE.parent,
                         timeout=600)
    wall, cpu = time.perf_counter() - t0, _children_cpu() - c0
    if out.returncode != 0:
        raise RuntimeError(out.stderr.strip().splitlines()[-1] if out.stderr.strip() else f"exit {out.returncode}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["process_wall_s"], result["process_cpu_s"] = wall, cpu
    return (cpu if CLOCK is time.process_time else wall), result


def startup(rules_dir: str, repeats: int) -> dict:
    """Median of ``repeats`` fresh interpreters (after one warm-up run for the file cache and .pyc files)."""
    clock = "cpu" if CLOCK is time.process_time else "wall"
    run_code(_STARTUP_CODE, rules_dir, SMALL_TEXT, clock)
    runs = [run_code(_STARTUP_CODE, rules_dir, SMALL_TEXT, clock) for _ in range(repeats)]
    times = [t for t, _ in runs]
    k = times.index(statistics.median_low(times))
    return {"s": times[k], "runs_s": times, **runs[k][1]}


# --------------------------------------------------------------------------- the benchmark


def bench(args: argparse.Namespace) -> dict:
    pinning = pin_one_cpu() if not args.no_pin else "not pinned (--no-pin)"
    load_start = load_average()
    log(f"cpu: {pinning}; load average {load_start}")
    n_chars = int(args.mb * 1_000_000)

    # -- inputs
    t_lex, lexicon = timed(lambda: synthetic_lexicon(args.words, seed=args.seed + 1))
    planted_words = lexicon[:: max(1, round(1 / args.plant_fraction))] if args.plant_fraction > 0 else []

    def generator() -> GovTextGenerator:
        return GovTextGenerator(seed=args.seed, problem_rate=args.problem_rate, plant_words=planted_words,
                                plant_rate=args.plant_rate)

    tmp = tempfile.TemporaryDirectory(prefix="sanshen-bench-")
    rules_dir = Path(tmp.name) / "rules"
    rules_dir.mkdir()
    write_pack(rules_dir, lexicon, args.seed + 2)
    sample_path = Path(tmp.name) / "sample-1mb.txt"
    # The first 1 M chars of the same text (the generator is deterministic).
    sample = "\n\n".join(generator().corpus(1_000_000, args.chunk_min, args.chunk_max))[:1_000_000]
    sample_path.write_text(sample, encoding="utf-8")
    del sample

    # -- (d) start-up and (e) memory in fresh interpreters, first: this process is still small
    # (Linux hands a parent's peak RSS on to the ru_maxrss of the processes it starts).
    sub: dict = {}
    sub_errors: dict = {}
    if args.no_subprocess:
        sub_errors["startup"] = sub_errors["memory"] = "skipped (--no-subprocess)"
    else:
        log("(d) start-up in fresh interpreters ...")
        for key, rdir in (("startup_default", ""), ("startup_60k", str(rules_dir))):
            try:
                sub[key] = startup(rdir, args.repeats)
            except (RuntimeError, subprocess.SubprocessError, json.JSONDecodeError) as exc:
                sub_errors[key] = str(exc)
        log("(e) memory in fresh interpreters ...")
        for key, rdir in (("memory_60k", str(rules_dir)), ("memory_default", "")):
            try:
                sub[key] = run_code(_MEMORY_CODE, rdir, str(sample_path))[1]
            except (RuntimeError, subprocess.SubprocessError, json.JSONDecodeError) as exc:
                sub_errors[key] = str(exc)

    gen = generator()
    t_gen, articles = timed(lambda: gen.corpus(n_chars, args.chunk_min, args.chunk_max))
    text = "\n\n".join(articles)
    chunk_chars = sum(map(len, articles))
    log(f"text: {len(text):,} chars in {len(articles):,} articles ({t_gen:.1f} s); lexicon {len(lexicon):,} words, "
        f"{len(planted_words):,} of them planted {sum(gen.planted.values()):,} times")

    t_default, default_engine = timed(Engine)
    t_engine, engine = timed(lambda: Engine(rules_dirs=[rules_dir]))
    engine.check(SMALL_TEXT)  # build lazy tables outside the timings
    n_rec = len(engine.recognizers)
    patterns = list(engine.scanner.patterns)
    log(f"engine: {len(default_engine.scanner):,} default patterns, {len(patterns):,} with the 60k pack "
        f"(built in {t_engine:.2f} s)")
    del default_engine

    res: dict = {
        "config": {
            "mb": args.mb, "seed": args.seed, "chars": len(text), "articles": len(articles),
            "article_chars_min": min(map(len, articles)), "article_chars_max": max(map(len, articles)),
            "article_chars_mean": round(chunk_chars / len(articles)), "lexicon_words": len(lexicon),
            "patterns": len(patterns), "planted_words": len(planted_words),
            "planted_occurrences": sum(gen.planted.values()), "problem_rate_per_10k": args.problem_rate,
            "cpu": pinning, "python": platform.python_version(), "machine": platform.machine(),
            "ahocorasick_rs": _version("ahocorasick_rs"), "commit": git_commit(),
            "families": [r.family for r in engine.recognizers],
            "generate_s": round(t_gen, 3), "lexicon_s": round(t_lex, 3),
            "engine_build_default_s": round(t_default, 3), "engine_build_60k_s": round(t_engine, 3),
        },
        "figures": sub,
        "errors": sub_errors,
    }
    fig = res["figures"]

    # -- (a) full check, one call per article
    log("(a) full check, one call per article ...")

    def check_articles() -> Counter:
        counts: Counter = Counter()
        for art in articles:
            for f in engine.check(art):
                counts[f.category] += 1
        return counts

    t_check, counts = best_of(args.rounds, check_articles)
    fig["check_articles_cps"] = chunk_chars / t_check
    fig["check_articles_wall_cps"] = chunk_chars / LAST_WALL[0]
    fig["check_articles_s"] = t_check
    res["findings"] = dict(sorted(counts.items()))
    res["findings_per_mchar"] = round(sum(counts.values()) / chunk_chars * 1e6, 1)

    # -- (a) full check, the whole text in one call
    need_mb = len(text) * 200 / 1e6  # generous: text, views, mappings, UTF-8 copies
    avail = mem_available_mb()
    if args.no_whole:
        res["errors"]["check_whole"] = "skipped (--no-whole)"
    elif avail is not None and avail < need_mb:
        res["errors"]["check_whole"] = f"skipped: {avail:.0f} MB available, ~{need_mb:.0f} MB needed"
    else:
        log("(a) full check, whole text in one call ...")
        t_whole, findings = timed(lambda: engine.check(text))
        fig["check_whole_cps"] = len(text) / t_whole
        fig["check_whole_wall_cps"] = len(text) / LAST_WALL[0]
        fig["check_whole_s"] = t_whole
        fig["check_whole_findings"] = len(findings)
        del findings

    # -- (b) lexicon stage alone
    log("(b) lexicon stage (Document + scanner.scan) ...")

    def lexicon_articles() -> int:
        n = 0
        for art in articles:
            for hits in engine.scanner.scan(Document(Extracted.plain(art)), n_rec):
                n += len(hits)
        return n

    t_lexstage, n_hits = best_of(args.rounds, lexicon_articles)
    fig["lexicon_articles_cps"] = chunk_chars / t_lexstage
    fig["lexicon_articles_wall_cps"] = chunk_chars / LAST_WALL[0]
    fig["lexicon_articles_s"] = t_lexstage
    fig["lexicon_hits"] = n_hits
    if "check_whole_cps" in fig:
        t_lexwhole, _ = timed(lambda: engine.scanner.scan(Document(Extracted.plain(text)), n_rec))
        fig["lexicon_whole_cps"] = len(text) / t_lexwhole

    # -- (c) the reference: raw ahocorasick_rs over the same text and words
    log("(c) raw ahocorasick_rs reference ...")
    fig.update(raw_reference(patterns, text, articles))
    fig["lexicon_vs_raw"] = fig["lexicon_articles_cps"] / fig["raw_cps"]
    fig["lexicon_vs_raw_warm"] = fig["lexicon_articles_cps"] / fig["raw_warm_cps"]
    fig["check_vs_target"] = fig["check_articles_cps"] / TARGET_CHECK

    # -- (f) stages and families, one call per article
    log("(f) stage and family costs ...")
    res["stages"], res["families"] = stage_costs(engine, articles, res["errors"])
    res["stages"]["engine rest (check minus the rows; 0 = within noise)"] = max(
        0.0, t_check - sum(res["stages"].values()) - sum(v["s"] for v in res["families"].values()))
    res["stage_chars"] = chunk_chars

    if args.profile:
        res["profile"] = profile(engine, articles, args.profile, args.profile_top)
    tmp.cleanup()
    res["config"]["load_average_start_end"] = [load_start, load_average()]
    res["config"]["bench_peak_rss_mb"] = round(_own_peak_mb(), 1)
    res["config"]["clock"] = (
        "elapsed time (--wall)" if CLOCK is time.perf_counter else
        "CPU time of the measuring process (time.process_time; for start-up: the child's user+sys time)")
    res["config"]["cpus"] = os.cpu_count()
    res["targets"] = verdicts(fig)
    return res


def _own_peak_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _version(dist: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return None


def raw_reference(patterns: list[str], text: str, articles: list[str]) -> dict:
    """Raw ahocorasick_rs scans of the same text with the same words."""
    fig: dict = {}
    t_build, automaton = timed(lambda: ahocorasick_rs.AhoCorasick(patterns))
    cold, warm = [], []
    n_matches = 0
    for _ in range(3):
        copy = fresh(text)  # a new str: its UTF-8 form is built during the scan, as for the engine's views
        t, matches = timed(lambda copy=copy: automaton.find_matches_as_indexes(copy))
        cold.append(t)
        n_matches = len(matches)
        warm.append(timed(lambda copy=copy: automaton.find_matches_as_indexes(copy))[0])
    fig["raw_cps"] = len(text) / min(cold)
    fig["raw_warm_cps"] = len(text) / min(warm)
    fig["raw_matches"] = n_matches
    fig["raw_build_s"] = t_build
    # The engine's automaton settings (contiguous NFA, overlapping matches), articles one by one.
    nfa = ahocorasick_rs.Implementation.ContiguousNFA
    t_dfa, dfa = timed(lambda: ahocorasick_rs.AhoCorasick(patterns, implementation=nfa))
    fig["raw_dfa_build_s"] = t_dfa
    copies = [fresh(a) for a in articles]
    t, _ = timed(lambda: [dfa.find_matches_as_indexes(a, overlapping=True) for a in copies])
    fig["raw_dfa_articles_cps"] = sum(map(len, articles)) / t
    return fig


def stage_costs(engine: Engine, articles: list[str], errors: dict) -> tuple[dict, dict]:
    """Seconds spent per stage of ``check`` and per family ``analyze``, summed over the articles."""
    scanner = engine.scanner
    n_rec = len(engine.recognizers)
    stages = dict.fromkeys(("Document()", "fold (doc.folded)", "squeeze (doc.squeezed)",
                            "Aho-Corasick (incl. UTF-8 encoding)", "hit mapping (scan minus AC)"), 0.0)
    fam_s = [0.0] * n_rec
    fam_n = [0] * n_rec
    fam_hits = [0] * n_rec
    fam_err: dict[int, str] = {}
    pc = CLOCK
    gc.collect()
    for art in articles:
        t0 = pc()
        doc = Document(Extracted.plain(art))
        t1 = pc()
        _ = doc.folded
        t2 = pc()
        view = doc.squeezed
        t3 = pc()
        scanner.raw_matches(view.text)  # first call: encodes the squeezed text to UTF-8
        t4 = pc()
        hits = scanner.scan(doc, n_rec)
        t5 = pc()
        scanner.raw_matches(view.text)  # the AC part of scan(), UTF-8 already cached
        t6 = pc()
        stages["Document()"] += t1 - t0
        stages["fold (doc.folded)"] += t2 - t1
        stages["squeeze (doc.squeezed)"] += t3 - t2
        stages["Aho-Corasick (incl. UTF-8 encoding)"] += t4 - t3
        stages["hit mapping (scan minus AC)"] += max(0.0, (t5 - t4) - (t6 - t5))
        for i, recognizer in enumerate(engine.recognizers):
            if i in fam_err:
                continue
            fam_hits[i] += len(hits[i])
            t0 = pc()
            try:
                fam_n[i] += sum(1 for _ in recognizer.analyze(doc, hits[i]))
            except Exception as exc:  # a family being written may fail; show it, keep measuring others
                fam_err[i] = f"{type(exc).__name__}: {exc}"
                errors[f"family {recognizer.family}"] = fam_err[i]
            fam_s[i] += pc() - t0
    families = {
        r.family: {"s": fam_s[i], "findings": fam_n[i], "hits": fam_hits[i], "error": fam_err.get(i)}
        for i, r in enumerate(engine.recognizers)
    }
    return stages, families


def profile(engine: Engine, articles: list[str], mb: float, top: int) -> str:
    limit = int(mb * 1_000_000)
    subset, size = [], 0
    for art in articles:
        if size >= limit:
            break
        subset.append(art)
        size += len(art)
    log(f"profiling the article-per-call check over {size:,} chars ...")
    prof = cProfile.Profile()
    prof.enable()
    for art in subset:
        engine.check(art)
    prof.disable()
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(top)
    return out.getvalue()


def verdicts(fig: dict) -> list[dict]:
    rows = []

    def add(name: str, value, target: str, ok: bool | None, unit: str) -> None:
        rows.append({"name": name, "value": value, "unit": unit, "target": target,
                     "result": "n/a" if ok is None else ("PASS" if ok else "FAIL")})

    add("(a) full check, one call per article", fig["check_articles_cps"], "≥ 2.00 M chars/s",
        fig["check_articles_cps"] >= TARGET_CHECK, "chars/s")
    if "check_whole_cps" in fig:
        add("(a) full check, whole text in one call", fig["check_whole_cps"], "≥ 2.00 M chars/s",
            fig["check_whole_cps"] >= TARGET_CHECK, "chars/s")
    add("(b) lexicon stage (Document + scan), per article", fig["lexicon_articles_cps"], "", None, "chars/s")
    if "lexicon_whole_cps" in fig:
        add("(b) lexicon stage, whole text in one call", fig["lexicon_whole_cps"], "", None, "chars/s")
    add("(c) raw ahocorasick_rs scan (reference)", fig["raw_cps"], "", None, "chars/s")
    add("(c) lexicon stage / raw scan", fig["lexicon_vs_raw"], "≥ 25 %", fig["lexicon_vs_raw"] >= TARGET_RATIO, "%")
    add("(c) full check / 2 M chars/s target", fig["check_vs_target"], "≥ 100 %", fig["check_vs_target"] >= 1, "%")
    for key, label in (("startup_default", "default packs"), ("startup_60k", "+ 60k pack")):
        if key in fig:
            add(f"(d) start-up, {label}", fig[key]["s"], "< 1 s", fig[key]["s"] < TARGET_STARTUP, "s")
    if "memory_60k" in fig:
        mem = fig["memory_60k"]["after_check"]
        peak = mem["vmhwm"] if mem["vmhwm"] is not None else mem["ru_maxrss"]
        add("(e) peak RSS, 60k pack, after a 1 MB check", peak, "< 300 MB", peak < TARGET_RSS_MB, "MB")
    return rows


# --------------------------------------------------------------------------- output


def fmt_value(value: float, unit: str) -> str:
    if unit == "chars/s":
        return f"{value / 1e6:8.2f} M chars/s"
    if unit == "%":
        return f"{value * 100:8.1f} %"
    if unit == "s":
        return f"{value:8.3f} s"
    return f"{value:8.1f} {unit}"


def render(res: dict) -> str:
    c, fig = res["config"], res["figures"]
    out = [
        "Sanshen engine benchmark",
        f"  text      {c['chars']:,} chars of generated government prose, {c['articles']:,} articles of "
        f"{c['article_chars_min']:,}–{c['article_chars_max']:,} chars (mean {c['article_chars_mean']:,}), "
        f"seed {c['seed']}",
        f"  lexicon   {c['lexicon_words']:,} synthetic words (TSV pack) on top of the default packs = "
        f"{c['patterns']:,} patterns; {c['planted_words']:,} words planted {c['planted_occurrences']:,} times",
        f"  machine   {c['cpu']}; Python {c['python']} {c['machine']}; ahocorasick_rs {c['ahocorasick_rs']}; "
        f"commit {c['commit']}",
        f"  load      1-minute load average {c['load_average_start_end'][0]} at start, "
        f"{c['load_average_start_end'][1]} at end, {c['cpus']} CPUs" + (
            "  (other processes were busy)"
            if max(x or 0 for x in c["load_average_start_end"]) > 1.5 else ""),
        f"  families  {', '.join(c['families'])}",
        f"  clock     {c['clock']}",
        "",
        f"{'figure':<52}{'value':>20}   {'target':<18}result",
        "-" * 100,
    ]
    for row in res["targets"]:
        out.append(f"{row['name']:<52}{fmt_value(row['value'], row['unit']):>20}   {row['target']:<18}{row['result']}")
    out.append("-" * 100)
    details = [
        ("full check per article / whole text, elapsed-time figure",
         f"{fig['check_articles_wall_cps'] / 1e6:.2f} / "
         + (f"{fig['check_whole_wall_cps'] / 1e6:.2f}" if "check_whole_wall_cps" in fig else "-") + " M chars/s"),
        ("raw scan, UTF-8 already cached (warm, best of 3)", fmt_value(fig["raw_warm_cps"], "chars/s")),
        ("lexicon stage / warm raw scan", fmt_value(fig["lexicon_vs_raw_warm"], "%")),
        ("raw overlapping scan per article (engine's automaton)", fmt_value(fig["raw_dfa_articles_cps"], "chars/s")),
        ("automaton build: default / engine's (contiguous NFA)",
         f"{fig['raw_build_s']:.2f} s / {fig['raw_dfa_build_s']:.2f} s"),
        ("engine build: default / + 60k pack (in process)",
         f"{c['engine_build_default_s']:.2f} s / {c['engine_build_60k_s']:.2f} s"),
        ("lexicon hits (all families) / raw matches", f"{fig['lexicon_hits']:,} / {fig['raw_matches']:,}"),
        ("peak RSS of this benchmark process", f"{c['bench_peak_rss_mb']:.0f} MB"),
    ]
    for key, label in (("startup_default", "default packs"), ("startup_60k", "+ 60k pack")):
        if key in fig:
            s = fig[key]
            details.append((f"start-up {label}: import / engine / 1st check",
                            f"{s['import']:.3f} / {s['engine']:.3f} / {s['first_check']:.3f} s "
                            f"(runs {', '.join(f'{w:.2f}' for w in s['runs_s'])}; elapsed {s['process_wall_s']:.2f})"))
    for key, label in (("memory_60k", "60k pack"), ("memory_default", "default packs")):
        if key in fig:
            m = fig[key]
            for src in ("vmhwm", "ru_maxrss"):
                if m["after_check"][src] is None:
                    continue
                details.append((f"peak RSS {label} ({src}): interpreter / engine / check",
                                f"{m['interpreter'][src]:.0f} / {m['after_engine'][src]:.0f} / "
                                f"{m['after_check'][src]:.0f} MB (1 MB check {m['check_s']:.2f} s)"))
    for label, value in details:
        out.append(f"  {label:<66}{value}")

    total = sum(res["stages"].values()) + sum(v["s"] for v in res["families"].values())
    n = res["stage_chars"]
    out += ["", "Where the time goes (one call per article, summed)",
            f"{'stage':<52}{'seconds':>9}{'share':>8}{'M chars/s':>11}   hits → findings", "-" * 100]
    rows = [(k, v, "") for k, v in res["stages"].items()]
    rows += [(f"family {k}.analyze", v["s"], f"{v['hits']:,} → {v['findings']:,}" + (
        f"  ERROR {v['error']}" if v["error"] else "")) for k, v in res["families"].items()]
    for name, secs, note in rows:
        speed = f"{n / secs / 1e6:11.1f}" if secs > 0 else f"{'∞':>11}"
        out.append(f"{name:<52}{secs:9.3f}{secs / total * 100:7.1f}%{speed}   {note}")
    out.append(f"{'total':<52}{total:9.3f}{100:7.1f}%{n / total / 1e6:11.2f}")
    out += ["", "Findings per category (one call per article): " + ", ".join(
        f"{k} {v:,}" for k, v in res["findings"].items()) + f"  ({res['findings_per_mchar']} per M chars)"]
    for key, err in res["errors"].items():
        out.append(f"note: {key}: {err}")
    if "profile" in res:
        out += ["", "cProfile (sorted by own time)", res["profile"]]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mb", type=float, default=20.0, help="millions of characters of text (default 20)")
    ap.add_argument("--quick", action="store_true", help="2 M characters, fewer repeats: a fast sanity run")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--words", type=int, default=60_000, help="synthetic lexicon size (default 60,000)")
    ap.add_argument("--plant-fraction", type=float, default=0.01,
                    help="fraction of lexicon words planted in the text (default 0.01)")
    ap.add_argument("--plant-rate", type=float, default=2.0, help="planted words per 10,000 chars (default 2)")
    ap.add_argument("--problem-rate", type=float, default=1.0,
                    help="planted problems (leaks, spam, typos…) per 10,000 chars (default 1)")
    ap.add_argument("--chunk-min", type=int, default=5_000)
    ap.add_argument("--chunk-max", type=int, default=20_000)
    ap.add_argument("--repeats", type=int, default=3, help="start-up runs (median is reported)")
    ap.add_argument("--rounds", type=int, default=2,
                    help="runs of the throughput measurements (a) and (b); the fastest is reported")
    ap.add_argument("--no-whole", action="store_true", help="skip the whole-text-in-one-call check")
    ap.add_argument("--no-subprocess", action="store_true", help="skip start-up and memory measurements")
    ap.add_argument("--no-pin", action="store_true", help="do not pin the process to one CPU")
    ap.add_argument("--profile", type=float, metavar="MB", default=0.0,
                    help="also cProfile the article-per-call check over this many M chars")
    ap.add_argument("--profile-top", type=int, default=30)
    ap.add_argument("--wall", action="store_true",
                    help="time with the elapsed (wall-clock) time instead of this process's CPU time")
    ap.add_argument("--json", action="store_true", help="print the results as JSON on stdout")
    args = ap.parse_args(argv)
    if args.quick:
        args.mb = min(args.mb, 2.0)
        args.repeats = min(args.repeats, 2)
        args.rounds = 1
    global CLOCK
    if args.wall:
        CLOCK = time.perf_counter
    res = bench(args)
    if args.json:
        print(json.dumps(res, ensure_ascii=False, indent=2, default=str))
    else:
        print(render(res))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
