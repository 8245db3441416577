"""Shared set-up of the inspection tests: a district with sites, patrol results and probes.

Each test module wraps `make_org` and `make_sites` in its own `org` and `sites` fixtures."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from sanshen.patrol.model import Column as PColumn
from sanshen.patrol.model import Kind
from sanshen.patrol.model import Problem as PProblem
from sanshen.units.models import Role

EDU = "https://jyj.qilin.gov.example/"
PORTAL = "https://www.qilin.gov.example/"
TOWN = "https://yz.qilin.gov.example/"


@dataclass
class Result:
    pages_crawled: int = 10
    problems: list = field(default_factory=list)
    columns: list = field(default_factory=list)
    complete: bool = True


def dead(home: str, path: str, on_home: bool = True) -> PProblem:
    return PProblem(Kind.DEAD_LINK, home + path, "链接返回 HTTP 404", "medium", found_on=[home],
                    facts={"status": 404, "key": "404", "on_home": on_home})


def wording(home: str, path: str = "news/1.html") -> PProblem:
    return PProblem(Kind.CONTENT, home + path, "严重表述错误", "veto", found_on=[home],
                    finding={"rule": "region", "text": "台湾国", "suggestion": "台湾地区", "category": "expression",
                             "severity": "veto", "message": "地区名称表述错误", "context": "……与台湾国的交流……"})


def column(home: str, name: str, latest: dt.date | None, update_class: str = "news", items: int = 5) -> PColumn:
    days = {"news": 14, "notice": 183, "yearly": 365}.get(update_class)
    return PColumn(url=home + name + "/", name=name, update_class=update_class, max_age_days=days, latest=latest,
                   item_count=items)


def patrol(site, *problems, columns=(), complete=True, when=None):
    from sanshen.sites import services
    from sanshen.sites.models import PatrolRun

    run = PatrolRun.objects.create(site=site)
    services.record_patrol(site, run, Result(problems=list(problems), columns=list(columns), complete=complete),
                           now=when)
    run.refresh_from_db()
    return run


def probes(site, day: dt.date, count: int, failures: int = 0, days: int = 1):
    """`count` probes a day for `days` days ending on `day`, the first `failures` of each day failing."""
    from sanshen.sites.models import Probe

    tz = timezone.get_current_timezone()
    rows = []
    for d in range(days):
        date = day - dt.timedelta(days=d)
        for i in range(count):
            at = dt.datetime.combine(date, dt.time(0, 10), tzinfo=tz) + dt.timedelta(minutes=60 * i)
            rows.append(Probe(site=site, at=at, ok=i >= failures, elapsed_ms=800, status=200 if i >= failures else 502))
    Probe.objects.bulk_create(rows)


def make_org(tree, make_user) -> dict:
    return {
        **tree,
        "supervisor": make_user("supervisor", (tree["qilin"], Role.SUPERVISOR)),
        "city_supervisor": make_user("city_sup", (tree["city"], Role.SUPERVISOR)),
        "edu_admin": make_user("edu_admin", (tree["edu"], Role.SITE_ADMIN)),
        "edu_editor": make_user("edu_editor", (tree["edu"], Role.EDITOR)),
        "town_admin": make_user("town_admin", (tree["town"], Role.SITE_ADMIN)),
        "outsider": make_user("outsider", (tree["zhanyi_edu"], Role.SITE_ADMIN)),
        "outside_supervisor": make_user("zy_sup", (tree["zhanyi"], Role.SUPERVISOR)),
    }


def make_sites(org) -> dict:
    from sanshen.sites.models import Site, SiteKind

    return {
        "portal": Site.objects.create(unit=org["qilin"], name="麒麟区人民政府网", home_url=PORTAL,
                                      kind=SiteKind.PORTAL),
        "edu": Site.objects.create(unit=org["edu"], name="麒麟区教育体育局网站", home_url=EDU),
        "town": Site.objects.create(unit=org["town"], name="越州镇网站", home_url=TOWN),
        "retired": Site.objects.create(unit=org["town"], name="越州镇旧网站", home_url="https://old.yz.example/",
                                       is_active=False),
        "zhanyi": Site.objects.create(unit=org["zhanyi_edu"], name="沾益区教育体育局网站",
                                      home_url="https://jyj.zhanyi.gov.example/"),
    }
