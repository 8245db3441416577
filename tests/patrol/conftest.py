"""Fixtures of the patrol tests: the generated government site served on loopback."""

from __future__ import annotations

import pytest

from tests.patrol.sitegen.server import SiteServer


@pytest.fixture(scope="session")
def patrol_site():
    """The generated site (~2,500 pages, every defect planted), served for the whole session.

    Attributes: base_url, site_urls, origins (.sites/.external/.casino/.closed), as_of, site (the
    `Site`: expected_problems(), expected_columns(), unexpected(), missing(), planted,
    clean_articles), log / requests() / clear_log(), mutate() / restore(), latency,
    slow_seconds (3 s: use a crawler timeout of 1–2 s), throttle, retry_after.
    A test that changes options or mutates pages must call ``patrol_site.restore()`` (and reset
    ``latency``) when done; the `patrol_site_restored` fixture does that.
    """
    with SiteServer(slow_seconds=3.0) as srv:
        yield srv


@pytest.fixture
def patrol_site_restored(patrol_site):
    """`patrol_site`, restored (mutations, throttle, latency, log) after the test."""
    yield patrol_site
    patrol_site.restore()
    patrol_site.latency = 0.0
    patrol_site.slow_seconds = 3.0
    patrol_site.clear_log()
