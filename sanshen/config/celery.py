"""The Celery app: `celery -A sanshen.config.celery worker` (and `beat`, or `worker -B` on one machine).

Configured from Django settings (the `CELERY_*` names in sanshen/config/settings.py):
- `SANSHEN_CELERY_BROKER` unset (the embedded single-machine mode): no broker; a task called with
  `.delay()` runs at once in the calling process (eager), and `sanshen run`/`sanshen worker` run
  every app's periodic jobs themselves (`PERIODIC_JOBS` in each app's tasks.py, run by
  sanshen/config/scheduler.py: `run_forever`).
- set, e.g. `redis://127.0.0.1:6379/0`: tasks go to Redis; results come back through the same
  Redis (or `SANSHEN_CELERY_RESULT_BACKEND`); real workers run them and `celery beat` sends the
  periodic ones on `CELERY_BEAT_SCHEDULE`.
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sanshen.config.settings")

app = Celery("sanshen")
# Celery's Django fix-up calls django.setup() in the worker before the tasks are imported.
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["sanshen.review", "sanshen.sites", "sanshen.inspection"])
