"""Family ``sensitive``: curated packs of cult, separatist/terror, reactionary, drug/weapon-trading
and violent-terror wording; denouncing government prose stays clean."""

from __future__ import annotations

import pytest

from sanshen.engine import Engine
from sanshen.engine.packs import load_rules


@pytest.fixture(scope="module")
def engine():
    return Engine()


def sensitive(engine, text):
    found = [f for f in engine.check(text) if f.category == "sensitive"]
    for f in found:
        assert text[f.start:f.end] == f.text
    return found


@pytest.mark.parametrize("text,word,severity", [
    ("网友在留言板留言：法轮大法好，请政府善待修炼人。", "法轮大法好", "veto"),
    ("三退保平安，天灭中共，大家快醒醒。", "三退保平安", "veto"),
    ("大法弟子要走出来讲真相，发正念清除邪恶。", "大法弟子", "veto"),
    ("欢迎访问明慧网了解更多。", "明慧网", "veto"),
    ("他每天在家练法轮功，身体越来越好。", "法轮功", "high"),
    ("全能神教会欢迎你加入，主已经再来。", "全能神", "high"),
    ("支持台独，台湾独立万岁！", "台湾独立万岁", "veto"),
    ("藏独、疆独、台独都是争取民族自决的正义事业。", "藏独", "veto"),
    ("达赖喇嘛尊者为众生祈福。", "达赖喇嘛尊者", "high"),
    ("号召兄弟们参加圣战。", "参加圣战", "high"),
    ("打倒共产党，结束一党专政！", "打倒共产党", "veto"),
    ("纪念六四屠城三十五周年。", "六四屠城", "high"),
    ("免费提供翻墙软件下载，轻松访问境外网站。", "翻墙软件", "high"),
    ("出售冰毒，纯度高，加微信详聊，货到付款。", "冰毒", "veto"),
    ("K粉、摇头丸低价批发，量大从优，同城当天送达。", "摇头丸", "veto"),
    ("长期出售枪支弹药，手枪、猎枪均有现货，价格面议。", "枪支", "veto"),
    ("教你在家自制炸药，材料简单易得，视频教程点此观看。", "自制炸药", "veto"),
])
def test_positives(engine, text, word, severity):
    found = sensitive(engine, text)
    match = [f for f in found if f.text == word] or [f for f in found if word in f.text]  # or a longer form
    assert match, [(f.text, f.rule) for f in found]
    assert match[0].severity == severity
    assert match[0].message and match[0].rule.startswith("sensitive-")


@pytest.mark.parametrize("text,word", [
    ("他每天在家练法輪功，身体越来越好。", "法輪功"),        # traditional
    ("欢迎了解法 轮 大 法 好的真相。", "法 轮 大 法 好"),     # inserted spaces
    ("欢迎了解法，轮，大，法，好的真相。", "法，轮，大，法，好"),  # every character split off
    ("出售冰\u200b毒，加ＱＱ详聊。", "冰\u200b毒"),           # zero-width + full-width QQ
])
def test_variants(engine, text, word):
    assert word in {f.text for f in sensitive(engine, text)}


@pytest.mark.parametrize("text", [
    # Denouncing contexts (unless_near).
    "坚决打击“法轮功”邪教组织，深入开展反邪教宣传教育。",
    "揭批“全能神”邪教组织的反社会本质，防范邪教渗透。",
    "反对“台独”分裂活动，坚决维护国家主权和领土完整。",
    "打击“东突”恐怖势力，依法惩治暴力恐怖犯罪。",
    "坚决防范和抵御境外敌对势力策动“颜色革命”的图谋。",
    "禁毒宣传：冰毒、海洛因、摇头丸都是毒品，购买和吸食毒品是违法行为。",
    "公安机关查获冰毒2公斤，抓获贩毒嫌疑人3名，毒贩通过微信出售毒品。",
    "依法加强枪支管理，公务用枪实行登记备案，严禁非法买卖枪支。",
    "安全生产检查：严禁非法制作炸药，民用爆炸物品实行销售许可。",
    "据报道，阿富汗首都发生自杀式袭击事件，造成多人死亡。",
    "抗战时期，国民党反动派污蔑红军为“共匪”。",
    # Words that contain a listed word's characters across word boundaries.
    "打造平台独家内容，收藏独特藏品，展示新疆独特风光，吸引香港独资企业。",
    "山东突出抓好农业生产，广东突出科技创新。",
    "加强心灵教育，推进统一教材使用，培养一贯道德高尚的青年。",
    "大麻哈鱼价格上涨，工业大麻产业健康发展，避免带来大麻烦。",
    "香港独立监察警方处理投诉委员会发布年度报告。",
    "打气枪价格为每把35元，已列入办公用品采购清单。",
    # Ordinary government vocabulary.
    "在中国共产党的领导下，国务院各部门和地方各级人民政府认真贯彻落实党中央决策部署，人民群众获得感不断增强。",
    "县政府网络安全和信息化领导小组召开会议，部署招聘工作和网络安全检查。",
])
def test_hard_negatives(engine, text):
    assert sensitive(engine, text) == []


ORDINARY = {
    "政府", "人民", "国务院", "共产党", "中国共产党", "党中央", "网络", "招聘", "兼职", "领导人", "主席", "总理",
    "民主", "自由", "人权", "宗教", "西藏", "新疆", "台湾", "香港", "澳门", "达赖", "六四", "毒品", "枪", "赌博",
}


def test_packs_list_no_ordinary_words():
    rules = load_rules()
    words = {w for e in rules.entries if e.category == "sensitive" for w in e.words}
    assert words and not (words & ORDINARY)
    assert all(len(w) >= 2 for w in words)


def test_packs_cover_the_expected_themes():
    packs = {p.name for p in load_rules().packs if p.name.startswith("sensitive-")}
    assert packs >= {"sensitive-cult", "sensitive-separatism", "sensitive-reactionary", "sensitive-drugs-weapons",
                     "sensitive-terror"}


# -- statements in full sentence form, calls to violence, drugs used for crimes ------------------------

@pytest.mark.parametrize("text,word,rule", [
    ("我认为台湾是一个主权独立的国家。", "台湾是一个主权独立的国家", "sensitive:separatist-statement"),
    ("台独是台湾人民唯一正确的道路！", "台独是台湾人民唯一正确的道路", "sensitive:separatist-statement"),
    ("台独是台湾唯一的选择。", "台独是台湾唯一的选择", "sensitive:separatist-statement"),
    ("西藏自古以来就不属于中国。", "西藏自古以来就不属于中国", "sensitive:separatist-statement"),
    ("台湾的前途由台湾人民自己决定。", "台湾的前途由台湾人民自己决定", "sensitive:separatist-statement"),
    ("兄弟们，拿起武器参加圣战！", "拿起武器参加圣战", "sensitive:terror-call"),
    ("殉道者必得天堂，不要害怕。", "殉道者必得天堂", "sensitive:terror-call"),
    ("为真主而战，杀死异教徒，圣战到底！", "杀死异教徒", "sensitive:terror-call"),
    ("号召穆斯林青年投奔伊斯兰国。", "投奔伊斯兰国", "sensitive:terror-call"),
])
def test_statements_and_calls(engine, text, word, rule):
    found = sensitive(engine, text)
    match = [f for f in found if f.text == word]
    assert match, [(f.text, f.rule) for f in found]
    assert match[0].rule == rule and match[0].severity == "veto"


@pytest.mark.parametrize("text,word", [
    ("正品听话水，无色无味，一滴见效。", "听话水"),
    ("迷魂药喷雾，效果显著，诚招代理。", "迷魂药"),
    ("女用催情药水，进口原装。", "催情药水"),
    ("出售迷奸药，顺丰包邮。", "迷奸药"),
    ("失身水、乖乖水批发零售。", "失身水"),
])
def test_drugs_for_crimes_in_any_offer(engine, text, word):
    found = sensitive(engine, text)
    match = [f for f in found if f.text == word]
    assert match and match[0].severity == "veto", [(f.text, f.rule) for f in found]


@pytest.mark.parametrize("text", [
    # Neutral facts, reports and refutations of the same statements.
    "“东突厥斯坦伊斯兰运动”（“东伊运”）已被联合国安理会列为恐怖组织。",
    "赖清德妄称“台湾是一个主权独立的国家”，国台办发言人予以驳斥。",
    "所谓“台湾是一个主权独立的国家”的谬论，完全是颠倒黑白。",
    "“台独”是逆历史潮流而动的绝路，是一条走不通的死路。",
    "台湾是中国领土不可分割的一部分，台湾从来不是一个国家。",
    "宗教极端分子宣扬“殉道者必得天堂”，蛊惑青年参加所谓“圣战”。",
    "极端组织号召参加“圣战”的音视频在境外网站传播，各地要严防渗透。",
    "伟大的卫国战争是一场神圣战争，苏联人民参加了这场神圣战争。",
    "1999年李登辉抛出“两国论”，遭到两岸同胞强烈反对。",
    "打造平台独家内容，是唯一正确的选择。",
    # Warnings, police news and literature about drugs used for crimes.
    "警方提醒：网上所谓“听话水”“迷魂药”都是骗局，切勿购买。",
    "民警破获一起利用迷药实施抢劫的案件。",
    "《水浒传》中孙二娘用蒙汗药麻翻过往客商。",
    "感谢医生妙手回春药到病除。",
])
def test_statement_hard_negatives(engine, text):
    assert sensitive(engine, text) == []
