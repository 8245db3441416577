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
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url

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
    "sanshen.units",
    "sanshen.audit",
    "sanshen.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files from the data directory (collected by `sanshen run`/`serve`), no web server needed.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "sanshen.audit.middleware.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

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
# Before `collectstatic` has run, serve the apps' files directly.
WHITENOISE_USE_FINDERS = not (STATIC_ROOT / "staticfiles.json").exists()

SANSHEN_PROXY_COUNT = int(os.environ.get("SANSHEN_PROXY_COUNT", "0"))

# Security headers and cookies; HTTPS-only settings when the deployment says it is HTTPS.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 60 * 60
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

# Audit trail (see sanshen/audit/services.py).
SANSHEN_AUDIT_KEY_FILE = DATA_DIR / "audit.key"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("SANSHEN_LOG_LEVEL", "INFO")},
}
