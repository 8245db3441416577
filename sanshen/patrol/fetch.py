"""The patrol's HTTP client (aiohttp): polite per host, bounded in time and size, honest about failures.

`Fetcher.fetch` never raises for network trouble: it returns a `model.Response` whose ``error``
says what went wrong (`model.FetchError`). Redirects are followed by hand so that the whole chain
is recorded and loops are caught; the time limit (15 s, the national rule) covers the whole
chain. Each host has its own semaphore (concurrent requests), a minimum gap between request
starts, a pause set by ``Retry-After`` and a small cookie jar (WAF cookie challenges).
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import random
import re
import socket
import ssl
import time
import urllib.request
from dataclasses import dataclass, field
from urllib.parse import quote, urljoin, urlsplit

import aiohttp
import yarl
from aiohttp.http_exceptions import HttpProcessingError

from .model import FetchError, Response

UA_BROWSER = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36 Sanshen-Patrol/1.0"
)
UA_BAIDUSPIDER = "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)"
USER_AGENTS = {"browser": UA_BROWSER, "baiduspider": UA_BAIDUSPIDER}

DEFAULT_TIMEOUT = 15.0
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_PER_HOST = 4
MAX_REDIRECTS = 10
REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
CHALLENGE_STATUSES = frozenset({403, 412})
CHALLENGE_MAX_BYTES = 64 * 1024
CHALLENGE_HEADER = "x-sanshen-challenge"
READ_CHUNK = 64 * 1024
MAX_HEADER_LINE = 64 * 1024  # aiohttp's default (8 KiB) is short for some sites' Location and Set-Cookie

_JS_COOKIE = re.compile(r"""document\.cookie\s*=\s*(["'])\s*([^=;"'\s]{1,128})=([^;"']{0,4096})""", re.I)
# A URL aiohttp may send as it is: printable ASCII of RFC 3986 only, every "%" starting an escape.
_SENDABLE_URL = re.compile(r"(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*")
_URL_SAFE = "".join(chr(c) for c in range(0x21, 0x7F))
_BAD_HOST = re.compile(r"[\x00-\x20\x7f]")
_DNS_ERROR = getattr(aiohttp, "ClientConnectorDNSError", None)  # aiohttp >= 3.10
_DNS_HINTS = (
    "name or service not known", "nodename nor servname", "temporary failure in name resolution",
    "getaddrinfo failed", "no address associated", "name resolution",
)


@dataclass(slots=True)
class _Host:
    semaphore: asyncio.Semaphore
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    next_start: float = 0.0  # monotonic time before which no request may start
    paused_until: float = 0.0  # Retry-After
    cookies: dict[str, str] = field(default_factory=dict)
    proxy: dict[str, tuple] = field(default_factory=dict)  # scheme → (proxy URL or None, its credentials)
    active: int = 0


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    now = time.time() if now is None else now
    return max(0.0, when.timestamp() - now)


def find_js_cookie(body: bytes) -> tuple[str, str] | None:
    """The ``name=value`` a challenge page's script sets with ``document.cookie = "…"``."""
    text = body[:CHALLENGE_MAX_BYTES].decode("utf-8", "replace")
    m = _JS_COOKIE.search(text)
    if not m:
        return None
    return m.group(2), m.group(3).strip()


def host_key(url: str) -> str:
    try:
        parts = urlsplit(url)
        return (parts.hostname or "").lower() + (f":{parts.port}" if parts.port else "")
    except ValueError:
        return ""


def request_url(url: str) -> yarl.URL:
    """The URL as aiohttp is to send it.

    One already percent-encoded (and plain ASCII) is passed as it is, so that aiohttp requotes
    nothing and the server gets the very path and query of the link; any other (Chinese in the path,
    an IDN host, spaces, a stray ``%``) is quoted by yarl, as a browser does. Raises ValueError
    for a URL that cannot be sent.
    """
    target = yarl.URL(url, encoded=True) if _SENDABLE_URL.fullmatch(url) else yarl.URL(url)
    host = target.raw_host
    if target.scheme not in ("http", "https") or not host or _BAD_HOST.search(host):
        raise ValueError(f"不支持的地址：{url[:200]}")
    return target


def _header_text(name: str, value: str) -> str:
    """A header value without the lone surrogates aiohttp leaves for bytes that are not UTF-8.

    A ``Location`` keeps the server's very bytes, percent-encoded (a GBK path stays GBK); any other
    header is read as Latin-1, so that nothing unencodable reaches the database.
    """
    try:
        value.encode("utf-8")
        return value
    except UnicodeEncodeError:
        raw = value.encode("utf-8", "surrogateescape")
    if name == "location":
        return quote(raw, safe=_URL_SAFE)
    return raw.decode("latin-1")


def _classify(exc: BaseException) -> tuple[FetchError, str]:
    """Map an exception from aiohttp/asyncio to a FetchError and a short detail."""
    detail = f"{type(exc).__name__}: {exc}"[:300]
    if isinstance(exc, (TimeoutError, asyncio.TimeoutError)):  # aiohttp's ServerTimeoutError too
        return FetchError.TIMEOUT, detail
    # ssl.CertificateError (so aiohttp's ClientConnectorCertificateError) is a ValueError too.
    if isinstance(exc, (aiohttp.InvalidURL, aiohttp.NonHttpUrlClientError, ValueError)) and not isinstance(
        exc, (ssl.SSLError, aiohttp.ClientSSLError)
    ):
        return FetchError.INVALID_URL, detail
    chain: list[BaseException] = []
    seen: BaseException | None = exc
    while seen is not None and len(chain) < 10:
        chain.append(seen)
        seen = seen.__cause__ or seen.__context__
    if isinstance(exc, aiohttp.ClientConnectorError):
        chain.append(exc.os_error)
    if _DNS_ERROR is not None and isinstance(exc, _DNS_ERROR):
        return FetchError.DNS, detail
    if isinstance(exc, (aiohttp.ClientSSLError, aiohttp.ServerFingerprintMismatch)) or any(
        isinstance(e, ssl.SSLError) for e in chain
    ):
        return FetchError.TLS, detail
    if any(isinstance(e, socket.gaierror) for e in chain):
        return FetchError.DNS, detail
    if isinstance(exc, aiohttp.ClientConnectorError):
        # Its message names the ssl setting ("ssl:default"): no guessing from the text here.
        return (FetchError.DNS if any(h in detail.lower() for h in _DNS_HINTS) else FetchError.CONNECT), detail
    if isinstance(exc, (aiohttp.ServerDisconnectedError, aiohttp.ClientPayloadError, aiohttp.ClientResponseError,
                        HttpProcessingError)):
        return FetchError.PROTOCOL, detail
    if "ssl" in detail.lower() or "certificate" in detail.lower():
        return FetchError.TLS, detail
    if any(h in detail.lower() for h in _DNS_HINTS):
        return FetchError.DNS, detail
    if isinstance(exc, OSError):  # ClientOSError: reset or refused mid-exchange
        return FetchError.CONNECT, detail
    return FetchError.PROTOCOL, detail


class _WireTimeout(Exception):
    def __init__(self, took: float):
        super().__init__("timeout")
        self.took = took


class _Abort(Exception):
    def __init__(self, error: FetchError, detail: str):
        super().__init__(detail)
        self.error = error
        self.detail = detail


class Fetcher:
    """An ``aiohttp.ClientSession`` (HTTP/1.1, C parser) with the patrol's politeness and limits.

    Use as ``async with Fetcher(...) as f: r = await f.fetch(url)`` or call `aclose`. The fetcher
    may be made outside an event loop; its session is opened by the first fetch, in the running
    loop, and then belongs to that loop (one fetcher per ``asyncio.run``).
    """

    def __init__(
        self,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        max_bytes: int = DEFAULT_MAX_BYTES,
        per_host: int = DEFAULT_PER_HOST,
        delay: float = 0.0,  # seconds between request starts on one host
        retries: int = 2,
        backoff: float = 0.5,  # first retry after this many seconds, then doubled
        max_redirects: int = MAX_REDIRECTS,
        user_agent: str = "browser",
        max_retry_after: float = 60.0,  # a longer Retry-After pauses the host but is not waited for
        headless: bool = False,
        verify: bool = True,
        trust_env: bool = True,
    ):
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.per_host = max(1, per_host)
        self.delay = max(0.0, delay)
        self.retries = max(0, retries)
        self.backoff = backoff
        self.max_redirects = max_redirects
        self.user_agent = USER_AGENTS.get(user_agent, user_agent)
        self.max_retry_after = max_retry_after
        self.headless = headless
        self.verify = verify
        # Proxies from the environment (HTTP_PROXY, NO_PROXY…), read once: aiohttp's own trust_env
        # reads them and ~/.netrc in a thread on every request.
        self._proxies = urllib.request.getproxies_environment() if trust_env else {}
        self._hosts: dict[str, _Host] = {}
        self._session: aiohttp.ClientSession | None = None  # opened by the first fetch, in its loop
        self._browser = None
        self._playwright = None
        self.max_active: dict[str, int] = {}  # highest concurrency seen per host (for tests and stats)

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc) -> None:
        await self.aclose()

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                # No pool limit: the per-host semaphores bound the connections.
                connector=aiohttp.TCPConnector(limit=0, limit_per_host=0),
                # The session's own jar keeps nothing: cookies are kept per host here, by hand.
                cookie_jar=aiohttp.DummyCookieJar(),
                trust_env=False,  # the environment's proxies: `_proxy`
                timeout=aiohttp.ClientTimeout(total=None),  # the time limit is ours (asyncio.timeout)
                auto_decompress=True,
                max_line_size=MAX_HEADER_LINE, max_field_size=MAX_HEADER_LINE,
            )
        return self._session

    async def aclose(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            await session.close()
        if self._browser is not None:
            with contextlib.suppress(Exception):
                await self._browser.close()
        if self._playwright is not None:
            with contextlib.suppress(Exception):
                await self._playwright.stop()
        self._browser = self._playwright = None

    def _host(self, key: str) -> _Host:
        host = self._hosts.get(key)
        if host is None:
            host = self._hosts[key] = _Host(asyncio.Semaphore(self.per_host))
        return host

    def cookies(self, url: str) -> dict[str, str]:
        """The cookies kept for a URL's host."""
        return dict(self._host(host_key(url)).cookies)

    def pause_host(self, url: str, seconds: float) -> None:
        host = self._host(host_key(url))
        host.paused_until = max(host.paused_until, time.monotonic() + seconds)

    # ---- the public call ------------------------------------------------------------------

    async def fetch(
        self,
        url: str,
        *,
        method: str = "GET",
        user_agent: str | None = None,
        referer: str | None = None,
        headers: dict[str, str] | None = None,
        max_bytes: int | None = None,
        truncate_ok: bool = False,
        retries: int | None = None,
    ) -> Response:
        """Fetch ``url``; retries connect errors, 5xx and 429 with backoff; passes cookie challenges.

        ``truncate_ok``: a body cut at ``max_bytes`` is not an error (link checks need the status only).
        """
        retries = self.retries if retries is None else retries
        attempt = 0
        challenged = False
        while True:
            response = await self._fetch_once(url, method, user_agent, referer, headers, max_bytes, truncate_ok)
            retry_wait = None
            if response.status is None:
                if response.error == FetchError.CONNECT:
                    retry_wait = self.backoff * (2 ** attempt)
            elif response.status in RETRY_STATUSES:
                after = parse_retry_after(response.headers.get("retry-after"))
                if after is not None and response.status in (429, 503):
                    self.pause_host(response.final_url, min(after, self.max_retry_after * 5))
                    retry_wait = after if after <= self.max_retry_after else None
                else:
                    retry_wait = self.backoff * (2 ** attempt)
            elif response.status in CHALLENGE_STATUSES and not challenged:
                challenged = True
                passed = await self._challenge(response, method, user_agent, referer, headers, max_bytes, truncate_ok)
                if passed is not None:
                    return passed
                return response
            if retry_wait is None or attempt >= retries:
                return response
            attempt += 1
            # Retry-After is honoured through the host pause; backoff gets a little jitter.
            await asyncio.sleep(retry_wait * (1 + random.random() * 0.1) if retry_wait else 0)

    async def _challenge(self, response, method, user_agent, referer, headers, max_bytes, truncate_ok):
        """A 412/403 page whose script sets a cookie: set it, try once more; else the browser if allowed."""
        if len(response.body) <= CHALLENGE_MAX_BYTES:
            found = find_js_cookie(response.body)
            if found:
                name, value = found
                self._host(host_key(response.final_url)).cookies[name] = value
                again = await self._fetch_once(
                    response.url, method, user_agent, referer, headers, max_bytes, truncate_ok
                )
                if again.status is not None and again.status not in CHALLENGE_STATUSES:
                    again.headers[CHALLENGE_HEADER] = "passed"
                    return again
        if self.headless:
            return await self._browser_fetch(response.url, user_agent)
        return None

    # ---- one attempt: the redirect chain under one time limit -------------------------------

    async def _fetch_once(self, url, method, user_agent, referer, headers, max_bytes, truncate_ok) -> Response:
        cap = self.max_bytes if max_bytes is None else max_bytes
        chain: list[str] = []
        started = time.monotonic()
        current = url
        result = Response(url=url, final_url=url, status=None)
        try:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise _Abort(FetchError.INVALID_URL, f"不支持的地址：{url[:200]}")
            wire_url = request_url(url)
        except ValueError as exc:
            result.error, result.error_detail = FetchError.INVALID_URL, str(exc)[:300]
            return result
        except _Abort as exc:
            result.error, result.error_detail = exc.error, exc.detail
            return result
        seen = {url}
        spent = 0.0  # time on the wire: waiting for a polite turn does not count against the limit
        try:
            while True:
                chain.append(current)
                status, resp_headers, body, truncated, took = await self._request(
                    current, wire_url, method, user_agent, referer, headers, cap, self.timeout - spent
                )
                spent += took
                result.final_url = current
                result.status, result.headers, result.body, result.truncated = (
                    status, resp_headers, body, truncated
                )
                location = resp_headers.get("location")
                if status not in REDIRECT_CODES or not location:
                    break
                try:
                    target = urljoin(current, location.strip())
                    target = target.split("#", 1)[0]
                    tparts = urlsplit(target)
                    if tparts.scheme in ("http", "https") and tparts.hostname:
                        wire_url = request_url(target)
                except ValueError as exc:
                    raise _Abort(FetchError.INVALID_URL, f"跳转地址无效：{location[:200]}") from exc
                if tparts.scheme not in ("http", "https") or not tparts.hostname:
                    raise _Abort(FetchError.INVALID_URL, f"跳转地址无效：{location[:200]}")
                if target in seen:
                    chain.append(target)
                    raise _Abort(FetchError.REDIRECT_LOOP, "循环跳转：" + " → ".join(chain[-6:]))
                if len(chain) > self.max_redirects:
                    raise _Abort(FetchError.TOO_MANY_REDIRECTS, f"跳转超过 {self.max_redirects} 次")
                seen.add(target)
                if status == 303:
                    method = "GET"
                referer = current
                current = target
            if result.truncated and not truncate_ok:
                result.error = FetchError.TOO_LARGE
                result.error_detail = f"超过大小上限 {cap} 字节"
        except _Abort as exc:
            result.status, result.body, result.headers = None, b"", {}
            result.error, result.error_detail = exc.error, exc.detail
        except (aiohttp.ClientError, HttpProcessingError, OSError, TimeoutError, ValueError, ssl.SSLError) as exc:
            result.status, result.body, result.headers = None, b"", {}
            result.error, result.error_detail = _classify(exc)
            if result.error == FetchError.TIMEOUT:
                result.error_detail = f"{self.timeout:g} 秒内未完成（{result.error_detail}）"
        except _WireTimeout as exc:
            spent += exc.took
            result.status, result.body, result.headers = None, b"", {}
            result.error = FetchError.TIMEOUT
            result.error_detail = f"{self.timeout:g} 秒内未完成"
        result.redirects = chain
        result.elapsed = spent if result.status is not None or result.error == FetchError.TIMEOUT else (
            time.monotonic() - started
        )
        return result

    async def _wait_turn(self, host: _Host) -> None:
        """Politeness: the host's pause and the gap between request starts."""
        async with host.lock:
            while True:
                now = time.monotonic()
                wait = max(host.paused_until, host.next_start) - now
                if wait <= 0:
                    break
                await asyncio.sleep(wait)
            host.next_start = time.monotonic() + self.delay

    async def _request(self, url, wire_url, method, user_agent, referer, headers, cap, budget):
        key = host_key(url)
        host = self._host(key)
        req_headers = {
            "User-Agent": USER_AGENTS.get(user_agent, user_agent) if user_agent else self.user_agent,
            "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
            "Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5",
        }
        if referer:
            req_headers["Referer"] = referer
        if headers:
            req_headers.update(headers)
        async with host.semaphore:
            await self._wait_turn(host)
            if host.cookies:
                req_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in host.cookies.items())
            host.active += 1
            self.max_active[key] = max(self.max_active.get(key, 0), host.active)
            began = time.monotonic()
            try:
                if budget <= 0:
                    raise _WireTimeout(0.0)
                try:
                    async with asyncio.timeout(budget):
                        status, resp_headers, body, truncated = await self._exchange(
                            host, wire_url, method, req_headers, cap
                        )
                except TimeoutError:
                    raise _WireTimeout(time.monotonic() - began) from None
            finally:
                host.active -= 1
        return status, resp_headers, body, truncated, time.monotonic() - began

    def _proxy(self, host: _Host, target: yarl.URL) -> tuple[str | None, aiohttp.BasicAuth | None]:
        """The environment's proxy for a URL (with its credentials), decided once per host and scheme."""
        scheme = target.scheme
        proxy = self._proxies.get(scheme) if self._proxies else None
        if not proxy:
            return None, None
        known = host.proxy.get(scheme)
        if known is None:
            if urllib.request.proxy_bypass_environment(target.host or "", self._proxies):
                known = (None, None)
            else:
                url = yarl.URL(proxy if "://" in proxy else "http://" + proxy)
                auth = aiohttp.BasicAuth(url.user or "", url.password or "") if url.user else None
                known = (str(url.with_user(None)), auth)
            host.proxy[scheme] = known
        return known

    async def _exchange(self, host: _Host, target: yarl.URL, method: str, req_headers: dict[str, str], cap: int):
        proxy, proxy_auth = self._proxy(host, target)
        async with self._client().request(
            method, target, headers=req_headers, allow_redirects=False, ssl=bool(self.verify),
            proxy=proxy, proxy_auth=proxy_auth,
        ) as response:
            for raw in response.headers.getall("set-cookie", ()):
                if not raw.isascii() and _header_text("set-cookie", raw) != raw:
                    continue  # bytes that are not UTF-8 cannot be sent back as they came
                name, sep, value = raw.split(";", 1)[0].partition("=")
                if sep and name.strip():
                    host.cookies[name.strip()] = value.strip()
            resp_headers: dict[str, str] = {}
            for name, value in response.headers.items():
                name = name.lower()
                if not value.isascii():
                    value = _header_text(name, value)
                # A repeated header is one comma-separated value (RFC 9110 §5.3), as it always was here.
                resp_headers[name] = f"{resp_headers[name]}, {value}" if name in resp_headers else value
            body, truncated = b"", False
            if method != "HEAD" and response.status not in REDIRECT_CODES:
                body, truncated = await _read_capped(response, cap)
        return response.status, resp_headers, body, truncated

    # ---- the optional headless browser --------------------------------------------------------

    async def _browser_fetch(self, url: str, user_agent: str | None) -> Response | None:
        """Load the page in Debian's chromium (Playwright, imported only when used)."""
        started = time.monotonic()
        try:
            if self._browser is None:
                from playwright.async_api import async_playwright

                self._playwright = await async_playwright().start()
                self._browser = await self._playwright.chromium.launch(executable_path="/usr/bin/chromium")
            ua = USER_AGENTS.get(user_agent, user_agent) if user_agent else self.user_agent
            context = await self._browser.new_context(user_agent=ua)
            try:
                page = await context.new_page()
                # The challenge script sets its cookie and reloads: the last main-document
                # response is the real page.
                documents: list = []
                page.on("response", lambda r: documents.append(r)
                        if r.request.is_navigation_request() and r.frame == page.main_frame else None)
                await page.goto(url, timeout=self.timeout * 1000, wait_until="commit")
                deadline = time.monotonic() + self.timeout
                while time.monotonic() < deadline:
                    with contextlib.suppress(Exception):
                        await page.wait_for_load_state("networkidle", timeout=3000)
                    if documents and documents[-1].status not in CHALLENGE_STATUSES:
                        break
                    await asyncio.sleep(0.2)
                html = ""
                for _ in range(20):  # content() fails while the page is navigating
                    try:
                        html = await page.content()
                        break
                    except Exception:
                        await asyncio.sleep(0.2)
                status = documents[-1].status if documents else None
                host = self._host(host_key(page.url or url))
                for cookie in await context.cookies():
                    host.cookies[cookie["name"]] = cookie["value"]
                body = html.encode("utf-8")
                return Response(
                    url=url, final_url=page.url or url, status=status,
                    headers={"content-type": "text/html; charset=utf-8", CHALLENGE_HEADER: "browser"},
                    body=body[: self.max_bytes], elapsed=time.monotonic() - started, redirects=[url],
                )
            finally:
                await context.close()
        except Exception:  # no browser, a crash, a timeout: the challenge response stands
            return None


async def _read_capped(response: aiohttp.ClientResponse, cap: int) -> tuple[bytes, bool]:
    """The decoded body up to ``cap`` bytes; stops reading at the cap (True when cut)."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.content.iter_chunked(READ_CHUNK):
        if size + len(chunk) > cap:
            chunks.append(chunk[: cap - size])
            return b"".join(chunks), True
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks), False
