"""Scoring facts from one patrol's problems and columns (the one-shot `sanshen inspect`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sanshen.patrol.model import Column, Kind, Problem

from .facts import ColumnFact, ContentFact, DeadLinkFact, IncidentFact, Probe, SiteFacts

INCIDENT_KINDS = frozenset({Kind.HIDDEN_LINK, Kind.SPAM_INJECTION, Kind.CLOAKING, Kind.PAGE_CHANGED})


def column_fact(col: Column) -> ColumnFact:
    blank = col.item_count == 0
    return ColumnFact(col.name, col.url, col.update_class, col.max_age_days, col.latest, blank)


def facts_from_patrol(
    site: str,
    as_of: dt.date,
    problems: Iterable[Problem],
    columns: Iterable[Column] | None,
    *,
    one_shot: bool = True,
    home_probe: Probe | None = None,
) -> SiteFacts:
    """``home_probe``: the patrol's own fetch of the home page, one availability sample (never
    enough for the veto, which needs a week of probes, but a failure is worth a warning)."""
    problems = list(problems)
    cols = None if columns is None else [column_fact(c) for c in columns]
    dated = [c.latest for c in cols or [] if c.latest]
    home_down = any(p.kind == Kind.UNAVAILABLE for p in problems)
    facts = SiteFacts(
        site=site,
        as_of=as_of,
        # The home page's freshness: the newest item of any column the patrol found (a site whose
        # home page shows no dated column has no measurable update date).
        home_latest=max(dated) if dated else None,
        home_measured=bool(cols) and not home_down,
        columns=None if home_down else cols,
        dead_links=[
            DeadLinkFact(p.url, bool(p.facts.get("on_home")), tuple(p.found_on), p.detail)
            for p in problems
            if p.kind in (Kind.DEAD_LINK, Kind.SOFT_404)
        ],
        content=[
            ContentFact(
                p.url,
                str(p.finding.get("category", "")),
                str(p.finding.get("rule", "")),
                str(p.finding.get("severity", p.severity)),
                str(p.finding.get("text", "")),
                str(p.finding.get("message", "")),
            )
            for p in problems
            if p.kind == Kind.CONTENT and p.finding
        ],
        incidents=[IncidentFact(p.kind.value, p.url, p.detail) for p in problems if p.kind in INCIDENT_KINDS],
        one_shot=one_shot,
        probes=[home_probe] if home_probe else None,
    )
    if home_down:
        facts.notes.append("首页无法访问，本次巡检未能取得栏目与内容。")
    return facts
