"""The single-machine scheduler (`sanshen worker`, started by `sanshen run`) also runs the patrol
and inspection work: probes and patrols that are due, and the daily inspection jobs."""

from __future__ import annotations

import inspect

import pytest

from sanshen.units.models import Role


@pytest.fixture
def site(tree, make_user):
    from sanshen.sites import services

    admin = make_user("site_admin", (tree["edu"], Role.SITE_ADMIN))
    # Every 24 hours: due at once whatever the time of day (a daily 02:00 patrol is not due before 02:00).
    return services.register_site(admin, tree["edu"], name="麒麟区教育体育局网站",
                                  home_url="https://jyj.qilin.gov.example/", site_code="5303020001",
                                  schedule="interval", every_hours=24)


def test_scheduler_collects_every_apps_periodic_jobs():
    from sanshen.config import scheduler
    from sanshen.sites import tasks as site_tasks

    jobs = scheduler.jobs()
    assert {name: every for name, (_, every) in jobs.items()} == {
        "deliver_webhooks": 60,
        "remind_steps": 15 * 60,
        "monthly_archives": 6 * 3600,
        "probe_sites": 60,
        "patrols_due": 5 * 60,
        "inspection_daily": 3600,
    }
    # Each app declares its own jobs: the callables come from that app's tasks module (for a Celery
    # task, whose proxy says "celery.local", the function it wraps).
    assert {name: inspect.unwrap(job).__module__ for name, (job, _) in jobs.items()} == {
        "deliver_webhooks": "sanshen.review.tasks",
        "remind_steps": "sanshen.review.tasks",
        "monthly_archives": "sanshen.review.tasks",
        "probe_sites": "sanshen.sites.tasks",
        "patrols_due": "sanshen.sites.tasks",
        "inspection_daily": "sanshen.inspection.tasks",
    }
    assert jobs["patrols_due"][0] is site_tasks.start_due_patrols  # not the Celery task that waits


def test_review_tasks_no_longer_import_the_other_apps():
    import ast

    from sanshen.review import tasks

    tree = ast.parse(inspect.getsource(tasks))
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    assert not {m for m in imported if m.startswith(("sanshen.sites", "sanshen.inspection"))}


def test_a_job_name_declared_by_two_apps_is_an_error(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    from sanshen.config import scheduler
    from sanshen.inspection import tasks as inspection_tasks

    monkeypatch.setattr(inspection_tasks, "PERIODIC_JOBS",
                        {**inspection_tasks.PERIODIC_JOBS, "probe_sites": (inspection_tasks.run_daily, 60)})
    with pytest.raises(ImproperlyConfigured, match=r"'probe_sites'.*sanshen\.sites\.tasks.*sanshen\.inspection\.tasks"):
        scheduler.jobs()


def test_due_probe_and_patrol_are_started_once(site, monkeypatch):
    from sanshen.sites import services, tasks
    from sanshen.sites.models import PatrolRun, Probe

    launched: list[int] = []
    monkeypatch.setattr(services, "launch_run", lambda run: launched.append(run.pk))
    probed: list[str] = []

    def fake_probe(s):
        probed.append(s.home_url)
        return services.record_probe(s, ok=True, elapsed_ms=120, status=200, error="")

    monkeypatch.setattr(services, "probe_site", fake_probe)

    assert tasks.probe_sites() == {"ok": 1, "failed": 0}
    assert probed == [site.home_url] and Probe.objects.filter(site=site).count() == 1
    assert tasks.probe_sites() == {"ok": 0, "failed": 0}  # not due again within its interval

    started = tasks.start_due_patrols()
    run = PatrolRun.objects.get(site=site)
    assert started == [run.pk] and launched == [run.pk]
    assert tasks.start_due_patrols() == []  # the queued run is the site's active one
    assert launched == [run.pk]


def test_inspection_daily_job_runs_and_is_idempotent(site):
    from sanshen.config import scheduler

    inspection_daily, _ = scheduler.jobs()["inspection_daily"]
    first = inspection_daily()
    assert set(first) == {"warnings", "confirmed", "overdue", "escalated", "annual_reminders"}
    second = inspection_daily()
    assert second["warnings"] == 0 and second["escalated"] == 0
