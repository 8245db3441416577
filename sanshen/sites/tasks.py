"""Patrols as Celery tasks: one machine or many, the same code.

- `patrol_site(site_id)`: a new `PatrolRun` (or the queued ``run_id``), its shared facts set once
  (`frontier.prepare`), the home page seeded in the database frontier (`DbFrontier`), then
  `patrol_work(run_id)` sent ``SANSHEN_PATROL_WORKERS`` times (default 2).
- `patrol_work(run_id)`: this worker's part: the crawler's loop (`Patrol.crawl`) on the shared
  frontier until nothing is pending or claimed — URLs claimed by a worker that died come back when
  their lease (``SANSHEN_PATROL_LEASE_SECONDS``) runs out; live workers renew theirs. The worker
  that then wins the run's ``running → finishing`` transition (one conditional UPDATE) finishes
  the patrol, once: the checks' site-wide verdicts over every page's stored state
  (`Patrol.finalize`), then `services.record_patrol` (one transaction, written only while this
  worker still holds the run). That UPDATE also gives the worker a finishing lease
  (``finishing_until``/``finishing_by``, ``SANSHEN_PATROL_LEASE_SECONDS``), which a thread of its
  own renews until the run is recorded.
- `recover_finishing_runs`: a run still ``finishing`` after its lease ran out (its finisher died)
  goes back to ``running`` (one conditional UPDATE: one recoverer wins) and gets one new
  `patrol_work`, which finds nothing pending and finishes it from the stored pages; the dead
  finisher's record, never committed, left nothing behind. The periodic jobs call it.
- `patrols_due` and `probe_sites`: the periodic jobs of the ``patrol_due`` command, for
  ``celery beat`` (``CELERY_BEAT_SCHEDULE``); `start_due_patrols`: ``patrols_due`` for the
  single-machine scheduler (``sanshen worker``, `sanshen.config.scheduler`), which finds it and
  `probe_sites` in `PERIODIC_JOBS` (at the end).

Without a broker (the embedded mode, Celery eager) `patrol_site` runs the patrol at once in the
calling process with one worker, through the same code.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.utils import timezone

from sanshen.config.celery import app

logger = logging.getLogger(__name__)

__all__ = ["PERIODIC_JOBS", "patrol_site", "patrol_work", "patrols_due", "probe_sites",
           "recover_finishing_runs", "start_due_patrols"]


def _eager() -> bool:
    return bool(app.conf.task_always_eager)


def _workers() -> int:
    return max(1, int(getattr(settings, "SANSHEN_PATROL_WORKERS", 2) or 1))


def _lease_seconds() -> float:
    return float(getattr(settings, "SANSHEN_PATROL_LEASE_SECONDS", 300.0) or 300.0)


@app.task(name="sanshen.sites.patrol_site", bind=True)
def patrol_site(self, site_id: int, run_id: int | None = None, workers: int | None = None,
                queue: str | None = None, as_of: str | None = None) -> int:
    """Start a patrol of the site and hand it to ``workers`` workers (default ``SANSHEN_PATROL_WORKERS``;
    one when eager) on ``queue`` (default: the queue this task came on); returns the run's id.
    ``as_of`` (YYYY-MM-DD): the day freshness is judged against (default today)."""
    from sanshen.patrol.frontier import CRAWL, Entry
    from sanshen.patrol.page import normalize_url

    from . import services
    from .frontier import DbFrontier, prepare
    from .models import PatrolRun, RunState, Site

    site = Site.objects.get(pk=site_id)
    run = PatrolRun.objects.get(pk=run_id) if run_id else services.start_patrol(site)
    if not PatrolRun.objects.filter(pk=run.pk, state=RunState.QUEUED).update(
            state=RunState.RUNNING, started_at=timezone.now()):
        return run.pk  # already started (or over): nothing to add
    home = normalize_url(site.home_url) or site.home_url
    prepare(run, home=home, as_of=as_of or timezone.localdate().isoformat())
    frontier = DbFrontier(run)
    try:
        frontier.add([Entry(home, 0, CRAWL, link_kind="page")], crawl_limit=site.max_pages)
    finally:
        frontier.close()
    count = 1 if _eager() else (workers or _workers())
    if _eager():
        queue = None
    elif not queue:
        queue = (self.request.delivery_info or {}).get("routing_key")  # the queue this task came on
    for _ in range(count):
        if queue:
            patrol_work.apply_async((run.pk,), queue=queue)
        else:
            patrol_work.delay(run.pk)
    return run.pk


@app.task(name="sanshen.sites.patrol_work")
def patrol_work(run_id: int) -> dict:
    """This worker's share of a patrol; the worker that sees it end finishes it (once)."""
    from .models import PatrolRun, RunState

    run = PatrolRun.objects.select_related("site").get(pk=run_id)
    if run.state != RunState.RUNNING:
        return {"run": run_id, "skipped": run.state}
    worker_id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    try:
        outcome = _work(run, worker_id)
    except Exception as exc:
        logger.exception("patrol %s: worker %s failed", run_id, worker_id)
        _fail(run, exc)
        return {"run": run_id, "worker": worker_id, "error": str(exc)[:300]}
    finally:
        close_old_connections()
    return outcome


def _work(run, worker_id: str) -> dict:
    from sanshen.patrol.crawl import Patrol, load_checks
    from sanshen.patrol.fetch import Fetcher

    from .frontier import DbFrontier, prune
    from .models import PatrolRun, RunState

    site = run.site
    meta = run.meta or {}
    as_of = dt.date.fromisoformat(meta["as_of"]) if meta.get("as_of") else timezone.localdate()
    frontier = DbFrontier(run)
    lease = _lease_seconds()
    frontier.heartbeat(worker_id, lease)
    last_look = [0.0]
    stopped = [False]

    def look() -> None:
        """Progress into the run, and whether it was cancelled (at most once a second)."""
        now = time.monotonic()
        if now - last_look[0] < 1.0:
            return
        last_look[0] = now

        def work():
            counts = frontier.counts()
            PatrolRun.objects.filter(pk=run.pk, state=RunState.RUNNING).update(
                pages_crawled=counts["done_crawl"], pages_total_estimate=min(counts["crawl"], site.max_pages))
            return PatrolRun.objects.filter(pk=run.pk).values_list("state", flat=True).first()

        state = frontier.call(work)
        if state not in (RunState.RUNNING, RunState.FINISHING):
            stopped[0] = True

    def stop() -> bool:
        look()
        return stopped[0]

    async def main():
        fetcher = Fetcher(per_host=site.per_host_concurrency, headless=site.headless)
        try:
            patrol = Patrol(
                site.home_url, frontier=frontier, fetcher=fetcher, checks=load_checks(),
                allowed_hosts=site.hosts(), max_pages=site.max_pages, max_depth=site.max_depth, as_of=as_of,
                options=site.options(), concurrency=int(getattr(settings, "SANSHEN_PATROL_CONCURRENCY", 8)),
                worker_id=worker_id, lease_seconds=lease,
            )
            await patrol.crawl(stop=stop)
            if stopped[0] or frontier.pending_count():
                return None, patrol.stats
            # Exactly one worker finishes: the one whose UPDATE moves the run from running to finishing.
            # It holds the finishing lease from then on (renewed by `_hold_finishing`'s thread).
            won = frontier.call(lambda: PatrolRun.objects.filter(pk=run.pk, state=RunState.RUNNING).update(
                state=RunState.FINISHING, finishing_by=worker_id[:200],
                finishing_until=timezone.now() + dt.timedelta(seconds=lease)))
            if not won:
                return None, patrol.stats
            release[0] = _hold_finishing(run.pk, worker_id, lease)
            return await patrol.finalize(), patrol.stats
        finally:
            await fetcher.aclose()

    release: list[Callable[[], None] | None] = [None]
    try:
        try:
            result, stats = asyncio.run(main())
        finally:
            frontier.close()
        outcome = {"run": run.pk, "worker": worker_id, "pages": stats.get("pages", 0),
                   "fetches": stats.get("fetches", 0), "stale_completions": stats.get("stale_completions", 0),
                   "finished": result is not None}
        if result is None:
            return outcome
        if not _record(site, run, worker_id, result):
            logger.warning("patrol %s: worker %s lost its finishing lease; another worker finishes it", run.pk,
                           worker_id)
            outcome.update(finished=False, lease_lost=True)
            return outcome
    finally:
        if release[0] is not None:
            release[0]()
    prune(site.pk)
    return outcome


def _record(site, run, worker_id: str, result) -> bool:
    """Record the finished patrol in one transaction, only while this worker still holds the run
    (``finishing`` by it): a finisher whose lease ran out and was handed on writes nothing, and a
    finisher that dies part-way leaves nothing (the transaction is never committed). The run's row
    is locked first (on SQLite the transaction holds the write lock), so a recoverer waits for it."""
    from . import services
    from .models import PatrolRun, RunState

    with transaction.atomic():
        held = PatrolRun.objects.filter(pk=run.pk, state=RunState.FINISHING, finishing_by=worker_id[:200])
        if connection.features.has_select_for_update:
            held = held.select_for_update()
        if not list(held.values_list("pk", flat=True)):  # (rows fetched: the FOR UPDATE lock is taken)
            return False
        run.refresh_from_db()
        services.record_patrol(site, run, result, complete=services.is_complete(site, result))
    return True


def _hold_finishing(run_id: int, worker_id: str, lease_seconds: float) -> Callable[[], None]:
    """Renew this worker's finishing lease on the run (`frontier.keep_renewing`), whatever the
    finishing work is doing; returns the function that stops it. A dead process's lease runs out
    and `recover_finishing_runs` hands the run on."""
    from .frontier import keep_renewing
    from .models import PatrolRun, RunState

    owner = worker_id[:200]

    def renew() -> None:
        PatrolRun.objects.filter(pk=run_id, state=RunState.FINISHING, finishing_by=owner).update(
            finishing_until=timezone.now() + dt.timedelta(seconds=lease_seconds))

    return keep_renewing(renew, lease_seconds, name=f"patrol-{run_id}-finishing")


def _fail(run, exc: BaseException) -> None:
    from . import services
    from .models import AlertKind, PatrolRun, RunState

    error = f"{type(exc).__name__}: {exc}"[:2000]
    if PatrolRun.objects.filter(pk=run.pk, state__in=(RunState.RUNNING, RunState.FINISHING)).update(
            state=RunState.FAILED, error=error, finished_at=timezone.now()):
        services._alert(run.site, AlertKind.PATROL_FAILED, f"{run.site.name} 巡检失败：{error[:300]}",
                        severity="medium")


def recover_finishing_runs(now: dt.datetime | None = None) -> list[int]:
    """Hand on the runs whose finisher died: each run still ``finishing`` after its finishing lease
    ran out goes back to ``running`` and gets one new `patrol_work` (at once when eager, i.e. without
    a broker), which finds nothing pending, wins ``running → finishing`` and finishes the run from
    its stored pages. The UPDATE is conditional (still ``finishing``, lease still expired): of two
    recoverers, or a recoverer and a finisher renewing late, one wins. Runs without a lease (left
    from before leases existed) are left to `services._expire_stale_runs`. Returns the runs handed on."""
    from .models import PatrolRun, RunState

    now = now or timezone.now()
    expired = PatrolRun.objects.filter(state=RunState.FINISHING, finishing_until__lt=now)
    recovered = []
    for run_id, owner in expired.order_by("id").values_list("pk", "finishing_by"):
        if not expired.filter(pk=run_id).update(state=RunState.RUNNING, finishing_until=None, finishing_by=""):
            continue  # another recoverer (or the finisher's last renewal) was first
        logger.warning("patrol %s: finisher %s stopped renewing its lease; handed to a new worker", run_id, owner)
        recovered.append(run_id)
        if _eager():
            patrol_work(run_id)
        else:
            patrol_work.delay(run_id)
    return recovered


@app.task(name="sanshen.sites.patrols_due")
def patrols_due() -> list[int]:
    """Start the patrols that are due (`services.due_patrols`); returns the runs started. Runs whose
    finisher died are handed on first (`recover_finishing_runs`)."""
    from . import services

    recover_finishing_runs()
    started = []
    for site in services.due_patrols():
        run = services.start_patrol(site)
        if _eager():
            patrol_site(site.pk, run_id=run.pk)
        else:
            patrol_site.delay(site.pk, run_id=run.pk)
        started.append(run.pk)
    return started


def start_due_patrols() -> list[int]:
    """The single-machine scheduler's form of `patrols_due`: each due patrol is started without
    waiting for it (`services.launch_run`: a thread here, or the workers when a broker is set), so a
    long patrol does not hold up the scheduler's other jobs. Runs whose finisher died are handed on
    first (`recover_finishing_runs`)."""
    from . import services

    recover_finishing_runs()
    started = []
    for site in services.due_patrols():
        run = services.start_patrol(site)
        if run.state == "queued":
            services.launch_run(run)
            started.append(run.pk)
    return started


@app.task(name="sanshen.sites.probe_sites")
def probe_sites() -> dict:
    """Probe the home pages that are due (`services.due_probes`)."""
    from . import services

    ok = failed = 0
    for site in services.due_probes():
        probe = services.probe_site(site)
        ok, failed = (ok + 1, failed) if probe.ok else (ok, failed + 1)
    return {"ok": ok, "failed": failed}


# The single-machine scheduler (sanshen/config/scheduler.py): name → (job, seconds between runs).
# Each job only does what is due (a site's own probe interval and patrol schedule), so these are
# how often it looks; with Celery, CELERY_BEAT_SCHEDULE runs the same work on the workers.
PERIODIC_JOBS = {
    "probe_sites": (probe_sites, 60),
    "patrols_due": (start_due_patrols, 5 * 60),
}
