"""Patrol benchmark (issue 5, "Numbers"): pages/s and peak memory of a patrol, against LinkChecker.

One run:

  1. starts the generated test site (``tests/patrol/sitegen``: ``--hosts`` government sites of
     ``--pages`` pages in all, plus the outside and gambling hosts) in a *subprocess* on loopback,
     with ``--latency-ms`` added to every answer (the server's CPU is not charged to the crawler,
     but on a small machine it shares the cores);
  2. patrols every site with Sanshen in its own subprocess (so its peak RSS is its own): one
     ``run_patrol`` per site, all concurrent in one process and one event loop, sharing one
     `Fetcher` whose per-host limit is ``--per-host`` (4); then again with the sites dealt over
     two processes (``--processes 1,2``: the GIL makes one process use one core at most; peak RSS
     is then the sum of both); every registered check on (content,
     dead links, soft 404, columns, hidden links, tampering, cloaking, outbound, anti-bot,
     availability), 15 s timeout, robots.txt obeyed, external links checked;
  3. runs LinkChecker over the same sites as the reference (``pip install linkchecker`` into the
     venv; it is not a dependency of the project): one process, ``threads`` = hosts × per-host,
     external links checked, same timeout. LinkChecker has no per-host concurrency limit, only a
     per-host gap between requests: the site answers with a ``LinkChecker`` header (LinkChecker's
     own switch for "this server allows more") and ``maxrequestspersecond`` is set high, so its
     politeness never binds more than Sanshen's (its default would be a 0.1–0.6 s gap per host);
  4. fills a `SqliteFrontier` with ``--frontier-urls`` (1,000,000) URLs in a fresh subprocess,
     claims and completes a sample, and reports its peak RSS and file size.

Pages/s = HTML pages crawled (parsed, checked, links followed) per wall-clock second; URLs/s
counts every URL fetched or checked. For LinkChecker (whose CSV has no content type),
pages = distinct URLs of the sites answered 200 whose path is a page rather than an attachment
or image, URLs = distinct URLs it logged. Peak RSS = ``ru_maxrss`` of the
measured child (``os.wait4``).

    python bench/bench_patrol.py                 # 50 hosts, 20,000 pages, 20 ms: the README figures
    python bench/bench_patrol.py --quick         # 3 hosts, 900 pages, 100,000-URL frontier
    python bench/bench_patrol.py --no-linkchecker --hosts 5 --pages 2000 --processes 1
    python bench/bench_patrol.py --json          # the figures as JSON on stdout
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_RATIO = 3.0
TARGET_RSS_MB = 1024
LINKCHECKER_HEADER = "LinkChecker: sanshen-bench"


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _hwm_mb() -> float | None:
    """Peak RSS of this process (VmHWM), MB."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _run_child(cmd: list[str], *, stdout=subprocess.PIPE, cwd=ROOT) -> tuple[str, float, float, float]:
    """Run a command; (stdout text, wall seconds, its CPU seconds, its peak RSS MB) from os.wait4."""
    started = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=stdout, stderr=None, cwd=cwd, text=True)
    out = ""
    if stdout is subprocess.PIPE:
        out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.monotonic() - started
    if proc.returncode not in (0, 1):  # LinkChecker exits 1 when it found broken links
        raise RuntimeError(f"{cmd[0]} exited with {proc.returncode}")
    return out, wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


# ---- the site ---------------------------------------------------------------------------------

class Site:
    """The generated site served by a subprocess (``python -m tests.patrol.sitegen.server``)."""

    def __init__(self, hosts: int, pages: int, latency_ms: float):
        self.hosts, self.pages, self.latency_ms = hosts, pages, latency_ms
        self.proc: subprocess.Popen | None = None
        self.urls: list[str] = []
        self.resources = 0

    def __enter__(self) -> Site:
        cmd = [sys.executable, "-u", "-m", "tests.patrol.sitegen.server", "--hosts", str(self.hosts),
               "--pages", str(self.pages), "--latency-ms", str(self.latency_ms), "--no-log",
               "--header", LINKCHECKER_HEADER]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 600
        for line in self.proc.stdout:
            if "resources on" in line:
                self.resources = int(line.split()[0])
            elif line.startswith("http://127.0.0.1"):
                self.urls.append(line.strip())
            elif line.startswith("outside:"):
                break
            if time.monotonic() > deadline:
                break
        if len(self.urls) != self.hosts:
            self.__exit__()
            raise RuntimeError("the site server did not start")
        return self

    def __exit__(self, *exc) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
            self.proc = None


# ---- Sanshen (child process) ------------------------------------------------------------------

async def _patrol_all(urls: list[str], per_host: int, timeout: float, max_pages: int) -> dict:
    from sanshen.patrol import checks as checks_module
    from sanshen.patrol.crawl import run_patrol
    from sanshen.patrol.fetch import Fetcher
    from tests.patrol.sitegen.generate import AS_OF

    fetcher = Fetcher(timeout=timeout, per_host=per_host)
    started = time.monotonic()
    try:
        results = await asyncio.gather(*[
            run_patrol(url, as_of=AS_OF, max_pages=max_pages, fetcher=fetcher, concurrency=2 * per_host,
                       checks=checks_module.new_checks())
            for url in urls
        ])
    finally:
        await fetcher.aclose()
    elapsed = time.monotonic() - started
    stats = [r.stats for r in results]
    return {
        "elapsed": elapsed,
        "pages": sum(r.pages_crawled for r in results),
        "fetches": sum(s.get("fetches", 0) for s in stats),
        "resources": sum(s.get("resources", 0) for s in stats),
        "fetch_errors": sum(s.get("fetch_errors", 0) for s in stats),
        "task_errors": sum(s.get("task_errors", 0) for s in stats),
        "problems": sum(len(r.problems) for r in results),
        "check_seconds": round(sum(s.get("check_seconds", 0.0) for s in stats), 1),
        "parse_seconds": round(sum(s.get("parse_seconds", 0.0) for s in stats), 1),
        "checks": sorted(c.name for c in checks_module.new_checks()),
        "peak_rss_mb": _hwm_mb(),
    }


def child_sanshen(args) -> None:
    urls = json.loads(Path(args.urls_file).read_text())
    result = asyncio.run(_patrol_all(urls, args.per_host, args.timeout, args.max_pages))
    print(json.dumps(result))


def run_sanshen(site: Site, *, per_host: int, timeout: float, max_pages: int, processes: int = 1) -> dict:
    """The patrol of every site in ``processes`` child processes (sites dealt round-robin; each process
    one event loop, one run_patrol per site). Wall time until the last one ends; peak RSS summed."""
    processes = max(1, min(processes, len(site.urls)))
    with tempfile.TemporaryDirectory(prefix="bench-patrol-") as tmp:
        procs = []
        started = time.monotonic()
        for k in range(processes):
            urls_file = Path(tmp) / f"urls{k}.json"
            urls_file.write_text(json.dumps(site.urls[k::processes]))
            cmd = [sys.executable, str(Path(__file__).resolve()), "--child", "sanshen", "--urls-file",
                   str(urls_file), "--per-host", str(per_host), "--timeout", str(timeout), "--max-pages",
                   str(max_pages)]
            out_file = open(Path(tmp) / f"out{k}.json", "w+")  # noqa: SIM115 (closed below)
            procs.append((subprocess.Popen(cmd, stdout=out_file, cwd=ROOT, text=True), out_file))
        parts = []
        for proc, out_file in procs:
            _, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = os.waitstatus_to_exitcode(status)
            out_file.seek(0)
            text = out_file.read()
            out_file.close()
            if proc.returncode != 0:
                raise RuntimeError(f"the patrol process exited with {proc.returncode}")
            part = json.loads(text.strip().splitlines()[-1])
            part.update(cpu=usage.ru_utime + usage.ru_stime, ru_maxrss_mb=usage.ru_maxrss / 1024)
            parts.append(part)
        wall = time.monotonic() - started
    result = {"processes": processes, "wall": wall, "elapsed": max(p["elapsed"] for p in parts),
              "checks": parts[0]["checks"]}
    for key in ("pages", "fetches", "resources", "fetch_errors", "task_errors", "problems", "check_seconds",
                "parse_seconds", "cpu", "ru_maxrss_mb", "peak_rss_mb"):
        result[key] = round(sum(p[key] for p in parts), 1) if isinstance(parts[0][key], float) else sum(
            p[key] for p in parts)
    result["ru_maxrss_mb_each"] = [round(p["ru_maxrss_mb"]) for p in parts]
    result["pages_per_s"] = result["pages"] / result["elapsed"]
    result["urls_per_s"] = result["fetches"] / result["elapsed"]
    return result


# ---- LinkChecker --------------------------------------------------------------------------------

LINKCHECKER_CONFIG = """\
[checking]
threads={threads}
timeout={timeout}
maxrequestspersecond={rate}
[filtering]
checkextern=1
[output]
status=0
"""


def run_linkchecker(site: Site, *, per_host: int, timeout: float) -> dict | None:
    exe = shutil.which("linkchecker")
    if exe is None:
        log("LinkChecker is not installed: `uv pip install linkchecker` (or pip) into the venv to compare "
            "(it is installed only for this benchmark, not a project dependency).")
        return None
    threads = len(site.urls) * per_host
    with tempfile.TemporaryDirectory(prefix="bench-linkchecker-") as tmp:
        config = Path(tmp) / "linkcheckerrc"
        # rate 1000/s: LinkChecker waits uniform(1, 6) ms between requests to one host, which never
        # binds before 4 concurrent requests with 20 ms latency do.
        config.write_text(LINKCHECKER_CONFIG.format(threads=threads, timeout=int(timeout), rate=1000))
        out_path = Path(tmp) / "out.csv"
        with open(out_path, "w") as out:
            _, wall, cpu, rss = _run_child(
                [exe, "-f", str(config), "-o", "csv", "-v", "--no-status", *site.urls], stdout=out, cwd=tmp)
        text = out_path.read_text(encoding="utf-8", errors="replace")
    from sanshen.patrol.model import LinkKind
    from sanshen.patrol.page import link_kind_for

    origins = {u.rstrip("/") for u in site.urls}
    rows = [line for line in text.splitlines() if line and not line.startswith("#")]
    urls: set[str] = set()
    pages: set[str] = set()
    for row in csv.DictReader(io.StringIO("\n".join(rows)), delimiter=";"):
        url = row.get("url") or ""
        if not url:
            continue
        urls.add(url)
        # LinkChecker logs each URL once and its CSV has no content type: an HTML page is a URL of
        # one of the sites, answered 200, whose path is a page (not an attachment, image, robots.txt),
        # which is what Sanshen counts as a crawled page.
        origin = "/".join(url.split("/", 3)[:3])
        if (origin in origins and (row.get("result") or "").startswith("200") and not url.endswith("/robots.txt")
                and link_kind_for("a", url) == LinkKind.PAGE):
            pages.add(url)
    return {"wall": wall, "elapsed": wall, "cpu": cpu, "ru_maxrss_mb": rss, "peak_rss_mb": rss, "pages": len(pages),
            "urls": len(urls), "threads": threads, "pages_per_s": len(pages) / wall, "urls_per_s": len(urls) / wall}


# ---- the frontier --------------------------------------------------------------------------------

def child_frontier(args) -> None:
    from sanshen.patrol.frontier import CHECK, CRAWL, Entry, SqliteFrontier

    n = args.frontier_urls
    with tempfile.TemporaryDirectory(prefix="bench-frontier-") as tmp:
        path = Path(tmp) / "frontier.sqlite"
        started = time.monotonic()
        with SqliteFrontier(path) as f:
            def entries():
                for i in range(n):
                    host = f"www.site{i % 50}.gov.cn"
                    column = ("zwyw", "tzgg", "zcwj", "bmdt")[i % 4]
                    url = f"http://{host}/{column}/2026{i % 12 + 1:02d}/t2026{i % 12 + 1:02d}{i % 28 + 1:02d}_{i}.html"
                    kind = CRAWL if i % 5 else CHECK
                    parent = f"http://{host}/{column}/index_{i % 500}.html"
                    yield Entry(url, depth=1 + i % 6, kind=kind, found_on=parent, link_kind="page",
                                text=f"关于做好第{i}号工作的通知")
            added = f.add(entries())
            add_seconds = time.monotonic() - started
            began = time.monotonic()
            done = 0
            sample = min(10_000, n)
            while done < sample:
                tasks = f.claim("bench", min(100, sample - done), 300.0)
                if not tasks:
                    break
                for t in tasks:
                    f.complete(t, {"status": 200, "page": True, "problems": [], "links": []})
                done += len(tasks)
            claim_seconds = time.monotonic() - began
            pending = f.pending_count()
        size = sum(p.stat().st_size for p in Path(tmp).iterdir())
    print(json.dumps({"urls": added, "add_seconds": add_seconds, "completed": done, "claim_seconds": claim_seconds,
                      "pending": pending, "file_mb": size / 2**20, "peak_rss_mb": _hwm_mb()}))


def run_frontier(n: int) -> dict:
    out, wall, cpu, rss = _run_child([sys.executable, str(Path(__file__).resolve()), "--child", "frontier",
                                      "--frontier-urls", str(n)])
    result = json.loads(out.strip().splitlines()[-1])
    result.update(wall=wall, cpu=cpu, ru_maxrss_mb=rss)
    return result


# ---- the run -----------------------------------------------------------------------------------------

def machine() -> dict:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpus": os.cpu_count(), "cpu": model, "python": platform.python_version(),
            "load_1min": round(os.getloadavg()[0], 2)}


def run(*, hosts: int, pages: int, latency_ms: float, per_host: int = 4, timeout: float = 15.0,
        linkchecker: bool = True, frontier_urls: int = 1_000_000, processes: tuple[int, ...] = (1,),
        sanshen: bool = True) -> dict:
    """Everything, as a dict (``main`` prints it). The smoke test calls this with small numbers."""
    report: dict = {"hosts": hosts, "pages_target": pages, "latency_ms": latency_ms, "per_host": per_host,
                    "timeout": timeout, "machine": machine()}
    log(f"starting the site server: {hosts} hosts, {pages} pages, {latency_ms:g} ms latency …")
    with Site(hosts, pages, latency_ms) as site:
        report["site_resources"] = site.resources
        log(f"  {site.resources} resources served; patrolling with Sanshen …")
        for n in processes if sanshen else ():
            key = "sanshen" if n == processes[0] else f"sanshen_{n}"
            report[key] = s = run_sanshen(site, per_host=per_host, timeout=timeout, max_pages=max(10_000, pages),
                                          processes=n)
            log(f"  Sanshen ({s['processes']} process(es)): {s['pages']} pages, {s['fetches']} fetches in "
                f"{s['elapsed']:.1f} s = {s['pages_per_s']:.1f} pages/s, peak RSS {s['ru_maxrss_mb']:.0f} MB")
        if linkchecker:
            log("  LinkChecker …")
            report["linkchecker"] = run_linkchecker(site, per_host=per_host, timeout=timeout)
            lc = report["linkchecker"]
            if lc:
                log(f"  LinkChecker: {lc['pages']} pages, {lc['urls']} URLs in {lc['wall']:.1f} s = "
                    f"{lc['pages_per_s']:.1f} pages/s, peak RSS {lc['ru_maxrss_mb']:.0f} MB")
    lc = report.get("linkchecker")
    if lc:
        for key in [k for k in report if k.startswith("sanshen")]:
            report[key]["ratio_pages_per_s"] = report[key]["pages_per_s"] / lc["pages_per_s"]
            report[key]["ratio_urls_per_s"] = report[key]["urls_per_s"] / lc["urls_per_s"]
    if frontier_urls:
        log(f"  frontier: {frontier_urls:,} URLs …")
        report["frontier"] = run_frontier(frontier_urls)
    report["machine"]["load_1min_end"] = round(os.getloadavg()[0], 2)
    return report


def print_report(r: dict) -> None:
    m = r["machine"]
    print(f"Patrol benchmark — {r['hosts']} hosts, {r['site_resources']} resources served, "
          f"{r['latency_ms']:g} ms added latency, per-host concurrency {r['per_host']}, timeout {r['timeout']:g} s")
    print(f"machine: {m['cpus']} CPUs ({m['cpu']}), Python {m['python']}, load {m['load_1min']} → "
          f"{m['load_1min_end']}; the site server runs in its own process on the same CPUs")
    lc = r.get("linkchecker")
    for key in [k for k in r if k.startswith("sanshen")]:
        s = r[key]
        print(f"\nSanshen, {s['processes']} patrol process(es), {len(s['checks'])} checks on "
              f"({', '.join(s['checks'])}):")
        print(f"  {s['pages']} pages crawled, {s['fetches']} URLs fetched, {s['problems']} problems, "
              f"{s['task_errors']} task errors, {s['fetch_errors']} fetch errors")
        print(f"  {s['elapsed']:.1f} s wall: {s['pages_per_s']:.1f} pages/s, {s['urls_per_s']:.1f} URLs/s; "
              f"CPU {s['cpu']:.1f} s ({1000 * s['cpu'] / max(1, s['pages']):.1f} ms/page)")
        each = f" ({' + '.join(map(str, s['ru_maxrss_mb_each']))} MB)" if s["processes"] > 1 else ""
        print(f"  peak RSS {s['ru_maxrss_mb']:.0f} MB{each} (target < {TARGET_RSS_MB} MB)")
        if lc:
            print(f"  vs LinkChecker: {s['ratio_pages_per_s']:.2f}× pages/s, {s['ratio_urls_per_s']:.2f}× URLs/s "
                  f"(target ≥ {TARGET_RATIO:g}× pages/s, with the content check on)")
    if lc:
        print(f"\nLinkChecker (reference, {lc['threads']} threads, external links on):")
        print(f"  {lc['pages']} pages parsed, {lc['urls']} URLs checked in {lc['wall']:.1f} s: "
              f"{lc['pages_per_s']:.1f} pages/s, {lc['urls_per_s']:.1f} URLs/s; CPU {lc['cpu']:.1f} s; "
              f"peak RSS {lc['ru_maxrss_mb']:.0f} MB")
    elif "linkchecker" in r:
        print("\nLinkChecker: not installed, no reference (uv pip install linkchecker)")
    f = r.get("frontier")
    if f:
        print(f"\nFrontier: {f['urls']:,} URLs added in {f['add_seconds']:.1f} s "
              f"({f['urls'] / max(f['add_seconds'], 1e-9):,.0f}/s); {f['completed']:,} claimed+completed in "
              f"{f['claim_seconds']:.1f} s; file {f['file_mb']:.0f} MB, peak RSS {f['peak_rss_mb']:.0f} MB "
              f"(VmHWM; ru_maxrss {f['ru_maxrss_mb']:.0f} MB) "
              f"(target < {TARGET_RSS_MB} MB)")


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("--quick", action="store_true", help="3 hosts, 900 pages, 100,000-URL frontier")
    p.add_argument("--hosts", type=int, default=None)
    p.add_argument("--pages", type=int, default=None)
    p.add_argument("--latency-ms", type=float, default=20.0)
    p.add_argument("--per-host", type=int, default=4)
    p.add_argument("--timeout", type=float, default=15.0)
    p.add_argument("--frontier-urls", type=int, default=None)
    p.add_argument("--no-linkchecker", action="store_true")
    p.add_argument("--no-sanshen", action="store_true", help="LinkChecker (and the frontier) only")
    p.add_argument("--processes", default="1,2",
                   help="patrol process counts to measure, comma-separated (sites dealt round-robin); default 1,2")
    p.add_argument("--json", action="store_true")
    p.add_argument("--child", choices=["sanshen", "frontier"], help=argparse.SUPPRESS)
    p.add_argument("--urls-file", help=argparse.SUPPRESS)
    p.add_argument("--max-pages", type=int, default=10_000, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child == "sanshen":
        return child_sanshen(args)
    if args.child == "frontier":
        return child_frontier(args)
    hosts = args.hosts or (3 if args.quick else 50)
    pages = args.pages or (900 if args.quick else 20_000)
    frontier_urls = args.frontier_urls if args.frontier_urls is not None else (100_000 if args.quick else 1_000_000)
    report = run(hosts=hosts, pages=pages, latency_ms=args.latency_ms, per_host=args.per_host, timeout=args.timeout,
                 linkchecker=not args.no_linkchecker, frontier_urls=frontier_urls,
                 processes=tuple(int(n) for n in args.processes.split(",") if n.strip()), sanshen=not args.no_sanshen)
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        print_report(report)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
