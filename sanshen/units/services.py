"""Object-level permission rules. Every app asks these functions, never the tables directly.

The rules:

- A user sees the units in which it holds any role ("own units").
- A 监管员 (supervisor) also sees everything below the unit where it is supervisor.
- A superuser (the platform's technical administrator) sees every unit.
- Inactive or anonymous users see nothing.
- Members of a unit are managed by its 网站管理员 (not the 监管员 role, which only a supervisor
  above or at the unit, or a superuser, may grant) and by supervisors over the unit.

`scope_to_user(queryset, user)` applies the same rule to any model with a foreign key to Unit,
so a list view is `scope_to_user(Item.objects.all(), request.user)` and a detail view fetches
through that queryset (a unit B item is then simply "not found" for a user of unit A).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q, QuerySet

from .models import Membership, Role, Unit

__all__ = [
    "can_grant",
    "can_manage_members",
    "can_view",
    "grant_role",
    "has_role",
    "revoke_role",
    "scope_to_user",
    "units_with_role",
    "visible_units",
]


def _is_usable(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def _as_unit(unit: Unit | int) -> Unit:
    return unit if isinstance(unit, Unit) else Unit.objects.get(pk=unit)


def _memberships(user) -> list[tuple[int, str, str]]:
    """(unit id, unit path, role) of every role the user holds."""
    return list(Membership.objects.filter(user=user).values_list("unit_id", "unit__path", "role"))


def visible_units(user) -> QuerySet[Unit]:
    """Units whose data `user` may see."""
    if not _is_usable(user):
        return Unit.objects.none()
    if user.is_superuser:
        return Unit.objects.all()
    own: set[int] = set()
    subtrees: list[str] = []
    for unit_id, path, role in _memberships(user):
        own.add(unit_id)
        if role == Role.SUPERVISOR:
            subtrees.append(path)
    if not own:
        return Unit.objects.none()
    condition = Q(pk__in=own)
    for path in _outermost(subtrees):
        condition |= Q(path__startswith=path)
    return Unit.objects.filter(condition)


def _outermost(paths: Iterable[str]) -> list[str]:
    """Drop paths that lie inside another path of the list (their subtree is already covered)."""
    kept: list[str] = []
    for path in sorted(set(paths)):
        if not kept or not path.startswith(kept[-1]):
            kept.append(path)
    return kept


def can_view(user, unit: Unit | int) -> bool:
    """True when `user` may see `unit` and its data."""
    if not _is_usable(user):
        return False
    if user.is_superuser:
        return True
    unit = _as_unit(unit)
    for unit_id, path, role in _memberships(user):
        if unit_id == unit.pk or (role == Role.SUPERVISOR and unit.path.startswith(path)):
            return True
    return False


def has_role(user, unit: Unit | int, *roles: str, inherited: bool = False) -> bool:
    """True when `user` holds one of `roles` (any role if none are given) in `unit`.

    With `inherited=True` a role held in an ancestor of `unit` counts too (e.g. the district's
    分管领导 for a department's item). Superusers hold no roles implicitly.
    """
    if not _is_usable(user):
        return False
    qs = Membership.objects.filter(user=user)
    if roles:
        qs = qs.filter(role__in=roles)
    if inherited:
        return qs.filter(unit__path__in=_as_unit(unit).ancestor_paths()).exists()
    unit_id = unit.pk if isinstance(unit, Unit) else unit
    return qs.filter(unit_id=unit_id).exists()


def units_with_role(user, *roles: str) -> QuerySet[Unit]:
    """Units in which `user` holds one of `roles` directly (any role if none are given)."""
    if not _is_usable(user):
        return Unit.objects.none()
    qs = Membership.objects.filter(user=user)
    if roles:
        qs = qs.filter(role__in=roles)
    return Unit.objects.filter(pk__in=qs.values("unit_id"))


def scope_to_user(queryset: QuerySet, user, unit_field: str = "unit") -> QuerySet:
    """Restrict `queryset` to rows whose `unit_field` (a FK to Unit, may span relations) is visible.
    A queryset of units themselves is filtered on its primary key."""
    if queryset.model is Unit and unit_field == "unit":
        unit_field = "pk"
    if not _is_usable(user):
        return queryset.none()
    if user.is_superuser:
        return queryset
    return queryset.filter(**{f"{unit_field}__in": visible_units(user).values("pk")})


# Managing members ---------------------------------------------------------------------------


def _supervises(user, unit: Unit) -> bool:
    return has_role(user, unit, Role.SUPERVISOR, inherited=True)


def can_manage_members(actor, unit: Unit | int) -> bool:
    """True when `actor` may grant and revoke (non-supervisor) roles in `unit`."""
    if not _is_usable(actor):
        return False
    if actor.is_superuser:
        return True
    unit = _as_unit(unit)
    return has_role(actor, unit, Role.SITE_ADMIN) or _supervises(actor, unit)


def can_grant(actor, unit: Unit | int, role: str) -> bool:
    """True when `actor` may grant or revoke `role` in `unit`.

    The supervisor role sees a whole subtree, so only a supervisor already covering the unit (or
    a superuser) may hand it out; a unit's site administrator cannot raise anyone above the unit.
    """
    if role not in Role.values:
        return False
    if not _is_usable(actor):
        return False
    if actor.is_superuser:
        return True
    unit = _as_unit(unit)
    if role == Role.SUPERVISOR:
        return _supervises(actor, unit)
    return can_manage_members(actor, unit)


def grant_role(user, unit: Unit | int, role: str, *, by) -> Membership:
    """Give `user` the `role` in `unit` on behalf of `by`; audited as a permission change."""
    from sanshen.audit.context import audit_context

    unit = _as_unit(unit)
    if not can_grant(by, unit, role):
        raise PermissionDenied("无权在该单位授予此角色。")
    with transaction.atomic(), audit_context(actor=by):
        membership, _ = Membership.objects.get_or_create(user=user, unit=unit, role=role)
    return membership


def revoke_role(user, unit: Unit | int, role: str, *, by) -> bool:
    """Take `role` in `unit` away from `user` on behalf of `by`. False if it was not held."""
    from sanshen.audit.context import audit_context

    unit = _as_unit(unit)
    if not can_grant(by, unit, role):
        raise PermissionDenied("无权在该单位撤销此角色。")
    with transaction.atomic(), audit_context(actor=by):
        membership = Membership.objects.filter(user=user, unit=unit, role=role).first()
        if membership is None:
            return False
        membership.delete()
    return True
