"""Sign-in events: session clocks, dormant flags, lockouts (django-axes) into the audit log."""

from __future__ import annotations

import time

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from sanshen.audit.services import record

from .models import AccountState

# Session keys of the timeout middleware.
AUTH_AT = "_sanshen_auth_at"
SEEN_AT = "_sanshen_seen_at"


@receiver(user_logged_in, dispatch_uid="sanshen.accounts.logged_in")
def _logged_in(sender, request, user, **kwargs) -> None:
    session = getattr(request, "session", None)
    if session is not None:
        now = time.time()
        session[AUTH_AT] = now
        session[SEEN_AT] = now
    # Signing in ends dormancy; the flag would otherwise still disable the account.
    AccountState.objects.filter(user_id=user.pk, dormant_flagged_at__isnull=False).update(dormant_flagged_at=None)


@receiver(user_locked_out, dispatch_uid="sanshen.accounts.locked_out")
def _locked_out(sender, request, username=None, ip_address=None, **kwargs) -> None:
    # axes also sends this for every attempt made while already locked (those are recorded as
    # failed logins by the audit app); only the attempt that caused the lock carries a count.
    count = getattr(request, "axes_failures_since_start", None)
    if count is None:
        return
    from django.contrib.auth import get_user_model

    from .services import cool_off

    period = cool_off()
    name = str(username or "")
    user = get_user_model()._default_manager.filter(**{get_user_model().USERNAME_FIELD: name}).first() if name else None
    record(
        "account_locked",
        request=request,
        username=name,
        obj=user,
        object_type="units.user",
        object_repr=name,
        after={"失败次数": count, "锁定分钟": int(period.total_seconds() // 60) if period else None, "IP": ip_address},
    )
