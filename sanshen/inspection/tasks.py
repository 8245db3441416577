"""Periodic inspection work as a Celery task (the beat schedule in settings) and for the
single-machine scheduler (`sanshen worker`, `sanshen.config.scheduler`: `PERIODIC_JOBS` below)."""

from __future__ import annotations

from sanshen.config.celery import app


def run_daily() -> dict:
    """Early warnings, confirmation and escalation of rectification tasks, and in January the
    annual-report reminders: idempotent within a day, so it may run every hour."""
    from django.utils import timezone

    from .annual import annual_report_reminders
    from .services import daily

    now = timezone.now()
    result = daily(now)
    return {
        "warnings": result.warnings,
        "confirmed": result.confirmed,
        "overdue": result.overdue,
        "escalated": result.escalated,
        "annual_reminders": annual_report_reminders(timezone.localdate(now)),
    }


@app.task(name="sanshen.inspection.daily")
def inspection_daily() -> dict:
    return run_daily()


PERIODIC_JOBS = {
    # name: (job, seconds between runs), for the single-machine scheduler. Hourly, although it is
    # daily work: idempotent within a day, and a machine that was off catches up within the hour.
    "inspection_daily": (run_daily, 3600),
}
