"""HTML extraction: the layout of docs/engine.md, charsets, hiding techniques, links, scripts, hostile pages."""

import base64
import textwrap
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sanshen.engine.document import SEGMENT_KINDS, Extracted
from sanshen.engine.extract import ExtractError, extract_bytes
from sanshen.engine.extract.scripts import analyse_script

LABELS = ("[隐藏内容]", "[链接]", "[脚本]")


def assert_contract(ex: Extracted) -> None:
    previous_end = 0
    for seg in ex.segments:
        assert 0 <= seg.start <= seg.end <= len(ex.text)
        assert seg.start >= previous_end, "segments overlap or are out of order"
        assert seg.kind in SEGMENT_KINDS
        assert "locator" in seg.attrs
        previous_end = seg.end


def html(markup: str, name: str = "page.html", encoding: str = "utf-8") -> Extracted:
    ex = extract_bytes(markup.encode(encoding), name)
    assert ex.format == "html"
    assert_contract(ex)
    return ex


def parts(ex: Extracted, kind: str) -> list[str]:
    return [ex.text[s.start:s.end] for s in ex.segments if s.kind == kind]


def segs(ex: Extracted, kind: str):
    return [s for s in ex.segments if s.kind == kind]


def hidden(ex: Extracted) -> dict[str, str]:
    """Hidden text → reason."""
    return {ex.text[s.start:s.end]: s.attrs["reason"] for s in segs(ex, "hidden")}


# ---- layout -----------------------------------------------------------------------------------

HACKED = """<!DOCTYPE html>
<html><head><meta charset="utf-8">
<title>bet365官方网站_XX县人民政府</title>
<meta name="keywords" content="天天开好彩,XX县人民政府">
<meta name="description" content="XX县人民政府门户网站">
<meta name="SiteName" content="XX县人民政府">
<meta name="ColumnName" content="政务动态">
<meta name="viewport" content="width=device-width">
<style>.ft{position:absolute;left:-9999px}</style>
</head><body>
<div id="main"><h1>XX县召开安全生产工作会议</h1>
<p>11月20日，县政府召开会议，
   部署下一阶段<b>重点</b>工作。</p>
<p>会议强调<a href="/zw/1.html">压实责任</a>。</p>
</div>
<div class="ft"><a href="http://bet.example/">澳门赌场</a><a href="http://x.example/">六合彩</a></div>
<div style="display:none">久久精品</div>
<script>document.write('<a href="http://yl.example/">真人娱乐</a>');</script>
<script>var _hmt = _hmt || [];</script>
</body></html>"""


def test_layout_is_exactly_as_documented():
    ex = html(HACKED, "http://www.xx.gov.cn/zw/index.html")
    assert ex.text == textwrap.dedent("""\
        bet365官方网站_XX县人民政府
        天天开好彩,XX县人民政府
        XX县人民政府门户网站
        XX县人民政府
        政务动态

        XX县召开安全生产工作会议
        11月20日，县政府召开会议， 部署下一阶段重点工作。
        会议强调压实责任。
        [隐藏内容]
        澳门赌场 六合彩
        久久精品
        [链接]
        压实责任 http://www.xx.gov.cn/zw/1.html
        澳门赌场 http://bet.example/
        六合彩 http://x.example/
        [脚本]
        <a href="http://yl.example/">真人娱乐</a>""")
    kinds = [s.kind for s in ex.segments]
    assert kinds == ["title", "meta", "meta", "meta", "meta", "body", "body", "body", "hidden", "hidden",
                     "link", "link", "link", "script"]
    assert [s.attrs["name"] for s in segs(ex, "meta")] == ["keywords", "description", "SiteName", "ColumnName"]
    assert segs(ex, "title")[0].attrs["locator"] == "title"
    assert [s.attrs["locator"] for s in segs(ex, "body")] == [
        "body > div#main > h1[1]", "body > div#main > p[1]", "body > div#main > p[2]",
    ]


def test_hidden_link_and_script_attrs():
    ex = html(HACKED, "http://www.xx.gov.cn/zw/index.html")
    first_hidden = segs(ex, "hidden")[0]
    assert first_hidden.attrs["reason"] == "off-screen"
    assert first_hidden.attrs["hrefs"] == ["http://bet.example/", "http://x.example/"]
    assert first_hidden.attrs["locator"] == "body > div[2]"
    links = segs(ex, "link")
    assert links[0].attrs == {
        "href": "http://www.xx.gov.cn/zw/1.html", "raw": "/zw/1.html", "text": "压实责任", "hidden": False,
        "locator": "body > div#main > p[2] > a[1]", "tag": "a",
    }
    assert links[1].attrs["hidden"] is True and links[1].attrs["reason"] == "off-screen"
    script = segs(ex, "script")[0]
    assert script.attrs["reason"] == "document.write"
    assert script.attrs["hrefs"] == ["http://yl.example/"]


def test_labels_only_when_they_have_segments():
    ex = html("<title>标题</title><p>正文</p>")
    assert ex.text == "标题\n\n正文"
    assert not any(label in ex.text for label in LABELS)
    assert html("<p>只有正文</p>").text == "只有正文"
    assert html("<p>正文</p><a href='http://a.example'></a>").text == "正文\n[链接]\nhttp://a.example"


def test_blocks_break_lines_and_inline_text_joins():
    ex = html("<div>一<span>二</span><em>三</em><div>四</div>五<br>六<ul><li>七</li><li>八</li></ul></div>"
              "<table><tr><td>甲</td><td>乙</td></tr></table>")
    assert parts(ex, "body") == ["一二三", "四", "五", "六", "七", "八", "甲", "乙"]


def test_whitespace_collapses_but_zero_width_characters_stay():
    ex = html("<p>  博\u200b彩 \n\t 网\u200d站&nbsp;&nbsp;大全\ufeff  </p>")
    assert parts(ex, "body") == ["博\u200b彩 网\u200d站 大全\ufeff"]


def test_noscript_is_body_and_style_script_comments_are_dropped():
    ex = html("<style>p{margin:0}</style><script>var a = 1;</script><!-- 普通注释 -->"
              "<noscript>请启用脚本</noscript><p>正文</p>")
    assert ex.text == "请启用脚本\n正文"


def test_pre_keeps_its_lines():
    assert parts(html("<pre>第一行\n第二行</pre>"), "body") == ["第一行", "第二行"]


def test_entities_are_decoded():
    assert parts(html("<p>A&amp;B &lt;c&gt; &#x4e2d;&#22269;</p>"), "body") == ["A&B <c> 中国"]


# ---- charsets ---------------------------------------------------------------------------------

GOV_PAGE = ("<html><head>{meta}<title>县人民政府办公室</title></head>"
            "<body><p>关于印发《政务公开工作要点》的通知，各乡镇人民政府、县直各单位。</p></body></html>")


@pytest.mark.parametrize(
    ("meta", "encoding"),
    [
        ('<meta http-equiv="Content-Type" content="text/html; charset=gb2312">', "gbk"),
        ('<meta charset="GBK">', "gbk"),
        ("<meta charset=gb18030>", "gb18030"),
        ('<meta charset="utf-8">', "gbk"),  # a wrong declaration does not beat bytes that only GBK decodes
        ('<meta charset="iso-8859-1">', "utf-8"),  # nor does a Western one beat real UTF-8
        ("", "gbk"),
        ("", "utf-8"),
        ('<meta charset="utf-8">', "utf-16"),
    ],
)
def test_charsets(meta, encoding):
    ex = html(GOV_PAGE.format(meta=meta), encoding=encoding)
    assert parts(ex, "title") == ["县人民政府办公室"]
    assert parts(ex, "body") == ["关于印发《政务公开工作要点》的通知，各乡镇人民政府、县直各单位。"]


def test_meta_charset_is_trusted_for_big5():
    page = '<meta charset="big5"><p>臺灣省政府公報</p>'
    assert parts(html(page, encoding="big5"), "body") == ["臺灣省政府公報"]


def test_crlf_in_html_does_not_leak_into_text():
    ex = html("<title>a\r\nb</title>\r\n<pre>x\r\ny</pre>")
    assert "\r" not in ex.text


# ---- hiding techniques ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("markup", "reason"),
    [
        ('<div style="display:none">隐藏文字</div>', "display:none"),
        ('<div style="DISPLAY: NONE !important">隐藏文字</div>', "display:none"),
        ('<div style="visibility:hidden">隐藏文字</div>', "visibility:hidden"),
        ('<div style="font-size:0">隐藏文字</div>', "font-size:0"),
        ('<div style="font-size:1px">隐藏文字</div>', "font-size:0"),
        ('<div style="font:0/0 a">隐藏文字</div>', "font-size:0"),
        ('<div style="opacity:0">隐藏文字</div>', "opacity:0"),
        ('<div style="filter:alpha(opacity=0)">隐藏文字</div>', "opacity:0"),
        ('<div style="color:transparent">隐藏文字</div>', "opacity:0"),
        ('<div style="position:absolute;left:-9999px">隐藏文字</div>', "off-screen"),
        ('<div style="position:fixed;top:-3000px">隐藏文字</div>', "off-screen"),
        ('<div style="text-indent:-9999px">隐藏文字</div>', "off-screen"),
        ('<div style="margin-left:-10000px">隐藏文字</div>', "off-screen"),
        ('<div style="transform:translateX(-9999px)">隐藏文字</div>', "off-screen"),
        ('<div style="color:#fff;background:#fff">隐藏文字</div>', "same-colour"),
        ('<div style="color:#FFFFFE;background-color:white">隐藏文字</div>', "same-colour"),
        ('<body bgcolor="#ffffff"><font color="#ffffff">隐藏文字</font></body>', "same-colour"),
        ('<table bgcolor="black"><tr><td><span style="color:rgb(0,0,0)">隐藏文字</span></td></tr></table>',
         "same-colour"),
        ('<font color="white">隐藏文字</font>', "same-colour"),  # white on the default white page
        ('<div style="width:1px;height:1px;overflow:hidden">隐藏文字</div>', "tiny-box"),
        ('<div style="height:0;overflow:hidden">隐藏文字</div>', "tiny-box"),
        ('<div style="position:absolute;clip:rect(0 0 0 0)">隐藏文字</div>', "tiny-box"),
        ('<marquee width="1" height="1">隐藏文字</marquee>', "tiny-box"),
        ("<div hidden>隐藏文字</div>", "hidden-attr"),
    ],
)
def test_each_hiding_technique(markup, reason):
    ex = html(f"<p>正文</p>{markup}")
    assert hidden(ex) == {"隐藏文字": reason}
    assert parts(ex, "body") == ["正文"]
    assert "隐藏文字" not in ex.text[: ex.text.index("[隐藏内容]")]


@pytest.mark.parametrize(
    ("rules", "markup", "reason"),
    [
        (".hd{display:none}", '<div class="hd">隐藏文字</div>', "display:none"),
        ("#bc{visibility:hidden}", '<div id="bc">隐藏文字</div>', "visibility:hidden"),
        ("span{font-size:0}", "<span>隐藏文字</span>", "font-size:0"),
        ("div.a.b{opacity:0}", '<div class="b x a">隐藏文字</div>', "opacity:0"),
        (".box .in{position:absolute;left:-999em}", '<div class="box"><p><i class="in">隐藏文字</i></p></div>',
         "off-screen"),
        ("ul > li.z{display:none}", '<ul><li class="z">隐藏文字</li></ul>', "display:none"),
        ("/* 注释 */ @charset 'utf-8'; .k{color:#000;background:#000}", '<p class="k">隐藏文字</p>', "same-colour"),
        (".w{width:0;height:0;overflow:hidden}", '<div class="w">隐藏文字</div>', "tiny-box"),
        (".a{display:block} .a{display:none}", '<div class="a">隐藏文字</div>', "display:none"),
        ("#x{display:none} .a{display:block}", '<div id="x" class="a">隐藏文字</div>', "display:none"),
        (".a{display:none!important} #x{display:block}", '<div id="x" class="a">隐藏文字</div>', "display:none"),
    ],
)
def test_hiding_by_style_rules(rules, markup, reason):
    ex = html(f"<style>{rules}</style><p>正文</p>{markup}")
    assert hidden(ex) == {"隐藏文字": reason}


@pytest.mark.parametrize(
    "markup",
    [
        '<div aria-hidden="true">可见文字</div>',
        '<div style="display:none;display:block">可见文字</div>',
        '<div hidden style="display:block">可见文字</div>',
        '<div style="height:0">可见文字</div>',  # overflows visibly
        '<div style="left:-9999px;position:static">可见文字</div>',
        '<div style="color:#fff;background:#c00">可见文字</div>',
        '<div style="color:#fff;background:url(bg.png)">可见文字</div>',
        '<div style="font-size:0"><span style="font-size:14px">可见文字</span></div>',
        '<div style="color:#fff;background:#fff"><p style="color:#333">可见文字</p></div>',
        '<div style="font-size:12px;opacity:.9">可见文字</div>',
        '<div style="text-indent:2em">可见文字</div>',
        '<div style="width:1px">可见文字</div>',
    ],
)
def test_not_hidden(markup):
    ex = html(markup)
    assert parts(ex, "body") == ["可见文字"]
    assert not segs(ex, "hidden")


def test_a_hidden_body_is_not_hidden_content():
    ex = html('<body style="display:none"><p>淡入的正文</p><div style="display:none">藏</div></body>')
    assert parts(ex, "body") == ["淡入的正文"]
    assert hidden(ex) == {"藏": "display:none"}


def test_unsupported_and_media_rules_never_hide():
    ex = html("<style>@media print{.p{display:none}} .q:hover{display:none} a[href]{display:none}"
              " .s + .t{display:none}</style><div class='p'>一</div><div class='q'>二</div>"
              "<a href='x' class='t'>三</a>")
    assert not segs(ex, "hidden")


def test_external_stylesheet_makes_default_colours_unknown():
    # The page's real background may come from the stylesheet, so white text is not judged.
    ex = html('<link rel="stylesheet" href="/s.css"><div style="color:#fff">导航</div>')
    assert parts(ex, "body") == ["导航"]
    ex = html('<link rel="stylesheet" href="/s.css"><div style="background:#fff"><b style="color:#fff">字</b></div>')
    assert hidden(ex) == {"字": "same-colour"}


def test_browser_link_colour_is_not_the_inherited_colour():
    ex = html('<div style="color:#fff;background:#fff">文字<a href="http://a.example">链接</a></div>')
    assert hidden(ex) == {"文字": "same-colour"}
    assert parts(ex, "body") == ["链接"]
    assert segs(ex, "link")[0].attrs["hidden"] is False


def test_nested_hidden_wrappers_give_one_segment_for_the_outermost():
    ex = html('<p>正文</p><div style="display:none"><div style="visibility:hidden"><p>第一段'
              '<a href="http://a.example/">链接一</a></p><p style="font-size:0">第二段</p></div></div>'
              '<p>结尾</p>')
    assert hidden(ex) == {"第一段 链接一 第二段": "display:none"}
    assert parts(ex, "body") == ["正文", "结尾"]
    assert segs(ex, "hidden")[0].attrs["hrefs"] == ["http://a.example/"]
    assert segs(ex, "link")[0].attrs["hidden"] is True


def test_hidden_inline_element_does_not_split_the_visible_line():
    ex = html("<p>合法<span style='display:none'>垃圾</span>文字</p>"
              "<p>前<div style='display:none'>块</div>后</p>")
    assert parts(ex, "body")[0] == "合法文字"
    assert "垃圾" in hidden(ex)


def test_faint_runs_are_grouped_under_their_outermost_element():
    ex = html('<div style="font-size:0"><p>一</p><p>二</p><p style="font-size:16px">可见</p><p>三</p></div>')
    assert hidden(ex) == {"一 二 三": "font-size:0"}
    assert parts(ex, "body") == ["可见"]


def test_comments_with_links_are_hidden_content():
    ex = html('<p>正文</p><!-- <a href="http://spam.example/">澳门赌场</a> 更多 http://more.example -->'
              '<!-- 版权所有 --><!--[if lt IE 9]><script src="http://cdn.example/html5.js"></script><![endif]-->')
    assert hidden(ex) == {"澳门赌场 更多 http://more.example": "comment"}
    assert segs(ex, "hidden")[0].attrs["hrefs"] == ["http://spam.example/", "http://more.example"]
    link = segs(ex, "link")[0]
    assert (link.attrs["href"], link.attrs["text"], link.attrs["hidden"]) == ("http://spam.example/", "澳门赌场", True)


def test_tiny_iframe_is_hidden_and_listed():
    ex = html('<p>正文</p><iframe src="http://evil.example/x" width="0" height="0"></iframe>'
              '<iframe src="/map.html" width="600" height="400"></iframe>'
              '<iframe src="http://b.example" style="display:none"></iframe>')
    assert hidden(ex) == {"http://evil.example/x": "tiny-box", "http://b.example": "display:none"}
    frames = [(s.attrs["href"], s.attrs["hidden"], s.attrs["tag"]) for s in segs(ex, "link")]
    assert frames == [("http://evil.example/x", True, "iframe"), ("/map.html", False, "iframe"),
                      ("http://b.example", True, "iframe")]


# ---- links ------------------------------------------------------------------------------------


def test_links_resolve_against_base_and_keep_raw():
    ex = html('<base href="http://www.gov.cn/a/"><a href="b.html">相对</a><a href="../c.html">上级</a>'
              '<a href="javascript:void(0)">脚本</a><a href="#top">顶部</a><a href=" http://x.example ">空格</a>')
    got = [(s.attrs["href"], s.attrs["raw"], s.attrs["text"]) for s in segs(ex, "link")]
    assert got == [
        ("http://www.gov.cn/a/b.html", "b.html", "相对"),
        ("http://www.gov.cn/c.html", "../c.html", "上级"),
        ("javascript:void(0)", "javascript:void(0)", "脚本"),
        ("#top", "#top", "顶部"),
        ("http://x.example", "http://x.example", "空格"),
    ]


def test_links_resolve_against_a_url_name_and_stay_raw_otherwise():
    page = '<a href="x.html">相对</a>'
    assert segs(html(page, "http://www.xx.gov.cn/col/index.html"), "link")[0].attrs["href"] == (
        "http://www.xx.gov.cn/col/x.html"
    )
    assert segs(html(page, "/tmp/page.html"), "link")[0].attrs["href"] == "x.html"


def test_link_line_is_anchor_text_then_href():
    ex = html('<a href="http://a.example/"> 澳门\n  赌场 </a><a href="http://b.example/"><img src="x.png"></a>')
    assert parts(ex, "link") == ["澳门 赌场 http://a.example/", "http://b.example/"]


# ---- scripts ----------------------------------------------------------------------------------


def _script_seg(markup: str):
    ex = html(markup)
    found = segs(ex, "script")
    assert len(found) == 1, ex.text
    seg = found[0]
    return ex.text[seg.start:seg.end], seg.attrs


def test_eval_atob_is_decoded():
    payload = base64.b64encode('<a href="http://bc.example/">澳门赌场</a>'.encode()).decode()
    text, attrs = _script_seg(f'<script>eval(atob("{payload}"))</script>')
    assert text == '<a href="http://bc.example/">澳门赌场</a>'
    assert attrs["reason"] == "eval-atob"
    assert attrs["hrefs"] == ["http://bc.example/"]


def test_from_char_code_is_decoded():
    codes = ",".join(str(ord(c)) for c in "document.write('<a href=\"http://fc.example\">六合彩</a>')")
    text, attrs = _script_seg(f"<script>eval(String.fromCharCode({codes}))</script>")
    assert "六合彩" in text and attrs["reason"] == "fromCharCode"
    assert attrs["hrefs"] == ["http://fc.example"]


def test_document_write_of_concatenated_and_escaped_strings():
    text, attrs = _script_seg("<script>document.write('<a hr'+'ef=\"http://s.example\">'+'\\u8d4c\\x3c/a>')</script>")
    assert text == '<a href="http://s.example">赌</a>'
    assert attrs == {"reason": "document.write", "hrefs": ["http://s.example"], "locator": "head > script[1]"}


def test_document_write_of_unescaped_markup():
    text, attrs = _script_seg(
        '<body><script>document.write(unescape("%3Ca%20href%3D%22http%3A//u.example%22%3E%u5F69%u7968%3C/a%3E"))'
        "</script></body>"
    )
    assert text == '<a href="http://u.example">彩票</a>'
    assert attrs["hrefs"] == ["http://u.example"]
    assert attrs["locator"] == "body > script[1]"


def test_redirects():
    text, attrs = _script_seg('<script>if(document.referrer.indexOf("baidu")>0)'
                              '{window.location.href="http://jump.example/";}</script>')
    assert (text, attrs["reason"]) == ("http://jump.example/", "location")
    text, attrs = _script_seg('<meta http-equiv="refresh" content="0;url=http://meta.example/">')
    assert (text, attrs["reason"]) == ("http://meta.example/", "location")
    assert not segs(html('<meta http-equiv="refresh" content="5;url=index.html">'), "script")
    assert not segs(html('<script>location.href="/search.html?q="+q</script>'), "script")


def test_injected_iframe():
    _text, attrs = _script_seg("<script>var f=document.createElement('iframe');f.src='http://if.example/';"
                               "document.body.appendChild(f)</script>")
    assert attrs["reason"] == "iframe" and attrs["hrefs"] == ["http://if.example/"]


@pytest.mark.parametrize(
    "code",
    [
        'var _hmt = _hmt || [];(function(){var hm=document.createElement("script");'
        'hm.src="https://hm.baidu.com/hm.js?abc";var s=document.getElementsByTagName("script")[0];'
        "s.parentNode.insertBefore(hm, s);})();",
        'var cnzz_protocol = (("https:" == document.location.protocol) ? "https://" : "http://");'
        "document.write(unescape(\"%3Cspan id='cnzz_stat_icon_1'%3E%3C/span%3E%3Cscript src='\" + cnzz_protocol"
        " + \"s4.cnzz.com/z_stat.php%3Fid%3D1' type='text/javascript'%3E%3C/script%3E\"));",
        '$(function(){ $(".tab li").hover(function(){ $(this).addClass("on"); }); });',
        "var token = atob('aGVsbG8gd29ybGQ=');",
        "function go(){ window.location.href = 'list_' + page + '.html'; }",
    ],
)
def test_ordinary_scripts_are_not_reported(code):
    assert analyse_script(code) is None
    assert not segs(html(f"<script>{code}</script><p>正文</p>"), "script")


def test_script_with_src_or_data_type_is_not_analysed():
    ex = html('<script src="http://a.example/x.js">document.write("<a href=http://b.example>x</a>")</script>'
              '<script type="application/ld+json">{"u": "<a href=http://c.example>"}</script>'
              '<script type="text/template"><a href="http://d.example">模板</a></script>')
    assert not segs(ex, "script")


def test_nested_encodings_are_peeled():
    inner = base64.b64encode('<a href="http://deep.example">赌博</a>'.encode()).decode()
    outer = ",".join(str(ord(c)) for c in f'eval(atob("{inner}"))')
    finding = analyse_script(f"eval(String.fromCharCode({outer}))")
    assert finding is not None
    assert "赌博" in finding.text and finding.hrefs == ["http://deep.example"]


# ---- hostile input ----------------------------------------------------------------------------


def _timed(data: bytes, name: str = "x.html") -> Extracted | None:
    start = time.perf_counter()
    try:
        ex = extract_bytes(data, name)
        assert_contract(ex)
    except ExtractError as exc:
        assert "\n" not in str(exc)
        ex = None
    # A generous bound: these took quadratic or unbounded time in naive readers.
    assert time.perf_counter() - start < 20
    return ex


def test_ten_thousand_deep_nesting():
    ex = _timed(b"<div>" * 10000 + "深处".encode() + b"</div>" * 10000)
    assert parts(ex, "body") == ["深处"]
    assert len(segs(ex, "body")[0].attrs["locator"]) < 400


def test_deep_nesting_with_descendant_rules_and_hiding():
    ex = _timed(b"<style>.a .b{display:none} .c{color:red}</style>" + b'<div class="a b c">' * 10000 + b"x")
    assert hidden(ex) == {"x": "display:none"}


@pytest.mark.parametrize(
    "data",
    [
        b'<div style="' + b"a" * 5_000_000 + b'">x</div>',
        b'<div title="' + b"\xe4\xb8\xad" * 2_000_000 + b'">x</div>',
        b'<style>.a{display:none}</style><div class="' + b"a " * 2_000_000 + b'">x</div>',
        b'<div style="' + b"color:red;" * 500_000 + b'">x</div>',
        b"<b>" * 10000 + b"<p>" * 5000 + b"x",
        b"<table><tr><td>" * 3000 + b"x",
        b"<a href=x>" * 10000 + b"x",
        b"<html><body><p>abc<div <a href='x>yy</p></div></span><<<>>>&&&#x110000;&#0;</td></tr>",
        b"<!--" * 100000,
        b"<!-- http://x " + b"<a " * 100000 + b"-->",
        b"<style>" + b"/*" * 100000 + b"{" * 100000 + b"}" * 50000 + b"</style>x",
        b"<style>" + b"".join(b".c%d .d%d{display:none}" % (i, i) for i in range(20000)) + b"</style>"
        + b'<div class="d1">x</div>' * 1000,
        b"<script>" + b"'\\" * 500000 + b"</script>",
        b'<script>document.write("' + b"<a <a " * 100000 + b'")</script>',
        b"<script>String.fromCharCode(" + b"1," * 500000 + b"1)</script>",
        b"<script>eval(atob('" + b"QUJD" * 500000 + b"'))</script>",
        b"<script>" + b"atob('AAAAAAAA" * 50000 + b"</script>",
        b"<meta " * 100000,
        b'<div style="display:none">' + b"".join(b"<a href='http://s%d.example/'>x</a>" % i for i in range(30000)),
        b"<script>document.write('<a href=http://x.example>x</a>')</script>" * 20000,
        b"<svg><title>x</title><foreignObject><p>y</p></foreignObject></svg>" * 1000,
        b"<p>" + b"\xff\xfe\x00\x01" * 100 + b"</p>",
        b"\x00" * 1000,
        bytes(range(256)) * 200,
    ],
)
def test_hostile_pages_give_text_or_a_clean_error(data):
    _timed(data)


@pytest.mark.parametrize("seed", range(5))
def test_random_bytes_as_html(seed):
    import random

    rng = random.Random(seed)
    _timed(bytes(rng.randrange(256) for _ in range(20000)))
    pieces = [b"<div>", b"</div>", b"<p>", b"<a href='http://x'>", b"</a>", b"<style>", b".x{display:none}",
              b"</style>", b"<script>", b"document.write('", b"</script>", b"\xe4\xb8\xad", b"<!--", b"-->",
              b" style='display:none'", b"<", b">", b"'", b'"', b"&", b"#"]
    _timed(b"".join(rng.choice(pieces) for _ in range(5000)))


# ---- property tests ---------------------------------------------------------------------------

TEXT = st.lists(
    st.sampled_from([*"政府赌场六合彩abc 12", "\u200b", "\n", "&amp;", "&nbsp;", "<", ">", "\t"]), max_size=12
).map("".join)
TAGS = st.sampled_from(["div", "p", "span", "a", "b", "li", "ul", "table", "td", "tr", "font", "br", "pre",
                        "script", "style", "title", "noscript", "iframe", "h1", "marquee"])
STYLES = st.sampled_from([
    "", "display:none", "visibility:hidden", "font-size:0", "font-size:14px", "opacity:0", "color:#fff",
    "background:#fff", "position:absolute;left:-9999px", "text-indent:-999px", "width:1px;height:1px;overflow:hidden",
    "display:block", "display:inline", "color:#000;background:#000",
])
ATTRS = st.sampled_from(["", " hidden", ' class="x"', ' id="y"', ' href="http://h.example/"', ' href="rel.html"',
                         ' width="0"', ' color="white"', ' bgcolor="#ffffff"'])


@st.composite
def markup(draw, depth=0):
    pieces = []
    for _ in range(draw(st.integers(0, 4 if depth < 4 else 0))):
        if draw(st.booleans()):
            pieces.append(draw(TEXT))
        else:
            tag = draw(TAGS)
            style = draw(STYLES)
            attrs = draw(ATTRS) + (f' style="{style}"' if style else "")
            inner = draw(markup(depth + 1))
            pieces.append(f"<{tag}{attrs}>{inner}" + (f"</{tag}>" if draw(st.booleans()) else ""))
    if depth == 0 and draw(st.booleans()):
        pieces.insert(0, "<style>.x{display:none} #y{color:#fff;background:#fff} p .x{font-size:0}</style>")
    if depth == 0 and draw(st.booleans()):
        pieces.append("<!-- <a href='http://c.example'>注释</a> -->")
    return "".join(pieces)


@given(markup())
@settings(max_examples=400, deadline=None)
def test_random_markup_yields_valid_segments(page):
    ex = extract_bytes(page.encode(), "page.html")
    assert_contract(ex)
    lines = ex.text.split("\n")
    assert [line for line in lines if line in LABELS] == [label for label in LABELS if label in lines]
    for seg in ex.segments:
        piece = ex.text[seg.start:seg.end]
        assert piece and piece == piece.strip()
        assert "\n" not in piece
        if seg.kind == "link":
            assert piece.endswith(seg.attrs["href"])
        if seg.kind == "hidden":
            assert seg.attrs["reason"] in ("display:none", "visibility:hidden", "font-size:0", "off-screen",
                                           "opacity:0", "same-colour", "tiny-box", "hidden-attr", "comment")
    # Segments cover whole lines, so no segment text runs into a label.
    starts = {0} | {i + 1 for i, c in enumerate(ex.text) if c == "\n"}
    for seg in ex.segments:
        if seg.kind != "link":
            assert seg.start in starts


@given(st.text(max_size=400))
@settings(max_examples=300, deadline=None)
def test_any_text_as_html_never_crashes(page):
    try:
        assert_contract(extract_bytes(page.encode("utf-8", "surrogatepass"), "page.html"))
    except ExtractError as exc:
        assert "\n" not in str(exc)


def test_ordinary_page_is_fast():
    body = "".join(
        f'<div class="item"><h3>{i}</h3><ul>'
        + "".join(f'<li><span>2024-01-0{k % 9 + 1}</span><a href="/art/{i}/{k}.html">关于印发第{k}号通知的通知</a></li>'
                  for k in range(10))
        + "</ul><p style='text-indent:2em'>" + "政府工作报告全文内容" * 40 + "</p></div>"
        for i in range(100)
    )
    page = ("<html><head><title>政府</title><style>.item{margin:0} .hide{display:none}</style></head><body>"
            + body + "</body></html>").encode()
    assert 150_000 < len(page) < 300_000
    extract_bytes(page, "a.html")
    start = time.perf_counter()
    extract_bytes(page, "a.html")
    # Not a benchmark: only catches an accidental quadratic walk (the target is far lower).
    assert time.perf_counter() - start < 2


# ---- join_url: the memoised urljoin every link goes through ------------------------------------

_JOIN_BASES = [
    "http://a.gov.cn", "http://a.gov.cn/", "http://a.gov.cn/x/y.html", "http://a.gov.cn/x/y.html?q=1#f",
    "http://a.gov.cn/x/", "http://a.gov.cn:8080/x/y/z", "https://a.gov.cn/x/y.html#frag", "http://a.gov.cn?x=1",
    "http://a.gov.cn/x/y.html;p=1", "https://a.gov.cn/x/a/../b.html", "HTTPS://A.gov.cn/x",
]
_JOIN_RAWS = [
    "", "#t", "?p=2", "c.html", "./c.html", "../c.html", "../../../c.html", "/c.html", "//b.com/x", "http://b.com",
    "HTTP://B.com/x", "https://b", "c.html?x#y", "javascript:void(0)", "mailto:x@y", "c d.html", ";x", "..", ".",
    "http:c.html", "https:/x", "http://b.com/../x", "HTTPS://b/x",
]


@pytest.mark.parametrize("base", _JOIN_BASES)
def test_join_url_is_urljoin(base):
    from urllib.parse import urljoin

    from sanshen.engine.extract.html import join_url

    for raw in _JOIN_RAWS:
        assert join_url(base, raw) == urljoin(base, raw), (base, raw)
    # Asked again (from the cache), and for a sibling page of the same directory.
    sibling = base.rsplit("/", 1)[0] + "/other.html" if base.count("/") >= 3 else base
    for raw in _JOIN_RAWS:
        assert join_url(base, raw) == urljoin(base, raw), (base, raw)
        assert join_url(sibling, raw) == urljoin(sibling, raw), (sibling, raw)
