"""Creating, revoking and authenticating API tokens.

A token is `ssk_` + 43 URL-safe characters (32 random bytes). The database keeps its SHA-256 and
the first characters for display; whoever reads the table cannot call the API.

Two kinds, both belonging to a unit:
- a system token (`user` unset), for the unit's CMS: created and revoked by the unit's 网站管理员
  or a 监管员 at or above it (or a superuser); it cannot decide a review step;
- a personal token (`user` set), for a reviewer's own tools: a user creates it for themselves only,
  in a unit where they hold a role; it acts as that user (decisions included, within the user's own
  roles). Its owner or the unit's token managers revoke it. A disabled user's tokens stop working.

Each server process remembers a token it has found for `settings.SANSHEN_API_TOKEN_CACHE_SECONDS`
(default 5; 0 turns it off), so that a busy CMS's calls need no database round trip. Revoking a
token or changing a unit forgets at once in the process that did it; other processes may accept a
revoked token for at most that many seconds more.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import threading
import time

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from sanshen.audit.services import record
from sanshen.units.models import Role, Unit
from sanshen.units.services import has_role, units_with_role

from .models import ApiToken

TOKEN_PREFIX = "ssk_"
PREFIX_LENGTH = len(TOKEN_PREFIX) + 8
# `last_used_at` is written at most this often per token, not on every call.
LAST_USED_RESOLUTION = dt.timedelta(seconds=60)
_CACHE_LIMIT = 10_000

# token hash → (monotonic expiry, (id, unit_id, name, prefix, last_used_at, user_id))
_found: dict[str, tuple[float, tuple]] = {}
_found_lock = threading.Lock()


def forget_tokens() -> None:
    """Drop this process's remembered tokens (after a revocation or a unit change)."""
    with _found_lock:
        _found.clear()


def _cache_seconds() -> float:
    return float(getattr(settings, "SANSHEN_API_TOKEN_CACHE_SECONDS", 5) or 0)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _usable(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def can_manage_tokens(user, unit: Unit) -> bool:
    if not _usable(user):
        return False
    if user.is_superuser:
        return True
    return has_role(user, unit, Role.SITE_ADMIN) or has_role(user, unit, Role.SUPERVISOR, inherited=True)


def manageable_units(user) -> QuerySet[Unit]:
    """Units whose tokens `user` may manage."""
    if not _usable(user):
        return Unit.objects.none()
    if user.is_superuser:
        return Unit.objects.all()
    condition = Q(pk__in=units_with_role(user, Role.SITE_ADMIN).values("pk"))
    for path in units_with_role(user, Role.SUPERVISOR).values_list("path", flat=True):
        condition |= Q(path__startswith=path)
    return Unit.objects.filter(condition)


def personal_units(user) -> QuerySet[Unit]:
    """Active units where `user` may hold a personal token (any role there)."""
    if not _usable(user):
        return Unit.objects.none()
    return units_with_role(user).filter(is_active=True)


def can_revoke(user, token: ApiToken) -> bool:
    if not _usable(user):
        return False
    return (token.user_id is not None and token.user_id == user.pk) or can_manage_tokens(user, token.unit)


def create_token(unit: Unit, name: str, *, by, user=None, request=None) -> tuple[ApiToken, str]:
    """A new token for `unit`; returns the row and the plain token, which is never stored.

    `user` set: a personal token acting as that user, who must be `by` and hold a role in `unit`.
    `user` unset: the unit's system token, created by one of its token managers."""
    if user is not None:
        if not _usable(by) or user.pk != by.pk:
            raise PermissionDenied("个人令牌只能由本人为自己创建。")
        if not unit.is_active or not has_role(by, unit):
            raise PermissionDenied("您在该单位没有任何角色，不能创建个人令牌。")
    elif not can_manage_tokens(by, unit):
        raise PermissionDenied("无权管理该单位的接口令牌。")
    name = " ".join((name or "").split())[:100]
    if not name:
        raise ValueError("请填写令牌名称（如调用方系统的名称）。")
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            unit=unit, name=name, prefix=plain[:PREFIX_LENGTH], hash=hash_token(plain), created_by=by, user=user
        )
        record(
            "api_token_create", actor=by, request=request, obj=token, unit=unit,
            after={
                "name": token.name, "prefix": token.prefix, "unit": unit.pk,
                "kind": "personal" if user is not None else "system",
                "user": user.pk if user is not None else None,
            },
        )
    return token, plain


def revoke_token(token: ApiToken, *, by, request=None) -> bool:
    """Revoke `token`; False if it was already revoked. A personal token's owner may revoke it too."""
    if not can_revoke(by, token):
        raise PermissionDenied("无权管理该单位的接口令牌。")
    with transaction.atomic():
        now = timezone.now()
        # Conditional update: two admins revoking at once write one entry.
        changed = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now, revoked_by=by)
        if not changed:
            return False
        token.revoked_at, token.revoked_by = now, by
        record(
            "api_token_revoke", actor=by, request=request, obj=token, unit=token.unit_id,
            before={"revoked_at": None},
            after={"revoked_at": now, "name": token.name, "prefix": token.prefix, "user": token.user_id},
        )
        # Forget after the commit too: a lookup between now and then would remember the old row.
        transaction.on_commit(forget_tokens)
    forget_tokens()
    return True


def _lookup(token_hash: str) -> tuple | None:
    # Every API call runs this: one indexed query, without the ORM's per-call query compilation.
    # A personal token works only while its user is active.
    unit_table = Unit._meta.db_table
    token_table = ApiToken._meta.db_table
    user_table = ApiToken._meta.get_field("user").related_model._meta.db_table
    sql = (
        f"SELECT t.id, t.unit_id, t.name, t.prefix, t.last_used_at, t.user_id FROM {token_table} t "
        f"JOIN {unit_table} u ON u.id = t.unit_id "
        f"LEFT JOIN {user_table} p ON p.id = t.user_id "
        "WHERE t.hash = %s AND t.revoked_at IS NULL AND u.is_active = %s "
        "AND (t.user_id IS NULL OR p.is_active = %s)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [token_hash, True, True])
        return cursor.fetchone()


def authenticate(plain: str) -> ApiToken | None:
    """The active token matching `plain`, in an active unit (and of an active user, for a personal
    token); None otherwise. The returned row carries id, unit_id, user_id, name, prefix and
    last_used_at (enough for the rate limit and logs; callers acting as the user load it fresh)."""
    if not plain or not plain.startswith(TOKEN_PREFIX) or len(plain) > 200:
        return None
    token_hash = hash_token(plain)
    ttl = _cache_seconds()
    now_mono = time.monotonic()
    remembered = _found.get(token_hash) if ttl > 0 else None
    if remembered is not None and remembered[0] > now_mono:
        row = remembered[1]
    else:
        row = _lookup(token_hash)
        if row is None:
            return None
        if ttl > 0:
            with _found_lock:
                if len(_found) >= _CACHE_LIMIT:
                    _found.clear()
                _found[token_hash] = (now_mono + ttl, row)
    pk, unit_id, name, prefix, last_used, user_id = row
    if last_used is not None and not isinstance(last_used, dt.datetime):
        # SQLite hands back text when a raw query bypasses the field's converters.
        last_used = ApiToken._meta.get_field("last_used_at").to_python(last_used)
    if last_used is not None and timezone.is_naive(last_used):
        last_used = timezone.make_aware(last_used, dt.UTC)
    token = ApiToken(pk=pk, unit_id=unit_id, user_id=user_id, name=name, prefix=prefix, last_used_at=last_used)
    now = timezone.now()
    if last_used is None or now - last_used >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=pk).update(last_used_at=now)
        token.last_used_at = now
        if ttl > 0:
            with _found_lock:
                if token_hash in _found:
                    _found[token_hash] = (_found[token_hash][0], (pk, unit_id, name, prefix, now, user_id))
    return token
