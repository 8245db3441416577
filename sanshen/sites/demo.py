"""Demo sites for `sanshen demo`: a few registered websites with columns, one recorded patrol
with problems, and a week of availability probes. Idempotent: a site found by name is left as is."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from django.utils import timezone

from sanshen.patrol.model import Column as PatrolColumn
from sanshen.patrol.model import Kind
from sanshen.patrol.model import Problem as PatrolProblem

SITES = (
    # (unit name, site name, home url, site code, icp, failing probe share)
    ("示范市人民政府办公室", "示范市人民政府门户网站", "https://www.shifan.gov.example/", "5300000001",
     "滇ICP备05000001号", 0.0),
    ("东城区卫生健康局", "东城区卫生健康局网站", "https://wsjk.dongcheng.gov.example/", "5303020011",
     "滇ICP备05000002号-3", 0.04),
    ("西山县农业农村局", "西山县农业农村局网站", "https://nync.xishan.gov.example/", "5303250021",
     "滇ICP备05000003号", 0.07),
)


@dataclass
class _Result:
    pages_crawled: int
    problems: list = field(default_factory=list)
    columns: list = field(default_factory=list)
    complete: bool = True


def _result(home: str, today: dt.date) -> _Result:
    news = f"{home}xwdt/"
    notices = f"{home}tzgg/"
    article = f"{home}xwdt/202601/t20260112_1001.html"
    problems = [
        PatrolProblem(Kind.DEAD_LINK, f"{home}zwgk/old/index.html", "链接返回 HTTP 404", "high",
                      found_on=[home], facts={"status": 404, "key": "404"}),
        PatrolProblem(Kind.DEAD_LINK, f"{home}upload/2019/附件1.doc", "附件无法下载（HTTP 404）", "medium",
                      found_on=[notices], facts={"status": 404, "key": "404", "link_kind": "attachment"}),
        PatrolProblem(Kind.STALE_COLUMN, notices, "“通知公告”栏目 212 天未更新（要求 6 个月）", "veto",
                      found_on=[home], facts={"key": "stale", "days": 212}),
        PatrolProblem(Kind.CONTENT, article, "个人隐私：身份证号码", "veto", found_on=[news],
                      finding={"category": "privacy", "rule": "id_card", "severity": "veto",
                               "text": "530302199001011234", "message": "公开内容含身份证号码"},
                      facts={"excerpt": "联系人张某，身份证号530302199001011234，电话……"}),
        PatrolProblem(Kind.HIDDEN_LINK, home, "首页含不可见的外部链接（display:none）：bet365 官方", "veto",
                      found_on=[], facts={"key": "https://bet.example/", "excerpt": "<div style=\"display:none\">…"}),
    ]
    columns = [
        PatrolColumn(news, "工作动态", "news", 14, today - dt.timedelta(days=3), 20, 0),
        PatrolColumn(notices, "通知公告", "notice", 183, today - dt.timedelta(days=212), 15, 0),
        PatrolColumn(f"{home}rsxx/", "人事信息", "yearly", 365, today - dt.timedelta(days=90), 8, 1),
    ]
    return _Result(pages_crawled=137, problems=problems, columns=columns)


def load_demo_sites(data) -> list[str]:
    from .models import PatrolRun, RunState, Site
    from .services import record_patrol

    created = 0
    now = timezone.now()
    rng = random.Random(2026)
    for index, (unit_name, name, home, code, icp, failing) in enumerate(SITES):
        unit = data.units.get(unit_name)
        if unit is None or Site.objects.filter(unit=unit, name=name).exists():
            continue
        site = Site.objects.create(unit=unit, name=name, home_url=home, site_code=code, icp=icp,
                                   kind="portal" if index == 0 else "department", allowed_hosts=[])
        created += 1
        run = PatrolRun.objects.create(site=site, state=RunState.RUNNING, started_at=now - dt.timedelta(minutes=40),
                                       pages_total_estimate=140)
        problems = _result(home, timezone.localdate(now))
        if index == 0:  # the city portal is in better shape
            problems.problems = problems.problems[:2]
        record_patrol(site, run, problems, now=now - dt.timedelta(minutes=5))
        # A week of probes every hour (the real schedule is every 15 minutes).
        from .models import Probe

        probes = []
        for hour in range(7 * 24, 0, -1):
            failed = rng.random() < failing
            probes.append(Probe(site=site, at=now - dt.timedelta(hours=hour), ok=not failed,
                                elapsed_ms=rng.randint(15000, 20000) if failed and rng.random() < 0.3
                                else rng.randint(80, 900),
                                status=None if failed else 200, error="连接超时" if failed else ""))
        Probe.objects.bulk_create(probes)
    return [f"示例网站：新建 {created} 个（含栏目、巡检问题与可用性探测）。"] if created else []
