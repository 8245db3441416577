"""The typo family (错别字): curated wrong → right pairs, generated variants, context rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from sanshen.engine import Engine, Extracted, Segment, check
from sanshen.engine.families.typo import TypoRecognizer, load_variants

VARIANTS_TSV = Path(__file__).resolve().parents[2] / "sanshen" / "engine" / "data" / "typo" / "variants.tsv"


def typos(text: str, **kw) -> list:
    return [f for f in check(text, **kw) if f.category == "typo"]


def assert_exact(text: str, findings: list) -> None:
    for f in findings:
        assert f.text == text[f.start:f.end]


# Paragraphs of ordinary government prose (from published county and district documents) and
# sentences full of fixed expressions written correctly: no typo may be reported in them.
CLEAN = [
    "各乡(镇)、各部门要充分认识移动互联网环境下做好政务新媒体建设和运营管理的重大意义,明确分管负责人,"
    "统筹推进政务新媒体与政府网站整体协同发展。同时,要加强与宣传、网信、公安等部门的沟通协调,"
    "共同做好发布引导、舆情应对、网络安全等工作。",
    "(四)严格信息发布。各政务新媒体主办单位要指定专人负责政务新媒体的信息收集、采编、审核、发布工作,"
    "明确审核的程序和责任,坚持“谁公开、谁审核”、“一事一审”原则,严格执行“分级审核、先审后发”程序,"
    "严格落实“三审三校”制度,按照工作规程对信息内容进行严格审核和保密审查。",
    "(五)加强安全管理。严格遵守《中华人民共和国网络安全法》等法律法规,严守国家安全、政治安全、意识形态安全,"
    "建立健全安全管理、保密审查制度和应急预案,落实安全管理责任,强化安全管理措施,切实提高安全防护能力。",
    "(二)畅通在线互动渠道。实现与网民的有效互动,切实走好网上群众路线,认真做好群众留言的审核发布、处理反馈,"
    "回复留言要依法依规、态度诚恳、严谨周到,杜绝答非所问、空洞说教、生硬冷漠。",
    "第一条为全面贯彻落实《国务院办公厅关于印发政府网站发展指引的通知》(国办发〔2017〕47号)"
    "《重庆市人民政府办公厅关于印发重庆市政府网站管理办法的通知》(渝府办发〔2017〕164号)要求,"
    "进一步加强我区政府网站管理、规范政府网站建设、提升政府网上政务服务能力,结合我区实际,制定本办法。",
    "第五条区委网信办(区网信办)负责统筹协调全区政府网站安全管理工作,区委编办负责全区政府网站中文域名和网站标识管理,"
    "区公安局负责全区政府网站网络安全等级保护、打击网络犯罪等工作。",
    "第八条政府网站主办单位要建立健全信息采集、编辑、审核、发布制度,及时发布权威、准确信息,建立保密审查机制,"
    "严禁涉密信息上网,不得泄露个人隐私和商业秘密。",
    "网民对政府网站的纠错意见,应在1个工作日内转相关网站主办单位办理,2个工作日内完成处理并回复。",
    "我们要再接再厉，按部就班地推进各项工作，警钟长鸣，一如既往地坚持实事求是、与时俱进，"
    "以时不我待、只争朝夕的精神，推动乡村振兴和营商环境优化落地见效。",
    "会议强调，要认真贯彻落实党中央决策部署，财政拨款专项资金要专款专用，工程竣工后及时组织验收，"
    "签订合同前严格审核，座谈会上各部门负责同志作了发言，领导小组办公室要加强统筹协调。",
    "截至2024年6月30日，全县共完成投资12亿元；报名截止日期为2024年7月15日，申报截止于6月30日。",
    "县长在开幕式上致辞。他于2020年辞职。",
    "部分文章发布署名文章，按装修面积计算费用，当前形势严峻工作任务繁重，来自已经脱贫的农户，"
    "一座标志性建筑，毕竟争取到了资金，研究竞争策略，广泛围绕主题开展活动，通知已下发。",
    "要坚持兢兢业业、任劳任怨，反对形式主义、官僚主义，坚决纠治“四风”，持之以恒正风肃纪。",
]


@pytest.mark.parametrize("text", CLEAN)
def test_ordinary_government_prose_has_no_typo(text):
    assert typos(text) == []


@pytest.mark.parametrize(
    ("wrong", "right"),
    [
        ("按步就班", "按部就班"), ("再接再励", "再接再厉"), ("一愁莫展", "一筹莫展"), ("默守成规", "墨守成规"),
        ("迫不急待", "迫不及待"), ("走头无路", "走投无路"), ("不径而走", "不胫而走"), ("甘败下风", "甘拜下风"),
        ("蛛丝蚂迹", "蛛丝马迹"), ("金榜提名", "金榜题名"), ("美仑美奂", "美轮美奂"), ("出奇不意", "出其不意"),
        ("一股作气", "一鼓作气"), ("鬼鬼崇崇", "鬼鬼祟祟"), ("警钟常鸣", "警钟长鸣"), ("一如继往", "一如既往"),
        ("谈笑风声", "谈笑风生"), ("世外桃园", "世外桃源"), ("变本加利", "变本加厉"), ("如法泡制", "如法炮制"),
        ("既往不究", "既往不咎"), ("如火如茶", "如火如荼"), ("针贬时弊", "针砭时弊"), ("脱颍而出", "脱颖而出"),
        ("各抒已见", "各抒己见"), ("雷励风行", "雷厉风行"),
    ],
)
def test_miswritten_idioms(wrong, right):
    text = f"全体干部要{wrong}，切实做好各项工作。"
    found = typos(text)
    assert [(f.text, f.suggestion) for f in found] == [(wrong, right)]
    f = found[0]
    assert f.start == text.index(wrong) and f.end == f.start + len(wrong)
    assert f.severity == "medium" and f.rule.startswith("typo-idioms:")
    assert right in f.message


@pytest.mark.parametrize(
    ("text", "wrong", "right"),
    [
        ("今年财政拔款500万元用于道路建设。", "财政拔款", "财政拨款"),
        ("会议对下一步工作进行了布署。", "布署", "部署"),
        ("全县上下要惯彻落实会议精神。", "惯彻落实", "贯彻落实"),
        ("深化改革，精减机构，提高效率。", "精减机构", "精简机构"),
        ("双方于当日签定合同。", "签定", "签订"),
        ("召开民营企业坐谈会。", "坐谈会", "座谈会"),
        ("为村民免费按装太阳能路灯。", "按装", "安装"),
        ("该项目已于上月峻工。", "峻工", "竣工"),
        ("注重培养选拔年青干部。", "年青干部", "年轻干部"),
        ("成立工作领导小姐，统筹推进。", "领导小姐", "领导小组"),
        ("要以开除党藉处分。", "开除党藉", "开除党籍"),
        ("核对当事人党藉信息。", "党藉", "党籍"),
        ("选拨任用干部要坚持标准。", "选拨", "选拔"),
        ("自已的事情自已做。", "自已", "自己"),
        ("今年全县海拨最高点为2300米。", "海拨", "海拔"),
        ("近日，各地纷纷开展竟赛活动。", "竟赛", "竞赛"),
        ("该系列活动已圆满结束，招聘启示见附件。", "招聘启示", "招聘启事"),
    ],
)
def test_miswritten_government_words(text, wrong, right):
    found = typos(text)
    assert wrong in [f.text for f in found]
    f = next(f for f in found if f.text == wrong)
    assert f.suggestion == right
    assert f.start == text.index(wrong)
    assert_exact(text, found)


def test_longer_wrong_form_beats_the_shorter_inside_it():
    found = typos("今年财政拔款500万元。")
    assert [f.text for f in found] == ["财政拔款"]


def test_debatable_forms_are_low_severity():
    f = typos("这个名字名符其实。")[0]
    assert f.severity == "low" and f.suggestion == "名副其实"


@pytest.mark.parametrize(
    "text",
    [
        "把“警钟长鸣”写成“警钟常鸣”是错误的。",
        "不能把“按部就班”误写为“按步就班”。",
        "常见错别字：“再接再励”应为“再接再厉”。",
        "文中“惯彻落实”应改为“贯彻落实”。",
    ],
)
def test_quoted_corrections_are_not_reported(text):
    assert typos(text) == []


def test_skip_corrections_is_set():
    assert TypoRecognizer.skip_corrections is True


def test_quoted_wrong_form_without_a_correction_is_reported():
    assert [f.text for f in typos("他在讲话中强调“警钟常鸣”。")] == ["警钟常鸣"]


@pytest.mark.parametrize(
    ("text", "wrong"),
    [
        ("我们要再接再勵。", "再接再勵"),  # traditional form, folded for matching
        ("要按 步 就 班地推进。", "按 步 就 班"),  # spaced out as in a PDF text layer
    ],
)
def test_offsets_point_at_the_original_characters(text, wrong):
    found = typos(text)
    assert [f.text for f in found] == [wrong]
    assert found[0].start == text.index(wrong)
    assert_exact(text, found)


@pytest.mark.parametrize("text", ["魔鬼崇拜是一种迷信。", "签订竞业限制协议。", "警钟常常鸣响。"])
def test_collapsed_repeats_do_not_make_a_typo(text):
    # The scanner collapses 鬼鬼崇崇 to 鬼崇 and 常常 to 常; a typo must be written as listed.
    assert typos(text) == []


# -- generated variants --------------------------------------------------------------------


def test_variant_file_is_loaded():
    variants = load_variants([VARIANTS_TSV])
    assert len(variants) > 5000
    engine = Engine()
    assert len(engine.recognizer("typo").variants) >= len(variants)
    assert variants["贯彻洛实"].right == "贯彻落实"


@pytest.mark.parametrize(
    ("wrong", "right"),
    [("贯彻洛实", "贯彻落实"), ("依法行正", "依法行政"), ("营商环竟", "营商环境"), ("攻坚克男", "攻坚克难")],
)
def test_generated_variant_found(wrong, right):
    text = f"全县上下要{wrong}，确保各项任务落到实处。"
    found = typos(text)
    assert [(f.text, f.suggestion) for f in found] == [(wrong, right)]
    f = found[0]
    assert f.rule == "typo:sound-variant" and f.severity == "low"
    assert 0.5 <= f.confidence < 0.8
    assert f.start == text.index(wrong)


def test_a_sample_of_generated_variants_is_found():
    rows = [line for line in VARIANTS_TSV.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    lines = [line.split("\t") for line in rows[1:]]
    engine = Engine()
    for word, right, _ in lines[::997]:
        text = f"会上强调{word}。"
        found = [f for f in engine.check(text) if f.category == "typo"]
        assert (word, right) in [(f.text, f.suggestion) for f in found], word


def test_generated_variants_are_not_real_words_or_expressions():
    variants = load_variants([VARIANTS_TSV])
    for word in ("风声", "时事", "实事求是", "举一反三", "三审三校", "第三方评估"):
        assert word not in variants
    # a variant that folds to its right form (叁 reads 三) would match correct text
    assert not any(v.right == word for word, v in variants.items())


@pytest.mark.parametrize(
    ("wrong", "right"),
    [("防讯", "防汛"), ("震憾", "震撼"), ("暴燥", "暴躁"), ("家俱", "家具"), ("集思广义", "集思广益")],
)
def test_curated_same_sound_slips_in_common_words(wrong, right):
    text = f"会议指出，{wrong}一事要引起重视。"
    found = typos(text)
    assert [(f.text, f.suggestion) for f in found] == [(wrong, right)]
    assert found[0].severity == "medium"


@pytest.mark.parametrize(
    ("wrong", "right"),
    [("驯练", "训练"), ("培询", "培训"), ("苍库", "仓库"), ("协诣", "协议")],
)
def test_generated_two_character_variants(wrong, right):
    text = f"各单位要加强{wrong}管理。"
    found = typos(text)
    assert [(f.text, f.suggestion, f.rule) for f in found] == [(wrong, right, "typo:sound-variant")]
    assert found[0].severity == "low"


@pytest.mark.parametrize(
    "text",
    [
        "以下绩效指标纳入考核，国家俱乐部联赛，消防讯息发布，搬迁徒步路线。",
        "全力做好防汛抗旱工作，场面震撼，集思广益，加强培训、训练和仓库管理，签订协议。",
        "心潮澎湃，蓬勃发展，跟踪问效，惦记群众冷暖，缠绵病榻，璀璨夺目。",
    ],
)
def test_two_character_hard_negatives(text):
    assert typos(text) == []


def test_two_character_variants_are_not_listed_words():
    from pypinyin.phrases_dict import phrases_dict

    variants = load_variants([VARIANTS_TSV])
    two = [w for w in variants if len(w) == 2]
    assert len(two) > 3000
    assert not [w for w in two if w in phrases_dict]


def test_user_variant_files_override(tmp_path):
    folder = tmp_path / "typo"
    folder.mkdir()
    (folder / "extra.tsv").write_text("word\tright\tkind\n公共服物\t公共服务\tsound\n", encoding="utf-8")
    engine = Engine(rules_dirs=[tmp_path])
    found = [f for f in engine.check("提升公共服物水平。") if f.category == "typo"]
    assert [(f.text, f.suggestion) for f in found] == [("公共服物", "公共服务")]


def test_a_curated_pair_wins_over_an_overlapping_variant():
    found = typos("要按步就班推进。")
    assert [f.rule for f in found] == ["typo-idioms:按步就班"]


# -- context rules -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "wrong", "severity"),
    [
        ("截止2024年6月30日，全县共完成投资12亿元。", "截止", "medium"),
        ("截止目前，已完成整改。", "截止目前", "medium"),
        ("截止到2023年底，累计发放补贴300万元。", "截止到", "medium"),
        ("数据统计截止2024年5月。", "截止", "low"),
    ],
)
def test_jiezhi_before_a_date(text, wrong, severity):
    found = typos(text)
    assert [f.text for f in found] == [wrong]
    assert found[0].severity == severity
    assert "截至" in found[0].suggestion
    assert_exact(text, found)


@pytest.mark.parametrize(
    "text",
    ["报名截止日期为2024年7月15日。", "申报截止时间：2024年6月30日", "申报截止于6月30日。", "报名已于昨日截止。"],
)
def test_jiezhi_as_a_deadline_is_fine(text):
    assert typos(text) == []


def test_speech_at_a_ceremony_is_zhici():
    text = "县长在开幕式上辞职，对各位来宾表示欢迎。"
    found = typos(text)
    assert [(f.text, f.suggestion) for f in found] == [("辞职", "致辞")]


def test_typos_in_links_are_still_typos_and_segments_keep_offsets():
    text = "标题：再接再励\n正文"
    doc = Extracted(text, [Segment("title", 0, 7), Segment("body", 8, 10)], "html")
    found = typos(doc)
    assert [f.text for f in found] == ["再接再励"]
    assert_exact(text, found)


@pytest.mark.parametrize(
    "text",
    [
        "经核查，原文中“2月30日”系笔误，现更正为“3月1日”。",
        "标签定义要清晰。",
        "加强预防犯罪宣传。",
        "数据明显注重质量。",
    ],
)
def test_more_hard_negatives(text):
    assert typos(text) == []


def test_decoded_scripts_are_not_checked_for_typos():
    text = "正文再接再厉\n[脚本]\ndocument.write('再接再励')"
    segments = [Segment("body", 0, 6), Segment("script", 12, len(text), {"reason": "document.write"})]
    assert typos(Extracted(text, segments, "html")) == []
    assert [f.text for f in typos(text)] == ["再接再励"]
