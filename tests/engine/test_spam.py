"""Family ``spam``: lexicon words, tampered titles and metas, keyword stuffing, dark links in hidden
elements and scripts, zero-width stuffing; real hacked seed pages; hard negatives from clean
government text."""

from __future__ import annotations

from pathlib import Path

import pytest

from sanshen.engine import Engine, check

from .pages import html_page

SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"

# Clean paragraphs of the seed pages (002, 003, 004 without its tampered title, 000 without its
# porn tail), plus typical sentences that use the words spam lexicons are careful about.
GOV_PARAGRAPHS = [
    "第六条市政府网站信息发布应遵循“谁审查、谁发布、谁负责，先审查、后发布”和“涉密信息不上网，上网信息不涉密”的原则，"
    "所发布信息不得危及国家安全、公共安全、经济安全和社会稳定。",
    "第十五条各单位网站管理维护人员应增强密码保护意识，做好网站维护终端计算机的安全防护工作，及时更新杀毒软件的病毒库，"
    "妥善保管分配的管理密码，避免扩大知悉范围，要做到专人专用，并定期修改密码，不得在公共场所和互联网上泄露管理密码。",
    "（四）严格信息发布。各政务新媒体主办单位要指定专人负责政务新媒体的信息收集、采编、审核、发布工作，明确审核的程序和责任，"
    "坚持“谁公开、谁审核”、“一事一审”原则，严格执行“分级审核、先审后发”程序，严格落实“三审三校”制度。",
    "要规范转载发布工作，原则上只转载上级党委和政府网站以及有关主管单位确定的稿源单位发布的信息；不得参与商业性、盈利性经营活动，"
    "严禁刊登商业广告或链接商业广告页面。",
    "第十二条政府网站应部署必要的安全防护设备，应对病毒感染、恶意攻击、网页篡改和漏洞利用等风险，保障网站安全运行。",
    "第二十七条规范转载发布工作，不得刊登商业广告或链接商业广告页面。转载稿件注明来源，不歪曲原新闻信息内容，"
    "不断章取义恶意篡改标题。严禁转载淫秽、低俗、虚假、违规图文。",
    "（六）破坏国家宗教政策，宣扬邪教和封建迷信；（八）扰乱社会秩序，破坏社会稳定的信息；",
    "政府網(wǎng)站和政務(wù)新媒體是移動(dòng)互聯(lián)網(wǎng)時(shí)代黨和政府聯(lián)系群眾、服務(wù)群眾、凝聚群眾的重要渠道。",
    "市民政局福利彩票发行中心开展“福彩进社区”公益宣传活动，2024年全县体育彩票销售额达1.2亿元。",
    "中国福利彩票双色球第2024088期开奖结果公告：本期销售额3.5亿元。",
    "严厉打击跨境赌博和电信网络诈骗违法犯罪，坚决遏制网络赌博、“六合彩”等赌博活动蔓延势头。",
    "公安机关破获一起利用境外“百家乐”网站开设赌场案，抓获犯罪嫌疑人12名。",
    "澳门特别行政区政府代表团来我市考察，双方就文旅合作进行交流。",
    "经济开发区一区二区三区分别承接电子信息、装备制造和现代物流产业。",
    "持续推进精品工程建设，打造一批国产精品力作，推动文艺创作繁荣发展。",
    "坚持久久为功，同时彩排工作于午夜前完成，确保晚会顺利进行。",
    "社区老年活动中心设有阅览室、棋牌室，开展棋牌娱乐活动丰富老年人生活。",
    "纳税人可通过电子税务局申请代开发票，税务机关代开增值税普通发票。",
    "警惕刷单返利诈骗：以兼职刷单、日结佣金为诱饵的都是诈骗。",
    "考生须诚信应考，严禁代考、替考，严禁携带通讯工具进入考场。",
    "2023年全县新增无户口“黑户”人员落户312人。",
    "农产品区域公用品牌“金沙江”贡米入选全省精品名录。",
]


def spam_of(findings, category="spam"):
    return [f for f in findings if f.category == category]


page = html_page


def assert_offsets(text, findings):
    for f in findings:
        assert text[f.start:f.end] == f.text




@pytest.fixture(scope="module")
def engine():
    return Engine()


# -- real hacked pages ---------------------------------------------------------------------------

SEED001_TITLE = "思思久久99热只有精品_heyzo北条麻妃久久_久久综合香蕉国产蜜臀AV_99久久精品午夜一区二区"
SEED004_TITLE = (
    "重庆市璧bet·365_黑帮365天第3季是真实的吗_365信誉线上人民政府办公室关于印发重庆市璧bet·365_"
    "黑帮365天第3季是真实的吗_365信誉线上政府网站管理办法的通知"
)
SEED000_TAIL = (
    "亚洲精品无码中文久久久,亚洲中文字幕精品一区,亚洲五月综合缴情在线观看,亚洲性无码电影免费观看 "
    "亚洲精品成a人片在线观看 日本熟妇牲交视频在线观看,国产在线播放99,国产一级无码视频"
)


def test_seed001_title_as_plain_text(engine):
    text = SEED001_TITLE + "\n\n字號:\n索 引 號: 11441300007187648G/2023-00288\n發布機構: 惠州市人民政府辦公室"
    found = spam_of(engine.check(text))
    assert_offsets(text, found)
    words = {f.text for f in found if f.severity == "veto"}
    assert {"heyzo", "久久精品", "北条麻妃"} <= words
    assert all(f.end <= len(SEED001_TITLE) for f in found)
    assert {f.rule for f in found} == {"spam:porn"}


def test_seed004_title_bet365_with_middle_dot(engine):
    found = spam_of(engine.check(SEED004_TITLE))
    assert [f.text for f in found] == ["bet·365", "bet·365"]
    assert all(f.severity == "veto" and f.rule == "spam:gambling" for f in found)
    assert_offsets(SEED004_TITLE, found)


def test_seed000_porn_tail_found_and_mojibake_body_clean(engine):
    body = "索 引 號(hào): 主題分類: 綜合政務(wù)\\電子政務(wù)\n      曲靖市人民政府門戶網(wǎng)站\n"
    text = body + SEED000_TAIL
    found = spam_of(engine.check(text))
    assert_offsets(text, found)
    assert found and all(f.start >= len(body) for f in found)
    assert {"亚洲中文字幕", "国产一级", "无码视频"} <= {f.text for f in found}
    assert sum(f.severity == "veto" for f in found) >= 5


@pytest.mark.skipif(not SEEDS.is_dir(), reason="shared seeds not available")
def test_whole_seed_files(engine):
    def load(prefix):
        return next(SEEDS.glob(f"{prefix}_*")).read_text(encoding="utf-8")

    seed000, seed001, seed004 = load("000"), load("001"), load("004")
    tail = seed000.index("亚洲精品无码")
    found = spam_of(engine.check(seed000))
    assert found and all(f.start >= tail for f in found)
    first_line = len(seed001.split("\n", 1)[0])
    found = spam_of(engine.check(seed001))
    assert found and all(f.end <= first_line for f in found)
    assert len(spam_of(engine.check(seed004))) == seed004.count("bet·365")
    for prefix in ("002", "003"):
        assert [f for f in engine.check(load(prefix)) if f.category in ("spam", "sensitive", "secret", "link")] == []


# -- the title, metas and keyword stuffing -----------------------------------------------------------

def test_tampered_html_title_is_veto_with_stuffing(engine):
    ex = page(title=SEED001_TITLE, body=["惠州市人民政府办公室关于2023年度第三季度全市政府网站检查结果的通报"])
    found = spam_of(engine.check(ex))
    assert_offsets(ex.text, found)
    words = [f for f in found if f.rule == "spam:title-tampered"]
    assert words and all(f.severity == "veto" for f in words)
    assert "heyzo" in {f.text for f in words}
    stuffing = [f for f in found if f.rule == "spam:seo-stuffing"]
    assert len(stuffing) == 1 and stuffing[0].text == SEED001_TITLE and stuffing[0].severity == "veto"
    assert "关键词堆砌" in stuffing[0].message


def test_seed004_title_in_html(engine):
    ex = page(title=SEED004_TITLE, body=["各镇人民政府、街道办事处,区政府各工作部门,有关单位:"])
    found = spam_of(engine.check(ex))
    assert [f.text for f in found if f.rule == "spam:title-tampered"] == ["bet·365", "bet·365"]
    assert any(f.rule == "spam:seo-stuffing" and f.start == 0 and f.end == len(SEED004_TITLE) for f in found)


def test_meta_keywords_tampered(engine):
    ex = page(title="惠州市人民政府", metas=[("keywords", "bet365,百家乐,真人娱乐,惠州市人民政府")],
              body=["惠州市人民政府门户网站"])
    found = spam_of(engine.check(ex))
    assert {f.text for f in found if f.rule == "spam:title-tampered"} == {"bet365", "百家乐", "真人娱乐"}
    assert any(f.rule == "spam:seo-stuffing" for f in found)
    assert "meta keywords" in next(f for f in found if f.text == "百家乐").message


def test_repeated_keyword_without_spam_words_is_medium(engine):
    ex = page(title="XX县人民政府", metas=[("keywords", "招商引资,招商引资,招商引资,招商引资,XX县")])
    found = spam_of(engine.check(ex))
    assert [(f.rule, f.severity) for f in found] == [("spam:keyword-stuffing", "medium")]


def test_denouncing_government_title_is_clean(engine):
    ex = page(
        title="关于严厉打击“六合彩”“百家乐”等违法犯罪活动的通告_XX市公安局",
        metas=[("keywords", "打击赌博,禁毒,扫黄打非"), ("description", "XX市人民政府门户网站")],
        body=["为严厉打击赌博违法犯罪活动，维护社会治安秩序，现通告如下。"],
    )
    assert spam_of(engine.check(ex)) == []


def test_ordinary_title_is_clean(engine):
    ex = page(title="首页_曲靖市人民政府门户网站", metas=[("keywords", "曲靖,政务公开,政府信息公开,办事服务")])
    assert spam_of(engine.check(ex)) == []


# -- hidden elements and scripts ---------------------------------------------------------------------

def test_hidden_external_links_are_dark_links(engine):
    ex = page(
        title="墨江县人民政府", body=["县政府召开常务会议，研究部署防汛工作。"],
        hidden=[("澳门金沙娱乐 新葡京", "display:none", ["http://www.amjs-888.com", "http://www.xpj-vip.com"])],
    )
    found = spam_of(engine.check(ex))
    assert_offsets(ex.text, found)
    dark = [f for f in found if f.rule == "spam:dark-link"]
    seg = ex.segments[-1]
    assert len(dark) == 1 and (dark[0].start, dark[0].end) == (seg.start, seg.end)
    assert dark[0].severity == "veto" and "暗链" in dark[0].message and "display:none" in dark[0].message
    assert dark[0].suggestion.startswith("删除暗链")
    words = [f for f in found if f.rule == "spam:gambling"]
    assert {f.text for f in words} >= {"澳门金沙", "新葡京"} and all(f.severity == "veto" for f in words)


def test_hidden_link_without_spam_words_still_dark(engine):
    ex = page(title="县民政局", hidden=[("友情链接", "font-size:0", ["http://www.example-shop.com/"])])
    found = spam_of(engine.check(ex))
    assert [(f.rule, f.severity) for f in found] == [("spam:dark-link", "veto")]
    assert "www.example-shop.com" in found[0].message


def test_hidden_spam_text_without_links(engine):
    ex = page(title="县教育体育局", hidden=[("久久精品国产亚洲av麻豆", "visibility:hidden", [])])
    found = spam_of(engine.check(ex))
    assert "spam:dark-link" in {f.rule for f in found}


def test_hidden_menus_with_own_or_government_links_are_fine(engine):
    ex = page(
        title="XX市人民政府",
        hidden=[
            ("政务公开 办事服务 互动交流", "display:none", ["/zwgk/index.html", "../bsfw/", "#top"]),
            ("中国政府网 云南省人民政府", "display:none", ["https://www.gov.cn/", "http://www.yn.gov.cn/"]),
            ("新华网 人民网", "hidden-attr", ["http://www.xinhuanet.com/", "http://www.people.com.cn/"]),
            ("本站", "display:none", ["https://www.qj.example.org/a.html"]),
        ],
        source="https://www.qj.example.org/index.html",
    )
    assert spam_of(engine.check(ex)) == []


def test_script_writing_links(engine):
    ex = page(
        title="县交通运输局", body=["农村公路“路长制”工作推进会召开。"],
        scripts=[
            ('<a href="http://www.bet365-cn9.com" style="display:none">bet365体育</a>', "document.write",
             ["http://www.bet365-cn9.com"]),
            ('window.location.href="http://www.some-redirect.net/"', "location", []),
            ('<a href="https://www.gov.cn/">中国政府网</a>', "document.write", ["https://www.gov.cn/"]),
        ],
    )
    found = spam_of(engine.check(ex))
    assert_offsets(ex.text, found)
    scripted = [f for f in found if f.rule == "spam:script-link"]
    assert len(scripted) == 2 and all(f.severity == "veto" for f in scripted)
    assert "document.write" in scripted[0].message and "跳转" in scripted[1].message
    assert "www.some-redirect.net" in scripted[1].message
    assert any(f.text == "bet365" and f.severity == "veto" for f in found)


# -- zero-width stuffing -----------------------------------------------------------------------------

def test_zero_width_stuffing_in_visible_text(engine):
    text = "县政府召开会议。澳\u200b门\u200b金\u200c沙\u200d娱\u2060乐官网。"
    found = spam_of(engine.check(text))
    zw = [f for f in found if f.rule == "spam:zero-width"]
    assert len(zw) == 1 and zw[0].severity == "high"
    assert zw[0].text == "澳\u200b门\u200b金\u200c沙\u200d娱\u2060乐"
    assert any(f.rule == "spam:gambling" and f.text.startswith("澳\u200b门") for f in found)


def test_zero_width_long_run_between_words(engine):
    text = "政府信息公开" + "\u200b" * 12 + "工作年度报告"
    zw = [f for f in spam_of(engine.check(text)) if f.rule == "spam:zero-width"]
    assert len(zw) == 1 and zw[0].text == "开" + "\u200b" * 12 + "工"


@pytest.mark.parametrize("text", [
    "\ufeff关于做好2024年春节期间值班工作的通知",
    "县政府\u200b召开常务会议，研究部署\u200b防汛工作。",
    "家庭👨\u200d👩\u200d👧\u200d👦共同参与植树活动",
    "تەرەققىيات\u200cپىلانى",
])
def test_stray_zero_width_is_not_stuffing(engine, text):
    assert [f for f in spam_of(engine.check(text)) if f.rule == "spam:zero-width"] == []


# -- variants and offsets ----------------------------------------------------------------------------

@pytest.mark.parametrize("text,word", [
    ("澳門六合彩開獎結果查詢，今晚開什麼碼。", "澳門六合彩"),
    ("ｂｅｔ３６５体育在线投注。", "ｂｅｔ３６５"),
    ("百 家 乐 真 人 在 线。", "百 家 乐"),
    ("百\u200b家\u200b乐官方网站。", "百\u200b家\u200b乐"),
    ("国产精品久久久久久久久久，最新地址。", "国产精品久久久久久久久久"),
    ("重庆时时彩全天免费计划，精准在线。", "重庆时时彩"),
    ("365BET体育", "365BET"),
    ("北京赛车PK10计划群", "北京赛车PK10"),
    ("同城约炮，附近美女。", "同城约炮"),
    ("代开发票，增值税专用发票、普通发票均可，点数优惠。", "代开发票"),
    ("招聘刷单兼职，日结工资。", "刷单兼职"),
])
def test_variants_found_at_exact_offsets(engine, text, word):
    found = spam_of(engine.check(text))
    assert_offsets(text, found)
    assert word in {f.text for f in found}


def test_rule_ids_and_messages(engine):
    found = spam_of(engine.check("百家乐 久久精品 办证刻章"))
    assert {f.rule for f in found} == {"spam:gambling", "spam:porn", "spam:ads"}
    assert all(f.message and f.suggestion for f in found)


def test_contained_word_not_reported_twice(engine):
    found = spam_of(engine.check("亚洲中文字幕"))
    assert [f.text for f in found] == ["亚洲中文字幕"]


# -- hard negatives ----------------------------------------------------------------------------------

@pytest.mark.parametrize("text", GOV_PARAGRAPHS)
def test_government_paragraphs_have_no_spam(engine, text):
    assert [f for f in engine.check(text) if f.category in ("spam", "sensitive", "secret", "link")] == []


def test_doubled_words_need_the_doubling():
    # The scanner collapses 时时 → 时; 同时彩排 must not become 时时彩.
    assert spam_of(check("同时彩排，持久精品，永久视频")) == []
    assert spam_of(check("时时彩")) != []


def test_plain_text_gets_no_structure_rules(engine):
    text = "重庆市璧bet·365_黑帮365天_365信誉线上_百家乐_真人娱乐"
    rules = {f.rule for f in spam_of(engine.check(text))}
    assert rules == {"spam:gambling"}


# -- betting platforms, lottery tips and porn jargon beyond the famous few ----------------------------

@pytest.mark.parametrize("text,word", [
    ("华体会体育官网注册送88元彩金，新用户首存送100%。", "华体会体育"),
    ("半岛体育app下载，官方入口。", "半岛体育"),
    ("开云官网登录入口网页版。", "开云官网"),
    ("乐鱼官网 leyu.com 欢迎您。", "乐鱼官网"),
    ("博鱼体育平台，真人视讯。", "博鱼体育"),
    ("九游会J9官方入口，老玩家都在玩。", "九游会"),
    ("米乐M6官网下载，体育投注。", "米乐m6"),
    ("亚博yabo体育官方网站。", "亚博yabo"),
    ("星空体育在线直播，注册即送。", "星空体育"),
    ("爱游戏官网，电竞投注首选。", "爱游戏官网"),
    ("必威betway官网，英超赞助商。", "必威betway"),
    ("澳门永利皇宫娱乐场，永利官网注册。", "永利皇宫"),
    ("澳门金沙app下载，js金沙。", "金沙app"),
    ("太阳城申博官网，亚洲第一。", "太阳城申博"),
    ("新濠天地娱乐场，24小时在线。", "新濠天地"),
    ("皇冠hg官网，皇冠足球投注。", "皇冠hg"),
    ("沙巴体育滚球投注平台。", "沙巴体育"),
    ("AG视讯、BBIN电子、PG电子麻将胡了，一站式游戏平台。", "pg电子"),
    ("洗码返水无上限，提款秒到账。", "洗码返水"),
])
def test_betting_platform_brands(engine, text, word):
    found = spam_of(engine.check(text))
    assert_offsets(text, found)
    hits = [f for f in found if fold_eq(f.text, word)]
    assert hits, [(f.text, f.rule) for f in found]
    assert all(f.rule == "spam:gambling" and f.severity == "veto" for f in hits)


def fold_eq(a, b):
    return a.lower().replace("·", "") == b.lower()


@pytest.mark.parametrize("text,word", [
    ("来源：开云 发布时间：2024-03-05 浏览次数：120", "开云"),
    ("信息来源：米乐 | 作者：办公室", "米乐"),
    ("来源：九游 \n", "九游"),
    ("【华体会讯】3月5日，县委召开常委会议。", "华体会"),
    ("亚博讯 3月5日，县政府召开常务会议。", "亚博"),
])
def test_bare_brand_in_source_or_dateline(engine, text, word):
    found = spam_of(engine.check(text))
    assert [f.text for f in found] == [word] and found[0].severity == "veto"


@pytest.mark.parametrize("text", [
    "半岛·体育(中国)官方网站-IOS/安卓通用版/手机APP下载",
    "开云(中国)Kaiyun·官方网站-登录入口",
    "某某体育(中国)官方网站-登录入口",
    "星辉娱乐（中国）官方网站 - 手机版",
])
def test_platform_page_template_with_any_brand(engine, text):
    found = spam_of(engine.check(text))
    assert any(f.rule == "spam:gambling" and f.severity == "veto" and f.start <= 2 for f in found), found


@pytest.mark.parametrize("text,word", [
    ("澳门六开彩开奖结果，今晚开什么码？", "澳门六开彩"),
    ("今晚开什么码，香港马会资料大全免费公开。", "今晚开什么码"),
    ("香港马会特马精准资料，期期准。", "香港马会特马"),
    ("管家婆一肖一码，平特一肖中特网。", "管家婆一肖"),
    ("今晚澳门特马开什么，精准资料免费看。", "精准资料"),
    ("注册就送彩金，领取彩金后即可投注。", "领取彩金"),
    ("彩票计划群，稳赚倍投计划，导师带单。", "彩票计划群"),
    ("正规网赌平台推荐，网赌被黑不给提现怎么办？", "网赌平台"),
    ("网赌上岸后才知道，一夜暴富不是梦。", "网赌"),
])
def test_lottery_tip_jargon(engine, text, word):
    found = spam_of(engine.check(text))
    assert_offsets(text, found)
    assert word in {f.text for f in found}, [(f.text, f.rule) for f in found]


@pytest.mark.parametrize("text,word", [
    ("免费看黄的网站，亚洲色图每日更新。", "免费看黄"),
    ("亚洲色图，欧美色图，偷拍自拍。", "亚洲色图"),
    ("人妻熟女中文字幕在线观看。", "人妻熟女"),
    ("日本人妻系列，高清无码。", "日本人妻"),
    ("成人影城，黄色网站导航。", "成人影城"),
    ("最新人妻av在线观看免费。", "在线观看"),
    ("伊人久久大香蕉，97超碰。", "伊人久久"),
])
def test_porn_jargon(engine, text, word):
    found = spam_of(engine.check(text))
    assert_offsets(text, found)
    assert word in {f.text for f in found}, [(f.text, f.rule) for f in found]
    assert all(f.rule == "spam:porn" for f in found)


def test_surrogacy_ads(engine):
    found = spam_of(engine.check("北京代孕，包成功，代孕价格透明，供卵试管。"))
    assert {"代孕", "代孕价格", "供卵试管"} <= {f.text for f in found}


# Every guarded brand, jargon word and porn word has its ordinary uses.
BRAND_AND_JARGON_NEGATIVES = [
    "金沙县人民政府召开常务会议，部署金沙江流域生态保护工作。",
    "银河系外行星观测取得新进展，银河证券发布年度报告。",
    "代表团一行入住皇冠假日酒店，并参观了皇冠体育馆。",
    "永利化工有限公司完成技术改造，永利村村委会换届。",
    "德国大众汽车AG公司在华追加投资，Ag电极材料研发成功。",
    "太阳城小区加装电梯工程启动，太阳城广场举办文艺演出。",
    "山东半岛体育产业发展论坛在青岛举行，星空体育馆改造完工。",
    "王建华体会到基层工作的艰辛，张国华体会深刻。",
    "会议由县政府召开云南省数字经济推进会精神传达会。",
    "第七届中国—亚欧博览会（亚博会）在乌鲁木齐开幕。",
    "我们不必威胁任何人，也未必威望越高越好。",
    "马来西亚沙巴州代表团来访，双方签署合作备忘录。",
    "BBIN次区域合作倡议涉及孟加拉国、不丹、印度和尼泊尔。",
    "耐克体育（中国）有限公司向学校捐赠体育器材。",
    "来源：县融媒体中心 作者：王伟德 编辑：李永利",
    "军人妻子随军就业工作稳步推进，帮助军人妻儿解决实际困难。",
    "她为人妻、为人母，始终坚守在抗疫一线。",
    "现代孕妇学校开课，新一代孕前优生健康检查全面铺开。",
    "香港赛马会慈善信托基金捐资建设学校，香港马会从化马场通过验收。",
    "管家婆财务软件采购项目公示，采购预算5万元。",
    "新闻发布会在线观看，黄梅戏《天仙配》免费在线观看。",
    "色彩金黄的稻田一望无际，彩金首饰纳入贵金属质量抽检。",
    "坚决打击跨境网赌，远离网赌，珍爱家庭。",
    "在互联网赌博案件中，警方抓获犯罪嫌疑人5名。",
    "订单农业让农户稳赚不赔，土地流转让村民稳赚租金。",
    "2024年全市体育彩票计划销售额3亿元，福利彩票计划发行量增长。",
    "打造特色综合体，发布三级黄色预警，查看黄色预警信号。",
    "抗日战争是一场神圣战争。",
    "开展棋牌娱乐活动，老年活动室设有棋牌桌。",
    # Bare brand names that are also names of villages, estates, companies and parks.
    "太阳城小区体彩投注站开业，永利村投注站销售体育彩票。",
    "万博会展中心官网发布公告，凯发集团官方网站上线。",
    "九游记官网上线，米乐乐园手机版同步推出。",
    "体育场馆对外开放，永利体育公园免费。",
    "永利棋牌室、太阳城真人CS基地通过消防验收，银河真人秀节目录制完成。",
    "来源：永利村委会",
]


@pytest.mark.parametrize("text", BRAND_AND_JARGON_NEGATIVES)
def test_guarded_brand_and_jargon_words_in_ordinary_prose(engine, text):
    assert [f for f in engine.check(text) if f.category in ("spam", "sensitive", "link")] == []


# -- context of words inside HTML segments -------------------------------------------------------------

def test_tampered_title_chunk_is_not_excused_by_the_office_name(engine):
    ex = page(title="华体会体育官网_XX县公安局", body=["县公安局召开全县治安形势分析会。"])
    found = spam_of(engine.check(ex))
    assert any(f.rule == "spam:title-tampered" and f.text == "华体会体育" for f in found)


def test_footer_report_link_does_not_excuse_spam_links(engine):
    ex = page(
        title="XX县人民政府", body=["友情链接：开元棋牌 澳门金沙 违法和不良信息举报中心"],
        links=[("开元棋牌", "http://qp777.cc", False), ("违法和不良信息举报中心", "https://www.12377.cn/", False)],
    )
    found = spam_of(engine.check(ex))
    texts = [f.text for f in found]
    assert texts.count("开元棋牌") == 2 and "澳门金沙" in texts  # the body line and the [链接] line


def test_anchor_words_in_link_section_found_by_spam(engine):
    ex = page(
        title="XX县人民政府",
        links=[("违法和不良信息举报中心", "https://www.12377.cn/", False), ("百家乐", "http://www.a-b-c.com/", False),
               ("九游会", "http://www.j9-x.vip/", False)],
    )
    found = spam_of(engine.check(ex))
    link_segs = [s for s in ex.segments if s.kind == "link"]
    assert {f.text for f in found} == {"百家乐", "九游会"}
    assert all(any(s.start <= f.start and f.end <= s.end for s in link_segs) for f in found)


def test_denouncing_title_chunk_still_clean(engine):
    ex = page(title="关于严厉打击“九游会”“开云体育”等网络赌博平台的通告_XX市公安局")
    assert spam_of(engine.check(ex)) == []
