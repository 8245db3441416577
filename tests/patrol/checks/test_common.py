"""`_common.analyse`: one engine pass per crawled page, on the extraction `parse_page` already made."""

from __future__ import annotations

from sanshen.patrol.checks._common import analyse, analyse_bytes
from sanshen.patrol.model import Response
from sanshen.patrol.page import parse_page

from .fakes import FakeContext

PAGE = """<!DOCTYPE html><html><head><meta charset="gbk"><title>关于开展安全检查的通知_某某区人民政府</title>
<meta name="description" content="安全检查"><style>.x{display:none}</style></head><body>
<div class="nav"><a href="/index.html">首页</a> <a href="../tzgg/">通知公告</a></div>
<p>联系人身份证号 110101199003074514，请于本周内完成自查。</p>
<div class="x"><a href="http://www.bet365-vip.com/">澳门赌场</a></div>
<a href="files/a.pdf">附件</a></body></html>"""


def _page(url="http://www.xx.gov.cn/zwgk/tzgg/t1.html"):
    body = PAGE.encode("gbk")
    response = Response(url=url, final_url=url, status=200, headers={"content-type": "text/html"}, body=body)
    return parse_page(response, url=url)


def test_the_page_analysis_equals_the_engine_reading_the_bytes():
    ctx = FakeContext()
    page = _page()
    assert "extracted" in page.cache
    from_page = analyse(page, ctx)
    from_bytes = analyse_bytes(page.response.body, page.url, ctx)
    assert from_page is not None and from_bytes is not None
    assert from_page.extracted.text == from_bytes.extracted.text
    assert [(s.kind, s.start, s.end, s.attrs) for s in from_page.extracted.segments] == [
        (s.kind, s.start, s.end, s.attrs) for s in from_bytes.extracted.segments]
    assert [(f.rule, f.start, f.end) for f in from_page.findings] == [
        (f.rule, f.start, f.end) for f in from_bytes.findings]
    rules = {f.rule for f in from_page.findings}
    assert any(r.startswith("privacy:") for r in rules)  # the ID number
    assert any(r.startswith(("spam:", "link:")) for r in rules)  # the hidden betting link
    # Kept on the page: the checks asking after it get the same object.
    assert analyse(page, ctx) is from_page


def test_a_page_without_an_extraction_is_read_from_its_bytes():
    ctx = FakeContext()
    page = _page()
    page.cache.clear()
    analysis = analyse(page, ctx)
    assert analysis is not None
    assert "联系人身份证号 110101199003074514" in analysis.extracted.text  # GBK, read by its meta
