"""Deadline reminders (催办) for open review steps.

`remind_due_steps(now)` looks at the open steps of items in review (the current round's pending
steps that have a deadline, i.e. the steps awaiting a decision now) and e-mails:
- when the deadline is near — less than a quarter of the step's time limit left, or less than
  `SOON` (2 hours), whichever is longer — or already past: every person who may decide the step:
  its named assignee, or else every active holder of its role in its unit, plus the active
  delegates of those people (the same people `services._eligible` lets decide). Authors of the
  item are left out: they may not decide it anyway.
- when the deadline is past (超时), also the escalation recipients: the 主要领导 of the step's
  unit and the 监管员 at or above it (whoever answers for the unit's review being on time).
A step is reminded at most once per `SANSHEN_REVIEW_REMIND_EVERY_HOURS` (default 12): its
`reminded_at` is claimed by a conditional update first, so two runners (the in-process worker and
a Celery worker, or two Celery workers) never both send. If no message of the step could be sent,
the claim is given back so the next run tries again. Users without an e-mail address are skipped.
Each run that reminds anything writes one audit entry (`review_remind`) listing the steps.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import F, Max
from django.utils import timezone

from sanshen.audit.models import register_action
from sanshen.audit.services import record
from sanshen.units.models import Membership, Role, User

from .models import Delegation, ReviewStep, Status, StepState
from .services import current_steps

__all__ = ["SOON", "Reminder", "due_for_reminder", "recipients", "remind_due_steps", "remind_every"]

logger = logging.getLogger(__name__)

register_action("review_remind", "审核催办提醒")

SOON = dt.timedelta(hours=2)
FRACTION = 0.25


def remind_every() -> dt.timedelta:
    return dt.timedelta(hours=float(getattr(settings, "SANSHEN_REVIEW_REMIND_EVERY_HOURS", 12)))


def _threshold(step: ReviewStep) -> dt.timedelta:
    return max(SOON, dt.timedelta(hours=step.deadline_hours * FRACTION))


def due_for_reminder(now: dt.datetime | None = None):
    """Open steps whose deadline is near or past and that were not reminded within the period."""
    now = now or timezone.now()
    # A first cut in the database (the longest threshold of any open step), the exact one below.
    hours = ReviewStep.objects.filter(state=StepState.PENDING).aggregate(h=Max("deadline_hours"))["h"] or 0
    longest = max(SOON, dt.timedelta(hours=hours * FRACTION))
    candidates = (
        ReviewStep.objects.filter(
            state=StepState.PENDING,
            item__status=Status.IN_REVIEW,
            round=F("item__round"),
            deadline__isnull=False,
            deadline__lte=now + longest,
        )
        .exclude(reminded_at__gt=now - remind_every())
        .select_related("item", "item__unit", "unit", "assignee")
        .order_by("deadline", "id")
    )
    due = [s for s in candidates if s.deadline - now <= _threshold(s)]
    # Only the steps awaiting a decision now (a later step's deadline is set when it opens).
    current: dict[int, set[int]] = {}
    for s in due:
        if s.item_id not in current:
            current[s.item_id] = {c.pk for c in current_steps(s.item)}
    return [s for s in due if s.pk in current[s.item_id]]


def _active(ids) -> list[User]:
    return list(User.objects.filter(pk__in=set(ids), is_active=True).order_by("pk"))


def recipients(step: ReviewStep, now: dt.datetime | None = None) -> tuple[list[User], list[User]]:
    """(people who may decide the step, escalation recipients if it is overdue)."""
    now = now or timezone.now()
    if step.assignee_id is not None:
        holders = {step.assignee_id}
    else:
        holders = set(Membership.objects.filter(unit_id=step.unit_id, role=step.role).values_list("user_id", flat=True))
    holders = {u.pk for u in _active(holders)}
    delegates = Delegation.objects.filter(from_user_id__in=holders, start__lte=now, end__gt=now).values_list(
        "to_user_id", flat=True
    )
    authors = {step.item.drafter_id, *step.item.revisions.values_list("author_id", flat=True)}
    deciders = [u for u in _active(holders | set(delegates)) if u.pk not in authors]
    escalate: list[User] = []
    if step.deadline is not None and step.deadline < now:
        above = step.unit.ancestor_paths()
        principal = Membership.objects.filter(unit_id=step.unit_id, role=Role.PRINCIPAL_LEADER)
        ids = set(principal.values_list("user_id", flat=True))
        ids |= set(
            Membership.objects.filter(role=Role.SUPERVISOR, unit__path__in=above).values_list("user_id", flat=True)
        )
        known = {u.pk for u in deciders}
        escalate = [u for u in _active(ids) if u.pk not in known]
    return deciders, escalate


@dataclass
class Reminder:
    steps: list[dict] = field(default_factory=list)
    sent: int = 0
    failed: int = 0
    no_email: int = 0

    def as_dict(self) -> dict:
        return {"steps": len(self.steps), "sent": self.sent, "failed": self.failed, "no_email": self.no_email}


def _local(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


def _message(step: ReviewStep, overdue: bool, escalation: bool) -> tuple[str, str]:
    item = step.item
    state = "已超过办理时限" if overdue else "即将到期"
    subject = f"【三审{'超时' if overdue else '催办'}】《{item.title}》{step.label}{state}"
    lines = [
        f"稿件：《{item.title}》（编号 {item.pk}，{item.unit.name}）",
        f"环节：{step.label}（{step.unit.name}）",
        f"截止时间：{_local(step.deadline)}，{state}。",
    ]
    if escalation:
        lines.append("您收到此邮件是因为该环节已超时，请督促审核人尽快办理。")
    else:
        lines.append("请尽快登录三审平台“待我审核”办理。")
    base = getattr(settings, "SANSHEN_SITE_URL", "").rstrip("/")
    if base:
        lines.append(f"{base}/review/items/{item.pk}/")
    return subject, "\n".join(lines) + "\n"


def _send(user: User, subject: str, body: str, result: Reminder) -> bool:
    if not user.email:
        result.no_email += 1
        return False
    try:
        send_mail(subject, body, None, [user.email], fail_silently=False)
    except Exception:  # one bad address or a mail server hiccup must not stop the other reminders
        logger.exception("催办邮件发送失败：%s", user.email)
        result.failed += 1
        return False
    result.sent += 1
    return True


def remind_due_steps(now: dt.datetime | None = None) -> dict:
    """Send the reminders that are due; returns counts (steps, sent, failed, no_email)."""
    now = now or timezone.now()
    result = Reminder()
    for step in due_for_reminder(now):
        previous = step.reminded_at
        unchanged = {"reminded_at": previous} if previous else {"reminded_at__isnull": True}
        if not ReviewStep.objects.filter(pk=step.pk, **unchanged).update(reminded_at=now):
            continue  # another runner took it
        overdue = step.deadline < now
        deciders, escalate = recipients(step, now)
        ok = 0
        subject, body = _message(step, overdue, escalation=False)
        for user in deciders:
            ok += _send(user, subject, body, result)
        subject, body = _message(step, overdue, escalation=True)
        for user in escalate:
            ok += _send(user, subject, body, result)
        if not ok and (deciders or escalate) and result.failed:
            # Nothing went out because sending failed: try again next run.
            ReviewStep.objects.filter(pk=step.pk, reminded_at=now).update(reminded_at=previous)
            continue
        result.steps.append(
            {
                "step": step.pk,
                "item": step.item_id,
                "overdue": overdue,
                "to": [u.pk for u in deciders],
                "escalated_to": [u.pk for u in escalate],
            }
        )
    if result.steps:
        record(
            "review_remind",
            username="system",
            object_type="review.reviewstep",
            after={**result.as_dict(), "at": now, "reminded": result.steps},
        )
    return result.as_dict()
