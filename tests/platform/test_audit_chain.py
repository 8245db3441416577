"""The audit hash chain: writing, verifying, tampering, keys."""

import datetime as dt
import os
import stat
from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from sanshen.audit import keys, protection
from sanshen.audit.models import AuditChainHead, AuditEntry, register_action
from sanshen.audit.services import GENESIS, compute_hash, payload, record, verify_chain

pytestmark = pytest.mark.django_db


def raw(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.fixture
def unprotected():
    """Drop the triggers for this test only (the test transaction's rollback restores them)."""
    protection.remove(connection)
    yield


def write(n, **kw):
    return [record("update", object_type="demo.item", object_id=str(i), object_repr=f"条目{i}", **kw) for i in range(n)]


def test_empty_chain_is_intact():
    assert verify_chain() == (None, None, 0)
    assert verify_chain().ok


def test_entries_are_chained():
    entries = write(3)
    assert [e.seq for e in entries] == [1, 2, 3]
    assert entries[0].prev_hash == GENESIS
    assert entries[1].prev_hash == entries[0].hash and entries[2].prev_hash == entries[1].hash
    head = AuditChainHead.objects.get()
    assert (head.seq, head.hash) == (3, entries[2].hash)
    status = verify_chain()
    assert status.ok and status.count == 3 and status.broken_id is None


def test_hash_is_hmac_over_prev_hash_and_canonical_fields():
    entry = write(1)[0]
    stored = AuditEntry.objects.get(pk=entry.pk)
    key = keys.audit_key()
    assert stored.hash == compute_hash(key, stored.prev_hash, payload(stored))
    assert compute_hash(b"another key of thirty-two bytes!", stored.prev_hash, payload(stored)) != stored.hash


def test_values_survive_the_database_round_trip():
    odd = {
        "text": "中文 “引号” 😀 \x00NUL",
        "big": 10**20,
        "float": 1e16,
        "tiny": 1e-7,
        "nan": float("nan"),
        "decimal": Decimal("1.10"),
        "when": dt.datetime(2026, 2, 28, 9, 30, tzinfo=dt.UTC),
        "day": dt.date(2026, 2, 28),
        "nested": [{"b": 1, "a": [True, None]}],
        "tuple": (1, 2),
        "set": {"乙", "甲"},
        "surrogate": "\ud800x",
    }
    entry = record("update", before=odd, after={"k": "v"}, object_repr="x" * 500)
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert stored.before["text"] == "中文 “引号” 😀 NUL"
    assert stored.before["float"] == "1e+16" and stored.before["big"] == 10**20
    assert stored.before["set"] == sorted(["甲", "乙"])
    assert stored.before["surrogate"] == "?x" and stored.before["nan"] == "nan"
    assert len(stored.object_repr) == 200
    assert verify_chain().ok


def test_unknown_action_is_refused_and_actions_can_be_registered():
    with pytest.raises(ValueError):
        record("approve_typo")
    register_action("withdraw_request", "撤稿申请")
    assert record("withdraw_request").action_label == "撤稿申请"
    with pytest.raises(ValueError):
        register_action("withdraw_request", "别的名字")


def test_tampered_field_is_reported(unprotected):
    entries = write(4)
    raw("UPDATE audit_auditentry SET object_repr = %s WHERE id = %s", ["条目已被改", entries[1].pk])
    status = verify_chain()
    assert status.broken_id == entries[1].pk
    assert "内容与哈希不符" in status.reason
    assert status.count == 1


def test_tampered_json_is_reported(unprotected):
    entry = record("update", before={"title": "原标题"}, after={"title": "新标题"})
    write(1)
    raw("UPDATE audit_auditentry SET after = %s WHERE id = %s", ['{"title": "伪造标题"}', entry.pk])
    assert verify_chain().broken_id == entry.pk


def test_rehashing_without_the_key_is_reported(unprotected):
    entries = write(3)
    # An attacker recomputes the hash with a guessed key and fixes the next link too.
    forged = compute_hash(b"guessed-key-guessed-key-guessed!", entries[0].prev_hash, payload(entries[0]))
    raw("UPDATE audit_auditentry SET hash = %s WHERE id = %s", [forged, entries[0].pk])
    raw("UPDATE audit_auditentry SET prev_hash = %s WHERE id = %s", [forged, entries[1].pk])
    assert verify_chain().broken_id == entries[0].pk


def test_deleted_entry_in_the_middle_is_reported(unprotected):
    entries = write(5)
    raw("DELETE FROM audit_auditentry WHERE id = %s", [entries[2].pk])
    status = verify_chain()
    assert status.broken_id == entries[3].pk
    assert "缺少第 3 条" in status.reason


def test_deleted_tail_is_reported(unprotected):
    entries = write(4)
    raw("DELETE FROM audit_auditentry WHERE id IN (%s, %s)", [entries[2].pk, entries[3].pk])
    status = verify_chain()
    assert not status.ok
    assert status.broken_id == entries[1].pk
    assert "链尾缺失" in status.reason


def test_deleted_everything_is_reported(unprotected):
    write(2)
    raw("DELETE FROM audit_auditentry")
    status = verify_chain()
    assert not status.ok and "审计日志为空" in status.reason


def test_renumbered_entries_are_reported(unprotected):
    entries = write(3)
    raw("DELETE FROM audit_auditentry WHERE id = %s", [entries[1].pk])
    raw("UPDATE audit_auditentry SET seq = 2 WHERE id = %s", [entries[2].pk])
    raw("UPDATE audit_auditchainhead SET seq = 2")
    status = verify_chain()
    assert status.broken_id == entries[2].pk


def test_head_moved_back_is_reported():
    entries = write(3)
    raw("UPDATE audit_auditchainhead SET seq = 1, hash = %s", [entries[0].hash])
    status = verify_chain()
    assert status.broken_id == entries[2].pk and "链头" in status.reason


def test_entry_signed_with_another_key_is_reported():
    write(1)
    os.environ[keys.ENV] = "k" * 40
    keys.clear_cache()
    try:
        other = write(1)[0]
    finally:
        del os.environ[keys.ENV]
        keys.clear_cache()
    status = verify_chain()
    assert status.broken_id == other.pk
    assert "另一密钥" in status.reason


def test_key_file_is_private_and_outside_the_database(settings, tmp_path):
    settings.SANSHEN_AUDIT_KEY_FILE = tmp_path / "k" / "audit.key"
    write(1)  # first entry ever in this test database creates the key
    path = settings.SANSHEN_AUDIT_KEY_FILE
    assert path.exists()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    key = path.read_text().strip()
    assert len(key) == 64
    with connection.cursor() as cursor:
        for table in ("audit_auditentry", "audit_auditchainhead"):
            cursor.execute(f"SELECT * FROM {table}")
            assert key not in repr(cursor.fetchall())


def test_missing_key_file_is_not_silently_replaced(settings, tmp_path):
    settings.SANSHEN_AUDIT_KEY_FILE = tmp_path / "audit.key"
    write(2)
    settings.SANSHEN_AUDIT_KEY_FILE.unlink()
    keys.clear_cache()
    with pytest.raises(ImproperlyConfigured, match="审计密钥文件"):
        write(1)
    with pytest.raises(ImproperlyConfigured):
        verify_chain()
    assert not settings.SANSHEN_AUDIT_KEY_FILE.exists()


def test_short_environment_key_is_refused(monkeypatch):
    monkeypatch.setenv(keys.ENV, "too-short")
    with pytest.raises(ImproperlyConfigured, match="太短"):
        write(1)


def test_key_id_is_a_fingerprint_not_the_key():
    key = keys.audit_key()
    kid = keys.key_id(key)
    assert len(kid) == 16 and kid.encode() not in key
    assert write(1)[0].key_id == kid


def test_missing_head_with_entries_refuses_to_fork(unprotected):
    write(2)
    raw("DELETE FROM audit_auditchainhead")
    assert "链头记录缺失" in verify_chain().reason
    with pytest.raises(RuntimeError, match="链头记录缺失"):
        write(1)


def test_head_is_recreated_for_an_empty_log():
    raw("DELETE FROM audit_auditchainhead")
    entry = write(1)[0]
    assert entry.seq == 1 and entry.prev_hash == GENESIS
    assert verify_chain().ok


def test_model_instances_refuse_change_and_delete():
    entry = write(1)[0]
    entry.object_repr = "改"
    with pytest.raises(RuntimeError):
        entry.save()
    with pytest.raises(RuntimeError):
        entry.delete()
