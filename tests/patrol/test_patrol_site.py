"""The test ground: one patrol over the generated site finds every planted problem and nothing else;
a second patrol after tampering reports the change."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from sanshen.patrol.crawl import run_patrol
from sanshen.patrol.model import Kind


def _patrol(srv, state):
    return asyncio.run(run_patrol(srv.base_url, as_of=srv.as_of, timeout=2, max_pages=5000, state=str(state)))


@pytest.fixture(scope="module")
def first_patrol(patrol_site, tmp_path_factory):
    state = tmp_path_factory.mktemp("patrol") / "site.sqlite3"
    patrol_site.clear_log()
    result = _patrol(patrol_site, state)
    return result, list(patrol_site.log), state


def test_every_planted_problem_is_found(first_patrol, patrol_site):
    result, _, _ = first_patrol
    problems = [p.to_json() for p in result.problems]
    # The crawler replays the 412 challenge's cookie, so the page is read and no anti_bot remains.
    assert patrol_site.site.missing(problems, challenge_resolved=True) == []


def test_nothing_else_is_reported(first_patrol, patrol_site):
    result, _, _ = first_patrol
    problems = [p.to_json() for p in result.problems]
    assert patrol_site.site.unexpected(problems) == []


def test_found_on_names_the_linking_pages(first_patrol, patrol_site):
    result, _, _ = first_patrol
    by_url = {(p.kind, p.url): p for p in result.problems}
    for expected in patrol_site.site.expected_problems(challenge_resolved=True):
        if expected["kind"] == Kind.DEAD_LINK.value and expected["found_on"]:
            got = by_url[(Kind.DEAD_LINK, expected["url"])]
            assert set(expected["found_on"]) <= set(got.found_on), expected["url"]


def test_columns_are_found_with_their_classes(first_patrol, patrol_site):
    result, _, _ = first_patrol
    found = {c.url: c for c in result.columns}
    for expected in patrol_site.site.expected_columns():
        column = found.get(expected["url"])
        assert column is not None, expected["url"]
        assert column.update_class == expected["update_class"], expected["url"]


def test_robots_obeyed_and_no_page_fetched_twice(first_patrol, patrol_site):
    _, log, _ = first_patrol
    assert not [e for e in log if e.path.startswith("/private/")]
    # The same URL with the same client identity: once (cloaking variants are other identities;
    # the 412 challenge is answered once more with its cookie).
    repeats = Counter((e.origin, e.path, e.user_agent, e.referer) for e in log if e.path != "/robots.txt")
    twice = {k: n for k, n in repeats.items() if n > 1 and not k[1].startswith("/hdjl/")}
    assert twice == {}


def test_second_patrol_reports_tampering_and_skips_unchanged_pages(first_patrol, patrol_site_restored):
    first, _, state = first_patrol
    srv = patrol_site_restored
    tampered = srv.mutate()
    srv.clear_log()
    second = _patrol(srv, state)
    changed = [p for p in second.problems if p.kind == Kind.PAGE_CHANGED]
    assert [p.url for p in changed] == [tampered]
    # Everything found the first time is still found (unchanged pages carry their problems over).
    assert {p.key() for p in first.problems} <= {p.key() for p in second.problems}
