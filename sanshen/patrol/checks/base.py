"""The interface every site check implements, and what the crawler offers it.

A check sees each parsed HTML page (`on_page`), each other fetched resource — attachments,
images, external links, pages that failed (`on_resource`) — and, once the crawl is over,
`finish` (for verdicts over the whole site: stale columns, availability). Checks are small and
independent; they are listed in `sanshen.patrol.checks.REGISTRY`.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Protocol

from ..model import Link, Page, Problem, Response

if TYPE_CHECKING:
    from sanshen.engine import Engine


class Baselines(Protocol):
    """Per-URL fingerprints kept between patrols (tampering); a store in a file or the database."""

    def get(self, url: str) -> dict | None: ...

    def put(self, url: str, fingerprint: dict) -> None: ...


class PatrolContext(Protocol):
    site_url: str  # the home page
    allowed_hosts: frozenset[str]  # host names that belong to the site
    as_of: dt.date  # the day the patrol judges freshness against
    engine: Engine
    baselines: Baselines
    options: dict  # site settings: {"cloaking": bool, "headless": bool, "outbound_content": bool, …}

    def is_internal(self, url: str) -> bool: ...

    async def fetch(self, url: str, *, user_agent: str | None = None, referer: str | None = None) -> Response:
        """An extra fetch through the crawler's politeness and limits (cloaking, outbound checks)."""
        ...


class SiteCheck:
    name: str = ""

    async def on_page(self, page: Page, ctx: PatrolContext) -> list[Problem]:
        return []

    async def on_resource(
        self, response: Response, link: Link, found_on: list[str], ctx: PatrolContext
    ) -> list[Problem]:
        return []

    async def finish(self, ctx: PatrolContext) -> list[Problem]:
        return []

    # State that must survive workers. A check that aggregates over pages (columns) returns, for the
    # page it has just seen in ``on_page``, a JSON-able dict (``page_state``); the crawler stores it in
    # the page's completion record. Before ``finish``, whoever finishes the patrol (one process, or
    # the worker that ends a patrol shared by many, or a patrol resumed after a crash) calls
    # ``restore`` with the states of every completed page, so ``finish`` judges the whole site.

    def page_state(self, page: Page) -> dict | None:
        return None

    def restore(self, states: list[dict]) -> None:
        """Rebuild the check's cross-page state from every page's ``page_state`` (any order)."""
        return None
