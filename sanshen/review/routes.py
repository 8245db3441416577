"""Editing review routes (监管员, outside the Django admin) and skipping a step.

Who: a 监管员 (supervisor) in any unit, or a superuser. Routes are platform-wide data (one
`RouteTemplate` per 信息类别), so any supervisor may edit them; every change is audited twice:
the model-level before/after entries of `sanshen.audit.tracking` (with the supervisor as actor)
and one `review_route_change` entry naming what was done.

Rules a route must keep while it is active (checked after each change, which is rolled back
when it breaks one; an inactive route may be reworked freely and is checked on activation):
- at least one step, and an unconditional 终审 step (no 重要程度/涉及事项 condition);
- only 上级审核 (escalation) steps may come after the last unconditional 终审 step;
- an unconditional 保密审查 step, unless the route's number of secrecy levels (its
  `secrecy_levels`, or the default `SANSHEN_SECRECY_STEPS` when blank; see
  `services.secrecy_step_count`) is 0;
- 会审 steps and the 会审部门 scope go together;
- 办理时限 between 1 and 720 hours.

The number of secrecy levels (保密审查级数) is data per route (`set_secrecy_levels`, 0 to
`services.MAX_SECRECY_LEVELS`, or blank for the deployment default): each 保密审查 step expands
into that many levels reviewed in turn, and the 审核表 shows one block per level.

Skipping (`skip_step`): a 监管员 at or above the item's unit may skip a pending step of the
current round with a written reason (post vacant, …); the step becomes 跳过 with the reason,
the supervisor and the time, and the route goes on as after a pass.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from sanshen.audit.context import audit_context
from sanshen.audit.models import register_action
from sanshen.audit.services import record
from sanshen.units.models import Membership, Role, Unit
from sanshen.units.services import has_role

from . import services
from .defaults import DEFAULT_ROUTES
from .models import (
    Category,
    Importance,
    Item,
    ReviewStep,
    RouteStepTemplate,
    RouteTemplate,
    Scope,
    Status,
    StepKind,
    StepState,
    Topic,
)

__all__ = [
    "MAX_DEADLINE_HOURS",
    "add_step",
    "can_edit_routes",
    "can_skip",
    "create_default_route",
    "delete_step",
    "move_step",
    "route_problems",
    "set_active",
    "set_secrecy_levels",
    "skip_step",
    "update_step",
]

MAX_DEADLINE_HOURS = 720
STEP_FIELDS = ("order", "kind", "label", "role", "scope", "min_importance", "topics", "deadline_hours")

register_action("review_route_change", "审核流程设置")
register_action("review_skip", "跳过审核环节")


# Permission ---------------------------------------------------------------------------------


def can_edit_routes(user) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or Membership.objects.filter(user=user, role=Role.SUPERVISOR).exists()


def _require_editor(user) -> None:
    if not can_edit_routes(user):
        raise PermissionDenied("只有监管员可以设置审核流程。")


# Validation ---------------------------------------------------------------------------------


def _unconditional(step: RouteStepTemplate) -> bool:
    return not step.min_importance and not step.topics


def step_problems(step: RouteStepTemplate) -> list[str]:
    """What is wrong with one step on its own."""
    problems = []
    if step.kind not in StepKind.values:
        problems.append("未知的环节类型。")
    if step.role not in Role.values:
        problems.append("未知的角色。")
    if step.scope not in Scope.values:
        problems.append("未知的审核单位范围。")
    if step.min_importance and step.min_importance not in Importance.values:
        problems.append("未知的重要程度。")
    if not isinstance(step.topics, list) or any(t not in Topic.values for t in step.topics):
        problems.append("涉及事项只能是：" + "、".join(Topic.labels) + "。")
    if (step.kind == StepKind.JOINT) != (step.scope == Scope.JOINT):
        problems.append("会审环节须选择“会审部门”审核单位，反之亦然。")
    if not 1 <= int(step.deadline_hours or 0) <= MAX_DEADLINE_HOURS:
        problems.append(f"办理时限须在 1 到 {MAX_DEADLINE_HOURS} 小时之间。")
    if step.role == Role.SUPERVISOR:
        problems.append("监管员负责监督，不能作为审核环节的角色。")
    return problems


def route_problems(template: RouteTemplate) -> list[str]:
    """What keeps `template` from being a usable route (empty when it is fine)."""
    steps = list(template.steps.order_by("order", "id"))
    if not steps:
        return ["流程没有任何环节。"]
    problems = []
    for st in steps:
        problems += [f"第{st.order}步“{st}”：{p}" for p in step_problems(st)]
    finals = [s for s in steps if s.kind == StepKind.FINAL and _unconditional(s)]
    if not finals:
        problems.append("流程须有一个无条件的终审环节。")
    else:
        last_final = max(s.order for s in finals)
        after = [s for s in steps if s.order > last_final and s.kind != StepKind.ESCALATION]
        if after:
            problems.append("终审之后只能有上级审核环节：" + "、".join(str(s) for s in after) + "须移到终审之前。")
    has_secrecy = any(s.kind == StepKind.SECRECY and _unconditional(s) for s in steps)
    if services.secrecy_step_count(template) > 0 and not has_secrecy:
        problems.append("流程须保留至少一个无条件的保密审查环节（该流程保密审查级数设置为 0 时除外）。")
    return problems


def _check(template: RouteTemplate) -> None:
    if template.is_active:
        problems = route_problems(template)
        if problems:
            raise ValidationError(problems)


def _snapshot(step: RouteStepTemplate | None) -> dict | None:
    if step is None or step.pk is None:
        return None
    data = {name: getattr(step, name) for name in STEP_FIELDS}
    data["id"] = step.pk
    data["joint_units"] = sorted(step.joint_units.values_list("pk", flat=True))
    return data


def _audit(user, template: RouteTemplate, what: str, before=None, after=None) -> None:
    record(
        "review_route_change",
        actor=user,
        obj=template,
        before=before,
        after={"change": what, "category": template.category, "route": template.name, "data": after},
    )


# Changes ------------------------------------------------------------------------------------


def _apply(step: RouteStepTemplate, data: dict) -> list[Unit] | None:
    for name in STEP_FIELDS:
        if name in data:
            setattr(step, name, data[name])
    step.label = (step.label or "").strip()
    step.topics = list(step.topics or [])
    step.min_importance = step.min_importance or ""
    problems = step_problems(step)
    if problems:
        raise ValidationError(problems)
    return data.get("joint_units")


def add_step(template: RouteTemplate, user, data: dict) -> RouteStepTemplate:
    """A new step. Without an `order` it goes after the last step."""
    _require_editor(user)
    with transaction.atomic(), audit_context(actor=user):
        template = RouteTemplate.objects.select_for_update().get(pk=template.pk)
        data = dict(data)
        if not data.get("order"):
            last = template.steps.aggregate(m=Max("order"))["m"] or 0
            data["order"] = last + 10
        step = RouteStepTemplate(template=template)
        joint = _apply(step, data)
        step.save()
        if joint is not None:
            step.joint_units.set(joint)
        _check(template)
        _audit(user, template, "add_step", after=_snapshot(step))
    return step


def update_step(step: RouteStepTemplate, user, data: dict) -> RouteStepTemplate:
    _require_editor(user)
    with transaction.atomic(), audit_context(actor=user):
        template = RouteTemplate.objects.select_for_update().get(pk=step.template_id)
        step = RouteStepTemplate.objects.get(pk=step.pk)
        before = _snapshot(step)
        joint = _apply(step, data)
        step.save()
        if joint is not None:
            step.joint_units.set(joint)
        _check(template)
        _audit(user, template, "update_step", before=before, after=_snapshot(step))
    return step


def delete_step(step: RouteStepTemplate, user) -> None:
    _require_editor(user)
    with transaction.atomic(), audit_context(actor=user):
        template = RouteTemplate.objects.select_for_update().get(pk=step.template_id)
        step = RouteStepTemplate.objects.get(pk=step.pk)
        before = _snapshot(step)
        step.delete()
        _check(template)
        _audit(user, template, "delete_step", before=before)


def move_step(step: RouteStepTemplate, user, direction: str) -> RouteStepTemplate:
    """Swap the step's place with the previous ("up") or next ("down") step of another order."""
    if direction not in ("up", "down"):
        raise ValidationError("未知的移动方向。")
    _require_editor(user)
    with transaction.atomic(), audit_context(actor=user):
        template = RouteTemplate.objects.select_for_update().get(pk=step.template_id)
        step = RouteStepTemplate.objects.get(pk=step.pk)
        others = template.steps.exclude(order=step.order)
        if direction == "up":
            neighbour = others.filter(order__lt=step.order).order_by("-order", "-id").first()
        else:
            neighbour = others.filter(order__gt=step.order).order_by("order", "id").first()
        if neighbour is None:
            raise ValidationError("已经是第一步。" if direction == "up" else "已经是最后一步。")
        before = {"step": step.pk, "order": step.order, "neighbour": neighbour.pk, "neighbour_order": neighbour.order}
        step.order, neighbour.order = neighbour.order, step.order
        step.save(update_fields=["order"])
        neighbour.save(update_fields=["order"])
        _check(template)
        _audit(
            user,
            template,
            f"move_{direction}",
            before=before,
            after={"step": step.pk, "order": step.order, "neighbour": neighbour.pk, "neighbour_order": neighbour.order},
        )
    return step


def set_active(template: RouteTemplate, user, active: bool) -> RouteTemplate:
    """Switch a route on (only when it keeps the rules) or off (items of the category then
    cannot be submitted until a route is active again)."""
    _require_editor(user)
    with transaction.atomic(), audit_context(actor=user):
        template = RouteTemplate.objects.select_for_update().get(pk=template.pk)
        before = {"is_active": template.is_active}
        template.is_active = bool(active)
        template.save()
        _check(template)
        _audit(user, template, "activate" if active else "deactivate", before=before, after={"is_active": active})
    return template


def set_secrecy_levels(template: RouteTemplate, user, levels: int | None) -> RouteTemplate:
    """The route's number of secrecy levels; None = the deployment default. A route needs an
    unconditional 保密审查 step unless its levels are 0 (checked as every other change)."""
    _require_editor(user)
    if levels is not None:
        try:
            levels = int(levels)
        except (TypeError, ValueError) as exc:
            raise ValidationError("保密审查级数须是整数。") from exc
        if not 0 <= levels <= services.MAX_SECRECY_LEVELS:
            raise ValidationError(f"保密审查级数须在 0 到 {services.MAX_SECRECY_LEVELS} 之间（留空则用默认值）。")
    with transaction.atomic(), audit_context(actor=user):
        template = RouteTemplate.objects.select_for_update().get(pk=template.pk)
        before = {"secrecy_levels": template.secrecy_levels}
        template.secrecy_levels = levels
        template.save()
        _check(template)
        _audit(
            user,
            template,
            "secrecy_levels",
            before=before,
            after={"secrecy_levels": levels, "effective": services.secrecy_step_count(template)},
        )
    return template


def create_default_route(category: str, user) -> RouteTemplate:
    """The default route of a category that has none (defaults.DEFAULT_ROUTES)."""
    _require_editor(user)
    if category not in Category.values:
        raise ValidationError("未知的信息类别。")
    name, steps = DEFAULT_ROUTES[category]
    with transaction.atomic(), audit_context(actor=user):
        if RouteTemplate.objects.filter(category=category).exists():
            raise ValidationError("该类别已有审核流程。")
        template = RouteTemplate.objects.create(category=category, name=name)
        for order, kind, label, role, scope, min_importance, topics in steps:
            RouteStepTemplate.objects.create(
                template=template,
                order=order,
                kind=kind,
                label=label,
                role=role,
                scope=scope,
                min_importance=min_importance,
                topics=list(topics),
                deadline_hours=24 if kind != StepKind.ESCALATION else 48,
            )
        _audit(user, template, "create_default", after={"steps": len(steps)})
    return template


# Skipping a step ----------------------------------------------------------------------------


def can_skip(step: ReviewStep, user) -> bool:
    """A pending step of the current round of an item in review; a 监管员 at or above the unit."""
    item = step.item
    return (
        item.status == Status.IN_REVIEW
        and step.round == item.round
        and step.state == StepState.PENDING
        and has_role(user, item.unit, Role.SUPERVISOR, inherited=True)
    )


def skip_step(step: ReviewStep, user, reason: str) -> ReviewStep:
    """Skip a pending step with a written reason; the route goes on as after a pass."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("跳过审核环节必须写明理由。")
    if len(reason) > 200:
        raise ValidationError("跳过理由不超过 200 个字。")
    with transaction.atomic():
        item = Item.objects.select_for_update().get(pk=step.item_id)
        step = ReviewStep.objects.select_for_update().get(pk=step.pk)
        if item.status != Status.IN_REVIEW or step.round != item.round:
            raise ValidationError("该稿件当前不在审核中。")
        if step.state != StepState.PENDING:
            raise ValidationError("该环节已办结，不能跳过。")
        if not has_role(user, item.unit, Role.SUPERVISOR, inherited=True):
            raise PermissionDenied("只有本单位或上级单位的监管员可以跳过审核环节。")
        if user.pk in services._authors(item):
            raise PermissionDenied("拟稿人或修改过稿件的人不能跳过该稿件的审核环节。")
        before = {"step_state": step.state, "item_status": item.status}
        step.state = StepState.SKIPPED
        step.skip_reason = reason
        step.decided_by = user
        step.decided_at = timezone.now()
        step.save()
        # As after a pass (services.decide): the item is approved when nothing is pending,
        # otherwise the next steps open.
        if not services._round_steps(item).filter(state=StepState.PENDING).exists():
            item.status = Status.APPROVED
            item.save()
        else:
            services._open_next(item)
        record(
            "review_skip",
            actor=user,
            obj=item,
            before=before,
            after={
                "step": step.pk,
                "label": step.label,
                "round": step.round,
                "reason": reason,
                "step_state": step.state,
                "item_status": item.status,
            },
        )
    return step
