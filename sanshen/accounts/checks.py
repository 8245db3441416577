"""System checks: the account protections are switched on as this app expects."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Warning, register

NEEDED_MIDDLEWARE = (
    "csp.middleware.CSPMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "sanshen.accounts.middleware.SessionTimeoutMiddleware",
    "sanshen.accounts.middleware.AccountPolicyMiddleware",
    "axes.middleware.AxesMiddleware",
)


@register()
def account_protections(app_configs, **kwargs):
    problems = []
    for name in NEEDED_MIDDLEWARE:
        if name not in settings.MIDDLEWARE:
            problems.append(Warning(f"MIDDLEWARE 缺少 {name}，相应的账号保护不起作用。", id="accounts.W001"))
    names = [v.get("NAME", "") for v in settings.AUTH_PASSWORD_VALIDATORS]
    if "sanshen.accounts.validators.RecordPasswordChange" not in names:
        problems.append(
            Warning(
                "AUTH_PASSWORD_VALIDATORS 缺少 RecordPasswordChange：密码年龄和历史将不被记录。", id="accounts.W002"
            )
        )
    directives = (getattr(settings, "CONTENT_SECURITY_POLICY", None) or {}).get("DIRECTIVES", {})
    for directive in ("script-src", "style-src", "default-src"):
        if "'unsafe-inline'" in directives.get(directive, ()):
            problems.append(Warning(f"内容安全策略的 {directive} 含 'unsafe-inline'。", id="accounts.W003"))
    return problems
