"""robots.txt, fetched through the patrol's `Fetcher` and read with `urllib.robotparser`.

Obeyed when the site option ``obey_robots`` is true (the default). A robots.txt that is missing
(4xx) or cannot be fetched (network error, 5xx) allows everything: the patrol is the site
owner's own inspection, and an unreachable robots.txt must not silently empty the patrol.
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

from .decode import decode_html

ROBOTS_MAX_BYTES = 512 * 1024
AGENT = "Sanshen-Patrol"


def _origin(url: str) -> str | None:
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc.lower()}"


class Robots:
    """Per-origin robots.txt rules; ``allowed(url)`` fetches each origin's file once."""

    def __init__(self, fetcher, *, obey: bool = True, agent: str = AGENT):
        self.fetcher = fetcher
        self.obey = obey
        self.agent = agent
        self._parsers: dict[str, RobotFileParser | None] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def _parser(self, origin: str) -> RobotFileParser | None:
        if origin in self._parsers:
            return self._parsers[origin]
        lock = self._locks.setdefault(origin, asyncio.Lock())
        async with lock:
            if origin in self._parsers:
                return self._parsers[origin]
            parser: RobotFileParser | None = None
            response = await self.fetcher.fetch(origin + "/robots.txt", max_bytes=ROBOTS_MAX_BYTES, truncate_ok=True)
            if response.status is not None and 200 <= response.status < 300:
                text, _enc = decode_html(response.body, response.headers.get("content-type"))
                parser = RobotFileParser()
                parser.parse(text.splitlines())
            self._parsers[origin] = parser
            return parser

    async def allowed(self, url: str, user_agent: str | None = None) -> bool:
        if not self.obey:
            return True
        origin = _origin(url)
        if origin is None:
            return True
        parser = await self._parser(origin)
        if parser is None:
            return True
        agent = self.agent
        if user_agent and "baiduspider" in user_agent.lower():
            agent = "Baiduspider"
        return parser.can_fetch(agent, url)

    def crawl_delay(self, url: str) -> float | None:
        origin = _origin(url)
        parser = self._parsers.get(origin) if origin else None
        if parser is None:
            return None
        delay = parser.crawl_delay(self.agent)
        return float(delay) if delay is not None else None
