"""Monthly review records (002 第十条: archived by unit, reported by the 25th) and the monthly
self-inspection report (自检自查, seed 000).

`build_monthly_archive(unit, year, month)` returns one zip with, for every item of the unit whose
review was decided that month (its last decision falls in the month):
    items/<id>/form.docx   the 审核表
    items/<id>/text.txt    the final text (latest revision)
    items/<id>/attachments/<file id>-<name>   uploaded body originals and attachments (附件),
                           removed attachments too (marked 已移除 with the reason in the manifest)
    manifest.csv           one row per item
    self_inspection.csv / self_inspection.docx   the month's self-inspection report
    SHA256SUMS             `sha256sum -c` format, over every other member
Months are calendar months in the site's time zone.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import zipfile
from dataclasses import dataclass, field

from django.db.models import Max, Q
from django.utils import timezone

from sanshen.audit.services import record
from sanshen.units.models import Membership, Role, Unit

from .formdata import build_form_data
from .formdoc import render_docx
from .models import (
    Item,
    Publication,
    RequestState,
    ReviewStep,
    Status,
    StepKind,
    StepState,
    Topic,
    VetoOverride,
    WithdrawRequest,
)

__all__ = [
    "ARCHIVE_ROLES",
    "DECIDED",
    "SelfInspection",
    "archive_units",
    "build_monthly_archive",
    "decided_items",
    "may_archive",
    "month_bounds",
    "record_self_inspection",
    "self_inspection",
    "self_inspection_csv",
    "self_inspection_docx",
]

DECIDED = (Status.APPROVED, Status.REJECTED, Status.PUBLISHED, Status.WITHDRAWN)
MANIFEST_FIELDS = (
    "id",
    "title",
    "category",
    "importance",
    "status",
    "drafter",
    "revision",
    "content_hash",
    "steps",
    "first_decision_at",
    "decided_at",
    "published_url",
    "published_at",
    "withdrawn",
    "form",
    "text",
    "attachments",
)


def month_bounds(year: int, month: int) -> tuple[dt.datetime, dt.datetime]:
    if not 1 <= month <= 12:
        raise ValueError("月份须在 1 到 12 之间。")
    tz = timezone.get_current_timezone()
    start = dt.datetime(year, month, 1, tzinfo=tz)
    end = dt.datetime(year + month // 12, month % 12 + 1, 1, tzinfo=tz)
    return start, end


def decided_items(unit: Unit, year: int, month: int):
    start, end = month_bounds(year, month)
    return (
        Item.objects.filter(unit=unit, status__in=DECIDED)
        .annotate(decided_at=Max("decisions__created_at"))
        .filter(decided_at__gte=start, decided_at__lt=end)
        .select_related("unit", "drafter")
        .order_by("decided_at", "id")
    )


def _iso(value) -> str:
    return "" if value is None else timezone.localtime(value).isoformat(timespec="seconds")


def _steps_text(item: Item) -> str:
    parts = []
    for s in item.steps.filter(round=item.round).select_related("decided_by").order_by("order", "id"):
        who = str(s.decided_by) if s.decided_by else ""
        parts.append("/".join(x for x in (s.label, s.get_state_display(), who, _iso(s.decided_at)) if x))
    return "；".join(parts)


def _manifest_row(item: Item, form: str, text: str) -> dict:
    revision = item.latest_revision()
    publication = Publication.objects.filter(item=item).first()
    first = item.decisions.order_by("created_at", "id").first()
    withdrawn = item.withdraw_requests.filter(state=RequestState.APPROVED).order_by("-decided_at").first()
    return {
        "id": item.pk,
        "title": item.title,
        "category": item.get_category_display(),
        "importance": item.get_importance_display(),
        "status": item.get_status_display(),
        "drafter": str(item.drafter),
        "revision": revision.number if revision else "",
        "content_hash": revision.content_hash if revision else "",
        "steps": _steps_text(item),
        "first_decision_at": _iso(first.created_at) if first else "",
        "decided_at": _iso(item.decided_at),
        "published_url": publication.url if publication else "",
        "published_at": _iso(publication.published_at) if publication else "",
        "withdrawn": f"{withdrawn.get_kind_display()} {_iso(withdrawn.decided_at)}" if withdrawn else "",
        "form": form,
        "text": text,
    }


def _files(item: Item, members: dict[str, bytes]) -> str:
    """Put the item's originals and attachments into `members`; their manifest cell."""
    from .services import safe_name

    listed = []
    files = item.attachments.select_related("revision", "removal", "removal__removed_by")
    for f in files.order_by("uploaded_at", "id"):
        name = f"items/{item.pk}/attachments/{f.pk}-{safe_name(f.name)}"
        members[name] = bytes(f.data)
        label = f"{f.get_kind_display()}（第{f.revision.number}版）" if f.revision else f.get_kind_display()
        entry = f"{label} {name} sha256={f.sha256}"
        removal = getattr(f, "removal", None)  # RelatedObjectDoesNotExist is an AttributeError
        if removal is not None:
            # A removed attachment stays in the archive, marked with who removed it, when and why.
            entry += f" 已移除（{removal.reason}，{removal.removed_by}，{_iso(removal.removed_at)}）"
        listed.append(entry)
    return "；".join(listed)


def _zinfo(name: str, when: dt.datetime) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=when.timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def build_monthly_archive(unit: Unit, year: int, month: int, *, actor=None) -> bytes:
    members: dict[str, bytes] = {}
    rows = []
    for item in decided_items(unit, year, month):
        revision = item.latest_revision()
        form_name, text_name = f"items/{item.pk}/form.docx", f"items/{item.pk}/text.txt"
        members[form_name] = render_docx(build_form_data(item))
        title, body = (revision.title, revision.body) if revision else (item.title, "")
        members[text_name] = f"{title}\n\n{body}\n".encode()
        rows.append({**_manifest_row(item, form_name, text_name), "attachments": _files(item, members)})
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=MANIFEST_FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    members["manifest.csv"] = ("\ufeff" + out.getvalue()).encode()  # BOM so that Excel reads UTF-8
    report = self_inspection(unit, year, month)
    members["self_inspection.csv"] = ("\ufeff" + self_inspection_csv(report)).encode()
    members["self_inspection.docx"] = self_inspection_docx(report)
    members["SHA256SUMS"] = "".join(
        f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in sorted(members.items())
    ).encode()

    when = timezone.localtime()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(_zinfo(name, when), data)
    content = buf.getvalue()
    record(
        "review_archive",
        actor=actor,
        obj=unit,
        username="" if actor is not None else "system",
        after={"month": f"{year:04d}-{month:02d}", "items": len(rows), "sha256": hashlib.sha256(content).hexdigest()},
    )
    return content


# Self-inspection ----------------------------------------------------------------------------


@dataclass
class SelfInspection:
    unit: Unit
    year: int
    month: int
    published: list[dict] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)
    overrides: list[dict] = field(default_factory=list)
    overdue: list[dict] = field(default_factory=list)
    joint_topics: list[dict] = field(default_factory=list)
    withdrawals: list[dict] = field(default_factory=list)

    SECTIONS = (
        ("published", "本月发布信息"),
        ("skipped", "跳过的审核环节"),
        ("overrides", "否决项放行"),
        ("overdue", "超期审核"),
        ("joint_topics", "会审事项（招投标、人事任免、灾情疫情、舆情回应）"),
        ("withdrawals", "撤回/删除"),
    )

    @property
    def counts(self) -> dict[str, int]:
        return {key: len(getattr(self, key)) for key, _ in self.SECTIONS}

    @property
    def incomplete_joint(self) -> int:
        return sum(1 for r in self.joint_topics if not r["joint_complete"])


def _name(user) -> str:
    return "" if user is None else str(user)


def _row(item: Item, **extra) -> dict:
    return {"id": item.pk, "title": item.title, **extra}


def _joint_state(item: Item) -> tuple[bool, str]:
    steps = list(item.steps.filter(round=item.round, kind=StepKind.JOINT).select_related("unit"))
    if not steps:
        return False, "无会审环节"
    waiting = [s.unit.name for s in steps if s.state != StepState.PASSED]
    if waiting:
        return False, "未完成：" + "、".join(waiting)
    return True, "已完成：" + "、".join(s.unit.name for s in steps)


def self_inspection(unit: Unit, year: int, month: int, *, now: dt.datetime | None = None) -> SelfInspection:
    """What the unit's month looked like: published items, skipped steps, overridden vetoes,
    overdue reviews, joint-review topics and withdrawals."""
    start, end = month_bounds(year, month)
    cutoff = min(end, now or timezone.now())
    report = SelfInspection(unit, year, month)
    for p in Publication.objects.filter(item__unit=unit, published_at__gte=start, published_at__lt=end).select_related(
        "item", "published_by"
    ):
        report.published.append(_row(p.item, detail=p.url, who=str(p.published_by), at=_iso(p.published_at)))

    decided = list(decided_items(unit, year, month))
    for s in (
        # Skipped in the month (whatever the item's state now), or on an item decided in the month.
        ReviewStep.objects.filter(state=StepState.SKIPPED)
        .filter(Q(item__in=[i.pk for i in decided]) | Q(item__unit=unit, decided_at__gte=start, decided_at__lt=end))
        .distinct()
        .select_related("item", "decided_by")
        .order_by("item_id", "order")
    ):
        detail = f"{s.label}：{s.skip_reason}" if s.skip_reason else s.label
        report.skipped.append(_row(s.item, detail=detail, who=_name(s.decided_by), at=_iso(s.decided_at)))

    for o in (
        VetoOverride.objects.filter(revision__item__unit=unit, created_at__gte=start, created_at__lt=end)
        .select_related("revision__item", "user")
        .order_by("created_at", "id")
    ):
        report.overrides.append(_row(o.revision.item, detail=o.reason, who=str(o.user), at=_iso(o.created_at)))

    late = ReviewStep.objects.filter(item__unit=unit, deadline__isnull=False).select_related("item", "decided_by")
    for s in late.filter(decided_at__gte=start, decided_at__lt=end).order_by("decided_at", "id"):
        if s.decided_at > s.deadline:
            report.overdue.append(
                _row(s.item, detail=f"{s.label}：截止 {_iso(s.deadline)}", who=str(s.decided_by), at=_iso(s.decided_at))
            )
    for s in late.filter(
        state=StepState.PENDING, item__status=Status.IN_REVIEW, deadline__lt=cutoff, deadline__gte=start
    ).order_by("deadline", "id"):
        if s.round == s.item.round:
            report.overdue.append(_row(s.item, detail=f"{s.label}：截止 {_iso(s.deadline)}", who="", at="未办结"))

    candidates = {i.pk: i for i in decided}
    for i in Item.objects.filter(unit=unit, status=Status.IN_REVIEW, steps__deadline__lt=end).distinct():
        candidates.setdefault(i.pk, i)
    labels = dict(Topic.choices)
    for item in sorted(candidates.values(), key=lambda i: i.pk):
        if not item.topics:
            continue
        complete, detail = _joint_state(item)
        report.joint_topics.append(
            _row(
                item,
                detail=f"{'、'.join(labels.get(t, t) for t in item.topics)}；{detail}",
                who="",
                at=item.get_status_display(),
                joint_complete=complete,
            )
        )

    for r in (
        WithdrawRequest.objects.filter(item__unit=unit, decided_at__gte=start, decided_at__lt=end)
        .select_related("item", "decided_by")
        .order_by("decided_at", "id")
    ):
        report.withdrawals.append(
            _row(
                r.item,
                detail=f"{r.get_kind_display()}（{r.get_state_display()}）：{r.reason}",
                who=str(r.decided_by),
                at=_iso(r.decided_at),
            )
        )
    return report


def self_inspection_csv(report: SelfInspection) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["单位", report.unit.name, "月份", f"{report.year:04d}-{report.month:02d}"])
    w.writerow(["项目", "稿件编号", "标题", "说明", "人员", "时间"])
    for key, label in report.SECTIONS:
        rows = getattr(report, key)
        w.writerow([f"{label}（{len(rows)}）", "", "", "", "", ""])
        for r in rows:
            w.writerow([label, r["id"], r["title"], r["detail"], r["who"], r["at"]])
    return out.getvalue()


def self_inspection_docx(report: SelfInspection) -> bytes:
    from docx import Document

    from .formdoc.docx import BODY_FONT, TITLE_FONT, set_run_font

    doc = Document()
    heading = doc.add_paragraph()
    set_run_font(
        heading.add_run(f"{report.unit.name}{report.year}年{report.month}月网站信息审核自检自查报告"),
        TITLE_FONT,
        bold=True,
    )
    for key, label in report.SECTIONS:
        rows = getattr(report, key)
        p = doc.add_paragraph()
        set_run_font(p.add_run(f"{label}：{len(rows)} 项"), BODY_FONT, bold=True)
        if not rows:
            continue
        table = doc.add_table(rows=1, cols=5)
        table.style = "Table Grid"
        for cell, text in zip(table.rows[0].cells, ("编号", "标题", "说明", "人员", "时间"), strict=True):
            set_run_font(cell.paragraphs[0].add_run(text), BODY_FONT, bold=True)
        for r in rows:
            cells = table.add_row().cells
            for cell, value in zip(cells, (r["id"], r["title"], r["detail"], r["who"], r["at"]), strict=True):
                set_run_font(cell.paragraphs[0].add_run(str(value)), BODY_FONT)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


# Who may download a unit's archive ------------------------------------------------------------
# The unit's 主要领导, 分管领导, 监管员 and 网站管理员 (the people who answer for the unit's
# monthly report), a 监管员 of a unit above it (its subtree), and superusers. 信息员, 科室负责人,
# 保密审查员 and 值班员 see single items, not the unit's whole month.

ARCHIVE_ROLES = (Role.PRINCIPAL_LEADER, Role.DEPUTY_LEADER, Role.SUPERVISOR, Role.SITE_ADMIN)


def archive_units(user):
    """Units whose monthly archive and self-inspection report `user` may download."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Unit.objects.none()
    if user.is_superuser:
        return Unit.objects.order_by("path")
    rows = list(
        Membership.objects.filter(user=user, role__in=ARCHIVE_ROLES).values_list("unit_id", "unit__path", "role")
    )
    if not rows:
        return Unit.objects.none()
    condition = Q(pk__in=[unit_id for unit_id, _, _ in rows])
    for _, path, role in rows:
        if role == Role.SUPERVISOR:
            condition |= Q(path__startswith=path)
    return Unit.objects.filter(condition).order_by("path")


def may_archive(user, unit: Unit) -> bool:
    return archive_units(user).filter(pk=unit.pk).exists()


def record_self_inspection(report: SelfInspection, *, actor, fmt: str) -> None:
    record(
        "review_self_inspection",
        actor=actor,
        obj=report.unit,
        after={"month": f"{report.year:04d}-{report.month:02d}", "format": fmt, "counts": report.counts},
    )
