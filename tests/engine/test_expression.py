"""Tests of the `expression` family (严重表述错误): packs, leaders, regions, corrections, offsets."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
import yaml

from sanshen.engine import Engine, check
from sanshen.engine.families import phonetics
from sanshen.engine.families.leaders import load_leaders
from sanshen.engine.packs import BUILTIN_DATA, BUILTIN_PACKS, load_pack

TODAY = "2026-11-01"


def expr(text: str, as_of: str | None = TODAY, engine: Engine | None = None):
    found = (engine.check(text, as_of=as_of) if engine else check(text, as_of=as_of))
    return [f for f in found if f.category == "expression"]


def only(text: str, as_of: str | None = TODAY, engine: Engine | None = None):
    found = expr(text, as_of, engine)
    assert len(found) == 1, [(f.rule, f.text) for f in found]
    f = found[0]
    assert text[f.start:f.end] == f.text
    return f


def assert_clean(text: str, as_of: str | None = TODAY):
    found = expr(text, as_of)
    assert found == [], [(f.rule, f.text, f.message) for f in found]


def _expression_packs():
    return [load_pack(p) for p in sorted(BUILTIN_PACKS.glob("expression-*.yaml"))]


SEED_PARAGRAPHS = (
    (
        "各乡(镇)、各部门要充分认识移动互联网环境下做好政务新媒体建设和运营管理的重大意义,明确分管负责人,"
        "统筹推进政务新媒体与政府网站整体协同发展。同时,要加强与宣传、网信、公安等部门的沟通协调,共同做好发"
        "布引导、舆情应对、网络安全等工作。"
    ),
    (
        "(四)严格信息发布。各政务新媒体主办单位要指定专人负责政务新媒体的信息收集、采编、审核、发布工作,明"
        "确审核的程序和责任,坚持“谁公开、谁审核”、“一事一审”原则,严格执行“分级审核、先审后发”程序,严"
        "格落实“三审三校”制度,按照工作规程对信息内容进行严格审核和保密审查,未经审核把关的信息一律不得上网"
        "发布,确保政务新媒体发布的信息准确权威、语义明确、语言规范、发布及时,确保信息内容合法、真实、完整、"
        "可靠、准确、安全。原则上每天至少更新发布1条信息(除节假日外)、每1周至少发布1条原创信息;对2周内"
        "无内容更新的,将进行全县通报。对涉及重大敏感事件或全局性的重大信息由主办单位主要领导审定发布,必要时"
        "会同宣传、网信、公安等部门共同审定;对涉及本地的重大事件、群体性事件、灾情疫情等敏感信息,严禁未经审"
        "核或授权擅自发布。要规范转载发布工作,原则上只转载上级党委和政府网站以及有关主管单位确定的稿源单位发"
        "布的信息;上级党委、政府发布的,需要社会公众周知的重要政策信息,各级各类政务新媒体应及时转载;转载发"
        "布的信息,均应注明来源,不得歪曲、篡改标题原意和信息内容;不得转载代表个人观点、意见及情绪的言论,不"
        "得参与商业性、盈利性经营活动,严禁刊登商业广告或链接商业广告页面;减少新闻宣传和领导活动报道类信息发"
        "布。要建立网络内容巡查制度,加强日常监测,确保信息更新及时、内容准确权威,发现违法有害、错敏信息要第"
        "一时间处理,发现重大舆情要按程序及时转送相关部门处理。"
    ),
    (
        "(五)加强安全管理。严格遵守《中华人民共和国网络安全法》等法律法规,严守国家安全、政治安全、意识形态"
        "安全,建立健全安全管理、保密审查制度和应急预案,落实安全管理责任,强化安全管理措施,切实提高安全防护"
        "能力。要加强对账号密码的安全管理,防止账号被盗用或被恶意攻击等安全事件发生;自建移动客户端等应用系统"
        "或平台的,要严格按照网络安全等级保护标准进行安全检测;强化用户信息安全保护,严禁违法违规获取超过服务"
        "需求的个人信息,严禁公开涉嫌损害用户权益的内容;对可能涉及国家秘密、商业秘密、个人隐私的信息要严格管"
        "理,确保不发生泄密事件。提供第三方政务新媒体服务的机构须具有新闻采编资质并符合相关规定,委托服务应明"
        "确约定外包事项及权责,建立保密安全制度,签订保密安全协议,加强对外包服务单位的资质审查和日常监管,建"
        "立完善对服务外包单位的管理制度,严禁将主管主办职责全权交托外包服务单位,严防变托管为“脱管”。"
    ),
    (
        "第四条区政府办公室是全区政府网站的主管单位,负责推进、指导、监督全区政府网站建设和发展,负责对全区政"
        "府网站进行统筹规划和监督考核,做好综合协调、开设、整合关停、考核评价和督查问责等管理工作。网信部门和"
        "公安部门协同做好政府网站安全防护和应急处置等工作。"
    ),
    (
        "第八条政府网站主办单位要建立健全信息采集、编辑、审核、发布制度,及时发布权威、准确信息,建立保密审查"
        "机制,严禁涉密信息上网,不得泄露个人隐私和商业秘密。政府网站发布的信息包括以下内容:"
    ),
    (
        "第十一条政府网站主办单位应按照网信部门和公安部门要求,认真落实《中华人民共和国网络安全法》等法律法规"
        "和政策标准要求,制定完善网站安全管理制度和操作规程,做好网站安全定级备案、安全建设、等级测评和整改加"
        "固工作。"
    ),
)


# ---------------------------------------------------------------- rule packs


def test_expression_packs_load_and_have_suggestions():
    packs = _expression_packs()
    assert {p.name for p in packs} >= {
        "expression-national", "expression-formulations", "expression-organisations", "expression-places",
        "expression-regions",
    }
    for pack in packs:
        for entry in pack.entries:
            assert entry.category == "expression"
            assert entry.suggestion, entry.rule
            assert entry.message, entry.rule
            assert entry.suggestion not in entry.words, entry.rule


@pytest.mark.parametrize("pack", _expression_packs(), ids=lambda p: p.name)
def test_every_listed_wrong_form_is_reported_with_its_fix(pack):
    for entry in pack.entries:
        for word in entry.words:
            context = entry.only_near[0] if entry.only_near else ""
            text = f"经查，{context}{word}的表述须核实。"
            found = [f for f in expr(text) if f.text == word]
            assert found, (entry.rule, word)
            assert found[0].rule == entry.rule
            assert found[0].suggestion == entry.suggestion


@pytest.mark.parametrize("pack", _expression_packs(), ids=lambda p: p.name)
def test_the_right_forms_are_clean(pack):
    for entry in pack.entries:
        assert_clean(f"经查，{entry.suggestion}的表述正确。")


@pytest.mark.parametrize(
    ("text", "wrong", "right", "severity"),
    [
        ("依照《中华人名共和国安全生产法》开展检查。", "中华人名共和国", "中华人民共和国", "veto"),
        ("为贯彻落实《中华人民共合国政府信息公开条例》。", "中华人民共合国", "中华人民共和国", "veto"),
        ("中国人民共和国成立以来。", "中国人民共和国", "中华人民共和国", "veto"),
        ("热烈庆祝中国共产常成立。", "中国共产常", "中国共产党", "veto"),
        ("深入学习习近平新时代中国特色社会主意思想。", "习近平新时代中国特色社会主意思想",
         "习近平新时代中国特色社会主义思想", "veto"),
        ("更加紧密地团结在以习近平为核心的党中央周围。", "以习近平为核心的党中央",
         "以习近平同志为核心的党中央", "veto"),
        ("积极培育和践行社会主义核心价直观。", "社会主义核心价直观", "社会主义核心价值观", "high"),
        ("实现中华民族伟大复新。", "中华民族伟大复新", "中华民族伟大复兴", "high"),
        ("推动构建人类命运公同体。", "人类命运公同体", "人类命运共同体", "high"),
        ("发展全过程人民名主。", "全过程人民名主", "全过程人民民主", "high"),
        ("增强“四个意思”、坚定“四个自信”。", "四个意思", "四个意识", "high"),
        ("坚决做到“二个维护”。", "二个维护", "两个维护", "high"),
        ("认真学习党的二十大三中全会精神。", "二十大三中全会", "二十届三中全会", "high"),
        ("县人民检查院召开党组会议。", "人民检查院", "人民检察院", "high"),
        ("县纪律检察委员会通报。", "纪律检察委员会", "纪律检查委员会", "high"),
        ("国务院办公室印发通知。", "国务院办公室", "国务院办公厅", "high"),
        ("国家发展改革委员会发布。", "国家发展改革委员会", "国家发展和改革委员会", "high"),
        ("广西自治区南宁市。", "广西自治区", "广西壮族自治区", "high"),
        ("内蒙自治区呼和浩特市。", "内蒙自治区", "内蒙古自治区", "high"),
        ("新疆自治区乌鲁木齐市。", "新疆自治区", "新疆维吾尔自治区", "high"),
        ("新疆维吾尔族自治区。", "新疆维吾尔族自治区", "新疆维吾尔自治区", "high"),
        ("宁夏自治区银川市。", "宁夏自治区", "宁夏回族自治区", "high"),
        ("西藏藏族自治区拉萨市。", "西藏藏族自治区", "西藏自治区", "high"),
        ("北朝鲜代表团抵京。", "北朝鲜", "朝鲜", "medium"),
        ("深化中港两地合作。", "中港两地", "内地与香港", "high"),
        ("港澳台与中国的交流。", "港澳台与中国", "港澳台与内地", "high"),
    ],
)
def test_pack_positives(text, wrong, right, severity):
    f = only(text)
    assert f.text == wrong
    assert f.suggestion == right
    assert f.severity == severity
    assert f.message


def test_procurator_slip_needs_a_legal_context():
    f = only("县人民检察院公诉部门的检查官出庭支持公诉。")
    assert (f.text, f.suggestion) == ("检查官", "检察官")
    assert_clean("卫生部门派出检查官员，逐项检查官方网站和食堂。")


# ---------------------------------------------------------------- generated slips of formulations


@pytest.mark.parametrize(
    ("text", "wrong", "right"),
    [
        ("发展全过程认民民主。", "全过程认民民主", "全过程人民民主"),  # 人→认, same sound, not listed
        ("实现中华民族伟复兴。", "中华民族伟复兴", "中华民族伟大复兴"),  # one character dropped
        ("坚持中国特涩社会主义道路。", "中国特涩社会主义", "中国特色社会主义"),
        ("推动构建人类命运共铜体。", "人类命运共铜体", "人类命运共同体"),
        ("坚持全面从盐治党。", "全面从盐治党", "全面从严治党"),
    ],
)
def test_same_sound_and_missing_character_slips_are_generated(text, wrong, right):
    f = only(text)
    assert (f.text, f.suggestion) == (wrong, right)
    assert f.rule.startswith("expression-")


def test_generated_slips_need_the_exact_characters():
    # The scanner collapses repeated characters: 实现现代化 must not read as the slip 实现代化.
    assert_clean("推进中国式现代化，中国实现现代化的道路越走越宽广。")
    assert_clean("中国是现代化建设的重要力量。")  # 式→是 is a function word, never generated
    assert_clean("人民当家作主是全过程人民民主的本质要求。")
    # dropping a character of a short formulation leaves ordinary words: 中国式现代化 → 中国现代化
    assert_clean("推进中国现代化建设，全面从严治党，中央八项规定精神。")


# ---------------------------------------------------------------- hard negatives


HARD_NEGATIVES = [
    "依据《中华人民共和国政府信息公开条例》，现将本机关2024年度政府信息公开工作情况报告如下。",
    "热烈庆祝中国共产党成立105周年，中国共产党党员要发挥先锋模范作用。",
    "深入学习贯彻习近平新时代中国特色社会主义思想，深刻领悟“两个确立”的决定性意义，增强“四个意识”、坚定“四个自信”、做到“两个维护”。",
    "更加紧密地团结在以习近平同志为核心的党中央周围。",
    "积极培育和践行社会主义核心价值观，巩固社会主义核心价值体系。",
    "以中国式现代化全面推进中华民族伟大复兴，推动构建人类命运共同体，发展全过程人民民主。",
    "全县各级党组织认真学习党的二十届三中全会精神，党的二十大以来各项工作取得新进展。",
    "中国共产党第二十次全国代表大会在北京胜利召开。第十四届全国人民代表大会第二次会议在北京开幕。",
    "县人民检察院、最高人民检察院、县纪律检查委员会、国家监察委员会联合召开会议，检察长出席。",
    "国务院办公厅、国务院港澳事务办公室、国务院新闻办公室、国务院台湾事务办公室联合发布。",
    "国务院常务会议研究部署稳就业工作。国家发展和改革委员会、市发展和改革委员会、市发展改革委参加。",
    "广西壮族自治区、内蒙古自治区、新疆维吾尔自治区、宁夏回族自治区、西藏自治区、湘西州、延边朝鲜族自治州。",
    "台湾同胞、台湾地区、中国台湾、香港特别行政区政府、澳门特别行政区、港澳台地区、国家和地区、一个中国原则。",
    "大陆与台湾同属一个中国，外国及港澳台人员按规定办理，台湾当局应当摒弃“台独”立场。",
    "我市产品远销美国、日本、中国台湾、中国香港等国家和地区。",
    "香港国际机场客流恢复，香港国安法有效实施，台湾国民党主席率团访问大陆，台湾国际航线。",
    "推进政务数据中台建设，业务中台与数据中台统一规划。",
    "同学们下课后回教室自习，教师回教研室备课。",
    "南北朝鲜卑族的汉化进程。",
    "卫生部门派出检查官员，逐项检查官方网站。",
    "这句话有四个意思，需要逐一说明。",
    "民国时期（1912—1949年），该地设县。",
    "中华民国临时政府于1912年在南京成立，孙中山就任临时大总统。",
    "台湾地区领导人赖清德日前发表所谓“就职讲话”，国台办发言人予以驳斥。",
    "台湾地区外事部门、台湾地区防务部门、台湾地区立法机构。",
    "我市积极与蒙古国开展边境贸易合作，朝鲜民主主义人民共和国代表团来访。",
    "高质量共建“一带一路”，深化与沿线国家经贸合作。",
    "推进乡村振兴，建设粤港澳大湾区，落实中央八项规定精神。",
]


@pytest.mark.parametrize("text", HARD_NEGATIVES)
def test_hard_negatives(text):
    assert_clean(text)


# ---------------------------------------------------------------- leaders: titles


@pytest.mark.parametrize(
    ("text", "as_of", "span", "suggestion", "in_message"),
    [
        ("李强副总理出席会议。", TODAY, "李强副总理", "李强总理", "国务院总理，不是副总理"),
        ("国务院副总理李强主持召开会议。", TODAY, "国务院副总理李强", "国务院总理李强", "国务院总理"),
        ("王沪宁委员长主持会议。", TODAY, "王沪宁委员长", "王沪宁主席", "全国政协主席"),
        ("全国政协主席赵乐际出席。", "2024-09-20", "全国政协主席赵乐际", "全国人大常委会委员长赵乐际", "委员长"),
        ("李克强主席会见外宾。", "2016-05-01", "李克强主席", "李克强总理", "国务院总理"),
        ("国务院总理丁薛祥主持会议。", "2024-08-01", "国务院总理丁薛祥", "国务院副总理丁薛祥", "副总理"),
        ("总统习近平同来访的外国元首举行会谈。", TODAY, "总统习近平", "国家主席习近平", "不是总统"),
        ("全国政协副主席韩正出席。", TODAY, "全国政协副主席韩正", "国家副主席韩正", "国家副主席"),
    ],
)
def test_a_title_that_belongs_to_someone_else(text, as_of, span, suggestion, in_message):
    f = only(text, as_of)
    assert f.rule == "leaders:title-mismatch"
    assert f.severity == "veto"
    assert (f.text, f.suggestion) == (span, suggestion)
    assert in_message in f.message


def test_a_title_not_yet_held_on_the_texts_date():
    f = only("国务院总理李强主持召开国务院常务会议。", "2022-06-01")
    assert f.rule == "leaders:title-mismatch"
    assert "尚未担任" in f.message
    f = only("全国人大常委会委员长赵乐际出席会议并讲话。", "2022-05-01")
    assert f.rule == "leaders:title-mismatch"


@pytest.mark.parametrize(
    ("text", "late", "early"),
    [
        ("李克强总理在我市考察时指出，要稳住经济基本盘。", TODAY, "2019-05-15"),
        ("国务院总理李克强主持召开国务院常务会议。", "2025-06-10", "2019-05-15"),
        ("韩正副总理出席会议并讲话。", TODAY, "2021-12-01"),
        ("国家副主席王岐山会见外国代表团。", "2024-04-18", "2019-04-18"),
        ("全国人大常委会委员长栗战书出席会议。", "2024-12-25", "2020-12-25"),
        ("全国政协主席汪洋作工作报告。", "2024-03-04", "2021-03-04"),
        ("国家副主席习近平出席会议。", "2024-03-01", "2010-03-01"),
    ],
)
def test_a_former_title_presented_as_current(text, late, early):
    f = only(text, late)
    assert f.rule == "leaders:former-title"
    assert f.severity == "veto"
    assert "卸任" in f.message or "不在任" in f.message
    assert_clean(text, early)


def test_former_title_suggests_the_current_one_when_there_is_one():
    f = only("韩正副总理出席会议。", TODAY)
    assert f.suggestion == "韩正副主席"
    f = only("李克强总理出席会议。", TODAY)
    assert f.suggestion == "时任国务院总理李克强"
    assert "逝世" in f.message


@pytest.mark.parametrize(
    "text",
    [
        "该项目于2015年开工建设，时任国务院总理李克强出席了开工仪式。",
        "十八届、十九届中央政治局常委，国务院原总理李克强同志，于2023年10月27日在上海逝世。",
        "原国务院总理李克强同志生前十分关心我市发展。",
        "李克强总理生前多次强调要稳就业。",
        "2016年4月，李克强总理到我市考察，留下殷切嘱托。",
        "深切悼念李克强总理。",
        "韩正同志在担任国务院副总理期间，曾于2019年来我市考察指导工作。",
        "十三届全国人大常委会委员长栗战书曾多次就立法工作作出部署。",
        "前国家主席胡锦涛。",
        "国家主席习近平同来访的外国领导人举行会谈。",
        "国务院总理李强出席夏季达沃斯论坛开幕式并致辞。",
        "十四届全国人大常委会第十次会议闭幕，委员长赵乐际主持闭幕会。",
        "国务院副总理丁薛祥、何立峰、张国清、刘国中出席会议。",
        "中央纪委书记李希、国家副主席韩正、全国政协副主席胡春华出席。",
        "外交部长王毅同来访的外国外长举行会谈。",
        "习近平主席、习近平总书记、中央军委主席习近平。",
    ],
)
def test_past_markers_history_and_correct_titles_pass(text):
    assert_clean(text)


def test_named_term_must_match_the_years():
    assert_clean("十三届全国人大常委会委员长栗战书。", "2024-06-01")
    assert only("十四届全国人大常委会委员长栗战书。", "2024-06-01").rule == "leaders:former-title"


def test_common_name_is_only_judged_next_to_a_state_title():
    # 李强 is also an ordinary name: alone, as 同志, or with a local title it is someone else.
    for text in ("李强同志出席会议。", "李强出席会议。", "市委书记李强出席会议。", "李强书记讲话。", "李强主席致辞。",
                 "县政协主席李强讲话。", "书记李强华出席。"):
        assert_clean(text)
    assert only("李强副总理出席。").rule == "leaders:title-mismatch"


def test_unknown_provincial_posts_are_not_called_mismatches():
    # The base does not list every provincial post: 时任上海市委书记李强 is right, and an unlisted
    # post is not reported as "never held".
    assert_clean("时任上海市委书记李强曾于2019年率上海市党政代表团来滇考察。", "2024-06-01")
    assert_clean("李克强书记到河南调研。", "2003-06-01")


# ---------------------------------------------------------------- leaders: removed officials


@pytest.mark.parametrize(
    ("text", "removed_day", "before_day"),
    [
        ("孙政才书记在会上讲话。", TODAY, "2015-05-01"),
        ("秦刚外长会见外宾。", TODAY, "2023-05-01"),
        ("外交部长秦刚同来访的外国外长举行会谈。", "2024-02-01", "2023-03-07"),
        ("李尚福部长出席会议。", TODAY, "2023-06-01"),
        ("重庆市委书记孙政才主持会议。", "2018-01-01", "2016-01-01"),
    ],
)
def test_a_removed_official_presented_as_in_office(text, removed_day, before_day):
    f = only(text, removed_day)
    assert f.rule == "leaders:removed"
    assert f.severity == "veto"
    assert f.suggestion.startswith("原")
    assert_clean(text, before_day)


def test_an_expelled_official_is_not_called_comrade():
    f = only("孙政才同志在会上讲话。", TODAY)
    assert (f.rule, f.text) == ("leaders:removed", "孙政才同志")
    assert "同志" in f.message
    assert_clean("孙政才同志在会上讲话。", "2016-01-01")


@pytest.mark.parametrize(
    "text",
    [
        "原重庆市委书记孙政才严重违纪违法案。",
        "孙政才受贿案一审宣判。",
        "十四届全国人大常委会第四次会议决定，免去秦刚的外交部部长职务，任命王毅为外交部部长。",
        "以周永康、薄熙来、孙政才、令计划等为反面典型开展警示教育。",
    ],
)
def test_reports_on_removed_officials_pass(text):
    assert_clean(text)


# ---------------------------------------------------------------- leaders: misspelt names


@pytest.mark.parametrize(
    ("text", "as_of", "wrong", "right", "severity"),
    [
        ("湖南省委书记杜家豪主持召开省委常委会会议。", "2018-06-01", "杜家豪", "杜家毫", "veto"),
        ("杜家豪书记到长沙调研。", "2018-06-01", "杜家豪", "杜家毫", "high"),
        ("国务院副总理何立锋出席会议。", "2024-05-10", "何立锋", "何立峰", "veto"),
        ("国务院副总理张国青到我省调研。", "2024-07-02", "张国青", "张国清", "veto"),
        ("国务院副总理丁雪祥出席论坛。", "2025-03-23", "丁雪祥", "丁薛祥", "veto"),
        ("全国政协主席王泸宁出席会议。", "2024-06-01", "王泸宁", "王沪宁", "veto"),
        ("国家副主席韩政出席博览会开幕式。", "2024-09-24", "韩政", "韩正", "veto"),
        ("深入学习贯彻习近乎总书记重要讲话精神。", TODAY, "习近乎", "习近平", "veto"),
        ("习进平总书记强调，要坚持以人民为中心。", TODAY, "习进平", "习近平", "veto"),
        ("深入学习习近萍新时代中国特色社会主义思想。", TODAY, "习近萍", "习近平", "veto"),
        ("更加紧密地团结在以习近评同志为核心的党中央周围。", TODAY, "习近评", "习近平", "veto"),
    ],
)
def test_a_misspelt_leader_name(text, as_of, wrong, right, severity):
    f = only(text, as_of)
    assert f.rule == "leaders:misspelt-name"
    assert (f.text, f.suggestion, f.severity) == (wrong, right, severity)


def test_misspelt_names_same_sound_is_more_certain_than_a_random_character():
    sound = only("全国人大常委会委员长赵乐继出席会议。", "2024-06-01")
    other = only("全国人大常委会委员长赵乐往出席会议。", "2024-06-01")
    assert sound.confidence > other.confidence
    assert sound.severity == "veto"


@pytest.mark.parametrize(
    ("text", "as_of"),
    [
        ("胡春花书记到村里走访。", TODAY),  # a local secretary: 胡春华 holds no 书记 title in 2026
        ("韩征副主席出席。", TODAY),  # two-character name next to a generic title: too ambiguous
        ("国务院副总理王勇出席会议。", "2020-05-01"),  # a real vice premier, not a slip of 王毅
        ("县委书记王岐善主持会议。", TODAY),
        ("国务委员王勇出席。", "2020-05-01"),
    ],
)
def test_other_people_are_not_misspelt_leaders(text, as_of):
    assert_clean(text, as_of)


# ---------------------------------------------------------------- leaders: order of the Standing Committee


def test_standing_committee_order():
    f = only("习近平、赵乐际、李强、王沪宁出席会议。")
    assert (f.rule, f.text) == ("leaders:order", "习近平、赵乐际、李强、王沪宁")
    assert f.suggestion == "习近平、李强、赵乐际、王沪宁"
    assert_clean("习近平、李强、赵乐际、王沪宁、蔡奇、丁薛祥、李希等出席会议。")
    assert_clean("习近平、李克强、栗战书、汪洋、王沪宁、赵乐际、韩正出席会议。", "2019-01-01")
    assert only("习近平、李克强、汪洋、栗战书出席会议。", "2019-01-01").rule == "leaders:order"
    assert_clean("李强、王沪宁出席会议。")  # two names are no list to judge


# ---------------------------------------------------------------- corrections


@pytest.mark.parametrize(
    "text",
    [
        "“中华人名共和国”应为“中华人民共和国”。",
        "通报指出，某单位网站把“中华人民共合国”写成了错误形式，已整改。",
        "通报指出，某单位网站将“习近平”错写为“习近乎”，已责令立即整改。",
        "通报指出，某单位将“湖南省委书记杜家毫”误写为“湖南省委书记杜家豪”。",
        "“李强副总理”应为“李强总理”。",
        "常见错误：“台湾总统”应改为“台湾地区领导人”。",
        "不得写成“美国、日本、台湾等国家”，应为“国家和地区”。",
    ],
)
def test_explicit_corrections_are_not_errors_of_the_text(text):
    assert_clean(text)


# ---------------------------------------------------------------- offsets


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("李強副總理出席會議。", "李強副總理"),
        ("李 强 副总理出席会议。", "李 强 副总理"),
        ("依照《中華人名共和國安全生產法》。", "中華人名共和國"),
        ("依照《中华人 名共和国安全生产法》。", "中华人 名共和国"),
        ("湖南省委書記杜家豪主持會議。", "杜家豪"),
        ("美國、日本、臺灣等國家參加。", "等國家"),
        ("台灣“總統”發表講話。", "台灣“總統”"),
    ],
)
def test_offsets_point_at_the_original_characters(text, span):
    f = only(text, "2018-06-01" if "杜家" in text else TODAY)
    assert f.text == span
    assert text[f.start:f.end] == span


# ---------------------------------------------------------------- Taiwan, Hong Kong, Macao


@pytest.mark.parametrize(
    ("text", "rule", "span", "suggestion"),
    [
        ("我市特色农产品远销美国、日本、台湾等国家。", "region:taiwan-country", "等国家", "等国家和地区"),
        ("吸引了新加坡、香港、澳门等国家的投资者。", "region:hongkong-country", "等国家", "等国家和地区"),
        ("与美国、台湾等10个国家签订协议。", "region:taiwan-country", "个国家", "个国家和地区"),
        ("包括台湾在内的20个国家参展。", "region:taiwan-country", "在内的20个国家", "在内的20个国家和地区"),
        ("香港和其他国家的客商。", "region:hongkong-country", "其他国家", "其他国家和地区"),
        ("台湾国的所谓外交。", "region:taiwan-country", "台湾国", "台湾地区"),
        ("据报道，台湾总统在记者会上讲话。", "region:taiwan-office", "台湾总统", "台湾地区领导人"),
        ("台湾“总统”发表讲话。", "region:taiwan-office", "台湾“总统”", "台湾地区领导人"),
        ("台湾前总统马英九来访。", "region:taiwan-office", "台湾前总统", "台湾地区前领导人"),
        ("台湾外交部发言人表示。", "region:taiwan-office", "台湾外交部", "台湾地区外事部门"),
        ("台湾国防部日前举行所谓“汉光”演习。", "region:taiwan-office", "台湾国防部", "台湾地区防务部门"),
        ("台湾立法院三读通过所谓修正案。", "region:taiwan-office", "台湾立法院", "台湾地区立法机构"),
        ("台湾行政院长出席。", "region:taiwan-office", "台湾行政院长", "台湾地区行政管理机构负责人"),
        ("台湾政府有关部门宣布。", "region:taiwan-office", "台湾政府", "台湾当局"),
        ("蔡英文总统表示。", "region:taiwan-office", "蔡英文总统", "台湾地区领导人蔡英文"),
        ("“总统”赖清德发表讲话。", "region:taiwan-office", "“总统”赖清德", "台湾地区领导人赖清德"),
        ("中华民国政府发表声明。", "region:roc", "中华民国", "台湾地区"),
        ("“中华民国”外交部声明。", "region:roc", "中华民国", "台湾地区"),
    ],
)
def test_region_positives(text, rule, span, suggestion):
    found = expr(text)
    assert found, text
    f = found[0]
    assert (f.rule, f.text, f.suggestion) == (rule, span, suggestion)
    assert f.severity in ("veto", "high")


def test_quoted_names_of_taiwan_bodies_are_tolerated_but_not_state_titles():
    f = only("台湾“立法院”三读通过所谓修正案。")
    assert (f.severity, f.suggestion) == ("medium", "台湾地区立法机构")
    assert only("台湾“总统”发表讲话。").severity == "veto"
    assert only("台湾“外交部”发表声明。").severity == "veto"


@pytest.mark.parametrize(
    "text",
    [
        "我市产品远销美国、日本、台湾等国家和地区。",
        "吸引了新加坡、香港、澳门等国家（地区）的投资者。",
        "美国、日本等国家和香港、澳门地区的客商。",
        "来自香港、澳门等地区以及美国等国家的客商。",
        "台湾地区领导人选举结果揭晓后，国台办发言人发表谈话。",
        "台湾当局所谓的“外交部”，台湾当局应停止挑衅。",
        "孙中山先生创建中华民国，1912年南京临时政府成立。",
        "台湾当局所谓“中华民国”的说法。",
        "香港特别行政区行政长官李家超率团访问我省。",
        "外交部发言人毛宁主持例行记者会。",
        "推进两岸关系和平发展，加强大陆与台湾经贸交流。",
        "台湾同胞、台湾地区、中国台湾、港澳台地区、一个中国原则。",
    ],
)
def test_region_hard_negatives(text):
    assert_clean(text)


@pytest.mark.parametrize(
    ("text", "rule", "span"),
    [
        ("我市产品远销美国、日本、香港等20多个国家。", "region:hongkong-country", "个国家"),
        ("客商来自新加坡、澳门等十几个国家。", "region:macao-country", "个国家"),
        ("日本、香港、新加坡等多个国家的游客。", "region:hongkong-country", "个国家"),
        ("展品来自美国、日本、台湾三个国家。", "region:taiwan-country", "个国家"),
        ("茶叶远销美国、日本、香港等国。", "region:hongkong-country", "等国"),
        ("与英国、澳门等国开展合作。", "region:macao-country", "等国"),
        ("澳门与中国的经贸往来日益密切。", "region:macao-vs-china", "澳门与中国"),
        ("香港和中国之间的贸易往来。", "region:hongkong-vs-china", "香港和中国"),
        ("台湾与中国同属一个中国。", "region:taiwan-vs-china", "台湾与中国"),
        ("香港特区与中国签署协议。", "region:hongkong-vs-china", "香港特区与中国"),
        ("来自中国、香港、新加坡的选手参赛。", "region:hongkong-vs-china", "中国、香港"),
        ("包括澳门在内的20多个国家参展。", "region:macao-country", "在内的20多个国家"),
        ("他毕业于国立台湾师范大学。", "region:taiwan-guoli", "国立台湾师范大学"),
        ("台湾国立清华大学教授来访。", "region:taiwan-guoli", "国立清华大学"),
        ("赴台交流期间参观了国立政治大学。", "region:taiwan-guoli", "国立政治大学"),
        ("台湾教育部日前宣布。", "region:taiwan-office", "台湾教育部"),
        ("台湾国家图书馆举办展览。", "region:taiwan-office", "台湾国家图书馆"),
    ],
)
def test_more_region_wording(text, rule, span):
    f = only(text)
    assert (f.rule, f.text) == (rule, span)
    assert f.severity in ("veto", "high")


@pytest.mark.parametrize(
    "text",
    [
        "中国与东盟自贸区建设，内地与香港经贸关系安排，中国香港、中国澳门和台湾地区代表出席。",
        "香港与中国内地的合作，台湾与中国大陆的交流，澳门与中国其他城市。",
        "中国香港与中国澳门的代表队，台湾与中国国民党有关人士。",
        "中国香港、中国澳门和中国台湾代表队，新中国、香港回归，中国、香港特别行政区。",
        "香港与中国银行签署合作协议。",
        "我市产品远销美国、日本、香港等20多个国家和地区。",
        "远销美国、日本、香港等国家地区，产品深受欢迎。",
        "美国、香港等国内外客商，美国、日本、香港等国际市场。",
        "香港两个国家重点实验室。",
        "台湾“国立”政治大学，台湾“国立”清华大学学者来访。",
        "美国国立卫生研究院和日本国立大学的台湾学者。",
        "1946年，国立台湾大学在原台北帝国大学基础上改制。",
        "中国立法机关，各国立场，全国立案。",
        "台湾教育部门和经济部分行业受到冲击。",
    ],
)
def test_more_region_hard_negatives(text):
    assert_clean(text)


@pytest.mark.parametrize(
    ("text", "wrong", "right"),
    [
        ("深入学习贯彻习近平新时代中国特色社会主义理论。", "习近平新时代中国特色社会主义理论",
         "习近平新时代中国特色社会主义思想"),
        ("紧密团结在以习近平同志为中心的党中央周围。", "以习近平同志为中心的党中央", "以习近平同志为核心的党中央"),
        ("为实现中华民族伟大振兴而奋斗。", "中华民族伟大振兴", "中华民族伟大复兴"),
        ("推动构建人类命运联合体。", "人类命运联合体", "人类命运共同体"),
        ("深入落实中央八项规矩精神。", "中央八项规矩", "中央八项规定"),
    ],
)
def test_a_key_word_replaced_in_a_formulation(text, wrong, right):
    f = only(text)
    assert (f.text, f.suggestion) == (wrong, right)
    assert "关键词" in f.message


def test_key_word_substitutes_that_are_right_forms_are_not_generated():
    # 社会主义核心价值体系 and 中国特色社会主义理论体系 are formulations of their own.
    assert_clean("建设社会主义核心价值体系，坚持中国特色社会主义理论体系，以习近平同志为核心的党中央。")


# ---------------------------------------------------------------- ordinary government prose


@pytest.mark.parametrize("as_of", [TODAY, "2020-01-01", None])
def test_seed_paragraphs_give_no_expression_findings(as_of):
    for paragraph in SEED_PARAGRAPHS:
        assert_clean(paragraph, as_of)


GOVERNMENT_REPORT = (
    "本报讯　4月10日，全省一季度经济形势分析会召开。会议传达学习了习近平总书记重要讲话精神和国务院总理李强在"
    "国务院常务会议上的讲话要求，并传达了国务院副总理刘国中关于做好春耕生产的批示精神。会议指出，一季度全省经济"
    "运行开局良好。全国人大常委会委员长赵乐际、全国政协主席王沪宁、国家副主席韩正、中央纪委书记李希出席有关活动。"
    "要深入学习贯彻习近平新时代中国特色社会主义思想，践行社会主义核心价值观，推动高质量发展，以中国式现代化全面推进"
    "中华民族伟大复兴。县人民检察院、县纪律检查委员会、县发展和改革委员会联合开展检查，广西壮族自治区、"
    "新疆维吾尔自治区代表团来访，我市产品远销美国、日本、中国台湾等国家和地区。"
)


def test_a_long_correct_report_is_clean():
    assert_clean(GOVERNMENT_REPORT, "2025-04-10")


def test_one_error_in_a_long_paragraph_is_found_exactly():
    text = GOVERNMENT_REPORT.replace("国务院副总理刘国中", "国务院副总理韩正")
    f = only(text, "2025-04-10")
    assert (f.rule, f.text) == ("leaders:former-title", "国务院副总理韩正")


# ---------------------------------------------------------------- knowledge base and local leaders


def test_state_leaders_file_is_consistent():
    path = BUILTIN_DATA / "leaders" / "state.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert raw["curated"]
    base = load_leaders([path])
    names = {p.name for p in base.persons}
    assert {"习近平", "李强", "赵乐际", "王沪宁", "蔡奇", "丁薛祥", "李希", "韩正", "李克强", "江泽民", "秦刚",
            "孙政才", "杜家毫"} <= names
    assert base.complete <= set(base.titles)
    for person in base.persons:
        assert person.offices, person.name
        for office in person.offices:
            assert office.aliases and office.title in office.aliases
            assert office.start is not None
            assert office.end is None or office.start <= office.end
        if person.status in ("removed", "deceased"):
            assert person.status_date is not None, person.name
    by_name = {p.name: p for p in base.persons}
    assert by_name["李克强"].status == "deceased"
    assert by_name["孙政才"].status == "removed" and by_name["孙政才"].expelled
    premier = next(o for o in by_name["李强"].offices if o.title == "国务院总理")
    assert (premier.start, premier.end) == (dt.date(2023, 3, 11), None)


def test_example_files_are_skipped_but_work_from_a_rules_directory(tmp_path: Path):
    example = BUILTIN_DATA / "leaders" / "local.example.yaml"
    assert_clean("张某明市长出席会议。", "2025-06-01")  # the built-in engine ignores *.example.yaml
    (tmp_path / "leaders").mkdir()
    shutil.copy(example, tmp_path / "leaders" / "city.yaml")
    engine = Engine(rules_dirs=[tmp_path])
    former = only("张某明市长出席会议。", "2025-06-01", engine)
    assert former.rule == "leaders:former-title"
    assert not expr("张某明市长出席会议。", "2023-06-01", engine)
    assert not expr("某某市委书记张某明出席会议。", "2025-06-01", engine)
    mismatch = only("某某市委书记王某华出席会议。", "2025-06-01", engine)
    assert (mismatch.rule, mismatch.suggestion) == ("leaders:title-mismatch", "某某市市长王某华")
    removed = only("李某平副市长调研。", "2025-06-01", engine)
    assert removed.rule == "leaders:removed"
    # state leaders are still there
    assert only("李强副总理出席。", TODAY, engine).rule == "leaders:title-mismatch"


def test_a_rules_directory_can_correct_a_state_leader(tmp_path: Path):
    (tmp_path / "leaders").mkdir()
    (tmp_path / "leaders" / "fix.yaml").write_text(
        "persons:\n  - name: 李强\n    common_name: true\n    offices:\n"
        "      - {title: 国务院总理, from: 2023-03-11, to: 2026-03-01}\n",
        encoding="utf-8",
    )
    engine = Engine(rules_dirs=[tmp_path])
    assert only("国务院总理李强出席。", TODAY, engine).rule == "leaders:former-title"


def test_sound_table_covers_leader_names_and_matches_pypinyin():
    from pypinyin.pinyin_dict import pinyin_dict

    base = load_leaders([BUILTIN_DATA / "leaders" / "state.yaml"])
    for person in base.persons:
        for ch in person.name:
            assert phonetics.sounds(ch), (person.name, ch)
            raw = pinyin_dict[ord(ch)]
            assert phonetics.sounds(ch) == {p.translate(phonetics._TONES) for p in raw.split(",")}
    assert phonetics.same_sound("毫", "豪")
    assert phonetics.same_shape("习", "刁")
    assert "铜" in phonetics.homophones("同")
    # slips are generated from usual readings only: 大 is also read tài, but 粤港澳大湾区 must not
    # turn into a slip 粤港澳台湾区
    assert "台" not in phonetics.homophones("大")
    assert phonetics.same_sound("大", "台")
