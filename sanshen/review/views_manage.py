"""Pages over the publication, withdrawal, archive and route services: thin views, every rule
is enforced in `publishing`, `archive` and `routes`.

- 发布 (`review/<pk>/publish/`): the Publication, the webhook deliveries with every attempt and
  立即重试; the form to record the published URL for an approved item.
- 撤稿申请: the request form is on the item page; `review/withdrawals/` lists the requests the
  user may decide (主要领导/分管领导 of the unit) and the user's own and visible ones.
- 月度归档 (`review/archive/`): units from `archive.archive_units`, downloads audited.
- 审核流程设置 (`review/routes/`): 监管员 only; steps and each route's 保密审查级数.
- 跳过环节: a form on the item page for a 监管员 at or above the item's unit.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from sanshen.units.models import Role, Unit
from sanshen.units.services import visible_units

from . import archive, publishing, routes
from .downloads import DOCX_TYPE, attachment
from .models import (
    Category,
    Importance,
    ReviewStep,
    RouteStepTemplate,
    RouteTemplate,
    Scope,
    Status,
    StepKind,
    Topic,
    WebhookAttempt,
    WebhookDelivery,
    WithdrawKind,
    WithdrawRequest,
)
from .views import _error_text, _get_item

# Forms --------------------------------------------------------------------------------------


class PublishForm(forms.Form):
    url = forms.CharField(label="发布网址", max_length=500, help_text="稿件在网站上的地址，http 或 https。")


class WithdrawRequestForm(forms.Form):
    kind = forms.ChoiceField(label="申请类型", choices=WithdrawKind.choices, widget=forms.RadioSelect)
    reason = forms.CharField(label="理由", widget=forms.Textarea(attrs={"rows": 3}))


class WithdrawDecisionForm(forms.Form):
    approve = forms.TypedChoiceField(
        label="审批决定",
        choices=(("1", "同意"), ("0", "不同意")),
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    opinion = forms.CharField(
        label="审批意见", required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text="不同意时必填。"
    )


class SkipForm(forms.Form):
    reason = forms.CharField(label="跳过理由", max_length=200, help_text="如：岗位空缺、人员调整等。")


class SecrecyLevelsForm(forms.Form):
    levels = forms.IntegerField(
        label="保密审查级数",
        min_value=0,
        max_value=5,
        required=False,
        help_text="每个保密审查环节依次审查的级数；0 表示本流程不设保密审查；留空则使用默认值。",
    )

    @classmethod
    def for_template(cls, template: RouteTemplate, data=None) -> SecrecyLevelsForm:
        return cls(data, initial={"levels": template.secrecy_levels}, prefix=f"sec{template.pk}")


class StepForm(forms.Form):
    order = forms.IntegerField(
        label="顺序", min_value=1, required=False, help_text="数字小的先审；顺序相同的环节并行。留空则排在最后。"
    )
    kind = forms.ChoiceField(label="环节", choices=StepKind.choices)
    label = forms.CharField(label="名称", max_length=100, required=False, help_text="留空则用环节名。")
    role = forms.ChoiceField(label="所需角色", choices=[c for c in Role.choices if c[0] != Role.SUPERVISOR])
    scope = forms.ChoiceField(label="审核单位", choices=Scope.choices)
    joint_units = forms.ModelMultipleChoiceField(
        label="固定会审部门", queryset=Unit.objects.order_by("path"), required=False
    )
    min_importance = forms.ChoiceField(
        label="仅当重要程度至少为", choices=[("", "不限"), *Importance.choices], required=False
    )
    topics = forms.MultipleChoiceField(
        label="仅当涉及事项（任一）", choices=Topic.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    deadline_hours = forms.IntegerField(
        label="办理时限（小时）", min_value=1, max_value=routes.MAX_DEADLINE_HOURS, initial=24
    )

    @classmethod
    def for_step(cls, step: RouteStepTemplate, data=None) -> StepForm:
        initial = {name: getattr(step, name) for name in routes.STEP_FIELDS}
        initial["joint_units"] = list(step.joint_units.all())
        return cls(data, initial=initial, prefix=f"st{step.pk}")

    def step_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["joint_units"] = list(data["joint_units"])
        return data


def _form_errors(form: forms.Form, exc: ValidationError) -> None:
    for message in exc.messages:
        form.add_error(None, message)


# 发布 and webhook deliveries -----------------------------------------------------------------


def _publish_context(request, item, form=None) -> dict:
    deliveries = list(
        WebhookDelivery.objects.filter(item=item)
        .select_related("endpoint")
        .prefetch_related(Prefetch("attempt_log", queryset=WebhookAttempt.objects.order_by("number")))
        .order_by("created_at", "id")
    )
    may_publish = publishing.may_publish(request.user, item)
    return {
        "item": item,
        "publication": publishing.Publication.objects.filter(item=item).select_related("published_by").first(),
        "deliveries": deliveries,
        "may_retry": publishing.may_retry(request.user, item),
        "form": (form or PublishForm()) if may_publish else None,
    }


@login_required
def publish_page(request, pk: int):
    item = _get_item(request.user, pk)
    form = None
    if request.method == "POST":
        form = PublishForm(request.POST)
        if form.is_valid():
            try:
                publishing.publish(item, request.user, form.cleaned_data["url"])
            except (ValidationError, PermissionDenied) as exc:
                form.add_error(None, _error_text(exc))
            else:
                messages.success(request, "已记录发布网址，稿件状态为已发布。")
                return redirect("review:publish", pk=item.pk)
        item.refresh_from_db()
        if not publishing.may_publish(request.user, item):
            raise PermissionDenied("只有本单位的网站管理员或信息员可以发布审核通过的稿件。")
        return render(request, "review/manage/publish.html", _publish_context(request, item, form), status=400)
    return render(request, "review/manage/publish.html", _publish_context(request, item))


@require_POST
@login_required
def retry_delivery(request, pk: int, delivery_pk: int):
    item = _get_item(request.user, pk)
    delivery = get_object_or_404(WebhookDelivery, pk=delivery_pk, item=item)
    try:
        delivery = publishing.retry_delivery(delivery, request.user)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, "未能重试：" + _error_text(exc))
    else:
        messages.success(request, f"已重试推送：{delivery.get_state_display()}（已尝试 {delivery.attempts} 次）。")
    return redirect("review:publish", pk=item.pk)


# 撤稿/删除申请 -------------------------------------------------------------------------------


@require_POST
@login_required
def request_withdraw(request, pk: int):
    item = _get_item(request.user, pk)
    form = WithdrawRequestForm(request.POST)
    if form.is_valid():
        try:
            publishing.request_withdraw(item, request.user, form.cleaned_data["kind"], form.cleaned_data["reason"])
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, "未能提交申请：" + _error_text(exc))
        else:
            messages.success(request, "撤回/删除申请已提交，待本单位主要领导或分管领导审批。")
    else:
        messages.error(request, "未能提交申请：请选择申请类型并填写理由。")
    return redirect("review:item", pk=item.pk)


@login_required
def withdrawals(request):
    to_decide = list(publishing.withdraw_requests_to_decide(request.user))
    for req in to_decide:
        req.form = WithdrawDecisionForm(prefix=f"w{req.pk}")
    others = (
        WithdrawRequest.objects.filter(item__unit__in=visible_units(request.user))
        .exclude(pk__in=[r.pk for r in to_decide])
        .select_related("item", "item__unit", "requested_by", "decided_by")
        .order_by("-requested_at", "-id")[:100]
    )
    mine = WithdrawRequest.objects.filter(requested_by=request.user).exclude(pk__in=[r.pk for r in to_decide])
    records = sorted(
        {r.pk: r for r in [*others, *mine.select_related("item", "decided_by")]}.values(),
        key=lambda r: (r.requested_at, r.pk),
        reverse=True,
    )
    return render(request, "review/manage/withdrawals.html", {"to_decide": to_decide, "records": records})


@require_POST
@login_required
def decide_withdrawal(request, req_pk: int):
    req = WithdrawRequest.objects.filter(pk=req_pk).select_related("item").first()
    if req is None or not visible_units(request.user).filter(pk=req.item.unit_id).exists():
        raise Http404("申请不存在。")
    form = WithdrawDecisionForm(request.POST, prefix=f"w{req_pk}")
    if form.is_valid():
        try:
            publishing.decide_withdraw(req, request.user, form.cleaned_data["approve"], form.cleaned_data["opinion"])
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, "未能保存审批：" + _error_text(exc))
        else:
            messages.success(request, "审批已保存。")
    else:
        messages.error(request, "未能保存审批：请选择同意或不同意。")
    return redirect("review:withdrawals")


# 跳过环节 -----------------------------------------------------------------------------------


@require_POST
@login_required
def skip_step(request, pk: int, step_pk: int):
    item = _get_item(request.user, pk)
    step = get_object_or_404(ReviewStep, pk=step_pk, item=item)
    form = SkipForm(request.POST, prefix=f"skip{step.pk}")
    if form.is_valid():
        try:
            routes.skip_step(step, request.user, form.cleaned_data["reason"])
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, "未能跳过：" + _error_text(exc))
        else:
            messages.success(request, f"已跳过“{step.label}”，理由已记录。")
    else:
        messages.error(request, "未能跳过：须写明跳过理由（不超过 200 字）。")
    return redirect("review:item", pk=item.pk)


# 月度归档 -----------------------------------------------------------------------------------


def _last_month(today: dt.date) -> tuple[int, int]:
    return (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)


def _archive_params(request, units) -> tuple[Unit | None, int, int]:
    year, month = _last_month(timezone.localdate())
    try:
        year = int(request.GET.get("year", year))
        month = int(request.GET.get("month", month))
    except ValueError:
        year, month = _last_month(timezone.localdate())
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        year, month = _last_month(timezone.localdate())
    unit = None
    raw = request.GET.get("unit")
    if raw:
        try:
            unit = units.filter(pk=int(raw)).first()
        except ValueError:
            unit = None
        if unit is None:
            raise Http404("单位不存在或无权查看。")
    return unit, year, month


@require_GET
@login_required
def archive_page(request):
    units = archive.archive_units(request.user)
    if not units.exists():
        raise PermissionDenied("只有主要领导、分管领导、监管员和网站管理员可以下载月度归档。")
    unit, year, month = _archive_params(request, units)
    unit = unit or units.first()
    report = archive.self_inspection(unit, year, month)
    decided = list(archive.decided_items(unit, year, month))
    labels = dict(Status.choices)
    by_status = {}
    for it in decided:
        by_status[labels.get(it.status, it.status)] = by_status.get(labels.get(it.status, it.status), 0) + 1
    context = {
        "units": units,
        "unit": unit,
        "year": year,
        "month": month,
        "years": range(timezone.localdate().year, timezone.localdate().year - 6, -1),
        "months": range(1, 13),
        "decided_count": len(decided),
        "by_status": sorted(by_status.items()),
        "sections": [(label, len(getattr(report, key))) for key, label in report.SECTIONS],
        "incomplete_joint": report.incomplete_joint,
    }
    return render(request, "review/manage/archive.html", context)


@require_GET
@login_required
def archive_download(request):
    units = archive.archive_units(request.user)
    if not units.exists():
        raise PermissionDenied("只有主要领导、分管领导、监管员和网站管理员可以下载月度归档。")
    unit, year, month = _archive_params(request, units)
    if unit is None:
        raise Http404("请选择单位。")
    what = request.GET.get("format", "zip")
    stem = f"{unit.name}-{year:04d}-{month:02d}"
    if what == "zip":
        data = archive.build_monthly_archive(unit, year, month, actor=request.user)
        return attachment(data, "application/zip", f"月度归档-{stem}.zip")
    report = archive.self_inspection(unit, year, month)
    if what == "csv":
        archive.record_self_inspection(report, actor=request.user, fmt="csv")
        data = ("\ufeff" + archive.self_inspection_csv(report)).encode()
        return attachment(data, "text/csv; charset=utf-8", f"自检自查报告-{stem}.csv")
    if what == "docx":
        archive.record_self_inspection(report, actor=request.user, fmt="docx")
        return attachment(archive.self_inspection_docx(report), DOCX_TYPE, f"自检自查报告-{stem}.docx")
    raise Http404("未知的下载格式。")


# 审核流程设置 -------------------------------------------------------------------------------


def _require_route_editor(user) -> None:
    if not routes.can_edit_routes(user):
        raise PermissionDenied("只有监管员可以设置审核流程。")


def _routes_context(bound: dict | None = None) -> dict:
    from .services import default_secrecy_levels, secrecy_step_count

    templates = {
        t.category: t
        for t in RouteTemplate.objects.prefetch_related(
            Prefetch(
                "steps", queryset=RouteStepTemplate.objects.order_by("order", "id").prefetch_related("joint_units")
            )
        )
    }
    rows = []
    for value, label in Category.choices:
        template = templates.get(value)
        entry = {"category": value, "label": label, "template": template}
        if template is not None:
            steps = list(template.steps.all())
            for st in steps:
                st.topic_labels = "、".join(dict(Topic.choices).get(t, t) for t in st.topics)
                if bound and bound.get("step") == st.pk:
                    st.form = bound["form"]
                else:
                    st.form = StepForm.for_step(st)
            entry["steps"] = steps
            entry["problems"] = routes.route_problems(template)
            entry["secrecy_levels"] = secrecy_step_count(template)
            if bound and bound.get("secrecy") == template.pk:
                entry["secrecy_form"] = bound["form"]
            else:
                entry["secrecy_form"] = SecrecyLevelsForm.for_template(template)
            if bound and bound.get("template") == template.pk:
                entry["add_form"] = bound["form"]
            else:
                entry["add_form"] = StepForm(prefix=f"new{template.pk}", initial={"deadline_hours": 24})
        rows.append(entry)
    return {"rows": rows, "secrecy_levels": default_secrecy_levels()}


@login_required
def routes_index(request):
    _require_route_editor(request.user)
    return render(request, "review/manage/routes.html", _routes_context())


@require_POST
@login_required
def route_create(request):
    _require_route_editor(request.user)
    try:
        template = routes.create_default_route(request.POST.get("category", ""), request.user)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, "未能创建：" + _error_text(exc))
    else:
        messages.success(request, f"已按默认流程创建“{template.name}”。")
    return redirect("review:routes")


@require_POST
@login_required
def route_active(request, template_pk: int):
    _require_route_editor(request.user)
    template = get_object_or_404(RouteTemplate, pk=template_pk)
    active = request.POST.get("active") == "1"
    try:
        routes.set_active(template, request.user, active)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, "未能启用：" + _error_text(exc))
    else:
        messages.success(request, f"“{template.name}”已{'启用' if active else '停用'}。")
    return redirect("review:routes")


@require_POST
@login_required
def route_secrecy(request, template_pk: int):
    _require_route_editor(request.user)
    template = get_object_or_404(RouteTemplate, pk=template_pk)
    form = SecrecyLevelsForm.for_template(template, request.POST)
    if form.is_valid():
        try:
            template = routes.set_secrecy_levels(template, request.user, form.cleaned_data["levels"])
        except (ValidationError, PermissionDenied) as exc:
            _form_errors(form, exc if isinstance(exc, ValidationError) else ValidationError(_error_text(exc)))
        else:
            from .services import secrecy_step_count

            levels = secrecy_step_count(template)
            default = "（默认）" if template.secrecy_levels is None else ""
            messages.success(request, f"“{template.name}”的保密审查级数已设为 {levels} 级{default}。")
            return redirect("review:routes")
    context = _routes_context({"secrecy": template.pk, "form": form})
    return render(request, "review/manage/routes.html", context, status=400)


@require_POST
@login_required
def route_step_add(request, template_pk: int):
    _require_route_editor(request.user)
    template = get_object_or_404(RouteTemplate, pk=template_pk)
    form = StepForm(request.POST, prefix=f"new{template.pk}")
    if form.is_valid():
        try:
            step = routes.add_step(template, request.user, form.step_data())
        except (ValidationError, PermissionDenied) as exc:
            _form_errors(form, exc if isinstance(exc, ValidationError) else ValidationError(_error_text(exc)))
        else:
            messages.success(request, f"已添加环节“{step}”。")
            return redirect("review:routes")
    context = _routes_context({"template": template.pk, "form": form})
    return render(request, "review/manage/routes.html", context, status=400)


@require_POST
@login_required
def route_step_edit(request, step_pk: int):
    _require_route_editor(request.user)
    step = get_object_or_404(RouteStepTemplate, pk=step_pk)
    form = StepForm.for_step(step, request.POST)
    if form.is_valid():
        try:
            routes.update_step(step, request.user, form.step_data())
        except (ValidationError, PermissionDenied) as exc:
            _form_errors(form, exc if isinstance(exc, ValidationError) else ValidationError(_error_text(exc)))
        else:
            messages.success(request, "环节已保存。")
            return redirect("review:routes")
    context = _routes_context({"step": step.pk, "form": form})
    return render(request, "review/manage/routes.html", context, status=400)


@require_POST
@login_required
def route_step_delete(request, step_pk: int):
    _require_route_editor(request.user)
    step = get_object_or_404(RouteStepTemplate, pk=step_pk)
    try:
        routes.delete_step(step, request.user)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, "未能删除：" + _error_text(exc))
    else:
        messages.success(request, f"已删除环节“{step}”。")
    return redirect("review:routes")


@require_POST
@login_required
def route_step_move(request, step_pk: int):
    _require_route_editor(request.user)
    step = get_object_or_404(RouteStepTemplate, pk=step_pk)
    try:
        routes.move_step(step, request.user, request.POST.get("direction", ""))
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, "未能调整顺序：" + _error_text(exc))
    return redirect("review:routes")
