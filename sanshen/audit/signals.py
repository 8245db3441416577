"""Sign-in events → audit entries."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .models import Action
from .services import record


@receiver(user_logged_in, dispatch_uid="sanshen.audit.login")
def _logged_in(sender, request, user, **kwargs) -> None:
    record(Action.LOGIN, actor=user, request=request)


@receiver(user_logged_out, dispatch_uid="sanshen.audit.logout")
def _logged_out(sender, request, user, **kwargs) -> None:
    if user is not None:
        record(Action.LOGOUT, actor=user, request=request)


@receiver(user_login_failed, dispatch_uid="sanshen.audit.login_failed")
def _login_failed(sender, credentials, request=None, **kwargs) -> None:
    # Only the name that was tried; the password is never recorded.
    username = credentials.get("username") or credentials.get("email") or ""
    record(Action.LOGIN_FAILED, request=request, username=str(username))
