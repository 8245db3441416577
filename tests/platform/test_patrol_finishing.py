"""A patrol whose finishing worker dies is finished by another one, not left 汇总中 for 12 hours.

The worker that wins a run's ``running → finishing`` holds a finishing lease (``finishing_until``,
``finishing_by``) and renews it from a thread while it finishes. The periodic job (`patrols_due`
for Celery beat, `start_due_patrols` for ``sanshen worker``) hands a run whose lease ran out back to
``running`` with one new `patrol_work` (`tasks.recover_finishing_runs`), which finishes it from the
stored pages. Here without a broker (Celery eager): the patrol runs in this process on a loopback
site; the first finisher "dies" in the middle of `services.record_patrol` (an exception no handler
catches, after the first problem and its alert were written), as a killed process would.
"""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from django.utils import timezone

from tests.patrol._servers import Server, page

HOME = """<html><head><title>测试县人民政府</title></head><body>
<h1>测试县人民政府</h1><p>欢迎访问测试县人民政府门户网站。</p>
<a href="/news.html">政务要闻</a> <a href="/gone.html">已删除的页面</a> <a href="/missing.pdf">附件</a>
</body></html>"""
NEWS = """<html><head><title>政务要闻</title></head><body><h1>政务要闻</h1>
<p>本县召开会议，部署年度重点工作。</p><a href="/">首页</a> <a href="/old.html">旧文</a></body></html>"""


class Died(BaseException):
    """The finishing worker's process ending mid-way (no `except Exception` handler sees it)."""


@pytest.fixture
def server():
    with Server({"/": page(HOME), "/news.html": page(NEWS)}) as srv:
        yield srv


def _site(server, name: str = "测试县人民政府网站"):
    from sanshen.sites.models import Site
    from sanshen.units.models import Unit

    unit = Unit.objects.create(name=f"{name}单位", kind=Unit.Kind.COUNTY)
    return Site.objects.create(unit=unit, name=name, home_url=server.url("/"), schedule="interval",
                               every_hours=24, max_pages=50)


def _finishing_run(site, *, lease: dt.timedelta | None, by: str = "host:1:dead"):
    from sanshen.sites.models import PatrolRun

    until = None if lease is None else timezone.now() + lease
    return PatrolRun.objects.create(site=site, state="finishing", started_at=timezone.now(),
                                    finishing_until=until, finishing_by=by)


def test_run_whose_finisher_died_is_recovered_and_recorded_once(committed_db, server, monkeypatch, settings):
    from sanshen.sites import services, tasks
    from sanshen.sites.models import Alert, PatrolRun, Problem

    # An undisturbed patrol of the same site (another Site row): the problems the recovered run must have.
    reference_site = _site(server, "参照网站")
    reference = PatrolRun.objects.get(pk=tasks.patrol_site(reference_site.pk))
    assert reference.state == "done", (reference.state, reference.error)
    expected = set(Problem.objects.filter(site=reference_site).values_list("key_hash", "kind"))
    assert expected and any(kind == "dead_link" for _key, kind in expected)
    alerting = Problem.objects.filter(site=reference_site, severity__in=services.ALERT_SEVERITIES).count()
    assert alerting  # so the partial write below has something to leave behind

    site = _site(server)
    real_alert = services._problem_alert

    def dying(row, *, reopened):
        real_alert(row, reopened=reopened)  # the first problem row and its alert are written …
        raise Died  # … and the process ends inside record_patrol's transaction

    monkeypatch.setattr(services, "_problem_alert", dying)
    with pytest.raises(Died):
        tasks.patrol_site(site.pk)
    monkeypatch.setattr(services, "_problem_alert", real_alert)
    run = PatrolRun.objects.get(site=site)
    assert run.state == "finishing" and run.finishing_by and run.finishing_until > timezone.now()
    assert not Problem.objects.filter(site=site).exists()  # the transaction was never committed
    assert not Alert.objects.filter(site=site).exists()

    # While the lease runs the job leaves the run alone (the finisher may still be at work).
    assert tasks.patrols_due() == []
    assert PatrolRun.objects.get(pk=run.pk).state == "finishing"

    # The lease runs out (no one renews it): the periodic job hands the run to a new worker, which
    # finishes it from the stored pages; the site is not due for a new patrol.
    PatrolRun.objects.filter(pk=run.pk).update(finishing_until=timezone.now() - dt.timedelta(seconds=1))
    dead_finisher = run.finishing_by
    assert tasks.patrols_due() == []
    run.refresh_from_db()
    assert run.state == "done", (run.state, run.error)
    assert run.finishing_by and run.finishing_by != dead_finisher  # finished by the new worker
    assert run.finished_at is not None and not run.error
    assert run.pages_crawled == reference.pages_crawled and run.complete == reference.complete

    found = Problem.objects.filter(site=site)
    assert set(found.values_list("key_hash", "kind")) == expected
    assert run.problems_found == found.count() == len(expected)
    # Recorded once: every problem new in this run, open, never reopened, with one alert at most.
    assert set(found.values_list("first_seen_run", "last_seen_run", "status", "reopened")) == {
        (run.pk, run.pk, "open", 0)}
    alerts = Alert.objects.filter(site=site)
    assert alerts.count() == alerting
    assert sorted(alerts.values_list("problem_id", flat=True)) == sorted(
        found.filter(severity__in=services.ALERT_SEVERITIES).values_list("pk", flat=True))
    assert not alerts.filter(kind="patrol_failed").exists()

    assert tasks.patrols_due() == [] and tasks.recover_finishing_runs() == []  # nothing left to recover
    assert PatrolRun.objects.filter(site=site).count() == 1


def test_run_with_a_live_finishing_lease_is_left_alone(db, monkeypatch):
    from sanshen.sites import tasks
    from sanshen.sites.models import PatrolRun, Site
    from sanshen.units.models import Unit

    started: list[int] = []
    monkeypatch.setattr(tasks, "patrol_work", lambda run_id: started.append(run_id))
    unit = Unit.objects.create(name="测试县人民政府", kind=Unit.Kind.COUNTY)
    site = Site.objects.create(unit=unit, name="测试网站", home_url="http://127.0.0.1:9/", schedule="interval",
                               every_hours=24)
    live = _finishing_run(site, lease=dt.timedelta(minutes=5))
    legacy = _finishing_run(site, lease=None)  # no lease (before leases existed): left to the 12 h expiry

    assert tasks.recover_finishing_runs() == []
    assert tasks.start_due_patrols() == [] and tasks.patrols_due() == []  # the site's run is active
    assert started == []
    for run in (live, legacy):
        fresh = PatrolRun.objects.get(pk=run.pk)
        assert (fresh.state, fresh.finishing_by, fresh.finishing_until) == ("finishing", run.finishing_by,
                                                                           run.finishing_until)
    # Once the lease has run out (seen from later on), it is handed on.
    later = timezone.now() + dt.timedelta(minutes=6)
    assert tasks.recover_finishing_runs(now=later) == [live.pk]
    assert started == [live.pk]


def test_a_slow_finisher_keeps_its_lease(committed_db, server, monkeypatch, settings):
    """Finishing for longer than the lease: the heartbeat thread renews it, nothing is recovered."""
    from sanshen.patrol.crawl import Patrol
    from sanshen.sites import tasks
    from sanshen.sites.models import PatrolRun

    settings.SANSHEN_PATROL_LEASE_SECONDS = 0.8
    site = _site(server)
    real_finalize = Patrol.finalize
    stop = threading.Event()
    recovered: list[int] = []
    seen: list[str] = []

    async def slow_finalize(self, **kwargs):
        import asyncio

        await asyncio.sleep(2.5)  # three lease lengths
        return await real_finalize(self, **kwargs)

    def recoverer() -> None:
        from django.db import connection

        try:
            while not stop.is_set():
                recovered.extend(tasks.recover_finishing_runs())
                seen.extend(PatrolRun.objects.filter(site=site).values_list("state", flat=True))
                time.sleep(0.1)
        finally:
            connection.close()

    monkeypatch.setattr(Patrol, "finalize", slow_finalize)
    thread = threading.Thread(target=recoverer)
    thread.start()
    try:
        run = PatrolRun.objects.get(pk=tasks.patrol_site(site.pk))
    finally:
        stop.set()
        thread.join()
    assert recovered == []
    assert "finishing" in seen
    assert run.state == "done", (run.state, run.error)


def test_two_recoveries_start_one_worker(committed_db, monkeypatch):
    from sanshen.sites import tasks
    from sanshen.sites.models import PatrolRun, Site
    from sanshen.units.models import Unit
    from tests.platform.conftest import run_in_threads

    sent: list[int] = []
    lock = threading.Lock()

    def delay(run_id):
        with lock:
            sent.append(run_id)

    monkeypatch.setattr(tasks, "_eager", lambda: False)  # as with a broker: the work is sent, not run here
    monkeypatch.setattr(tasks.patrol_work, "delay", delay)
    unit = Unit.objects.create(name="测试县人民政府", kind=Unit.Kind.COUNTY)
    site = Site.objects.create(unit=unit, name="测试网站", home_url="http://127.0.0.1:9/")
    run = _finishing_run(site, lease=dt.timedelta(seconds=-5))

    assert tasks.recover_finishing_runs() == [run.pk]
    assert tasks.recover_finishing_runs() == []  # the run is running again: nothing to hand on
    assert sent == [run.pk]
    fresh = PatrolRun.objects.get(pk=run.pk)
    assert (fresh.state, fresh.finishing_until, fresh.finishing_by) == ("running", None, "")

    # Two recoverers at the same moment (two schedulers, or beat and `sanshen worker`): one wins.
    other = _finishing_run(site, lease=dt.timedelta(seconds=-5))
    results: list[list[int]] = []
    errors = run_in_threads(4, lambda i: results.append(tasks.recover_finishing_runs()))
    assert errors == []
    assert sorted(pk for found in results for pk in found) == [other.pk]
    assert sent == [run.pk, other.pk]


def test_a_finisher_that_lost_its_lease_records_nothing(db):
    """The finisher whose lease was handed on (it was too slow, not dead) writes nothing when it
    comes back: the run is the new finisher's."""
    from types import SimpleNamespace

    from sanshen.patrol.model import Kind
    from sanshen.patrol.model import Problem as PatrolProblem
    from sanshen.sites import tasks
    from sanshen.sites.models import PatrolRun, Problem, Site
    from sanshen.units.models import Unit

    unit = Unit.objects.create(name="测试县人民政府", kind=Unit.Kind.COUNTY)
    site = Site.objects.create(unit=unit, name="测试网站", home_url="http://127.0.0.1:9/")
    run = _finishing_run(site, lease=dt.timedelta(minutes=5), by="host:2:new")
    result = SimpleNamespace(pages_crawled=1, columns=[], complete=True, problems=[
        PatrolProblem(Kind.DEAD_LINK, "http://127.0.0.1:9/gone.html", "页面不存在（404）")])
    assert not tasks._record(site, run, "host:1:old", result)
    assert not Problem.objects.filter(site=site).exists()
    assert PatrolRun.objects.get(pk=run.pk).state == "finishing"
    assert tasks._record(site, run, "host:2:new", result)
    assert Problem.objects.filter(site=site).count() == 1
    assert PatrolRun.objects.get(pk=run.pk).state == "done"
