"""Dormant accounts: no sign-in for `SANSHEN_DORMANT_DAYS` days → flagged; still unused
`SANSHEN_DORMANT_DISABLE_AFTER_DAYS` days after the flag → disabled.

The flag gives the owner and the unit's 网站管理员 time to act (the ledger shows the date the
account will be disabled); signing in clears it. Platforms freeze accounts nobody uses (the 惠州
bulletin: "账户因长期未登录被系统冻结"); this does the same on purpose, and on record.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from sanshen.audit.services import record

from .models import AccountState

# Accounts are shown as "即将休眠" this many days before they become dormant.
WARN_DAYS = 14


def dormant_days() -> int:
    return int(getattr(settings, "SANSHEN_DORMANT_DAYS", 90))


def disable_after_days() -> int:
    return int(getattr(settings, "SANSHEN_DORMANT_DISABLE_AFTER_DAYS", 30))


def last_activity(user, state: AccountState | None) -> dt.datetime:
    """The last sign-in, or when the account was created or re-enabled if later."""
    moments = [user.date_joined, user.last_login, state.reactivated_at if state else None]
    return max(m for m in moments if m is not None)


@dataclass(frozen=True)
class Dormancy:
    level: str  # "ok", "warn", "dormant", "flagged", "disabled"
    label: str
    idle_days: int
    disable_on: dt.date | None = None


def dormancy(user, state: AccountState | None, now: dt.datetime | None = None) -> Dormancy:
    now = now or timezone.now()
    idle = (now - last_activity(user, state)).days
    limit = dormant_days()
    if not user.is_active:
        if state is not None and state.dormant_disabled_at is not None:
            return Dormancy("disabled", "已停用（休眠）", idle)
        return Dormancy("disabled", "已停用", idle)
    if state is not None and state.dormant_flagged_at is not None:
        disable_on = timezone.localdate(state.dormant_flagged_at + dt.timedelta(days=disable_after_days()))
        return Dormancy("flagged", f"休眠，{disable_on:%Y-%m-%d} 起停用", idle, disable_on)
    if idle >= limit:
        return Dormancy("dormant", f"休眠（{idle} 天未登录）", idle)
    if idle >= limit - WARN_DAYS:
        return Dormancy("warn", f"即将休眠（{idle} 天未登录）", idle)
    return Dormancy("ok", "正常", idle)


@dataclass(frozen=True)
class Decision:
    user: object
    action: str  # "flag" or "disable" or "keep"
    idle_days: int
    last_activity: dt.datetime
    note: str = ""


def plan(now: dt.datetime | None = None) -> list[Decision]:
    """What a run at `now` does; changes nothing."""
    now = now or timezone.now()
    limit, grace = dormant_days(), disable_after_days()
    cutoff = now - dt.timedelta(days=limit)
    users = get_user_model()._default_manager.filter(is_active=True).order_by("username")
    states = {s.user_id: s for s in AccountState.objects.filter(user_id__in=users.values("pk"))}
    decisions: list[Decision] = []
    for user in users:
        state = states.get(user.pk)
        last = last_activity(user, state)
        if last > cutoff:
            continue
        idle = (now - last).days
        if state is None or state.dormant_flagged_at is None:
            decisions.append(Decision(user, "flag", idle, last))
        elif state.dormant_flagged_at + dt.timedelta(days=grace) <= now:
            decisions.append(Decision(user, "disable", idle, last))
    # Never lock the platform's last technical administrator out of it.
    supers = set(
        get_user_model()._default_manager.filter(is_active=True, is_superuser=True).values_list("pk", flat=True)
    )
    leaving = {d.user.pk for d in decisions if d.action == "disable"} & supers
    if leaving and leaving == supers:
        keep = min(leaving)
        decisions = [
            Decision(d.user, "keep", d.idle_days, d.last_activity, "唯一可用的超级管理员，不停用")
            if d.user.pk == keep and d.action == "disable"
            else d
            for d in decisions
        ]
    return decisions


def apply(decisions: list[Decision], *, now: dt.datetime | None = None) -> None:
    """Carry out `decisions`, one audit entry per account, in the caller's audit context."""
    now = now or timezone.now()
    model = get_user_model()
    for d in decisions:
        if d.action not in ("flag", "disable"):
            continue
        with transaction.atomic():
            state, _ = AccountState.objects.select_for_update().get_or_create(user_id=d.user.pk)
            facts = {"最近活动": d.last_activity, "未登录天数": d.idle_days}
            if d.action == "flag":
                state.dormant_flagged_at = now
                state.save(update_fields=["dormant_flagged_at"])
                record(
                    "dormant_flag",
                    obj=d.user,
                    after={**facts, "停用日期": now + dt.timedelta(days=disable_after_days())},
                )
            else:
                # One entry that says why, rather than a bare is_active change as well.
                model._default_manager.filter(pk=d.user.pk).update(is_active=False)
                state.dormant_disabled_at = now
                state.save(update_fields=["dormant_disabled_at"])
                record("dormant_disable", obj=d.user, before={"is_active": True}, after={**facts, "is_active": False})


def reactivate(user, *, request=None, by=None, unit=None) -> None:
    """Enable an account again (dormant or otherwise disabled); its idle clock restarts."""
    model = get_user_model()
    with transaction.atomic():
        state, _ = AccountState.objects.select_for_update().get_or_create(user_id=user.pk)
        was_active = user.is_active
        model._default_manager.filter(pk=user.pk).update(is_active=True)
        user.is_active = True
        state.reactivated_at = timezone.now()
        state.dormant_flagged_at = None
        state.dormant_disabled_at = None
        state.save(update_fields=["reactivated_at", "dormant_flagged_at", "dormant_disabled_at"])
        record(
            "account_reactivate",
            actor=by,
            request=request,
            obj=user,
            unit=unit,
            before={"is_active": was_active},
            after={"is_active": True},
        )
