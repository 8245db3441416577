"""Creating, revoking and authenticating API tokens.

A token is `ssk_` + 43 URL-safe characters (32 random bytes). The database keeps its SHA-256 and
the first characters for display; whoever reads the table cannot call the API. Tokens belong to a
unit and are managed by the unit's 网站管理员 or a 监管员 at or above it (or a superuser).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

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


def create_token(unit: Unit, name: str, *, by, request=None) -> tuple[ApiToken, str]:
    """A new token for `unit`; returns the row and the plain token, which is never stored."""
    if not can_manage_tokens(by, unit):
        raise PermissionDenied("无权管理该单位的接口令牌。")
    name = " ".join((name or "").split())[:100]
    if not name:
        raise ValueError("请填写令牌名称（如调用方系统的名称）。")
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            unit=unit, name=name, prefix=plain[:PREFIX_LENGTH], hash=hash_token(plain), created_by=by
        )
        record(
            "api_token_create", actor=by, request=request, obj=token, unit=unit,
            after={"name": token.name, "prefix": token.prefix, "unit": unit.pk},
        )
    return token, plain


def revoke_token(token: ApiToken, *, by, request=None) -> bool:
    """Revoke `token`; False if it was already revoked."""
    if not can_manage_tokens(by, token.unit):
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
            before={"revoked_at": None}, after={"revoked_at": now, "name": token.name, "prefix": token.prefix},
        )
    return True


def _lookup(token_hash: str) -> tuple | None:
    # Every API call runs this: one indexed query, without the ORM's per-call query compilation.
    unit_table = Unit._meta.db_table
    token_table = ApiToken._meta.db_table
    sql = (
        f"SELECT t.id, t.unit_id, t.name, t.prefix, t.last_used_at FROM {token_table} t "
        f"JOIN {unit_table} u ON u.id = t.unit_id "
        "WHERE t.hash = %s AND t.revoked_at IS NULL AND u.is_active = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [token_hash, True])
        return cursor.fetchone()


def authenticate(plain: str) -> ApiToken | None:
    """The active token matching `plain`, in an active unit; None otherwise. The returned row
    carries id, unit_id, name, prefix and last_used_at (enough for the rate limit and logs)."""
    if not plain or not plain.startswith(TOKEN_PREFIX) or len(plain) > 200:
        return None
    row = _lookup(hash_token(plain))
    if row is None:
        return None
    pk, unit_id, name, prefix, last_used = row
    if last_used is not None and not isinstance(last_used, dt.datetime):
        # SQLite hands back text when a raw query bypasses the field's converters.
        last_used = ApiToken._meta.get_field("last_used_at").to_python(last_used)
    if last_used is not None and timezone.is_naive(last_used):
        last_used = timezone.make_aware(last_used, dt.UTC)
    token = ApiToken(pk=pk, unit_id=unit_id, name=name, prefix=prefix, last_used_at=last_used)
    now = timezone.now()
    if last_used is None or now - last_used >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=pk).update(last_used_at=now)
        token.last_used_at = now
    return token
