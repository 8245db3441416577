"""The platform's patrol frontier: every URL of one `PatrolRun` in the database (`PatrolUrl`), shared
by the workers of the patrol — one process in the embedded mode, or Celery workers on many machines.

`DbFrontier(run)` implements `sanshen.patrol.frontier.Frontier` (what `sanshen.patrol.crawl.Patrol`
uses): ``add``, ``claim``, ``complete``, ``extend``, ``release``, counts, ``found_on``, ``record(s)``,
``previous``, ``get_meta``/``set_meta`` and ``baselines``.

- **Claiming** is one transaction: on PostgreSQL ``SELECT … FOR UPDATE SKIP LOCKED`` (workers never
  wait for each other and never get the same row), on SQLite the transaction is ``BEGIN IMMEDIATE``
  (the settings' ``transaction_mode``), so the select-then-update holds the write lock. Expired
  leases (a worker that died) are handed out first, then pending URLs, shallowest first.
- **Completing** is ``UPDATE … SET state = done WHERE id = ? AND state = claimed AND lease_token = ?``:
  exactly one completion per URL; a worker whose lease ran out and was re-claimed elsewhere writes
  nothing (``complete`` returns False). The links it found are added in the same transaction.
- **Adding**, completing and the lease heartbeat take a row lock on the `PatrolRun` first on
  PostgreSQL (one writer of several URL rows at a time per patrol: the page limit and ``found_on``
  lists are exact, and no two transactions lock URL rows in opposite orders — no deadlocks); on
  SQLite the write lock does the same. A transaction the database still gives up on is run again.
- **The previous patrol** (incremental patrols: ETag/Last-Modified/content hash, links, problems) is
  the site's last finished run whose URLs are still stored (``run.meta["previous_run"]``, chosen once
  by `prepare`); tampering **baselines** are per site (`PatrolBaseline`), kept from patrol to patrol.

The crawler calls the frontier from its event loop; Django's ORM refuses to run there, so every
database call runs on one thread of the frontier's own (its own connection), and the loop waits for
it as it waits for SQLite in `SqliteFrontier`. Call ``close()`` at the end.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor

from django.db import OperationalError, connection, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from sanshen.patrol.frontier import CHECK, CRAWL, MAX_FOUND_ON, Entry, Previous, Task

from .models import PatrolBaseline, PatrolRun, PatrolUrl, RunState, UrlState

PENDING, CLAIMED, DONE = UrlState.PENDING, UrlState.CLAIMED, UrlState.DONE
BATCH = 500

__all__ = ["DbBaselines", "DbFrontier", "prepare", "prune", "url_hash"]


def url_hash(url: str) -> str:
    return hashlib.sha1(url.encode("utf-8", "surrogatepass")).hexdigest()


def _text(value: str, limit: int | None = None) -> str:
    value = (value or "").replace("\x00", "")
    return value[:limit] if limit else value


def _json(value):
    """JSON-able (dates as text) and without NUL characters (PostgreSQL's jsonb refuses them)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    return json.loads(text.replace("\\u0000", ""))


def _retrying(work: Callable, attempts: int = 5):
    """Run a transaction again when the database gave up on it (a deadlock victim, SQLite busy)."""
    for attempt in range(attempts):
        try:
            return work()
        except OperationalError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.05 * 2 ** attempt)
    return None


def prepare(run: PatrolRun, *, home: str, as_of: str) -> dict:
    """Set a new run's shared facts once, before any worker starts: the previous run whose URLs
    serve the incremental patrol, the home page and the patrol day (every worker judges by the same)."""
    previous = (
        PatrolRun.objects.filter(site_id=run.site_id, state=RunState.DONE)
        .exclude(pk=run.pk)
        .filter(Exists(PatrolUrl.objects.filter(run_id=OuterRef("pk"))))
        .order_by("-created_at", "-id")
        .values_list("pk", flat=True)
        .first()
    )
    with transaction.atomic():
        locked = PatrolRun.objects.select_for_update().get(pk=run.pk)
        meta = dict(locked.meta or {})
        meta.setdefault("previous_run", previous)
        meta.setdefault("home", home)
        meta.setdefault("as_of", as_of)
        PatrolRun.objects.filter(pk=run.pk).update(meta=meta)
    run.meta = meta
    return meta


def prune(site_id: int, keep: int = 2) -> int:
    """Drop the stored URLs of all but the site's newest ``keep`` runs that have some (the newest serves
    the next incremental patrol). Returns the rows deleted."""
    with_urls = (
        PatrolRun.objects.filter(site_id=site_id)
        .filter(Exists(PatrolUrl.objects.filter(run_id=OuterRef("pk"))))
        .exclude(state__in=(RunState.QUEUED, RunState.RUNNING, RunState.FINISHING))
        .order_by("-created_at", "-id")
        .values_list("pk", flat=True)
    )
    old = list(with_urls[keep:])
    if not old:
        return 0
    deleted, _ = PatrolUrl.objects.filter(run_id__in=old).delete()
    return deleted


def keep_renewing(renew: Callable[[], object], lease_seconds: float, *, name: str) -> Callable[[], None]:
    """Call ``renew`` every quarter of ``lease_seconds`` from a thread of its own (with its own database
    connection, closed at the end) until the returned function is called; a failing renewal (a
    locked database now and then) is retried at the next beat. A lease held this way lives as long
    as the process, whatever its event loop or finishing work is doing."""
    stop = threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(max(0.2, lease_seconds / 4)):
                try:
                    renew()
                except Exception:
                    continue
        finally:
            connection.close()

    thread = threading.Thread(target=beat, name=name, daemon=True)
    thread.start()

    def release() -> None:
        stop.set()
        thread.join(timeout=30)

    return release


class DbFrontier:
    """One patrol's frontier in the database. Each worker (process) opens its own instance."""

    def __init__(self, run: PatrolRun | int):
        self.run_id = run.pk if isinstance(run, PatrolRun) else int(run)
        self._db_thread: int | None = None
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"frontier-{self.run_id}",
                                        initializer=self._mark_thread)
        row = self._call(lambda: PatrolRun.objects.filter(pk=self.run_id).values_list("site_id", "meta").get())
        self.site_id = row[0]
        self.previous_run_id = (row[1] or {}).get("previous_run")
        self._closed = False

    # ---- plumbing ----------------------------------------------------------------------------

    def _mark_thread(self) -> None:
        self._db_thread = threading.get_ident()

    def _call(self, fn: Callable, *args, **kwargs):
        """Run ``fn`` on the frontier's database thread and wait for it (at once when already there)."""
        if threading.get_ident() == self._db_thread:
            return fn(*args, **kwargs)
        return self._pool.submit(fn, *args, **kwargs).result()

    def call(self, fn: Callable, *args, **kwargs):
        """Run any ORM code on the frontier's database thread (from the crawler's event loop)."""
        return self._call(fn, *args, **kwargs)

    def heartbeat(self, worker_id: str, lease_seconds: float) -> None:
        """Renew every lease of ``worker_id`` every quarter of ``lease_seconds`` from a thread of its own
        (its own connection) until ``close()``: a worker whose event loop is busy with a long page keeps
        its claims while the process lives; a dead process's claims expire and go to the others."""
        owner = worker_id[:200]

        def renew() -> None:
            with transaction.atomic():
                self._lock_run()
                self._urls().filter(state=CLAIMED, lease_owner=owner).update(lease_until=time.time() + lease_seconds)

        self._stop_beat = keep_renewing(renew, lease_seconds, name=f"frontier-{self.run_id}-heartbeat")

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if getattr(self, "_stop_beat", None) is not None:
            self._stop_beat()
        try:
            self._call(lambda: connection.close())  # the database thread's own connection
        finally:
            self._pool.shutdown(wait=True)

    def __enter__(self) -> DbFrontier:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _urls(self):
        return PatrolUrl.objects.filter(run_id=self.run_id)

    # ---- patrol-wide facts ---------------------------------------------------------------------

    def get_meta(self, key: str, default=None):
        meta = self._call(lambda: PatrolRun.objects.filter(pk=self.run_id).values_list("meta", flat=True).first())
        return (meta or {}).get(key, default)

    def set_meta(self, key: str, value) -> None:
        def work():
            with transaction.atomic():
                meta = PatrolRun.objects.select_for_update().filter(pk=self.run_id).values_list("meta", flat=True)
                current = dict(meta.first() or {})
                if current.get(key) != value:
                    current[key] = _json(value)
                    PatrolRun.objects.filter(pk=self.run_id).update(meta=current)

        self._call(work)

    # ---- adding --------------------------------------------------------------------------------

    def add(self, entries: Iterable[Entry], *, crawl_limit: int | None = None) -> int:
        entries = list(entries)

        def work() -> int:
            new = 0
            for i in range(0, len(entries), BATCH):
                with transaction.atomic():
                    new += self._add_in(entries[i:i + BATCH], crawl_limit)
            return new

        return self._call(_retrying, work) if entries else 0

    def _lock_run(self) -> None:
        if connection.features.has_select_for_update:
            list(PatrolRun.objects.select_for_update().filter(pk=self.run_id).values_list("pk", flat=True))

    def _add_in(self, batch: list[Entry], crawl_limit: int | None) -> int:
        """Inside a transaction on the database thread."""
        if not batch:
            return 0
        self._lock_run()
        merged: dict[str, tuple[Entry, list[str]]] = {}
        for e in batch:
            url = _text(e.url)
            known = merged.get(url)
            if known is None:
                merged[url] = known = (e, [])
            elif e.depth < known[0].depth:
                merged[url] = known = (e, known[1])
            if e.found_on and e.found_on not in known[1]:
                known[1].append(_text(e.found_on))
        hashes = {url_hash(url): url for url in merged}
        existing = {
            row["url_hash"]: row
            for row in self._urls().filter(url_hash__in=list(hashes)).values(
                "id", "url_hash", "kind", "state", "depth", "found_on")
        }
        # The number of crawl URLs is kept in the run's meta, under the same lock (not COUNT(*) per page).
        meta = PatrolRun.objects.filter(pk=self.run_id).values_list("meta", flat=True).first() or {}
        counted = meta.get("crawl_count")
        crawl_count = counted if counted is not None else self._urls().filter(kind=CRAWL).count()
        limit = crawl_limit if crawl_limit is not None else float("inf")
        before = crawl_count
        rows: list[PatrolUrl] = []
        for digest, url in hashes.items():
            e, pages = merged[url]
            row = existing.get(digest)
            if row is None:
                kind = e.kind
                if kind == CRAWL:
                    if crawl_count >= limit:
                        kind = CHECK
                    else:
                        crawl_count += 1
                rows.append(PatrolUrl(
                    run_id=self.run_id, url=url, url_hash=digest, depth=e.depth, kind=kind,
                    link_kind=_text(e.link_kind, 12), text=_text(e.text, 500), hidden=_text(e.hidden, 100),
                    found_on=pages[:MAX_FOUND_ON],
                ))
                continue
            changes: dict = {}
            # Found again closer to home, still waiting: the shorter route (and crawled if allowed).
            if row["state"] == PENDING and e.depth < row["depth"]:
                upgrade = e.kind == CRAWL and row["kind"] == CHECK and crawl_count < limit
                if upgrade:
                    crawl_count += 1
                changes["depth"] = e.depth
                if upgrade:
                    changes["kind"] = CRAWL
            found_on = list(row["found_on"] or [])
            extra = [p for p in pages if p not in found_on][:max(0, MAX_FOUND_ON - len(found_on))]
            if extra:
                changes["found_on"] = found_on + extra
            if changes:
                query = PatrolUrl.objects.filter(pk=row["id"])
                if "depth" in changes:
                    # Only while still waiting: a claimed task keeps the depth and kind it was given.
                    moved = query.filter(state=PENDING).update(**changes)
                    if not moved and "found_on" in changes:
                        query.update(found_on=changes["found_on"])
                else:
                    query.update(**changes)
        if rows:
            PatrolUrl.objects.bulk_create(rows, ignore_conflicts=True)
        if counted is None or crawl_count != before:
            PatrolRun.objects.filter(pk=self.run_id).update(meta={**meta, "crawl_count": crawl_count})
        return len(rows)

    # ---- leases --------------------------------------------------------------------------------

    def claim(self, worker_id: str, n: int, lease_seconds: float, *, kind: str | None = None) -> list[Task]:
        """Up to ``n`` tasks: expired leases (dead workers) first, then pending ones, shallowest first."""
        if n <= 0:
            return []

        def work() -> list[Task]:
            now = time.time()
            token = uuid.uuid4().hex
            with transaction.atomic():
                base = self._urls()
                if kind:
                    base = base.filter(kind=kind)

                def locked(qs):
                    if connection.features.has_select_for_update_skip_locked:
                        return qs.select_for_update(skip_locked=True)
                    return qs  # SQLite: BEGIN IMMEDIATE already holds the write lock

                ids = list(locked(base.filter(state=CLAIMED, lease_until__lt=now))
                           .order_by("lease_until").values_list("id", flat=True)[:n])
                if len(ids) < n:
                    ids += list(locked(base.filter(state=PENDING)).order_by("depth", "id")
                                .values_list("id", flat=True)[:n - len(ids)])
                if not ids:
                    return []
                PatrolUrl.objects.filter(id__in=ids).update(
                    state=CLAIMED, lease_owner=worker_id[:200], lease_token=token, lease_until=now + lease_seconds,
                    attempts=F("attempts") + 1,
                )
                rows = (PatrolUrl.objects.filter(id__in=ids).order_by("depth", "id")
                        .values_list("id", "url", "depth", "kind", "link_kind", "text", "hidden", "attempts"))
                return [Task(r[0], r[1], r[2], r[3], r[4], r[5], r[6], token, r[7], worker_id) for r in rows]

        return self._call(work)

    def extend(self, task: Task, lease_seconds: float) -> bool:
        """Renew a lease still held; False when it was lost."""
        return self._call(lambda: PatrolUrl.objects.filter(
            pk=task.id, state=CLAIMED, lease_token=task.token).update(lease_until=time.time() + lease_seconds) == 1)

    def release(self, worker_id: str | None = None) -> int:
        """Claimed tasks (of one worker, or all) become pending again."""
        def work() -> int:
            qs = self._urls().filter(state=CLAIMED)
            if worker_id is not None:
                qs = qs.filter(lease_owner=worker_id[:200])
            return qs.update(state=PENDING, lease_owner="", lease_token="", lease_until=None)

        return self._call(work)

    def complete(self, task: Task, record: dict, *, add: Iterable[Entry] = (), crawl_limit: int | None = None) -> bool:
        """Mark the task done with its record, exactly once: only while its lease token is the task's."""
        data = _json(record)
        data["worker"] = task.worker  # who completed it (diagnostics; the lease owner at completion)
        entries = list(add)

        def work() -> bool:
            with transaction.atomic():
                self._lock_run()  # first, as every writer of several URL rows does: no lock-order deadlock
                done = PatrolUrl.objects.filter(pk=task.id, state=CLAIMED, lease_token=task.token).update(
                    state=DONE, record=data, lease_until=None)
                if done != 1:
                    return False
                for i in range(0, len(entries), BATCH):
                    self._add_in(entries[i:i + BATCH], crawl_limit)
            return True

        return self._call(_retrying, work)

    # ---- counts and reads ----------------------------------------------------------------------

    def pending_count(self) -> int:
        """Tasks not done yet (waiting or claimed)."""
        return self._call(lambda: self._urls().exclude(state=DONE).count())

    def claimable_count(self) -> int:
        return self._call(lambda: self._urls().filter(
            Q(state=PENDING) | Q(state=CLAIMED, lease_until__lt=time.time())).count())

    def done_count(self, kind: str | None = None) -> int:
        def work() -> int:
            qs = self._urls().filter(state=DONE)
            return (qs.filter(kind=kind) if kind else qs).count()

        return self._call(work)

    def count(self, kind: str | None = None) -> int:
        return self._call(lambda: (self._urls().filter(kind=kind) if kind else self._urls()).count())

    def counts(self) -> dict[str, int]:
        """{"done_crawl", "crawl", "pending"} in one round trip (progress)."""
        def work() -> dict[str, int]:
            qs = self._urls()
            return {
                "done_crawl": qs.filter(kind=CRAWL, state=DONE).count(),
                "crawl": qs.filter(kind=CRAWL).count(),
                "pending": qs.exclude(state=DONE).count(),
            }

        return self._call(work)

    def _row(self, url: str, *fields):
        return self._call(lambda: self._urls().filter(url_hash=url_hash(url)).values_list(*fields).first())

    def found_on(self, url: str) -> list[str]:
        row = self._row(url, "found_on")
        return list(row[0] or []) if row else []

    def known(self, url: str) -> bool:
        return self._row(url, "id") is not None

    def state(self, url: str) -> int | None:
        row = self._row(url, "state")
        return row[0] if row else None

    def record(self, url: str) -> dict | None:
        row = self._row(url, "record")
        return row[0] if row and row[0] is not None else None

    def records(self) -> Iterable[tuple[str, str, dict]]:
        """``(url, kind, record)`` of every completed task, in id order (read in batches)."""
        last = 0
        while True:
            rows = self._call(lambda last=last: list(
                self._urls().filter(state=DONE, id__gt=last).order_by("id")
                .values_list("id", "url", "kind", "record")[:BATCH]))
            if not rows:
                return
            for _id, url, kind, rec in rows:
                yield url, kind, rec or {}
            last = rows[-1][0]

    def completions(self) -> list[tuple[str, int]]:
        """(url, state) of every URL (tests and diagnostics)."""
        return self._call(lambda: list(self._urls().order_by("id").values_list("url", "state")))

    # ---- the previous patrol (incremental) -----------------------------------------------------

    def previous(self, url: str) -> Previous | None:
        if not self.previous_run_id:
            return None
        row = self._call(lambda: PatrolUrl.objects.filter(
            run_id=self.previous_run_id, url_hash=url_hash(url), state=DONE, kind=CRAWL,
        ).values_list("record", flat=True).first())
        rec = row or {}
        if not rec.get("hash") and not rec.get("etag") and not rec.get("last_modified"):
            return None
        return Previous(rec.get("etag"), rec.get("last_modified"), rec.get("hash"), rec.get("links"),
                        list(rec.get("problems") or []))

    # ---- baselines (tampering) -----------------------------------------------------------------

    def baselines(self) -> DbBaselines:
        return DbBaselines(self)


class DbBaselines:
    """`checks.base.Baselines` of the run's site, in the database (`PatrolBaseline`)."""

    def __init__(self, frontier: DbFrontier):
        self._f = frontier

    def get(self, url: str) -> dict | None:
        return self._f.call(lambda: PatrolBaseline.objects.filter(
            site_id=self._f.site_id, url_hash=url_hash(url)).values_list("fingerprint", flat=True).first())

    def put(self, url: str, fingerprint: dict) -> None:
        row = PatrolBaseline(site_id=self._f.site_id, url=_text(url), url_hash=url_hash(url),
                             fingerprint=_json(fingerprint), updated_at=timezone.now())
        self._f.call(lambda: PatrolBaseline.objects.bulk_create(
            [row], update_conflicts=True, unique_fields=["site", "url_hash"],
            update_fields=["url", "fingerprint", "updated_at"]))
