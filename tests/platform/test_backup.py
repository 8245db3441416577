"""`sanshen backup` / `sanshen restore`: round trip on the database under test (SQLite, or
PostgreSQL when DATABASE_URL points to it), refusals, and the audit chain after a restore."""

from __future__ import annotations

import io
import json
import shutil
import tarfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from sanshen.audit import protection
from sanshen.audit.models import AuditEntry
from sanshen.audit.services import verify_chain
from sanshen.units.models import Membership, Role, Unit, User
from sanshen.web import backup

if connection.vendor == "postgresql" and not (shutil.which("pg_dump") and shutil.which("pg_restore")):
    pytest.skip("PostgreSQL 客户端工具不在 PATH 中", allow_module_level=True)

YES = lambda manifest: True  # noqa: E731


@pytest.fixture
def populated(committed_db):
    city = Unit.objects.create(name="备份市", kind=Unit.Kind.CITY)
    dept = Unit.objects.create(name="备份市教育局", kind=Unit.Kind.DEPARTMENT, parent=city)
    user = User.objects.create_user("bk_editor", password="Bk-2026-口令测试")
    Membership.objects.create(user=user, unit=dept, role=Role.EDITOR)
    return {"city": city, "dept": dept, "user": user}


def _snapshot():
    return {
        "units": sorted(Unit.objects.values_list("name", "path")),
        "users": sorted(User.objects.values_list("username", flat=True)),
        "members": sorted(Membership.objects.values_list("user__username", "unit__name", "role")),
    }


def _rewrite(archive: Path, target: Path, *, manifest=None, data=None) -> Path:
    """Copy `archive` to `target`, replacing the manifest and/or the database bytes."""
    with tarfile.open(archive, "r:gz") as tar:
        old_manifest = json.load(tar.extractfile(backup.MANIFEST))
        name = old_manifest["database_file"]
        old_data = tar.extractfile(name).read()
    manifest = old_manifest if manifest is None else manifest(dict(old_manifest))
    data = old_data if data is None else data(old_data)
    with tarfile.open(target, "w:gz") as tar:
        for member, payload in ((backup.MANIFEST, json.dumps(manifest).encode()), (name, data)):
            info = tarfile.TarInfo(member)
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))
    return target


def test_round_trip_restores_data_triggers_and_chain(populated, tmp_path):
    before = _snapshot()
    result = backup.create_backup(tmp_path)
    assert result.path.parent == tmp_path and result.path.name.endswith(f"-{connection.vendor}.tar.gz")
    m = result.manifest
    assert m["vendor"] == connection.vendor and m["format"] == backup.FORMAT
    assert len(m["sha256"]) == 64 and m["size"] > 0
    assert "units" in m["migrations"] and m["audit"]["key_id"]
    last = AuditEntry.objects.order_by("-seq").first()
    assert last.action == "backup" and last.after["sha256"] == m["sha256"]
    entries_at_backup = AuditEntry.objects.count()

    # Changes after the backup: a new unit, a removed role, a new user.
    Unit.objects.create(name="备份后新增的单位", kind=Unit.Kind.OTHER)
    Membership.objects.filter(user=populated["user"]).delete()
    User.objects.create_user("after_backup")
    assert _snapshot() != before

    restored = backup.restore_backup(result.path, confirm=YES)
    assert restored.chain_ok and restored.key_matches, restored.chain_message
    assert _snapshot() == before
    assert not protection.missing(connection)
    # The backup's own entry is not in its archive; the restore is appended after the restored log.
    entries = list(AuditEntry.objects.order_by("seq").values_list("action", flat=True))
    assert len(entries) == entries_at_backup and entries[-1] == "restore"
    assert verify_chain().ok
    call_command("audit_verify", stdout=io.StringIO())
    # The log still refuses changes after the restore.
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        AuditEntry.objects.filter(pk=AuditEntry.objects.first().pk).update(action="x")


def test_restore_recreates_missing_audit_triggers(populated, tmp_path):
    protection.remove(connection)
    try:
        archive = backup.create_backup(tmp_path).path
    finally:
        protection.install(connection)
    protection.remove(connection)  # and gone from the live database too
    backup.restore_backup(archive, confirm=YES)
    assert not protection.missing(connection)
    assert verify_chain().ok


def test_commands_backup_and_restore(populated, tmp_path, monkeypatch):
    out = io.StringIO()
    target = tmp_path / "my.tar.gz"
    call_command("backup", "-o", str(target), stdout=out)
    assert target.exists() and "备份完成" in out.getvalue() and "SHA-256" in out.getvalue()
    with pytest.raises(CommandError, match="已存在"):
        call_command("backup", "-o", str(target), stdout=io.StringIO())
    Unit.objects.create(name="待丢弃", kind=Unit.Kind.OTHER)

    # Without --yes and without a terminal: refused, nothing changed.
    monkeypatch.setattr("sys.stdin", io.StringIO("yes\n"))
    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", str(target), stdout=io.StringIO())
    assert Unit.objects.filter(name="待丢弃").exists()

    out = io.StringIO()
    call_command("restore", str(target), "--yes", stdout=out, stderr=io.StringIO())
    assert "恢复完成" in out.getvalue() and "审计日志完整" in out.getvalue()
    assert not Unit.objects.filter(name="待丢弃").exists()


def test_confirmation_declined_changes_nothing(populated, tmp_path):
    archive = backup.create_backup(tmp_path).path
    Unit.objects.create(name="保留我", kind=Unit.Kind.OTHER)
    with pytest.raises(backup.BackupError, match="已取消"):
        backup.restore_backup(archive, confirm=lambda m: False)
    assert Unit.objects.filter(name="保留我").exists()


def test_refusals(populated, tmp_path):
    archive = backup.create_backup(tmp_path).path
    Unit.objects.create(name="未被覆盖", kind=Unit.Kind.OTHER)
    asked = []

    def confirm(manifest):
        asked.append(manifest)
        return True

    other = "postgresql" if connection.vendor == "sqlite" else "sqlite"

    def other_vendor(m):
        return {**m, "vendor": other, "database_file": backup.MEMBER[other]}

    cases = {
        "vendor": (_rewrite(archive, tmp_path / "v.tar.gz", manifest=other_vendor), "不能跨数据库类型恢复"),
        "bit flip": (
            _rewrite(archive, tmp_path / "c.tar.gz", data=lambda d: d[:100] + bytes([d[100] ^ 1]) + d[101:]),
            "SHA-256",
        ),
        "newer": (
            _rewrite(archive, tmp_path / "n.tar.gz",
                     manifest=lambda m: {**m, "migrations": {**m["migrations"], "units": ["9999_future"]}}),
            "更新版本",
        ),
        "format": (_rewrite(archive, tmp_path / "f.tar.gz", manifest=lambda m: {**m, "format_version": 99}),
                   "格式版本"),
    }
    truncated = tmp_path / "t.tar.gz"
    truncated.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    cases["truncated"] = (truncated, "已损坏")
    garbage = tmp_path / "g.tar.gz"
    garbage.write_bytes(b"not an archive at all")
    cases["garbage"] = (garbage, "不是三审备份文件")
    no_manifest = tmp_path / "m.tar.gz"
    with tarfile.open(no_manifest, "w:gz") as tar:
        info = tarfile.TarInfo("x.txt")
        tar.addfile(info, io.BytesIO(b""))
    cases["no manifest"] = (no_manifest, "缺少 manifest.json")
    cases["missing"] = (tmp_path / "nope.tar.gz", "不存在")
    for name, (path, message) in cases.items():
        with pytest.raises(backup.BackupError, match=message):
            backup.restore_backup(path, confirm=confirm)
        assert not asked, name  # refused before asking, so before any change
    assert Unit.objects.filter(name="未被覆盖").exists()
    assert verify_chain().ok


def test_restore_reports_a_different_audit_key(populated, tmp_path, monkeypatch):
    archive = _rewrite(
        backup.create_backup(tmp_path).path,
        tmp_path / "k.tar.gz",
        manifest=lambda m: {**m, "audit": {**m["audit"], "key_id": "0" * 16}},
    )
    result = backup.restore_backup(archive, confirm=YES)
    assert not result.key_matches


def test_cli_dispatches_backup(populated, tmp_path, capsys):
    from sanshen import cli

    target = tmp_path / "cli.tar.gz"
    assert cli.main(["backup", "--output", str(target)]) == 0
    assert target.exists()
    assert backup.read_manifest(target)["vendor"] == connection.vendor
