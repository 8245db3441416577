"""Django set-up for the platform tests only; the engine tests elsewhere never load Django.

The settings module and a throw-away data directory are set here, at collection time, so a
plain `pytest` (all of tests/) and `pytest tests/platform` both work without a pytest.ini entry.
`DATABASE_URL=postgresql://…/test` runs the same tests on PostgreSQL (pytest-django creates a
`test_…` database, suffixed with the process id so concurrent runs do not collide). A
PostgreSQL that was asked for but cannot be reached ends the run as a failure.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import threading

import pytest

DATA_DIR = tempfile.mkdtemp(prefix="sanshen-test-")
atexit.register(shutil.rmtree, DATA_DIR, ignore_errors=True)
os.environ["SANSHEN_DATA_DIR"] = DATA_DIR  # never the developer's ./var
os.environ["DJANGO_SETTINGS_MODULE"] = "sanshen.config.settings"
os.environ.pop("SANSHEN_AUDIT_KEY", None)  # tests use (and tamper with) the key file

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

IS_POSTGRES = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
PRODUCTION_HASHERS = list(settings.PASSWORD_HASHERS)
# Argon2 is slow on purpose; tests that are not about hashing use a fast hasher.
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PRODUCTION_HASHERS]


def _require_postgres_reachable() -> None:
    import psycopg

    db = settings.DATABASES["default"]
    try:
        psycopg.connect(
            dbname="postgres",
            user=db.get("USER") or None,
            password=db.get("PASSWORD") or None,
            host=db.get("HOST") or None,
            port=db.get("PORT") or None,
            connect_timeout=5,
        ).close()
    except psycopg.Error as exc:
        pytest.exit(f"DATABASE_URL 指向的 PostgreSQL 无法连接：{exc}", returncode=1)


if IS_POSTGRES:
    _require_postgres_reachable()


@pytest.fixture(scope="session", autouse=True)
def _block_database(django_db_blocker):
    # Only tests asking for `db`/`transactional_db` may touch the database.
    with django_db_blocker.block():
        yield


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    db = settings.DATABASES["default"]
    test = db.setdefault("TEST", {})
    if IS_POSTGRES:
        test["NAME"] = f"test_{db['NAME']}_{os.getpid()}"
    else:
        # A file (not :memory:) so WAL and several connections behave as in production.
        test["NAME"] = os.path.join(DATA_DIR, "test.sqlite3")


@pytest.fixture(autouse=True)
def _fresh_audit_key_cache():
    from sanshen.audit import keys

    keys.clear_cache()
    yield
    keys.clear_cache()


# Units and users ----------------------------------------------------------------------------


@pytest.fixture
def fresh_api(settings):
    """For the API tests: two-factor enrolment out of the way (the accounts tests cover it), and the
    rate counters (cache) and the tokens this process remembers emptied before and after.
    Yields ``settings`` for the module's own overrides."""
    from django.core.cache import cache

    from sanshen.api import tokens

    settings.SANSHEN_2FA_REQUIRED_ROLES = ()
    cache.clear()
    tokens.forget_tokens()
    yield settings
    cache.clear()
    tokens.forget_tokens()


@pytest.fixture
def tree(db):
    """市 → 两个区 → 部门/乡镇, and a unit in another city."""
    from sanshen.units.models import Unit

    city = Unit.objects.create(name="曲靖市", kind=Unit.Kind.CITY)
    qilin = Unit.objects.create(name="麒麟区", kind=Unit.Kind.COUNTY, parent=city)
    zhanyi = Unit.objects.create(name="沾益区", kind=Unit.Kind.COUNTY, parent=city)
    edu = Unit.objects.create(name="麒麟区教育体育局", kind=Unit.Kind.DEPARTMENT, parent=qilin)
    town = Unit.objects.create(name="越州镇", kind=Unit.Kind.TOWNSHIP, parent=qilin)
    office = Unit.objects.create(name="办公室", kind=Unit.Kind.OFFICE, parent=edu)
    zhanyi_edu = Unit.objects.create(name="沾益区教育体育局", kind=Unit.Kind.DEPARTMENT, parent=zhanyi)
    other_city = Unit.objects.create(name="玉溪市", kind=Unit.Kind.CITY)
    return {
        "city": city,
        "qilin": qilin,
        "zhanyi": zhanyi,
        "edu": edu,
        "town": town,
        "office": office,
        "zhanyi_edu": zhanyi_edu,
        "other_city": other_city,
    }


@pytest.fixture
def make_user(db):
    from sanshen.units.models import Membership, User

    def make(username: str, *grants, password: str = "Qj-2026-审校口令", **extra):
        user = User.objects.create_user(username, password=password, **extra)
        for unit, role in grants:
            Membership.objects.create(user=user, unit=unit, role=role)
        return user

    return make


# Committed transactions ---------------------------------------------------------------------


@pytest.fixture
def _audit_reprotect(django_db_blocker):
    """Outermost: after the database flush, make sure the triggers are back."""
    yield
    from django.db import connection

    from sanshen.audit import protection

    with django_db_blocker.unblock():
        if protection.missing(connection):
            protection.install(connection)


@pytest.fixture
def committed_db(_audit_reprotect, transactional_db):
    """A transactional (really committing) test database.

    pytest-django empties the tables after such a test, which the append-only triggers would
    refuse, so they are dropped just before that flush; the flush's post_migrate signal (and
    `_audit_reprotect`) put them back and re-create the chain head.
    """
    yield
    from django.db import connection

    from sanshen.audit import protection

    protection.remove(connection)


def require_redis(url: str) -> None:
    """Skip when the Redis at ``url`` cannot be reached; under ``CI=true`` that is a failure."""
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        message = f"Redis（{url}）无法连接：{exc}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


def database_url() -> str:
    """The test database as a ``DATABASE_URL`` for worker processes started by a test."""
    from urllib.parse import quote

    from django.db import connection

    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    auth = quote(db.get("USER") or "", safe="")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"], safe="")
    host = db.get("HOST") or "localhost"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgresql://{auth}@{host}{port}/{db['NAME']}"


def run_in_threads(count: int, target) -> list[BaseException]:
    """Run `target(i)` in `count` threads started together; return the exceptions raised."""
    from django.db import connection as _  # noqa: F401  (Django opens one connection per thread)
    from django.db import connections

    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            barrier.wait()
            target(i)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors
