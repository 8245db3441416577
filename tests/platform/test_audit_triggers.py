"""The database itself refuses UPDATE and DELETE on audit entries (SQLite and PostgreSQL)."""

import os
import uuid

import pytest
from django.core import checks
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from sanshen.audit import protection
from sanshen.audit.models import AuditEntry
from sanshen.audit.services import record, verify_chain

from .conftest import IS_POSTGRES

pytestmark = pytest.mark.django_db


def refused(sql, params=()):
    with pytest.raises(IntegrityError, match="审计日志只能追加"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_triggers_are_installed_by_migrations():
    assert protection.installed(connection) == set(protection.TRIGGERS[connection.vendor])


def test_raw_update_and_delete_are_refused():
    entry = record("create", object_repr="公示")
    refused("UPDATE audit_auditentry SET object_repr = %s WHERE id = %s", ["改", entry.pk])
    refused("UPDATE audit_auditentry SET hash = hash")
    refused("DELETE FROM audit_auditentry WHERE id = %s", [entry.pk])
    refused("DELETE FROM audit_auditentry")
    assert AuditEntry.objects.get(pk=entry.pk).object_repr == "公示"
    assert verify_chain().ok


def test_queryset_update_and_delete_are_refused():
    record("create", object_repr="公示")
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditEntry.objects.update(object_repr="改")
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.count() == 1


@pytest.mark.skipif(not IS_POSTGRES, reason="TRUNCATE exists only on PostgreSQL")
def test_truncate_is_refused_on_postgresql():
    record("create")
    refused("TRUNCATE audit_auditentry")
    refused("TRUNCATE audit_auditentry CASCADE")


def test_inserting_is_still_allowed():
    before = AuditEntry.objects.count()
    record("create")
    record("update")
    assert AuditEntry.objects.count() == before + 2


def test_missing_triggers_are_reported_and_restored_by_migrate():
    protection.remove(connection)
    assert protection.missing(connection)
    errors = checks.run_checks(tags=[checks.Tags.database], databases=["default"])
    assert [e.id for e in errors] == ["sanshen.audit.E001"]
    call_command("migrate", verbosity=0)
    assert not protection.missing(connection)
    assert checks.run_checks(tags=[checks.Tags.database], databases=["default"]) == []


def test_disabled_trigger_counts_as_missing():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite triggers cannot be disabled, only dropped")
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER audit_entry_no_delete")
    assert protection.missing(connection) == {"audit_entry_no_delete"}


# The trigger SQL of the vendor the suite is NOT running on ------------------------------------
# The CI runs the whole suite on both databases; these keep the default (SQLite) run honest about
# the PostgreSQL SQL as well, and the other way round.


def _postgres_dsn() -> str:
    return os.environ.get("SANSHEN_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


class _RawConnection:
    """Just enough of a Django connection (vendor, cursor as context manager) for `protection`."""

    def __init__(self, vendor, conn):
        self.vendor = vendor
        self._conn = conn

    def cursor(self):
        return _RawCursor(self._conn.cursor(), qmark=self.vendor == "sqlite")


class _RawCursor:
    def __init__(self, cursor, *, qmark):
        self._cursor = cursor
        self._qmark = qmark

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._cursor.close()

    def execute(self, sql, params=None):
        if self._qmark:  # sqlite3 placeholders
            return self._cursor.execute(sql.replace("%s", "?"), params or ())
        return self._cursor.execute(sql, params)

    def fetchall(self):
        return self._cursor.fetchall()


@pytest.mark.skipif(IS_POSTGRES, reason="the suite itself runs on PostgreSQL")
def test_postgresql_trigger_sql_on_a_scratch_schema():
    import psycopg

    try:
        conn = psycopg.connect(_postgres_dsn(), connect_timeout=3, autocommit=True)
    except psycopg.OperationalError as exc:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true 但 PostgreSQL 无法连接：{exc}")
        pytest.skip(f"PostgreSQL 无法连接：{exc}")
    schema = f"sanshen_trigger_test_{uuid.uuid4().hex[:8]}"
    try:
        conn.execute(f"CREATE SCHEMA {schema}")
        conn.execute(f"SET search_path TO {schema}")
        conn.execute("CREATE TABLE audit_auditentry (id serial PRIMARY KEY, note text)")
        conn.execute("INSERT INTO audit_auditentry (note) VALUES ('公示')")
        raw = _RawConnection("postgresql", conn)
        protection.install(raw)
        protection.install(raw)  # idempotent
        assert protection.installed(raw) == set(protection.TRIGGERS["postgresql"])
        for sql in (
            "UPDATE audit_auditentry SET note = '改'",
            "DELETE FROM audit_auditentry",
            "TRUNCATE audit_auditentry",
        ):
            with pytest.raises(psycopg.errors.RestrictViolation, match="审计日志只能追加"):
                conn.execute(sql)
        conn.execute("INSERT INTO audit_auditentry (note) VALUES ('追加')")
        assert conn.execute("SELECT count(*) FROM audit_auditentry").fetchone()[0] == 2
        protection.remove(raw)
        assert protection.installed(raw) == set()
    finally:
        conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        conn.close()


def test_sqlite_trigger_sql_on_a_scratch_database(tmp_path):
    import sqlite3

    conn = sqlite3.connect(tmp_path / "scratch.sqlite3", isolation_level=None)
    try:
        conn.execute("CREATE TABLE audit_auditentry (id INTEGER PRIMARY KEY, note TEXT)")
        conn.execute("INSERT INTO audit_auditentry (note) VALUES ('公示')")
        raw = _RawConnection("sqlite", conn)
        protection.install(raw)
        protection.install(raw)
        assert protection.installed(raw) == set(protection.TRIGGERS["sqlite"])
        for sql in ("UPDATE audit_auditentry SET note = '改'", "DELETE FROM audit_auditentry"):
            with pytest.raises(sqlite3.IntegrityError, match="审计日志只能追加"):
                conn.execute(sql)
        conn.execute("INSERT INTO audit_auditentry (note) VALUES ('追加')")
        assert conn.execute("SELECT count(*) FROM audit_auditentry").fetchone()[0] == 2
    finally:
        conn.close()
