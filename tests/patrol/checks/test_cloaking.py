from sanshen.patrol.checks.cloaking import BAIDUSPIDER, CloakingCheck
from sanshen.patrol.model import Kind

from .fakes import SITE, FakeContext, html_response, layout, make_page, run

NORMAL = layout("<p>欢迎访问XX县人民政府门户网站</p>", title="XX县人民政府")
SPIDER = layout("<p>澳门新葡京 皇冠体育 <a href='http://www.ag8866.com/'>百家乐</a></p>",
                title="澳门新葡京_皇冠体育_XX县人民政府")


def test_spider_only_spam_is_cloaking():
    def handler(url, ua, referer):
        return html_response(url, SPIDER if ua == BAIDUSPIDER else NORMAL)

    ctx = FakeContext(handler=handler)
    problems = run(CloakingCheck().on_page(make_page(SITE, NORMAL, is_home=True), ctx))
    assert [(p.kind, p.severity) for p in problems] == [(Kind.CLOAKING, "veto")]
    assert "Baiduspider" in problems[0].detail and "www.ag8866.com" in problems[0].facts["hosts"]
    assert ctx.fetched[0][1] == BAIDUSPIDER


def test_search_referer_only_spam_is_cloaking():
    def handler(url, ua, referer):
        return html_response(url, SPIDER if referer and "baidu.com/s?wd=" in referer else NORMAL)

    ctx = FakeContext(handler=handler)
    problems = run(CloakingCheck().on_page(make_page(SITE, NORMAL, is_home=True), ctx))
    assert problems and "百度搜索" in problems[0].detail
    assert any(r and "wd=XX" in r for _, _, r in ctx.fetched)


def test_layout_differences_and_failures_are_not_cloaking():
    mobile = layout("<div class='m'><p>欢迎访问</p><a href='/m/'>手机版</a></div>", title="XX县人民政府-移动版")
    ctx = FakeContext(handler=lambda url, ua, ref: html_response(url, mobile))
    assert run(CloakingCheck().on_page(make_page(SITE, NORMAL, is_home=True), ctx)) == []
    ctx = FakeContext()  # every variant answers 404
    assert run(CloakingCheck().on_page(make_page(SITE, NORMAL, is_home=True), ctx)) == []


def test_sample_size_and_switch():
    ctx = FakeContext(handler=lambda url, ua, ref: html_response(url, NORMAL),
                      options={"cloaking_sample": 2, "cloaking_front": 3})
    check = CloakingCheck()
    for i in range(5):
        run(check.on_page(make_page(f"http://www.xx.gov.cn/d{i}.html", NORMAL, depth=3, is_home=False), ctx))
    assert len(ctx.fetched) == 4  # 2 deep pages x 2 variants
    for i in range(5):
        run(check.on_page(make_page(f"http://www.xx.gov.cn/{i}.html", NORMAL, depth=1, is_home=False), ctx))
    assert len(ctx.fetched) == 4 + 6  # and 3 pages the home page links to, whatever the deep sample
    off = FakeContext(options={"cloaking": False})
    run(CloakingCheck().on_page(make_page(SITE, NORMAL, is_home=True), off))
    assert off.fetched == []
