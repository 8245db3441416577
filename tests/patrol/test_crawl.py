"""The crawl loop on a small loopback site: scope, limits, robots, incremental patrols, resume, CLI."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import socket

import pytest

from sanshen.cli import main
from sanshen.patrol.checks.base import SiteCheck
from sanshen.patrol.crawl import run_patrol
from sanshen.patrol.frontier import SqliteFrontier
from sanshen.patrol.model import Kind, Problem

from ._servers import Server, page, slow


class Recorder(SiteCheck):
    """Remembers what it was shown; reports every page whose title says 坏."""

    name = "recorder"

    def __init__(self):
        self.pages: list[str] = []
        self.resources: list[tuple[str, int | None, str]] = []
        self.finished = 0

    async def on_page(self, page, ctx):
        self.pages.append(page.url)
        assert ctx.is_internal(page.url)
        if "坏" in page.title:
            return [Problem(Kind.CONTENT, page.url, "坏标题", found_on=page.found_on, facts={"key": "bad"})]
        return []

    async def on_resource(self, response, link, found_on, ctx):
        self.resources.append((response.url, response.status, link.kind.value))
        if response.status is None or response.status >= 400:
            return [Problem(Kind.DEAD_LINK, response.url, f"HTTP {response.status}", found_on=found_on)]
        return []

    async def finish(self, ctx):
        self.finished += 1
        return []


def html(title: str, *links: str) -> str:
    body = "".join(f'<a href="{href}">{href}</a>' for href in links)
    return f"<html><head><title>{title}</title></head><body><p>{title}</p>{body}</body></html>"


@pytest.fixture
def external():
    with Server({"/ext": page(html("外部", "/ext-deeper")), "/ext-deeper": page("x")}, host="127.0.0.2") as srv:
        yield srv


@pytest.fixture
def site(external):
    routes = {
        "/": page(html("首页", "/a.html", "/b.html", "/doc.pdf", "/missing.html", "/private/p.html",
                       external.url("/ext"))),
        "/a.html": page(html("栏目A", "/c.html", "/b.html", "/img.png")),
        "/b.html": page(html("坏页面", "/")),
        "/c.html": page(html("文章C", "/d.html")),
        "/d.html": page(html("文章D")),
        "/private/p.html": page(html("内部")),
        "/doc.pdf": page(b"%PDF-1.4 fake", ctype="application/pdf"),
        "/img.png": page(b"\x89PNG fake", ctype="image/png"),
        "/robots.txt": page("User-agent: *\nDisallow: /private/\n", ctype="text/plain"),
    }
    with Server(routes) as srv:
        yield srv


def patrol(url, **kw):
    kw.setdefault("checks", [Recorder()])
    kw.setdefault("as_of", dt.date(2026, 11, 20))
    return asyncio.run(run_patrol(url, **kw))


def test_scope_pages_crawled_everything_else_checked(site, external):
    rec = Recorder()
    result = patrol(site.url("/"), checks=[rec])
    assert sorted(rec.pages) == sorted(site.url(p) for p in ("/", "/a.html", "/b.html", "/c.html", "/d.html"))
    checked = {url: kind for url, _status, kind in rec.resources}
    assert checked == {
        site.url("/doc.pdf"): "attachment", site.url("/img.png"): "image", site.url("/missing.html"): "page",
        external.url("/ext"): "page",
    }
    assert external.paths() == ["/ext"]  # external pages are checked, never crawled
    assert site.paths().count("/b.html") == 1  # linked from three pages, fetched once
    assert "/private/p.html" not in site.paths()  # robots.txt obeyed by default
    assert result.pages_crawled == 5 and rec.finished == 1
    kinds = {(p.kind, p.url) for p in result.problems}
    assert kinds == {(Kind.CONTENT, site.url("/b.html")), (Kind.DEAD_LINK, site.url("/missing.html"))}
    bad = next(p for p in result.problems if p.kind == Kind.CONTENT)
    assert sorted(bad.found_on) == [site.url("/"), site.url("/a.html")]
    assert result.stats["pages"] == 5 and result.stats["elapsed"] > 0


def test_robots_ignored_by_site_setting(site):
    rec = Recorder()
    patrol(site.url("/"), checks=[rec], options={"obey_robots": False})
    assert site.url("/private/p.html") in rec.pages


def test_depth_limit_checks_but_does_not_crawl_beyond(site):
    rec = Recorder()
    result = patrol(site.url("/"), checks=[rec], max_depth=1)
    assert site.url("/c.html") not in rec.pages
    assert site.url("/c.html") in [url for url, _s, _k in rec.resources]  # its link is still checked
    assert "/d.html" not in site.paths()
    assert result.pages_crawled == 3


def test_page_limit(site):
    rec = Recorder()
    result = patrol(site.url("/"), checks=[rec], max_pages=2)
    assert result.pages_crawled == 2 and len(rec.pages) == 2


def test_home_page_unreachable_is_reported():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = patrol(f"http://127.0.0.1:{port}/", retries=0, checks=[])
    assert result.pages_crawled == 0
    [problem] = result.problems
    assert problem.kind == Kind.UNAVAILABLE and problem.severity == "veto" and "connect" in problem.detail


def test_incremental_second_patrol_skips_unchanged_pages(tmp_path):
    versions = {"/b.html": html("坏页面 v1", "/")}

    def changing(hit, srv):
        return 200, {"Content-Type": "text/html; charset=utf-8"}, versions["/b.html"].encode()

    routes = {
        "/": page(html("首页", "/a.html", "/b.html"), headers={"ETag": '"home-1"'}),
        "/a.html": page(html("栏目A", "/c.html"), headers={"Last-Modified": "Mon, 02 Nov 2026 08:00:00 GMT"}),
        "/b.html": changing,  # no validators: compared by content hash
        "/c.html": page(html("文章C")),
    }
    state = tmp_path / "patrol.sqlite"
    with Server(routes) as srv:
        first = Recorder()
        r1 = patrol(srv.url("/"), checks=[first], state=state)
        assert len(first.pages) == 4 and len(r1.problems) == 1

        second = Recorder()
        srv.log.clear()
        r2 = patrol(srv.url("/"), checks=[second], state=state)
        assert second.pages == []  # nothing changed: nothing checked again
        assert srv.hits("/")[0].headers.get("if-none-match") == '"home-1"'
        assert srv.hits("/a.html")[0].headers.get("if-modified-since") == "Mon, 02 Nov 2026 08:00:00 GMT"
        assert r2.pages_crawled == 4 and r2.stats["pages_unchanged"] == 4
        assert [p.url for p in r2.problems] == [srv.url("/b.html")]  # the old problem still stands
        assert "/c.html" in srv.paths()  # the 304 pages' links were followed from the stored list

        versions["/b.html"] = html("好页面 v2", "/")
        third = Recorder()
        r3 = patrol(srv.url("/"), checks=[third], state=state)
        assert third.pages == [srv.url("/b.html")]
        assert r3.problems == []


def test_resume_after_interruption_loses_and_repeats_nothing(tmp_path):
    n = 30
    routes = {"/": page(html("首页", *[f"/p{i}.html" for i in range(n)]))}
    routes.update({f"/p{i}.html": slow(0.05, page(html(f"第{i}页"))) for i in range(n)})
    state = tmp_path / "patrol.sqlite"
    with Server(routes) as srv:
        rec = Recorder()

        async def interrupted():
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(
                    run_patrol(srv.url("/"), checks=[rec], state=state, concurrency=4), timeout=0.4
                )

        asyncio.run(interrupted())
        f = SqliteFrontier(state)
        done_before = f.done_count()
        assert 0 < done_before < n + 1 and f.get_meta("status") == "running"
        f.close()
        fetched_before = {p for p in srv.paths()}

        result = patrol(srv.url("/"), checks=[rec], state=state, concurrency=4)
        assert result.pages_crawled == n + 1
        assert set(rec.pages) == {srv.url("/")} | {srv.url(f"/p{i}.html") for i in range(n)}
        refetched = [p for p in srv.paths()[len(fetched_before):] if p in fetched_before]
        # Only pages whose task was in flight at the interruption are fetched again.
        assert len(set(refetched) - {"/robots.txt"}) <= 4 + 1


def test_cli_json_shape(site, capsys):
    code = main(["patrol", site.url("/"), "--format", "json", "--max-pages", "3", "--timeout", "5"])
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"site", "pages_crawled", "problems"}
    assert data["site"] == site.url("/") and data["pages_crawled"] == 3
    for p in data["problems"]:
        assert set(p) == {"kind", "url", "found_on", "detail", "severity", "finding"}
    assert code == (1 if data["problems"] else 0)


def test_cli_text_and_errors(site, capsys):
    code = main(["patrol", site.url("/"), "--max-depth", "0", "--no-robots"])
    out = capsys.readouterr().out
    assert out.startswith(f"巡检 {site.url('/')}：抓取页面 1 个")
    assert code in (0, 1)
    assert main(["patrol", "http://exa mple/"]) == 2
    assert main(["patrol", "ftp://example.gov.cn/"]) == 2
