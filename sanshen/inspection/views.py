"""The inspection pages: thin views over `services`; every rule is enforced there.

Objects are fetched through the user's scope: an inspection only by those who supervise its owner
unit, a task or a scorecard by those who see its unit; anything else is "not found" (404)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from sanshen.sites.services import visible_sites
from sanshen.units.services import scope_to_user
from sanshen.web.downloads import file_response

from . import services
from .bulletin_data import bulletin_data
from .forms import AnswerForm, CalendarDayForm, EditForm, IndicatorForm, OpenForm, SpotForm, YearForm
from .models import (
    CalendarDay,
    CalendarYear,
    IndicatorSetVersion,
    Inspection,
    InspectionSite,
    RectificationTask,
    SpotCheck,
    TaskState,
)


def _error_text(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "；".join(exc.messages)
    return str(exc) or "没有权限。"


def _form_errors(form) -> str:
    return "；".join(str(e) for errors in form.errors.values() for e in errors)


def _require_supervisor(user) -> None:
    if not services.is_supervisor(user):
        raise PermissionDenied("只有监管员可以使用此页面。")


def _inspection(user, pk: int) -> Inspection:
    inspection = services.visible_inspections(user).filter(pk=pk).first()
    if inspection is None:
        raise Http404("检查不存在。")
    return inspection


def _task(user, pk: int) -> RectificationTask:
    task = services.visible_tasks(user).filter(pk=pk).first()
    if task is None:
        raise Http404("整改任务不存在。")
    return task


def _set_choices() -> list[tuple[str, str]]:
    services.ensure_builtin_sets()
    return [(v.set_id, f"{v.name or v.set_id}（第 {v.version} 版）")
            for v in IndicatorSetVersion.objects.filter(is_active=True, platform="website").order_by("set_id")]


def _attachment(data, name: str, content_type: str, *, inline: bool = False) -> HttpResponse:
    return file_response(data, name, content_type, inline=inline)


# 检查列表 / 开启 -----------------------------------------------------------------------------


@login_required
def inspection_list(request):
    _require_supervisor(request.user)
    units = services.supervised_units(request.user)
    form = OpenForm(request.POST or None, units=units, set_choices=_set_choices())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            inspection = services.open_inspection(request.user, data["year"], data["quarter"], unit=data["unit"],
                                                  set_id=data["set_id"])
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, f"已开启检查，覆盖 {inspection.entries.count()} 个网站。")
            return redirect("inspection:detail", pk=inspection.pk)
    inspections = list(services.visible_inspections(request.user).select_related("opened_by", "closed_by"))
    for inspection in inspections:
        entries = inspection.entries.all()
        inspection.site_count = entries.count()
        inspection.failed_count = entries.filter(passed=False).count()
        inspection.open_tasks = inspection.tasks.filter(state__in=services.OPEN_TASK_STATES).count()
    return render(request, "inspection/list.html", {"form": form, "inspections": inspections})


# 检查页 -------------------------------------------------------------------------------------


def _detail_context(request, inspection: Inspection, *, edit_form=None, spot_form=None) -> dict:
    entries = list(inspection.entries.select_related("site", "unit").order_by("unit__path", "site__name"))
    for entry in entries:
        entry.counts = services.bulletin_counts(entry.site)
        entry.task_count = inspection.tasks.filter(site=entry.site).count()
    site_choices = [(str(e.site_id), f"{e.unit.name} · {e.site.name}") for e in entries]
    deadline, why = services.inspection_deadline(inspection)
    return {
        "inspection": inspection,
        "entries": entries,
        "covered": len(entries),
        "passed": sum(1 for e in entries if e.passed is True),
        "failed": sum(1 for e in entries if e.passed is False),
        "spots": list(inspection.spot_checks.select_related("site", "created_by")),
        "tasks": inspection.tasks.count(),
        "open_tasks": inspection.tasks.filter(state__in=services.OPEN_TASK_STATES).count(),
        "unknown_deadlines": inspection.tasks.filter(deadline_unknown=True).count(),
        "deadline": deadline,
        "deadline_note": why,
        "edit_form": edit_form or EditForm(initial={
            "doc_number": inspection.doc_number, "recipients": inspection.recipients,
            "next_steps": inspection.next_steps, "rectification_workdays": inspection.rectification_workdays,
            "signature": inspection.signature, "bulletin_date": inspection.bulletin_date,
        }, closed=not inspection.is_open),
        "spot_form": spot_form or SpotForm(site_choices=site_choices),
    }


@login_required
def inspection_detail(request, pk: int):
    inspection = _inspection(request.user, pk)
    return render(request, "inspection/detail.html", _detail_context(request, inspection))


@login_required
@require_POST
def inspection_edit(request, pk: int):
    inspection = _inspection(request.user, pk)
    form = EditForm(request.POST, closed=not inspection.is_open)
    if form.is_valid():
        data = dict(form.cleaned_data)
        if not inspection.is_open:
            data.pop("rectification_workdays", None)
            data.pop("bulletin_date", None)
        try:
            services.update_inspection(request.user, inspection, **data)
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, "通报内容已保存。")
            return redirect("inspection:detail", pk=inspection.pk)
    return render(request, "inspection/detail.html", _detail_context(request, inspection, edit_form=form), status=400)


@login_required
@require_POST
def spot_add(request, pk: int):
    inspection = _inspection(request.user, pk)
    site_choices = [(str(s), str(s)) for s in inspection.entries.values_list("site_id", flat=True)]
    form = SpotForm(request.POST, request.FILES, site_choices=site_choices)
    if form.is_valid():
        data = dict(form.cleaned_data)
        try:
            services.add_spot_check(request.user, inspection, site=int(data.pop("site")), **data)
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, "抽查发现已添加。")
            return redirect("inspection:detail", pk=inspection.pk)
    context = _detail_context(request, inspection)
    form.fields["site"].choices = context["spot_form"].fields["site"].choices
    context["spot_form"] = form
    return render(request, "inspection/detail.html", context, status=400)


@login_required
def spot_screenshot(request, pk: int, spot_pk: int):
    inspection = _inspection(request.user, pk)
    spot = SpotCheck.objects.filter(inspection=inspection, pk=spot_pk).exclude(screenshot=None).first()
    if spot is None:
        raise Http404("截图不存在。")
    return _attachment(spot.screenshot, spot.screenshot_name, spot.screenshot_type, inline=True)


@login_required
@require_POST
def inspection_close(request, pk: int):
    inspection = _inspection(request.user, pk)
    try:
        services.close_inspection(request.user, inspection)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, "检查已结束：评分已固定，整改任务已下发。")
    return redirect("inspection:detail", pk=inspection.pk)


@login_required
def bulletin_download(request, pk: int, fmt: str):
    inspection = _inspection(request.user, pk)
    if fmt not in ("docx", "pdf"):
        raise Http404("不支持的格式。")
    try:
        from sanshen.inspection import bulletin as renderer

        render_fn = getattr(renderer, f"render_{fmt}")
    except (ImportError, AttributeError):
        return render(request, "inspection/unavailable.html", {"inspection": inspection, "fmt": fmt}, status=503)
    try:
        content = render_fn(bulletin_data(inspection))
    except getattr(renderer, "BulletinRenderError", RuntimeError) as exc:  # no WeasyPrint or no CJK font here
        return render(request, "inspection/unavailable.html", {"inspection": inspection, "fmt": fmt,
                                                                "reason": str(exc)}, status=503)
    types = {"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
             "pdf": "application/pdf"}
    name = f"{inspection.owner.name}{inspection.year}年第{inspection.quarter}季度检查通报.{fmt}"
    return _attachment(content, name, types[fmt])


# 评分 ---------------------------------------------------------------------------------------


@login_required
def entry_scorecard(request, pk: int, entry_pk: int):
    """A frozen scorecard of one site in an inspection: the supervisor's, or the site's unit's."""
    entry = scope_to_user(InspectionSite.objects.filter(inspection_id=pk, pk=entry_pk), request.user).select_related(
        "site", "unit", "inspection", "inspection__indicator_set", "inspection__owner").first()
    if entry is None:
        raise Http404("评分不存在。")
    context = {
        "site": entry.site, "unit": entry.unit, "card": entry.scorecard, "entry": entry,
        "inspection": entry.inspection, "counts": services.bulletin_counts(entry.site),
        "version": entry.inspection.indicator_set,
    }  # fmt: skip
    return render(request, "inspection/scorecard.html", context)


@login_required
def site_scorecard(request, site_pk: int):
    """The live score of a site today, with the active indicator set."""
    site = visible_sites(request.user).filter(pk=site_pk).first()
    if site is None:
        raise Http404("网站不存在。")
    version = services.active_set()
    card = services.score_site(site, timezone.localdate(), version)
    context = {
        "site": site, "unit": site.unit,
        "card": services.scorecard_json(card, f"{version.set_id} 第 {version.version} 版"),
        "entry": None, "inspection": None, "counts": services.bulletin_counts(site), "version": version,
    }  # fmt: skip
    return render(request, "inspection/scorecard.html", context)


# 整改 ---------------------------------------------------------------------------------------


@login_required
def task_list(request):
    tasks = services.visible_tasks(request.user).order_by("deadline", "id")
    state = request.GET.get("state", "open")
    if state == "open":
        tasks = tasks.filter(state__in=services.OPEN_TASK_STATES)
    elif state in TaskState.values:
        tasks = tasks.filter(state=state)
    today = timezone.localdate()
    rows = list(tasks[:500])
    for task in rows:
        task.late = bool(task.deadline and task.deadline < today and task.is_open and task.state != TaskState.ANSWERED)
        task.may_answer = task.is_open and services.can_answer(request.user, task)
        task.may_confirm = task.is_open and services.can_supervise(request.user, task.unit_id)
        task.form = AnswerForm(prefix=f"t{task.pk}")
    states = [("open", "未完成"), *TaskState.choices, ("all", "全部")]
    return render(request, "inspection/tasks.html", {"tasks": rows, "state": state, "states": states})


@login_required
@require_POST
def task_answer(request, pk: int):
    task = _task(request.user, pk)
    form = AnswerForm(request.POST, request.FILES, prefix=f"t{task.pk}")
    if form.is_valid():
        try:
            services.answer_task(request.user, task, form.cleaned_data["note"], form.cleaned_data["evidence"])
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, "整改情况已答复，待下一次巡检确认。")
    else:
        messages.error(request, _form_errors(form))
    return redirect("inspection:tasks")


@login_required
@require_POST
def task_confirm(request, pk: int):
    task = _task(request.user, pk)
    try:
        services.confirm_task(request.user, task, request.POST.get("note", ""))
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, "已确认整改。")
    return redirect("inspection:tasks")


@login_required
def task_evidence(request, pk: int):
    task = _task(request.user, pk)
    if not task.evidence_size:
        raise Http404("没有佐证材料。")
    return _attachment(task.evidence, task.evidence_name, task.evidence_type)


# 检查指标 -----------------------------------------------------------------------------------


@login_required
def indicators(request):
    _require_supervisor(request.user)
    services.ensure_builtin_sets()
    set_ids = list(IndicatorSetVersion.objects.values_list("set_id", flat=True).distinct().order_by("set_id"))
    current_id = request.GET.get("set") or request.POST.get("set") or services.DEFAULT_SET
    if current_id not in set_ids:
        current_id = services.DEFAULT_SET
    current = services.active_set(current_id)
    form = IndicatorForm(request.POST or None, initial={"yaml_text": current.yaml_text})
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_indicator_set(request.user, form.cleaned_data["yaml_text"], form.cleaned_data["note"])
        except (ValidationError, PermissionDenied) as exc:
            form.add_error("yaml_text", _error_text(exc))
        else:
            messages.success(request, f"已保存为 {saved.set_id} 第 {saved.version} 版。")
            return redirect(f"{request.path}?set={saved.set_id}")
    context = {
        "form": form, "current": current, "set_ids": set_ids,
        "versions": IndicatorSetVersion.objects.filter(set_id=current_id).select_related("created_by"),
        "uncertain": list(current.parsed().uncertain),
    }  # fmt: skip
    return render(request, "inspection/indicators.html", context, status=400 if form.errors else 200)


@login_required
def indicator_version(request, version_pk: int):
    _require_supervisor(request.user)
    version = IndicatorSetVersion.objects.filter(pk=version_pk).first()
    if version is None:
        raise Http404("版本不存在。")
    return HttpResponse(version.yaml_text, content_type="text/plain; charset=utf-8")


# 工作日日历 ---------------------------------------------------------------------------------


@login_required
def calendar(request):
    _require_supervisor(request.user)
    day_form, year_form = CalendarDayForm(prefix="day"), YearForm(prefix="year")
    if request.method == "POST":
        try:
            if request.POST.get("action") == "year":
                year_form = YearForm(request.POST, prefix="year")
                if year_form.is_valid():
                    services.declare_year(request.user, year_form.cleaned_data["year"])
                    messages.success(request, f"{year_form.cleaned_data['year']} 年已确认录入完整。")
                    return redirect("inspection:calendar")
            else:
                day_form = CalendarDayForm(request.POST, prefix="day")
                if day_form.is_valid():
                    d = day_form.cleaned_data
                    services.set_calendar_day(request.user, d["date"], d["is_workday"], d["note"])
                    messages.success(request, f"{d['date']} 已录入。")
                    return redirect("inspection:calendar")
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, _error_text(exc))
    from sanshen.scoring.workdays import LIBRARY_YEARS

    flagged = list(scope_to_user(RectificationTask.objects.filter(deadline_unknown=True, deadline__isnull=True),
                                 request.user).select_related("site", "unit", "inspection"))
    context = {
        "library_years": f"{LIBRARY_YEARS.start}–{LIBRARY_YEARS.stop - 1}",
        "years": CalendarYear.objects.select_related("declared_by"),
        "days": CalendarDay.objects.select_related("entered_by").order_by("-date")[:200],
        "day_form": day_form, "year_form": year_form, "flagged": flagged,
    }  # fmt: skip
    return render(request, "inspection/calendar.html", context)


# 检查考核总览 --------------------------------------------------------------------------------


@login_required
def dashboard(request):
    """Every site of the supervisor's subtree: live score, trend, vetoes, warnings, problems, overdue units."""
    _require_supervisor(request.user)
    from .dashboard import dashboard as dashboard_data

    return render(request, "inspection/dashboard.html", dashboard_data(request.user))
