"""The single-machine scheduler: every app's periodic jobs, run in one process without Celery.

Each installed app whose `tasks` module has a `PERIODIC_JOBS` mapping (name → (callable, seconds
between runs)) contributes its jobs, as Celery's `autodiscover_tasks` finds the tasks:
`sanshen.review.tasks` (webhooks, deadline reminders, monthly archives), `sanshen.sites.tasks`
(probes and patrols that are due) and `sanshen.inspection.tasks` (the daily inspection work). Every
job is idempotent: running it twice, or in two places at once, does no harm.

`sanshen worker` (started by `sanshen run` beside the server; `--once` for cron) calls
`run_forever()` / `run_due_jobs()`. With a broker (`SANSHEN_CELERY_BROKER` set), `celery beat`
sends the same jobs to the workers on `CELERY_BEAT_SCHEDULE` in settings instead.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import time
from collections.abc import Callable, Mapping

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.db import close_old_connections, connections

logger = logging.getLogger(__name__)

__all__ = ["Job", "jobs", "run_due_jobs", "run_forever"]

Job = tuple[Callable[[], object], float]  # (job, seconds between runs)


def _tasks_module(app_name: str):
    """`<app_name>.tasks`, imported, or None when the app has none."""
    package = importlib.import_module(app_name)
    if not hasattr(package, "__path__"):  # a plain module cannot have submodules
        return None
    if importlib.util.find_spec(f"{app_name}.tasks") is None:
        return None
    return importlib.import_module(f"{app_name}.tasks")


def _collect() -> dict[str, Job]:
    found: dict[str, Job] = {}
    source: dict[str, str] = {}
    for config in apps.get_app_configs():
        module = _tasks_module(config.name)
        declared = getattr(module, "PERIODIC_JOBS", None) if module is not None else None
        if not declared:
            continue
        for name, job in declared.items():
            if name in found:
                raise ImproperlyConfigured(
                    f"periodic job {name!r} is declared twice: in {source[name]}.PERIODIC_JOBS and in "
                    f"{module.__name__}.PERIODIC_JOBS; job names must be unique across apps")
            found[name] = job
            source[name] = module.__name__
    return found


def jobs() -> dict[str, Job]:
    """Every installed app's periodic jobs, in `INSTALLED_APPS` order: name → (callable, seconds).
    A name declared by two apps raises `ImproperlyConfigured`."""
    return _collect()


def run_due_jobs(last_run: dict[str, float], now: float | None = None,
                 jobs: Mapping[str, Job] | None = None) -> dict[str, object]:
    """Run the jobs (default: every app's, `jobs()`) whose interval has passed since `last_run`
    (updated); returns their results. A failing job is logged and retried within a minute; the
    others still run."""
    table = _collect() if jobs is None else jobs
    now = time.monotonic() if now is None else now
    results: dict[str, object] = {}
    for name, (job, every) in table.items():
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


def run_forever(*, tick: float = 30, stop: Callable[[], bool] = lambda: False,
                jobs: Mapping[str, Job] | None = None) -> None:
    """Run the due jobs (default: every app's, `jobs()`) every `tick` seconds until `stop()`."""
    table = _collect() if jobs is None else jobs
    last_run: dict[str, float] = {}
    while not stop():
        run_due_jobs(last_run, jobs=table)
        deadline = time.monotonic() + tick
        while not stop() and time.monotonic() < deadline:
            time.sleep(min(1.0, tick))
