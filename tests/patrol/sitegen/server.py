"""Serve a generated site on loopback: one aiohttp server per host, in a background thread.

    with SiteServer(pages=2000) as srv:
        srv.base_url            # http://127.0.0.1:PORT/  (the first government site)
        srv.site.expected_problems()

Hosts: the government sites on 127.0.0.1 (one port each), the outside site on 127.0.0.2, the
gambling site (expired friendly link) on 127.0.0.3, and a closed port on 127.0.0.1.

Options (attributes, changeable while serving): ``latency`` (seconds added to every request),
``slow_seconds`` (the planted slow page's delay), ``throttle`` (path → number of 429 answers with
``Retry-After: retry_after`` before the real one), ``extra_headers`` (added to every response; the
benchmark sends ``LinkChecker: …`` so that LinkChecker applies its configured request rate instead
of its 0.1–0.6 s default gap per host). Every request is appended to ``log`` (``log=False``: not kept).

CLI: ``python -m tests.patrol.sitegen.server --hosts 1 --pages 2000 --latency-ms 0``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import email.utils
import socket
import threading
import time
from dataclasses import dataclass

from aiohttp import web

from .generate import AS_OF, CHALLENGE_COOKIE, DEFECTS, Origins, Resource, Site, generate, mutate_tamper

CHALLENGE_VALUE = "9f8e7d6c5b4a"
CHALLENGE_PAGE = (
    "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>安全验证</title></head><body>"
    "<noscript>请开启 JavaScript 后访问</noscript><script>"
    f'document.cookie="{CHALLENGE_COOKIE}={CHALLENGE_VALUE}; path=/";'
    "setTimeout(function(){location.reload();},100);</script></body></html>"
).encode()


@dataclass(slots=True)
class LogEntry:
    time: float  # time.monotonic() when the request arrived
    origin: str  # http://127.0.0.1:PORT
    method: str
    path: str  # with the query string
    user_agent: str
    referer: str
    status: int = 0
    if_none_match: str = ""
    if_modified_since: str = ""

    @property
    def url(self) -> str:
        return self.origin + self.path


def _http_date(value: dt.datetime) -> str:
    return email.utils.format_datetime(value.astimezone(dt.UTC), usegmt=True)


def _free_port(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class SiteServer:
    def __init__(self, *, hosts: int = 1, pages: int | None = None, articles_per_column: int = 250,
                 columns: int | None = None, seed: int = 20261120, as_of: dt.date = AS_OF,
                 defects=DEFECTS, latency: float = 0.0, slow_seconds: float = 3.0,
                 retry_after: int = 1, extra_headers: dict[str, str] | None = None, log: bool = True) -> None:
        self._gen_args = {"pages": pages, "articles_per_column": articles_per_column, "seed": seed,
                          "as_of": as_of, "defects": tuple(defects)}
        if columns is not None:
            self._gen_args["columns"] = columns
        self.n_hosts = hosts
        self.latency = latency
        self.slow_seconds = slow_seconds
        self.retry_after = retry_after
        self.throttle: dict[str, int] = {}  # path (or origin+path) -> remaining 429 answers
        self.extra_headers = dict(extra_headers or {})
        self.keep_log = log
        self.log: list[LogEntry] = []
        self.site: Site | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runners: list[web.BaseRunner] = []
        self._sockets: list[socket.socket] = []

    # -- lifecycle ------------------------------------------------------------------------------
    def _bind(self, host: str) -> tuple[socket.socket, str]:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, 0))
        sock.listen(1024)
        sock.setblocking(False)
        self._sockets.append(sock)
        return sock, f"http://{host}:{sock.getsockname()[1]}"

    def start(self) -> SiteServer:
        bound = [self._bind("127.0.0.1") for _ in range(self.n_hosts)]
        ext = self._bind("127.0.0.2")
        casino = self._bind("127.0.0.3")
        origins = Origins([o for _, o in bound], ext[1], casino[1], f"http://127.0.0.1:{_free_port('127.0.0.1')}")
        self.site = generate(origins, **self._gen_args)
        self._loop = asyncio.new_event_loop()
        ready = threading.Event()

        def run() -> None:
            asyncio.set_event_loop(self._loop)
            self._loop.run_until_complete(self._serve([*bound, ext, casino]))
            ready.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, name="sitegen-server", daemon=True)
        self._thread.start()
        if not ready.wait(30):
            raise RuntimeError("site server did not start")
        return self

    async def _serve(self, bound: list[tuple[socket.socket, str]]) -> None:
        for sock, origin in bound:
            server = web.Server(self._handler(origin), access_log=None)
            runner = web.ServerRunner(server, handle_signals=False)
            await runner.setup()
            await web.SockSite(runner, sock, backlog=1024).start()
            self._runners.append(runner)

    def stop(self) -> None:
        if self._loop is None:
            return

        async def cleanup() -> None:
            for runner in self._runners:
                await runner.cleanup()

        asyncio.run_coroutine_threadsafe(cleanup(), self._loop).result(30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread:
            self._thread.join(10)
        self._loop.close()
        self._loop = None
        for sock in self._sockets:
            sock.close()

    def __enter__(self) -> SiteServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- what tests use -------------------------------------------------------------------------
    @property
    def origins(self) -> Origins:
        return self.site.origins

    @property
    def base_url(self) -> str:
        return self.site.origins.sites[0] + "/"

    @property
    def site_urls(self) -> list[str]:
        return [o + "/" for o in self.site.origins.sites]

    @property
    def as_of(self) -> dt.date:
        return self.site.as_of

    def expected_problems(self, *, challenge_resolved: bool = False) -> list[dict]:
        return self.site.expected_problems(challenge_resolved=challenge_resolved)

    def requests(self, *, origin: str | None = None, path: str | None = None) -> list[LogEntry]:
        return [e for e in list(self.log)
                if (origin is None or e.origin == origin.rstrip("/")) and (path is None or e.path == path)]

    def clear_log(self) -> None:
        self.log.clear()

    def mutate(self, url: str | None = None) -> str:
        """Tamper with a clean article between two patrols; returns its URL (page_changed expected)."""
        return mutate_tamper(self.site, url)

    def restore(self) -> None:
        self.site.restore()
        self.throttle.clear()

    # -- the handler ----------------------------------------------------------------------------
    def _handler(self, origin: str):
        paths = None

        async def handle(request: web.BaseRequest) -> web.StreamResponse:
            nonlocal paths
            if paths is None:
                paths = self.site.hosts[origin]
            entry = LogEntry(time.monotonic(), origin, request.method, request.path_qs,
                             request.headers.get("User-Agent", ""), request.headers.get("Referer", ""),
                             if_none_match=request.headers.get("If-None-Match", ""),
                             if_modified_since=request.headers.get("If-Modified-Since", ""))
            if self.keep_log:
                self.log.append(entry)
            if self.latency:
                await asyncio.sleep(self.latency)
            response = await self._respond(request, origin, paths)
            entry.status = response.status
            if self.extra_headers:
                response.headers.update(self.extra_headers)
            return response

        return handle

    async def _respond(self, request: web.BaseRequest, origin: str, paths: dict[str, Resource]) -> web.StreamResponse:
        for key in (origin + request.path, request.path):
            left = self.throttle.get(key)
            if left:
                self.throttle[key] = left - 1
                return web.Response(status=429, text="Too Many Requests",
                                    headers={"Retry-After": str(self.retry_after)})
        if request.method not in ("GET", "HEAD"):
            return web.Response(status=405, headers={"Allow": "GET, HEAD"})
        res = paths.get(request.path) or paths.get("*")
        if res is None:
            return web.Response(status=404, body=b"<html><head><title>404 Not Found</title></head>"
                                b"<body><h1>404 Not Found</h1></body></html>",
                                headers={"Content-Type": "text/html"})
        if res.slow:
            await asyncio.sleep(self.slow_seconds)
        if res.location is not None:
            return web.Response(status=res.status, headers={"Location": res.location})
        if res.challenge and request.cookies.get(CHALLENGE_COOKIE) != CHALLENGE_VALUE:
            return web.Response(status=412, body=CHALLENGE_PAGE,
                                headers={"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"})
        body = res.body
        for header, needle, alt in res.variants:
            if needle.lower() in request.headers.get(header, "").lower():
                body = alt
                break
        headers = {"Last-Modified": _http_date(res.last_modified)}
        if not res.variants:
            etag = res.etag
            headers["ETag"] = etag
            inm = request.headers.get("If-None-Match")
            ims = request.headers.get("If-Modified-Since")
            if inm is not None:
                if etag in [t.strip() for t in inm.split(",")] or inm.strip() == "*":
                    return web.Response(status=304, headers=headers)
            elif ims:
                with contextlib.suppress(TypeError, ValueError):
                    if res.last_modified.replace(microsecond=0) <= email.utils.parsedate_to_datetime(ims):
                        return web.Response(status=304, headers=headers)
        if res.content_type:
            headers["Content-Type"] = res.content_type
        return web.Response(status=res.status, body=body, headers=headers)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve the generated government site on loopback.")
    parser.add_argument("--hosts", type=int, default=1)
    parser.add_argument("--pages", type=int, default=None, help="total pages over all hosts (default ~2,500/host)")
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--slow-seconds", type=float, default=20.0)
    parser.add_argument("--clean", action="store_true", help="plant no defects")
    parser.add_argument("--header", action="append", default=[], metavar="NAME:VALUE",
                        help="a header added to every response (repeatable)")
    parser.add_argument("--no-log", action="store_true", help="keep no request log (long benchmark runs)")
    args = parser.parse_args(argv)
    headers = dict(h.split(":", 1) for h in args.header)
    srv = SiteServer(hosts=args.hosts, pages=args.pages, latency=args.latency_ms / 1000,
                     slow_seconds=args.slow_seconds, defects=() if args.clean else DEFECTS,
                     extra_headers={k.strip(): v.strip() for k, v in headers.items()}, log=not args.no_log)
    srv.start()
    print(f"{srv.site.page_count()} resources on {args.hosts} host(s), as_of {srv.as_of}")
    for url in srv.site_urls:
        print(url)
    print("outside:", srv.origins.external + "/", "gambling:", srv.origins.casino + "/",
          "closed:", srv.origins.closed + "/")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        srv.stop()


if __name__ == "__main__":
    main()
