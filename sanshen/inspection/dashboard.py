"""检查考核总览: what a supervisor sees of its subtree at a glance.

Every active site's score today (scored live by `services.score_site`, the indicator set parsed
once per request; about five queries a site, fine for the few hundred sites of a city), the scores
of its last closed inspections (trend), vetoes and early warnings, problems by type per week over
the last 12 weeks (from `sites.Problem.first_seen_at`), and the units with the most overdue
rectification tasks."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.utils import timezone

from sanshen.patrol.model import KIND_LABELS, Kind
from sanshen.sites.models import Problem, Site
from sanshen.units.models import Unit

from . import services, svg
from .models import InspectionSite, InspectionState, RectificationTask, TaskState

WEEKS = 12
TREND_POINTS = 6
TOP_UNITS = 10


@dataclass
class SiteRow:
    site: Site
    score: float
    passed: bool
    vetoes: list[str]
    warnings: list[str]
    not_measured: int
    trend: list[tuple[str, float | None]] = field(default_factory=list)
    sparkline: str = ""


def supervised_sites(user) -> QuerySet[Site]:
    """Active sites of every unit at or below one the user supervises (all for a superuser)."""
    qs = Site.objects.filter(is_active=True).select_related("unit")
    if getattr(user, "is_superuser", False):
        return qs.order_by("unit__path", "name")
    paths = list(services.supervised_units(user).values_list("path", flat=True))
    if not paths:
        return qs.none()
    condition = Q()
    for path in paths:
        condition |= Q(unit__path__startswith=path)
    return qs.filter(condition).order_by("unit__path", "name")


def _trends(site_ids: list[int]) -> dict[int, list[tuple[str, float | None]]]:
    rows = (InspectionSite.objects.filter(site_id__in=site_ids, inspection__state=InspectionState.CLOSED)
            .order_by("inspection__year", "inspection__quarter", "inspection_id")
            .values_list("site_id", "inspection__year", "inspection__quarter", "score"))
    out: dict[int, list[tuple[str, float | None]]] = defaultdict(list)
    for site_id, year, quarter, score in rows:
        out[site_id].append((f"{year}Q{quarter}", score))
    return {k: v[-TREND_POINTS:] for k, v in out.items()}


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def problems_by_week(sites: QuerySet[Site], today: dt.date, weeks: int = WEEKS) -> tuple[list[dt.date], dict]:
    """Problems first seen in each of the last `weeks` weeks (Monday to Sunday, the current week
    last), counted by kind: (week starts, {kind: [count per week]})."""
    first = week_start(today) - dt.timedelta(weeks=weeks - 1)
    tz = timezone.get_current_timezone()
    since = dt.datetime.combine(first, dt.time.min, tzinfo=tz)
    starts = [first + dt.timedelta(weeks=i) for i in range(weeks)]
    index = {d: i for i, d in enumerate(starts)}
    counts: dict[str, list[int]] = {}
    for kind, seen in Problem.objects.filter(site__in=sites, first_seen_at__gte=since).values_list(
            "kind", "first_seen_at"):
        i = index.get(week_start(timezone.localtime(seen, tz).date()))
        if i is None:
            continue
        counts.setdefault(kind, [0] * weeks)[i] += 1
    return starts, counts


def kind_label(kind: str) -> str:
    try:
        return KIND_LABELS.get(Kind(kind), kind)
    except ValueError:
        return kind


def overdue_units(sites: QuerySet[Site], today: dt.date, limit: int = TOP_UNITS) -> list[tuple[Unit, int]]:
    """Units with unanswered tasks past their deadline (or already marked 已逾期/逾期已督办), most
    first; an answered task waits for confirmation and is not counted (as on the task page)."""
    overdue = RectificationTask.objects.filter(site__in=sites).filter(
        Q(state__in=(TaskState.OVERDUE, TaskState.ESCALATED)) | Q(state=TaskState.OPEN, deadline__lt=today))
    counts = Counter(overdue.values_list("unit_id", flat=True))
    units = Unit.objects.in_bulk(list(counts))
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], units[kv[0]].path if kv[0] in units else ""))
    return [(units[uid], n) for uid, n in ranked[:limit] if uid in units]


def dashboard(user, today: dt.date | None = None) -> dict:
    today = today or timezone.localdate()
    sites = supervised_sites(user)
    site_list = list(sites)
    parsed, label = services._indicator_set(None)  # parsed once for every site of this request
    trends = _trends([s.pk for s in site_list])
    rows: list[SiteRow] = []
    for site in site_list:
        card = services.score_site(site, today, parsed)
        trend = trends.get(site.pk, [])
        row = SiteRow(site, card.score, card.passed, [v.name for v in card.vetoes],
                      [f"{w.name}：{w.detail}" for w in card.warnings], len(card.not_measured), trend)
        row.sparkline = svg.sparkline([s for _, s in trend],
                                      label="、".join(f"{q} {s:g}" for q, s in trend if s is not None))
        rows.append(row)
    starts, by_kind = problems_by_week(sites, today)
    order = sorted(by_kind, key=lambda k: -sum(by_kind[k]))
    series = [(kind_label(k), by_kind[k]) for k in order]
    chart = svg.stacked_bars([d.strftime("%m-%d") for d in starts], series,
                             label=f"近 {WEEKS} 周新发现问题（按类型）") if series else ""
    units = overdue_units(sites, today)
    return {
        "today": today,
        "indicator_label": label,
        "rows": rows,
        "site_count": len(rows),
        "passed_count": sum(1 for r in rows if r.passed),
        "failed_count": sum(1 for r in rows if not r.passed),
        "veto_count": sum(len(r.vetoes) for r in rows),
        "warning_count": sum(len(r.warnings) for r in rows),
        "weeks": WEEKS,
        "problem_chart": chart,
        "problem_table": [(kind_label(k), by_kind[k], sum(by_kind[k])) for k in order],
        "week_starts": starts,
        "overdue_units": units,
        "overdue_chart": svg.hbars([(u.name, n) for u, n in units], label="整改逾期任务最多的单位"),
    }
