"""Account policy: password age, two-factor requirement and devices, lockouts, audit events.

Views and middleware ask these functions; the rules live here once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from sanshen.audit.services import record
from sanshen.units.models import Membership

from .models import AccountState, PasswordHistory

# Audit actions of this app (registered in apps.ready).
ACTIONS = {
    "password_change": "修改密码",
    "two_factor_enable": "启用双因素认证",
    "two_factor_disable": "停用双因素认证",
    "recovery_codes_new": "生成恢复码",
    "recovery_code_used": "使用恢复码登录",
    "account_locked": "登录失败过多被锁定",
    "account_unlock": "解除登录锁定",
    "dormant_flag": "标记休眠账号",
    "dormant_disable": "停用休眠账号",
    "account_reactivate": "重新启用账号",
}

TOTP_NAME = "身份验证器"
STATIC_NAME = "恢复码"
RECOVERY_CODE_COUNT = 10


# Settings -----------------------------------------------------------------------------------


def profile() -> str:
    return getattr(settings, "SANSHEN_PASSWORD_PROFILE", "dengbao")


def max_age_days() -> int | None:
    days = getattr(settings, "SANSHEN_PASSWORD_MAX_AGE_DAYS", None)
    return int(days) if days else None


def required_roles() -> frozenset[str]:
    return frozenset(getattr(settings, "SANSHEN_2FA_REQUIRED_ROLES", ()) or ())


# Account state and passwords ----------------------------------------------------------------


def state_of(user) -> AccountState:
    state, _ = AccountState.objects.get_or_create(user_id=user.pk)
    return state


def _acting_user():
    from sanshen.audit import context

    ctx = context.current()
    if ctx is None:
        return None
    if ctx.actor is not None:
        return ctx.actor
    user = getattr(ctx.request, "user", None)
    return user if user is not None and user.is_authenticated else None


def password_was_set(user) -> None:
    """Called after a new password is saved: note the time, keep the hash for the reuse check,
    and make the owner change a password that someone else set."""
    from .validators import history_length

    actor = _acting_user()
    by_other = actor is not None and actor.pk != user.pk
    keep = history_length()
    with transaction.atomic():
        state = state_of(user)
        state.password_changed_at = timezone.now()
        state.must_change_password = by_other
        state.save(update_fields=["password_changed_at", "must_change_password"])
        if keep and user.password:
            PasswordHistory.objects.create(user_id=user.pk, password=user.password)
        stale = (
            PasswordHistory.objects.filter(user_id=user.pk).order_by("-created_at", "-pk").values_list("pk", flat=True)
        )
        old = list(stale[keep:])
        if old:
            PasswordHistory.objects.filter(pk__in=old).delete()


def password_set_at(user, state: AccountState | None) -> dt.datetime:
    if state is not None and state.password_changed_at is not None:
        return state.password_changed_at
    return user.date_joined


def password_expires_at(user, state: AccountState | None) -> dt.datetime | None:
    days = max_age_days()
    return password_set_at(user, state) + dt.timedelta(days=days) if days else None


def password_expired(user, state: AccountState | None, now: dt.datetime | None = None) -> bool:
    expires = password_expires_at(user, state)
    return expires is not None and (now or timezone.now()) >= expires


def record_password_change(request, user, *, reason: str) -> None:
    record("password_change", actor=user, request=request, obj=user, after={"原因": reason})


# Two-factor ---------------------------------------------------------------------------------


def two_factor_required(user) -> bool:
    roles = required_roles()
    if not roles or not user.is_authenticated:
        return False
    if user.is_superuser and "superuser" in roles:
        return True
    return Membership.objects.filter(user=user, role__in=roles).exists()


def has_two_factor(user) -> bool:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def user_has_any_device(user) -> bool:
    from django_otp import user_has_device

    return user_has_device(user, confirmed=True)


def is_verified(user) -> bool:
    check = getattr(user, "is_verified", None)
    return bool(check and check())


def recovery_codes_left(user) -> int:
    from django_otp.plugins.otp_static.models import StaticToken

    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def pending_totp(user):
    """The unconfirmed authenticator being set up; the same one on every visit so the QR code
    does not change under the user's phone."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)
    return device


def new_recovery_codes(user) -> list[str]:
    """Replace the user's recovery codes with fresh ones and return them (shown once)."""
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

    with transaction.atomic():
        StaticDevice.objects.filter(user=user).delete()
        device = StaticDevice.objects.create(user=user, name=STATIC_NAME, confirmed=True)
        codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
        StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def confirm_totp(request, device, token: str) -> list[str] | None:
    """Confirm `device` with a code from the app; returns the new recovery codes, or None when
    the code is wrong. The old authenticator (when replacing one) is removed."""
    from django_otp import login as otp_login
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = request.user
    with transaction.atomic():
        if not device.verify_token(token):
            return None
        replaced = TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()[0]
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = new_recovery_codes(user)
        record("two_factor_enable", actor=user, request=request, obj=user, after={"更换设备": bool(replaced)})
    request.session.cycle_key()
    otp_login(request, device)
    return codes


def remove_two_factor(user, *, request, by, reason: str, unit=None) -> None:
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        record("two_factor_disable", actor=by, request=request, obj=user, unit=unit, after={"原因": reason})


def verify_second_factor(request, token: str) -> tuple[object | None, str]:
    """Check a code from the authenticator app or a recovery code. Returns (device, message):
    the device that accepted it, or None and why not (throttled or wrong)."""
    from django_otp import devices_for_user
    from django_otp import login as otp_login
    from django_otp.plugins.otp_static.models import StaticDevice

    user = request.user
    token = "".join(token.split()).lower()
    if not token:
        return None, "请输入验证码。"
    # Codes from the app are six digits; recovery codes are eight letters and digits. Trying a
    # code only on its own kind keeps a typo from counting against the other device's throttle.
    is_static = not (token.isdigit() and len(token) == 6)
    waits = []
    with transaction.atomic():
        for device in devices_for_user(user, confirmed=True, for_verify=True):
            if isinstance(device, StaticDevice) != is_static:
                continue
            allowed, info = device.verify_is_allowed()
            if not allowed:
                until = (info or {}).get("locked_until")
                if until is not None:
                    waits.append(until)
                continue
            if device.verify_token(token):
                break
        else:
            device = None
    if device is None:
        record("login_failed", actor=user, request=request, obj=user, after={"环节": "双因素验证"})
        if waits:
            seconds = max(1, int((min(waits) - timezone.now()).total_seconds()) + 1)
            return None, f"尝试过于频繁，请 {seconds} 秒后再试。"
        return None, "验证码不正确或已过期，请重新输入。"
    request.session.cycle_key()
    otp_login(request, device)
    if isinstance(device, StaticDevice):
        record("recovery_code_used", actor=user, request=request, obj=user, after={"剩余": recovery_codes_left(user)})
    return device, ""


# The steps a signed-in user must finish before using the platform ----------------------------


@dataclass(frozen=True)
class Step:
    name: str  # "verify", "password" or "enrol"
    url_name: str
    message: str


VERIFY = Step("verify", "accounts:otp_verify", "请输入身份验证器上的动态验证码以完成登录。")
PASSWORD = Step("password", "accounts:password_change", "")
ENROL = Step("enrol", "accounts:two_factor_setup", "您的角色须启用双因素认证，请先绑定身份验证器。")


def pending_step(request) -> Step | None:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    verified = is_verified(user)
    if not verified and user_has_any_device(user):
        return VERIFY
    state = AccountState.objects.filter(user_id=user.pk).first()
    if state is not None and state.must_change_password:
        return Step("password", PASSWORD.url_name, "您的密码由管理员设置或重置，请先设置只有您本人知道的新密码。")
    if password_expired(user, state):
        return Step("password", PASSWORD.url_name, f"您的密码已超过 {max_age_days()} 天未更换，请先修改密码。")
    if not verified and two_factor_required(user):
        return ENROL
    return None


# Login lockouts (django-axes) ----------------------------------------------------------------


def failure_limit() -> int:
    return int(getattr(settings, "AXES_FAILURE_LIMIT", 5))


def cool_off() -> dt.timedelta | None:
    from axes.helpers import get_cool_off

    return get_cool_off()


def locked_until(username: str, ip: str | None) -> dt.datetime | None:
    """When the lock of `username` from `ip` ends (None if not locked)."""
    locks = active_locks([username])
    ends = [until for addr, until in locks.get(username, []) if ip is None or addr == ip]
    return max(ends) if ends else None


def active_locks(usernames) -> dict[str, list[tuple[str | None, dt.datetime]]]:
    """{username: [(ip, locked until)]} for the current lockouts of these accounts."""
    from axes.models import AccessAttempt
    from django.db.models import Max, Sum

    period = cool_off()
    if period is None:
        return {}
    since = timezone.now() - period
    rows = (
        AccessAttempt.objects.filter(username__in=list(usernames), attempt_time__gte=since)
        .values("username", "ip_address")
        .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
    )
    out: dict[str, list[tuple[str | None, dt.datetime]]] = {}
    for row in rows:
        if row["failures"] >= failure_limit():
            out.setdefault(row["username"], []).append((row["ip_address"], row["last"] + period))
    return out


def unlock(user, *, request, by, unit=None) -> int:
    from axes.utils import reset

    count = reset(username=user.get_username())
    record("account_unlock", actor=by, request=request, obj=user, unit=unit, after={"清除记录": count})
    return count
