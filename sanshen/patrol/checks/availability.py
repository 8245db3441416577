"""Availability (站点无法访问): the national rule over monitoring probes, and the one-shot home-page check.

The rule (国办秘函〔2019〕19号, also the 2015 普查): the home page is visited repeatedly over a week;
a visit not open within 15 s counts as a failure; failures ≥ 5 % of all visits → single veto.
Monitoring services warn earlier: ≥ 3 % → warning, 2 failures in a row → alert.
:func:`availability_verdict` is that rule as a pure function over :class:`Probe` records, for the
platform's scheduled probes. :class:`AvailabilityCheck` is the one-shot patrol part: the home page
answering nothing or an HTTP error is kind ``unavailable`` (veto).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..model import FetchError, Kind, Link, Page, Problem, Response
from ._common import is_home
from .anti_bot import is_challenge
from .base import PatrolContext, SiteCheck

TIMEOUT_S = 15.0
WINDOW = dt.timedelta(days=7)
VETO_RATE = 0.05
WARNING_RATE = 0.03
ALERT_RUN = 2


@dataclass(slots=True)
class Probe:
    """One visit of a home page by the monitor."""

    at: dt.datetime
    status: int | None  # None: no answer
    elapsed: float = 0.0  # seconds
    error: str = ""

    @property
    def failed(self) -> bool:
        return self.status is None or self.status >= 400 or self.elapsed >= TIMEOUT_S

    @classmethod
    def from_response(cls, response: Response, at: dt.datetime) -> Probe:
        return cls(at, response.status, response.elapsed, str(response.error or ""))


def availability_verdict(probes: list[Probe], now: dt.datetime) -> dict:
    """The verdict over the 7 days before ``now``.

    Returns ``{"level": "ok"|"alert"|"warning"|"veto"|"unknown", "probes", "failures", "failure_rate",
    "consecutive_failures", "window_start", "window_end", "reasons": [...]}``. ``level`` is the worst
    that applies (veto > warning > alert); "unknown" when there is no probe in the window. Naive and
    aware datetimes must not be mixed.
    """
    start = now - WINDOW
    window = sorted((p for p in probes if start < p.at <= now), key=lambda p: p.at)
    failures = sum(1 for p in window if p.failed)
    run = longest = 0
    for p in window:
        run = run + 1 if p.failed else 0
        longest = max(longest, run)
    trailing = 0
    for p in reversed(window):
        if not p.failed:
            break
        trailing += 1
    rate = failures / len(window) if window else 0.0
    reasons = []
    if not window:
        level = "unknown"
    else:
        level = "ok"
        if longest >= ALERT_RUN:
            level = "alert"
            reasons.append(f"连续 {longest} 次访问失败（≥{ALERT_RUN} 次告警）")
        if rate >= WARNING_RATE:
            level = "warning"
            reasons.append(f"近 7 天访问失败率 {rate:.1%}（≥{WARNING_RATE:.0%} 预警）")
        if rate >= VETO_RATE:
            level = "veto"
            reasons[-1] = f"近 7 天访问失败率 {rate:.1%}（≥{VETO_RATE:.0%}，单项否决）"
    return {
        "level": level, "probes": len(window), "failures": failures, "failure_rate": round(rate, 4),
        "consecutive_failures": longest, "trailing_failures": trailing,
        "window_start": start.isoformat(), "window_end": now.isoformat(), "reasons": reasons,
    }


def unavailable_reason(response: Response) -> str | None:
    if response.status is None:
        error = response.error or FetchError.CONNECT
        return f"首页无法访问（{error}{'：' + response.error_detail if response.error_detail else ''}）"
    if is_challenge(response):
        return None  # a verification wall: the site is up (anti_bot reports it)
    if response.status >= 400:
        return f"首页返回 HTTP {response.status}"
    if response.elapsed >= TIMEOUT_S:
        return f"首页打开用时 {response.elapsed:.1f} 秒（≥15 秒视为无法访问）"
    return None


class AvailabilityCheck(SiteCheck):
    name = "availability"

    def __init__(self):
        self.reported = False

    def _check(self, response: Response, ctx, home: bool = False) -> list[Problem]:
        if self.reported or not (home or is_home(response.url, ctx)):
            return []
        reason = unavailable_reason(response)
        if reason is None:
            return []
        self.reported = True
        return [Problem(
            kind=Kind.UNAVAILABLE, url=response.url, detail=reason, severity="veto",
            facts={"key": "home", "status": response.status, "error": str(response.error or ""),
                   "elapsed": response.elapsed},
        )]

    async def on_page(self, page: Page, ctx: PatrolContext) -> list[Problem]:
        if page.is_home and page.response is not None:
            return self._check(page.response, ctx, home=True)
        return []

    async def on_resource(
        self, response: Response, link: Link, found_on: list[str], ctx: PatrolContext
    ) -> list[Problem]:
        return self._check(response, ctx)
