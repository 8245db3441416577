"""What scoring knows about a site for a period. A field left None was not measured: the scorer
lists the indicators that need it under `not_measured` instead of guessing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Probe:
    at: dt.datetime
    ok: bool
    elapsed: float  # seconds
    detail: str = ""


@dataclass(frozen=True)
class ColumnFact:
    name: str
    url: str
    update_class: str  # news | notice | yearly | custom | none
    max_age_days: int | None
    latest: dt.date | None
    blank: bool = False


@dataclass(frozen=True)
class DeadLinkFact:
    url: str
    on_home: bool
    found_on: tuple[str, ...] = ()
    detail: str = ""


@dataclass(frozen=True)
class ContentFact:
    """An engine finding on the site (category/rule/severity as the engine reports them)."""

    url: str
    category: str
    rule: str
    severity: str
    text: str
    message: str = ""
    first_seen: dt.date | None = None
    open: bool = True


@dataclass(frozen=True)
class IncidentFact:
    """A tampering/dark-link problem (patrol kinds hidden_link, spam_injection, cloaking, page_changed…)."""

    kind: str
    url: str
    detail: str
    first_seen: dt.date | None = None
    open: bool = True


@dataclass(frozen=True)
class MessageFact:
    """A valid message in a consultation column: when it came and when (if) it was answered."""

    received: dt.date
    answered: dt.date | None
    title: str = ""


@dataclass
class SiteFacts:
    site: str
    as_of: dt.date
    platform: str = "website"
    probes: list[Probe] | None = None
    home_latest: dt.date | None = None
    home_measured: bool = False
    columns: list[ColumnFact] | None = None
    dead_links: list[DeadLinkFact] | None = None
    content: list[ContentFact] | None = None
    incidents: list[IncidentFact] | None = None
    messages: list[MessageFact] | None = None
    one_shot: bool = False  # a single patrol: durations of problems are unknown
    notes: list[str] = field(default_factory=list)
