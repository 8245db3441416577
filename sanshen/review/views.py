"""The review pages: thin views over `services`; every rule is enforced there."""

from __future__ import annotations

import bisect
from types import SimpleNamespace

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db.models import Count, F
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from sanshen.checks.highlight import highlight_html
from sanshen.engine.findings import CATEGORY_LABELS, SEVERITY_LABELS
from sanshen.units.models import Membership, Role, Unit
from sanshen.units.services import has_role, visible_units

from . import services
from .forms import AttachmentForm, DecisionForm, ItemForm, OverrideForm, RevisionForm
from .models import AttachmentKind, Item, ReviewStep, Revision, Status, StepState, Topic

OVERVIEW_ROLES = (Role.SUPERVISOR, Role.SITE_ADMIN, Role.PRINCIPAL_LEADER, Role.DEPUTY_LEADER)


def _error_text(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "；".join(exc.messages)
    return str(exc) or "没有权限。"


def _get_item(user, pk: int) -> Item:
    """The item if `user` may see it; 404 otherwise (no hint that it exists)."""
    item = services.visible_items(user).filter(pk=pk).select_related("unit", "drafter").first()
    if item is None:
        raise Http404("稿件不存在。")
    return item


def _text(revision: Revision) -> str:
    # The engine checked "title\nbody"; offsets refer to that text.
    return f"{revision.title}\n{revision.body}"


def _findings(revision: Revision) -> list[SimpleNamespace]:
    return [SimpleNamespace(**{"suggestion": None, **f}) for f in revision.findings]


def _listed(text: str, findings) -> list[dict]:
    newlines = [i for i, ch in enumerate(text) if ch == "\n"]
    return [
        {
            "index": i,
            "finding": f,
            "category_label": CATEGORY_LABELS.get(f.category, f.category),
            "severity_label": SEVERITY_LABELS.get(f.severity, f.severity),
            "line": bisect.bisect_right(newlines, f.start - 1) + 1,
        }
        for i, f in enumerate(findings)
    ]


def _pending_steps():
    return ReviewStep.objects.filter(
        state=StepState.PENDING, item__status=Status.IN_REVIEW, round=F("item__round")
    ).select_related("item", "item__unit", "item__drafter", "unit")


def _is_overdue(step: ReviewStep, now) -> bool:
    return step.state == StepState.PENDING and step.deadline is not None and step.deadline < now


# 我的稿件 / 新建稿件 -------------------------------------------------------------------------


@login_required
def mine(request):
    items = list(Item.objects.filter(drafter=request.user).select_related("unit"))
    current = {}
    for step in _pending_steps().filter(item__in=[i.pk for i in items]).order_by("order", "id"):
        first = current.setdefault(step.item_id, [])
        if not first or first[0].order == step.order:
            first.append(step)
    for item in items:
        item.current_labels = "、".join(s.label for s in current.get(item.pk, []))
    counts = {}
    for item in items:
        counts[item.get_status_display()] = counts.get(item.get_status_display(), 0) + 1
    return render(request, "review/mine.html", {"items": items, "counts": counts})


def _drafting_units(user):
    return Unit.objects.filter(pk__in=Membership.objects.filter(user=user).values("unit_id")).order_by("path")


@login_required
def new_item(request):
    units = _drafting_units(request.user)
    if not units.exists():
        raise PermissionDenied("您没有任何单位的角色，不能拟稿。")
    form = ItemForm(
        request.POST or None, request.FILES or None, units=units, suggestions=services.channel_suggestions(units)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            item = services.create_item(
                request.user,
                data["unit"],
                title=data["title"],
                body=data["body"],
                category=data["category"],
                importance=data["importance"],
                topics=data["topics"],
                joint_units=list(data["joint_units"]),
                source=data["source"],
                source_name=data["source_name"],
                source_url=data["source_url"],
                planned_at=data["planned_at"],
                body_file=data["body_file"],
                channels=data["channels"],
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, exc.messages)
        except PermissionDenied as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, "稿件已保存，请查看机器检查结果。")
            return redirect("review:item", pk=item.pk)
    context = {
        "form": form,
        "max_upload": services.human_size(services.max_upload_bytes()),
        "channels_required": services.require_channels(),
    }
    return render(request, "review/new.html", context)


# 待我审核 -----------------------------------------------------------------------------------


@login_required
def queue(request):
    now = timezone.now()
    visible = services.visible_items(request.user).values("pk")
    steps = []
    for step in _pending_steps().filter(item__in=visible).order_by("deadline", "id"):
        if services.can_decide(step, request.user):
            step.overdue = _is_overdue(step, now)
            steps.append(step)
    counts = {"total": len(steps), "overdue": sum(s.overdue for s in steps)}
    return render(request, "review/queue.html", {"steps": steps, "counts": counts})


# 监管总览 -----------------------------------------------------------------------------------


def _may_overview(user) -> bool:
    return user.is_superuser or Membership.objects.filter(user=user, role__in=OVERVIEW_ROLES).exists()


@login_required
def overview(request):
    if not _may_overview(request.user):
        raise PermissionDenied("只有监管员、网站管理员和领导可以查看审核总览。")
    units = visible_units(request.user)
    items = Item.objects.filter(unit__in=units)
    labels = dict(Status.choices)
    totals = {row["status"]: row["n"] for row in items.values("status").annotate(n=Count("id"))}
    by_status = [{"status": s, "label": labels[s], "count": totals.get(s, 0)} for s in Status.values]
    overdue = services.overdue_steps(queryset=ReviewStep.objects.filter(item__unit__in=units))
    overdue_by_unit = {
        r["item__unit"]: r["n"] for r in overdue.values("item__unit").annotate(n=Count("item", distinct=True))
    }
    rows: dict[int, dict] = {}
    for r in items.values("unit", "unit__name", "unit__path", "status").annotate(n=Count("id")):
        row = rows.setdefault(
            r["unit"], {"name": r["unit__name"], "path": r["unit__path"], "counts": dict.fromkeys(Status.values, 0)}
        )
        row["counts"][r["status"]] = r["n"]
    table = []
    for unit_id, row in sorted(rows.items(), key=lambda kv: kv[1]["path"]):
        table.append(
            {
                "name": row["name"],
                "cells": [(labels[s], row["counts"][s]) for s in Status.values],
                "total": sum(row["counts"].values()),
                "overdue": overdue_by_unit.get(unit_id, 0),
            }
        )
    overdue_list = list(overdue.select_related("item", "item__unit").order_by("deadline")[:50])
    context = {
        "by_status": by_status,
        "total": sum(totals.values()),
        "overdue_count": overdue.count(),
        "overdue_list": overdue_list,
        "status_labels": [labels[s] for s in Status.values],
        "table": table,
    }
    return render(request, "review/overview.html", context)


# The item page ------------------------------------------------------------------------------


def _authors(item: Item) -> set[int]:
    return {item.drafter_id, *item.revisions.values_list("author_id", flat=True)}


def _decision_forms(item: Item, user, latest: Revision, bound: dict | None = None) -> list[dict]:
    out = []
    round_steps = list(ReviewStep.objects.filter(item=item, round=item.round).order_by("order", "id"))
    for step in services.current_steps(item):
        if not services.can_decide(step, user):
            continue
        back = {}
        for s in round_steps:
            if s.order < step.order:
                back.setdefault(s.order, s.group or s.label)
        choices = list(back.items())
        if bound is not None and bound.get("step") == step.pk:
            form = bound["form"]
        else:
            form = DecisionForm(initial={"revision": latest.number}, back_choices=choices, prefix=f"s{step.pk}")
        out.append({"step": step, "form": form})
    return out


def _diff(item: Item, revisions: list[Revision], request) -> dict | None:
    if len(revisions) < 2:
        return None
    by_number = {r.number: r for r in revisions}
    try:
        a = int(request.GET.get("a", revisions[-2].number))
        b = int(request.GET.get("b", revisions[-1].number))
    except ValueError:
        a, b = revisions[-2].number, revisions[-1].number
    if a not in by_number or b not in by_number:
        a, b = revisions[-2].number, revisions[-1].number
    return {"a": a, "b": b, "result": services.diff_revisions(by_number[a], by_number[b])}


def _item_context(request, item: Item, **extra) -> dict:
    user = request.user
    revisions = list(item.revisions.select_related("author").order_by("number"))
    latest = revisions[-1]
    text = _text(latest)
    findings = _findings(latest)
    overrides = list(latest.overrides.select_related("user"))
    vetoes = latest.veto_findings
    body_blocked = bool(vetoes) and not overrides
    attachment_vetoes = services.attachment_vetoes(item)
    blocked = body_blocked or bool(attachment_vetoes)
    now = timezone.now()
    steps = list(
        ReviewStep.objects.filter(item=item)
        .select_related("unit", "decided_by", "assignee", "revision")
        .order_by("-round", "order", "id")
    )
    for s in steps:
        s.overdue = s.round == item.round and item.status == Status.IN_REVIEW and _is_overdue(s, now)
    is_drafter = user.pk == item.drafter_id
    may_override = (
        blocked
        and item.status in services.EDITABLE
        and user.pk not in _authors(item)
        and has_role(user, item.unit, *services.REVIEWER_ROLES, inherited=True)
    )
    context = {
        "item": item,
        "latest": latest,
        "revisions": revisions,
        "highlighted": highlight_html(text, findings),
        "listed": _listed(text, findings),
        "vetoes": vetoes,
        "blocked": blocked,
        "overrides": overrides,
        "steps": steps,
        "decisions": list(item.decisions.select_related("user", "step", "delegated_from")),
        "diff": _diff(item, revisions, request),
        "is_drafter": is_drafter,
        "may_submit": is_drafter and item.status in (Status.DRAFT, Status.RETURNED),
        "may_revise": is_drafter and item.status in services.EDITABLE,
        "revision_form": RevisionForm(
            initial={"title": latest.title, "body": latest.body, "channels": services.channels_text(item.channels)},
            suggestions=(
                services.channel_suggestions([item.unit]) if is_drafter and item.status in services.EDITABLE else None
            ),
        ),
        "decision_forms": _decision_forms(item, user, latest, extra.pop("bound", None)),
        "override_form": OverrideForm() if may_override else None,
        "joint_units": list(item.joint_units.all()),
        "topic_labels": [label for value, label in Topic.choices if value in item.topics],
        "body_blocked": body_blocked,
        **_files_context(item, user, latest, attachment_vetoes),
    }
    context.update(extra)
    return context


def _files_context(item: Item, user, latest: Revision, attachment_vetoes: list[dict]) -> dict:
    files = list(services.item_files(item))
    originals = [f for f in files if f.kind == AttachmentKind.ORIGINAL]
    attachments = [f for f in files if f.kind == AttachmentKind.ATTACHMENT]
    pending = {f["attachment"] for f in attachment_vetoes}
    for f in files:
        f.size_label = services.human_size(f.size)
    for a in attachments:
        try:
            a.removed = a.removal
        except ObjectDoesNotExist:
            a.removed = None
        a.checked = not any(x.get("rule") == services.UNCHECKED_RULE for x in a.findings)
        a.problems = [x for x in a.findings if x.get("rule") != services.UNCHECKED_RULE]
        a.notes = [x for x in a.findings if x.get("rule") == services.UNCHECKED_RULE]
        a.veto_count = sum(1 for x in a.findings if x.get("severity") == "veto")
        a.veto_pending = a.pk in pending
    may_attach = user.pk == item.drafter_id and item.status in (Status.DRAFT, Status.RETURNED)
    return {
        "may_remove_attachments": services.may_remove_attachments(item, user),
        "channels": [services.channel_label(ch) for ch in item.channels or []],
        "channels_missing": not item.channels and item.status in (Status.DRAFT, Status.RETURNED),
        "channels_required": services.require_channels(),
        "latest_originals": [f for f in originals if f.revision_id == latest.pk],
        "originals": originals,
        "attachments": attachments,
        "attachment_vetoes": attachment_vetoes,
        "attachment_form": (AttachmentForm() if may_attach else None),
        "max_upload": services.human_size(services.max_upload_bytes()),
    }


@login_required
def item_page(request, pk: int):
    item = _get_item(request.user, pk)
    return render(request, "review/item.html", _item_context(request, item))


@require_POST
@login_required
def revise(request, pk: int):
    item = _get_item(request.user, pk)
    form = RevisionForm(request.POST, request.FILES, suggestions=services.channel_suggestions([item.unit]))
    if form.is_valid():
        try:
            revision = services.add_revision(item, request.user, **form.service_kwargs())
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, f"已保存为第{revision.number}版，机器检查已重新运行。")
            return redirect("review:item", pk=item.pk)
    item.refresh_from_db()
    context = _item_context(request, item)
    if form.is_bound and form.errors:
        context["revision_form"] = form
    return render(request, "review/item.html", context, status=400)


@require_POST
@login_required
def add_attachments(request, pk: int):
    item = _get_item(request.user, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            saved = services.add_attachments(item, request.user, form.cleaned_data["files"])
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, _error_text(exc))
        else:
            vetoes = sum(1 for a in saved for f in a.findings if f.get("severity") == "veto")
            note = f"其中发现 {vetoes} 处否决项，须由审核人员写明理由放行后才能提交。" if vetoes else ""
            messages.success(request, f"已上传 {len(saved)} 个附件。{note}")
            return redirect("review:item", pk=item.pk)
    for error in form.errors.get("files", []) + form.non_field_errors():
        messages.error(request, "未能上传附件：" + error)
    item.refresh_from_db()
    context = _item_context(request, item)
    if context["attachment_form"] is not None:
        context["attachment_form"] = form
    return render(request, "review/item.html", context, status=400)


@require_POST
@login_required
def remove_attachment(request, pk: int, file_pk: int):
    item = _get_item(request.user, pk)
    attachment = get_object_or_404(item.attachments.defer("data"), pk=file_pk, kind=AttachmentKind.ATTACHMENT)
    try:
        services.remove_attachment(attachment, request.user, request.POST.get("reason", ""))
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, "未能移除附件：" + _error_text(exc))
    else:
        messages.success(request, f"已移除附件“{attachment.name}”，文件与理由随稿件存档。")
    return redirect(reverse("review:item", kwargs={"pk": item.pk}) + "#files")


@require_POST
@login_required
def submit_item(request, pk: int):
    item = _get_item(request.user, pk)
    try:
        steps = services.submit(item, request.user)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, "未能提交：" + _error_text(exc))
    else:
        messages.success(request, f"已提交审核，共 {len(steps)} 个审核环节。")
    return redirect("review:item", pk=item.pk)


@require_POST
@login_required
def decide_step(request, pk: int, step_pk: int):
    item = _get_item(request.user, pk)
    step = get_object_or_404(ReviewStep, pk=step_pk, item=item)
    back = {}
    for s in ReviewStep.objects.filter(item=item, round=step.round, order__lt=step.order).order_by("order", "id"):
        back.setdefault(s.order, s.group or s.label)
    form = DecisionForm(request.POST, back_choices=list(back.items()), prefix=f"s{step.pk}")
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.decide(
                step,
                request.user,
                data["action"],
                data["opinion"],
                data["revision"],
                proofread=data["proofread"],
                back_to=data["back_to"],
            )
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, "未能保存审核决定：" + _error_text(exc))
        else:
            messages.success(request, "审核决定已保存。")
            return redirect(reverse("review:item", kwargs={"pk": item.pk}))
    item.refresh_from_db()
    context = _item_context(request, item, bound={"step": step.pk, "form": form})
    return render(request, "review/item.html", context, status=400)


@require_POST
@login_required
def override(request, pk: int):
    item = _get_item(request.user, pk)
    form = OverrideForm(request.POST)
    if form.is_valid():
        try:
            services.override_veto(item, request.user, form.cleaned_data["reason"])
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, "未能放行：" + _error_text(exc))
        else:
            messages.success(request, "已放行当前版本的否决项，理由已记录。")
            return redirect("review:item", pk=item.pk)
    item.refresh_from_db()
    context = _item_context(request, item)
    if context["override_form"] is not None and form.errors:
        context["override_form"] = form
    return render(request, "review/item.html", context, status=400)
