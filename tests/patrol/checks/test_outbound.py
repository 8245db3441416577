from sanshen.patrol.checks.outbound import OutboundCheck
from sanshen.patrol.model import Kind, Link, LinkKind, Response

from .fakes import SITE, FakeContext, html_response, run

SPAM = """<html><head><title>澳门新葡京_皇冠体育_百家乐官网</title></head><body>
<p>澳门新葡京 真人百家乐 皇冠体育 在线投注</p></body></html>"""
NEWS = """<html><head><title>我市破获一起网络赌博案_某市新闻网</title></head><body>
<p>近日，市公安局破获一起网络赌博案件，涉案人员利用境外赌博网站组织赌博，警方提醒市民远离赌博。</p></body></html>"""


def _check(url, response, ctx=None, text="合作单位"):
    return run(OutboundCheck().on_resource(response, Link(url, LinkKind.PAGE, text), [SITE], ctx or FakeContext()))


def test_expired_friendly_link_now_gambling():
    url = "http://www.old-partner.com/"
    problems = _check(url, html_response(url, SPAM))
    assert [(p.kind, p.severity, p.found_on) for p in problems] == [(Kind.BAD_OUTBOUND_LINK, "high", [SITE])]
    assert problems[0].facts["words"]


def test_ordinary_external_targets_are_fine():
    for url, html in (("http://www.citynews.com/a.html", NEWS),
                      ("http://www.some-company.com/", "<title>某某科技有限公司</title><p>产品介绍</p>")):
        assert _check(url, html_response(url, html)) == []
    # internal links, failed targets and non-HTML are not this check's business
    assert _check("http://www.xx.gov.cn/a.html", html_response("http://www.xx.gov.cn/a.html", SPAM)) == []
    url = "http://www.old-partner.com/"
    assert _check(url, Response(url, url, 404)) == []
    assert _check(url, Response(url, url, 200, {"content-type": "application/pdf"}, b"%PDF-1.4")) == []


def test_content_reading_can_be_turned_off():
    url = "http://www.old-partner.com/"
    assert _check(url, html_response(url, SPAM), FakeContext(options={"outbound_content": False})) == []
