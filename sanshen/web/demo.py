"""Demo data: a city with two districts/counties, their departments and towns, one user per role.

Idempotent: units and users are found by name and created only when missing. Every run gives the
demo users new random passwords (printed once, never stored in clear), unless asked to keep them.
Other apps add sample data of their own with a function in `EXTRA_STEPS`; it receives the
`DemoData` and returns lines to print.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction

from sanshen.units.models import Membership, Role, Unit, User

CITY = "示范市"

# (name, kind, children)
TREE = (
    CITY, Unit.Kind.CITY, (
        ("示范市人民政府办公室", Unit.Kind.DEPARTMENT, ()),
        ("示范市教育局", Unit.Kind.DEPARTMENT, ()),
        ("东城区", Unit.Kind.COUNTY, (
            ("东城区人民政府办公室", Unit.Kind.DEPARTMENT, ()),
            ("东城区卫生健康局", Unit.Kind.DEPARTMENT, (
                ("办公室", Unit.Kind.OFFICE, ()),
            )),
            ("东湖街道", Unit.Kind.TOWNSHIP, ()),
        )),
        ("西山县", Unit.Kind.COUNTY, (
            ("西山县人民政府办公室", Unit.Kind.DEPARTMENT, ()),
            ("西山县农业农村局", Unit.Kind.DEPARTMENT, ()),
            ("青石镇", Unit.Kind.TOWNSHIP, ()),
        )),
    ),
)


@dataclass(frozen=True)
class DemoUser:
    username: str
    full_name: str
    unit: str  # a unit name, unique within the demo tree
    roles: tuple[str, ...]
    superuser: bool = False
    note: str = ""


USERS = (
    DemoUser("demo_supervisor", "周监管", "示范市人民政府办公室", (Role.SUPERVISOR,),
             note="市政府办公室政务公开科，可见全市"),
    DemoUser("demo_duty", "吴值班", "示范市人民政府办公室", (Role.DUTY_OFFICER,)),
    DemoUser("demo_editor", "李信息", "东城区卫生健康局", (Role.EDITOR,)),
    DemoUser("demo_section_head", "王科长", "东城区卫生健康局", (Role.SECTION_HEAD,)),
    DemoUser("demo_site_admin", "赵管理", "东城区卫生健康局", (Role.SITE_ADMIN,)),
    DemoUser("demo_deputy", "钱分管", "东城区", (Role.DEPUTY_LEADER,)),
    DemoUser("demo_principal", "孙主要", "东城区", (Role.PRINCIPAL_LEADER,)),
    DemoUser("demo_secrecy", "郑保密", "东城区", (Role.SECRECY_REVIEWER,)),
    DemoUser("demo_editor_xishan", "陈信息", "西山县农业农村局", (Role.EDITOR,),
             note="另一个县的信息员，看不到东城区的数据"),
    DemoUser("demo_admin", "平台管理员", "", (), superuser=True, note="技术管理员，可进入管理后台"),
)
# The supervisor role is granted at the city itself so that it covers the whole city.
SUPERVISOR_AT = {"demo_supervisor": CITY}


@dataclass
class DemoData:
    units: dict[str, Unit] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    passwords: dict[str, str] = field(default_factory=dict)  # only the passwords set by this run
    created_units: int = 0
    created_users: int = 0
    extra_lines: list[str] = field(default_factory=list)


EXTRA_STEPS: list[Callable[[DemoData], list[str] | None]] = []

_ALPHABET = "".join(c for c in string.ascii_letters + string.digits if c not in "0O1lI")


def demo_password() -> str:
    """Four groups of four characters, each with an upper-case letter, a lower-case letter and a
    digit, joined by '-': about 90 bits, readable aloud, and it meets every password policy."""
    groups = []
    for _ in range(4):
        while True:
            group = "".join(secrets.choice(_ALPHABET) for _ in range(4))
            if any(c.isupper() for c in group) and any(c.islower() for c in group) and any(c.isdigit() for c in group):
                break
        groups.append(group)
    return "-".join(groups)


def _build_units(data: DemoData, node, parent: Unit | None) -> None:
    name, kind, children = node
    unit = Unit.objects.filter(parent=parent, name=name).first()
    if unit is None:
        unit = Unit(parent=parent, name=name, kind=kind)
        unit.save()
        data.created_units += 1
    data.units[name] = unit
    for child in children:
        _build_units(data, child, unit)


def load(*, reset_passwords: bool = True) -> DemoData:
    """Create (or complete) the demo city and its users."""
    from .backup import cli_context

    data = DemoData()
    with transaction.atomic(), cli_context("命令行:demo"):
        _build_units(data, TREE, None)
        for spec in USERS:
            user = User.objects.filter(username=spec.username).first()
            new = user is None
            if new:
                user = User(username=spec.username, full_name=spec.full_name, is_active=True)
                data.created_users += 1
            changed = new
            if spec.superuser and not (user.is_superuser and user.is_staff):
                user.is_superuser = user.is_staff = True
                changed = True
            if new or reset_passwords:
                password = demo_password()
                user.set_password(password)
                data.passwords[spec.username] = password
                changed = True
            if changed:
                user.save()
            data.users[spec.username] = user
            unit_name = SUPERVISOR_AT.get(spec.username, spec.unit)
            for role in spec.roles:
                Membership.objects.get_or_create(user=user, unit=data.units[unit_name], role=role)
        for step in EXTRA_STEPS:
            data.extra_lines.extend(step(data) or [])
    return data


def _pad(text: str, width: int) -> str:
    """Left-justify by terminal columns (a Chinese character takes two)."""
    import unicodedata

    used = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(0, width - used)


def _needs_second_factor(user: User) -> bool:
    from django.apps import apps

    if not apps.is_installed("sanshen.accounts"):
        return False
    from sanshen.accounts.services import two_factor_required

    return two_factor_required(user)


def account_lines(data: DemoData) -> list[str]:
    """The printed 演示账号 table."""
    lines = [
        "演示账号（仅供演示，请勿用于生产环境；每次运行 demo 都会重新生成密码）：",
    ]
    for spec in USERS:
        unit = SUPERVISOR_AT.get(spec.username, spec.unit)
        roles = "、".join(Role(r).label for r in spec.roles) or "超级管理员"
        where = f"{unit} · {roles}" if unit else roles
        notes = [spec.note] if spec.note else []
        user = data.users.get(spec.username)
        if user is not None and _needs_second_factor(user):
            notes.append("首次登录需绑定身份验证器")
        if notes:
            where += f"（{'；'.join(notes)}）"
        password = data.passwords.get(spec.username, "（保留原密码）")
        lines.append(f"  {_pad(spec.username, 20)} {_pad(password, 20)} {where}")
    return lines
