"""The left navigation. Each app adds its pages with one entry in `ITEMS`.

    NavItem("在线检查", "checks:online", section=CHECK, order=10, quick=True),
    NavItem("账号台账", "accounts:ledger", section=ORG, order=20,
            allowed=any_role(Role.SITE_ADMIN, Role.SUPERVISOR)),

`allowed` is a predicate on the request (see the helpers below). An item whose URL name does not
resolve (its app is not installed yet) is left out rather than breaking every page. Showing an
item is only a convenience: every view still checks permissions itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from sanshen.units.models import Role

Predicate = Callable[[HttpRequest], bool]

# Sections, in the order they are shown.
WORK = "工作台"
CHECK = "内容检查"
REVIEW = "信息发布审核"
PATROL = "网站巡检"
INSPECTION = "检查考核"
ORG = "单位与账号"
SYSTEM = "系统管理"
SECTIONS = (WORK, REVIEW, CHECK, PATROL, INSPECTION, ORG, SYSTEM)


def logged_in(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and user.is_active)


def superuser(request: HttpRequest) -> bool:
    return logged_in(request) and request.user.is_superuser


def user_roles(request: HttpRequest) -> frozenset[str]:
    """Roles the user holds in any unit; read once per request."""
    if not logged_in(request):
        return frozenset()
    cached = getattr(request, "_sanshen_roles", None)
    if cached is None:
        from sanshen.units.models import Membership

        cached = frozenset(Membership.objects.filter(user=request.user).values_list("role", flat=True))
        request._sanshen_roles = cached
    return cached


def any_role(*roles: str) -> Predicate:
    """Users holding one of `roles` in some unit (superusers too)."""

    def allowed(request: HttpRequest) -> bool:
        return superuser(request) or bool(user_roles(request) & set(roles))

    return allowed


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    section: str = WORK
    order: int = 100
    allowed: Predicate = logged_in
    # Other URL name prefixes that should highlight this item (e.g. "units:" for the detail pages).
    active_prefixes: tuple[str, ...] = ()
    # Also shown among the dashboard's quick links.
    quick: bool = False
    # A count shown after the label, e.g. "撤稿申请（2）"; 0 shows nothing. Called only when allowed.
    badge: Callable[[HttpRequest], int] | None = None


def _pending_withdrawals(request: HttpRequest) -> int:
    """Withdrawal requests the user may decide (主要领导/分管领导 only: no query for others)."""
    if not user_roles(request) & {Role.PRINCIPAL_LEADER, Role.DEPUTY_LEADER}:
        return 0
    from sanshen.review.publishing import withdraw_requests_to_decide

    return withdraw_requests_to_decide(request.user).count()


ITEMS: list[NavItem] = [
    NavItem("首页", "home", section=WORK, order=10),
    NavItem("单位", "units:tree", section=ORG, order=10, active_prefixes=("units:",), quick=True),
    NavItem("账号台账", "accounts:ledger", section=ORG, order=20, allowed=any_role(Role.SITE_ADMIN, Role.SUPERVISOR)),
    NavItem("账号安全", "accounts:security", section=ORG, order=30,
            active_prefixes=("accounts:password", "accounts:two_factor", "accounts:recovery")),
    NavItem("在线检查", "online-check", section=CHECK, order=10, quick=True),
    NavItem("接口令牌", "api-tokens", section=ORG, order=40, allowed=any_role(Role.SITE_ADMIN, Role.SUPERVISOR),
            active_prefixes=("api-tokens-unit", "api-token-revoke")),
    # A reviewer's own tokens for deciding through the API (review roles as in review.services.REVIEWER_ROLES).
    NavItem("我的个人令牌", "api-tokens-mine", section=ORG, order=45, active_prefixes=("api-token-mine",),
            allowed=any_role(Role.SECTION_HEAD, Role.DEPUTY_LEADER, Role.PRINCIPAL_LEADER, Role.SECRECY_REVIEWER,
                             Role.SITE_ADMIN)),
    NavItem("我的稿件", "review:mine", section=REVIEW, order=10, quick=True,
            active_prefixes=("review:new", "review:item")),
    NavItem("待我审核", "review:queue", section=REVIEW, order=20, quick=True),
    NavItem("审核总览", "review:overview", section=REVIEW, order=30,
            allowed=any_role(Role.SUPERVISOR, Role.SITE_ADMIN, Role.PRINCIPAL_LEADER, Role.DEPUTY_LEADER)),
    NavItem("撤稿申请", "review:withdrawals", section=REVIEW, order=40,
            allowed=any_role(Role.PRINCIPAL_LEADER, Role.DEPUTY_LEADER, Role.SITE_ADMIN, Role.EDITOR),
            badge=_pending_withdrawals),
    NavItem("月度归档", "review:archive", section=REVIEW, order=50,
            allowed=any_role(Role.PRINCIPAL_LEADER, Role.DEPUTY_LEADER, Role.SUPERVISOR, Role.SITE_ADMIN)),
    NavItem("审核流程设置", "review:routes", section=REVIEW, order=60, active_prefixes=("review:route",),
            allowed=any_role(Role.SUPERVISOR)),
    NavItem("网站列表", "sites:list", section=PATROL, order=10, quick=True,
            active_prefixes=("sites:detail", "sites:new", "sites:problems", "sites:run", "sites:column")),
    NavItem("值班读网", "sites:alerts", section=PATROL, order=20, quick=True,
            allowed=any_role(Role.DUTY_OFFICER, Role.SITE_ADMIN, Role.SUPERVISOR)),
    NavItem("检查总览", "inspection:dashboard", section=INSPECTION, order=5, allowed=any_role(Role.SUPERVISOR)),
    NavItem("季度检查", "inspection:list", section=INSPECTION, order=10, allowed=any_role(Role.SUPERVISOR),
            active_prefixes=("inspection:detail", "inspection:entry")),
    NavItem("整改任务", "inspection:tasks", section=INSPECTION, order=20, quick=True),
    NavItem("检查指标", "inspection:indicators", section=INSPECTION, order=30, allowed=any_role(Role.SUPERVISOR)),
    NavItem("工作日日历", "inspection:calendar", section=INSPECTION, order=40, allowed=any_role(Role.SUPERVISOR)),
    NavItem("管理后台", "admin:index", section=SYSTEM, order=90, allowed=superuser, active_prefixes=("admin:",)),
]


@dataclass(frozen=True)
class Link:
    label: str
    url: str
    active: bool


def _current_name(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    return match.view_name if match else ""


def sections_for(request: HttpRequest, items: list[NavItem] | None = None) -> list[tuple[str, list[Link]]]:
    """[(section, [links])] the user may see, sections in `SECTIONS` order, items by `order`."""
    current = _current_name(request)
    grouped: dict[str, list[tuple[int, str, Link]]] = {}
    for item in ITEMS if items is None else items:
        if not item.allowed(request):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        active = current == item.url_name or any(current.startswith(p) for p in item.active_prefixes)
        label = item.label
        if item.badge is not None:
            count = item.badge(request)
            if count:
                label = f"{item.label}（{count}）"
        grouped.setdefault(item.section, []).append((item.order, item.label, Link(label, url, active)))
    order = {name: i for i, name in enumerate(SECTIONS)}
    return [
        (section, [link for _, _, link in sorted(entries, key=lambda e: (e[0], e[1]))])
        for section, entries in sorted(grouped.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0]))
    ]


def quick_links_for(request: HttpRequest) -> list[Link]:
    """The dashboard's quick links: items marked `quick` that the user may open."""
    quick = [item for item in ITEMS if item.quick]
    return [link for _, links in sections_for(request, quick) for link in links]
