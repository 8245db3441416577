"""Demo inspection data: `sanshen demo` adds a closed inspection of the previous quarter with scores,
a spot check and rectification tasks (one answered, past-deadline ones 已逾期); idempotent; the
dashboard and the inspection pages show it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sanshen.accounts.testing import login
from sanshen.inspection.demo import previous_quarter
from sanshen.web import demo

pytestmark = pytest.mark.django_db


def test_previous_quarter():
    assert previous_quarter(dt.date(2026, 11, 22)) == (2026, 3)
    assert previous_quarter(dt.date(2026, 1, 5)) == (2025, 4)
    assert previous_quarter(dt.date(2026, 4, 1)) == (2026, 1)


def test_demo_inspection_is_closed_scored_with_tasks_and_idempotent():
    from sanshen.inspection.models import Inspection, RectificationTask, SpotCheck, TaskState
    from sanshen.sites.models import Problem

    data = demo.load()
    year, quarter = previous_quarter(timezone.localdate())
    inspection = Inspection.objects.get(owner__name=demo.CITY, year=year, quarter=quarter)
    assert inspection.state == "closed" and any("示例季度检查" in line for line in data.extra_lines)
    entries = list(inspection.entries.all())
    assert len(entries) == 3 and all(e.score is not None for e in entries)
    assert any(e.passed for e in entries) and any(e.passed is False for e in entries)
    assert SpotCheck.objects.filter(inspection=inspection).count() == 1
    tasks = RectificationTask.objects.filter(inspection=inspection)
    assert tasks.filter(spot_check__isnull=False).exists() and tasks.filter(problem__isnull=False).exists()
    assert tasks.filter(state=TaskState.ANSWERED, unit__name="东城区卫生健康局").count() == 1
    if all(t.deadline and t.deadline < timezone.localdate() for t in tasks):
        assert tasks.filter(state__in=(TaskState.OVERDUE, TaskState.ESCALATED)).exists()
    # Today's state of the demo sites is still today's patrol.
    assert Problem.objects.filter(status="open").exists()
    assert not Problem.objects.filter(last_seen_at__lt=timezone.now() - dt.timedelta(days=1)).exists()
    counts = (Inspection.objects.count(), RectificationTask.objects.count())
    again = demo.load()
    assert (Inspection.objects.count(), RectificationTask.objects.count()) == counts
    assert not any("示例季度检查" in line for line in again.extra_lines)

    from sanshen.units.models import User

    client = login(Client(), User.objects.get(username="demo_supervisor"))
    html = client.get(reverse("inspection:dashboard")).content.decode()
    assert 'id="site-count">3<' in html and f"{year}Q{quarter}" in html and '<svg class="ins-spark"' in html
    assert '<svg class="ins-chart"' in html
    detail = client.get(reverse("inspection:detail", args=[inspection.pk])).content.decode()
    assert "已结束" in detail
