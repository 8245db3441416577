"""Session timeouts and the steps a signed-in user must finish first (2FA, password change)."""

from __future__ import annotations

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.urls import reverse

from .services import pending_step
from .signals import AUTH_AT, SEEN_AT

# The last-seen time is written at most this often, so an active session is not saved on
# every request; the idle timeout is therefore exact to within this many seconds.
SEEN_RESOLUTION = 60


def _redirect(request, url: str) -> HttpResponse:
    # htmx follows redirects inside the page; ask it to load the whole page instead.
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return HttpResponseRedirect(url)


def _with_next(request, url: str) -> str:
    if request.method == "GET":
        return f"{url}?{urlencode({'next': request.get_full_path()})}"
    return url


class SessionTimeoutMiddleware:
    """Signs out a session idle for `SANSHEN_SESSION_IDLE_MINUTES` or older than
    `SANSHEN_SESSION_MAX_HOURS` since sign-in, whatever the user does."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and session.get(SESSION_KEY) is not None:
            expired = self._expired(session)
            if expired:
                logout(request)
                messages.info(request, expired)
                return _redirect(request, _with_next(request, resolve_url(settings.LOGIN_URL)))
        return self.get_response(request)

    @staticmethod
    def _expired(session) -> str:
        now = time.time()
        idle = int(getattr(settings, "SANSHEN_SESSION_IDLE_MINUTES", 30)) * 60
        limit = float(getattr(settings, "SANSHEN_SESSION_MAX_HOURS", 8)) * 3600
        started, seen = session.get(AUTH_AT), session.get(SEEN_AT)
        if started is None:  # a session from before this middleware: start its clocks now
            session[AUTH_AT] = session[SEEN_AT] = now
            return ""
        if limit and now - started > limit:
            return f"登录已满 {limit / 3600:g} 小时，为安全起见请重新登录。"
        if idle and seen is not None and now - seen > idle:
            return f"超过 {idle // 60} 分钟没有操作，已自动退出，请重新登录。"
        if seen is None or now - seen >= SEEN_RESOLUTION:
            session[SEEN_AT] = now
        return ""


class AccountPolicyMiddleware:
    """Until a signed-in user has passed the second factor, changed an expired or reset password,
    and (when the role requires it) enrolled an authenticator, every page sends them there."""

    # Always reachable: signing out and the static files.
    ALWAYS = ("logout", "admin:logout")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        step = pending_step(request)
        if step is not None and not self._allowed(request, step):
            if step.message and request.method == "GET" and not request.headers.get("HX-Request"):
                messages.warning(request, step.message)
            return _redirect(request, _with_next(request, reverse(step.url_name)))
        return self.get_response(request)

    def _allowed(self, request, step) -> bool:
        path = request.path_info
        static = settings.STATIC_URL or ""
        if static and path.startswith(static if static.startswith("/") else "/" + static):
            return True
        allowed = {reverse(name) for name in self.ALWAYS}
        allowed.add(reverse(step.url_name))
        if step.name == "enrol":
            allowed.add(reverse("accounts:recovery_codes"))
        return path in allowed
