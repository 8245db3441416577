"""Demo inspection data for `sanshen demo`: the previous quarter's inspection of 示范市, closed with
scores, a spot-check finding (人工抽查) and the rectification tasks it produced — one answered by the
unit, the ones past their deadline marked 已逾期 — so that the dashboard, the bulletin and the task
pages show something. Idempotent: nothing is done when the city already has an inspection of that
quarter (open or closed).

The demo sites (`sanshen.sites.demo`) were patrolled a few minutes ago; for the previous quarter to
have patrol data, the same patrol is recorded once more as of a day in that quarter and the
problems it saw are dated from it (then today's patrol is recorded again, so the current state of
the sites is what `sites.demo` made it)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone


def previous_quarter(today: dt.date) -> tuple[int, int]:
    q = (today.month - 1) // 3 + 1
    return (today.year, q - 1) if q > 1 else (today.year - 1, 4)


def _history(site, index: int, when: dt.datetime, now: dt.datetime) -> None:
    from sanshen.sites import demo as sites_demo
    from sanshen.sites.models import PatrolRun, Problem, RunState
    from sanshen.sites.services import record_patrol

    def result(day: dt.date):
        r = sites_demo._result(site.home_url, day)
        if index == 0:  # as in sites.demo: the city portal is in better shape
            r.problems = r.problems[:2]
        return r

    past = PatrolRun.objects.create(site=site, state=RunState.RUNNING, started_at=when - dt.timedelta(minutes=40),
                                    pages_total_estimate=140)
    record_patrol(site, past, result(timezone.localdate(when)), now=when)
    Problem.objects.filter(site=site, last_seen_run=past, first_seen_at__gt=when).update(
        first_seen_at=when, first_seen_run=past)
    today = PatrolRun.objects.create(site=site, state=RunState.RUNNING, started_at=now - dt.timedelta(minutes=4),
                                     pages_total_estimate=140)
    record_patrol(site, today, result(timezone.localdate(now)), now=now - dt.timedelta(minutes=1))


def load_demo_inspections(data) -> list[str]:
    from sanshen.sites import demo as sites_demo
    from sanshen.sites.models import Site
    from sanshen.web.demo import CITY

    from . import services
    from .models import Inspection, RectificationTask, TaskState

    city = data.units.get(CITY)
    supervisor = data.users.get("demo_supervisor")
    if city is None or supervisor is None:
        return []
    now = timezone.now()
    year, quarter = previous_quarter(timezone.localdate(now))
    if Inspection.objects.filter(owner=city, year=year, quarter=quarter).exists():
        return []
    sites = []
    for index, (unit_name, name, *_rest) in enumerate(sites_demo.SITES):
        site = Site.objects.filter(unit__name=unit_name, name=name).first()
        if site is not None:
            sites.append((index, site))
    if not sites:
        return []
    end = services.quarter_end(year, quarter)
    tz = timezone.get_current_timezone()
    patrolled = dt.datetime.combine(end - dt.timedelta(days=12), dt.time(9, 30), tzinfo=tz)
    bulletin_date = min(end + dt.timedelta(days=12), timezone.localdate(now))
    with transaction.atomic():
        for index, site in sites:
            _history(site, index, patrolled, now)
        inspection = services.open_inspection(supervisor, year, quarter, unit=city)
        portal = sites[0][1]
        services.add_spot_check(
            supervisor, inspection, site=portal, url=portal.home_url + f"zwgk/zcjd/{year}09/t{year}0915_88.html",
            problem_type="wording", wrong_text="中华人民共和国国务院办公厅印发", right_text="国务院办公厅印发",
            excerpt="……根据中华人民共和国国务院办公厅印发的《通知》要求……", note="人工抽查：机构名称表述不规范。")
        services.close_inspection(supervisor, inspection, bulletin_date=bulletin_date,
                                  now=dt.datetime.combine(bulletin_date, dt.time(9), tzinfo=tz))
        answered = None
        admin = data.users.get("demo_site_admin")  # 东城区卫生健康局
        task = RectificationTask.objects.filter(inspection=inspection, unit__name="东城区卫生健康局").order_by(
            "id").first()
        if admin is not None and task is not None:
            answered = services.answer_task(admin, task, "已删除失效链接并更新栏目，已重新巡检自查。")
        services.escalate_overdue(now)
        count = RectificationTask.objects.filter(inspection=inspection).count()
        late = RectificationTask.objects.filter(inspection=inspection,
                                                state__in=(TaskState.OVERDUE, TaskState.ESCALATED)).count()
    line = (f"示例季度检查：{year} 年第 {quarter} 季度（已结束，{len(sites)} 个网站，1 条人工抽查，"
            f"整改任务 {count} 个{'，1 个已答复' if answered else ''}，{late} 个已逾期）。")
    return [line]
