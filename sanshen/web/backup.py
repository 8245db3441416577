"""`sanshen backup` / `sanshen restore`: one archive file per backup, SQLite or PostgreSQL.

Archive: a gzip'd tar holding `manifest.json` (first) and the database file:
- SQLite: `database.sqlite3`, a consistent copy made with SQLite's online backup API (safe while
  the platform runs, WAL included), switched to a self-contained rollback-journal file.
- PostgreSQL: `database.pgdump`, `pg_dump --format=custom` (itself a consistent snapshot).

The manifest records the format version, the Sanshen version, the time, the database vendor,
the applied migrations, the audit chain head and key fingerprint, and the size and SHA-256 of the
database file. Restore checks all of it before touching anything, replaces the whole database,
runs the migrations of this version (which also re-create missing audit triggers), verifies the
audit chain and appends a "restore" entry to it.

The audit key is deliberately not in the archive (it must never sit with the data it protects);
back it up separately. Restoring onto a machine with a different key restores the data, but
`audit verify` then fails, and restore says so.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

import sanshen

FORMAT = "sanshen-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
MEMBER = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
VENDOR_LABEL = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
ACTION_BACKUP, ACTION_RESTORE = "backup", "restore"


class BackupError(Exception):
    """A refusal or failure, with a message for the operator."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    manifest: dict


@dataclass(frozen=True)
class RestoreResult:
    manifest: dict
    chain_ok: bool
    chain_message: str
    key_matches: bool
    audit_error: str | None = None


def register_actions() -> None:
    from sanshen.audit.models import register_action

    register_action(ACTION_BACKUP, "数据备份")
    register_action(ACTION_RESTORE, "数据恢复")


# Helpers ------------------------------------------------------------------------------------


def _connection(alias: str = DEFAULT_DB_ALIAS):
    connection = connections[alias]
    if connection.vendor not in MEMBER:
        raise BackupError(f"不支持备份 {connection.vendor} 数据库（支持 SQLite 和 PostgreSQL）")
    return connection


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _applied_migrations(connection) -> dict[str, list[str]]:
    from django.db.migrations.recorder import MigrationRecorder

    applied: dict[str, list[str]] = {}
    for app, name in sorted(MigrationRecorder(connection).applied_migrations()):
        applied.setdefault(app, []).append(name)
    return applied


def _audit_state() -> dict:
    from sanshen.audit.keys import audit_key, key_id
    from sanshen.audit.models import AuditChainHead

    head = AuditChainHead.objects.filter(pk=1).values_list("seq", "hash").first()
    try:
        kid = key_id(audit_key(create=False))
    except Exception:  # no key yet (empty log) or unreadable: recorded as unknown
        kid = None
    return {"head_seq": head[0] if head else 0, "head_hash": head[1] if head else None, "key_id": kid}


def _now() -> dt.datetime:
    from django.utils import timezone

    return timezone.localtime()


def cli_context(default_name: str):
    """Attribute entries to whoever is already acting (the OS account `sanshen` sets), else to
    `default_name`."""
    from sanshen.audit.context import audit_context, current

    ctx = current()
    known = ctx is not None and (ctx.actor is not None or ctx.username)
    return audit_context() if known else audit_context(username=default_name)


def default_backup_dir() -> Path:
    return Path(settings.DATA_DIR) / "backups"


# PostgreSQL tools ---------------------------------------------------------------------------


def _pg_env_args(connection) -> tuple[dict[str, str], list[str]]:
    db = connection.settings_dict
    env = dict(os.environ)
    args: list[str] = []
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    options = db.get("OPTIONS") or {}
    for key, var in (("sslmode", "PGSSLMODE"), ("sslrootcert", "PGSSLROOTCERT"), ("sslcert", "PGSSLCERT"),
                     ("sslkey", "PGSSLKEY")):
        if options.get(key):
            env[var] = str(options[key])
    env["PGCONNECT_TIMEOUT"] = env.get("PGCONNECT_TIMEOUT", "10")
    return env, args


def _pg_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"找不到 PostgreSQL 客户端程序 {name}：请安装与服务器版本相同或更新的 PostgreSQL 客户端"
            "（Debian/Ubuntu：apt install postgresql-client），并确保它在 PATH 中。"
        )
    return path


def _run(argv: list[str], *, env: dict[str, str], stdin=None, what: str) -> subprocess.CompletedProcess:
    proc = subprocess.run(argv, env=env, stdin=stdin, capture_output=True, check=False)
    if proc.returncode != 0:
        detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise BackupError(f"{what}失败（退出码 {proc.returncode}）：{' '.join(detail[-3:]) or '无输出'}")
    return proc


# Backup -------------------------------------------------------------------------------------


def _ro_uri(path) -> str:
    return Path(path).resolve().as_uri() + "?mode=ro"


def _dump_sqlite(connection, target: Path) -> None:
    source_path = connection.settings_dict["NAME"]
    if str(source_path) in ("", ":memory:") or not Path(source_path).exists():
        raise BackupError(f"SQLite 数据库文件不存在：{source_path}")
    # Read-write open (only read from): a read-only open of a WAL database can fail without -shm.
    source = sqlite3.connect(source_path, timeout=30)
    dest = sqlite3.connect(target)
    try:
        # The online backup API copies a consistent snapshot even while others write (WAL).
        source.backup(dest, pages=4096)
        dest.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        result = dest.execute("PRAGMA integrity_check").fetchone()[0]
        if result != "ok":
            raise BackupError(f"备份副本完整性检查未通过：{result}")
    finally:
        dest.close()
        source.close()


def _dump_postgres(connection, target: Path) -> None:
    env, args = _pg_env_args(connection)
    pg_dump = _pg_tool("pg_dump")
    _run(
        [pg_dump, "--format=custom", "--no-owner", "--no-privileges", "--file", str(target), *args,
         "--dbname", connection.settings_dict["NAME"]],
        env=env,
        what="pg_dump 导出",
    )


def _archive_name(vendor: str, when: dt.datetime) -> str:
    return f"sanshen-backup-{when:%Y%m%d-%H%M%S}-{vendor}.tar.gz"


def create_backup(
    output: str | Path | None = None, *, alias: str = DEFAULT_DB_ALIAS, actor_name: str = ""
) -> BackupResult:
    """Write a backup archive; `output` is a file name or an existing directory."""
    from sanshen.audit.services import record

    connection = _connection(alias)
    vendor = connection.vendor
    when = _now()
    out = Path(output) if output else default_backup_dir()
    if out.is_dir() or output is None:
        out.mkdir(mode=0o700, parents=True, exist_ok=True)
        out = out / _archive_name(vendor, when)
    if out.exists():
        raise BackupError(f"文件已存在，不会覆盖：{out}")
    if not out.parent.is_dir():
        raise BackupError(f"目录不存在：{out.parent}")

    connection.ensure_connection()
    with tempfile.TemporaryDirectory(prefix="sanshen-backup-", dir=out.parent) as tmp:
        db_file = Path(tmp) / MEMBER[vendor]
        server_version = None
        audit = _audit_state()
        migrations = _applied_migrations(connection)
        if vendor == "sqlite":
            _dump_sqlite(connection, db_file)
            server_version = sqlite3.sqlite_version
        else:
            _dump_postgres(connection, db_file)
            server_version = str(connection.pg_version)
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "sanshen_version": sanshen.__version__,
            "created_at": when.isoformat(timespec="seconds"),
            "vendor": vendor,
            "server_version": server_version,
            "database_file": MEMBER[vendor],
            "size": db_file.stat().st_size,
            "sha256": _sha256(db_file),
            "migrations": migrations,
            "audit": audit,
        }
        partial = Path(tmp) / "archive.tar.gz"
        with tarfile.open(partial, "w:gz") as tar:
            data = json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8")
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime, info.mode = len(data), int(when.timestamp()), 0o600
            tar.addfile(info, io.BytesIO(data))
            tar.add(db_file, arcname=MEMBER[vendor], recursive=False, filter=_plain_member)
        os.chmod(partial, 0o600)
        os.replace(partial, out)  # appears complete or not at all
    with cli_context(actor_name or "命令行:backup"):
        record(
            ACTION_BACKUP,
            object_type="backup",
            object_repr=out.name,
            after={k: manifest[k] for k in ("created_at", "vendor", "size", "sha256", "sanshen_version")},
        )
    return BackupResult(out, manifest)


def _plain_member(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    info.mode = 0o600
    return info


# Reading an archive -------------------------------------------------------------------------


def read_manifest(archive: str | Path) -> dict:
    """The archive's manifest, after checking that it is one of ours."""
    path = Path(archive)
    if not path.is_file():
        raise BackupError(f"备份文件不存在：{path}")
    try:
        with tarfile.open(path, "r:*") as tar:
            member = tar.getmember(MANIFEST)
            fh = tar.extractfile(member)
            if fh is None:
                raise KeyError(MANIFEST)
            manifest = json.loads(fh.read(1 << 20).decode("utf-8"))
    except KeyError:
        raise BackupError(f"{path.name} 不是三审备份文件：缺少 {MANIFEST}") from None
    except (tarfile.TarError, EOFError, OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        detail = "" if isinstance(exc, tarfile.ReadError) else f"（{exc}）"
        raise BackupError(f"备份文件已损坏或不是三审备份文件：{path.name}{detail}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{path.name} 不是三审备份文件")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(f"备份格式版本 {manifest.get('format_version')} 不受支持（本版本支持 {FORMAT_VERSION}）")
    if manifest.get("vendor") not in MEMBER or manifest.get("database_file") != MEMBER[manifest["vendor"]]:
        raise BackupError("备份清单内容无效")
    return manifest


def _extract_database(archive: Path, manifest: dict, target: Path) -> None:
    """Copy the database member to `target` and check its size and SHA-256 against the manifest."""
    digest = hashlib.sha256()
    size = 0
    try:
        with tarfile.open(archive, "r:*") as tar:
            member = tar.getmember(manifest["database_file"])
            if not member.isfile():
                raise BackupError("备份中的数据库文件无效")
            src = tar.extractfile(member)
            with open(target, "wb") as dst:
                for block in iter(lambda: src.read(1 << 20), b""):
                    digest.update(block)
                    size += len(block)
                    dst.write(block)
    except KeyError:
        raise BackupError(f"备份文件不完整：缺少 {manifest['database_file']}") from None
    except (tarfile.TarError, EOFError, OSError, ValueError) as exc:
        raise BackupError(f"备份文件已损坏：{exc}") from None
    if size != manifest.get("size") or digest.hexdigest() != manifest.get("sha256"):
        raise BackupError("备份文件已损坏：数据库文件的 SHA-256 校验值与清单不符，拒绝恢复")


def _unknown_migrations(manifest: dict) -> list[str]:
    from django.apps import apps
    from django.db.migrations.loader import MigrationLoader

    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    installed = {config.label for config in apps.get_app_configs()}
    return [
        f"{app}.{name}"
        for app, names in (manifest.get("migrations") or {}).items()
        if app in installed
        for name in names
        if (app, name) not in known
    ]


def check_archive(archive: str | Path, *, alias: str = DEFAULT_DB_ALIAS) -> dict:
    """Every check that needs no change to the database. Returns the manifest."""
    manifest = read_manifest(archive)
    connection = _connection(alias)
    if manifest["vendor"] != connection.vendor:
        raise BackupError(
            f"备份来自 {VENDOR_LABEL[manifest['vendor']]} 数据库，当前数据库是 {VENDOR_LABEL[connection.vendor]}："
            "不能跨数据库类型恢复。"
        )
    unknown = _unknown_migrations(manifest)
    if unknown:
        raise BackupError(
            f"备份来自更新版本的三审（{manifest.get('sanshen_version')}），含本版本没有的迁移 {unknown[0]} 等："
            "请先升级三审再恢复。"
        )
    return manifest


# Restore ------------------------------------------------------------------------------------


def _restore_sqlite(connection, db_file: Path) -> None:
    check = sqlite3.connect(_ro_uri(db_file), uri=True)
    try:
        result = check.execute("PRAGMA integrity_check").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"备份中的 SQLite 数据库已损坏：{exc}") from None
    finally:
        check.close()
    if result != "ok":
        raise BackupError(f"备份中的 SQLite 数据库未通过完整性检查：{result}")
    target = connection.settings_dict["NAME"]
    connection.close()
    source = sqlite3.connect(_ro_uri(db_file), uri=True)
    dest = sqlite3.connect(target, timeout=30)
    try:
        # Page-by-page copy into the live file under its write lock: readers see the old or the
        # new database, never a mixture, and the file keeps its WAL mode.
        source.backup(dest)
        dest.execute("PRAGMA journal_mode=WAL")
    finally:
        dest.close()
        source.close()


def _restore_postgres(connection, db_file: Path) -> None:
    from sanshen.audit import protection

    env, args = _pg_env_args(connection)
    pg_restore, psql = _pg_tool("pg_restore"), _pg_tool("psql")
    _run([pg_restore, "--list", str(db_file)], env=env, what="检查备份（pg_restore --list）")
    qn = connection.ops.quote_name
    drops = [f"DROP TABLE IF EXISTS {qn(t)} CASCADE;" for t in connection.introspection.table_names()]
    drops.append(f"DROP FUNCTION IF EXISTS {protection.PG_FUNCTION}() CASCADE;")
    connection.close()
    with tempfile.NamedTemporaryFile("w", suffix=".sql", encoding="utf-8", delete=False) as fh:
        fh.write("\n".join(drops) + "\n")
        drop_file = fh.name
    try:
        # Dropping the old tables and loading the dump is one transaction: any error leaves the
        # database as it was. pg_restore streams its SQL straight into psql.
        producer_log = tempfile.TemporaryFile()  # noqa: SIM115  (closed below, after the pipe)
        producer = subprocess.Popen(
            [pg_restore, "--no-owner", "--no-privileges", "--file", "-", str(db_file)],
            env=env, stdout=subprocess.PIPE, stderr=producer_log,
        )
        consumer = subprocess.run(
            [psql, "--no-psqlrc", "--quiet", "--single-transaction", "--set", "ON_ERROR_STOP=1", *args,
             "--dbname", connection.settings_dict["NAME"], "--file", drop_file, "--file", "-"],
            env=env, stdin=producer.stdout, capture_output=True, check=False,
        )
        producer.stdout.close()
        producer.wait()
        producer_log.seek(0)
        producer_err = producer_log.read().decode("utf-8", "replace").strip()
        producer_log.close()
    finally:
        os.unlink(drop_file)
    if producer.returncode != 0:
        raise BackupError(f"读取备份（pg_restore）失败：{producer_err or producer.returncode}")
    if consumer.returncode != 0:
        detail = consumer.stderr.decode("utf-8", "replace").strip().splitlines()
        raise BackupError(f"恢复（psql）失败，数据库未改动：{' '.join(detail[-3:]) or consumer.returncode}")


def restore_backup(
    archive: str | Path,
    *,
    confirm: Callable[[dict], bool] | None = None,
    alias: str = DEFAULT_DB_ALIAS,
    actor_name: str = "",
) -> RestoreResult:
    """Replace the database by the archive's. `confirm(manifest)` is asked after all checks and
    before any change; returning False aborts with BackupError."""
    from django.core.management import call_command

    from sanshen.audit import keys, protection
    from sanshen.audit.services import record, verify_chain

    archive = Path(archive)
    manifest = check_archive(archive, alias=alias)
    connection = _connection(alias)
    with tempfile.TemporaryDirectory(prefix="sanshen-restore-") as tmp:
        db_file = Path(tmp) / manifest["database_file"]
        _extract_database(archive, manifest, db_file)
        if confirm is not None and not confirm(manifest):
            raise BackupError("已取消，数据库未改动。")
        if connection.vendor == "sqlite":
            _restore_sqlite(connection, db_file)
        else:
            _restore_postgres(connection, db_file)
    connection.close()
    keys.clear_cache()
    # Migrations of this version, and the audit triggers and chain head should the dump lack them.
    call_command("migrate", interactive=False, verbosity=0, database=alias)
    if protection.missing(connections[alias]):
        protection.install(connections[alias])
    try:
        current_kid = keys.key_id(keys.audit_key(create=False))
    except Exception:
        current_kid = None
    backup_kid = (manifest.get("audit") or {}).get("key_id")
    key_matches = backup_kid is None or backup_kid == current_kid
    try:
        status = verify_chain()
        chain_ok = status.ok
        chain_message = f"审计日志完整，共 {status.count} 条" if status.ok else f"审计日志校验未通过：{status.reason}"
    except Exception as exc:
        chain_ok, chain_message = False, f"无法校验审计日志：{exc}"
    # Recorded even when the chain does not verify: who restored what is worth keeping.
    try:
        with cli_context(actor_name or "命令行:restore"):
            record(
                ACTION_RESTORE,
                object_type="backup",
                object_repr=archive.name,
                after={k: manifest.get(k) for k in ("created_at", "vendor", "size", "sha256", "sanshen_version")},
            )
        recorded = None
    except Exception as exc:
        recorded = f"未能写入审计日志：{exc}"
    return RestoreResult(manifest, chain_ok, chain_message, key_matches, recorded)
