"""The default routes, from seed 002 第十条 and the issue's grading rules.

Orders leave gaps so a supervisor can insert steps. Per route: 初审 (10) → 保密审查 (20) →
复审 (30) → 会审 for the listed topics (40) → the unit's 终审 (50) → the district's 分管领导 for
重大 (60) → the government's 主要领导 for 特重大 (70).
"""

from __future__ import annotations

from sanshen.units.models import Role

from .models import Category, Importance, Scope, StepKind, Topic

ALL_TOPICS = [t.value for t in Topic]

_SECRECY = (20, StepKind.SECRECY, "保密审查", Role.SECRECY_REVIEWER, Scope.ITEM, "", [])
_JOINT = (40, StepKind.JOINT, "会审", Role.SECTION_HEAD, Scope.JOINT, "", ALL_TOPICS)
_MAJOR = (60, StepKind.ESCALATION, "县/区分管领导审核", Role.DEPUTY_LEADER, Scope.DISTRICT, Importance.MAJOR, [])
_CRITICAL = (
    70,
    StepKind.ESCALATION,
    "政府主要领导审核",
    Role.PRINCIPAL_LEADER,
    Scope.TOP,
    Importance.CRITICAL,
    [],
)


def _two_level(first_role: str, first_label: str) -> list[tuple]:
    return [
        (10, StepKind.FIRST, first_label, first_role, Scope.ITEM, "", []),
        _SECRECY,
        _JOINT,
        (50, StepKind.FINAL, "分管领导终审", Role.DEPUTY_LEADER, Scope.ITEM, "", []),
        _MAJOR,
        _CRITICAL,
    ]


def _three_level() -> list[tuple]:
    return [
        (10, StepKind.FIRST, "科室初审", Role.SECTION_HEAD, Scope.ITEM, "", []),
        _SECRECY,
        (30, StepKind.SECOND, "分管领导复审", Role.DEPUTY_LEADER, Scope.ITEM, "", []),
        _JOINT,
        (50, StepKind.FINAL, "主要领导终审", Role.PRINCIPAL_LEADER, Scope.ITEM, "", []),
        _MAJOR,
        _CRITICAL,
    ]


DEFAULT_ROUTES: dict[str, tuple[str, list[tuple]]] = {
    Category.WORK_NEWS: ("工作动态审核流程", _two_level(Role.SECTION_HEAD, "科室初审")),
    Category.NOTICE: ("公示公告审核流程", _three_level()),
    Category.POLICY: ("政策文件审核流程", _three_level()),
    Category.KEY_AREA: ("重点领域信息审核流程", _three_level()),
    Category.REPRINT: ("转载信息审核流程", _two_level(Role.SITE_ADMIN, "网站信息管理员初审")),
    Category.INTERACTION: ("互动回应审核流程", _two_level(Role.SITE_ADMIN, "网站信息管理员初审")),
}


def seed_default_routes(route_model, step_model) -> int:
    """Create the default route of every category that has none; returns how many were made.
    Existing (possibly edited) routes are left alone."""
    made = 0
    for category, (name, steps) in DEFAULT_ROUTES.items():
        if route_model.objects.filter(category=category).exists():
            continue
        route = route_model.objects.create(category=category, name=name)
        for order, kind, label, role, scope, min_importance, topics in steps:
            step_model.objects.create(
                template=route,
                order=order,
                kind=kind,
                label=label,
                role=role,
                scope=scope,
                min_importance=min_importance,
                topics=list(topics),
                deadline_hours=24 if kind != StepKind.ESCALATION else 48,
            )
        made += 1
    return made
