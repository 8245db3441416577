"""One machine or many: patrols on the shared database frontier, in-process (embedded mode) and on
real Celery workers over Redis, one of which is killed in the middle of the patrol.

The generated government site (tests/patrol/sitegen, ~600 pages, 30 ms added per request) is
patrolled once by the plain single-process crawler (`run_patrol`, SQLite frontier file): the
reference. Then:

- `test_embedded_patrol_matches_the_single_process_one`: `tasks.patrol_site` with Celery eager (no
  broker) runs the same patrol in this process on `DbFrontier`: same URLs, problems and columns.
- `test_two_workers_share_a_patrol_and_one_is_killed`: two `celery worker --pool=solo` subprocesses
  on a queue of their own (Redis `SANSHEN_TEST_REDIS_URL`, default db 14; missing Redis fails under
  CI=true) share the patrol; once both have completed pages, one is killed with SIGKILL. Its URLs
  come back to the survivor when their leases (4 s) run out. Asserted: every URL of the reference
  recorded exactly once (one row, done, nothing else), both workers completed pages, no page fetched
  more often than by the reference except the killed worker's pages in flight (at most once more,
  at most its concurrency of them), the run finished (``done``, complete) with the same problem
  keys and columns as the reference, planted problems of several kinds among them.

Both run on SQLite (a file database the workers share) and on PostgreSQL (`DATABASE_URL`).
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter

import pytest

from tests.patrol.sitegen.server import SiteServer

from .conftest import database_url, require_redis

REDIS_URL = os.environ.get("SANSHEN_TEST_REDIS_URL", "redis://127.0.0.1:6379/14")
PAGES = 600
LATENCY = 0.03
MAX_PAGES = 2000
MAX_DEPTH = 8
PER_HOST = 4
CONCURRENCY = 8  # pages in flight per worker (SANSHEN_PATROL_CONCURRENCY)
LEASE = 4.0
SPOT_KINDS = {"dead_link", "stale_column", "blank_column", "content", "hidden_link", "cloaking"}


def _hosts(base_url: str) -> frozenset[str]:
    from sanshen.sites.models import Site

    return Site(home_url=base_url).hosts()


def _fetch_key(entry) -> tuple:
    # The Referer of an ordinary fetch is whichever page linked there first (differs between
    # patrols); the cloaking check's Baidu referer is another identity.
    return entry.origin, entry.path, entry.user_agent, "baidu.com" in entry.referer


@pytest.fixture(scope="module")
def server():
    with SiteServer(pages=PAGES, latency=LATENCY, slow_seconds=1.0) as srv:
        yield srv


@pytest.fixture(scope="module")
def reference(server, tmp_path_factory):
    """The single-process patrol of the site: result, URLs done, fetches."""
    from sanshen.patrol.crawl import run_patrol
    from sanshen.patrol.frontier import SqliteFrontier

    state = tmp_path_factory.mktemp("reference") / "frontier.sqlite3"
    server.clear_log()
    started = time.monotonic()
    result = asyncio.run(run_patrol(
        server.base_url, allowed_hosts=_hosts(server.base_url), max_pages=MAX_PAGES, max_depth=MAX_DEPTH,
        as_of=server.as_of, state=str(state), options=_options(), per_host=PER_HOST, concurrency=CONCURRENCY,
    ))
    elapsed = time.monotonic() - started
    fetches = Counter(_fetch_key(e) for e in server.log if e.path != "/robots.txt")
    with SqliteFrontier(state) as frontier:
        records = {url: rec for url, _kind, rec in frontier.records()}
        assert frontier.pending_count() == 0
    return {"result": result, "urls": set(records), "records": records, "fetches": fetches, "elapsed": elapsed}


def _options() -> dict:
    from sanshen.sites.models import Site

    return Site(max_pages=MAX_PAGES, max_depth=MAX_DEPTH, per_host_concurrency=PER_HOST).options()


def _site(server):
    from sanshen.sites.models import Site
    from sanshen.units.models import Unit

    unit = Unit.objects.create(name="测试县人民政府", kind=Unit.Kind.COUNTY)
    return Site.objects.create(unit=unit, name="测试县人民政府网站", home_url=server.base_url, max_pages=MAX_PAGES,
                               max_depth=MAX_DEPTH, per_host_concurrency=PER_HOST)


def _keys(problems) -> set[str]:
    from sanshen.sites.models import key_hash

    return {key_hash(p.key()) for p in problems}


def _assert_same_as_reference(site, run, reference) -> list:
    """The run recorded every URL of the reference exactly once, and the same problems and columns."""
    from sanshen.sites.models import Column, PatrolUrl, Problem, UrlState

    rows = list(PatrolUrl.objects.filter(run=run).values_list("url", "state", "record"))
    urls = [url for url, _state, _rec in rows]
    assert len(urls) == len(set(urls))  # one row per URL (unique constraint), so one completion each
    assert {state for _url, state, _rec in rows} == {UrlState.DONE}
    records = {url: rec or {} for url, _state, rec in rows}
    differ = {}  # URLs whose page/error differs from the reference, for the message
    for url, rec in records.items():
        ref = reference["records"].get(url)
        if ref is not None and (bool(rec.get("page")) != bool(ref.get("page")) or rec.get("error") != ref.get("error")):
            differ[url] = {k: (rec.get(k), ref.get(k)) for k in ("status", "error", "page", "worker")}
    assert set(urls) == reference["urls"], (sorted(reference["urls"] - set(urls))[:5], differ)
    assert run.state == "done" and run.complete, (run.state, run.error)
    assert differ == {}
    assert run.pages_crawled == reference["result"].pages_crawled
    found = Problem.objects.filter(site=site, last_seen_run=run)
    assert set(found.values_list("key_hash", flat=True)) == _keys(reference["result"].problems)
    kinds = set(found.values_list("kind", flat=True))
    assert kinds >= SPOT_KINDS, SPOT_KINDS - kinds
    columns = {(c.url, c.update_class) for c in Column.objects.filter(site=site)}
    assert columns == {(c.url, c.update_class if c.update_class != "custom" else "custom")
                       for c in reference["result"].columns}
    return rows


def test_db_frontier_leases_and_exactly_once_completion(committed_db):
    """The database frontier's contract, two instances standing for two workers."""
    from sanshen.patrol.frontier import Entry
    from sanshen.sites.frontier import DbFrontier
    from sanshen.sites.models import PatrolRun, PatrolUrl, Site
    from sanshen.units.models import Unit

    home = "http://127.0.0.1:9/"
    unit = Unit.objects.create(name="测试县人民政府", kind=Unit.Kind.COUNTY)
    site = Site.objects.create(unit=unit, name="测试网站", home_url=home)
    run = PatrolRun.objects.create(site=site, state="running")
    a, b = DbFrontier(run), DbFrontier(run)
    try:
        assert a.add([Entry(home, 0)], crawl_limit=2) == 1
        assert b.add([Entry(home, 0)], crawl_limit=2) == 0  # each URL once
        (first,) = a.claim("A", 5, 0.3)
        assert b.claim("B", 5, 0.3) == []  # leased to A
        time.sleep(0.5)
        (again,) = b.claim("B", 5, 30)  # A's lease ran out (A died): handed out again
        assert (again.url, again.attempts) == (home, 2)
        # A comes back late: its completion writes nothing, not even the links it found.
        assert not a.complete(first, {"late": True}, add=[Entry(home + "late.html", 1, found_on=home)])
        assert not a.known(home + "late.html")
        links = [Entry(home + f"{n}.html", 1, found_on=home) for n in "abc"]
        assert b.complete(again, {"page": True}, add=links, crawl_limit=2)
        assert not b.complete(again, {"twice": True})  # exactly once
        assert a.record(home) == {"page": True, "worker": "B"}
        kinds = dict(PatrolUrl.objects.filter(run=run).values_list("url", "kind"))
        assert [kinds[home + f"{n}.html"] for n in "abc"] == ["crawl", "check", "check"]  # the page limit
        assert a.found_on(home + "a.html") == [home]
        assert a.add([Entry(home + "a.html", 2, found_on=home + "b.html")]) == 0
        assert a.found_on(home + "a.html") == [home, home + "b.html"]
        assert (a.pending_count(), a.done_count()) == (3, 1)
        claimed = a.claim("A", 10, 30)
        assert sorted(t.url for t in claimed) == [home + f"{n}.html" for n in "abc"]
        assert b.claim("B", 10, 30) == []
        assert a.extend(claimed[0], 30) and not b.extend(again, 30)
        assert a.release("A") == 3 and a.pending_count() == 3
        a.set_meta("allowed_hosts", ["127.0.0.1"])
        assert b.get_meta("allowed_hosts") == ["127.0.0.1"]
        a.baselines().put(home, {"v": 1, "title": "首页"})
        assert b.baselines().get(home) == {"v": 1, "title": "首页"}
        assert [(url, rec["page"]) for url, _kind, rec in b.records()] == [(home, True)]
    finally:
        a.close()
        b.close()


def test_reference_patrol_finds_the_planted_kinds(reference):
    kinds = {p.kind.value for p in reference["result"].problems}
    assert kinds >= SPOT_KINDS
    assert len(reference["urls"]) > PAGES  # pages, attachments, images, external links


def test_embedded_patrol_matches_the_single_process_one(committed_db, server, reference, settings):
    """No broker: Celery eager, one worker in this process, the database frontier."""
    from sanshen.config.celery import app
    from sanshen.sites import tasks
    from sanshen.sites.models import PatrolRun

    assert app.conf.task_always_eager
    settings.SANSHEN_PATROL_CONCURRENCY = CONCURRENCY
    site = _site(server)
    server.clear_log()
    started = time.monotonic()
    run_id = tasks.patrol_site(site.pk, as_of=server.as_of.isoformat())
    elapsed = time.monotonic() - started
    run = PatrolRun.objects.get(pk=run_id)
    _assert_same_as_reference(site, run, reference)
    fetches = Counter(_fetch_key(e) for e in server.log if e.path != "/robots.txt")
    assert fetches == reference["fetches"]
    print(f"embedded patrol: {elapsed:.1f} s (single-process reference {reference['elapsed']:.1f} s)")


# Two real workers -----------------------------------------------------------------------------


@pytest.fixture
def workers(committed_db, tmp_path, settings):
    """Two `celery worker --pool=solo` processes on a queue of their own, on the test database."""
    require_redis(REDIS_URL)
    queue = f"sanshen-patrol-test-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "sanshen.config.settings",
        "SANSHEN_DATA_DIR": str(settings.DATA_DIR),
        "DATABASE_URL": database_url(),
        "SANSHEN_CELERY_BROKER": REDIS_URL,
        "SANSHEN_PATROL_WORKERS": "2",
        "SANSHEN_PATROL_LEASE_SECONDS": str(LEASE),
        "SANSHEN_PATROL_CONCURRENCY": str(CONCURRENCY),
        "SANSHEN_LOG_LEVEL": "WARNING",
    }
    env.pop("SANSHEN_AUDIT_KEY", None)
    procs, logs = [], []
    for i in range(2):
        path = tmp_path / f"worker{i}.log"
        log = path.open("wb")
        argv = [
            sys.executable, "-m", "celery", "-A", "sanshen.config.celery", "worker",
            "--pool=solo", "-Q", queue, "-n", f"{queue}-{i}@%h",
            "--without-heartbeat", "--without-gossip", "--without-mingle", "-l", "INFO",
        ]
        procs.append(subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path))
        logs.append((path, log))
    deadline = time.monotonic() + 90
    while not all("ready" in path.read_text(errors="replace") for path, _ in logs):
        dead = [p for p in procs if p.poll() is not None]
        if dead or time.monotonic() > deadline:
            pytest.fail("Celery worker did not start:\n" + "\n".join(
                path.read_text(errors="replace")[-3000:] for path, _ in logs))
        time.sleep(0.2)

    from celery import Celery

    client = Celery("sanshen-patrol-test-client", broker=REDIS_URL, backend=REDIS_URL)

    def tail() -> str:
        for _, log in logs:
            log.flush()
        return "\n".join(f"--- worker {i} ---\n" + path.read_text(errors="replace")[-4000:]
                         for i, (path, _) in enumerate(logs))

    try:
        yield {"procs": procs, "queue": queue, "client": client, "tail": tail}
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for _, log in logs:
            log.close()
        client.close()


def test_two_workers_share_a_patrol_and_one_is_killed(workers, server, reference):
    from sanshen.sites.models import PatrolRun, PatrolUrl, UrlState

    site = _site(server)
    server.clear_log()
    started = time.monotonic()
    queue = workers["queue"]
    result = workers["client"].send_task(
        "sanshen.sites.patrol_site", args=(site.pk,),
        kwargs={"queue": queue, "as_of": server.as_of.isoformat(), "workers": 2}, queue=queue)
    try:
        run_id = result.get(timeout=120)
    finally:
        result.forget()
    pids = {proc.pid: proc for proc in workers["procs"]}

    def owner_pid(owner: str) -> int | None:
        parts = owner.split(":")
        return int(parts[1]) if len(parts) > 2 and parts[1].isdigit() else None

    # Wait until both workers have claimed pages and a good part of the site is done.
    deadline = time.monotonic() + 300
    victim = in_flight = None
    while victim is None:
        assert time.monotonic() < deadline, workers["tail"]()
        done = PatrolUrl.objects.filter(run_id=run_id, state=UrlState.DONE).count()
        claims = Counter(owner_pid(o) for o in PatrolUrl.objects.filter(
            run_id=run_id, state=UrlState.CLAIMED).values_list("lease_owner", flat=True))
        if done >= 150 and all(claims.get(pid) for pid in pids):
            victim = workers["procs"][1].pid
            os.kill(victim, signal.SIGKILL)
            killed_at = time.monotonic()
            workers["procs"][1].wait(timeout=30)
            in_flight = PatrolUrl.objects.filter(run_id=run_id, state=UrlState.CLAIMED).exclude(
                lease_owner="").values_list("lease_owner", flat=True)
            in_flight = sum(1 for o in in_flight if owner_pid(o) == victim)
            done_at_kill = done
            break
        time.sleep(0.1)
    assert in_flight <= CONCURRENCY  # claims are committed before the fetch: these are its pages in flight
    assert PatrolUrl.objects.filter(run_id=run_id).exclude(state=UrlState.DONE).exists()  # mid-patrol

    deadline = time.monotonic() + 600
    while True:
        run = PatrolRun.objects.get(pk=run_id)
        if run.state not in ("queued", "running", "finishing"):
            break
        assert time.monotonic() < deadline, workers["tail"]()
        time.sleep(0.5)
    elapsed = time.monotonic() - started
    assert run.state == "done", (run.state, run.error, workers["tail"]())

    rows = _assert_same_as_reference(site, run, reference)
    completed_by = Counter(owner_pid(rec.get("worker", "")) for _url, _state, rec in rows)
    assert completed_by[victim] > 0 and completed_by[workers["procs"][0].pid] > 0, completed_by
    assert set(completed_by) <= set(pids)

    # Fetches: as many as the single-process patrol, except the pages the killed worker had in flight
    # (fetched once more by the survivor; the cloaking check's variants of such a page too).
    fetches = Counter(_fetch_key(e) for e in server.log if e.path != "/robots.txt")
    extra = {k: n - reference["fetches"].get(k, 0) for k, n in fetches.items() if n > reference["fetches"].get(k, 0)}
    assert set(fetches) == set(reference["fetches"])  # nothing fetched that the reference did not fetch
    assert all(n == 1 for n in extra.values()), extra  # at most one fetch more than the reference
    refetched = {(origin, path) for origin, path, _ua, _baidu in extra}
    assert len(refetched) <= in_flight, (refetched, in_flight)
    assert all(n <= 2 for k, n in fetches.items() if reference["fetches"][k] == 1)
    print(f"distributed patrol: {elapsed:.1f} s, killed after {killed_at - started:.1f} s with {done_at_kill} URLs "
          f"done and {in_flight} in flight; completions {dict(completed_by)}; pages fetched again: {len(refetched)}; "
          f"single-process reference {reference['elapsed']:.1f} s")


def test_periodic_patrol_and_probe_tasks_in_eager_mode(committed_db):
    """`patrols_due` and `probe_sites` (the beat schedule's) do what the patrol_due command does."""
    from sanshen.sites import tasks
    from sanshen.sites.models import PatrolRun, Probe, Site
    from sanshen.units.models import Unit

    unit = Unit.objects.create(name="测试县人民政府", kind=Unit.Kind.COUNTY)
    site = Site.objects.create(unit=unit, name="关停的网站", home_url="http://127.0.0.1:9/", schedule="interval",
                               every_hours=24)
    assert tasks.probe_sites() == {"ok": 0, "failed": 1}
    assert Probe.objects.filter(site=site, ok=False).count() == 1
    (run_id,) = tasks.patrols_due()
    run = PatrolRun.objects.get(pk=run_id)
    assert run.state == "done" and not run.complete  # the home page did not answer
    assert set(site.problems.values_list("kind", flat=True)) == {"unavailable"}
    assert tasks.patrols_due() == []  # not due again
