"""The patrol pages: thin views over `services`; every rule is enforced there.

Every object is fetched through the user's scope, so another unit's site, run, problem or alert
is simply "not found" (404)."""

from __future__ import annotations

from collections import Counter
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from sanshen.units.models import Unit
from sanshen.units.services import visible_units
from sanshen.web.downloads import file_response

from . import services
from .forms import ColumnForm, MarkForm, NewColumnForm, ProblemFilter, SiteForm
from .models import KIND_CHOICES, SEVERITY_CHOICES, Column, PatrolRun, Problem, ProblemStatus, Site


def _error_text(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "；".join(exc.messages)
    return str(exc) or "没有权限。"


def _site(user, pk: int) -> Site:
    site = services.visible_sites(user).filter(pk=pk).first()
    if site is None:
        raise Http404("网站不存在。")
    return site


def _run(user, pk: int) -> PatrolRun:
    run = PatrolRun.objects.filter(pk=pk, site__in=services.visible_sites(user)).select_related("site").first()
    if run is None:
        raise Http404("巡检不存在。")
    return run


def _manageable_units(user):
    if user.is_superuser:
        return Unit.objects.all()
    return Unit.objects.filter(pk__in=[u.pk for u in visible_units(user) if services.can_manage(user, u)])


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


# 网站列表 -----------------------------------------------------------------------------------


@login_required
def site_list(request):
    sites = list(services.visible_sites(request.user))
    counts = services.open_counts(sites)
    now = timezone.now()
    rows = []
    for site in sites:
        last = site.runs.order_by("-created_at", "-id").first()
        rows.append({
            "site": site,
            "last_run": last,
            "open_tags": [(key, label, counts[site.pk][key]) for key, label in SEVERITY_CHOICES
                          if counts.get(site.pk, {}).get(key)],
            "open_total": sum(counts.get(site.pk, {}).values()),
            "availability": services.availability(site, now),
        })
    may_register = _manageable_units(request.user).exists()
    return render(request, "sites/list.html", {"rows": rows, "may_register": may_register})


@login_required
def site_new(request):
    units = _manageable_units(request.user)
    if not units.exists():
        raise PermissionDenied("只有网站管理员或监管员可以登记网站。")
    form = SiteForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        unit = data.pop("unit")
        try:
            site = services.register_site(request.user, unit, **data)
        except ValidationError as exc:
            _add_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, "网站已登记。")
            return redirect("sites:detail", pk=site.pk)
    return render(request, "sites/new.html", {"form": form})


# 网站详情 / 编辑 -----------------------------------------------------------------------------


@login_required
def site_detail(request, pk: int):
    site = _site(request.user, pk)
    may_manage = services.can_manage(request.user, site.unit_id)
    if request.method == "POST":
        if not may_manage:
            raise PermissionDenied("只有本单位网站管理员或上级监管员可以修改网站信息。")
        form = SiteForm(request.POST, instance=Site.objects.get(pk=site.pk))
        if form.is_valid():
            try:
                services.update_site(site, request.user, **form.cleaned_data)
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, "网站信息已保存。")
                return redirect("sites:detail", pk=site.pk)
    else:
        form = SiteForm(instance=site)
    today = timezone.localdate()
    columns = list(site.columns.select_related("corrected_by"))
    for column in columns:
        column.age = column.age_days(today)
        column.stale = column.is_stale(today)
        column.form = ColumnForm(initial={"name": column.name, "update_class": column.update_class,
                                          "custom_days": column.custom_days}, prefix=f"c{column.pk}")
    context = {
        "site": site,
        "form": form,
        "may_manage": may_manage,
        "columns": columns,
        "new_column": NewColumnForm(prefix="new"),
        "runs": list(site.runs.select_related("triggered_by")[:10]),
        "active_run": services.active_run(site),
        "availability": services.availability(site),
        "probes": list(site.probes.all()[:10]),
    }
    return render(request, "sites/detail.html", context)


@login_required
@require_POST
def column_correct(request, pk: int, column_pk: int):
    site = _site(request.user, pk)
    column = Column.objects.filter(site=site, pk=column_pk).first()
    if column is None:
        raise Http404("栏目不存在。")
    form = ColumnForm(request.POST, prefix=f"c{column.pk}")
    if form.is_valid():
        try:
            services.correct_column(column, request.user, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, f"栏目“{column.name}”已校正，以后巡检不会覆盖。")
    else:
        messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
    return redirect("sites:detail", pk=site.pk)


@login_required
@require_POST
def column_add(request, pk: int):
    site = _site(request.user, pk)
    form = NewColumnForm(request.POST, prefix="new")
    if form.is_valid():
        try:
            services.add_column(site, request.user, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, "栏目已添加。")
    else:
        messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
    return redirect("sites:detail", pk=site.pk)


# 巡检结果 -----------------------------------------------------------------------------------


def _filtered(site: Site, params) -> tuple[ProblemFilter, object]:
    data = {"status": "open", **{k: v for k, v in params.items() if k in ("kind", "status", "severity")}}
    form = ProblemFilter(data)
    qs = site.problems.all()
    if form.is_valid():
        f = form.cleaned_data
        if f["kind"]:
            qs = qs.filter(kind=f["kind"])
        if f["status"] and f["status"] != "all":
            qs = qs.filter(status=f["status"])
        if f["severity"]:
            qs = qs.filter(severity=f["severity"])
    else:
        qs = qs.filter(status=ProblemStatus.OPEN)
    return form, qs


@login_required
def problems(request, pk: int):
    site = _site(request.user, pk)
    form, qs = _filtered(site, request.GET)
    rows = sorted(qs.select_related("resolved_by", "first_seen_run"), key=lambda p: (p.kind, p.severity_rank, p.url))
    labels = dict(KIND_CHOICES)
    groups: dict[str, list[Problem]] = {}
    for problem in rows:
        groups.setdefault(problem.kind, []).append(problem)
    by_kind = Counter(site.problems.filter(status=ProblemStatus.OPEN).values_list("kind", flat=True))
    context = {
        "site": site,
        "form": form,
        "groups": [{"kind": k, "label": labels.get(k, k), "problems": v} for k, v in groups.items()],
        "total": len(rows),
        "open_by_kind": [{"kind": k, "label": labels.get(k, k), "count": by_kind[k]}
                         for k, _ in KIND_CHOICES if by_kind.get(k)],
        "may_manage": services.can_manage(request.user, site.unit_id),
        "mark_form": MarkForm(),
        "query": request.GET.urlencode(),
        "last_run": site.runs.order_by("-created_at", "-id").first(),
    }
    return render(request, "sites/problems.html", context)


@login_required
@require_POST
def problem_mark(request, pk: int, problem_pk: int):
    site = _site(request.user, pk)
    problem = Problem.objects.filter(site=site, pk=problem_pk).select_related("site").first()
    if problem is None:
        raise Http404("问题不存在。")
    form = MarkForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择处理方式。")
    else:
        try:
            services.mark_problem(problem, request.user, form.cleaned_data["status"], form.cleaned_data["note"])
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, f"已标记为“{problem.get_status_display()}”。")
    back = QueryDict(request.POST.get("back", ""))
    query = urlencode({k: back[k] for k in ("kind", "status", "severity") if back.get(k)})
    url = reverse("sites:problems", args=[site.pk])
    return redirect(f"{url}?{query}" if query else url)


@login_required
def problems_export(request, pk: int, fmt: str):
    site = _site(request.user, pk)
    if fmt not in ("csv", "xlsx"):
        raise Http404("不支持的导出格式。")
    _, qs = _filtered(site, request.GET)
    body = services.export_problems(site, qs.order_by("kind", "url"), fmt, request.user)
    stamp = timezone.localtime().strftime("%Y%m%d")
    content_type = ("text/csv; charset=utf-8" if fmt == "csv"
                    else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    return file_response(body, f"site-{site.pk}-problems-{stamp}.{fmt}", content_type)


# 巡检进度 -----------------------------------------------------------------------------------


@login_required
@require_POST
def patrol_start(request, pk: int):
    site = _site(request.user, pk)
    try:
        run = services.start_patrol(site, request.user)
    except PermissionDenied as exc:
        messages.error(request, _error_text(exc))
        return redirect("sites:detail", pk=site.pk)
    if run.state == "queued" and run.started_at is None:
        services.launch_run(run)
        messages.success(request, "巡检已开始。")
    else:
        messages.info(request, "该网站已有巡检在进行。")
    return redirect("sites:run", run_pk=run.pk)


def _run_context(request, run: PatrolRun) -> dict:
    return {"run": run, "site": run.site, "may_manage": services.can_manage(request.user, run.site.unit_id)}


@login_required
def run_page(request, run_pk: int):
    run = _run(request.user, run_pk)
    return render(request, "sites/run.html", _run_context(request, run))


@login_required
def run_progress(request, run_pk: int):
    run = _run(request.user, run_pk)
    response = render(request, "sites/_run_progress.html", _run_context(request, run))
    if not run.is_active:
        response["HX-Trigger"] = "patrol-finished"
    return response


@login_required
@require_POST
def run_cancel(request, run_pk: int):
    run = _run(request.user, run_pk)
    try:
        services.cancel_run(run, request.user)
    except PermissionDenied as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, "巡检已取消。")
    return redirect("sites:run", run_pk=run.pk)


# 值班读网 -----------------------------------------------------------------------------------


@login_required
def alert_queue(request):
    if not services.can_read_duty(request.user):
        raise PermissionDenied("只有值班员、网站管理员和监管员可以查看告警。")
    alerts = list(services.visible_alerts(request.user).order_by("-created_at", "-id")[:500])
    recent = list(
        services.visible_alerts(request.user, include_acknowledged=True)
        .filter(acknowledged_at__isnull=False).select_related("acknowledged_by").order_by("-acknowledged_at")[:20]
    )
    return render(request, "sites/alerts.html", {"alerts": alerts, "recent": recent,
                                                 "total": services.visible_alerts(request.user).count()})


@login_required
@require_POST
def alert_ack(request, pk: int):
    alert = services.visible_alerts(request.user, include_acknowledged=True).filter(pk=pk).first()
    if alert is None:
        raise Http404("告警不存在。")
    try:
        services.acknowledge_alert(alert, request.user)
    except PermissionDenied as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, "告警已确认。")
    return redirect("sites:alerts")

