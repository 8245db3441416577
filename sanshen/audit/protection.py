"""Database triggers that make the audit entry table append-only.

SQLite: BEFORE UPDATE / BEFORE DELETE triggers that RAISE(ABORT).
PostgreSQL: a plpgsql function raising `restrict_violation`, fired BEFORE UPDATE and BEFORE
DELETE on each row and BEFORE TRUNCATE. Both surface in Django as `IntegrityError`.

Installed by migration 0002 and re-installed after every `migrate` if missing (SQLite drops a
table's triggers whenever a later migration has to rebuild the table). The application never
removes them; `remove()` exists for tests and for a database owner's deliberate maintenance.
"""

from __future__ import annotations

TABLE = "audit_auditentry"
TRIGGERS = {
    "sqlite": ("audit_entry_no_update", "audit_entry_no_delete"),
    "postgresql": ("audit_entry_no_update", "audit_entry_no_delete", "audit_entry_no_truncate"),
}
PG_FUNCTION = "audit_entry_refuse_change"

_SQLITE_INSTALL = [
    f"""CREATE TRIGGER IF NOT EXISTS audit_entry_no_update BEFORE UPDATE ON {TABLE}
    BEGIN SELECT RAISE(ABORT, '审计日志只能追加：拒绝 UPDATE'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS audit_entry_no_delete BEFORE DELETE ON {TABLE}
    BEGIN SELECT RAISE(ABORT, '审计日志只能追加：拒绝 DELETE'); END""",
]
_SQLITE_REMOVE = [
    "DROP TRIGGER IF EXISTS audit_entry_no_update",
    "DROP TRIGGER IF EXISTS audit_entry_no_delete",
]

_PG_INSTALL = [
    f"""CREATE OR REPLACE FUNCTION {PG_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '审计日志只能追加：拒绝 %', TG_OP USING ERRCODE = 'restrict_violation';
    END
    $$""",
    f"DROP TRIGGER IF EXISTS audit_entry_no_update ON {TABLE}",
    f"DROP TRIGGER IF EXISTS audit_entry_no_delete ON {TABLE}",
    f"DROP TRIGGER IF EXISTS audit_entry_no_truncate ON {TABLE}",
    f"""CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION {PG_FUNCTION}()""",
    f"""CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION {PG_FUNCTION}()""",
    f"""CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON {TABLE}
    FOR EACH STATEMENT EXECUTE FUNCTION {PG_FUNCTION}()""",
]
_PG_REMOVE = [
    f"DROP TRIGGER IF EXISTS audit_entry_no_update ON {TABLE}",
    f"DROP TRIGGER IF EXISTS audit_entry_no_delete ON {TABLE}",
    f"DROP TRIGGER IF EXISTS audit_entry_no_truncate ON {TABLE}",
    f"DROP FUNCTION IF EXISTS {PG_FUNCTION}()",
]


def _statements(vendor: str, install: bool) -> list[str]:
    if vendor == "sqlite":
        return _SQLITE_INSTALL if install else _SQLITE_REMOVE
    if vendor == "postgresql":
        return _PG_INSTALL if install else _PG_REMOVE
    raise NotImplementedError(f"审计日志防篡改触发器不支持 {vendor} 数据库（支持 SQLite 和 PostgreSQL）")


def install(connection) -> None:
    with connection.cursor() as cursor:
        for sql in _statements(connection.vendor, True):
            cursor.execute(sql)


def remove(connection) -> None:
    with connection.cursor() as cursor:
        for sql in _statements(connection.vendor, False):
            cursor.execute(sql)


def installed(connection) -> set[str]:
    """Names of the enabled protection triggers on the entry table."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [TABLE])
        elif connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = to_regclass(%s) "
                "AND NOT tgisinternal AND tgenabled <> 'D'",
                [TABLE],
            )
        else:
            return set()
        present = {row[0] for row in cursor.fetchall()}
    return present & set(TRIGGERS.get(connection.vendor, ()))


def missing(connection) -> set[str]:
    return set(TRIGGERS.get(connection.vendor, ())) - installed(connection)


def after_migrate(sender, app_config=None, using="default", apps=None, **kwargs) -> None:
    """post_migrate: restore missing triggers and the chain head row."""
    if getattr(sender, "label", None) != "audit":
        return
    from django.db import connections

    connection = connections[using]
    if connection.vendor not in TRIGGERS:
        return
    tables = set(connection.introspection.table_names())
    if TABLE not in tables:
        return
    if missing(connection):
        install(connection)
    if "audit_auditchainhead" in tables:
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM audit_auditchainhead")
            has_head = cursor.fetchone()[0] > 0
            cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {TABLE})")
            has_entries = bool(cursor.fetchone()[0])
            if not has_head and not has_entries:
                cursor.execute("INSERT INTO audit_auditchainhead (id, seq, hash) VALUES (1, 0, %s)", ["0" * 64])
