"""Family ``link``: blocklisted hosts, spam anchors on non-government hosts, raw IPs, lookalikes of
government domains, script/data hrefs, hidden and scripted targets; users' blocklists."""

from __future__ import annotations

import pytest

from sanshen.engine import Engine, PackError
from sanshen.engine.families.link import DomainLists, claims_gov_body, host_of, imitates_gov, spam_host
from sanshen.engine.packs import load_rules

from .pages import html_page


def page(links=(), hidden=(), scripts=(), body=("县人民政府召开2025年工作会议，部署全年重点任务。",), source=None):
    return html_page("XX县人民政府", (), body, hidden, links, scripts, source)


@pytest.fixture(scope="module")
def engine():
    return Engine()


def links_of(engine, ex):
    found = [f for f in engine.check(ex) if f.category == "link"]
    for f in found:
        assert ex.text[f.start:f.end] == f.text
    return found


def seg_of(ex, href):
    return next(s for s in ex.segments if s.kind == "link" and s.attrs["href"] == href)


@pytest.mark.parametrize("href", [
    "http://www.bet365.com/zh",
    "https://m.365bet.cc/",
    "http://bet365-88.com",
    "http://www.xpj8888.com",
    "http://js3333.com",
    "http://lucky.casino",
    "http://www.pornhub.com/",
    "http://www.tjnx.com.cn/",
    "//www.zzshanglu.com",
])
def test_blocklisted_hosts_are_veto_at_the_link(engine, href):
    ex = page(links=[("中国政府网", "https://www.gov.cn/", False), ("友情链接", href, False)])
    found = links_of(engine, ex)
    seg = seg_of(ex, href)
    assert [(f.rule, f.severity, f.start, f.end) for f in found] == [("link:blocklist", "veto", seg.start, seg.end)]
    assert "黑名单" in found[0].message


def test_spam_anchor_on_non_government_host(engine):
    ex = page(links=[("澳门金沙娱乐", "http://www.am-js-play.com", False)])
    found = links_of(engine, ex)
    assert [(f.rule, f.severity) for f in found] == [("link:spam-anchor", "high")]
    assert "www.am-js-play.com" in found[0].message and "澳门金沙" in found[0].message


def test_hidden_spam_anchor_is_veto(engine):
    ex = page(
        hidden=[("百家乐 六合彩 久久精品", "display:none",
                 ["http://www.bjl001-x.com", "http://www.lhc002-x.com", "http://www.av003.com"])],
        links=[("百家乐", "http://www.bjl001-x.com", True), ("六合彩", "http://www.lhc002-x.com", True),
               ("久久精品", "http://www.av003.com", True)],
    )
    found = links_of(engine, ex)
    # One finding per link; the hidden block's targets are the same links and are not repeated.
    assert [f.text for f in found] == ["百家乐 http://www.bjl001-x.com", "六合彩 http://www.lhc002-x.com",
                                       "久久精品 http://www.av003.com"]
    assert all(f.severity == "veto" for f in found)
    assert [f.rule for f in found] == ["link:spam-anchor", "link:blocklist", "link:blocklist"]


def test_hidden_link_without_spam_text_is_medium(engine):
    ex = page(links=[("更多", "http://www.some-shop.net/", True)])
    found = links_of(engine, ex)
    assert [(f.rule, f.severity) for f in found] == [("link:hidden-external", "medium")]


def test_script_written_targets(engine):
    ex = page(scripts=[
        ('<a href="http://www.amdc-365.com" style="display:none">澳门赌场</a>', "document.write",
         ["http://www.amdc-365.com"]),
        ('<a href="http://www.xpj-vip6.com">link</a>', "eval-atob", ["http://www.xpj-vip6.com"]),
        ('<a href="https://www.gov.cn/">中国政府网</a>', "document.write", ["https://www.gov.cn/"]),
    ])
    found = links_of(engine, ex)
    assert [(f.rule, f.severity) for f in found] == [("link:spam-anchor", "veto"), ("link:blocklist", "veto")]
    assert "脚本写入的链接" in found[0].message


def test_hidden_block_urls_in_text(engine):
    ex = page(hidden=[("友情链接 www.bet365.com", "off-screen", [])])
    found = links_of(engine, ex)
    assert [(f.rule, f.severity) for f in found] == [("link:blocklist", "veto")]


@pytest.mark.parametrize("href,rule", [
    ("http://202.96.1.23/news/1.html", "link:ip"),
    ("http://[2001:db8::1]/", "link:ip"),
    ("http://www.gov.cn.zf-notice.com/", "link:lookalike"),
    ("http://gov-cn.example.net/", "link:lookalike"),
    ("http://xn--gv-fmc.cn/", "link:lookalike"),       # gоv.cn with a Cyrillic о
    ("http://www.gоv.cn/", "link:lookalike"),           # the same, not yet encoded
    ("javascript:eval(atob('ZG9jdW1lbnQud3JpdGUoKQ=='))", "link:script-href"),
    ("javascript:window.location='http://www.some-site.com/'", "link:script-href"),
    ("data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==", "link:script-href"),
])
def test_medium_link_problems(engine, href, rule):
    ex = page(links=[("点击查看", href, False)])
    found = links_of(engine, ex)
    assert [(f.rule, f.severity) for f in found] == [(rule, "medium")]


@pytest.mark.parametrize("anchor,href", [
    ("中国政府网", "https://www.gov.cn/"),
    ("国家税务总局", "http://www.chinatax.gov.cn/"),
    ("北京市人民政府", "https://www.beijing.gov.cn/"),
    ("某市政务", "http://www.xn--fiqs8s.xn--zfr164b/"),
    ("新华网", "http://www.xinhuanet.com/politics/"),
    ("人民网", "http://www.people.com.cn/"),
    ("党政机关网站标识", "https://bszs.conac.cn/sitename?method=show&id=123"),
    ("下载附件", "/attach/2024/0101.docx"),
    ("返回顶部", "#top"),
    ("关闭窗口", "javascript:window.close()"),
    ("打印", "javascript:void(0);"),
    ("", "javascript:;"),
    ("联系我们", "mailto:zfb@xx.gov.cn"),
    ("二维码", "data:image/png;base64,iVBORw0KGgo="),
    ("打击“六合彩”违法犯罪专项行动", "http://www.xx-news.com/2024/0301.html"),
    ("市福利彩票发行中心", "http://www.cwl.gov.cn/"),
    ("某大学", "https://www.pku.edu.cn/"),
])
def test_ordinary_links_are_clean(engine, anchor, href):
    assert links_of(engine, page(links=[(anchor, href, False)])) == []


def test_spam_anchor_on_government_host_is_left_to_spam(engine):
    ex = page(links=[("百家乐", "http://www.xx.gov.cn/a.html", False)])
    found = engine.check(ex)
    assert [f.category for f in found] == ["spam"]


def test_own_site_hidden_links_are_fine(engine):
    ex = page(links=[("栏目", "https://www.qj.example.org/lm/", True)], source="https://www.qj.example.org/")
    assert links_of(engine, ex) == []


def test_site_served_by_ip_linking_to_itself(engine):
    ex = page(
        links=[("下一篇", "http://127.0.0.1:8000/b.html", False), ("首页", "http://127.0.0.1/", False),
               ("外部", "http://10.1.2.3/x", False)],
        scripts=[('<a href="http://127.0.0.1:8000/c.html">c</a>', "document.write", ["http://127.0.0.1:8000/c.html"])],
        source="http://127.0.0.1:8000/a.html",
    )
    found = links_of(engine, ex)
    seg = seg_of(ex, "http://10.1.2.3/x")
    assert [(f.rule, f.start, f.end) for f in found] == [("link:ip", seg.start, seg.end)]
    assert "10.1.2.3" in found[0].message


def test_own_lookalike_host_is_not_a_lookalike_link_but_blocklist_still_applies(engine):
    ex = page(links=[("栏目", "http://www.gov.cn.zf-notice.com/lm/", False)],
              source="http://gov.cn.zf-notice.com/index.html")
    assert links_of(engine, ex) == []
    ex = page(links=[("首页", "http://www.bet365.com/zh", False)], source="http://www.bet365.com/")
    assert [f.rule for f in links_of(engine, ex)] == ["link:blocklist"]


def test_plain_text_has_no_link_findings(engine):
    assert [f for f in engine.check("友情链接：www.bet365.com 百家乐") if f.category == "link"] == []


def test_user_blocklist_and_allow_list(tmp_path):
    folder = tmp_path / "blocklist"
    folder.mkdir()
    (folder / "mine.txt").write_text("# 本地发现的站点\nevil-example.org   # 2024 年巡检发现\n/^ab[0-9]+\\.xyz$/\n",
                                     encoding="utf-8")
    (folder / "allow-local.txt").write_text("partner-example.com\n", encoding="utf-8")
    engine = Engine(rules_dirs=[tmp_path])
    ex = page(links=[("a", "http://m.evil-example.org/", False), ("b", "http://ab123.xyz", False),
                     ("六合彩", "http://partner-example.com/", False), ("六合彩", "http://other-example.com/", False)])
    found = links_of(engine, ex)
    assert [(f.rule, f.severity) for f in found] == [
        ("link:blocklist", "veto"), ("link:blocklist", "veto"), ("link:spam-anchor", "high")]
    assert found[-1].text.endswith("other-example.com/")


def test_bad_user_list_is_a_clear_error(tmp_path):
    folder = tmp_path / "blocklist"
    folder.mkdir()
    (folder / "bad.txt").write_text("/(unclosed/\n", encoding="utf-8")
    with pytest.raises(PackError, match=r"bad\.txt: line 1"):
        Engine(rules_dirs=[tmp_path])


def test_government_hosts_are_never_blocked():
    lists = DomainLists.load(load_rules())
    assert lists.blocked("js3333.yn.gov.cn") is None
    assert lists.blocked("js3333.com") is not None
    assert lists.trusted("www.gov.cn") and lists.trusted("www.xinhuanet.com") and not lists.trusted("example.com")


@pytest.mark.parametrize("href,host", [
    ("HTTP://WWW.Example.COM:8080/a", "www.example.com"),
    ("//cdn.example.com/x.js", "cdn.example.com"),
    ("www.example.com/path", "www.example.com"),
    ("/relative/path.html", None),
    ("mailto:a@b.cn", None),
    ("http://例子.中国/", "xn--fsqu00a.xn--fiqs8s"),
])
def test_host_of(href, host):
    assert host_of(href) == host


def test_imitates_gov():
    assert imitates_gov("www.gov.cn.evil.com")
    assert not imitates_gov("www.gov.cn")
    assert not imitates_gov("www.government-example.com")


# -- visible links to betting/porn sites: anchor words and host names -----------------------------------

@pytest.mark.parametrize("anchor,href,word", [
    ("华体会体育官网", "http://www.some-site.com/", "华体会体育"),
    ("AG真人视讯", "http://www.example-one.com/", "ag真人"),
    ("澳门六开彩", "http://www.example-two.net/", "澳门六开彩"),
    ("人妻熟女", "http://www.example-three.org/", "人妻熟女"),
    ("北京代孕", "http://www.example-four.com/", "代孕"),
    ("在线棋牌", "http://www.example-five.com/", "棋牌"),
    ("开云", "http://www.example-six.com/", "开云"),         # a bare brand that is the whole anchor
])
def test_visible_spam_anchor_is_high(engine, anchor, href, word):
    ex = page(links=[(anchor, href, False)])
    found = links_of(engine, ex)
    seg = seg_of(ex, href)
    assert [(f.rule, f.severity, f.start, f.end) for f in found] == [("link:spam-anchor", "high", seg.start, seg.end)]
    assert word in found[0].message.lower()


@pytest.mark.parametrize("href", [
    "http://www.ag8866.vip/",
    "http://ag8866.com/",
    "https://hth-sports.top/",
    "http://365.top/",
    "http://888.cc",
    "http://qp777.cc/index.html",
    "http://dy2020.vip/",
    "http://yl6688.com/",
    "http://www.kaiyun888.com/",
    "http://kaiyun-sports.top/",
    "http://dy888.xyz/",
    "http://pg-game.vip/",
])
def test_betting_like_hosts_are_found_with_plain_anchor(engine, href):
    ex = page(links=[("点击进入", href, False)])
    found = links_of(engine, ex)
    seg = seg_of(ex, href)
    assert [(f.rule, f.severity, f.start, f.end) for f in found] == [("link:spam-domain", "high", seg.start, seg.end)]


def test_hidden_betting_like_host_is_veto(engine):
    found = links_of(engine, page(links=[("more", "http://www.ag8866.vip/", True)]))
    assert [(f.rule, f.severity) for f in found] == [("link:spam-domain", "veto")]


@pytest.mark.parametrize("host", [
    "www.12306.cn", "www.163.com", "www.1688.com", "www.51job.com", "www.4399.com", "www.hao123.com", "www.baidu.com",
    "yule.sohu.com", "tiyu.baidu.com", "www.kaiyun.com", "www.hntv.tv", "daiyunshan.com", "www.500.com",
    "www.sport.org.cn", "www.gov.tw", "abc.xyz",
])
def test_ordinary_hosts_do_not_look_like_betting_sites(host):
    assert spam_host(host)[0] < 3


@pytest.mark.parametrize("anchor,href,severity", [
    ("国家税务总局", "http://www.chinatax-gov.top/", "high"),
    ("国家税务总局", "http://www.xx-tax.com/", "medium"),
    ("XX市人民政府门户网站", "http://www.xxszf.com/", "medium"),
    ("XX县公安局", "http://111.22.33.44/", "high"),
    ("国家市场监督管理总局", "http://www.samr.gov.cn.zf-notice.com/", "high"),
])
def test_anchor_naming_a_government_body_on_an_outside_host(engine, anchor, href, severity):
    ex = page(links=[(anchor, href, False)])
    found = links_of(engine, ex)
    seg = seg_of(ex, href)
    assert [(f.rule, f.severity, f.start, f.end) for f in found] == [("link:counterfeit", severity, seg.start, seg.end)]
    assert "仿冒" in found[0].message


@pytest.mark.parametrize("anchor,href", [
    ("国家税务总局", "http://www.chinatax.gov.cn/"),
    ("XX市人民政府", "https://www.xx.gov.cn/"),
    ("县人民政府召开常务会议", "http://www.qjrb.cn/2024/0301.html"),   # a headline, not a name
    ("XX县公安局微信公众号", "https://mp.weixin.qq.com/s/abc"),
    ("人民网", "http://www.people.com.cn/"),
    ("XX县人民政府", "https://www.xx.example.org/"),                 # the page's own site
])
def test_government_names_on_trusted_hosts_are_fine(engine, anchor, href):
    ex = page(links=[(anchor, href, False)], source="https://www.xx.example.org/index.html")
    assert links_of(engine, ex) == []


@pytest.mark.parametrize("anchor,href", [
    ("老年棋牌协会", "http://www.laonian-xiehui.org/"),
    ("中国福利彩票", "http://www.zhcw.com/"),
    ("新闻发布会在线观看", "http://live.xxtv.com/"),
    ("管家婆", "http://www.grasp.com.cn/"),
    ("香港马会", "https://www.hkjc.com/"),
    ("金沙县人民政府", "http://www.gzjinsha.gov.cn/"),
])
def test_ordinary_outside_links_are_clean(engine, anchor, href):
    assert links_of(engine, page(links=[(anchor, href, False)])) == []


def test_guarded_word_inside_a_longer_anchor_needs_its_context(engine):
    # 香港马会 is an ordinary link text; 人妻 inside 军人妻子 is not a word at all.
    ex = page(links=[("香港马会从化马场", "https://www.hkjc.com/", False),
                     ("军人妻子随军就业", "http://www.xx-news.com/", False)])
    assert links_of(engine, ex) == []


def test_claims_gov_body():
    assert claims_gov_body("国家税务总局") == "国家税务总局"
    assert claims_gov_body("【XX市人民政府门户网站】") == "XX市人民政府门户网站"
    assert claims_gov_body("县人民政府召开常务会议") is None
    assert claims_gov_body("政府") is None


def test_hacked_friend_links_in_real_html():
    from sanshen.engine import extract_bytes

    html = (
        "<html><head><title>XX县人民政府</title></head><body><div id='main'><p>县政府召开常务会议。</p>"
        "<p>友情链接：<a href='https://www.gov.cn/'>中国政府网</a> <a href='http://www.ag8866.vip/'>点击进入</a> "
        "<a href='http://www.xx-tax.com/'>国家税务总局</a> <a href='http://www.some-shop.com/'>在线棋牌</a> "
        "<a href='https://www.12377.cn/'>违法和不良信息举报中心</a></p></div></body></html>"
    )
    ex = extract_bytes(html.encode("utf-8"), "page.html")
    found = [f for f in Engine().check(ex) if f.category == "link"]
    segs = {s.attrs["href"]: s for s in ex.segments if s.kind == "link"}
    got = {(f.rule, f.severity, f.start, f.end) for f in found}
    assert got == {
        ("link:spam-domain", "high", segs["http://www.ag8866.vip/"].start, segs["http://www.ag8866.vip/"].end),
        ("link:counterfeit", "medium", segs["http://www.xx-tax.com/"].start, segs["http://www.xx-tax.com/"].end),
        ("link:spam-anchor", "high", segs["http://www.some-shop.com/"].start, segs["http://www.some-shop.com/"].end),
    }
