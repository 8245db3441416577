"""Small loopback HTTP servers for the crawler's own tests (fetcher, crawl loop, CLI).

    with Server({"/": page("<a href=/a>a</a>"), "/a": slow(0.5, page("x"))}) as srv:
        srv.url("/a")   # http://127.0.0.1:PORT/a
        srv.log         # [Hit(path, headers, time), ...]
        srv.max_active  # most requests handled at the same time

A route is a callable ``(hit, server) -> (status, headers, body)``. Unknown paths answer 404.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Hit:
    method: str
    path: str
    headers: dict
    time: float


def page(html: str | bytes, *, status: int = 200, ctype: str = "text/html; charset=utf-8", headers=None):
    body = html.encode("utf-8") if isinstance(html, str) else html

    def route(hit, srv):
        return status, {"Content-Type": ctype, **(headers or {})}, body

    return route


def slow(seconds: float, inner):
    def route(hit, srv):
        time.sleep(seconds)
        return inner(hit, srv)

    return route


def redirect(location: str, status: int = 302):
    def route(hit, srv):
        return status, {"Location": location}, b""

    return route


def sequence(*routes):
    """The n-th request gets the n-th route; the last one repeats."""
    count = [0]
    lock = threading.Lock()

    def route(hit, srv):
        with lock:
            i = min(count[0], len(routes) - 1)
            count[0] += 1
        return routes[i](hit, srv)

    return route


class Server:
    def __init__(self, routes: dict | None = None, host: str = "127.0.0.1"):
        self.routes = dict(routes or {})
        self.log: list[Hit] = []
        self.active = 0
        self.max_active = 0
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _serve(self, method: str):
                hit = Hit(method, self.path, {k.lower(): v for k, v in self.headers.items()}, time.monotonic())
                with server._lock:
                    server.log.append(hit)
                    server.active += 1
                    server.max_active = max(server.max_active, server.active)
                try:
                    route = server.routes.get(self.path) or server.routes.get(self.path.split("?")[0])
                    if route is None:
                        status, headers, body = 404, {"Content-Type": "text/html"}, b"<h1>404 Not Found</h1>"
                    else:
                        status, headers, body = route(hit, server)
                finally:
                    with server._lock:
                        server.active -= 1
                try:
                    self.send_response(status)
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    if method != "HEAD":
                        self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def do_GET(self):
                self._serve("GET")

            def do_HEAD(self):
                self._serve("HEAD")

        class Quiet(ThreadingHTTPServer):
            def handle_error(self, request, client_address):
                pass  # clients that stop reading at the size cap reset the connection

        self.httpd = Quiet((host, 0), Handler)
        self.httpd.daemon_threads = True
        self.origin = f"http://{host}:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path: str = "/") -> str:
        return self.origin + path

    def hits(self, path: str) -> list[Hit]:
        return [h for h in list(self.log) if h.path == path]

    def paths(self) -> list[str]:
        return [h.path for h in list(self.log)]

    def __enter__(self) -> Server:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
