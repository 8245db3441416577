"""Project settings: environment, data directory, keys, SQLite WAL, password hashing."""

import io
import os
import runpy
import stat
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from .conftest import PRODUCTION_HASHERS

ROOT = Path(__file__).resolve().parents[2]
SETTINGS_FILE = str(ROOT / "sanshen" / "config" / "settings.py")


def probe(tmp_path, monkeypatch, **env):
    """Evaluate the settings module afresh with a clean environment, in `tmp_path` as cwd."""
    for name in list(os.environ):
        if name.startswith(("SANSHEN_", "DATABASE_URL")):
            monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    cfg = runpy.run_path(SETTINGS_FILE, run_name="settings_probe")
    db = cfg["DATABASES"]["default"]
    return {
        "debug": cfg["DEBUG"], "lang": cfg["LANGUAGE_CODE"], "tz": cfg["TIME_ZONE"], "use_tz": cfg["USE_TZ"],
        "engine": db["ENGINE"], "name": str(db["NAME"]), "options": db.get("OPTIONS", {}),
        "secret": cfg["SECRET_KEY"], "hasher": cfg["PASSWORD_HASHERS"][0], "data": str(cfg["DATA_DIR"]),
        "user_model": cfg["AUTH_USER_MODEL"],
    }  # fmt: skip


def test_defaults_on_a_fresh_machine(tmp_path, monkeypatch):
    cfg = probe(tmp_path, monkeypatch)
    data = tmp_path / "var"
    assert cfg["data"] == str(data)
    assert cfg["debug"] is False
    assert (cfg["lang"], cfg["tz"], cfg["use_tz"]) == ("zh-hans", "Asia/Shanghai", True)
    assert cfg["engine"] == "django.db.backends.sqlite3" and cfg["name"] == str(data / "sanshen.sqlite3")
    assert "journal_mode=WAL" in cfg["options"]["init_command"]
    assert cfg["options"]["transaction_mode"] == "IMMEDIATE"
    assert cfg["hasher"] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert cfg["user_model"] == "units.User"
    key_file = data / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    assert cfg["secret"] == key_file.read_text().strip() and len(cfg["secret"]) == 100
    assert probe(tmp_path, monkeypatch)["secret"] == cfg["secret"]  # generated once, then reused


def test_environment_overrides(tmp_path, monkeypatch):
    cfg = probe(
        tmp_path,
        monkeypatch,
        SANSHEN_DATA_DIR=str(tmp_path / "data"),
        SANSHEN_SECRET_KEY="from-the-environment",
        SANSHEN_DEBUG="true",
        DATABASE_URL="postgresql://sanshen:pw@db.example:5433/sanshen",
    )
    assert cfg["debug"] is True and cfg["secret"] == "from-the-environment"
    assert cfg["engine"] == "django.db.backends.postgresql" and cfg["name"] == "sanshen"
    assert "init_command" not in cfg["options"]
    assert not (tmp_path / "data" / "secret_key").exists()


@pytest.mark.django_db
def test_sqlite_connections_use_wal():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"


@pytest.mark.django_db
def test_passwords_are_hashed_with_argon2(settings, make_user):
    settings.PASSWORD_HASHERS = PRODUCTION_HASHERS
    user = make_user("argon", password="Qj-2026-审校口令")
    assert user.password.startswith("argon2$argon2id$")
    assert user.check_password("Qj-2026-审校口令")


def test_key_file_creation_is_atomic_and_private(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    from sanshen.config.keyfile import is_private, read_or_create

    path = tmp_path / "sub" / "k"
    with ThreadPoolExecutor(8) as pool:
        values = set(pool.map(lambda _: read_or_create(path), range(16)))
    assert len(values) == 1 and is_private(path)
    assert sorted(p.name for p in path.parent.iterdir()) == ["k"]  # no temporary files left
    with pytest.raises(FileNotFoundError):
        read_or_create(tmp_path / "absent", create=False)


@pytest.mark.django_db
def test_migrations_are_complete():
    out = io.StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


def test_settings_in_this_process_point_at_a_temporary_data_dir():
    assert not str(settings.DATA_DIR).startswith(str(ROOT))


@pytest.mark.django_db
def test_pages_are_chinese_whatever_the_browser_asks(client):
    response = client.get("/admin/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    page = response.content.decode()
    assert response.status_code == 200
    assert "用户名" in page and 'lang="zh-hans"' in page
    assert response["X-Frame-Options"] == "DENY"
