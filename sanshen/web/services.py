"""What the dashboard and unit pages show, filtered by `sanshen.units.services` rules."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import QuerySet

from sanshen.units.models import Membership, Role, Unit, User
from sanshen.units.services import scope_to_user, visible_units

ROLE_ORDER = {value: i for i, value in enumerate(Role.values)}


@dataclass
class UnitRoles:
    unit: Unit
    roles: list[str] = field(default_factory=list)

    @property
    def role_labels(self) -> list[str]:
        return [Role(r).label for r in sorted(self.roles, key=ROLE_ORDER.get)]


def own_units(user) -> list[UnitRoles]:
    """The units where `user` holds roles, with those roles, in tree order."""
    rows: dict[int, UnitRoles] = {}
    for m in Membership.objects.filter(user=user).select_related("unit").order_by("unit__path", "role"):
        rows.setdefault(m.unit_id, UnitRoles(m.unit)).roles.append(m.role)
    return list(rows.values())


def visible_users(user) -> QuerySet[User]:
    """Users holding a role in a unit `user` may see."""
    if getattr(user, "is_superuser", False) and user.is_active:
        return User.objects.all()
    units = visible_units(user).values("pk")
    return User.objects.filter(memberships__unit__in=units).distinct()


def recent_audit(user, limit: int = 10):
    """Latest audit entries about units `user` may see, and the user's own actions."""
    from django.db.models import Q

    from sanshen.audit.models import AuditEntry

    if not (user.is_authenticated and user.is_active):
        return []
    qs = AuditEntry.objects.all()
    if not user.is_superuser:
        qs = qs.filter(Q(unit_id__in=visible_units(user).values("pk")) | Q(actor_id=user.pk))
    return list(qs.order_by("-seq")[:limit])


@dataclass
class Dashboard:
    units: list[UnitRoles]
    unit_count: int
    user_count: int
    audit: list
    is_superuser: bool


def dashboard(user) -> Dashboard:
    return Dashboard(
        units=own_units(user),
        unit_count=visible_units(user).count(),
        user_count=visible_users(user).count(),
        audit=recent_audit(user),
        is_superuser=user.is_superuser,
    )


# The unit tree ------------------------------------------------------------------------------


@dataclass
class TreeNode:
    unit: Unit
    children: list[TreeNode] = field(default_factory=list)


def unit_tree(user) -> list[TreeNode]:
    """The visible units as a forest: a unit whose parent is not visible becomes a root."""
    units = list(visible_units(user).order_by("path"))
    nodes = {u.pk: TreeNode(u) for u in units}
    roots: list[TreeNode] = []
    for u in units:  # path order puts every parent before its children
        parent = nodes.get(u.parent_id)
        (parent.children if parent else roots).append(nodes[u.pk])
    return roots


def viewable_units(user) -> QuerySet[Unit]:
    """The queryset a detail page fetches through: a unit outside it is simply not found."""
    return scope_to_user(Unit.objects.all(), user)


@dataclass
class Member:
    user: User
    roles: list[str] = field(default_factory=list)

    @property
    def role_labels(self) -> list[str]:
        return [Role(r).label for r in sorted(self.roles, key=ROLE_ORDER.get)]


@dataclass
class UnitDetail:
    unit: Unit
    ancestors: list[tuple[Unit, bool]]  # (unit, visible to the user)
    children: list[Unit]
    members: list[Member]


def unit_detail(user, unit: Unit) -> UnitDetail:
    """Members and roles of `unit` (which the caller fetched through `viewable_units`)."""
    visible = set(visible_units(user).values_list("pk", flat=True)) if not user.is_superuser else None
    ancestors = [(a, visible is None or a.pk in visible) for a in unit.ancestors().order_by("path")]
    children = [c for c in unit.children.order_by("path") if visible is None or c.pk in visible]
    members: dict[int, Member] = {}
    for m in Membership.objects.filter(unit=unit).select_related("user").order_by("user__username", "role"):
        members.setdefault(m.user_id, Member(m.user)).roles.append(m.role)
    return UnitDetail(unit=unit, ancestors=ancestors, children=children, members=list(members.values()))
