"""Inspection and scoring on the platform (检查考核). Views, the daily command and the tests call these.

Rules kept here:
- Scoring reads the patrol data of `sanshen.sites` (probes, columns, problems) into
  `sanshen.scoring.SiteFacts`; what no patrol measured stays None and is listed as not measured.
- Only a 监管员 (at or above the unit; or a superuser) opens, edits and closes an inspection, adds
  spot checks, edits indicator sets and the working-day calendar. An inspection is seen only by
  those who supervise its owner unit; a unit's users see their own tasks and their sites' scorecards.
- An inspection covers every active site of the owner's subtree (100%), fixed when it opens.
- Closing scores every site as of the quarter's end (or today if earlier), freezes the scorecards
  and turns each open problem counted in a veto or deduction, each veto without a problem row and
  each spot check into a rectification task due `rectification_workdays` Chinese working days after
  the bulletin date. A deadline past the known calendar is left empty and flagged, never guessed.
- A finished patrol that no longer finds a task's problem confirms the task; open tasks past
  their deadline become overdue (alert), and after a second period escalated (alert).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

import yaml
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from sanshen.audit.services import record
from sanshen.scoring import (
    ColumnFact,
    ContentFact,
    DeadLinkFact,
    IncidentFact,
    IndicatorError,
    IndicatorSet,
    Scorecard,
    SiteFacts,
    builtin_ids,
    parse_set,
    score,
)
from sanshen.scoring import Probe as ProbeFact
from sanshen.scoring.indicators import DATA_DIR, Indicator
from sanshen.scoring.workdays import CalendarUnknown, WorkCalendar
from sanshen.sites.models import Alert, AlertKind, PatrolRun, Problem, ProblemStatus, RunState, Site
from sanshen.units.models import Role, Unit
from sanshen.units.services import has_role, scope_to_user, units_with_role

from .models import (
    OPEN_TASK_STATES,
    CalendarDay,
    CalendarYear,
    EarlyWarning,
    IndicatorSetVersion,
    Inspection,
    InspectionSite,
    InspectionState,
    RectificationTask,
    SpotCheck,
    SpotType,
    TaskState,
)

__all__ = [
    "CLOSE_SUGGESTED_AT",
    "DEFAULT_SET",
    "active_set",
    "add_spot_check",
    "answer_task",
    "bulletin_counts",
    "can_answer",
    "can_supervise",
    "close_inspection",
    "confirm_task",
    "confirm_tasks_after_patrol",
    "daily",
    "declare_year",
    "early_warnings",
    "ensure_builtin_sets",
    "escalate_overdue",
    "is_supervisor",
    "open_inspection",
    "quarter_end",
    "recompute_unknown_deadlines",
    "save_indicator_set",
    "score_site",
    "scorecard_json",
    "set_calendar_day",
    "site_facts",
    "supervised_units",
    "update_inspection",
    "visible_inspections",
    "visible_tasks",
    "work_calendar",
]

DEFAULT_SET = "website-2019"
CLOSE_SUGGESTED_AT = 3  # seed 003: an account named in three bulletins is closed or merged
SYSTEM = "系统"
MAX_SCREENSHOT = 5 * 1024 * 1024
MAX_EVIDENCE = 10 * 1024 * 1024
# Alert kinds this app adds to the duty queue (sites.AlertKind has no such values yet).
ALERT_WARNING = getattr(AlertKind, "EARLY_WARNING", "early_warning")
ALERT_OVERDUE = getattr(AlertKind, "RECTIFY_OVERDUE", "rectify_overdue")
DEAD_KINDS = ("dead_link", "soft_404")
INCIDENT_KINDS = ("hidden_link", "spam_injection", "cloaking", "page_changed")


# Permissions --------------------------------------------------------------------------------


def _usable(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def is_supervisor(user) -> bool:
    """A 监管员 somewhere (or a superuser): may use the supervisor pages."""
    return _usable(user) and (user.is_superuser or units_with_role(user, Role.SUPERVISOR).exists())


def supervised_units(user) -> QuerySet[Unit]:
    """Units for which `user` may open an inspection (where it is 监管员; all for a superuser)."""
    if not _usable(user):
        return Unit.objects.none()
    if user.is_superuser:
        return Unit.objects.all()
    return units_with_role(user, Role.SUPERVISOR)


def can_supervise(user, unit: Unit | int) -> bool:
    if not _usable(user):
        return False
    return user.is_superuser or has_role(user, unit, Role.SUPERVISOR, inherited=True)


def _require_supervisor(user, unit: Unit | int | None = None) -> None:
    ok = is_supervisor(user) if unit is None else can_supervise(user, unit)
    if not ok:
        raise PermissionDenied("只有监管员可以进行此操作。")


def visible_inspections(user) -> QuerySet[Inspection]:
    """Inspections whose owner unit `user` supervises (the owner or an ancestor of it)."""
    qs = Inspection.objects.select_related("owner", "indicator_set")
    if not _usable(user):
        return qs.none()
    if user.is_superuser:
        return qs
    paths = list(units_with_role(user, Role.SUPERVISOR).values_list("path", flat=True))
    if not paths:
        return qs.none()
    condition = Q()
    for path in paths:
        condition |= Q(owner__path__startswith=path)
    return qs.filter(condition)


def visible_tasks(user) -> QuerySet[RectificationTask]:
    return scope_to_user(RectificationTask.objects.all(), user).select_related(
        "site", "unit", "inspection", "inspection__owner", "problem", "spot_check")


def can_answer(user, task: RectificationTask) -> bool:
    """Any member of the task's unit, a supervisor over it, or a superuser."""
    if not _usable(user):
        return False
    return user.is_superuser or has_role(user, task.unit_id) or can_supervise(user, task.unit_id)


# Working-day calendar -----------------------------------------------------------------------


def work_calendar() -> WorkCalendar:
    return WorkCalendar(
        {d.date: d.is_workday for d in CalendarDay.objects.all()},
        CalendarYear.objects.values_list("year", flat=True),
    )


def set_calendar_day(user, day: dt.date, is_workday: bool, note: str = "") -> CalendarDay:
    _require_supervisor(user)
    with transaction.atomic():
        row, _ = CalendarDay.objects.update_or_create(
            date=day, defaults={"is_workday": is_workday, "note": note.strip()[:200], "entered_by": user})
        record("inspection_calendar", actor=user, obj=row, after={"date": day, "is_workday": is_workday, "note": note})
        recompute_unknown_deadlines()
    return row


def declare_year(user, year: int) -> CalendarYear:
    """The year's arrangement is fully entered: its other days follow the Monday–Friday week."""
    _require_supervisor(user)
    if not 2000 <= year <= 2100:
        raise ValidationError("年份无效。")
    with transaction.atomic():
        row, created = CalendarYear.objects.get_or_create(year=year, defaults={"declared_by": user})
        if created:
            days = CalendarDay.objects.filter(date__year=year).count()
            record("inspection_calendar", actor=user, obj=row, after={"year": year, "declared_complete": True,
                                                                      "override_days": days})
            recompute_unknown_deadlines()
    return row


def recompute_unknown_deadlines() -> int:
    """Tasks whose deadline ran past the calendar get it once the supervisor has entered the year."""
    calendar = work_calendar()
    done = 0
    for task in RectificationTask.objects.filter(deadline_unknown=True, deadline__isnull=True).select_related(
            "inspection"):
        start = task.inspection.bulletin_date
        deadline, _why = _deadline(start, task.inspection.rectification_workdays, calendar) if start else (None, "")
        if deadline is not None:
            task.deadline, task.deadline_unknown, task.deadline_note = deadline, False, ""
            task.save(update_fields=["deadline", "deadline_unknown", "deadline_note"])
            done += 1
    return done


def _deadline(start: dt.date, workdays: int, calendar: WorkCalendar | None = None) -> tuple[dt.date | None, str]:
    """(deadline, "") or (None, why) when the calendar does not reach it."""
    try:
        return (calendar or work_calendar()).add_workdays(start, workdays), ""
    except CalendarUnknown as exc:
        return None, str(exc)


# Indicator sets -----------------------------------------------------------------------------


def ensure_builtin_sets() -> None:
    """The built-in indicator files become version 1 of their sets the first time they are needed."""
    for set_id in builtin_ids():
        if IndicatorSetVersion.objects.filter(set_id=set_id).exists():
            continue
        text = (DATA_DIR / f"{set_id}.yaml").read_text(encoding="utf-8")
        parsed = parse_set(yaml.safe_load(text), f"{set_id}.yaml")
        try:
            with transaction.atomic():
                IndicatorSetVersion.objects.create(
                    set_id=set_id, version=1, label=parsed.version, name=parsed.name, platform=parsed.platform,
                    yaml_text=text, note="内置指标文件", is_active=True)
        except IntegrityError:  # another request seeded it at the same moment
            pass


def active_set(set_id: str = DEFAULT_SET) -> IndicatorSetVersion:
    ensure_builtin_sets()
    row = IndicatorSetVersion.objects.filter(set_id=set_id, is_active=True).order_by("-version").first()
    if row is None:
        raise ValidationError(f"没有可用的指标集 {set_id}。")
    return row


def parse_yaml(text: str) -> IndicatorSet:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ValidationError(f"YAML 格式错误：{exc}") from exc
    try:
        return parse_set(data, "指标文件")
    except IndicatorError as exc:
        raise ValidationError(str(exc)) from exc


def save_indicator_set(user, yaml_text: str, note: str = "") -> IndicatorSetVersion:
    """Validate `yaml_text` and save it as a new, active version of the set it names (its `id`)."""
    _require_supervisor(user)
    text = (yaml_text or "").replace("\r\n", "\n")
    parsed = parse_yaml(text)
    with transaction.atomic():
        ensure_builtin_sets()
        last = IndicatorSetVersion.objects.filter(set_id=parsed.id).order_by("-version").first()
        if last is not None and last.yaml_text == text:
            raise ValidationError("内容与当前最新版本相同，未保存。")
        IndicatorSetVersion.objects.filter(set_id=parsed.id, is_active=True).update(is_active=False)
        row = IndicatorSetVersion.objects.create(
            set_id=parsed.id, version=(last.version + 1) if last else 1, label=parsed.version, name=parsed.name,
            platform=parsed.platform, yaml_text=text, note=note.strip()[:300], created_by=user, is_active=True)
        record("inspection_indicators", actor=user, obj=row,
               after={"set_id": row.set_id, "version": row.version, "label": row.label, "note": row.note,
                      "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest()})
    return row


def _indicator_set(value) -> tuple[IndicatorSet, str]:
    """(parsed set, "set_id 第 n 版") from a version row, a parsed set, a set id or None."""
    if value is None or isinstance(value, str):
        value = active_set(value or DEFAULT_SET)
    if isinstance(value, IndicatorSetVersion):
        return value.parsed(), f"{value.set_id} 第 {value.version} 版"
    return value, f"{value.id} {value.version}"


# Facts and scores ---------------------------------------------------------------------------


def _day_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    return (dt.datetime.combine(start, dt.time.min, tzinfo=tz),
            dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz))


def _local_date(value: dt.datetime | None) -> dt.date | None:
    return timezone.localtime(value).date() if value else None


def _open_at(end_dt: dt.datetime) -> Q:
    """Problems open at the end of the period: found before it, and still open or resolved after it."""
    return Q(first_seen_at__lt=end_dt) & (
        Q(status=ProblemStatus.OPEN) | (Q(status__in=(ProblemStatus.FIXED, ProblemStatus.GONE))
                                        & Q(resolved_at__gte=end_dt))
    )


def site_facts(site: Site, start: dt.date, end: dt.date) -> SiteFacts:
    """What the patrol data says about `site` from `start` to `end` (local dates, inclusive).

    Probes are those in the window; columns, dead links, content findings and incidents need a
    finished patrol before `end` (else they are None: not measured); messages are not measured yet.
    Columns and their latest dates are the registry's current state (the patrols keep no history).
    """
    start_dt, end_dt = _day_bounds(start, end)
    probes = [
        ProbeFact(timezone.localtime(p.at), p.ok, p.elapsed_ms / 1000,
                  p.error or (f"HTTP {p.status}" if p.status and not p.ok else ""))
        for p in site.probes.filter(at__gte=start_dt, at__lt=end_dt).order_by("at")
    ]
    facts = SiteFacts(site=site.name, as_of=end, platform="website", probes=probes or None)
    patrolled = PatrolRun.objects.filter(site=site, state=RunState.DONE).filter(
        Q(finished_at__lt=end_dt) | Q(finished_at__isnull=True, created_at__lt=end_dt)).exists()
    if not patrolled:
        facts.notes.append("期内没有完成的巡检，栏目、链接与内容未测量。")
        return facts
    columns = [
        ColumnFact(c.name, c.url, c.update_class, c.max_age_days, c.latest_date, blank=c.item_count == 0)
        for c in site.columns.filter(last_seen__isnull=False).order_by("name", "url")
    ]
    facts.columns = columns or None
    dated = [c.latest for c in columns if c.latest]
    facts.home_latest = max(dated) if dated else None
    facts.home_measured = bool(columns)
    problems = list(site.problems.filter(_open_at(end_dt)).order_by("kind", "url", "id"))
    facts.dead_links = [
        DeadLinkFact(p.url, bool((p.facts or {}).get("on_home")), tuple(p.found_on or ()), p.detail)
        for p in problems if p.kind in DEAD_KINDS
    ]
    facts.content = [
        ContentFact(p.url, str(p.finding.get("category", "")), str(p.finding.get("rule", "")),
                    str(p.finding.get("severity") or p.severity), str(p.finding.get("text", "")),
                    str(p.finding.get("message", "")), first_seen=_local_date(p.first_seen_at), open=True)
        for p in problems if p.kind == "content" and p.finding
    ]
    facts.incidents = [
        IncidentFact(p.kind, p.url, p.detail, first_seen=_local_date(p.first_seen_at), open=True)
        for p in problems if p.kind in INCIDENT_KINDS
    ]
    return facts


def score_site(site: Site, as_of: dt.date | None = None, indicator_set=None) -> Scorecard:
    """`indicator_set`: an `IndicatorSetVersion`, a parsed `IndicatorSet`, a set id, or None (active
    version of the 2019 website indicators)."""
    as_of = as_of or timezone.localdate()
    parsed, _ = _indicator_set(indicator_set)
    return score(site_facts(site, as_of - dt.timedelta(days=30), as_of), parsed)


def scorecard_json(card: Scorecard, version_label: str = "") -> dict:
    return {
        "site": card.site,
        "indicator_set": card.indicator_set,
        "indicator_version": version_label,
        "as_of": card.as_of.isoformat(),
        "score": card.score,
        "passed": card.passed,
        "vetoes": [{"id": v.indicator, "indicator": v.name, "evidence": list(v.evidence)} for v in card.vetoes],
        "deductions": [{"id": d.indicator, "indicator": d.name, "points": d.points, "evidence": list(d.evidence),
                        "certain": d.certain} for d in card.deductions],
        "warnings": [{"id": w.indicator, "indicator": w.name, "detail": w.detail} for w in card.warnings],
        "not_measured": list(card.not_measured),
    }


# Early warnings -----------------------------------------------------------------------------


def early_warnings(site: Site, as_of: dt.date | None = None, indicator_set=None) -> list[EarlyWarning]:
    """Score `site` now and raise a duty alert for each early warning (and each veto already
    crossed), at most one per site, indicator and day. Returns the warnings created this call."""
    as_of = as_of or timezone.localdate()
    card = score_site(site, as_of, indicator_set)
    details: dict[str, tuple[str, str]] = {}
    for v in card.vetoes:
        details[v.indicator] = ("veto", f"{site.name} 已触及单项否决：{v.name}。{'；'.join(v.evidence[:3])}")
    for w in card.warnings:
        if w.indicator in details:
            continue
        line = f"{w.name}：{w.detail}"
        _, old = details.get(w.indicator, ("", ""))
        details[w.indicator] = ("high", f"{old}；{w.detail}" if old else f"{site.name} 预警 · {line}")
    created = []
    for indicator, (severity, detail) in details.items():
        if EarlyWarning.objects.filter(site=site, indicator=indicator, day=as_of).exists():
            continue
        try:
            with transaction.atomic():
                warning = EarlyWarning.objects.create(site=site, indicator=indicator, day=as_of, detail=detail)
                warning.alert = Alert.objects.create(site=site, kind=ALERT_WARNING, message=detail[:2000],
                                                     severity=severity)
                warning.save(update_fields=["alert"])
        except IntegrityError:
            continue
        created.append(warning)
    return created


# Opening an inspection ----------------------------------------------------------------------


def quarter_end(year: int, quarter: int) -> dt.date:
    month = quarter * 3
    return dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)


def scope_word(unit: Unit) -> str:
    if unit.kind == Unit.Kind.PROVINCE:
        return "全省"
    if unit.kind == Unit.Kind.CITY:
        return "全市"
    if unit.kind == Unit.Kind.COUNTY:
        return "全县" if unit.name.endswith("县") else "全区"
    return ""


def default_recipients(unit: Unit) -> str:
    if unit.kind == Unit.Kind.PROVINCE:
        return "各市人民政府，省直有关单位："
    if unit.kind == Unit.Kind.CITY:
        return "各县、区人民政府，市直有关单位："
    if unit.kind == Unit.Kind.COUNTY:
        return "各乡镇人民政府、街道办事处，县（区）直有关单位："
    return "各有关单位："


def open_inspection(user, year: int, quarter: int, *, unit: Unit | None = None,
                    set_id: str = DEFAULT_SET) -> Inspection:
    """Open the quarter's inspection of `unit` (default: the one unit where `user` is 监管员),
    covering every active site of its subtree."""
    if unit is None:
        units = list(supervised_units(user)[:2]) if not (user and user.is_superuser) else []
        if len(units) != 1:
            raise ValidationError("请选择组织检查的单位。")
        unit = units[0]
    _require_supervisor(user, unit)
    if quarter not in (1, 2, 3, 4):
        raise ValidationError("季度应为 1–4。")
    if not 2000 <= year <= 2100:
        raise ValidationError("年度无效。")
    version = active_set(set_id)
    if version.platform and version.platform != "website":
        raise ValidationError("季度检查目前只能使用网站类指标集。")
    with transaction.atomic():
        if Inspection.objects.filter(owner=unit, year=year, quarter=quarter, state=InspectionState.OPEN).exists():
            raise ValidationError(f"{unit.name} {year} 年第 {quarter} 季度已有进行中的检查。")
        inspection = Inspection.objects.create(
            owner=unit, year=year, quarter=quarter, indicator_set=version, opened_by=user,
            signature=unit.name, recipients=default_recipients(unit))
        sites = Site.objects.filter(is_active=True, unit__path__startswith=unit.path).select_related("unit")
        InspectionSite.objects.bulk_create(
            [InspectionSite(inspection=inspection, site=s, unit=s.unit) for s in sites])
        record("inspection_open", actor=user, obj=inspection, unit=unit.pk,
               after={"year": year, "quarter": quarter, "sites": len(sites),
                      "indicator_set": f"{version.set_id} v{version.version}"})
    return inspection


EDITABLE = ("next_steps", "signature", "doc_number", "recipients", "rectification_workdays", "bulletin_date")


def update_inspection(user, inspection: Inspection, **fields) -> Inspection:
    """The bulletin's texts (下一步工作要求, 落款, 文号, 主送); the working days and date only while open."""
    _require_supervisor(user, inspection.owner_id)
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ValueError(f"未知字段：{', '.join(sorted(unknown))}")
    if not inspection.is_open and ({"rectification_workdays", "bulletin_date"} & set(fields)):
        raise ValidationError("检查已结束，整改期限不能再修改。")
    workdays = fields.get("rectification_workdays")
    if workdays is not None and not 1 <= int(workdays) <= 60:
        raise ValidationError("整改期限应为 1–60 个工作日。")
    before = {name: getattr(inspection, name) for name in fields}
    for name, value in fields.items():
        setattr(inspection, name, value.strip() if isinstance(value, str) else value)
    with transaction.atomic():
        inspection.save()
        record("inspection_edit", actor=user, obj=inspection, unit=inspection.owner_id, before=before,
               after={name: getattr(inspection, name) for name in fields})
    return inspection


# Spot checks --------------------------------------------------------------------------------

IMAGE_MAGIC = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"), (b"GIF87a", "image/gif"),
               (b"GIF89a", "image/gif"))


def image_type(data: bytes) -> str | None:
    for magic, kind in IMAGE_MAGIC:
        if data.startswith(magic):
            return kind
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def _read(upload, limit: int, what: str) -> bytes:
    if upload is None:
        return b""
    if isinstance(upload, bytes | bytearray):
        data = bytes(upload)
    else:
        if getattr(upload, "size", 0) and upload.size > limit:
            raise ValidationError(f"{what}不能超过 {limit // (1024 * 1024)} MB。")
        data = upload.read(limit + 1)
    if len(data) > limit:
        raise ValidationError(f"{what}不能超过 {limit // (1024 * 1024)} MB。")
    return data


def _entry(inspection: Inspection, site: Site | int) -> InspectionSite:
    site_id = site.pk if isinstance(site, Site) else site
    entry = inspection.entries.filter(site_id=site_id).select_related("site", "unit").first()
    if entry is None:
        raise ValidationError("该网站不在本次检查范围内。")
    return entry


def add_spot_check(user, inspection: Inspection, *, site: Site | int, url: str, problem_type: str,
                   wrong_text: str = "", right_text: str = "", excerpt: str = "", note: str = "",
                   screenshot=None, screenshot_name: str = "") -> SpotCheck:
    """A finding of manual spot checking; the screenshot (PNG/JPEG/GIF/WebP, ≤ 5 MB) is kept in the DB."""
    _require_supervisor(user, inspection.owner_id)
    if not inspection.is_open:
        raise ValidationError("检查已结束，不能再添加抽查发现。")
    entry = _entry(inspection, site)
    if problem_type not in SpotType.values:
        raise ValidationError("问题类型无效。")
    if not (url or "").strip():
        raise ValidationError("请填写页面地址。")
    if not ((wrong_text or "").strip() or (note or "").strip() or (excerpt or "").strip()):
        raise ValidationError("请填写错误表述、摘录或说明。")
    data = _read(screenshot, MAX_SCREENSHOT, "截图")
    kind = image_type(data) if data else ""
    if data and kind is None:
        raise ValidationError("截图应为 PNG、JPEG、GIF 或 WebP 图片。")
    spot = SpotCheck(
        inspection=inspection, site=entry.site, url=url.strip(), problem_type=problem_type,
        wrong_text=(wrong_text or "").strip(), right_text=(right_text or "").strip(), excerpt=(excerpt or "").strip(),
        note=(note or "").strip(), created_by=user)
    if data:
        spot.screenshot = data
        spot.screenshot_type = kind
        spot.screenshot_size = len(data)
        spot.screenshot_sha256 = hashlib.sha256(data).hexdigest()
        spot.screenshot_name = (screenshot_name or getattr(screenshot, "name", "") or "screenshot")[:200]
    spot.full_clean()
    with transaction.atomic():
        spot.save()
        record("inspection_spot_check", actor=user, obj=spot, unit=entry.unit_id,
               after={"inspection": inspection.pk, "site": entry.site.name, "url": spot.url,
                      "type": problem_type, "wrong": spot.wrong_text, "right": spot.right_text,
                      "screenshot_sha256": spot.screenshot_sha256})
    return spot


# Closing ------------------------------------------------------------------------------------


def _matches(ind: Indicator, problem: Problem) -> bool:
    """Is `problem` one of those the indicator counted?"""
    finding = problem.finding or {}
    category = str(finding.get("category", ""))
    severity = str(finding.get("severity") or problem.severity)
    measure = ind.measure
    if measure == "availability":
        return problem.kind == "unavailable"
    if measure == "columns":
        return problem.kind in ("stale_column", "blank_column")
    if measure == "stale_columns":
        return problem.kind == "stale_column"
    if measure == "blank_columns":
        return problem.kind == "blank_column"
    if measure == "dead_links":
        if problem.kind not in DEAD_KINDS:
            return False
        where, on_home = ind.get("where", "any"), bool((problem.facts or {}).get("on_home"))
        return where == "any" or on_home == (where == "home")
    if measure == "content":
        return (problem.kind == "content" and category in set(ind.get("categories", []))
                and severity in set(ind.get("severities", ["veto"])))
    if measure == "content_findings":
        weights = dict(ind.get("severities", {}))
        return problem.kind == "content" and category in set(ind.get("categories", [])) and weights.get(severity, 0) > 0
    if measure == "incidents":
        if problem.kind in set(ind.get("problem_kinds", [])):
            return True
        return (problem.kind == "content" and category in set(ind.get("content_categories", []))
                and severity in set(ind.get("content_severities", ["veto"])))
    return False


def _problem_text(problem: Problem) -> str:
    finding = problem.finding or {}
    text = str(finding.get("text") or "")
    suggestion = str(finding.get("suggestion") or "")
    head = f"{problem.get_kind_display()}：{finding.get('message') or problem.detail}"
    if text:
        head += f"「{text}」" + (f"（应为「{suggestion}」）" if suggestion else "")
    return f"{head} {problem.url}"


def _tasks_for_entry(entry: InspectionSite, card: Scorecard, parsed: IndicatorSet, end_dt: dt.datetime,
                     spots: Iterable[SpotCheck]) -> list[RectificationTask]:
    counted = {v.indicator for v in card.vetoes} | {d.indicator for d in card.deductions}
    indicators = [i for i in (*parsed.vetoes, *parsed.deductions) if i.id in counted]
    tasks: list[RectificationTask] = []
    covered: set[str] = set()
    base = {"inspection": entry.inspection, "site": entry.site, "unit": entry.unit}
    for problem in entry.site.problems.filter(Q(status=ProblemStatus.OPEN) & Q(first_seen_at__lt=end_dt)).order_by(
            "kind", "url", "id"):
        hit = next((i for i in indicators if _matches(i, problem)), None)
        if hit is None:
            continue
        covered.add(hit.id)
        tasks.append(RectificationTask(**base, problem=problem, indicator=hit.name, description=_problem_text(problem)))
    for veto in card.vetoes:
        if veto.indicator not in covered:
            evidence = "；".join(veto.evidence[:5])
            tasks.append(RectificationTask(**base, indicator=veto.name,
                                           description=f"单项否决：{veto.name}。{evidence}"[:4000]))
    for spot in spots:
        text = f"人工抽查发现{spot.get_problem_type_display()}"
        if spot.wrong_text:
            text += f"：「{spot.wrong_text}」" + (f"应为「{spot.right_text}」" if spot.right_text else "")
        if spot.note:
            text += f"。{spot.note}"
        tasks.append(RectificationTask(**base, spot_check=spot, description=f"{text} {spot.url}"))
    return tasks


def close_inspection(user, inspection: Inspection, *, bulletin_date: dt.date | None = None,
                     now: dt.datetime | None = None) -> Inspection:
    """Score and freeze every site, create the rectification tasks and close the inspection."""
    _require_supervisor(user, inspection.owner_id)
    now = now or timezone.now()
    today = timezone.localdate(now)
    as_of = min(quarter_end(inspection.year, inspection.quarter), today)
    bulletin_date = bulletin_date or inspection.bulletin_date or today
    version = inspection.indicator_set
    parsed = version.parsed()
    label = f"{version.set_id} 第 {version.version} 版"
    _, end_dt = _day_bounds(as_of, as_of)
    calendar = work_calendar()
    deadline, why = _deadline(bulletin_date, inspection.rectification_workdays, calendar)
    with transaction.atomic():
        locked = Inspection.objects.select_for_update().get(pk=inspection.pk)
        if not locked.is_open:
            raise ValidationError("检查已结束。")
        spots_by_site: dict[int, list[SpotCheck]] = {}
        for spot in inspection.spot_checks.order_by("created_at", "id"):
            spots_by_site.setdefault(spot.site_id, []).append(spot)
        all_tasks: list[RectificationTask] = []
        entries = list(inspection.entries.select_related("site", "unit", "inspection"))
        for entry in entries:
            card = score(site_facts(entry.site, as_of - dt.timedelta(days=30), as_of), parsed)
            entry.score, entry.passed = card.score, card.passed
            entry.scorecard = scorecard_json(card, label)
            entry.scored_at = now
            tasks = _tasks_for_entry(entry, card, parsed, end_dt, spots_by_site.get(entry.site_id, []))
            for task in tasks:
                task.deadline, task.deadline_unknown, task.deadline_note = deadline, deadline is None, why
            entry.named = bool(tasks) or not card.passed
            all_tasks += tasks
        InspectionSite.objects.bulk_update(entries, ["score", "passed", "scorecard", "scored_at", "named"])
        RectificationTask.objects.bulk_create(all_tasks)
        inspection.state = InspectionState.CLOSED
        inspection.closed_by, inspection.closed_at = user, now
        inspection.scored_as_of, inspection.bulletin_date = as_of, bulletin_date
        inspection.save()
        for entry in entries:
            if entry.named:
                entry.bulletins_count = bulletin_counts(entry.site)["count"]
                entry.save(update_fields=["bulletins_count"])
        record("inspection_close", actor=user, obj=inspection, unit=inspection.owner_id,
               after={"as_of": as_of, "bulletin_date": bulletin_date, "sites": len(entries),
                      "failed": sum(1 for e in entries if e.passed is False), "tasks": len(all_tasks),
                      "deadline": deadline, "deadline_unknown": deadline is None})
    return inspection


def inspection_deadline(inspection: Inspection) -> tuple[dt.date | None, str]:
    start = inspection.bulletin_date or timezone.localdate()
    return _deadline(start, inspection.rectification_workdays)


# Rectification ------------------------------------------------------------------------------


def answer_task(user, task: RectificationTask, note: str, evidence=None, evidence_name: str = "") -> RectificationTask:
    """The unit's answer: what it did, with an optional evidence file (≤ 10 MB, kept in the DB)."""
    if not can_answer(user, task):
        raise PermissionDenied("只有整改单位的人员可以答复。")
    if task.state not in OPEN_TASK_STATES:
        raise ValidationError("该整改任务已确认或关闭，不能再答复。")
    note = (note or "").strip()
    if not note:
        raise ValidationError("请填写整改情况说明。")
    data = _read(evidence, MAX_EVIDENCE, "佐证材料")
    before = {"state": task.state}
    task.answer_note = note
    if data:
        task.evidence = data
        task.evidence_name = (evidence_name or getattr(evidence, "name", "") or "evidence")[:200]
        task.evidence_type = (getattr(evidence, "content_type", "") or "application/octet-stream")[:100]
        task.evidence_size = len(data)
    task.state = TaskState.ANSWERED
    task.answered_by, task.answered_at = user, timezone.now()
    with transaction.atomic():
        task.save()
        record("inspection_task_answer", actor=user, obj=task, unit=task.unit_id, before=before,
               after={"state": task.state, "note": note, "evidence": task.evidence_name,
                      "evidence_sha256": hashlib.sha256(data).hexdigest() if data else ""})
    return task


def confirm_task(user, task: RectificationTask, note: str = "") -> RectificationTask:
    """A supervisor confirms a task by hand (spot checks and vetoes that no patrol re-checks)."""
    _require_supervisor(user, task.unit_id)
    if task.state not in OPEN_TASK_STATES:
        raise ValidationError("该整改任务已确认或关闭。")
    before = {"state": task.state}
    task.state, task.confirmed_at = TaskState.CONFIRMED, timezone.now()
    with transaction.atomic():
        task.save(update_fields=["state", "confirmed_at"])
        record("inspection_task_state", actor=user, obj=task, unit=task.unit_id, before=before,
               after={"state": task.state, "note": note})
    return task


def confirm_tasks_after_patrol(site: Site, now: dt.datetime | None = None) -> int:
    """Tasks whose patrol problem is now 已整改/自动消失 become confirmed; 误报 ones closed."""
    now = now or timezone.now()
    changed = 0
    tasks = RectificationTask.objects.filter(site=site, state__in=OPEN_TASK_STATES, problem__isnull=False).filter(
        problem__status__in=(ProblemStatus.GONE, ProblemStatus.FIXED, ProblemStatus.FALSE_POSITIVE)
    ).select_related("problem")
    last_complete = PatrolRun.objects.filter(site=site, state=RunState.DONE, complete=True).exclude(
        finished_at=None).order_by("-finished_at").values_list("finished_at", flat=True).first()
    for task in tasks:
        problem = task.problem
        # 已整改 marked by hand counts once a complete patrol after the marking no longer found it
        # (a problem found again is reopened by the patrol); 自动消失 already means exactly that.
        if problem.status == ProblemStatus.FIXED and not (
                last_complete and problem.resolved_at and last_complete > problem.resolved_at):
            continue
        before = {"state": task.state}
        if task.problem.status == ProblemStatus.FALSE_POSITIVE:
            task.state, task.closed_at = TaskState.CLOSED, now
        else:
            task.state, task.confirmed_at = TaskState.CONFIRMED, now
        with transaction.atomic():
            task.save(update_fields=["state", "closed_at", "confirmed_at"])
            record("inspection_task_state", username=SYSTEM, obj=task, unit=task.unit_id, before=before,
                   after={"state": task.state, "problem_status": task.problem.status})
        changed += 1
    return changed


def escalate_overdue(now: dt.datetime | None = None) -> dict[str, int]:
    """Open tasks past their deadline become 已逾期 (alert); tasks still overdue after a second
    period of the same working days become 逾期已督办 (alert). Idempotent."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    calendar = work_calendar()
    counts = {"overdue": 0, "escalated": 0}
    for task in RectificationTask.objects.filter(state=TaskState.OPEN, deadline__lt=today).select_related(
            "site", "unit", "inspection"):
        with transaction.atomic():
            task.state, task.overdue_at = TaskState.OVERDUE, now
            task.save(update_fields=["state", "overdue_at"])
            Alert.objects.create(site=task.site, kind=ALERT_OVERDUE, severity="high",
                                 message=f"整改逾期：{task.unit.name}「{task.description[:200]}」期限 {task.deadline}，"
                                         "尚未答复。")
            record("inspection_task_state", username=SYSTEM, obj=task, unit=task.unit_id,
                   before={"state": TaskState.OPEN}, after={"state": task.state, "deadline": task.deadline})
        counts["overdue"] += 1
    for task in RectificationTask.objects.filter(state=TaskState.OVERDUE, deadline__isnull=False).select_related(
            "site", "unit", "inspection"):
        second, _ = _deadline(task.deadline, task.inspection.rectification_workdays, calendar)
        if second is None or second >= today:
            continue
        with transaction.atomic():
            task.state, task.escalated_at = TaskState.ESCALATED, now
            task.save(update_fields=["state", "escalated_at"])
            Alert.objects.create(site=task.site, kind=ALERT_OVERDUE, severity="veto",
                                 message=f"整改逾期督办：{task.unit.name}「{task.description[:200]}」"
                                         f"原期限 {task.deadline}，{second} 仍未整改。")
            record("inspection_task_state", username=SYSTEM, obj=task, unit=task.unit_id,
                   before={"state": TaskState.OVERDUE}, after={"state": task.state, "second_deadline": second})
        counts["escalated"] += 1
    return counts


def bulletin_counts(site: Site) -> dict:
    """How many closed inspections named the site (failed or with tasks); ≥ 3 → 建议关停整合."""
    count = InspectionSite.objects.filter(site=site, named=True, inspection__state=InspectionState.CLOSED).count()
    close = count >= CLOSE_SUGGESTED_AT
    return {"count": count, "close_suggested": close, "flag": "建议关停整合" if close else ""}


@dataclass
class DailyResult:
    warnings: int
    overdue: int
    escalated: int
    confirmed: int


def daily(now: dt.datetime | None = None) -> DailyResult:
    """Early warnings for every active site, confirmation of tasks, escalation of overdue ones."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    version = active_set(DEFAULT_SET)
    parsed = version.parsed()
    warnings = sum(len(early_warnings(site, today, parsed)) for site in Site.objects.filter(is_active=True))
    confirmed = sum(
        confirm_tasks_after_patrol(site, now)
        for site in Site.objects.filter(pk__in=RectificationTask.objects.filter(
            state__in=OPEN_TASK_STATES, problem__isnull=False).values("site_id"))
    )
    counts = escalate_overdue(now)
    return DailyResult(warnings, counts["overdue"], counts["escalated"], confirmed)

