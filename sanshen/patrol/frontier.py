"""The patrol's frontier: every URL of one patrol, its state, its lease and what was found.

`Frontier` is the interface; workers (coroutines in one process, or Celery workers later) share
it by *leases*: `claim` hands out pending tasks for a limited time, `complete` records a result
exactly once — a late completion from a worker whose lease ran out and whose task was re-done
elsewhere is refused (checked and written in one transaction). A crash loses nothing: a claimed
task whose lease expires is handed out again.

`SqliteFrontier` keeps one patrol in one SQLite file (WAL): URLs (unique index; no Python-side
set, so a million URLs cost disk, not RAM), the pages each URL was found on, leases, results,
the per-URL validators of the previous patrol (ETag, Last-Modified, content hash, links and
problems, for incremental patrols) and the tampering baselines.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
import uuid
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

PENDING, CLAIMED, DONE = 0, 1, 2
CRAWL, CHECK = "crawl", "check"
MAX_FOUND_ON = 50  # pages kept per URL (a footer link is on every page)
BATCH = 5000


@dataclass(slots=True)
class Entry:
    """A URL to add: ``kind`` "crawl" (an internal HTML page: fetch, parse, check, follow links) or
    "check" (fetch and check only: attachments, images, external links, pages beyond the limits)."""

    url: str
    depth: int = 0
    kind: str = CRAWL
    found_on: str | None = None  # the page that links here
    link_kind: str = "page"  # model.LinkKind value of the first link seen
    text: str = ""  # anchor text of the first link seen
    hidden: str = ""


@dataclass(slots=True)
class Task:
    id: int
    url: str
    depth: int
    kind: str
    link_kind: str
    text: str
    hidden: str
    token: str  # this claim's lease token
    attempts: int  # how many times it has been claimed (1 on the first claim)
    worker: str = ""


@dataclass(slots=True)
class Previous:
    """What the previous patrol learned about a URL."""

    etag: str | None = None
    last_modified: str | None = None
    content_hash: str | None = None
    links: list | None = None
    problems: list = field(default_factory=list)


class Frontier(Protocol):
    def add(self, entries: Iterable[Entry], *, crawl_limit: int | None = None) -> int:
        """Store new URLs (each once) and merge ``found_on``; returns how many were new.

        Crawl entries beyond ``crawl_limit`` crawl URLs in the patrol are stored as "check".
        """
        ...

    def claim(self, worker_id: str, n: int, lease_seconds: float) -> list[Task]: ...

    def complete(self, task: Task, record: dict, *, add: Iterable[Entry] = ()) -> bool:
        """Record the result once; False (and nothing written) when the lease was lost to another worker."""
        ...

    def pending_count(self) -> int: ...

    def done_count(self) -> int: ...

    def found_on(self, url: str) -> list[str]: ...

    def previous(self, url: str) -> Previous | None: ...

    def extend(self, task: Task, lease_seconds: float) -> bool:
        """Renew a lease still held; False when it was lost."""
        ...

    def release(self, worker_id: str | None = None) -> int: ...

    def record(self, url: str) -> dict | None: ...

    def records(self) -> Iterable[tuple[str, str, dict]]:
        """``(url, kind, record)`` of every completed task."""
        ...

    def get_meta(self, key: str, default=None): ...

    def set_meta(self, key: str, value) -> None: ...

    def baselines(self):
        """The tampering baselines (`checks.base.Baselines`)."""
        ...


_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS urls (
    id INTEGER PRIMARY KEY,
    url TEXT NOT NULL UNIQUE,
    depth INTEGER NOT NULL,
    kind TEXT NOT NULL,
    state INTEGER NOT NULL DEFAULT 0,
    worker TEXT,
    token TEXT,
    lease_until REAL,
    attempts INTEGER NOT NULL DEFAULT 0,
    link_kind TEXT NOT NULL DEFAULT 'page',
    text TEXT NOT NULL DEFAULT '',
    hidden TEXT NOT NULL DEFAULT '',
    found_count INTEGER NOT NULL DEFAULT 0,
    record TEXT
);
CREATE INDEX IF NOT EXISTS urls_pending ON urls (state, depth, id);
CREATE INDEX IF NOT EXISTS urls_lease ON urls (state, lease_until);
CREATE TABLE IF NOT EXISTS found_on (url_id INTEGER NOT NULL, page TEXT NOT NULL, PRIMARY KEY (url_id, page))
    WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS previous (
    url TEXT PRIMARY KEY, etag TEXT, last_modified TEXT, content_hash TEXT, links BLOB, problems TEXT
);
CREATE TABLE IF NOT EXISTS baselines (url TEXT PRIMARY KEY, fingerprint TEXT NOT NULL);
"""


def _pack(value) -> bytes:
    return zlib.compress(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def _unpack(blob):
    return json.loads(zlib.decompress(blob).decode("utf-8")) if blob else None


class SqliteFrontier:
    """One patrol in one SQLite file. Each thread or process opens its own instance on the file."""

    def __init__(self, path: str | os.PathLike, *, previous: str | os.PathLike | None = None):
        self.path = str(path)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, timeout=60, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA busy_timeout=60000")
        self._db.executescript(_SCHEMA)
        if previous is not None:
            self.import_previous(previous)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> SqliteFrontier:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _tx(self):
        return _Transaction(self)

    # ---- patrol-wide facts ---------------------------------------------------------------

    def get_meta(self, key: str, default=None):
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else default

    def set_meta(self, key: str, value) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, json.dumps(value, ensure_ascii=False)),
            )

    # ---- adding ------------------------------------------------------------------------------

    def add(self, entries: Iterable[Entry], *, crawl_limit: int | None = None) -> int:
        new = 0
        batch: list[Entry] = []
        for entry in entries:
            batch.append(entry)
            if len(batch) >= BATCH:
                new += self._add_batch(batch, crawl_limit)
                batch = []
        if batch:
            new += self._add_batch(batch, crawl_limit)
        return new

    def _add_batch(self, batch: list[Entry], crawl_limit: int | None) -> int:
        with self._tx() as db:
            return self._add_in(db, batch, crawl_limit)

    def _add_in(self, db: sqlite3.Connection, batch: Iterable[Entry], crawl_limit: int | None) -> int:
        batch = list(batch)
        if not batch:
            return 0
        new = 0
        # The number of crawl URLs is kept in meta ("crawl_count", same transaction): counting the
        # urls table on every completed page made a patrol quadratic in its size.
        stored = db.execute("SELECT value FROM meta WHERE key = 'crawl_count'").fetchone()
        crawl_count = json.loads(stored[0]) if stored else db.execute(
            "SELECT COUNT(*) FROM urls WHERE kind = 'crawl'").fetchone()[0]
        counted = crawl_count
        # The URLs already known, in one query per 500 (a page's links are mostly known already).
        known: dict[str, list] = {}
        urls = list(dict.fromkeys(e.url for e in batch))
        for i in range(0, len(urls), 500):
            chunk = urls[i:i + 500]
            marks = ",".join("?" * len(chunk))
            for url, *row in db.execute(
                f"SELECT url, id, kind, state, depth, found_count FROM urls WHERE url IN ({marks})", chunk
            ):
                known[url] = row
        for e in batch:
            row = known.get(e.url)
            if row is None:
                kind = e.kind
                if kind == CRAWL:
                    if crawl_limit is not None and crawl_count >= crawl_limit:
                        kind = CHECK
                    else:
                        crawl_count += 1
                cur = db.execute(
                    "INSERT INTO urls (url, depth, kind, link_kind, text, hidden) VALUES (?, ?, ?, ?, ?, ?)",
                    (e.url, e.depth, kind, e.link_kind, e.text[:500], e.hidden),
                )
                row = known[e.url] = [cur.lastrowid, kind, PENDING, e.depth, 0]
                new += 1
            else:
                url_id, kind, state, depth, _found = row
                # Found again closer to home, still waiting: take the shorter route (and crawl it if allowed).
                if state == PENDING and e.depth < depth:
                    upgrade = e.kind == CRAWL and kind == CHECK and (
                        crawl_limit is None or crawl_count < crawl_limit
                    )
                    if upgrade:
                        crawl_count += 1
                    row[1], row[3] = (CRAWL if upgrade else kind), e.depth
                    db.execute("UPDATE urls SET depth = ?, kind = ? WHERE id = ?", (e.depth, row[1], url_id))
            if e.found_on and row[4] < MAX_FOUND_ON:
                cur = db.execute("INSERT OR IGNORE INTO found_on (url_id, page) VALUES (?, ?)", (row[0], e.found_on))
                if cur.rowcount:
                    db.execute("UPDATE urls SET found_count = found_count + 1 WHERE id = ?", (row[0],))
                    row[4] += 1
        if stored is None or crawl_count != counted:
            db.execute(
                "INSERT INTO meta (key, value) VALUES ('crawl_count', ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (json.dumps(crawl_count),),
            )
        return new

    # ---- leases -------------------------------------------------------------------------------

    def claim(self, worker_id: str, n: int, lease_seconds: float, *, kind: str | None = None) -> list[Task]:
        """Up to ``n`` tasks, shallowest first; expired leases of other workers come back first."""
        now = time.time()
        token = uuid.uuid4().hex
        kind_sql = " AND kind = ?" if kind else ""
        kind_args = (kind,) if kind else ()
        with self._tx() as db:
            rows = db.execute(
                "SELECT id FROM urls WHERE state = 1 AND lease_until < ?" + kind_sql + " ORDER BY lease_until LIMIT ?",
                (now, *kind_args, n),
            ).fetchall()
            if len(rows) < n:
                rows += db.execute(
                    "SELECT id FROM urls WHERE state = 0" + kind_sql + " ORDER BY depth, id LIMIT ?",
                    (*kind_args, n - len(rows)),
                ).fetchall()
            tasks = []
            for (url_id,) in rows:
                db.execute(
                    "UPDATE urls SET state = 1, worker = ?, token = ?, lease_until = ?, attempts = attempts + 1 "
                    "WHERE id = ?",
                    (worker_id, token, now + lease_seconds, url_id),
                )
                r = db.execute(
                    "SELECT url, depth, kind, link_kind, text, hidden, attempts FROM urls WHERE id = ?", (url_id,)
                ).fetchone()
                tasks.append(Task(url_id, r[0], r[1], r[2], r[3], r[4], r[5], token, r[6], worker_id))
        return tasks

    def extend(self, task: Task, lease_seconds: float) -> bool:
        """Renew a lease still held; False when it was lost."""
        with self._tx() as db:
            cur = db.execute(
                "UPDATE urls SET lease_until = ? WHERE id = ? AND state = 1 AND token = ?",
                (time.time() + lease_seconds, task.id, task.token),
            )
            return cur.rowcount == 1

    def release(self, worker_id: str | None = None) -> int:
        """Claimed tasks (of one worker, or all) become pending again: used when a worker restarts."""
        with self._tx() as db:
            if worker_id is None:
                cur = db.execute("UPDATE urls SET state = 0, worker = NULL, token = NULL WHERE state = 1")
            else:
                cur = db.execute(
                    "UPDATE urls SET state = 0, worker = NULL, token = NULL WHERE state = 1 AND worker = ?",
                    (worker_id,),
                )
            return cur.rowcount

    def complete(self, task: Task, record: dict, *, add: Iterable[Entry] = (), crawl_limit: int | None = None) -> bool:
        """Mark the task done with its record, once. The lease token must still be the task's."""
        data = json.dumps(record, ensure_ascii=False, separators=(",", ":"), default=str)
        with self._tx() as db:
            cur = db.execute(
                "UPDATE urls SET state = 2, record = ?, lease_until = NULL WHERE id = ? AND state = 1 AND token = ?",
                (data, task.id, task.token),
            )
            if cur.rowcount != 1:
                return False
            self._add_in(db, add, crawl_limit)
        return True

    # ---- counts and reads ------------------------------------------------------------------

    def pending_count(self) -> int:
        """Tasks not done yet (waiting or claimed)."""
        return self._db.execute("SELECT COUNT(*) FROM urls WHERE state != 2").fetchone()[0]

    def claimable_count(self) -> int:
        return self._db.execute(
            "SELECT COUNT(*) FROM urls WHERE state = 0 OR (state = 1 AND lease_until < ?)", (time.time(),)
        ).fetchone()[0]

    def done_count(self, kind: str | None = None) -> int:
        if kind:
            return self._db.execute("SELECT COUNT(*) FROM urls WHERE state = 2 AND kind = ?", (kind,)).fetchone()[0]
        return self._db.execute("SELECT COUNT(*) FROM urls WHERE state = 2").fetchone()[0]

    def count(self, kind: str | None = None) -> int:
        if kind:
            return self._db.execute("SELECT COUNT(*) FROM urls WHERE kind = ?", (kind,)).fetchone()[0]
        return self._db.execute("SELECT COUNT(*) FROM urls").fetchone()[0]

    def found_on(self, url: str) -> list[str]:
        rows = self._db.execute(
            "SELECT f.page FROM found_on f JOIN urls u ON u.id = f.url_id WHERE u.url = ?", (url,)
        ).fetchall()
        return [r[0] for r in rows]

    def known(self, url: str) -> bool:
        return self._db.execute("SELECT 1 FROM urls WHERE url = ?", (url,)).fetchone() is not None

    def state(self, url: str) -> int | None:
        row = self._db.execute("SELECT state FROM urls WHERE url = ?", (url,)).fetchone()
        return row[0] if row else None

    def record(self, url: str) -> dict | None:
        row = self._db.execute("SELECT record FROM urls WHERE url = ?", (url,)).fetchone()
        return json.loads(row[0]) if row and row[0] else None

    def records(self) -> Iterable[tuple[str, str, dict]]:
        """``(url, kind, record)`` of every completed task, in id order (streamed)."""
        cur = self._db.cursor()
        cur.execute("SELECT url, kind, record FROM urls WHERE state = 2 ORDER BY id")
        for url, kind, data in cur:
            yield url, kind, json.loads(data) if data else {}

    # ---- the previous patrol (incremental) -------------------------------------------------

    def previous(self, url: str) -> Previous | None:
        row = self._db.execute(
            "SELECT etag, last_modified, content_hash, links, problems FROM previous WHERE url = ?", (url,)
        ).fetchone()
        if row is None:
            return None
        return Previous(row[0], row[1], row[2], _unpack(row[3]), json.loads(row[4]) if row[4] else [])

    def next_patrol(self) -> None:
        """Start a new patrol in this file: what this one learned becomes the previous patrol's.

        Validators, links and problems of completed crawl tasks move to ``previous``; URLs, leases
        and found_on are cleared. Baselines and meta stay.
        """
        with self._tx() as db:
            cur = db.execute("SELECT url, record FROM urls WHERE state = 2 AND kind = 'crawl'")
            rows = []
            for url, data in cur.fetchall():
                rec = json.loads(data) if data else {}
                if not rec.get("hash") and not rec.get("etag") and not rec.get("last_modified"):
                    continue
                rows.append((
                    url, rec.get("etag"), rec.get("last_modified"), rec.get("hash"),
                    _pack(rec["links"]) if rec.get("links") is not None else None,
                    json.dumps(rec.get("problems", []), ensure_ascii=False),
                ))
            db.executemany("INSERT OR REPLACE INTO previous VALUES (?, ?, ?, ?, ?, ?)", rows)
            db.execute("DELETE FROM found_on")
            db.execute("DELETE FROM urls")
            db.execute("DELETE FROM meta WHERE key NOT IN ('site')")

    def import_previous(self, path: str | os.PathLike) -> None:
        """Carry validators and baselines over from another patrol's file (finished)."""
        other = SqliteFrontier(path)
        try:
            with self._tx() as db:
                cur = other._db.execute("SELECT url, record FROM urls WHERE state = 2 AND kind = 'crawl'")
                for url, data in cur:
                    rec = json.loads(data) if data else {}
                    db.execute(
                        "INSERT OR REPLACE INTO previous VALUES (?, ?, ?, ?, ?, ?)",
                        (url, rec.get("etag"), rec.get("last_modified"), rec.get("hash"),
                         _pack(rec["links"]) if rec.get("links") is not None else None,
                         json.dumps(rec.get("problems", []), ensure_ascii=False)),
                    )
                for url, fp in other._db.execute("SELECT url, fingerprint FROM baselines"):
                    db.execute("INSERT OR REPLACE INTO baselines VALUES (?, ?)", (url, fp))
        finally:
            other.close()

    # ---- baselines (tampering) -------------------------------------------------------------

    def baselines(self) -> SqliteBaselines:
        return SqliteBaselines(self)


class SqliteBaselines:
    """`checks.base.Baselines` kept in the frontier file; they outlive `next_patrol`."""

    def __init__(self, frontier: SqliteFrontier):
        self._f = frontier

    def get(self, url: str) -> dict | None:
        row = self._f._db.execute("SELECT fingerprint FROM baselines WHERE url = ?", (url,)).fetchone()
        return json.loads(row[0]) if row else None

    def put(self, url: str, fingerprint: dict) -> None:
        with self._f._tx() as db:
            db.execute(
                "INSERT OR REPLACE INTO baselines VALUES (?, ?)", (url, json.dumps(fingerprint, ensure_ascii=False))
            )


class _Transaction:
    """``BEGIN IMMEDIATE`` … ``COMMIT``: the write lock is taken up front, so check-then-write is atomic."""

    def __init__(self, frontier: SqliteFrontier):
        self._f = frontier

    def __enter__(self) -> sqlite3.Connection:
        self._f._lock.acquire()
        try:
            self._f._db.execute("BEGIN IMMEDIATE")
        except BaseException:
            self._f._lock.release()
            raise
        return self._f._db

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if exc_type is None:
                self._f._db.execute("COMMIT")
            else:
                self._f._db.execute("ROLLBACK")
        finally:
            self._f._lock.release()
