"""Per-token (or per-user, for the page's own calls) rate limit of the API.

A fixed window counter in Django's cache: `add` then `incr`, both atomic on Redis and on the
local-memory cache. With the local-memory cache each server process counts on its own, so the
effective limit is the rate times the number of processes; configure a Redis cache
(`SANSHEN_REDIS_URL`) for one shared count. The rate comes from `settings.SANSHEN_API_RATE`
("120/min", "10/s", "5000/hour"; "0" or "off" turns the limit off).
"""

from __future__ import annotations

import math
import re
import threading
import time

from django.conf import settings
from django.core.cache import caches
from ninja.throttling import BaseThrottle

_RATE = re.compile(r"\s*(\d+)\s*/\s*(\d*)\s*(s|sec|second|m|min|minute|h|hour|d|day)\s*", re.I)
_PERIODS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600, "hour": 3600,
            "d": 86400, "day": 86400}  # fmt: skip


def parse_rate(value: str | None) -> tuple[int, int] | None:
    """(requests, seconds) from "120/min" or "100/10s"; None when the limit is off."""
    if value is None or str(value).strip().lower() in ("", "0", "off", "none"):
        return None
    m = _RATE.fullmatch(str(value))
    if not m:
        raise ValueError(f"SANSHEN_API_RATE 格式应为“次数/时间”，如 120/min：{value!r}")
    count, multiple, unit = int(m.group(1)), int(m.group(2) or 1), m.group(3).lower()
    if count <= 0:
        return None
    return count, multiple * _PERIODS[unit]


def client_key(auth) -> str | None:
    from .models import ApiToken

    if isinstance(auth, ApiToken):
        return f"token:{auth.pk}"
    pk = getattr(auth, "pk", None)
    return None if pk is None else f"user:{pk}"


def hit(key: str, count: int, period: int, now: float | None = None) -> float | None:
    """Count one request for `key`; None if allowed, else seconds until the window ends."""
    now = time.time() if now is None else now
    window = int(now // period)
    cache = caches[getattr(settings, "SANSHEN_API_RATE_CACHE", "default")]
    cache_key = f"sanshen:api-rate:{key}:{period}:{window}"
    if cache.add(cache_key, 1, timeout=period + 1):
        used = 1
    else:
        try:
            used = cache.incr(cache_key)
        except ValueError:  # expired between add and incr: a new window has begun
            cache.add(cache_key, 1, timeout=period + 1)
            used = 1
    if used <= count:
        return None
    return (window + 1) * period - now


class TokenRateThrottle(BaseThrottle):
    """ninja throttle: `allow_request` after authentication, `wait` gives Retry-After."""

    def __init__(self) -> None:
        self._local = threading.local()  # one instance serves every thread of the process

    def allow_request(self, request) -> bool:
        self._local.wait = None
        rate = parse_rate(getattr(settings, "SANSHEN_API_RATE", "120/min"))
        key = client_key(getattr(request, "auth", None))
        if rate is None or key is None:
            return True
        wait = hit(key, *rate)
        self._local.wait = wait
        return wait is None

    def wait(self) -> float | None:
        wait = getattr(self._local, "wait", None)
        return None if wait is None else max(1, math.ceil(wait))
