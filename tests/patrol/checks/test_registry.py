"""Every registered check together on an ordinary government site: no problem at all."""

import datetime as dt

from sanshen.patrol.checks import REGISTRY, PatrolContext, SiteCheck, columns_of, new_checks
from sanshen.patrol.model import Link, LinkKind, Response

from .fakes import SITE, FakeContext, html_response, layout, make_page, run

LIST = "http://www.xx.gov.cn/zwgk/gzdt/"
ART = "http://www.xx.gov.cn/zwgk/gzdt/202611/t20261118_5.html"


def test_registry_exports():
    assert len(REGISTRY) == 10 and all(issubclass(c, SiteCheck) for c in REGISTRY)
    assert PatrolContext is not None


def test_ordinary_site_gives_no_problem():
    home = layout("<ul>" + "".join(f'<li><a href="/zwgk/gzdt/202611/t2026111{i}_{i}.html">县政府召开第{i}次常务会议'
                                   f"</a> 2026-11-1{i}</li>" for i in range(1, 7)) + "</ul>", title="XX县人民政府")
    items = "".join(f'<li><a href="/zwgk/gzdt/202611/t2026111{i}_{i}.html">县政府召开第{i}次常务会议</a>'
                    f"<span>[11-1{i}]</span></li>" for i in range(1, 7))
    listing = layout('<div class="pos">当前位置：首页 &gt; 政务公开 &gt; 工作动态</div>'
                     f'<ul class="list">{items}</ul><div>共3页 下一页 尾页</div>', title="工作动态_XX县人民政府")
    article = layout('<div class="pos">当前位置：首页 &gt; 工作动态</div><h1>县政府召开第5次常务会议</h1>'
                     "<p>发布时间：2026-11-15 来源：县政府办公室</p>"
                     "<p>会议研究部署安全生产和冬季供暖工作。联系电话：0551-66778899。</p>",
                     head='<meta name="PubDate" content="2026-11-15">')
    ctx = FakeContext(as_of=dt.date(2026, 11, 20))
    checks = new_checks()
    problems = []
    pages = [make_page(SITE, home, depth=0, is_home=True), make_page(LIST, listing, found_on=[SITE]),
             make_page(ART, article, depth=2, found_on=[LIST])]
    for page in pages:
        for check in checks:
            problems += run(check.on_page(page, ctx))
    resources = [
        (html_response("http://www.gov.cn/", "<title>中国政府网</title><p>国务院</p>"), LinkKind.PAGE),
        (html_response("http://www.people.com.cn/", "<title>人民网</title><p>新闻</p>"), LinkKind.PAGE),
        (Response("http://www.xx.gov.cn/img/logo.png", "http://www.xx.gov.cn/img/logo.png", 200), LinkKind.IMAGE),
    ]
    for response, kind in resources:
        for check in checks:
            problems += run(check.on_resource(response, Link(response.url, kind), [SITE], ctx))
    for check in checks:
        problems += run(check.finish(ctx))
    assert problems == []
    assert [(c.name, c.update_class) for c in columns_of(checks)] == [("工作动态", "news")]
