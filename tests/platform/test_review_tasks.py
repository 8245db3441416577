"""Deadline reminders, the periodic jobs (eager, in-process loop) and a real Celery worker on Redis.

The worker test starts `celery -A sanshen.config.celery worker` as a subprocess against the same
test database (a committed, file-based SQLite database or the PostgreSQL test database) and the
same data directory (keys), with Redis as broker and result backend. Redis is taken from
`SANSHEN_TEST_REDIS_URL` (default redis://127.0.0.1:6379/15); the worker listens on a queue of
its own, so other workers on the same Redis are not disturbed. Without Redis the test is skipped,
under CI=true it fails.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.core import mail
from django.utils import timezone

from sanshen.units.models import Role

from .conftest import database_url, require_redis

CLEAN = "关于做好2026年春季学期学生资助工作的通知。各学校要按时完成资助资金发放。"
REDIS_URL = os.environ.get("SANSHEN_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _org(tree, make_user):
    from sanshen.review.defaults import seed_default_routes
    from sanshen.review.models import RouteStepTemplate, RouteTemplate

    seed_default_routes(RouteTemplate, RouteStepTemplate)
    edu = tree["edu"]

    def user(name, unit, role, email=True):
        return make_user(name, (unit, role), full_name=name, email=f"{name}@qj.gov.cn" if email else "")

    return {
        **tree,
        "editor": user("editor", edu, Role.EDITOR),
        "head": user("head", edu, Role.SECTION_HEAD),
        "head2": user("head2", edu, Role.SECTION_HEAD, email=False),
        "head_off": make_user("head_off", (edu, Role.SECTION_HEAD), email="off@qj.gov.cn", is_active=False),
        "stand_in": user("stand_in", edu, Role.EDITOR),
        "principal": user("principal", edu, Role.PRINCIPAL_LEADER),
        "deputy": user("deputy", edu, Role.DEPUTY_LEADER),
        "qilin_sup": user("qilin_sup", tree["qilin"], Role.SUPERVISOR),
        "zhanyi_sup": user("zhanyi_sup", tree["zhanyi"], Role.SUPERVISOR),
        "other_head": user("other_head", tree["zhanyi_edu"], Role.SECTION_HEAD),
    }


@pytest.fixture
def org(tree, make_user):
    return _org(tree, make_user)


def submitted(org):
    """An item in review; its first step (科室初审, 24 h) is open."""
    from sanshen.review import services

    item = services.create_item(org["editor"], org["edu"], title="学生资助通知", body=CLEAN, category="work_news")
    services.submit(item, org["editor"])
    item.refresh_from_db()
    (step,) = services.current_steps(item)
    return item, step


def _set_deadline(step, deadline):
    from sanshen.review.models import ReviewStep

    ReviewStep.objects.filter(pk=step.pk).update(deadline=deadline)
    step.refresh_from_db()


def _to(messages) -> list[str]:
    return sorted(addr for m in messages for addr in m.to)


# Reminders ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_reminded_once_per_period_to_those_who_may_decide(org, settings):
    from sanshen.audit.models import AuditEntry
    from sanshen.review.models import Delegation
    from sanshen.review.reminders import remind_due_steps

    settings.SANSHEN_REVIEW_REMIND_EVERY_HOURS = 12
    now = timezone.now()
    Delegation.objects.create(
        from_user=org["head"], to_user=org["stand_in"], start=now - dt.timedelta(days=1), end=now + dt.timedelta(days=2)
    )
    _, step = submitted(org)

    # 24 h to go: not yet (the threshold is a quarter of the time limit: 6 h).
    assert remind_due_steps(now)["steps"] == 0 and not mail.outbox
    _set_deadline(step, now + dt.timedelta(hours=5))
    counts = remind_due_steps(now)
    assert counts == {"steps": 1, "sent": 2, "failed": 0, "no_email": 1}
    # The role holders with an address and the active delegate; not the drafter, not the disabled
    # holder, not another unit's section head, no escalation before the deadline.
    assert _to(mail.outbox) == ["head@qj.gov.cn", "stand_in@qj.gov.cn"]
    assert "催办" in mail.outbox[0].subject and "学生资助通知" in mail.outbox[0].subject
    step.refresh_from_db()
    assert step.reminded_at == now

    # Within the period: nothing more, however often the job runs.
    for hours in (1, 6, 11.9):
        assert remind_due_steps(now + dt.timedelta(hours=hours))["steps"] == 0
    assert len(mail.outbox) == 2

    # After the period the step is overdue: reminded again, and escalated.
    mail.outbox.clear()
    later = now + dt.timedelta(hours=12, minutes=1)
    assert remind_due_steps(later)["steps"] == 1
    subjects = {m.to[0]: m.subject for m in mail.outbox}
    assert sorted(subjects) == ["head@qj.gov.cn", "principal@qj.gov.cn", "qilin_sup@qj.gov.cn", "stand_in@qj.gov.cn"]
    assert all("超时" in s for s in subjects.values())
    assert "督促" in next(m.body for m in mail.outbox if m.to == ["principal@qj.gov.cn"])

    entries = list(AuditEntry.objects.filter(action="review_remind").order_by("id"))
    assert len(entries) == 2
    assert entries[1].after["reminded"][0]["overdue"] is True
    assert entries[1].after["reminded"][0]["step"] == step.pk


@pytest.mark.django_db
def test_named_assignee_and_decided_steps(org):
    from sanshen.review import services
    from sanshen.review.models import ReviewStep
    from sanshen.review.reminders import remind_due_steps

    now = timezone.now()
    item, step = submitted(org)
    ReviewStep.objects.filter(pk=step.pk).update(assignee=org["head2"], deadline=now - dt.timedelta(minutes=5))
    org["head2"].email = "head2@qj.gov.cn"
    org["head2"].save()
    remind_due_steps(now)
    assert "head2@qj.gov.cn" in _to(mail.outbox) and "head@qj.gov.cn" not in _to(mail.outbox)

    # A decided step is never reminded again.
    step.refresh_from_db()
    services.decide(step, org["head2"], "approve", "同意", proofread=True)
    mail.outbox.clear()
    ReviewStep.objects.filter(item=item).update(deadline=now - dt.timedelta(hours=1), reminded_at=None)
    later = now + dt.timedelta(days=1)
    assert remind_due_steps(later)["steps"] == 1  # the next open step only (保密审查)
    assert ReviewStep.objects.get(pk=step.pk).reminded_at is None


@pytest.mark.django_db
def test_failed_sending_is_retried_next_run(org, monkeypatch):
    from sanshen.review import reminders

    now = timezone.now()
    _, step = submitted(org)
    _set_deadline(step, now + dt.timedelta(hours=1))

    def broken(*args, **kwargs):
        raise OSError("mail server down")

    monkeypatch.setattr(reminders, "send_mail", broken)
    assert reminders.remind_due_steps(now) == {"steps": 0, "sent": 0, "failed": 1, "no_email": 1}
    step.refresh_from_db()
    assert step.reminded_at is None
    monkeypatch.undo()
    assert reminders.remind_due_steps(now)["sent"] == 1


# Jobs ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_tasks_run_eagerly_and_are_idempotent(org, settings, tmp_path):
    from sanshen.review import services, tasks
    from sanshen.review.models import ReviewStep

    settings.SANSHEN_ARCHIVE_DIR = str(tmp_path / "archives")
    assert settings.CELERY_TASK_ALWAYS_EAGER  # no broker in the test settings
    item, step = submitted(org)
    _set_deadline(step, timezone.now() - dt.timedelta(hours=1))
    assert tasks.remind_steps.delay().get()["steps"] == 1
    assert tasks.remind_steps.delay().get()["steps"] == 0
    assert tasks.deliver_webhooks.delay().get() == {"delivered": 0, "retried": 0, "failed": 0}

    # Decide the item, then archive its month: once.
    for name in ("head", "secrecy", "deputy"):
        if name == "secrecy":
            from sanshen.units.models import Membership

            Membership.objects.create(user=org["head2"], unit=org["edu"], role=Role.SECRECY_REVIEWER)
            name = "head2"
        item.refresh_from_db()
        (current,) = services.current_steps(item)
        services.decide(current, org[name], "approve", "同意", proofread=True)
    item.refresh_from_db()
    assert item.status == "approved"
    month = timezone.localdate().strftime("%Y-%m")
    made = tasks.monthly_archives.delay(month).get()
    assert len(made) == 1 and Path(made[0]).name == f"review-archive-{org['edu'].pk}-{month}.zip"
    assert Path(made[0]).stat().st_size > 0
    assert tasks.monthly_archives(month) == []
    assert ReviewStep.objects.filter(item=item, reminded_at__isnull=False).count() == 1


@pytest.mark.django_db
def test_in_process_loop_runs_each_job_on_its_interval():
    from sanshen.config import scheduler

    calls: list[str] = []
    jobs = {
        "a": (lambda: calls.append("a") or "ok", 60),
        "b": (lambda: calls.append("b") or 1 / 0, 600),
    }
    last: dict[str, float] = {}
    results = scheduler.run_due_jobs(last, now=1000, jobs=jobs)
    assert results == {"a": "ok", "b": None} and calls == ["a", "b"]
    assert scheduler.run_due_jobs(last, now=1030, jobs=jobs) == {}
    # "a" after its minute; the failed "b" is retried after a minute, not after ten.
    assert set(scheduler.run_due_jobs(last, now=1061, jobs=jobs)) == {"a", "b"}
    calls.clear()
    stops = iter([False, True])
    scheduler.run_forever(tick=0.01, stop=lambda: next(stops, True), jobs=jobs)
    assert calls == ["a", "b"]  # one round, then stopped


def test_beat_schedule_names_real_tasks():
    from django.conf import settings

    from sanshen.config.celery import app
    from sanshen.review import tasks  # noqa: F401  (registers the tasks)

    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks


# A real worker ------------------------------------------------------------------------------


@pytest.fixture
def celery_worker(committed_db, tmp_path, settings):
    require_redis(REDIS_URL)
    queue = f"sanshen-test-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "sanshen.config.settings",
        "SANSHEN_DATA_DIR": str(settings.DATA_DIR),  # the same secret and audit keys
        "DATABASE_URL": database_url(),
        "SANSHEN_CELERY_BROKER": REDIS_URL,
        "SANSHEN_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "SANSHEN_EMAIL_FILE_PATH": str(tmp_path / "mail"),
        "SANSHEN_LOG_LEVEL": "WARNING",
    }
    env.pop("SANSHEN_AUDIT_KEY", None)
    log = (tmp_path / "worker.log").open("wb")
    argv = [
        sys.executable, "-m", "celery", "-A", "sanshen.config.celery", "worker",
        "--pool=solo", "-Q", queue, "-n", f"{queue}@%h",
        "--without-heartbeat", "--without-gossip", "--without-mingle", "-l", "WARNING",
    ]
    proc = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path)

    from celery import Celery

    client = Celery("sanshen-test-client", broker=REDIS_URL, backend=REDIS_URL)

    def call(name: str, *args, timeout: float = 120):
        result = client.send_task(name, args=args, queue=queue)
        try:
            return result.get(timeout=timeout)
        except Exception:
            log.flush()
            print((tmp_path / "worker.log").read_text(errors="replace")[-5000:])
            raise
        finally:
            result.forget()

    try:
        yield {"call": call, "mail": tmp_path / "mail", "proc": proc}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        client.close()


def test_a_real_worker_runs_the_jobs_on_the_test_database(celery_worker, tree, make_user):
    from sanshen.review.models import ReviewStep
    from sanshen.units.models import Unit

    org = _org(tree, make_user)
    _, step = submitted(org)
    _set_deadline(step, timezone.now() - dt.timedelta(minutes=30))

    started = time.monotonic()
    pong = celery_worker["call"]("sanshen.review.ping", "你好")
    assert pong["echo"] == "你好" and pong["pid"] == celery_worker["proc"].pid
    assert pong["units"] == Unit.objects.count()  # the worker reads this test's database

    counts = celery_worker["call"]("sanshen.review.remind_steps")
    assert counts["steps"] == 1 and counts["sent"] == 3  # the section head, 主要领导, 监管员
    step = ReviewStep.objects.get(pk=step.pk)
    assert step.reminded_at is not None
    sent = "\n".join(p.read_text(errors="replace") for p in celery_worker["mail"].iterdir())
    for address in ("head@qj.gov.cn", "principal@qj.gov.cn", "qilin_sup@qj.gov.cn"):
        assert address in sent
    # Idempotent across processes: the second run finds nothing to do.
    assert celery_worker["call"]("sanshen.review.remind_steps")["steps"] == 0
    assert celery_worker["call"]("sanshen.review.deliver_webhooks") == {"delivered": 0, "retried": 0, "failed": 0}
    assert time.monotonic() - started < 300


def test_worker_command_without_celery(committed_db, capsys, monkeypatch, settings, tmp_path):
    from sanshen import cli

    settings.SANSHEN_ARCHIVE_DIR = str(tmp_path)
    assert cli.main(["worker", "--once"]) == 0
    out = capsys.readouterr().out
    assert "deliver_webhooks:" in out and "remind_steps:" in out and "monthly_archives: []" in out
    # `sanshen run` starts it unless Celery runs the jobs.
    monkeypatch.delenv("SANSHEN_CELERY_BROKER", raising=False)
    monkeypatch.delenv("SANSHEN_NO_WORKER", raising=False)
    assert cli._wants_worker(["--bind", "127.0.0.1:8000"])
    assert not cli._wants_worker(["--help"])
    monkeypatch.setenv("SANSHEN_CELERY_BROKER", REDIS_URL)
    assert not cli._wants_worker([])
