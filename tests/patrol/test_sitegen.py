"""The test ground itself: the generated site, its server and its ground truth."""

from __future__ import annotations

import hashlib
import random
import time

import httpx
import pytest

from sanshen.engine import check, extract_bytes
from sanshen.patrol.model import Kind
from tests.patrol.sitegen.generate import DEFECTS, Origins, docx_bytes, generate, id_number, pdf_bytes
from tests.patrol.sitegen.prose import SENTENCES, TITLES
from tests.patrol.sitegen.server import CHALLENGE_VALUE


@pytest.fixture(scope="module")
def offline_site():
    return generate(Origins.fake())


@pytest.fixture
def client():
    with httpx.Client(timeout=10) as c:
        yield c


def _findings(body: bytes, url: str):
    # Extracted as "x.html", not under its URL: given an http://127.0.0.1:PORT/ source the extractor
    # makes the site's own links absolute and the engine reports link:ip on every one of them.
    return check(extract_bytes(body, "x.html"))


def _digest(site) -> str:
    h = hashlib.sha256()
    for origin, paths in sorted(site.hosts.items()):
        for path, res in sorted(paths.items()):
            h.update(f"{origin}{path} {res.status} {res.content_type}".encode())
            h.update(res.body)
    return h.hexdigest()


# -- generation ---------------------------------------------------------------------------------


def test_generation_is_deterministic_and_fast():
    t = time.monotonic()
    a = generate(Origins.fake())
    elapsed = time.monotonic() - t
    b = generate(Origins.fake())
    assert _digest(a) == _digest(b)
    assert a.expected_problems() == b.expected_problems()
    assert 2000 <= a.page_count() <= 3000
    assert elapsed < 2
    assert _digest(generate(Origins.fake(), seed=1)) != _digest(a)


def test_benchmark_size():
    site = generate(Origins.fake(50), pages=20000)
    assert len(site.origins.sites) == 50
    assert sum(len(site.hosts[o]) for o in site.origins.sites) >= 20000
    assert site.expected_problems()  # defects in the first host only
    assert all(e["url"].startswith((site.origins.sites[0], site.origins.external, site.origins.closed,
                                    site.origins.casino)) for e in site.expected_problems())


def test_every_defect_is_planted_and_has_ground_truth(offline_site):
    kinds = {e["kind"] for e in offline_site.expected_problems()}
    assert kinds == {k.value for k in Kind} - {Kind.UNAVAILABLE.value, Kind.PAGE_CHANGED.value}
    assert Kind.ANTI_BOT.value not in {e["kind"] for e in offline_site.expected_problems(challenge_resolved=True)}
    clean = generate(Origins.fake(), defects=())
    assert clean.expected_problems() == []
    assert set(DEFECTS) >= set(offline_site.planted) - {"dead_link_carrier"}


def test_columns_ground_truth(offline_site):
    cols = {c["name"]: c for c in offline_site.expected_columns()}
    assert cols["部门动态"]["latest"] == "2026-10-31"  # 20 days before as_of
    assert cols["通知公告"]["latest"] < "2026-05-20"
    assert cols["应急管理"]["item_count"] == 0
    assert cols["办事指南"]["undated_items"] == cols["办事指南"]["item_count"] > 0
    assert cols["政务要闻"]["latest"] >= "2026-11-15"


def test_id_number_checksum():
    from stdnum.cn import ric

    assert ric.is_valid(id_number()) and len(id_number()) == 18
    assert id_number("110101", "19900307", "757") == "110101199003077571"  # the engine's doctest


def test_prose_pool_is_clean():
    for text in SENTENCES + TITLES:
        assert check(text) == [], text


def test_clean_pages_give_no_engine_findings(offline_site):
    origin = offline_site.origins.sites[0]
    paths = offline_site.hosts[origin]
    urls = random.Random(5).sample(offline_site.clean_articles, 60)
    urls += [origin + p for p, r in paths.items() if r.role in ("list", "home")][:25]
    urls += [origin + "/", origin + "/wzdt/index.html", origin + "/xzdt/index.html"]
    urls += [u for u in offline_site.clean_articles if "/bszn/" in u][:3]
    urls += [u for u in offline_site.clean_articles if "/xzdt/" in u][:3]
    for url in urls:
        findings = _findings(offline_site.resource(url).body, url)
        assert findings == [], (url, [(f.rule, f.text) for f in findings])
    for name, data in (("a.docx", docx_bytes()), ("a.pdf", pdf_bytes())):
        assert check(extract_bytes(data, name)) == [], name


@pytest.mark.parametrize(("defect", "rule"), [
    ("id_number", "privacy:id_card"), ("leader_title", "leaders:title-mismatch"),
    ("hidden_links", "spam:dark-link"), ("script_injection", None),
])
def test_planted_articles_are_flagged(offline_site, defect, rule):
    url = offline_site.planted[defect]
    findings = _findings(offline_site.resource(url).body, url)
    assert findings, defect
    if rule:
        assert rule in {f.rule for f in findings}


def test_unexpected_and_missing(offline_site):
    expected = offline_site.expected_problems()
    assert offline_site.missing(expected) == []
    assert offline_site.unexpected(expected) == []
    stray = {"kind": "content", "url": offline_site.clean_articles[0], "found_on": [], "detail": "", "finding": None}
    assert offline_site.unexpected([stray]) == [stray]
    assert offline_site.missing(expected[1:]) == expected[:1]


# -- the server ---------------------------------------------------------------------------------


def test_pages_statuses_and_encodings(patrol_site, client):
    site = patrol_site.site
    home = client.get(patrol_site.base_url)
    assert home.status_code == 200 and "示范市东城区人民政府" in home.text
    gbk = [u for u in site.clean_articles if "/xzdt/" in u][:2]
    for url in gbk:
        r = client.get(url)
        assert r.status_code == 200
        assert b'<meta charset="gbk">' in r.content
        assert r.headers["content-type"] in ("text/html; charset=utf-8", "text/html")  # wrong or no charset
        assert "发布日期" in r.content.decode("gbk")
    art = client.get(site.clean_articles[0]).text
    assert '<meta name="PubDate" content="' in art and '<meta name="ArticleTitle"' in art
    lst = client.get(patrol_site.base_url + "zwyw/index_1.html")
    assert lst.status_code == 200 and "<span>20" in lst.text
    assert client.get(patrol_site.base_url + "nope.html").status_code == 404
    assert client.get(patrol_site.origins.external + "/gone.html").status_code == 404
    with pytest.raises(httpx.ConnectError):
        client.get(patrol_site.origins.closed + "/")
    casino = client.get(patrol_site.origins.casino + "/")
    assert casino.status_code == 200 and "百家乐" in casino.text
    robots = client.get(patrol_site.base_url + "robots.txt").text
    assert "Disallow: /private/" in robots


def test_soft_404_and_redirects(patrol_site, client):
    base = patrol_site.base_url
    assert "页面不存在" in client.get(base + "zwgk/deleted.html").text
    assert "您访问的页面已删除" in client.get(base + "zwyw/removed.html").text
    r = client.get(base + "old/zwgk.html", follow_redirects=True)
    assert str(r.url) == base and r.status_code == 200
    with pytest.raises(httpx.TooManyRedirects):
        client.get(base + "loop/a.html", follow_redirects=True)


def test_challenge(patrol_site, client):
    url = patrol_site.base_url + "hdjl/index.html"
    r = client.get(url)
    assert r.status_code == 412 and "document.cookie" in r.text and CHALLENGE_VALUE in r.text
    ok = client.get(url, headers={"Cookie": f"wzws_cid={CHALLENGE_VALUE}"})
    assert ok.status_code == 200 and "互动交流" in ok.text


def test_cloaking(patrol_site, client):
    ua_url = patrol_site.site.planted["cloaking_ua"]
    ref_url = patrol_site.site.planted["cloaking_referer"]
    browser = {"User-Agent": "Mozilla/5.0 Chrome/130"}
    spider = {"User-Agent": "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)"}
    assert "百家乐" not in client.get(ua_url, headers=browser).text
    assert "百家乐" in client.get(ua_url, headers=spider).text
    assert "百家乐" not in client.get(ref_url, headers=browser).text
    assert "百家乐" in client.get(ref_url, headers={**browser, "Referer": "https://www.baidu.com/s?wd=x"}).text
    assert _findings(client.get(ua_url, headers=browser).content, ua_url) == []


def test_slow_page_and_latency(patrol_site_restored, client):
    srv = patrol_site_restored
    srv.slow_seconds = 1.5
    with pytest.raises(httpx.ReadTimeout):
        client.get(srv.site.planted["dead_link_carrier"].rsplit("/", 3)[0] + "/zwgk/slow.html", timeout=0.5)
    srv.latency = 0.2
    t = time.monotonic()
    client.get(srv.base_url)
    assert time.monotonic() - t >= 0.2


def test_throttle(patrol_site_restored, client):
    srv = patrol_site_restored
    srv.throttle["/wzdt/index.html"] = 1
    r = client.get(srv.base_url + "wzdt/index.html")
    assert r.status_code == 429 and r.headers["retry-after"] == "1"
    assert client.get(srv.base_url + "wzdt/index.html").status_code == 200


def test_conditional_requests(patrol_site, client):
    url = patrol_site.site.clean_articles[1]
    r = client.get(url)
    etag, lm = r.headers["etag"], r.headers["last-modified"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert client.get(url, headers={"If-Modified-Since": lm}).status_code == 304
    assert client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200


def test_request_log(patrol_site_restored, client):
    srv = patrol_site_restored
    srv.clear_log()
    client.get(srv.base_url + "wzdt/index.html", headers={"User-Agent": "sanshen-test", "Referer": "x"})
    [entry] = srv.requests(path="/wzdt/index.html")
    assert (entry.method, entry.user_agent, entry.referer, entry.status) == ("GET", "sanshen-test", "x", 200)
    assert entry.url == srv.base_url + "wzdt/index.html"


def test_mutate_and_restore(patrol_site_restored, client):
    srv = patrol_site_restored
    url = srv.site.clean_articles[10]
    before = client.get(url)
    assert srv.mutate(url) == url
    after = client.get(url)
    assert "百家乐" in after.text and after.headers["etag"] != before.headers["etag"]
    assert {"kind": "page_changed", "url": url}.items() <= srv.expected_problems()[-1].items()
    assert client.get(url, headers={"If-None-Match": before.headers["etag"]}).status_code == 200
    srv.restore()
    assert client.get(url).content == before.content
    assert all(e["kind"] != "page_changed" for e in srv.expected_problems())
