from sanshen.patrol.checks.soft404 import Soft404Check
from sanshen.patrol.model import Kind, Link, LinkKind, Response

from .fakes import SITE, FakeContext, html_response, layout, make_page, run

URL = "http://www.xx.gov.cn/zwgk/tzgg/202611/t20261110_123.html"


def _check(page, ctx=None):
    return run(Soft404Check().on_page(page, ctx or FakeContext()))


def test_title_says_page_does_not_exist():
    page = make_page(URL, layout("<div class='err'><img src='/404.png'></div>", title="页面不存在_XX县人民政府"),
                     found_on=[SITE])
    problems = _check(page)
    assert [(p.kind, p.url) for p in problems] == [(Kind.SOFT_404, URL)] and problems[0].found_on == [SITE]


def test_short_page_with_message_in_text():
    for message in ("对不起，您访问的页面不存在！", "该信息已被删除", "抱歉，无权访问", "404 Not Found", "找不到页面"):
        page = make_page(URL, layout(f"<div class='main'><p>{message}</p><p><a href='/'>返回首页</a></p></div>"))
        assert [p.kind for p in _check(page)] == [Kind.SOFT_404], message


def test_deep_url_redirected_home():
    response = html_response(URL, "<p>首页</p>", final_url=SITE, redirects=[URL, SITE])
    page = make_page(URL, layout("<p>首页内容</p>"), response=response)
    assert [p.facts["reason"] for p in _check(page)] == ["redirect_home"]
    check = Soft404Check()
    problems = run(check.on_resource(response, Link(URL, LinkKind.PAGE), [SITE], FakeContext()))
    assert problems and problems[0].found_on == [SITE]


def test_article_discussing_missing_pages_is_not_soft_404():
    body = """<div class='article'><h1>关于网站“页面不存在”等问题的整改情况报告</h1>
<p>按照市政府办公室通报要求，我局对门户网站开展全面自查。检查发现部分旧栏目链接打开后显示“页面不存在”，
共计12处，均已于11月5日前完成整改，并建立链接巡检机制，每周对全站链接进行扫描，确保不再出现此类问题。</p>
<p>下一步，我局将进一步加强网站日常监测，严格落实“三审三校”制度，对发现的错链、断链问题第一时间处理。</p>
<p>页面不存在</p></div>"""
    assert _check(make_page(URL, layout(body, title="关于网站页面不存在问题的整改情况_XX县人民政府"))) == []


def test_ordinary_pages_and_root_redirects_are_not_soft_404():
    ctx = FakeContext()
    assert _check(make_page(URL, layout("<h1>通知</h1><p>各单位：请于11月20日前报送材料。</p>")), ctx) == []
    # http://host/ -> /index.html is housekeeping, and the home page is not checked for messages
    r = html_response("http://www.xx.gov.cn/index.html", "", final_url=SITE, redirects=["http://www.xx.gov.cn/", SITE])
    assert run(Soft404Check().on_resource(r, Link(r.url, LinkKind.PAGE), [], ctx)) == []
    # a list page titled with a number 404 in a document number is fine
    page = make_page(URL, layout("<p>县政府办〔2026〕404号文件解读</p>", title="县政府办〔2026〕404号_XX县人民政府"))
    assert _check(page, ctx) == []
    # a real 404 status is a dead link, not a soft 404
    r404 = Response(URL, URL, 404, {"content-type": "text/html"}, b"")
    assert _check(make_page(URL, "<title>404 Not Found</title>", response=r404), ctx) == []
