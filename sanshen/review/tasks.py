"""Periodic jobs of the review workflow, as Celery tasks and for the single-machine scheduler.

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
Without it, `PERIODIC_JOBS` below lists them for the single-machine scheduler
(`sanshen.config.scheduler`), which `sanshen worker` (started by `sanshen run` alongside the
server) runs together with the other apps' periodic jobs.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from sanshen.config.celery import app

__all__ = ["PERIODIC_JOBS", "archive_dir", "deliver_webhooks", "monthly_archives", "ping", "remind_steps"]


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


# The single-machine scheduler (sanshen/config/scheduler.py) ----------------------------------

PERIODIC_JOBS = {
    # name: (job, seconds between runs). With Celery, CELERY_BEAT_SCHEDULE runs the same jobs on
    # the workers.
    "deliver_webhooks": (deliver_webhooks, 60),
    "remind_steps": (remind_steps, 15 * 60),
    # Every 6 h and idempotent: last month's archives appear on the 1st, or soon after the machine is up.
    "monthly_archives": (monthly_archives, 6 * 3600),
}
