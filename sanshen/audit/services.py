"""Writing, verifying and exporting the audit log.

Chain
    Entry n stores `prev_hash` (entry n-1's hash, or 64 zeros for the first) and
    `hash = HMAC-SHA256(key, prev_hash + canonical JSON of its fields)`. The key is kept outside
    the database (see `keys.py`), so editing, deleting or inserting rows cannot be hidden by
    recomputing hashes. `AuditChainHead` (one row) holds the last sequence number and hash;
    removing entries from the end of the chain is caught by comparing with it. (Whoever holds
    both the key and the database can rewrite history; keep the key away from the DB server and
    copy exports or the head hash elsewhere now and then to anchor the chain.)

Concurrency
    `record()` appends inside a transaction that first locks the head row
    (`SELECT … FOR UPDATE` on PostgreSQL; on SQLite the settings open every transaction with
    `BEGIN IMMEDIATE`, which takes the single write lock). Appends are therefore serialised and
    sequence numbers are gap-free. If the caller's transaction rolls back, its entries go too:
    an entry describes a change only if the change happened.

Immutability
    Triggers (migration 0002) make the database itself refuse UPDATE and DELETE on the entry
    table, on SQLite and on PostgreSQL (there also TRUNCATE).

Retention (《网络安全法》第二十一条: logs kept at least six months)
    `RETENTION_DAYS` = 183. Sanshen does not purge the log at all: purging would need the
    application's database role to bypass the triggers, which is exactly the capability the
    triggers exist to deny it. The log is small (one row per login or change); archive old years
    with `audit_export` if wanted. A database owner who must drop old entries does so outside
    the application (disable the trigger, export, delete, re-enable) and the chain then reports
    the cut as a break at the first remaining entry, which is the honest result.

`verify_chain()` is what the `sanshen audit verify` command calls.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import hmac
import ipaddress
import json
import math
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any, NamedTuple
from uuid import UUID

from django.db import IntegrityError, transaction
from django.db.models import Model, QuerySet
from django.utils import timezone
from django.utils.duration import duration_iso_string
from django.utils.functional import Promise

from . import context as audit_ctx
from .keys import audit_key, key_id
from .models import ACTION_LABELS, Action, AuditChainHead, AuditEntry

__all__ = [
    "GENESIS",
    "RETENTION_DAYS",
    "ChainStatus",
    "client_ip",
    "export",
    "export_csv",
    "export_json",
    "record",
    "verify_chain",
    "verify_records",
]

GENESIS = "0" * 64
RETENTION_DAYS = 183
HEAD_PK = 1

_LIMITS = {"actor_username": 150, "user_agent": 512, "object_type": 100, "object_id": 64, "object_repr": 200}


# Values -------------------------------------------------------------------------------------


def _clean_str(value: str) -> str:
    # PostgreSQL text cannot hold NUL, and lone surrogates cannot be encoded for the HMAC.
    value = value.replace("\x00", "")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        value = value.encode("utf-8", "replace").decode("utf-8")
    return value


def jsonable(value: Any) -> Any:
    """`value` as plain JSON data that survives a round trip through SQLite and PostgreSQL jsonb
    unchanged (floats become strings: jsonb rewrites 1e16 as an integer)."""
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, str):
        return _clean_str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else str(value)
    if isinstance(value, Decimal | UUID | Promise):
        return _clean_str(str(value))
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = value.astimezone(dt.UTC)
        return value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return duration_iso_string(value)
    if isinstance(value, dict):
        return {_clean_str(str(k)): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted((jsonable(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    if isinstance(value, bytes | memoryview):
        return f"（{len(bytes(value))} 字节二进制数据）"
    if hasattr(value, "name") and hasattr(value, "storage"):  # FieldFile
        return _clean_str(value.name or "")
    return _clean_str(str(value))


def _norm_ip(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def _iso_utc(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def client_ip(request) -> str | None:
    """The client's address: REMOTE_ADDR, or the address the outermost trusted proxy saw when
    `settings.SANSHEN_PROXY_COUNT` proxies sit in front (never a client-supplied header)."""
    from django.conf import settings

    proxies = int(getattr(settings, "SANSHEN_PROXY_COUNT", 0) or 0)
    meta = getattr(request, "META", {})
    if proxies > 0:
        hops = [h.strip() for h in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
        if len(hops) >= proxies:
            return _norm_ip(hops[-proxies])
    return _norm_ip(meta.get("REMOTE_ADDR"))


# Hashing ------------------------------------------------------------------------------------


def payload(entry: AuditEntry) -> dict[str, Any]:
    """The fields covered by an entry's hash, in the form they are hashed."""
    return {
        "seq": entry.seq,
        "time": _iso_utc(entry.time),
        "actor_id": entry.actor_id,
        "actor_username": entry.actor_username,
        "ip": _norm_ip(entry.ip),
        "user_agent": entry.user_agent,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "object_repr": entry.object_repr,
        "unit_id": entry.unit_id,
        "before": entry.before,
        "after": entry.after,
        "key_id": entry.key_id,
    }


def canonical(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)


def compute_hash(key: bytes, prev_hash: str, data: dict[str, Any]) -> str:
    return hmac.new(key, (prev_hash + canonical(data)).encode("utf-8"), hashlib.sha256).hexdigest()


# Writing ------------------------------------------------------------------------------------


def _lock_head() -> AuditChainHead:
    head = AuditChainHead.objects.select_for_update().filter(pk=HEAD_PK).first()
    if head is not None:
        return head
    if AuditEntry.objects.exists():
        raise RuntimeError("审计链头记录缺失，而审计日志已有条目：拒绝续写，请先运行 audit_verify 查明原因。")
    try:
        with transaction.atomic():
            AuditChainHead.objects.create(pk=HEAD_PK, seq=0, hash=GENESIS)
    except IntegrityError:
        pass  # created concurrently
    return AuditChainHead.objects.select_for_update().get(pk=HEAD_PK)


def _user_of(request):
    user = getattr(request, "user", None)
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def _unit_id(unit) -> int | None:
    if unit is None:
        return None
    return unit if isinstance(unit, int) else unit.pk


def record(
    action: str,
    *,
    actor=None,
    request=None,
    obj: Model | None = None,
    unit=None,
    before: Any = None,
    after: Any = None,
    username: str = "",
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
) -> AuditEntry:
    """Append one entry and return it.

    `actor` defaults to the actor of the current `audit_context`, then to the request's user;
    `request` defaults to the current request (set by `AuditContextMiddleware`) and gives IP and
    user agent. `obj` fills the object columns and, when it has a `unit` (or is a Unit), the
    unit. `before`/`after` are any JSON-like data. `username` names the actor when there is no
    user object (a failed login, a command-line run).
    """
    if action not in ACTION_LABELS:
        raise ValueError(f"未登记的审计操作：{action!r}（用 sanshen.audit.models.register_action 登记）")
    ctx = audit_ctx.current()
    if request is None and ctx is not None:
        request = ctx.request
    # An explicit username (failed login, command line) means: no user object is acting.
    if actor is None and not username:
        actor = ctx.actor if ctx is not None and ctx.actor is not None else _user_of(request)
    if not username:
        username = actor.get_username() if actor is not None else (ctx.username if ctx else "")

    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or ("" if obj.pk is None else str(obj.pk))
        object_repr = object_repr or str(obj)
        if unit is None:
            if obj._meta.label_lower == "units.unit":
                unit = obj.pk
            elif hasattr(obj, "unit_id"):
                unit = obj.unit_id

    meta = getattr(request, "META", {}) if request is not None else {}
    fields = {
        "actor_username": username,
        "user_agent": meta.get("HTTP_USER_AGENT", ""),
        "object_type": object_type,
        "object_id": object_id,
        "object_repr": object_repr,
    }
    fields = {name: _clean_str(str(value or ""))[: _LIMITS[name]] for name, value in fields.items()}

    with transaction.atomic():
        head = _lock_head()
        key = audit_key(create=head.seq == 0)
        entry = AuditEntry(
            seq=head.seq + 1,
            time=timezone.now(),
            actor_id=actor.pk if actor is not None else None,
            ip=client_ip(request) if request is not None else None,
            action=action,
            unit_id=_unit_id(unit),
            before=jsonable(before),
            after=jsonable(after),
            key_id=key_id(key),
            prev_hash=head.hash or GENESIS,
            **fields,
        )
        entry.hash = compute_hash(key, entry.prev_hash, payload(entry))
        entry.save(force_insert=True)
        AuditChainHead.objects.filter(pk=HEAD_PK).update(seq=entry.seq, hash=entry.hash)
    return entry


# Verifying ----------------------------------------------------------------------------------


class ChainStatus(NamedTuple):
    """Result of a verification: `broken_id` is the id of the first bad entry (None if intact or
    if no single entry is to blame), `reason` says what is wrong (None if intact)."""

    broken_id: int | None
    reason: str | None
    count: int

    @property
    def ok(self) -> bool:
        return self.reason is None


def verify_records(
    records: Iterable[dict[str, Any]], *, key: bytes, first_seq: int | None = 1, first_prev: str | None = GENESIS
) -> ChainStatus:
    """Check a run of entries given as dicts (`payload` fields plus `id`, `prev_hash`, `hash`),
    in sequence order. `first_seq`/`first_prev` = None accept whatever the first entry says (an
    export of a date range starts mid-chain)."""
    kid = key_id(key)
    expected_seq, prev, count = first_seq, first_prev, 0
    for rec in records:
        seq = rec["seq"]
        if expected_seq is not None and seq != expected_seq:
            if seq > expected_seq:
                missing = f"第 {expected_seq} 条" if seq == expected_seq + 1 else f"第 {expected_seq}–{seq - 1} 条"
                reason = f"序号不连续：缺少{missing}（条目被删除）"
            else:
                reason = f"序号重复或倒退：应为 {expected_seq}，实为 {seq}"
            return ChainStatus(rec["id"], reason, count)
        if prev is not None and rec["prev_hash"] != prev:
            return ChainStatus(rec["id"], "前一条哈希不符（前一条目被删除、插入或改动）", count)
        if rec["key_id"] != kid:
            return ChainStatus(rec["id"], f"由另一密钥签名（密钥标识 {rec['key_id']}，当前密钥 {kid}）", count)
        data = {name: rec[name] for name in _PAYLOAD_FIELDS}
        if not hmac.compare_digest(compute_hash(key, rec["prev_hash"], data), rec["hash"]):
            return ChainStatus(rec["id"], "内容与哈希不符（条目被改动）", count)
        prev, expected_seq, count = rec["hash"], seq + 1, count + 1
    return ChainStatus(None, None, count)


_PAYLOAD_FIELDS = (
    "seq", "time", "actor_id", "actor_username", "ip", "user_agent", "action", "object_type",
    "object_id", "object_repr", "unit_id", "before", "after", "key_id",
)  # fmt: skip


def _as_record(entry: AuditEntry) -> dict[str, Any]:
    return {"id": entry.pk, "prev_hash": entry.prev_hash, "hash": entry.hash, **payload(entry)}


def verify_chain(*, key: bytes | None = None) -> ChainStatus:
    """Verify the whole audit chain in the database.

    Returns `ChainStatus(broken_id, reason, count)`: `broken_id`/`reason` are None when the chain
    is intact, `count` is the number of entries checked. Entries appended while it runs are
    checked too. Raises `ImproperlyConfigured` when the key is missing.
    """
    head = AuditChainHead.objects.filter(pk=HEAD_PK).values_list("seq", "hash").first()
    head_seq, head_hash = head if head is not None else (0, GENESIS)
    has_entries = AuditEntry.objects.exists()
    if not has_entries:
        if head_seq:
            return ChainStatus(None, f"审计日志为空，而链头记录到第 {head_seq} 条（条目被删除）", 0)
        return ChainStatus(None, None, 0)
    if head is None:
        return ChainStatus(None, "审计链头记录缺失", 0)
    key = key if key is not None else audit_key(create=False)

    last: dict[str, Any] = {}
    at_head: dict[str, Any] = {}

    def records() -> Iterator[dict[str, Any]]:
        for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=2000):
            rec = _as_record(entry)
            last.update(id=rec["id"], seq=rec["seq"])
            if rec["seq"] == head_seq:
                at_head.update(id=rec["id"], hash=rec["hash"])
            yield rec

    status = verify_records(records(), key=key)
    if not status.ok:
        return status
    if status.count < head_seq:
        return ChainStatus(
            last.get("id"), f"链尾缺失：链头记录到第 {head_seq} 条，实际只到第 {last.get('seq')} 条", status.count
        )
    if at_head and at_head["hash"] != head_hash:
        return ChainStatus(at_head["id"], "与链头记录的哈希不符", status.count)
    # The head is written in the same transaction as each entry, so it can never legitimately
    # lag behind an entry that was already visible.
    head_now = AuditChainHead.objects.filter(pk=HEAD_PK).values_list("seq", flat=True).first() or 0
    if last and head_now < last["seq"]:
        return ChainStatus(last["id"], f"链头记录（第 {head_now} 条）落后于最后一条，链头被改动", status.count)
    return status


def verify_export(data: dict[str, Any], *, key: bytes | None = None) -> ChainStatus:
    """Verify the entries of a JSON export (the parsed `export_json` document) as one run."""
    key = key if key is not None else audit_key(create=False)
    return verify_records(data.get("entries", []), key=key, first_seq=None, first_prev=None)


# Exporting ----------------------------------------------------------------------------------


def _bounds(start, end) -> tuple[dt.datetime | None, dt.datetime | None]:
    """Dates are whole local days (end inclusive); datetimes are used as given (end exclusive)."""

    def at(value, *, next_day: bool) -> dt.datetime | None:
        if value is None:
            return None
        if isinstance(value, dt.datetime):
            return value if timezone.is_aware(value) else timezone.make_aware(value)
        day = value + dt.timedelta(days=1) if next_day else value
        return timezone.make_aware(dt.datetime.combine(day, dt.time.min))

    return at(start, next_day=False), at(end, next_day=True)


def entries_between(start=None, end=None) -> QuerySet[AuditEntry]:
    lo, hi = _bounds(start, end)
    qs = AuditEntry.objects.order_by("seq")
    if lo is not None:
        qs = qs.filter(time__gte=lo)
    if hi is not None:
        qs = qs.filter(time__lt=hi)
    return qs


CSV_COLUMNS = (
    ("seq", "序号"), ("time", "时间"), ("actor_id", "操作人编号"), ("actor_username", "操作人账号"),
    ("ip", "IP 地址"), ("user_agent", "浏览器标识"), ("action", "操作"), ("action_label", "操作名称"),
    ("object_type", "对象类型"), ("object_id", "对象编号"), ("object_repr", "对象"), ("unit_id", "单位编号"),
    ("before", "变更前"), ("after", "变更后"), ("key_id", "密钥标识"), ("prev_hash", "前一条哈希"), ("hash", "哈希"),
)  # fmt: skip


class _Line:
    """A file-like object for csv.writer that hands back each written line."""

    def write(self, value: str) -> str:
        return value


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False, sort_keys=True)
    # Spreadsheets run cells starting with these as formulas (CSV injection).
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def export_csv(start=None, end=None) -> Iterator[str]:
    """CSV lines (UTF-8 with BOM for spreadsheet programs; times in local time)."""
    writer = csv.writer(_Line())
    yield "\ufeff" + writer.writerow([label for _, label in CSV_COLUMNS])
    for entry in entries_between(start, end).iterator(chunk_size=2000):
        row = _as_record(entry)
        row["time"] = timezone.localtime(entry.time).isoformat(sep=" ")
        row["action_label"] = entry.action_label
        yield writer.writerow([_cell(row[name]) for name, _ in CSV_COLUMNS])


def export_json(start=None, end=None) -> Iterator[str]:
    """One JSON document, streamed: entries carry every hashed field (times in UTC), so an export
    can be re-verified with `verify_export` and the key."""
    lo, hi = _bounds(start, end)
    head = {
        "format": "sanshen-audit",
        "version": 1,
        "exported_at": _iso_utc(timezone.now()),
        "from": _iso_utc(lo) if lo else None,
        "until": _iso_utc(hi) if hi else None,
    }
    yield json.dumps(head, ensure_ascii=False)[:-1] + ', "entries": ['
    sep = "\n"
    for entry in entries_between(start, end).iterator(chunk_size=2000):
        rec = _as_record(entry)
        rec["action_label"] = entry.action_label
        yield sep + json.dumps(rec, ensure_ascii=False)
        sep = ",\n"
    yield "\n]}\n"


def export(fmt: str, *, start=None, end=None, actor=None, request=None, username: str = "") -> Iterator[str]:
    """Record an `export` entry, then return the export as an iterator of text chunks."""
    producers = {"csv": export_csv, "json": export_json}
    if fmt not in producers:
        raise ValueError(f"不支持的导出格式：{fmt}")
    lo, hi = _bounds(start, end)
    record(
        Action.EXPORT,
        actor=actor,
        request=request,
        username=username,
        object_type="audit.auditentry",
        object_repr="审计日志",
        after={"format": fmt, "from": lo, "until": hi},
    )
    return producers[fmt](start, end)
