"""The platform side of patrol (巡检). Views, the command and the tests call these functions.

Rules kept here:
- A site belongs to a unit. Everyone who sees the unit (`sanshen.units.services`) sees the site,
  its columns, runs, problems and probes; only the unit's 网站管理员 or a 监管员 at or above it
  (or a superuser) changes the registry, starts patrols and marks problems.
- `record_patrol` keeps one `Problem` row per site and `Problem.key()`: a problem found again is
  the same row. New problems are 待整改 (with an alert when veto/high); problems marked 误报 stay
  误报; 已整改 ones found again are reopened with an alert; open ones a *complete* patrol no
  longer finds become 自动消失.
- Columns found by a patrol are added; a column an administrator corrected (or added by hand)
  keeps its name and update class whatever a later patrol guesses.
- Availability over the trailing 7 days: failures (no answer, an error status, or ≥ 15 s) / all
  probes; ≥ 5 % is a veto, ≥ 3 % a warning; two failed probes in a row raise an alert.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import datetime as dt
import io
import json
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from sanshen.audit.context import audit_context
from sanshen.audit.models import Action
from sanshen.audit.services import record
from sanshen.patrol.model import Kind
from sanshen.units.models import Membership, Role, Unit
from sanshen.units.services import has_role, scope_to_user

from .models import (
    SEVERITY_RANK,
    Alert,
    AlertKind,
    Column,
    PatrolRun,
    Probe,
    Problem,
    ProblemStatus,
    RunState,
    Schedule,
    Site,
    UpdateClass,
    key_hash,
)

__all__ = [
    "DUTY_ROLES",
    "SITE_FIELDS",
    "Availability",
    "acknowledge_alert",
    "availability",
    "can_manage",
    "can_read_duty",
    "correct_column",
    "due_patrols",
    "due_probes",
    "execute_run",
    "export_problems",
    "launch_run",
    "mark_problem",
    "probe_site",
    "record_patrol",
    "record_probe",
    "register_site",
    "run_patrol_now",
    "start_patrol",
    "update_site",
    "visible_alerts",
    "visible_sites",
]

DUTY_ROLES = (Role.DUTY_OFFICER, Role.SITE_ADMIN, Role.SUPERVISOR)
ALERT_SEVERITIES = ("veto", "high")
SLOW_MS = 15_000
WINDOW = dt.timedelta(days=7)
STALE_RUN = dt.timedelta(hours=12)

SITE_FIELDS = (
    "name", "home_url", "allowed_hosts", "site_code", "icp", "psb", "kind", "obey_robots", "cloaking", "headless",
    "max_pages", "max_depth", "per_host_concurrency", "schedule", "daily_at", "every_hours", "probe_minutes",
    "is_active",
)  # fmt: skip


# Permissions --------------------------------------------------------------------------------


def visible_sites(user) -> QuerySet[Site]:
    return scope_to_user(Site.objects.all(), user).select_related("unit")


def can_manage(user, unit: Unit | int) -> bool:
    """网站管理员 of the unit, a 监管员 at or above it, or a superuser."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return has_role(user, unit, Role.SITE_ADMIN) or has_role(user, unit, Role.SUPERVISOR, inherited=True)


def _require_manage(user, site_or_unit) -> None:
    unit = site_or_unit.unit_id if isinstance(site_or_unit, Site) else site_or_unit
    if not can_manage(user, unit):
        raise PermissionDenied("只有本单位网站管理员或上级监管员可以进行此操作。")


def can_read_duty(user) -> bool:
    """Who works the alert queue: 值班员, 网站管理员, 监管员 (and superusers)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or Membership.objects.filter(user=user, role__in=DUTY_ROLES).exists()


# Registry -----------------------------------------------------------------------------------


def _normalise_hosts(value) -> list[str]:
    if isinstance(value, str):
        value = value.replace("，", ",").replace("\n", ",").split(",")
    return sorted({h.strip().lower() for h in value or [] if h and h.strip()})


def register_site(user, unit: Unit, **fields) -> Site:
    """Register a website of `unit` on behalf of `user` (audited)."""
    _require_manage(user, unit)
    unknown = set(fields) - set(SITE_FIELDS)
    if unknown:
        raise ValueError(f"未知字段：{', '.join(sorted(unknown))}")
    if "allowed_hosts" in fields:
        fields["allowed_hosts"] = _normalise_hosts(fields["allowed_hosts"])
    site = Site(unit=unit, **fields)
    site.full_clean()
    with transaction.atomic(), audit_context(actor=user):
        site.save()
    return site


def update_site(site: Site, user, **fields) -> Site:
    """Change registry fields of `site` (audited field by field). The unit does not change here."""
    _require_manage(user, site)
    unknown = set(fields) - set(SITE_FIELDS)
    if unknown:
        raise ValueError(f"未知字段：{', '.join(sorted(unknown))}")
    if "allowed_hosts" in fields:
        fields["allowed_hosts"] = _normalise_hosts(fields["allowed_hosts"])
    for name, value in fields.items():
        setattr(site, name, value)
    site.full_clean()
    with transaction.atomic(), audit_context(actor=user):
        site.save()
    return site


def add_column(site: Site, user, *, url: str, name: str, update_class: str = UpdateClass.NEWS,
               custom_days: int | None = None) -> Column:
    """A column entered by hand: it counts as corrected, so patrols never rename or reclassify it."""
    _require_manage(user, site)
    column = Column(site=site, url=url.strip(), name=name.strip(), update_class=update_class,
                    custom_days=custom_days if update_class == UpdateClass.CUSTOM else None,
                    corrected_by=user, corrected_at=timezone.now())
    column.full_clean()
    with transaction.atomic(), audit_context(actor=user):
        column.save()
    return column


def correct_column(column: Column, user, *, name: str | None = None, update_class: str | None = None,
                   custom_days: int | None = None) -> Column:
    """An administrator's correction of a column's name and update class; kept over later patrols."""
    _require_manage(user, column.site)
    if name is not None and name.strip():
        column.name = name.strip()
    if update_class is not None:
        column.update_class = update_class
    column.custom_days = custom_days if column.update_class == UpdateClass.CUSTOM else None
    column.corrected_by = user
    column.corrected_at = timezone.now()
    column.full_clean()
    with transaction.atomic(), audit_context(actor=user):
        column.save()
    return column


# Patrol results -----------------------------------------------------------------------------


def _excerpt(problem) -> str:
    facts = problem.facts or {}
    if facts.get("excerpt"):
        return str(facts["excerpt"])[:1000]
    finding = problem.finding or {}
    return str(finding.get("context") or finding.get("text") or "")[:1000]


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, ensure_ascii=False, default=str))


def _alert(site: Site, kind: str, message: str, *, severity: str = "high", problem: Problem | None = None) -> Alert:
    return Alert.objects.create(site=site, problem=problem, kind=kind, message=message[:2000], severity=severity)


def _problem_alert(row: Problem, *, reopened: bool) -> None:
    if reopened:
        _alert(row.site, AlertKind.REOPENED, f"已整改的问题再次出现：{row.get_kind_display()} {row.url} — {row.detail}",
               severity=row.severity if row.severity in ALERT_SEVERITIES else "high", problem=row)
    elif row.severity in ALERT_SEVERITIES:
        _alert(row.site, AlertKind.PROBLEM, f"{row.get_kind_display()}（{row.get_severity_display()}）：{row.url} — "
               f"{row.detail}", severity=row.severity, problem=row)


def _merge(problems: Iterable) -> dict[str, Any]:
    """Problems of one patrol by key hash; the same key found twice keeps one, found_on merged."""
    merged: dict[str, Any] = {}
    for problem in problems:
        digest = key_hash(problem.key())
        if digest in merged:
            seen = merged[digest]
            for page in problem.found_on:
                if page not in seen.found_on:
                    seen.found_on.append(page)
            if SEVERITY_RANK.get(problem.severity, 9) < SEVERITY_RANK.get(seen.severity, 9):
                seen.severity = problem.severity
        else:
            merged[digest] = problem
    return merged


def record_patrol(site: Site, run: PatrolRun, result, *, complete: bool | None = None, now=None) -> dict[str, int]:
    """Store what a patrol found. `result` has `.pages_crawled`, `.problems` (patrol `Problem`s)
    and `.columns` (patrol `Column`s). `complete` (default: `result.complete`, else True) says
    whether the patrol covered the whole site; only then do unseen open problems become 自动消失.

    Returns counts: new, seen, reopened, gone, suppressed, columns_added, columns_updated.
    """
    now = now or timezone.now()
    if complete is None:
        complete = bool(getattr(result, "complete", True))
    found_columns = list(getattr(result, "columns", []) or [])
    merged = _merge(_apply_corrections(site, list(getattr(result, "problems", []) or []), found_columns,
                                       timezone.localdate(now)))
    counts = dict.fromkeys(("new", "seen", "reopened", "gone", "suppressed", "columns_added", "columns_updated"), 0)
    with transaction.atomic():
        existing = {p.key_hash: p for p in Problem.objects.filter(site=site, key_hash__in=list(merged))}
        for digest, found in merged.items():
            fields = {
                "kind": found.kind.value if hasattr(found.kind, "value") else str(found.kind),
                "url": found.url[:2000],
                "detail": found.detail,
                "severity": found.severity if found.severity in SEVERITY_RANK else "medium",
                "found_on": _jsonable(list(found.found_on)[:50]),
                "finding": _jsonable(found.finding),
                "facts": _jsonable(found.facts or {}),
                "excerpt": _excerpt(found),
                "last_seen_run": run,
                "last_seen_at": now,
            }
            row = existing.get(digest)
            if row is None:
                row = Problem.objects.create(site=site, key_hash=digest, first_seen_run=run, first_seen_at=now,
                                             status=ProblemStatus.OPEN, **fields)
                counts["new"] += 1
                _problem_alert(row, reopened=False)
                continue
            for name, value in fields.items():
                setattr(row, name, value)
            if row.status == ProblemStatus.FALSE_POSITIVE:
                counts["suppressed"] += 1
            elif row.status == ProblemStatus.FIXED:
                row.status = ProblemStatus.OPEN
                row.reopened += 1
                counts["reopened"] += 1
                _problem_alert(row, reopened=True)
            elif row.status == ProblemStatus.GONE:
                row.status = ProblemStatus.OPEN
                row.resolved_at = None
                row.resolution_note = ""
                counts["reopened"] += 1
                _problem_alert(row, reopened=False)
            else:
                counts["seen"] += 1
            row.save()
        if complete:
            counts["gone"] = (
                Problem.objects.filter(site=site, status=ProblemStatus.OPEN)
                .exclude(key_hash__in=list(merged))
                .update(status=ProblemStatus.GONE, resolved_at=now, resolved_by=None,
                        resolution_note="后续完整巡检未再发现，自动消失。")
            )
        added, updated = _record_columns(site, found_columns, now)
        counts["columns_added"], counts["columns_updated"] = added, updated
        run.pages_crawled = int(getattr(result, "pages_crawled", run.pages_crawled) or 0)
        run.problems_found = len(merged)
        run.complete = complete
        if run.state in (RunState.QUEUED, RunState.RUNNING, RunState.FINISHING):
            run.state = RunState.DONE
        run.finished_at = run.finished_at or now
        run.save()
    return counts


def _apply_corrections(site: Site, problems: list, columns: list, today: dt.date) -> list:
    """Judge the freshness of columns an administrator corrected (or entered) by the corrected
    update class, not by the crawler's guess: the crawler's stale_column problem for such a column
    is dropped and, if the column is late by its corrected class, replaced (same identity)."""
    from sanshen.patrol.model import Problem as PatrolProblem

    fixed = {c.url: c for c in site.columns.filter(Q(corrected_at__isnull=False) | Q(found_automatically=False))}
    if not fixed:
        return problems
    kept = [p for p in problems
            if not (p.kind == Kind.STALE_COLUMN and p.url in fixed and not (p.facts or {}).get("home"))]
    for found in columns:
        column = fixed.get(found.url)
        if column is None or not found.item_count:
            continue
        days = column.max_age_days
        if days is None:
            continue
        if found.latest is None:
            detail = (f"栏目“{column.name}”的 {found.item_count} 条信息均未注明发布时间，视为不更新"
                      f"（应每 {days} 天内更新）")
        elif (today - found.latest).days > days:
            detail = (f"栏目“{column.name}”最近更新于 {found.latest.isoformat()}，已 {(today - found.latest).days} "
                      f"天未更新（应每 {days} 天内更新）")
        else:
            continue
        kept.append(PatrolProblem(
            kind=Kind.STALE_COLUMN, url=found.url, detail=detail,
            severity="medium" if column.update_class == UpdateClass.YEARLY else "high",
            facts={"key": found.url, "column": column.name, "update_class": column.update_class, "max_age_days": days,
                   "latest": found.latest.isoformat() if found.latest else None, "items": found.item_count,
                   "corrected": True},
        ))
    return kept


def _record_columns(site: Site, columns: Iterable, now) -> tuple[int, int]:
    known = {c.url: c for c in Column.objects.filter(site=site)}
    added = updated = 0
    for found in columns:
        column = known.get(found.url)
        update_class = found.update_class if found.update_class in UpdateClass.values else UpdateClass.NONE
        if column is None:
            column = Column(site=site, url=found.url[:1000], name=(found.name or found.url)[:200],
                            update_class=update_class, found_automatically=True,
                            custom_days=found.max_age_days if update_class == UpdateClass.CUSTOM else None)
            added += 1
        else:
            updated += 1
            if column.found_automatically and column.corrected_at is None:
                column.name = (found.name or column.name)[:200]
                column.update_class = update_class
                column.custom_days = found.max_age_days if update_class == UpdateClass.CUSTOM else None
        column.latest_date = found.latest
        column.item_count = found.item_count
        column.undated_items = found.undated_items
        column.last_seen = now
        column.save()
        known[found.url] = column
    return added, updated


def column_overrides(site: Site) -> list[dict]:
    """The columns an administrator fixed, for the crawler to judge freshness by them."""
    return [
        {"url": c.url, "name": c.name, "update_class": c.update_class, "max_age_days": c.max_age_days}
        for c in site.columns.filter(Q(corrected_at__isnull=False) | Q(found_automatically=False))
    ]


# Marking problems ---------------------------------------------------------------------------

MARKABLE = (ProblemStatus.FIXED, ProblemStatus.FALSE_POSITIVE, ProblemStatus.OPEN)


def mark_problem(problem: Problem, user, status: str, note: str = "") -> Problem:
    """已整改 / 误报 (or back to 待整改) by a manager of the site's unit; audited."""
    _require_manage(user, problem.site)
    if status not in MARKABLE:
        raise ValidationError("只能标记为已整改、误报或待整改。")
    note = (note or "").strip()
    if status == ProblemStatus.FALSE_POSITIVE and not note:
        raise ValidationError("标记为误报须说明理由。")
    before = {"status": problem.status, "note": problem.resolution_note}
    problem.status = status
    problem.resolution_note = note
    if status == ProblemStatus.OPEN:
        problem.resolved_by, problem.resolved_at = None, None
    else:
        problem.resolved_by, problem.resolved_at = user, timezone.now()
    with transaction.atomic():
        problem.save()
        record("sites_mark_problem", actor=user, obj=problem, unit=problem.site.unit_id, before=before,
               after={"status": status, "note": note, "url": problem.url, "kind": problem.kind})
    return problem


# Alerts -------------------------------------------------------------------------------------


def visible_alerts(user, *, include_acknowledged: bool = False) -> QuerySet[Alert]:
    qs = scope_to_user(Alert.objects.all(), user, "site__unit").select_related("site", "site__unit", "problem")
    if not include_acknowledged:
        qs = qs.filter(acknowledged_at__isnull=True)
    return qs


def acknowledge_alert(alert: Alert, user) -> Alert:
    if not can_read_duty(user) or not visible_alerts(user, include_acknowledged=True).filter(pk=alert.pk).exists():
        raise PermissionDenied("无权确认此告警。")
    if alert.acknowledged_at is None:
        alert.acknowledged_by, alert.acknowledged_at = user, timezone.now()
        with transaction.atomic():
            alert.save(update_fields=["acknowledged_by", "acknowledged_at"])
            record("sites_ack_alert", actor=user, obj=alert, unit=alert.site.unit_id,
                   after={"kind": alert.kind, "message": alert.message[:200]})
    return alert


# Availability -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Availability:
    total: int
    failures: int
    consecutive_failures: int  # failures at the end, up to now
    verdict: str  # "ok" | "alert" (2 in a row in the window) | "warning" | "veto" | "unknown" (no probes)
    reasons: tuple[str, ...] = ()

    @property
    def failure_ratio(self) -> float:
        return self.failures / self.total if self.total else 0.0

    @property
    def percent(self) -> float | None:
        """Availability in percent, None without probes."""
        return None if not self.total else round(100 * (1 - self.failure_ratio), 2)

    @property
    def label(self) -> str:
        return {"ok": "正常", "alert": "曾连续无法访问", "warning": "预警", "veto": "不达标（单项否决）",
                "unknown": "暂无数据"}.get(self.verdict, self.verdict)


def _failed(ok: bool, elapsed_ms: int) -> bool:
    return not ok or elapsed_ms >= SLOW_MS


def _verdict(samples: list[tuple[dt.datetime, bool, int, int | None]], now: dt.datetime) -> Availability:
    """`samples` are (at, ok, elapsed_ms, status) inside the window. The rule itself is the patrol
    library's pure `availability_verdict`."""
    from sanshen.patrol.checks.availability import Probe as PatrolProbe
    from sanshen.patrol.checks.availability import availability_verdict

    probes = [
        # A failed probe with a 2xx/3xx status (a wrong page, a cut body) is a failure all the same.
        PatrolProbe(at, (status or 200) if ok else (status if (status or 0) >= 400 else None), elapsed_ms / 1000)
        for at, ok, elapsed_ms, status in samples
    ]
    v = availability_verdict(probes, now)
    return Availability(v["probes"], v["failures"], v.get("trailing_failures", 0), v["level"],
                        tuple(v.get("reasons", ())))


def availability(site: Site, now: dt.datetime | None = None) -> Availability:
    """The trailing 7 days of probes before `now`."""
    now = now or timezone.now()
    samples = list(
        Probe.objects.filter(site=site, at__gt=now - WINDOW, at__lte=now).order_by("at").values_list(
            "at", "ok", "elapsed_ms", "status")
    )
    return _verdict(samples, now)


def record_probe(site: Site, ok: bool, elapsed_ms: int, status: int | None = None, error: str = "", *,
                 at: dt.datetime | None = None) -> Probe:
    """Store one availability probe; alert on the second failure in a row and on a veto ratio."""
    at = at or timezone.now()
    with transaction.atomic():
        probe = Probe.objects.create(site=site, at=at, ok=ok, elapsed_ms=max(0, int(elapsed_ms)), status=status,
                                     error=(error or "")[:300])
        if not _failed(ok, elapsed_ms):
            return probe
        state = availability(site, at)
        if state.consecutive_failures == 2:
            reason = error or (f"HTTP {status}" if status else "") or f"响应 {elapsed_ms / 1000:.1f} 秒"
            _alert(site, AlertKind.UNAVAILABLE, f"{site.name}（{site.home_url}）连续两次探测失败：{reason}",
                   severity="high")
        if state.verdict == "veto" and not Alert.objects.filter(
            site=site, kind=AlertKind.AVAILABILITY, created_at__gte=timezone.now() - dt.timedelta(days=1)
        ).exists():
            _alert(site, AlertKind.AVAILABILITY,
                   f"{site.name} 近 7 天可用率 {state.percent}%，失败 {state.failures}/{state.total} 次，"
                   "达到单项否决线（不可用率 ≥ 5%）。", severity="veto")
    return probe


def probe_site(site: Site, *, timeout: float = 30.0) -> Probe:
    """Fetch the home page once and record the result."""
    import httpx

    started = time.monotonic()
    status, error, ok = None, "", False
    try:
        with httpx.Client(follow_redirects=True, timeout=timeout, verify=True,
                          headers={"User-Agent": "Sanshen-Patrol/1.0 (+availability probe)"}) as client:
            response = client.get(site.home_url)
        status = response.status_code
        ok = 200 <= status < 400
        if not ok:
            error = f"HTTP {status}"
    except httpx.TimeoutException:
        error = "超时"
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"[:300]
    elapsed_ms = int((time.monotonic() - started) * 1000)
    return record_probe(site, ok, elapsed_ms, status, error)


# Running patrols ----------------------------------------------------------------------------


def active_run(site: Site) -> PatrolRun | None:
    return site.runs.filter(state__in=(RunState.QUEUED, RunState.RUNNING, RunState.FINISHING)).first()


def start_patrol(site: Site, user=None) -> PatrolRun:
    """A queued run (one at a time per site). `user=None` means the scheduler."""
    if user is not None:
        _require_manage(user, site)
    with transaction.atomic():
        running = active_run(site)
        if running is not None:
            return running
        run = PatrolRun.objects.create(site=site, triggered_by=user)
        if user is not None:
            record("sites_patrol", actor=user, obj=site, after={"run": run.pk})
    return run


def frontier_path(run: PatrolRun):
    folder = settings.DATA_DIR / "patrol"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder / f"{run.pk}.sqlite3"


def _progress_saver(run: PatrolRun, *, every: float = 1.0) -> Callable[..., None]:
    """A callback the crawler calls now and then; writes the counts at most once a second."""
    last = [0.0]

    def progress(*args, **kwargs) -> None:
        info = args[0] if args else kwargs
        crawled = _get(info, "pages_crawled", "crawled", "done")
        total = _get(info, "pages_total_estimate", "total", "queued")
        problems = _get(info, "problems_found", "problems")
        if time.monotonic() - last[0] < every:
            return
        last[0] = time.monotonic()
        fields = {}
        if crawled is not None:
            fields["pages_crawled"] = int(crawled)
        if total is not None:
            fields["pages_total_estimate"] = int(total)
        if problems is not None:
            fields["problems_found"] = int(problems)
        if fields:
            PatrolRun.objects.filter(pk=run.pk).update(**fields)

    return progress


def _get(info, *names):
    for name in names:
        value = info.get(name) if isinstance(info, dict) else getattr(info, name, None)
        if value is not None:
            if isinstance(value, list | tuple | set | dict):
                return len(value)
            return value
    return None


def _previous_frontier(site: Site, run: PatrolRun) -> str | None:
    """The frontier file of the site's last finished patrol (validators and tampering baselines)."""
    import os

    for path in (site.runs.filter(state=RunState.DONE).exclude(pk=run.pk).exclude(frontier_path="")
                 .order_by("-created_at", "-id").values_list("frontier_path", flat=True)[:1]):
        if os.path.exists(path):
            return path
    return None


def _prune_frontiers(site: Site, keep: int = 2) -> None:
    """Keep the frontier files of the newest `keep` runs of the site; older ones only take disk."""
    import os

    for run in site.runs.exclude(frontier_path="").order_by("-created_at", "-id")[keep:]:
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(OSError):
                os.remove(run.frontier_path + suffix)


def _crawl(site: Site, run: PatrolRun, progress: Callable[..., None]):
    """Run the crawler in-process and return its result (None when the run was cancelled).

    The crawler has no progress callback; its frontier is the progress: a coroutine beside the
    crawl reads the frontier's counts every second (same thread, same SQLite handle), passes
    them to `progress`, and stops the crawl when the run was cancelled meanwhile.
    """
    from sanshen.patrol.crawl import run_patrol
    from sanshen.patrol.frontier import CRAWL, SqliteFrontier

    path = frontier_path(run)
    run.frontier_path = str(path)
    PatrolRun.objects.filter(pk=run.pk).update(frontier_path=run.frontier_path)
    previous = _previous_frontier(site, run)
    frontier = SqliteFrontier(path, previous=previous)

    def cancelled() -> bool:
        from django.db import connection

        try:
            return PatrolRun.objects.filter(pk=run.pk, state=RunState.CANCELLED).exists()
        finally:
            connection.close()

    def report(done: int, total: int) -> None:
        from django.db import connection

        try:
            progress({"pages_crawled": done, "pages_total_estimate": total})
        finally:
            connection.close()

    async def main():
        crawl = asyncio.create_task(run_patrol(
            site.home_url, allowed_hosts=site.hosts(), max_pages=site.max_pages, max_depth=site.max_depth,
            as_of=timezone.localdate(), frontier=frontier, options=site.options(),
            per_host=site.per_host_concurrency, headless=site.headless,
        ))
        while not crawl.done():
            await asyncio.wait({crawl}, timeout=1.0)
            if crawl.done():
                break
            await asyncio.to_thread(report, frontier.done_count(CRAWL), min(frontier.count(CRAWL), site.max_pages))
            if await asyncio.to_thread(cancelled):
                crawl.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await crawl
                return None
        return crawl.result()

    try:
        return asyncio.run(main())
    finally:
        frontier.close()
        _prune_frontiers(site)


def is_complete(site: Site, result) -> bool:
    """Did the patrol see the whole site? Not when the home page failed or the page limit was hit:
    then problems it did not see again may still be there."""
    if getattr(result, "complete", None) is not None:
        return bool(result.complete)
    pages = int(getattr(result, "pages_crawled", 0) or 0)
    if pages == 0 or pages >= site.max_pages:
        return False
    return not any(getattr(p, "kind", None) == Kind.UNAVAILABLE for p in getattr(result, "problems", []) or [])


def execute_run(run: PatrolRun, *, crawl: Callable | None = None) -> PatrolRun:
    """Run a queued patrol to the end in this process. `crawl(site, run, progress)` replaces the
    real crawler (tests)."""
    site = run.site
    PatrolRun.objects.filter(pk=run.pk).update(state=RunState.RUNNING, started_at=timezone.now())
    run.refresh_from_db()
    try:
        result = (crawl or _crawl)(site, run, _progress_saver(run))
    except Exception as exc:  # the crawler failing must not lose the run's record
        run.refresh_from_db()
        run.state = RunState.FAILED
        run.error = f"{type(exc).__name__}: {exc}"[:2000]
        run.finished_at = timezone.now()
        run.save()
        _alert(site, AlertKind.PATROL_FAILED, f"{site.name} 巡检失败：{run.error[:300]}", severity="medium")
        return run
    run.refresh_from_db()
    if result is None:  # cancelled before the end: nothing to record
        return run
    record_patrol(site, run, result, complete=False if run.state == RunState.CANCELLED else is_complete(site, result))
    run.refresh_from_db()
    return run


def run_patrol_now(site: Site, user=None, *, crawl: Callable | None = None) -> PatrolRun:
    """Start a patrol and run it in this process (blocks until it is over)."""
    run = start_patrol(site, user)
    if run.state == RunState.QUEUED:
        execute_run(run, crawl=crawl)
        run.refresh_from_db()
    return run


def launch_run(run: PatrolRun) -> None:
    """Start a queued patrol without waiting for it; the page follows its progress through the
    database. With a Celery broker (`SANSHEN_CELERY_BROKER`) the workers run it
    (`sanshen.sites.tasks.patrol_site`, the patrol shared by `SANSHEN_PATROL_WORKERS` of them);
    without one, a background thread of this process runs it."""
    import threading

    from django.db import connections

    if getattr(settings, "SANSHEN_CELERY_BROKER", None):
        from .tasks import patrol_site

        site_id, run_id = run.site_id, run.pk
        transaction.on_commit(lambda: patrol_site.delay(site_id, run_id=run_id))
        return

    def work() -> None:
        try:
            execute_run(PatrolRun.objects.select_related("site").get(pk=run.pk))
        finally:
            connections.close_all()

    threading.Thread(target=work, name=f"patrol-{run.pk}", daemon=True).start()


def cancel_run(run: PatrolRun, user) -> PatrolRun:
    _require_manage(user, run.site)
    PatrolRun.objects.filter(pk=run.pk, state__in=(RunState.QUEUED, RunState.RUNNING)).update(
        state=RunState.CANCELLED, finished_at=timezone.now())
    run.refresh_from_db()
    return run


# Scheduling ---------------------------------------------------------------------------------


def _expire_stale_runs(now: dt.datetime) -> int:
    return PatrolRun.objects.filter(
        state__in=(RunState.QUEUED, RunState.RUNNING, RunState.FINISHING), created_at__lt=now - STALE_RUN
    ).update(state=RunState.FAILED, finished_at=now, error="巡检超时未结束，已中止。")


def is_patrol_due(site: Site, now: dt.datetime, last: PatrolRun | None) -> bool:
    if last is not None and last.is_active:
        return False
    if site.schedule == Schedule.INTERVAL:
        return last is None or last.created_at <= now - dt.timedelta(hours=site.every_hours or 24)
    local = timezone.localtime(now)
    slot = local.replace(hour=site.daily_at.hour, minute=site.daily_at.minute, second=0, microsecond=0)
    if local < slot:
        return False
    return last is None or timezone.localtime(last.created_at) < slot


def due_patrols(now: dt.datetime | None = None) -> list[Site]:
    now = now or timezone.now()
    _expire_stale_runs(now)
    due = []
    for site in Site.objects.filter(is_active=True).select_related("unit"):
        if is_patrol_due(site, now, site.runs.order_by("-created_at", "-id").first()):
            due.append(site)
    return due


def due_probes(now: dt.datetime | None = None) -> list[Site]:
    now = now or timezone.now()
    due = []
    for site in Site.objects.filter(is_active=True):
        last = site.probes.order_by("-at").values_list("at", flat=True).first()
        if last is None or last <= now - dt.timedelta(minutes=site.probe_minutes) + dt.timedelta(seconds=30):
            due.append(site)
    return due


# Summaries and exports ----------------------------------------------------------------------


def open_counts(sites: Iterable[Site]) -> dict[int, dict[str, int]]:
    """{site id: {severity: open problems}}"""
    ids = [s.pk for s in sites]
    out: dict[int, dict[str, int]] = {pk: dict.fromkeys(SEVERITY_RANK, 0) for pk in ids}
    rows = (Problem.objects.filter(site_id__in=ids, status=ProblemStatus.OPEN).values("site_id", "severity")
            .annotate(n=Count("id")))
    for row in rows:
        out[row["site_id"]][row["severity"]] = row["n"]
    return out


EXPORT_COLUMNS = (
    ("site", "网站"), ("kind", "问题类型"), ("severity", "严重程度"), ("status", "状态"), ("url", "页面地址"),
    ("found_on", "所在页面"), ("detail", "说明"), ("excerpt", "摘录"), ("first_seen_at", "首次发现"),
    ("last_seen_at", "最近发现"), ("resolved_by", "处理人"), ("resolved_at", "处理时间"), ("note", "处理说明"),
)  # fmt: skip


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def export_rows(problems: QuerySet[Problem]) -> Iterator[list[str]]:
    for p in problems.select_related("site", "resolved_by"):
        yield [
            p.site.name, p.get_kind_display(), p.get_severity_display(), p.get_status_display(), p.url,
            "\n".join(p.found_on or []), p.detail, p.excerpt, _when(p.first_seen_at), _when(p.last_seen_at),
            str(p.resolved_by or ""), _when(p.resolved_at), p.resolution_note,
        ]


def _safe(value: str) -> str:
    # Spreadsheets run cells starting with these as formulas (CSV injection).
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def export_problems(site: Site, problems: QuerySet[Problem], fmt: str, user) -> bytes:
    """The problems as CSV (UTF-8 with BOM) or XLSX; the export is audited."""
    if fmt not in ("csv", "xlsx"):
        raise ValueError(f"不支持的导出格式：{fmt}")
    header = [label for _, label in EXPORT_COLUMNS]
    rows = [[_safe(cell) for cell in row] for row in export_rows(problems)]
    record(Action.EXPORT, actor=user, obj=site, after={"what": "巡检问题", "format": fmt, "rows": len(rows)})
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows)
        return ("\ufeff" + out.getvalue()).encode("utf-8")
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    sheet.title = "巡检问题"
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", cell) for cell in row])
    widths = (20, 16, 8, 8, 50, 50, 50, 40, 17, 17, 10, 17, 30)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = width
    for line in sheet.iter_rows(min_row=2):
        for cell in line:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
