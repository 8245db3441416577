from sanshen.patrol.checks.hidden import HiddenLinksCheck
from sanshen.patrol.model import Kind

from .fakes import SITE, FakeContext, layout, make_page, merge, run

INNER = "http://www.xx.gov.cn/zwgk/gzdt/202611/t20261110_1.html"
DARK = ('<div style="position:absolute;left:-9999px;top:-9999px"><a href="http://www.ag8866.com/">澳门新葡京</a>'
        '<a href="http://www.hg0088.vip/">皇冠体育</a></div>')


def _problems(pages, ctx=None):
    ctx = ctx or FakeContext()
    check = HiddenLinksCheck()
    problems = []
    for page in pages:
        problems += run(check.on_page(page, ctx))
    return merge(problems + run(check.finish(ctx)))


def test_dark_links_in_template_reported_once_on_home():
    pages = [make_page(SITE, layout(f"<p>首页</p>{DARK}")), make_page(INNER, layout(f"<p>正文</p>{DARK}"))]
    problems = _problems(pages)
    assert len(problems) == 1
    p = problems[0]
    assert p.kind == Kind.HIDDEN_LINK and p.severity == "veto" and p.url == SITE
    assert p.found_on == [SITE, INNER] and "www.ag8866.com" in p.facts["hosts"]
    assert p.facts["reason"] == "off-screen" and p.finding["rule"] == "spam:dark-link"


def test_hidden_plain_external_link_is_high():
    html = layout('<p>正文</p><div style="display:none"><a href="http://www.some-company.com/">某公司</a></div>')
    problems = _problems([make_page(INNER, html)])
    assert [(p.kind, p.severity) for p in problems] == [(Kind.HIDDEN_LINK, "high")]


def test_same_colour_and_font_size_zero():
    html = layout('<div style="background:#fff"><span style="color:#fff">'
                  '<a href="http://www.kaiyun888.com/" style="color:#fff">开云体育</a></span></div>'
                  '<p style="font-size:0"><a href="http://pornhub-cn.top/">x</a></p>')
    problems = _problems([make_page(INNER, html)])
    assert {p.facts["reason"] for p in problems} == {"same-colour", "font-size:0"}
    assert all(p.kind == Kind.HIDDEN_LINK for p in problems)


def test_script_injected_links():
    html = layout("<p>正文</p><script>document.write('<div style=\"display:none\">"
                  "<a href=\"http://www.hg0088.vip\">皇冠体育</a></div>')</script>")
    problems = _problems([make_page(INNER, html)])
    assert [(p.kind, p.severity) for p in problems] == [(Kind.SPAM_INJECTION, "veto")]
    encoded = layout("<script>eval(atob('ZG9jdW1lbnQud3JpdGUoJzxhIGhyZWY9Imh0dHA6Ly93d3cuYWc4ODY2LmNvbSI+"
                     "5r6z6Zeo6LWM5Zy6PC9hPicp'))</script>")
    assert [p.kind for p in _problems([make_page(INNER, encoded)])] == [Kind.SPAM_INJECTION]


def test_title_and_keywords_rewritten():
    html = layout("<p>首页</p>", title="澳门新葡京_bet365官方网站_XX县人民政府",
                  head='<meta name="keywords" content="澳门新葡京,皇冠体育,XX县">')
    problems = _problems([make_page(SITE, html)])
    kinds = {(p.kind, p.severity, p.facts["reason"]) for p in problems}
    assert (Kind.SPAM_INJECTION, "veto", "title") in kinds and (Kind.SPAM_INJECTION, "veto", "meta") in kinds


def test_ordinary_government_pages_give_nothing():
    body = """<div class="tab"><ul style="display:none"><li><a href="/zwgk/tzgg/">通知公告</a></li>
<li><a href="http://www.ah.gov.cn/">安徽省人民政府</a></li><li><a href="https://www.gov.cn/">中国政府网</a></li>
<li><a href="http://www.xinhuanet.com/">新华网</a></li><li><a href="https://weibo.com/xxgov">官方微博</a></li></ul></div>
<select style="display:none" onchange="window.open(this.value)"><option value="http://www.hf.gov.cn/">合肥市</option></select>
<!-- <a href="http://www.old-partner.com/">原合作单位</a> -->
<script>var _hmt=_hmt||[];(function(){var hm=document.createElement("script");
hm.src="https://hm.baidu.com/hm.js?abc";var s=document.getElementsByTagName("script")[0];
s.parentNode.insertBefore(hm,s);})();</script>
<script>document.write(unescape("%3Cspan id='cnzz_stat_icon_1'%3E%3C/span%3E%3Cscript src='https://s4.cnzz.com/z_stat.php%3Fid%3D1'%3E%3C/script%3E"));</script>
<div class="article"><h1>我县开展打击非法赌博专项行动</h1>
<p>近日，县公安局组织开展打击网络赌博专项行动，查处赌博窝点3个。</p></div>"""
    pages = [make_page(SITE, layout(body, title="XX县人民政府门户网站")), make_page(INNER, layout(body))]
    assert _problems(pages) == []
