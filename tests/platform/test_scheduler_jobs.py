"""The single-machine scheduler (`sanshen worker`, started by `sanshen run`) also runs the patrol
and inspection work: probes and patrols that are due, and the daily inspection jobs."""

from __future__ import annotations

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


def test_scheduler_lists_the_patrol_and_inspection_jobs():
    from sanshen.review import tasks

    assert {"probe_sites", "patrols_due", "inspection_daily"} <= set(tasks.JOBS)


def test_due_probe_and_patrol_are_started_once(site, monkeypatch):
    from sanshen.review import tasks
    from sanshen.sites import services
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
    from sanshen.review import tasks

    first = tasks.inspection_daily()
    assert set(first) == {"warnings", "confirmed", "overdue", "escalated", "annual_reminders"}
    second = tasks.inspection_daily()
    assert second["warnings"] == 0 and second["escalated"] == 0
