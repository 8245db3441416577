"""The account ledger (账号台账): who may see it, and its rows.

A unit's ledger is open to its 网站管理员, to 监管员 at the unit or above it, and to superusers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils import timezone

from sanshen.units.models import Membership, Role, Unit
from sanshen.units.services import can_manage_members, has_role

from . import dormant, services
from .models import AccountState


def _usable(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def ledger_units(user) -> QuerySet[Unit]:
    """Units whose ledger `user` may open."""
    if not _usable(user):
        return Unit.objects.none()
    if user.is_superuser:
        return Unit.objects.all()
    rows = Membership.objects.filter(user=user, role__in=(Role.SITE_ADMIN, Role.SUPERVISOR)).values_list(
        "unit_id", "unit__path", "role"
    )
    condition = Q(pk__in=[])
    for unit_id, path, role in rows:
        condition |= Q(path__startswith=path) if role == Role.SUPERVISOR else Q(pk=unit_id)
    return Unit.objects.filter(condition)


def can_see_ledger(user, unit: Unit) -> bool:
    if not _usable(user):
        return False
    if user.is_superuser:
        return True
    return has_role(user, unit, Role.SITE_ADMIN) or has_role(user, unit, Role.SUPERVISOR, inherited=True)


def can_manage_account(actor, target, unit: Unit) -> bool:
    """May `actor` unlock, re-enable or reset the second factor of `target` from `unit`'s ledger?

    The target must be a member of the unit and the actor may manage the unit's members; nobody
    acts on themselves here or on someone above them (a superuser, or a 监管员 of a unit the actor
    does not supervise).
    """
    if not _usable(actor) or target.pk == actor.pk:
        return False
    if actor.is_superuser:
        return True
    if target.is_superuser or not can_manage_members(actor, unit):
        return False
    if not Membership.objects.filter(user=target, unit=unit).exists():
        return False
    for supervised in Unit.objects.filter(memberships__user=target, memberships__role=Role.SUPERVISOR).distinct():
        if not has_role(actor, supervised, Role.SUPERVISOR, inherited=True):
            return False
    return True


@dataclass
class Row:
    user: object
    units: list[tuple[Unit, list[str]]] = field(default_factory=list)
    two_factor: bool = False
    two_factor_required: bool = False
    recovery_left: int = 0
    password_set_at: dt.datetime | None = None
    password_age_days: int = 0
    password_expired: bool = False
    must_change: bool = False
    dormancy: dormant.Dormancy | None = None
    locked_until: dt.datetime | None = None
    can_manage: bool = False

    @property
    def role_text(self) -> str:
        return "；".join(f"{unit.name}：{'、'.join(labels)}" for unit, labels in self.units)


def rows(units: list[Unit], *, viewer=None, manage_unit: Unit | None = None) -> list[Row]:
    """One row per member of `units`, ordered by account name."""
    from django_otp.plugins.otp_static.models import StaticToken
    from django_otp.plugins.otp_totp.models import TOTPDevice

    now = timezone.now()
    unit_ids = [u.pk for u in units]
    memberships = (
        Membership.objects.filter(unit_id__in=unit_ids).select_related("unit", "user").order_by("unit__path", "role")
    )
    by_user: dict[int, Row] = {}
    labels = dict(Role.choices)
    for m in memberships:
        row = by_user.setdefault(m.user_id, Row(user=m.user))
        if row.units and row.units[-1][0].pk == m.unit_id:
            row.units[-1][1].append(labels.get(m.role, m.role))
        else:
            row.units.append((m.unit, [labels.get(m.role, m.role)]))
    ids = list(by_user)
    states = {s.user_id: s for s in AccountState.objects.filter(user_id__in=ids)}
    with_totp = set(TOTPDevice.objects.filter(user_id__in=ids, confirmed=True).values_list("user_id", flat=True))
    codes: dict[int, int] = {}
    for user_id in StaticToken.objects.filter(device__user_id__in=ids, device__confirmed=True).values_list(
        "device__user_id", flat=True
    ):
        codes[user_id] = codes.get(user_id, 0) + 1
    required_roles = services.required_roles()
    required = set(
        Membership.objects.filter(user_id__in=ids, role__in=required_roles).values_list("user_id", flat=True)
    )
    users = get_user_model()._default_manager
    if "superuser" in required_roles:
        required |= set(users.filter(pk__in=ids, is_superuser=True).values_list("pk", flat=True))
    locks = services.active_locks(row.user.get_username() for row in by_user.values())
    for user_id, row in by_user.items():
        user, state = row.user, states.get(user_id)
        row.two_factor = user_id in with_totp
        row.two_factor_required = user_id in required
        row.recovery_left = codes.get(user_id, 0)
        row.password_set_at = services.password_set_at(user, state)
        row.password_age_days = (now - row.password_set_at).days
        row.password_expired = services.password_expired(user, state, now)
        row.must_change = bool(state and state.must_change_password)
        row.dormancy = dormant.dormancy(user, state, now)
        until = [end for _, end in locks.get(user.get_username(), [])]
        row.locked_until = max(until) if until else None
        if viewer is not None and manage_unit is not None:
            row.can_manage = can_manage_account(viewer, user, manage_unit)
    return sorted(by_user.values(), key=lambda r: r.user.get_username())


CSV_HEADER = (
    "账号", "姓名", "单位与角色", "状态", "最近登录", "未登录天数", "双因素认证", "剩余恢复码",
    "密码设置时间", "密码已用天数", "密码是否过期", "须改密码", "登录锁定至",
)  # fmt: skip


def _cell(value) -> str:
    text = "" if value is None else str(value)
    # A cell starting with these is a formula to spreadsheet programs.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _when(value: dt.datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def csv_rows(ledger: list[Row]):
    yield CSV_HEADER
    for r in ledger:
        tfa = "已启用" if r.two_factor else ("未启用（必须启用）" if r.two_factor_required else "未启用")
        yield tuple(
            _cell(v)
            for v in (
                r.user.get_username(),
                getattr(r.user, "full_name", ""),
                r.role_text,
                r.dormancy.label if r.dormancy else "",
                _when(r.user.last_login) or "从未登录",
                r.dormancy.idle_days if r.dormancy else "",
                tfa,
                r.recovery_left if r.two_factor else "",
                _when(r.password_set_at),
                r.password_age_days,
                "是" if r.password_expired else "否",
                "是" if r.must_change else "否",
                _when(r.locked_until),
            )
        )
