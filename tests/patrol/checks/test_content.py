import io

import docx

from sanshen.patrol.checks.content import ContentCheck
from sanshen.patrol.model import Kind, Link, LinkKind, Response

from .fakes import SITE, FakeContext, layout, make_page, merge, run

A1 = "http://www.xx.gov.cn/zwgk/gzdt/202611/t20261110_1.html"
A2 = "http://www.xx.gov.cn/zwgk/gzdt/202611/t20261111_2.html"
WRONG = "习近平新时代中国特设社会主义思想"


def _pages(pages, ctx=None):
    ctx = ctx or FakeContext()
    check = ContentCheck()
    problems = []
    for page in pages:
        problems += run(check.on_page(page, ctx))
    return merge(problems + run(check.finish(ctx)))


def test_article_error_reported_with_engine_finding():
    page = make_page(A1, layout(f"<h1>我县召开理论学习会</h1><p>会议深入学习{WRONG}，要求全县上下抓好落实。</p>",
                                title="我县召开理论学习会_XX县人民政府"), found_on=[SITE])
    problems = _pages([page])
    assert len(problems) == 1
    p = problems[0]
    assert p.kind == Kind.CONTENT and p.url == A1 and p.severity == "veto"
    assert p.finding["rule"] == "expression-formulations:xi-thought" and p.finding["text"] == WRONG
    assert set(p.finding) == {"category", "rule", "severity", "start", "end", "text", "message", "suggestion",
                              "confidence"}


def test_boilerplate_repeated_on_every_page_is_reported_once():
    banner = f'<div id="banner">深入学习贯彻{WRONG}</div>'
    pages = [make_page(SITE, layout(banner + "<p>首页</p>")),
             make_page(A1, layout(banner + "<p>文章一正文。</p>")),
             make_page(A2, layout(banner + "<p>文章二正文。</p>"))]
    problems = _pages(pages)
    assert len(problems) == 1 and problems[0].url == SITE and problems[0].found_on == [SITE, A1, A2]


def test_same_error_in_two_articles_is_two_problems():
    pages = [make_page(A1, layout(f"<p>一、学习{WRONG}的体会。</p>")),
             make_page(A2, layout(f"<p>二、贯彻{WRONG}，推动发展。</p>"))]
    assert sorted(p.url for p in _pages(pages)) == [A1, A2]


def test_hidden_and_title_spam_left_to_hidden_check():
    html = layout('<p>正文</p><div style="display:none">澳门新葡京 皇冠体育</div>', title="澳门新葡京_XX县人民政府")
    assert _pages([make_page(A1, html)]) == []


def test_ordinary_government_pages_give_nothing():
    body = """<div class="pos">当前位置：首页 &gt; 工作动态</div><h1>县政府召开第十二次常务会议</h1>
<p>发布时间：2026-11-10 来源：县政府办公室 浏览次数：128</p>
<p>11月10日，县长主持召开县政府第十二次常务会议，研究部署安全生产、冬季供暖等工作。会议强调，要坚持以人民为中心的
发展思想，切实保障群众温暖过冬。县领导出席会议。</p><p>联系人：县政府办公室综合科，联系电话：0551-66778899。</p>"""
    pages = [make_page(SITE, layout("<p>欢迎访问XX县人民政府门户网站</p>")), make_page(A1, layout(body))]
    assert _pages(pages) == []


def _docx(text: str) -> bytes:
    document = docx.Document()
    document.add_paragraph(text)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def test_attachments_readable_and_unreadable():
    ctx = FakeContext()
    check = ContentCheck()
    url = "http://www.xx.gov.cn/uploads/a.docx"
    r = Response(url, url, 200, {"content-type": "application/octet-stream"}, _docx(f"认真学习{WRONG}"))
    problems = run(check.on_resource(r, Link(url, LinkKind.ATTACHMENT, "附件"), [A1], ctx))
    assert [(p.kind, p.url, p.found_on, p.finding["rule"]) for p in problems] == [
        (Kind.CONTENT, url, [A1], "expression-formulations:xi-thought")]
    bad = Response(url, url, 200, {}, b"PK\x03\x04 broken")
    assert run(check.on_resource(bad, Link(url, LinkKind.ATTACHMENT), [A1], ctx)) == []
    xlsx = "http://www.xx.gov.cn/uploads/b.xlsx"
    junk = Response(xlsx, xlsx, 200, {}, bytes(range(256)) * 4)
    assert run(check.on_resource(junk, Link(xlsx, LinkKind.ATTACHMENT), [A1], ctx)) == []
    ext = "http://www.other.com/a.docx"
    outside = Response(ext, ext, 200, {}, _docx(WRONG))
    assert run(check.on_resource(outside, Link(ext, LinkKind.ATTACHMENT), [A1], ctx)) == []
