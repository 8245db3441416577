from sanshen.patrol.checks.tampering import TamperingCheck, distance, simhash
from sanshen.patrol.model import Kind

from .fakes import SITE, FakeBaselines, FakeContext, layout, make_page, run

URL = "http://www.xx.gov.cn/zwgk/gzdt/202611/t20261110_1.html"
ARTICLE = "<h1>县政府召开常务会议</h1><p>会议研究部署了安全生产、冬季供暖和民生实事等工作，要求各单位狠抓落实。</p>"


def _patrols(*htmls, url=URL):
    baselines = FakeBaselines()
    out = []
    for html in htmls:
        ctx = FakeContext(baselines=baselines)
        out.append(run(TamperingCheck().on_page(make_page(url, html), ctx)))
    return out, baselines


def test_first_patrol_records_baseline_only():
    (first,), baselines = _patrols(layout(ARTICLE))
    assert first == [] and baselines.get(URL)["title"] == "XX县人民政府"


def test_ordinary_edit_does_not_alert_and_updates_baseline():
    edited = ARTICLE.replace("民生实事", "民生实事、乡村振兴") + "<p>附：材料。<a href='http://www.ah.gov.cn/'>省政府</a></p>"
    baselines = FakeBaselines()
    run(TamperingCheck().on_page(make_page(URL, layout(ARTICLE)), FakeContext(baselines=baselines)))
    before = baselines.get(URL)["simhash"]
    second = run(TamperingCheck().on_page(make_page(URL, layout(edited)), FakeContext(baselines=baselines)))
    assert second == [] and baselines.get(URL)["simhash"] != before


def test_spam_added_alerts_and_keeps_the_good_baseline():
    hacked = layout(ARTICLE + '<div style="display:none"><a href="http://www.ag8866.com/">澳门新葡京</a></div>')
    (first, second, third), baselines = _patrols(layout(ARTICLE), hacked, hacked)
    assert first == []
    assert [(p.kind, p.severity) for p in second] == [(Kind.PAGE_CHANGED, "veto")]
    assert "ag8866" in second[0].detail and third and third[0].key() == second[0].key()
    assert baselines.get(URL)["injected_hosts"] == []


def test_title_rewritten_with_gambling_terms():
    hacked = layout(ARTICLE, title="澳门新葡京_bet365官方_XX县人民政府")
    (_, second), _ = _patrols(layout(ARTICLE), hacked)
    assert second and second[0].severity == "veto"


def test_home_page_new_plain_external_link_is_low():
    base = layout("<p>首页</p>")
    added = layout("<p>首页 <a href='http://www.some-company.com/'>某公司</a></p>")
    (_, second), _ = _patrols(base, added, url=SITE)
    assert [(p.kind, p.severity) for p in second] == [(Kind.PAGE_CHANGED, "low")]


def test_simhash_is_stable_for_small_edits():
    a = simhash("会议研究部署了安全生产、冬季供暖和民生实事等工作，要求各单位狠抓落实。" * 3)
    b = simhash("会议研究部署了安全生产、冬季供暖和民生实事等工作，要求各单位狠抓落实！" * 3)
    assert distance(a, b) <= 6


def test_simhash_matches_the_per_token_per_bit_definition():
    import hashlib
    import random

    from sanshen.patrol.checks.tampering import _TOKEN, simhash

    def reference(text: str) -> int:
        weights = [0] * 64
        for token in _TOKEN.findall(text):
            h = int.from_bytes(hashlib.blake2b(token.encode(), digest_size=8).digest(), "big")
            for i in range(64):
                weights[i] += 1 if h >> i & 1 else -1
        return sum(1 << i for i in range(64) if weights[i] > 0)

    rng = random.Random(5)
    words = ["政府", "信息", "公开", "通知", "工作", "abc", "x9", "Hello", "区长", "会议"]
    for n in (0, 1, 2, 7, 40, 400):
        text = " ".join(rng.choice(words) for _ in range(n))
        assert simhash(text) == reference(text)
