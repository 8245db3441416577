"""One patrol of one site: crawl the internal pages, check every link, run the site checks.

Scope: internal HTML pages (the site's hosts and their subdomains) are *crawled* — fetched,
parsed, handed to every check's ``on_page`` and their links followed — within ``max_depth`` and
``max_pages``. Everything else a crawled page links to (attachments, images, scripts,
stylesheets, frames and pages beyond the limits, and every external link) is *checked*: fetched
once with a small size cap and handed to ``on_resource``. Pages that fail are handed to
``on_resource`` too. ``finish`` runs once at the end.

The work list is a `Frontier` (leases; see `frontier.py`), so a patrol killed halfway resumes
where it stopped when run again on the same state file, and several workers can share one
patrol. Incremental patrols: a page whose ETag/Last-Modified gives 304, or whose content hash
equals the previous patrol's, is not checked again (its previous problems are carried over and
its links come from the previous patrol or the unchanged body). A check that must see every
page (``skip_unchanged = False`` on the check class) still runs on unchanged pages; with such a
check, conditional requests are not sent (the body is needed) and only the hash is compared.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
import os
import shutil
import tempfile
import time
import traceback
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urlsplit

from .fetch import CHALLENGE_STATUSES, DEFAULT_MAX_BYTES, DEFAULT_PER_HOST, DEFAULT_TIMEOUT, Fetcher
from .frontier import CHECK, CRAWL, Entry, Frontier, SqliteFrontier, Task
from .model import Column, Kind, Link, LinkKind, Problem, Response
from .page import looks_like_html, normalize_url, parse_page
from .robots import Robots

DEFAULT_MAX_PAGES = 10_000
DEFAULT_MAX_DEPTH = 8
RESOURCE_MAX_BYTES = 256 * 1024  # images, scripts, external links: the status matters, not the body
MAX_ATTEMPTS = 3  # a task claimed this often (crashing its workers) is recorded as failed
LEASE_SECONDS = 300.0
LINK_VERDICTS_MAX = 50_000


@dataclass(slots=True)
class PatrolResult:
    site: str
    pages_crawled: int
    problems: list[Problem]
    columns: list[Column] = field(default_factory=list)
    stats: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        """The contract of ``sanshen patrol --format json``."""
        return {
            "site": self.site, "pages_crawled": self.pages_crawled, "problems": [p.to_json() for p in self.problems],
        }


class MemoryBaselines:
    def __init__(self):
        self._data: dict[str, dict] = {}

    def get(self, url: str) -> dict | None:
        return self._data.get(url)

    def put(self, url: str, fingerprint: dict) -> None:
        self._data[url] = fingerprint


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


@lru_cache(maxsize=65536)
def _host_port(url: str) -> tuple[str, int | None]:
    """Host name and explicit non-default port of a URL."""
    try:
        parts = urlsplit(url)
        port = parts.port
        scheme = parts.scheme.lower()
    except ValueError:
        return "", None
    if port is not None and (scheme, port) in (("http", 80), ("https", 443)):
        port = None
    return (parts.hostname or "").lower(), port


def default_allowed_hosts(site_url: str) -> set[str]:
    """The home page's host, with and without ``www.``; with its port when not the default one."""
    host, port = _host_port(site_url)
    if not host:
        return set()
    if port is not None or _is_ip(host):
        return {f"{host}:{port}" if port is not None else host}
    bare = host[4:] if host.startswith("www.") else host
    return {bare, "www." + bare}


def _is_ip(host: str) -> bool:
    return host.replace(".", "").isdigit() or ":" in host


class Context:
    """The `checks.base.PatrolContext` the crawler gives every check."""

    def __init__(self, site_url: str, allowed_hosts: Iterable[str], as_of: dt.date, baselines, options: dict,
                 fetcher: Fetcher, *, include_subdomains: bool = True):
        self.site_url = site_url
        self.allowed_hosts = frozenset(h.lower() for h in allowed_hosts)
        self.as_of = as_of
        self.baselines = baselines
        self.options = options
        self.fetcher = fetcher
        self.include_subdomains = include_subdomains
        self._engine = None
        self.frontier = None  # set by `Patrol`: where `front_pages` reads the home page's links
        self.max_pages = DEFAULT_MAX_PAGES
        self._front: list[str] | None = None

    def front_pages(self, limit: int) -> list[str] | None:
        """The first ``limit`` internal pages the home page links to, from the home page's record in
        the frontier (so every worker of a patrol gets the same list); None before the home page is done."""
        if self._front is None and self.frontier is not None:
            rec = self.frontier.record(self.site_url)
            if rec is not None and rec.get("links") is not None:
                pages: dict[str, None] = {}
                for url, kind, *_ in rec["links"]:
                    if kind in (LinkKind.PAGE.value, LinkKind.FRAME.value) and url != self.site_url and \
                            self.is_internal(url):
                        pages.setdefault(url, None)
                self._front = list(pages)
        return self._front[:limit] if self._front is not None else None

    @property
    def engine(self):
        if self._engine is None:
            from sanshen.engine import default_engine

            self._engine = default_engine()
        return self._engine

    @engine.setter
    def engine(self, value) -> None:
        self._engine = value

    def is_internal(self, url: str) -> bool:
        """On one of the site's hosts (an entry with a port matches that port only) or a subdomain."""
        host, port = _host_port(url)
        if not host:
            return False
        if host in self.allowed_hosts or (port is not None and f"{host}:{port}" in self.allowed_hosts):
            return True
        if self.include_subdomains and not _is_ip(host):
            for allowed in self.allowed_hosts:
                if ":" in allowed:
                    continue
                bare = allowed[4:] if allowed.startswith("www.") else allowed
                if host.endswith("." + bare):
                    return True
        return False

    async def fetch(self, url: str, *, user_agent: str | None = None, referer: str | None = None) -> Response:
        return await self.fetcher.fetch(url, user_agent=user_agent, referer=referer)


def _problem_to_record(p: Problem, check: str, resource: bool = False) -> dict:
    d = {
        "check": check, "kind": p.kind.value, "url": p.url, "detail": p.detail, "severity": p.severity,
        "found_on": list(p.found_on), "finding": p.finding, "facts": p.facts, "resource": resource,
    }
    if p.owner:
        d["owner"] = p.owner
    return d


def _problem_from_record(d: dict) -> Problem:
    return Problem(
        kind=Kind(d["kind"]), url=d["url"], detail=d.get("detail", ""), severity=d.get("severity", "medium"),
        found_on=list(d.get("found_on") or []), finding=d.get("finding"), facts=dict(d.get("facts") or {}),
        owner=d.get("owner"),
    )


def _check_name(check) -> str:
    return getattr(check, "name", "") or type(check).__name__


def merge_problems(problems: Iterable[Problem]) -> list[Problem]:
    """One problem per `Problem.key()`, the pages it was found on merged (first-seen order kept).

    Problems repeated over pages (`Problem.owner`) first get one owner page (`resolve_owners`)."""
    from .checks._common import resolve_owners

    out: dict[tuple, Problem] = {}
    for p in resolve_owners(list(problems)):
        try:
            key = p.key()
            hash(key)
        except TypeError:
            key = (p.kind.value, p.url, repr(p.facts.get("key", p.detail)))
        known = out.get(key)
        if known is None:
            out[key] = p
            p.found_on = list(dict.fromkeys(p.found_on))
        else:
            known.found_on = list(dict.fromkeys([*known.found_on, *p.found_on]))
    return list(out.values())


def load_checks(checks=None) -> list:
    if checks is None:
        from sanshen.patrol import checks as checks_module

        checks = getattr(checks_module, "REGISTRY", [])
    return [c() if isinstance(c, type) else c for c in checks]


class Patrol:
    """One patrol run by one worker on a frontier. `run_patrol` is the usual entry point."""

    def __init__(
        self,
        site_url: str,
        *,
        frontier: Frontier,
        fetcher: Fetcher,
        checks: list,
        allowed_hosts: Iterable[str] | None = None,
        max_pages: int = DEFAULT_MAX_PAGES,
        max_depth: int = DEFAULT_MAX_DEPTH,
        as_of: dt.date | None = None,
        options: dict | None = None,
        concurrency: int = 8,
        worker_id: str | None = None,
        lease_seconds: float = LEASE_SECONDS,
        incremental: bool = True,
        resource_max_bytes: int = RESOURCE_MAX_BYTES,
    ):
        home = normalize_url(site_url)
        if home is None or not _host(home):
            raise ValueError(f"不是有效的网站地址：{site_url}")
        self.home = home
        self.frontier = frontier
        self.fetcher = fetcher
        self.checks = checks
        self.explicit_hosts = allowed_hosts is not None
        self.max_pages = max_pages
        self.max_depth = max_depth
        self.options = dict(options or {})
        self.concurrency = max(1, concurrency)
        self.worker_id = worker_id or "local"
        self.lease_seconds = lease_seconds
        self.incremental = incremental and self.options.get("incremental", True)
        self.resource_max_bytes = resource_max_bytes
        hosts = set(allowed_hosts) if allowed_hosts is not None else default_allowed_hosts(home)
        hosts |= set(frontier.get_meta("allowed_hosts", []))
        self.ctx = Context(
            home, hosts, as_of or dt.date.today(), frontier.baselines(), self.options, fetcher,
            include_subdomains=self.options.get("include_subdomains", True),
        )
        self.ctx.frontier = frontier
        self.ctx.max_pages = max_pages
        self.robots = Robots(fetcher, obey=self.options.get("obey_robots", True), agent="Sanshen-Patrol")
        # Conditional requests only when every check may skip an unchanged page.
        self.every_page = [c for c in checks if not getattr(c, "skip_unchanged", True)]
        # URL → (internal, robots allow): a template's links come on every page.
        self._link_verdicts: dict[str, tuple[bool, bool]] = {}
        self.stats = {
            "fetches": 0, "pages": 0, "pages_unchanged": 0, "resources": 0, "fetch_errors": 0, "stale_completions": 0,
            "check_seconds": 0.0, "check_seconds_max": 0.0, "parse_seconds": 0.0, "task_errors": 0,
        }

    # ---- the loop --------------------------------------------------------------------------

    async def run(self) -> PatrolResult:
        """Crawl until the frontier is empty (shared with any other workers), then finish."""
        started = time.monotonic()
        await self.crawl()
        return await self.finalize(started=started)

    def seed(self) -> None:
        f = self.frontier
        if f.get_meta("site") is None:
            f.set_meta("site", self.home)
        f.set_meta("status", "running")
        f.add([Entry(self.home, 0, CRAWL, link_kind=LinkKind.PAGE.value)], crawl_limit=self.max_pages)

    async def crawl(self, *, stop=None) -> None:
        """This worker's part of the patrol: claim, process, complete, until nothing is waiting or
        claimed by anyone (expired leases of dead workers are claimed again). Leases of the tasks in
        flight are renewed every third of ``lease_seconds``. ``stop()`` true ends the loop early."""
        f = self.frontier
        f.release(self.worker_id)  # this worker restarting: its own unfinished claims come back now
        self.seed()
        in_flight: dict[asyncio.Task, Task] = {}
        renewed = time.monotonic()
        try:
            while True:
                if stop is not None and stop():
                    break
                if len(in_flight) < self.concurrency:
                    for task in f.claim(self.worker_id, self.concurrency - len(in_flight), self.lease_seconds):
                        in_flight[asyncio.create_task(self._guarded(task))] = task
                if not in_flight:
                    if f.pending_count() == 0:
                        break
                    await asyncio.sleep(min(0.5, self.lease_seconds / 4))  # other workers hold the remaining leases
                    continue
                done, _ = await asyncio.wait(in_flight, timeout=max(0.05, self.lease_seconds / 3),
                                             return_when=asyncio.FIRST_COMPLETED)
                for t in done:
                    in_flight.pop(t)
                    t.result()
                if time.monotonic() - renewed >= self.lease_seconds / 3:
                    renewed = time.monotonic()
                    for task in in_flight.values():
                        f.extend(task, self.lease_seconds)
        finally:
            for t in in_flight:
                t.cancel()
            if in_flight:
                await asyncio.gather(*in_flight, return_exceptions=True)

    async def finalize(self, *, started: float | None = None) -> PatrolResult:
        """Site-wide verdicts over every completed page (run once, by whoever finishes the patrol):
        each check's state is rebuilt from the pages' records (`SiteCheck.restore`), then ``finish``."""
        f = self.frontier
        states: dict[str, list[dict]] = {}
        from .checks.base import SiteCheck

        wanted = {_check_name(c) for c in self.checks
                  if getattr(type(c), "restore", SiteCheck.restore) is not SiteCheck.restore}
        if wanted:
            for _url, _kind, rec in f.records():
                for name, state in (rec.get("states") or {}).items():
                    if name in wanted:
                        states.setdefault(name, []).append(state)
        finish_problems: list[Problem] = []
        for check in self.checks:
            name = _check_name(check)
            try:
                if name in wanted:
                    check.restore(states.get(name, []))
                finish_problems += await check.finish(self.ctx) or []
            except Exception:
                self.stats["task_errors"] += 1
                self.stats.setdefault("errors", []).append(f"{name}.finish: {traceback.format_exc(-1)}")
        f.set_meta("status", "finished")
        result = self._result(finish_problems)
        result.stats.update(self.stats)
        if started is not None:
            result.stats["elapsed"] = round(time.monotonic() - started, 3)
            minutes = result.stats["elapsed"] / 60 or 1e-9
            result.stats["pages_per_minute"] = round(self.stats["pages"] / minutes, 1)
        return result

    def _result(self, finish_problems: list[Problem]) -> PatrolResult:
        f = self.frontier
        problems: list[Problem] = []
        pages = 0
        for url, _kind, rec in f.records():
            if rec.get("page"):
                pages += 1
            for d in rec.get("problems", []):
                p = _problem_from_record(d)
                if p.owner:
                    problems.append(p)  # its owner is chosen below, over every page it was seen on
                    continue
                if p.url == url and p.found_on:
                    # Pages that link here, including those found after this task was done.
                    p.found_on = list(dict.fromkeys([*p.found_on, *f.found_on(url)]))
                problems.append(p)
        problems += finish_problems
        from .checks._common import resolve_owners

        owners: set[str] = set()
        for p in resolve_owners(problems):
            if p.owner:
                owners.add(p.url)
        linking = {url: f.found_on(url) for url in owners}
        for p in problems:
            if p.owner and p.found_on:
                # Pages that link to the owner, as for any problem reported on its own page.
                p.found_on = list(dict.fromkeys([*p.found_on, *linking.get(p.url, [])]))
        columns: list[Column] = []
        for check in self.checks:
            cols = getattr(check, "columns", None)
            if isinstance(cols, list):
                columns += [c for c in cols if isinstance(c, Column)]
        return PatrolResult(self.home, pages, merge_problems(problems), columns, {})

    async def _guarded(self, task: Task) -> None:
        try:
            await self._process(task)
        except Exception as exc:  # a bug or a hostile page must not stop the patrol; recorded once
            self.stats["task_errors"] += 1
            self.stats.setdefault("errors", []).append(f"{task.url}: {type(exc).__name__}: {exc}")
            self.frontier.complete(task, {"error": f"{type(exc).__name__}: {exc}"[:500], "problems": []})

    # ---- one task --------------------------------------------------------------------------

    async def _process(self, task: Task) -> None:
        if task.attempts > MAX_ATTEMPTS:
            self.frontier.complete(task, {"error": "放弃：多次处理未完成", "problems": []})
            return
        found_on = self.frontier.found_on(task.url)
        try:
            kind = LinkKind(task.link_kind)
        except ValueError:
            kind = LinkKind.PAGE
        link = Link(task.url, kind, task.text, task.hidden)
        if task.kind == CRAWL:
            await self._crawl(task, link, found_on)
        else:
            await self._check(task, link, found_on)

    async def _run_checks(self, method: str, *args, skip: frozenset[str] = frozenset(), resource: bool = False,
                          states: dict | None = None):
        records: list[dict] = []
        for check in self.checks:
            name = _check_name(check)
            if name in skip:
                continue
            began = time.monotonic()
            found = await getattr(check, method)(*args, self.ctx) or []
            if states is not None:
                state = check.page_state(args[0]) if hasattr(check, "page_state") else None
                if state is not None:
                    states[name] = state
            took = time.monotonic() - began
            self.stats["check_seconds"] += took
            self.stats["check_seconds_max"] = max(self.stats["check_seconds_max"], took)
            records += [_problem_to_record(p, name, resource) for p in found]
            await asyncio.sleep(0)  # let the fetches in flight move between checks
        return records

    async def _crawl(self, task: Task, link: Link, found_on: list[str]) -> None:
        prev = self.frontier.previous(task.url) if self.incremental else None
        headers = {}
        if prev is not None and not self.every_page and prev.links is not None:
            if prev.etag:
                headers["If-None-Match"] = prev.etag
            if prev.last_modified:
                headers["If-Modified-Since"] = prev.last_modified
        response = await self.fetcher.fetch(task.url, referer=found_on[0] if found_on else None, headers=headers)
        self.stats["fetches"] += 1
        is_home = task.depth == 0 or task.url == self.home
        moved_away = _host(response.final_url) and not self.ctx.is_internal(response.final_url)
        if is_home and not self.explicit_hosts and moved_away:
            self.ctx.allowed_hosts = self.ctx.allowed_hosts | default_allowed_hosts(response.final_url)
            self._link_verdicts.clear()
            self.frontier.set_meta("allowed_hosts", sorted(self.ctx.allowed_hosts))
        record: dict = {"status": response.status, "error": str(response.error or "") or None, "page": False}
        links: list[list] | None = None
        if is_home and "home" not in self.stats:
            # One availability sample: the patrol's own fetch of the home page (for `sanshen inspect`).
            self.stats["home"] = {
                "ok": response.ok or response.status == 304, "status": response.status, "elapsed": response.elapsed,
                "error": str(response.error or "") or None, "at": dt.datetime.now(dt.UTC).isoformat(),
            }

        if response.status == 304 and prev is not None and prev.links is not None:
            self.stats["pages"] += 1
            self.stats["pages_unchanged"] += 1
            record.update(page=True, unchanged=True, etag=prev.etag, last_modified=prev.last_modified,
                          hash=prev.content_hash)
            links = prev.links
            record["problems"] = list(prev.problems)
        elif response.ok and looks_like_html(response) and self.ctx.is_internal(response.final_url):
            began = time.monotonic()
            page = parse_page(response, url=task.url, depth=task.depth, found_on=found_on, is_home=is_home)
            self.stats["parse_seconds"] += time.monotonic() - began
            self.stats["pages"] += 1
            digest = hashlib.sha256(response.body).hexdigest()
            unchanged = prev is not None and prev.content_hash == digest
            skip: frozenset[str] = frozenset()
            carried: list[dict] = []
            if unchanged:
                self.stats["pages_unchanged"] += 1
                keep = {_check_name(c) for c in self.every_page}
                skip = frozenset(_check_name(c) for c in self.checks) - keep
                carried = [d for d in prev.problems if d.get("check") not in keep]
            states: dict[str, dict] = {}
            problems = carried + await self._run_checks("on_page", page, skip=skip, states=states)
            links = [[lk.url, lk.kind.value, lk.text, lk.hidden] for lk in page.links]
            record.update(
                page=True, unchanged=unchanged, hash=digest, problems=problems,
                etag=response.headers.get("etag"), last_modified=response.headers.get("last-modified"),
            )
            if states:
                record["states"] = states
        else:
            if response.status is None:
                self.stats["fetch_errors"] += 1
            problems = await self._run_checks("on_resource", response, link, found_on, resource=True)
            if is_home:
                problems += self._home_unavailable(response)
            record["problems"] = problems
        if links is not None:
            record["links"] = links
        entries = await self._entries(task, links or [])
        if not self.frontier.complete(task, record, add=entries, crawl_limit=self.max_pages):
            self.stats["stale_completions"] += 1

    def _home_unavailable(self, response: Response) -> list[dict]:
        if response.status is not None and (
            response.status < 400 or response.status in (*CHALLENGE_STATUSES, 401, 429)
        ):
            return []
        if response.status is None:
            reason = f"首页无法访问（{response.error}{'：' + response.error_detail if response.error_detail else ''}）"
        else:
            reason = f"首页返回 HTTP {response.status}"
        p = Problem(
            kind=Kind.UNAVAILABLE, url=response.url, detail=reason, severity="veto",
            facts={"key": "home", "status": response.status, "error": str(response.error or ""),
                   "elapsed": response.elapsed},
        )
        return [_problem_to_record(p, "crawler")]

    async def _entries(self, task: Task, links: list[list]) -> list[Entry]:
        out: list[Entry] = []
        seen: set[str] = set()
        depth = task.depth + 1
        for url, kind, text, hidden in links:
            if url in seen or url == task.url:
                continue
            seen.add(url)
            verdict = self._link_verdicts.get(url)
            if verdict is None:
                internal = self.ctx.is_internal(url)
                allowed = not internal or await self.robots.allowed(url, self.fetcher.user_agent)
                if len(self._link_verdicts) >= LINK_VERDICTS_MAX:
                    self._link_verdicts.clear()
                verdict = self._link_verdicts[url] = (internal, allowed)
            internal, allowed = verdict
            if not allowed:
                continue
            if not internal and not self.options.get("check_external", True):
                continue
            crawl = internal and kind in (LinkKind.PAGE.value, LinkKind.FRAME.value) and depth <= self.max_depth
            out.append(Entry(url, depth, CRAWL if crawl else CHECK, task.url, kind, text or "", hidden or ""))
        return out

    async def _check(self, task: Task, link: Link, found_on: list[str]) -> None:
        internal = self.ctx.is_internal(task.url)
        cap = self.fetcher.max_bytes if internal and link.kind == LinkKind.ATTACHMENT else self.resource_max_bytes
        response = await self.fetcher.fetch(
            task.url, referer=found_on[0] if found_on else None, max_bytes=cap, truncate_ok=True
        )
        self.stats["fetches"] += 1
        self.stats["resources"] += 1
        if response.status is None:
            self.stats["fetch_errors"] += 1
        problems = await self._run_checks("on_resource", response, link, found_on, resource=True)
        record = {"status": response.status, "error": str(response.error or "") or None, "problems": problems}
        if not self.frontier.complete(task, record):
            self.stats["stale_completions"] += 1


async def run_patrol(
    site_url: str,
    *,
    allowed_hosts: Iterable[str] | None = None,
    max_pages: int = DEFAULT_MAX_PAGES,
    max_depth: int = DEFAULT_MAX_DEPTH,
    as_of: dt.date | None = None,
    frontier: Frontier | None = None,
    state: str | os.PathLike | None = None,
    checks: list | None = None,
    options: dict | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    per_host: int = DEFAULT_PER_HOST,
    delay: float = 0.0,
    retries: int = 2,
    max_bytes: int = DEFAULT_MAX_BYTES,
    user_agent: str = "browser",
    headless: bool | None = None,
    concurrency: int = 8,
    worker_id: str | None = None,
    lease_seconds: float = LEASE_SECONDS,
    incremental: bool = True,
    fetcher: Fetcher | None = None,
) -> PatrolResult:
    """Patrol one site and return what was found.

    ``state``: the frontier file. Run again on the same file after a crash, it resumes; after a
    finished patrol, it starts the next (incremental) patrol. Without ``state`` or ``frontier``
    the frontier lives in a temporary file removed at the end. ``options`` are the site
    settings (``obey_robots`` default true, ``headless``, ``check_external``, ``incremental``…).
    """
    options = dict(options or {})
    tmpdir = None
    own_frontier = frontier is None
    if frontier is None:
        if state is None:
            tmpdir = tempfile.mkdtemp(prefix="sanshen-patrol-")
            state = os.path.join(tmpdir, "frontier.sqlite")
        frontier = SqliteFrontier(state)
        if frontier.get_meta("status") == "finished":
            frontier.next_patrol()
    own_fetcher = fetcher is None
    if fetcher is None:
        fetcher = Fetcher(
            timeout=timeout, per_host=per_host, delay=delay, retries=retries, max_bytes=max_bytes,
            user_agent=user_agent, headless=options.get("headless", False) if headless is None else headless,
        )
    try:
        patrol = Patrol(
            site_url, frontier=frontier, fetcher=fetcher, checks=load_checks(checks), allowed_hosts=allowed_hosts,
            max_pages=max_pages, max_depth=max_depth, as_of=as_of, options=options, concurrency=concurrency,
            worker_id=worker_id or "local",
            lease_seconds=lease_seconds, incremental=incremental,
        )
        return await patrol.run()
    finally:
        if own_fetcher:
            await fetcher.aclose()
        if own_frontier:
            frontier.close()
        if tmpdir:
            with contextlib.suppress(OSError):
                shutil.rmtree(tmpdir)
