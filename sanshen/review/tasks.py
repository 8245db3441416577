"""Periodic jobs of the review workflow, as Celery tasks and as a plain loop.

Three jobs, each idempotent (running it twice, or in two places at once, does no harm):
- `deliver_webhooks`: `publishing.deliver_due()` — each due delivery is claimed by a conditional
  update before it is sent;
- `remind_steps`: `reminders.remind_due_steps()` — each step at most once per reminder period;
- `monthly_archives`: for every unit with items decided last month, the monthly archive zip
  (审核表, texts, manifest, self-inspection report) written once to
  `<data dir>/archives/<YYYY-MM>/review-archive-<unit>-<YYYY-MM>.zip`; a file already there is
  kept. It is scheduled daily, so a machine that was off on the 1st still catches up, well
  before the 25th by which the month's record is reported (002 第十条).

With Celery (`SANSHEN_CELERY_BROKER` set), `celery beat` sends them on `CELERY_BEAT_SCHEDULE`.
Without it, `run_forever()` runs them in one process: `sanshen worker` (started by `sanshen run`
alongside the server) calls it.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import close_old_connections, connections
from django.utils import timezone

from sanshen.config.celery import app
from sanshen.inspection.tasks import run_daily as inspection_daily
from sanshen.sites.tasks import probe_sites, start_due_patrols

logger = logging.getLogger(__name__)

__all__ = ["archive_dir", "deliver_webhooks", "monthly_archives", "ping", "remind_steps", "run_due_jobs", "run_forever"]


@app.task(name="sanshen.review.deliver_webhooks", ignore_result=False)
def deliver_webhooks() -> dict:
    from .publishing import deliver_due

    return deliver_due()


@app.task(name="sanshen.review.remind_steps")
def remind_steps() -> dict:
    from .reminders import remind_due_steps

    return remind_due_steps()


def archive_dir() -> Path:
    return Path(getattr(settings, "SANSHEN_ARCHIVE_DIR", None) or Path(settings.DATA_DIR) / "archives")


def _previous_month(today: dt.date) -> tuple[int, int]:
    last = today.replace(day=1) - dt.timedelta(days=1)
    return last.year, last.month


@app.task(name="sanshen.review.monthly_archives")
def monthly_archives(month: str | None = None) -> list[str]:
    """Write the missing archives of `month` ("YYYY-MM", default last month); returns the new files."""
    from sanshen.units.models import Unit

    from .archive import build_monthly_archive, decided_items
    from .models import Item

    if month:
        year, mon = (int(x) for x in month.split("-"))
    else:
        year, mon = _previous_month(timezone.localdate())
    folder = archive_dir() / f"{year:04d}-{mon:02d}"
    made = []
    unit_ids = Item.objects.values_list("unit_id", flat=True).distinct()
    for unit in Unit.objects.filter(pk__in=unit_ids).order_by("path"):
        path = folder / f"review-archive-{unit.pk}-{year:04d}-{mon:02d}.zip"
        if path.exists() or not decided_items(unit, year, mon).exists():
            continue
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        # Written under a temporary name, then renamed: a reader never sees half a file, and a
        # concurrent runner's rename of the same content is harmless.
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(build_monthly_archive(unit, year, mon))
        if path.exists():
            tmp.unlink()
            continue
        tmp.replace(path)
        made.append(str(path))
    return made


@app.task(name="sanshen.review.ping")
def ping(value: str) -> dict:
    """A task touching nothing but its argument and the database connection: checks that a
    worker runs tasks and returns results (used by the tests and for monitoring)."""
    from sanshen.units.models import Unit

    return {"echo": value, "pid": os.getpid(), "units": Unit.objects.count()}


# Without Celery -----------------------------------------------------------------------------

JOBS: dict[str, tuple[Callable[[], object], float]] = {
    # name: (job, seconds between runs). The platform's periodic work on a single machine; with
    # Celery, CELERY_BEAT_SCHEDULE runs the same jobs on the workers.
    "deliver_webhooks": (deliver_webhooks, 60),
    "remind_steps": (remind_steps, 15 * 60),
    "monthly_archives": (monthly_archives, 6 * 3600),
    "probe_sites": (probe_sites, 60),
    "patrols_due": (start_due_patrols, 5 * 60),
    "inspection_daily": (inspection_daily, 3600),
}


def run_due_jobs(last_run: dict[str, float], now: float | None = None) -> dict[str, object]:
    """Run the jobs whose interval has passed since `last_run` (updated); returns their results.
    A failing job is logged and retried at its next interval; the others still run."""
    now = time.monotonic() if now is None else now
    results: dict[str, object] = {}
    for name, (job, every) in JOBS.items():
        if name in last_run and now - last_run[name] < every:
            continue
        last_run[name] = now
        close_old_connections()
        try:
            results[name] = job()
        except Exception:
            logger.exception("定时任务 %s 失败", name)
            results[name] = None
            # Retried within a minute (e.g. the database was still being migrated), not a whole interval later.
            last_run[name] = now - every + min(every, 60)
        finally:
            connections.close_all()
    return results


def run_forever(*, tick: float = 30, stop: Callable[[], bool] = lambda: False) -> None:
    """The single-machine scheduler: run the due jobs every `tick` seconds until `stop()`."""
    last_run: dict[str, float] = {}
    while not stop():
        run_due_jobs(last_run)
        deadline = time.monotonic() + tick
        while not stop() and time.monotonic() < deadline:
            time.sleep(min(1.0, tick))
