"""Export (CSV/JSON, date ranges, streaming) and the audit_verify / audit_export commands."""

import csv
import datetime as dt
import io
import json
import stat

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from sanshen.audit import protection
from sanshen.audit.models import AuditEntry
from sanshen.audit.services import export, export_csv, export_json, record, verify_export

pytestmark = pytest.mark.django_db

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def dated_entries(monkeypatch):
    """Entries on 2026-03-01, 03-02 and 03-03 (Beijing time), the first just after midnight."""
    times = iter(
        [
            dt.datetime(2026, 3, 1, 0, 5, tzinfo=SHANGHAI),
            dt.datetime(2026, 3, 2, 12, 0, tzinfo=SHANGHAI),
            dt.datetime(2026, 3, 3, 23, 59, 59, 999999, tzinfo=SHANGHAI),
        ]
    )
    monkeypatch.setattr(timezone, "now", lambda: next(times))
    entries = [
        record("create", object_repr='=HYPERLINK("http://evil")', username="+cmd|' /C calc'!A0"),
        record("update", before={"标题": "旧"}, after={"标题": "新"}, object_repr="第二条"),
        record("delete", object_repr="第三条"),
    ]
    monkeypatch.undo()
    return entries


def parse_csv(chunks):
    text = "".join(chunks)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_csv_has_chinese_header_local_times_and_escapes_formulas(dated_entries):
    rows = parse_csv(export_csv())
    header, body = rows[0], rows[1:]
    assert header[:4] == ["序号", "时间", "操作人编号", "操作人账号"] and header[-1] == "哈希"
    assert len(body) == 3
    first = dict(zip(header, body[0], strict=True))
    assert first["时间"].startswith("2026-03-01 00:05:00") and first["时间"].endswith("+08:00")
    assert first["操作名称"] == "新增"
    assert first["对象"] == '\'=HYPERLINK("http://evil")'
    assert first["操作人账号"].startswith("'+cmd")
    second = dict(zip(header, body[1], strict=True))
    assert json.loads(second["变更后"]) == {"标题": "新"}


def test_date_range_is_whole_local_days(dated_entries):
    rows = parse_csv(export_csv(dt.date(2026, 3, 2), dt.date(2026, 3, 3)))
    assert [r[0] for r in rows[1:]] == ["2", "3"]
    rows = parse_csv(export_csv(dt.date(2026, 3, 1), dt.date(2026, 3, 1)))
    assert [r[0] for r in rows[1:]] == ["1"]
    rows = parse_csv(export_csv(start=dt.date(2026, 3, 4)))
    assert rows[1:] == []


def test_json_export_is_valid_and_verifiable(dated_entries):
    doc = json.loads("".join(export_json()))
    assert doc["format"] == "sanshen-audit" and len(doc["entries"]) == 3
    assert doc["entries"][1]["after"] == {"标题": "新"}
    assert doc["entries"][0]["time"] == "2026-02-28T16:05:00.000000+00:00"
    assert verify_export(doc).ok

    part = json.loads("".join(export_json(dt.date(2026, 3, 2), dt.date(2026, 3, 3))))
    assert [e["seq"] for e in part["entries"]] == [2, 3]
    assert verify_export(part).ok  # a range starts mid-chain

    part["entries"][0]["object_repr"] = "改过"
    status = verify_export(part)
    assert status.broken_id == dated_entries[1].pk


def test_json_export_streams_in_chunks(dated_entries):
    chunks = list(export_json())
    assert len(chunks) >= 5  # head, one chunk per entry, tail


def test_export_is_itself_audited(dated_entries, make_user):
    user = make_user("exporter")
    chunks = export("csv", start=dt.date(2026, 3, 1), end=dt.date(2026, 3, 2), actor=user)
    entry = AuditEntry.objects.order_by("-seq").first()
    assert entry.action == "export" and entry.actor_username == "exporter"
    assert entry.after["format"] == "csv" and entry.after["from"].startswith("2026-02-28T16:00:00")
    assert len(parse_csv(chunks)) == 1 + 2
    with pytest.raises(ValueError):
        export("xml")


# Commands -----------------------------------------------------------------------------------


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    code = 0
    try:
        call_command(*args, stdout=out, stderr=err)
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


def test_audit_verify_command_intact_and_broken(dated_entries):
    code, out, _ = run("audit_verify")
    assert code == 0 and out.strip() == "审计日志完整，共 3 条"

    protection.remove(connection)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET action = 'login' WHERE id = %s", [dated_entries[1].pk])
    code, out, err = run("audit_verify")
    assert code == 1 and out == ""
    assert f"第 {dated_entries[1].pk} 条" in err and "内容与哈希不符" in err
    assert "触发器缺失" in err


def test_audit_verify_command_without_key(dated_entries, settings, tmp_path):
    settings.SANSHEN_AUDIT_KEY_FILE = tmp_path / "gone.key"
    code, _, err = run("audit_verify")
    assert code == 2 and "无法校验" in err


def test_audit_export_command_to_file_and_verify_file(dated_entries, tmp_path):
    target = tmp_path / "audit.json"
    code, _, err = run(
        "audit_export", "--format", "json", "--from", "2026-03-01", "--to", "2026-03-03", "-o", str(target)
    )
    assert code == 0 and "已导出" in err
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert len(json.loads(target.read_text(encoding="utf-8"))["entries"]) == 3
    code, out, _ = run("audit_verify", "--file", str(target))
    assert code == 0 and "共 3 条" in out

    code, out, _ = run("audit_export", "--format", "csv")
    assert code == 0 and out.startswith("\ufeff序号,时间")
    assert len(parse_csv([out])) == 1 + 3 + 2  # header, entries, both exports' own entries


def test_audit_export_command_rejects_bad_dates():
    from django.core.management import CommandError

    with pytest.raises(CommandError):
        call_command("audit_export", "--from", "2026-03-05", "--to", "2026-03-01", stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("audit_export", "--from", "3月5日", stdout=io.StringIO())
