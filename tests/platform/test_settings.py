"""Project settings: environment, data directory, keys, SQLite WAL, password hashing."""

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from .conftest import PRODUCTION_HASHERS

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json, django
from django.conf import settings
django.setup()
db = settings.DATABASES["default"]
print(json.dumps({
    "debug": settings.DEBUG, "lang": settings.LANGUAGE_CODE, "tz": settings.TIME_ZONE, "use_tz": settings.USE_TZ,
    "engine": db["ENGINE"], "name": str(db["NAME"]), "options": db.get("OPTIONS", {}),
    "secret": settings.SECRET_KEY, "hasher": settings.PASSWORD_HASHERS[0], "data": str(settings.DATA_DIR),
    "user_model": settings.AUTH_USER_MODEL,
}))
"""


def probe(tmp_path, **env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SANSHEN_", "DATABASE_URL", "DJANGO_"))}
    clean.update({"DJANGO_SETTINGS_MODULE": "sanshen.config.settings", **env})
    out = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=tmp_path, env=clean, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


def test_defaults_on_a_fresh_machine(tmp_path):
    cfg = probe(tmp_path)
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
    assert probe(tmp_path)["secret"] == cfg["secret"]  # generated once, then reused


def test_environment_overrides(tmp_path):
    cfg = probe(
        tmp_path,
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


def test_migrations_are_complete(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SANSHEN_", "DATABASE_URL"))}
    env["SANSHEN_DATA_DIR"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "sanshen.manage", "makemigrations", "--check", "--dry-run"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_settings_in_this_process_point_at_a_temporary_data_dir():
    assert not str(settings.DATA_DIR).startswith(str(ROOT))


@pytest.mark.django_db
def test_pages_are_chinese_whatever_the_browser_asks(client):
    response = client.get("/admin/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    page = response.content.decode()
    assert response.status_code == 200
    assert "用户名" in page and 'lang="zh-hans"' in page
    assert response["X-Frame-Options"] == "DENY"
