"""The review workflow. Views and the API call these functions and nothing below them.

Rules kept here:
- Every edit is a new `Revision`; the engine checks each one and its findings are stored with it.
- A drafter cannot submit while the latest revision has `veto` findings. A reviewer (not an
  author) may let that revision go forward with `override_veto(…, reason)`; the override is kept
  and copied into the decisions made on that revision.
- A route is built from the category's `RouteTemplate` when the item is submitted. Steps run by
  `order`; steps sharing an order form a parallel group and all must pass.
- A step is decided by its named assignee, by a holder of its role in its unit, or by someone
  those people delegated to for the time being. Authors of any revision never decide.
- 通过 needs the latest revision and `proofread=True` (三校).
- 退回 to the drafter ends the round (the next submission builds a fresh route); 退回 to an
  earlier step reopens the steps from there. 驳回 ends the item.
"""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

import sanshen
from sanshen.audit.services import record
from sanshen.units.models import Membership, Role, Unit
from sanshen.units.services import has_role, scope_to_user

from .defaults import seed_default_routes
from .models import (
    IMPORTANCE_RANK,
    Action,
    Decision,
    Delegation,
    Item,
    ReviewStep,
    Revision,
    RouteStepTemplate,
    RouteTemplate,
    Scope,
    Status,
    StepKind,
    StepState,
    VetoOverride,
    content_hash,
)

__all__ = [
    "REVIEWER_ROLES",
    "add_revision",
    "build_route",
    "can_decide",
    "create_item",
    "current_steps",
    "decide",
    "diff_revisions",
    "overdue_steps",
    "override_veto",
    "planned_route",
    "secrecy_step_count",
    "submit",
    "visible_items",
]

REVIEWER_ROLES = (
    Role.SECTION_HEAD,
    Role.DEPUTY_LEADER,
    Role.PRINCIPAL_LEADER,
    Role.SECRECY_REVIEWER,
    Role.SITE_ADMIN,
)
EDITABLE = (Status.DRAFT, Status.RETURNED, Status.IN_REVIEW)


def secrecy_step_count() -> int:
    return max(0, int(getattr(settings, "SANSHEN_SECRECY_STEPS", 1)))


# Visibility ---------------------------------------------------------------------------------


def _step_reviewer_q(user, now: dt.datetime, prefix: str = "") -> Q:
    """Steps `user` could decide: named, by role, or through a running delegation."""
    users = [user.pk, *_delegators(user, now)]
    q = Q(**{f"{prefix}assignee_id__in": users})
    for unit_id, role in Membership.objects.filter(user_id__in=users).values_list("unit_id", "role"):
        q |= Q(**{f"{prefix}unit_id": unit_id, f"{prefix}role": role, f"{prefix}assignee__isnull": True})
    return q


def _delegators(user, now: dt.datetime) -> list[int]:
    return list(
        Delegation.objects.filter(to_user=user, start__lte=now, end__gt=now).values_list("from_user_id", flat=True)
    )


def visible_items(user) -> QuerySet[Item]:
    """Items of the user's visible units, plus items with a step the user may decide (a
    district leader or a 会审 department sees the items routed to it)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Item.objects.none()
    own = scope_to_user(Item.objects.all(), user)
    if user.is_superuser:
        return own
    routed = ReviewStep.objects.filter(_step_reviewer_q(user, timezone.now())).values("item_id")
    return Item.objects.filter(Q(pk__in=own.values("pk")) | Q(pk__in=routed))


def _authors(item: Item) -> set[int]:
    return {item.drafter_id, *item.revisions.values_list("author_id", flat=True)}


# Items and revisions ------------------------------------------------------------------------


def _check(text: str) -> list[dict]:
    from sanshen.engine import check

    return [f.to_dict() for f in check(text)]


def create_item(
    user,
    unit: Unit,
    *,
    title: str,
    body: str,
    category: str,
    importance: str = "normal",
    topics: list[str] | None = None,
    joint_units: list[Unit] | None = None,
    source: str = "original",
    source_name: str = "",
    source_url: str = "",
    planned_at: dt.datetime | None = None,
) -> Item:
    """A new draft item with its first revision, on behalf of `user` (who must hold a role in `unit`)."""
    if not has_role(user, unit):
        raise PermissionDenied("您在该单位没有任何角色，不能拟稿。")
    item = Item(
        title=title,
        unit=unit,
        drafter=user,
        category=category,
        importance=importance,
        topics=list(topics or []),
        source=source,
        source_name=source_name,
        source_url=source_url,
        planned_at=planned_at,
    )
    item.full_clean()
    with transaction.atomic():
        item.save()
        if joint_units:
            item.joint_units.set(joint_units)
        _new_revision(item, user, title, body)
    return item


def _new_revision(item: Item, user, title: str, body: str) -> Revision:
    last = item.revisions.order_by("-number").values_list("number", flat=True).first() or 0
    if not title.strip():
        raise ValidationError("标题不能为空。")
    revision = Revision(
        item=item,
        number=last + 1,
        title=title,
        body=body,
        author=user,
        findings=_check(f"{title}\n{body}"),
        engine_version=sanshen.__version__,
        content_hash=content_hash(title, body),
    )
    revision.save()
    record(
        "review_revision",
        actor=user,
        obj=item,
        after={"revision": revision.number, "content_hash": revision.content_hash, "findings": len(revision.findings)},
    )
    return revision


def add_revision(item: Item, user, *, title: str, body: str) -> Revision:
    """A new revision by the drafter (while draft/returned/in review) or by a current reviewer."""
    with transaction.atomic():
        item = Item.objects.select_for_update().get(pk=item.pk)
        if item.status not in EDITABLE:
            raise ValidationError(f"稿件{item.get_status_display()}，不能再修改。")
        allowed = user.pk == item.drafter_id or (
            item.status == Status.IN_REVIEW and any(_eligible(s, user)[0] for s in current_steps(item))
        )
        if not allowed:
            raise PermissionDenied("只有拟稿人或当前环节的审核人可以修改稿件。")
        revision = _new_revision(item, user, title, body)
        if item.title != title:
            item.title = title
            item.save()
    return revision


def override_veto(item: Item, user, reason: str) -> VetoOverride:
    """A reviewer lets the latest revision go forward despite its `veto` findings."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("放行否决项必须写明理由。")
    with transaction.atomic():
        item = Item.objects.select_for_update().get(pk=item.pk)
        revision = item.latest_revision()
        if not revision.veto_findings:
            raise ValidationError("当前版本没有否决项，无需放行。")
        if user.pk in _authors(item):
            raise PermissionDenied("拟稿人或修改人不能放行自己稿件的否决项。")
        if not has_role(user, item.unit, *REVIEWER_ROLES, inherited=True):
            raise PermissionDenied("只有审核人员可以放行否决项。")
        override = VetoOverride.objects.create(
            revision=revision, user=user, reason=reason, findings=revision.veto_findings
        )
        record(
            "review_override",
            actor=user,
            obj=item,
            after={"revision": revision.number, "reason": reason, "rules": [f["rule"] for f in revision.veto_findings]},
        )
    return override


def _override_reason(revision: Revision) -> str:
    return "；".join(revision.overrides.values_list("reason", flat=True))


# Routes -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlannedStep:
    order: int
    kind: str
    label: str
    group: str
    role: str
    unit: Unit
    deadline_hours: int


def _district(unit: Unit) -> Unit:
    """The nearest 县/区 at or above `unit`; the top unit when there is none."""
    chain = list(unit.ancestors(include_self=True).order_by("-depth"))
    for u in chain:
        if u.kind == Unit.Kind.COUNTY:
            return u
    return chain[-1]


def _top(unit: Unit) -> Unit:
    return unit.ancestors(include_self=True).order_by("depth").first()


def planned_route(item: Item) -> list[PlannedStep]:
    """The steps the item's route template gives for its category, importance and topics."""
    template = RouteTemplate.objects.filter(category=item.category, is_active=True).first()
    if template is None and not RouteTemplate.objects.exists():
        seed_default_routes(RouteTemplate, RouteStepTemplate)
        template = RouteTemplate.objects.filter(category=item.category, is_active=True).first()
    if template is None:
        raise ValidationError(f"“{item.get_category_display()}”没有启用的审核流程，请联系监管员配置。")
    rank = IMPORTANCE_RANK[item.importance]
    planned: list[PlannedStep] = []
    for st in template.steps.prefetch_related("joint_units").order_by("order", "id"):
        if st.min_importance and rank < IMPORTANCE_RANK[st.min_importance]:
            continue
        if st.topics and not set(st.topics) & set(item.topics):
            continue
        label = st.label or st.get_kind_display()
        # Template orders are scaled by 100 so that the levels of a multi-level secrecy review
        # fit between a template step and the next.
        order = st.order * 100
        if st.scope == Scope.JOINT:
            units = {u.pk: u for u in st.joint_units.all()}
            units.update({u.pk: u for u in item.joint_units.all()})
            if not units:
                raise ValidationError("该稿件须会审，请先指定会审部门。")
            for u in sorted(units.values(), key=lambda u: u.path):
                planned.append(
                    PlannedStep(order, st.kind, f"{label}（{u.name}）", label, st.role, u, st.deadline_hours)
                )
            continue
        unit = {Scope.ITEM: item.unit, Scope.DISTRICT: _district(item.unit), Scope.TOP: _top(item.unit)}[st.scope]
        if st.kind == StepKind.SECRECY:
            count = secrecy_step_count()
            for level in range(count):
                name = label if count == 1 else f"{label}（第{level + 1}级）"
                planned.append(PlannedStep(order + level, st.kind, name, "", st.role, unit, st.deadline_hours))
            continue
        planned.append(PlannedStep(order, st.kind, label, "", st.role, unit, st.deadline_hours))
    return sorted(planned, key=lambda p: p.order)


def build_route(item: Item) -> list[ReviewStep]:
    """Create the steps of a new review round for `item` and open the first ones."""
    planned = planned_route(item)
    if not planned:
        raise ValidationError("审核流程没有任何环节。")
    item.round += 1
    item.save(update_fields=["round", "updated_at"])
    steps = [
        ReviewStep.objects.create(
            item=item,
            round=item.round,
            order=p.order,
            kind=p.kind,
            label=p.label,
            group=p.group,
            role=p.role,
            unit=p.unit,
            deadline_hours=p.deadline_hours,
        )
        for p in planned
    ]
    _open_next(item)
    return steps


def _round_steps(item: Item) -> QuerySet[ReviewStep]:
    return ReviewStep.objects.filter(item=item, round=item.round)


def current_steps(item: Item) -> list[ReviewStep]:
    """The steps awaiting a decision now: the pending steps of the lowest open order."""
    if item.status != Status.IN_REVIEW:
        return []
    pending = _round_steps(item).filter(state=StepState.PENDING).order_by("order", "id")
    first = pending.first()
    return [] if first is None else list(pending.filter(order=first.order))


def _open_next(item: Item) -> None:
    now = timezone.now()
    for step in current_steps(item):
        if step.deadline is None:
            step.deadline = now + dt.timedelta(hours=step.deadline_hours)
            step.save(update_fields=["deadline"])


def submit(item: Item, user) -> list[ReviewStep]:
    """The drafter sends a draft (or a returned item) into review."""
    with transaction.atomic():
        item = Item.objects.select_for_update().get(pk=item.pk)
        if user.pk != item.drafter_id:
            raise PermissionDenied("只有拟稿人可以提交审核。")
        if item.status not in (Status.DRAFT, Status.RETURNED):
            raise ValidationError(f"稿件{item.get_status_display()}，不能提交审核。")
        revision = item.latest_revision()
        if item.status == Status.RETURNED:
            last_return = item.decisions.filter(action=Action.RETURN).order_by("-created_at", "-id").first()
            if last_return is not None and revision.number <= last_return.revision_number:
                raise ValidationError("稿件被退回后须修改形成新版本，才能再次提交。")
        if revision.veto_findings and not revision.overrides.exists():
            raise ValidationError(
                f"当前版本有 {len(revision.veto_findings)} 处否决项，须修改或由审核人员写明理由放行后才能提交。"
            )
        before = item.status
        item.status = Status.IN_REVIEW
        item.save()
        steps = build_route(item)
        record(
            "review_submit",
            actor=user,
            obj=item,
            before={"status": before},
            after={"status": item.status, "round": item.round, "revision": revision.number, "steps": len(steps)},
        )
    return steps


# Deciding -----------------------------------------------------------------------------------


def _holds(step: ReviewStep, user) -> bool:
    if step.assignee_id is not None:
        return step.assignee_id == user.pk
    return has_role(user, step.unit, step.role)


def _eligible(step: ReviewStep, user, now: dt.datetime | None = None) -> tuple[bool, int | None]:
    """(may decide, id of the delegating user or None)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False, None
    if _holds(step, user):
        return True, None
    now = now or timezone.now()
    for delegation in Delegation.objects.filter(to_user=user, start__lte=now, end__gt=now).select_related("from_user"):
        if delegation.from_user.is_active and _holds(step, delegation.from_user):
            return True, delegation.from_user_id
    return False, None


def can_decide(step: ReviewStep, user) -> bool:
    return (
        step.state == StepState.PENDING
        and step in current_steps(step.item)
        and _eligible(step, user)[0]
        and user.pk not in _authors(step.item)
    )


def _state(step: ReviewStep, item: Item) -> dict:
    return {"step_state": step.state, "item_status": item.status, "opinion": step.opinion}


def decide(
    step: ReviewStep,
    user,
    action: str,
    opinion: str = "",
    revision: Revision | int | None = None,
    *,
    proofread: bool = False,
    back_to: int | None = None,
) -> Decision:
    """Record `user`'s decision on `step`. `back_to` (an earlier step's order) makes 退回 reopen
    the route from that step instead of going back to the drafter."""
    if action not in Action.values:
        raise ValidationError("未知的审核决定。")
    opinion = (opinion or "").strip()
    with transaction.atomic():
        item = Item.objects.select_for_update().get(pk=step.item_id)
        step = ReviewStep.objects.select_for_update().get(pk=step.pk)
        if item.status != Status.IN_REVIEW or step.round != item.round:
            raise ValidationError("该稿件当前不在审核中。")
        if step.state != StepState.PENDING or step.pk not in {s.pk for s in current_steps(item)}:
            raise ValidationError("该环节当前不可审核（尚未轮到或已办结）。")
        ok, delegator = _eligible(step, user)
        if not ok:
            raise PermissionDenied("您不是该环节的审核人。")
        if {user.pk, delegator} & _authors(item):
            raise PermissionDenied("拟稿人或修改过稿件的人不能审核该稿件（也不能委托他人审核）。")
        latest = item.latest_revision()
        number = revision.number if isinstance(revision, Revision) else (revision or latest.number)
        if isinstance(revision, Revision) and revision.item_id != item.pk:
            raise ValidationError("版本不属于该稿件。")
        if action == Action.APPROVE:
            if number != latest.number:
                raise ValidationError(f"稿件已有新版本（第{latest.number}版），请校对最新版本后再审核。")
            if not proofread:
                raise ValidationError("通过前须确认已校对当前版本（三校）。")
            if latest.veto_findings and not latest.overrides.exists():
                raise ValidationError("当前版本有未放行的否决项，不能通过。")
        elif not opinion:
            raise ValidationError("退回或驳回须填写审核意见。")
        if back_to is not None:
            if action != Action.RETURN:
                raise ValidationError("只有退回可以指定退回环节。")
            if not _round_steps(item).filter(order=back_to, order__lt=step.order).exists():
                raise ValidationError("只能退回到本轮之前的环节。")

        before = _state(step, item)
        now = timezone.now()
        decision = Decision.objects.create(
            item=item,
            step=step,
            user=user,
            delegated_from_id=delegator,
            action=action,
            opinion=opinion,
            revision_number=number,
            proofread=bool(proofread),
            override_reason=_override_reason(latest) if action == Action.APPROVE else "",
            back_to_order=back_to,
        )
        step.decided_by = user
        step.decided_at = now
        step.opinion = opinion
        step.delegated_from_id = delegator
        step.proofread = bool(proofread)
        step.revision = latest if number == latest.number else item.revisions.filter(number=number).first()
        if action == Action.APPROVE:
            step.state = StepState.PASSED
            step.save()
            if not _round_steps(item).filter(state=StepState.PENDING).exists():
                item.status = Status.APPROVED
                item.save()
            else:
                _open_next(item)
        elif action == Action.REJECT:
            step.state = StepState.REJECTED
            step.save()
            item.status = Status.REJECTED
            item.save()
        elif back_to is None:
            step.state = StepState.RETURNED
            step.save()
            item.status = Status.RETURNED
            item.save()
        else:
            step.state = StepState.RETURNED
            step.save()
            # The steps from `back_to` on are done again; their earlier decisions stay on record.
            _round_steps(item).filter(order__gte=back_to).update(
                state=StepState.PENDING,
                decided_by=None,
                decided_at=None,
                opinion="",
                revision=None,
                proofread=False,
                delegated_from=None,
                deadline=None,
            )
            _open_next(item)
        record(
            "review_decision",
            actor=user,
            obj=decision,
            unit=item.unit_id,
            before=before,
            after={
                **_state(step, item),
                "action": action,
                "revision": number,
                "proofread": bool(proofread),
                "delegated_from": delegator,
                "override_reason": decision.override_reason,
                "back_to": back_to,
            },
        )
    return decision


# Deadlines ----------------------------------------------------------------------------------


def overdue_steps(now: dt.datetime | None = None, queryset: QuerySet[ReviewStep] | None = None) -> QuerySet[ReviewStep]:
    """Open steps of items in review whose deadline has passed."""
    from django.db.models import F

    qs = ReviewStep.objects.all() if queryset is None else queryset
    return qs.filter(
        state=StepState.PENDING,
        deadline__lt=now or timezone.now(),
        item__status=Status.IN_REVIEW,
        round=F("item__round"),
    )


# Diff ---------------------------------------------------------------------------------------


def diff_revisions(old: Revision, new: Revision) -> dict:
    """Structured differences between two revisions: line hunks, each replaced line pair with
    character-level changes (Chinese text has no spaces to split words on)."""
    if old.item_id != new.item_id:
        raise ValidationError("只能比较同一稿件的版本。")
    a, b = old.body.splitlines(), new.body.splitlines()
    hunks = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        hunk = {
            "tag": tag,
            "old_start": i1 + 1,
            "old_end": i2,
            "new_start": j1 + 1,
            "new_end": j2,
            "old_lines": a[i1:i2],
            "new_lines": b[j1:j2],
        }
        if tag == "replace" and i2 - i1 == j2 - j1:
            hunk["inline"] = [_char_ops(x, y) for x, y in zip(a[i1:i2], b[j1:j2], strict=True)]
        hunks.append(hunk)
    return {
        "old": old.number,
        "new": new.number,
        "title": None if old.title == new.title else {"old": old.title, "new": new.title},
        "hunks": hunks,
    }


def _char_ops(x: str, y: str) -> list[dict]:
    return [
        {"tag": tag, "old": x[i1:i2], "new": y[j1:j2]}
        for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, x, y, autojunk=False).get_opcodes()
    ]
