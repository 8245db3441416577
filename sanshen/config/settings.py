"""Settings of the Sanshen platform.

Everything that differs between machines comes from the environment:

| variable | meaning | default |
| --- | --- | --- |
| `SANSHEN_DATA_DIR` | data directory (SQLite file, key files, static files) | `./var/` |
| `DATABASE_URL` | database, e.g. `postgresql://user@host:5432/sanshen` | SQLite file in the data dir |
| `SANSHEN_SECRET_KEY` | Django secret key | generated once into `<data dir>/secret_key` |
| `SANSHEN_AUDIT_KEY` | HMAC key of the audit chain (≥ 32 characters) | generated once into `<data dir>/audit.key` |
| `SANSHEN_DEBUG` | `1`/`true` turns debug mode on | off |
| `SANSHEN_ALLOWED_HOSTS` | comma-separated host names | `localhost,127.0.0.1,[::1]` |
| `SANSHEN_CSRF_TRUSTED_ORIGINS` | comma-separated origins | none |
| `SANSHEN_HTTPS` | `1` when served over HTTPS only (secure cookies, HSTS) | off |
| `SANSHEN_PROXY_COUNT` | number of trusted reverse proxies adding `X-Forwarded-For` | `0` |
| `SANSHEN_DB_CONN_MAX_AGE` | seconds a database connection is kept | `60` |
| `SANSHEN_CHECK_MAX_MB` | largest text or file the check API and page accept (MB) | `10` |
| `SANSHEN_API_RATE` | requests per API token (or signed-in user), e.g. `120/min`; `off` | `120/min` |
| `SANSHEN_API_TOKEN_CACHE_SECONDS` | seconds a server process remembers a valid API token; `0` = off | `5` |
| `SANSHEN_REDIS_URL` | Redis for the shared cache (API rate counters), e.g. `redis://127.0.0.1:6379/1` | local memory |
| `SANSHEN_PASSWORD_PROFILE` | password policy `dengbao` or `asvs` (see sanshen/accounts/profiles.py) | `dengbao` |
| `SANSHEN_PASSWORD_MAX_AGE_DAYS` | days before a password must be changed; `0` = never | `90` (dengbao), never (asvs) |
| `SANSHEN_2FA_REQUIRED_ROLES` | roles (or `superuser`) that must use 2FA | `supervisor,site_admin` |
| `SANSHEN_LOGIN_FAILURE_LIMIT` | failed sign-ins (same account from the same IP) before a lockout | `5` |
| `SANSHEN_LOCKOUT_MINUTES` | length of that lockout | `30` |
| `SANSHEN_SESSION_IDLE_MINUTES` | signed out after this long without a request | `30` |
| `SANSHEN_SESSION_MAX_HOURS` | signed out this long after signing in, active or not | `8` |
| `SANSHEN_DORMANT_DAYS` | days without sign-in before an account is flagged dormant | `90` |
| `SANSHEN_DORMANT_DISABLE_AFTER_DAYS` | days after the flag before a still unused account is disabled | `30` |
| `SANSHEN_CELERY_BROKER` | Celery broker of the review jobs, e.g. `redis://127.0.0.1:6379/0` | none (in-process) |
| `SANSHEN_CELERY_RESULT_BACKEND` | where Celery keeps task results | the broker |
| `SANSHEN_PATROL_WORKERS` | Celery tasks sharing one patrol (`sanshen.sites.tasks`) | `2` |
| `SANSHEN_PATROL_LEASE_SECONDS` | how long a patrol worker's claim on a URL lasts (renewed while alive) | `300` |
| `SANSHEN_PATROL_CONCURRENCY` | pages in flight per patrol worker | `8` |
| `SANSHEN_REVIEW_REMIND_EVERY_HOURS` | a review step's deadline reminder is repeated at most this often | `12` |
| `SANSHEN_REVIEW_REQUIRE_CHANNELS` | `1`: no submission for review without a 发布渠道 (target channel) | off |
| `SANSHEN_SECRECY_STEPS` | default number of 保密审查 levels of a review route (a route may set its own) | `1` |
| `SANSHEN_ARCHIVE_DIR` | where the monthly review archives are written | `<data dir>/archives` |
| `SANSHEN_SITE_URL` | the platform's address, for links in e-mails | none |
| `SANSHEN_EMAIL_HOST` | SMTP server for reminders (also `_PORT`, `_USER`, `_PASSWORD`, `_TLS`, `_SSL`, `_FROM`) | |
| `SANSHEN_EMAIL_BACKEND` | Django e-mail backend when not SMTP | files in `<data dir>/mail`; console if debug |
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url

from sanshen.accounts.profiles import password_profile
from sanshen.config.keyfile import read_or_create


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


BASE_DIR = Path(__file__).resolve().parent.parent

DATA_DIR = Path(os.environ.get("SANSHEN_DATA_DIR") or "var").resolve()
DATA_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)

SECRET_KEY = os.environ.get("SANSHEN_SECRET_KEY") or read_or_create(DATA_DIR / "secret_key", nbytes=50)

DEBUG = _env_bool("SANSHEN_DEBUG")

ALLOWED_HOSTS = _env_list("SANSHEN_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = _env_list("SANSHEN_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "sanshen.units",
    "sanshen.audit",
    "sanshen.accounts",
    "sanshen.web",
    "ninja",  # only for its local Swagger UI files and template (no CDN)
    "sanshen.api",
    "sanshen.checks",
    "sanshen.review",
    "sanshen.sites",
    "sanshen.inspection",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    # Static files from the data directory (collected by `sanshen run`/`serve`), no web server needed.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "sanshen.api.middleware.RequestSizeLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "sanshen.audit.middleware.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "sanshen.accounts.middleware.SessionTimeoutMiddleware",
    "sanshen.accounts.middleware.AccountPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "sanshen.config.urls"
WSGI_APPLICATION = "sanshen.config.wsgi.application"
ASGI_APPLICATION = "sanshen.config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "sanshen.web.context_processors.layout",
            ],
        },
    },
]


# Database: SQLite in the data directory unless DATABASE_URL says otherwise.
def _database() -> dict:
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'sanshen.sqlite3'}"
    db = dj_database_url.parse(
        url,
        conn_max_age=int(os.environ.get("SANSHEN_DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
    if db["ENGINE"] == "django.db.backends.sqlite3":
        db["CONN_MAX_AGE"] = 0
        db["OPTIONS"] = {
            # WAL lets readers work while one writer writes; NORMAL sync is safe with WAL.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
            # Take the write lock at BEGIN so concurrent writers queue instead of failing on upgrade.
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            **db.get("OPTIONS", {}),
        }
    return db


DATABASES = {"default": _database()}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "units.User"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

# Password policy: one of two profiles (sanshen/accounts/profiles.py).
SANSHEN_PASSWORD_PROFILE = os.environ.get("SANSHEN_PASSWORD_PROFILE", "dengbao").strip().lower()
_password_profile = password_profile(SANSHEN_PASSWORD_PROFILE)
AUTH_PASSWORD_VALIDATORS = _password_profile["AUTH_PASSWORD_VALIDATORS"]
_max_age = os.environ.get("SANSHEN_PASSWORD_MAX_AGE_DAYS") or _password_profile["SANSHEN_PASSWORD_MAX_AGE_DAYS"]
SANSHEN_PASSWORD_MAX_AGE_DAYS = int(_max_age or 0) or None  # None: passwords never expire
SANSHEN_PASSWORD_HISTORY = _password_profile["SANSHEN_PASSWORD_HISTORY"]

LANGUAGE_CODE = "zh-hans"
# Chinese only, whatever language the browser asks for.
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# The login page belongs to sanshen.accounts (url names `login` and `logout`).
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed, compressed names once collected; plain names before (tests, development).
    "staticfiles": {"BACKEND": "sanshen.web.storage.StaticStorage"},
}
STATIC_ROOT.mkdir(mode=0o755, exist_ok=True)  # WhiteNoise warns about a missing directory
# Also serve the apps' own files: before the first `collectstatic`, and for files added by an
# upgrade when the server was started without collecting again.
WHITENOISE_USE_FINDERS = True

SANSHEN_PROXY_COUNT = int(os.environ.get("SANSHEN_PROXY_COUNT", "0"))

# Security headers and cookies; HTTPS-only settings when the deployment says it is HTTPS.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = int(float(os.environ.get("SANSHEN_SESSION_MAX_HOURS", "8")) * 3600)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if _env_bool("SANSHEN_HTTPS"):
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = _env_bool("SANSHEN_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = 31536000
    if SANSHEN_PROXY_COUNT:
        # Only a trusted proxy may tell us the original scheme.
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Accounts and security (sanshen/accounts): sessions, lockout, second factor, CSP, dormancy.
SANSHEN_SESSION_IDLE_MINUTES = int(os.environ.get("SANSHEN_SESSION_IDLE_MINUTES", "30"))
SANSHEN_SESSION_MAX_HOURS = SESSION_COOKIE_AGE / 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True  # pages carry the token in a <meta> tag; scripts never read the cookie
if _env_bool("SANSHEN_HTTPS"):
    # __Host- cookies are only accepted over HTTPS, for this exact host, path /.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
AUTHENTICATION_BACKENDS = [
    "sanshen.accounts.backends.LockoutBackend",  # django-axes
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("SANSHEN_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("SANSHEN_LOCKOUT_MINUTES", "30")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Attempts during a lockout neither extend it nor count again; the audit log records each one.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_CLIENT_IP_CALLABLE = "sanshen.audit.services.client_ip"  # the same proxy rule as the audit log
AXES_LOCKOUT_CALLABLE = "sanshen.accounts.views.lockout_response"
AXES_DISABLE_ACCESS_LOG = True  # successful sign-ins are in the audit log already
AXES_VERBOSE = False
OTP_TOTP_ISSUER = "三审"
# Add `superuser` to require it of the platform's technical administrators too.
SANSHEN_2FA_REQUIRED_ROLES = tuple(_env_list("SANSHEN_2FA_REQUIRED_ROLES", "supervisor,site_admin"))
SANSHEN_DORMANT_DAYS = int(os.environ.get("SANSHEN_DORMANT_DAYS", "90"))
SANSHEN_DORMANT_DISABLE_AFTER_DAYS = int(os.environ.get("SANSHEN_DORMANT_DISABLE_AFTER_DAYS", "30"))
# Content-Security-Policy (django-csp): only this site's own files; no inline script or style.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# Audit trail (see sanshen/audit/services.py).
SANSHEN_AUDIT_KEY_FILE = DATA_DIR / "audit.key"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("SANSHEN_LOG_LEVEL", "INFO")},
    # django-axes logs every sign-in at INFO; failures and lockouts (WARNING) still show.
    "loggers": {"axes": {"level": "WARNING"}},
}

# Check API and page (sanshen/api, sanshen/checks): size and rate limits.
SANSHEN_CHECK_MAX_BYTES = int(float(os.environ.get("SANSHEN_CHECK_MAX_MB", "10")) * 1024 * 1024)
# A pasted text is form data, not a file: let it be as large as an upload may be.
DATA_UPLOAD_MAX_MEMORY_SIZE = max(2621440, SANSHEN_CHECK_MAX_BYTES + 64 * 1024)
SANSHEN_API_RATE = os.environ.get("SANSHEN_API_RATE", "120/min")
# Seconds a server process remembers a valid API token (a revocation reaches other processes late by this).
SANSHEN_API_TOKEN_CACHE_SECONDS = float(os.environ.get("SANSHEN_API_TOKEN_CACHE_SECONDS", "5"))
if os.environ.get("SANSHEN_REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["SANSHEN_REDIS_URL"],
        }
    }

# Celery and the periodic jobs (`PERIODIC_JOBS` in each app's tasks.py; CELERY_BEAT_SCHEDULE below).
# No broker: the single-machine mode; `sanshen run` starts `sanshen worker`, which runs them in a
# loop (sanshen/config/scheduler.py), and a task's `.delay()` runs at once in the caller. A broker
# (e.g. redis://127.0.0.1:6379/0): `celery -A sanshen.config.celery worker` and
# `celery -A sanshen.config.celery beat` run them.
SANSHEN_CELERY_BROKER = os.environ.get("SANSHEN_CELERY_BROKER") or None
CELERY_BROKER_URL = SANSHEN_CELERY_BROKER or "memory://"
CELERY_RESULT_BACKEND = os.environ.get("SANSHEN_CELERY_RESULT_BACKEND") or SANSHEN_CELERY_BROKER
CELERY_TASK_ALWAYS_EAGER = SANSHEN_CELERY_BROKER is None
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True  # every job is idempotent: a task lost with its worker is run again
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "deliver-webhooks": {"task": "sanshen.review.deliver_webhooks", "schedule": 60.0},
    "remind-steps": {"task": "sanshen.review.remind_steps", "schedule": 15 * 60.0},
    # Daily and idempotent: last month's archives appear on the 1st, or as soon as the machine is up.
    "monthly-archives": {"task": "sanshen.review.monthly_archives", "schedule": 6 * 3600.0},
    # Patrols (sanshen/sites/tasks.py): what the `patrol_due` command does, on the workers.
    "patrols-due": {"task": "sanshen.sites.patrols_due", "schedule": 5 * 60.0},
    "probe-sites": {"task": "sanshen.sites.probe_sites", "schedule": 60.0},
    # Early warnings, rectification confirmation/escalation, annual-report reminders (idempotent).
    "inspection-daily": {"task": "sanshen.inspection.daily", "schedule": 3600.0},
}
# Patrols on Celery: how many `patrol_work` tasks share one patrol, how long a worker's claim on a
# URL lasts before another worker may take it (a dead worker's pages come back after this; live
# workers renew their claims every third of it), and pages in flight per worker.
SANSHEN_PATROL_WORKERS = int(os.environ.get("SANSHEN_PATROL_WORKERS", "2"))
SANSHEN_PATROL_LEASE_SECONDS = float(os.environ.get("SANSHEN_PATROL_LEASE_SECONDS", "300"))
SANSHEN_PATROL_CONCURRENCY = int(os.environ.get("SANSHEN_PATROL_CONCURRENCY", "8"))
# Deadline reminders: a step is reminded at most once per this many hours.
SANSHEN_REVIEW_REMIND_EVERY_HOURS = float(os.environ.get("SANSHEN_REVIEW_REMIND_EVERY_HOURS", "12"))
# Submission needs at least one 发布渠道 (target channel) when on; off by default.
SANSHEN_REVIEW_REQUIRE_CHANNELS = _env_bool("SANSHEN_REVIEW_REQUIRE_CHANNELS")
# Default 保密审查 levels of a route whose own number (RouteTemplate.secrecy_levels) is blank.
SANSHEN_SECRECY_STEPS = int(os.environ.get("SANSHEN_SECRECY_STEPS", "1"))
# Where `monthly_archives` writes the zips (default <data dir>/archives).
SANSHEN_ARCHIVE_DIR = os.environ.get("SANSHEN_ARCHIVE_DIR") or str(DATA_DIR / "archives")
# Link in reminder e-mails, e.g. https://sanshen.example.gov.cn (none when unset).
SANSHEN_SITE_URL = os.environ.get("SANSHEN_SITE_URL", "")

# E-mail (reminders). SMTP when SANSHEN_EMAIL_HOST is set; otherwise messages are written as
# files under <data dir>/mail (the demo and single-machine mode), or to the console in debug mode.
if os.environ.get("SANSHEN_EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = os.environ["SANSHEN_EMAIL_HOST"]
    EMAIL_PORT = int(os.environ.get("SANSHEN_EMAIL_PORT", "25"))
    EMAIL_HOST_USER = os.environ.get("SANSHEN_EMAIL_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("SANSHEN_EMAIL_PASSWORD", "")
    EMAIL_USE_TLS = _env_bool("SANSHEN_EMAIL_TLS")
    EMAIL_USE_SSL = _env_bool("SANSHEN_EMAIL_SSL")
    EMAIL_TIMEOUT = 20
elif DEBUG:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_BACKEND = os.environ.get("SANSHEN_EMAIL_BACKEND") or EMAIL_BACKEND
EMAIL_FILE_PATH = os.environ.get("SANSHEN_EMAIL_FILE_PATH") or str(DATA_DIR / "mail")
DEFAULT_FROM_EMAIL = os.environ.get("SANSHEN_EMAIL_FROM", "三审平台 <sanshen@localhost>")
