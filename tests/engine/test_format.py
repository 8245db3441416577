"""The format family: 文号 brackets, impossible dates, weekdays, unbalanced paired punctuation."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sanshen.engine import Extracted, Segment, check


def fmt(text, **kw) -> list:
    return [f for f in check(text, **kw) if f.category == "format"]


def rules(text) -> list[tuple[str, str]]:
    return [(f.rule, f.text) for f in fmt(text)]


def assert_exact(text: str, findings: list) -> None:
    for f in findings:
        assert f.text == text[f.start:f.end]


# Ordinary government paragraphs (from published documents) with 文号, dates, brackets and
# quotes written correctly: nothing to report.
CLEAN = [
    "墨江哈尼族自治县人民政府办公室关于进一步加强和规范全县政府系统政务新媒体建设管理工作的通知\n"
    "2024-07-10   作者: 点击数:\n索引号: 3001/20240710-00001 公开目录: 县政府办文件  发布日期: 2024-07-10\n"
    "主题词: 发布机构: 墨江县政府办公室 文  号: 墨政办发〔2024〕37号\n\n各乡(镇)人民政府,县直各委、办、局:",
    "按照《云南省政务新媒体管理办法》、《普洱市人民政府办公室关于进一步加强和规范全市政府系统政务新媒体建设管理工作的通知》"
    "要求,为进一步加强和规范全县政府系统政务新媒体建设管理工作,推动政务新媒体健康、有序、创新发展。",
    "各政务新媒体主办单位要按照“谁主管、谁负责,谁开办、谁负责、谁发布、谁负责”和“守土有责、守土负责、守土尽责”的原则,"
    "切实加强对政务新媒体的运营管理。",
    "(二)实行分级备案。全县各级行政机关、承担行政职能的事业单位开办、变更、关停、注销政务新媒体,"
    "应于7个工作日内填写《云南省政务新媒体备案登记表》,向同级政务新媒体主管单位备案,"
    "并在“全国政务新媒体备案管理系统”进行填报备案。",
    "第一条为全面贯彻落实《国务院办公厅关于印发政府网站发展指引的通知》(国办发〔2017〕47号)"
    "《重庆市人民政府办公厅关于印发重庆市政府网站管理办法的通知》(渝府办发〔2017〕164号)和"
    "《重庆市人民政府办公厅关于印发政府网站与政务新媒体有序发展的实施意见》(渝府办发〔2019〕64号)要求,制定本办法。",
    "重庆市人民政府办公室\n2021年7月8日",
    "第五条区委网信办(区网信办)负责统筹协调全区政府网站安全管理工作,区公安局负责全区政府网站网络安全等级保护。",
    "网民对政府网站的纠错意见,应在1个工作日内转相关网站主办单位办理,2个工作日内完成处理并回复。",
    "会议定于2024年7月10日（星期三）上午9时召开，2024年2月29日（星期四）报名截止。",
    "活动时间：2024年7月8日（星期一）至7月12日（星期五），每周一至周五开放，2024年7月1日周一至周五办理。",
    "（一）加强组织领导。\n1）明确责任；2）加强考核；3）严格问责。\na) 第一项\n一）第一项",
    "本案编号为（2019）京01民初123号，适用《民法典》第一千一百六十五条。",
    "二〇二四年七月十日 星期三，二〇二三年二月二十八日，十二月三十一日。",
    "China’s GDP grew 5.2% in 2023; the report’s authors; 北纬30°15’。",
    "新生儿6-13月龄接种；近13个月；第12月度报告。",
]


@pytest.mark.parametrize("text", CLEAN)
def test_ordinary_government_prose_has_no_format_finding(text):
    assert fmt(text) == []


# -- 文号 ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "written", "right"),
    [
        ("根据国办发[2019]19号文件精神", "国办发[2019]19号", "国办发〔2019〕19号"),
        ("根据国办发【2019】19号文件精神", "国办发【2019】19号", "国办发〔2019〕19号"),
        ("转发曲政办函(2022)7号", "曲政办函(2022)7号", "曲政办函〔2022〕7号"),
        ("（曲政办函（2022）7号）", "曲政办函（2022）7号", "曲政办函〔2022〕7号"),
        ("文号：墨政办发［2024］37号", "墨政办发［2024］37号", "墨政办发〔2024〕37号"),
        ("墨政办发﹝2024﹞37号", "墨政办发﹝2024﹞37号", "墨政办发〔2024〕37号"),
        ("渝府办发〈2017〉164号", "渝府办发〈2017〉164号", "渝府办发〔2017〕164号"),
        ("国办发 [2019] 19号", "国办发 [2019] 19号", "国办发〔2019〕19号"),
        ("国办发［２０１９］１９号", "国办发［２０１９］１９号", "国办发〔2019〕19号"),
    ],
)
def test_doc_number_brackets(text, written, right):
    found = fmt(text)
    assert [(f.rule, f.text, f.suggestion) for f in found] == [("format:doc-number-brackets", written, right)]
    assert found[0].start == text.index(written)
    assert found[0].severity in ("low", "medium")
    assert "〔〕" in found[0].message


@pytest.mark.parametrize(
    "text",
    [
        "墨政办发〔2024〕37号",
        "（国办发〔2017〕47号）",
        "本案编号（2019）京01民初123号",
        "见[2019]年度报告",
        "共(2019)人参加",
    ],
)
def test_correct_or_other_numbers_pass(text):
    assert fmt(text) == []


@pytest.mark.parametrize(
    ("text", "right"),
    [
        ("国发〔2019〕第19号", "国发〔2019〕19号"),
        ("国发〔2019〕019号", "国发〔2019〕19号"),
        ("国发〔19〕19号", "国发〔2019〕19号"),
        ("（国发〔2019〕19）", "国发〔2019〕19号"),
    ],
)
def test_doc_number_slips(text, right):
    found = fmt(text)
    assert [(f.rule, f.suggestion, f.severity) for f in found] == [("format:doc-number", right, "low")]
    assert_exact(text, found)


# -- dates -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("定于2月30日召开会议。", "2月30日"),
        ("2月31日前完成。", "2月31日"),
        ("于4月31日报送。", "4月31日"),
        ("6月31日截止。", "6月31日"),
        ("2023年13月", "2023年13月"),
        ("12月32日", "12月32日"),
        ("2023年2月29日召开", "2023年2月29日"),
        ("2024年0月5日", "2024年0月5日"),
        ("二〇二三年二月三十日", "二〇二三年二月三十日"),
        ("二〇二三年二月二十九日", "二〇二三年二月二十九日"),
        ("二月三十日", "二月三十日"),
        ("发布日期：2023-02-29", "2023-02-29"),
        ("２０２３年２月２９日", "２０２３年２月２９日"),
        ("4月1日至31日", "31日"),
    ],
)
def test_impossible_dates(text, written):
    found = fmt(text)
    assert [(f.rule, f.text) for f in found] == [("format:impossible-date", written)]
    assert found[0].start == text.index(written)
    assert found[0].severity == "medium"
    assert found[0].suggestion


@pytest.mark.parametrize(
    "text",
    ["2024年2月29日", "2月29日", "2000年2月29日", "12月31日", "3月1日至31日", "二〇二四年二月二十九日", "2024-02-29",
     "版本2.13.40", "13月龄"],
)
def test_possible_dates_pass(text):
    assert fmt(text) == []


@given(st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2099, 12, 31)))
@settings(max_examples=60, deadline=None)
def test_every_real_date_with_its_weekday_passes(day):
    weekday = "一二三四五六日"[day.weekday()]
    text = f"{day.year}年{day.month}月{day.day}日（星期{weekday}）；{day.isoformat()} 周{weekday}"
    assert fmt(text) == []


# -- weekdays --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "written", "right"),
    [
        ("2024年7月10日（星期四）上午", "星期四", "星期三"),
        ("2024年7月10日(星期四)", "星期四", "星期三"),
        ("2024年7月10日 星期四", "星期四", "星期三"),
        ("2024年7月10日，星期四", "星期四", "星期三"),
        ("2024年7月10日周四", "周四", "周三"),
        ("2024年7月10日（周日）", "周日", "周三"),
        ("2024年7月14日（礼拜一）", "礼拜一", "礼拜日"),
        ("2024-07-10（星期四）", "星期四", "星期三"),
        ("2024.7.10 星期四", "星期四", "星期三"),
        ("2024/7/10（周四）", "周四", "周三"),
        ("二〇二四年七月十日（星期四）", "星期四", "星期三"),
        ("２０２４年７月１０日（星期四）", "星期四", "星期三"),
        ("2024年7月8日（星期二）至7月12日（星期五）", "星期二", "星期一"),
    ],
)
def test_weekday_mismatch(text, written, right):
    found = fmt(text)
    assert [(f.rule, f.text, f.suggestion) for f in found] == [("format:weekday", written, right)]
    assert found[0].start == text.index(written)
    assert right in found[0].message


@pytest.mark.parametrize(
    "text",
    [
        "2024年7月10日（星期三）",
        "2024年7月14日（星期日）",
        "2024年7月14日（星期天）",
        "2024年7月1日周一至周五",
        "自2024年7月1日起，周日晚上开放",
        "7月10日（星期四）",  # no year: cannot tell
        "2024年7月8日至12日（星期一至星期五）",
    ],
)
def test_weekday_ok_or_undecidable(text):
    assert fmt(text) == []


# -- paired punctuation ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "char"),
    [
        ("他说：“我们要坚持。", "“"),
        ("这是多余的右引号”。", "”"),
        ("这是（一个没有闭合的括号。\n下一行正常。", "（"),
        ("这是多余的右括号）。", "）"),
        ("印发《管理办法的通知。", "《"),
        ("附件【附件:备案登记表.docx", "【"),
        ("根据（国办发〔2017〕47号的要求", "（"),
        ("他说‘好的。", "‘"),
        ("国办发〔2017 47号", "〔"),
    ],
)
def test_unbalanced(text, char):
    found = fmt(text)
    assert [(f.rule, f.text) for f in found] == [("format:unbalanced", char)]
    assert found[0].start == text.index(char)
    assert found[0].severity == "low"
    assert found[0].suggestion


@pytest.mark.parametrize(
    "text",
    [
        "他说：“我们要坚持。”",
        "“第一段引文，\n“第二段引文，\n“第三段引文。”",  # a quotation over three paragraphs
        "“第一段引文，\n\n“第二段引文。”\n\n其后正文。",
        "根据《中华人民共和国\n政府信息公开条例》规定",  # a line wrapped inside the title
        "关于印发《重庆市政府网站管理…\n其他内容",  # a title cut short
        "（一）加强领导。1）明确责任；2）加强考核。",
        "China’s economy; the companies’ reports.",
        "【专题】乡村振兴（二〇二四）“三农”工作〈试行〉「引号」『书名』",
        "各乡(镇)人民政府,县直各委、办、局:",
        "混用全角半角括号（国办发〔2017〕47号)也算成对。",
    ],
)
def test_balanced_or_excused(text):
    assert fmt(text) == []


def test_a_quotation_over_paragraphs_that_never_closes_is_reported_once():
    text = "“第一段引文，\n“第二段引文，\n第三段引文。"
    assert rules(text) == [("format:unbalanced", "“")]
    assert fmt(text)[0].start == 0


def test_links_scripts_and_metas_are_not_checked():
    text = "页面标题\n关键词（未闭合\n正文正常（括号）。\n[链接]\n关于印发《办法 http://x.gov.cn/a\n[脚本]\ndocument.write(\"<a>\""
    lines = text.split("\n")
    spans, pos = [], 0
    for line in lines:
        spans.append((pos, pos + len(line)))
        pos += len(line) + 1
    segments = [
        Segment("title", *spans[0]),
        Segment("meta", *spans[1], {"name": "keywords"}),
        Segment("body", *spans[2]),
        Segment("link", *spans[4], {"href": "http://x.gov.cn/a"}),
        Segment("script", *spans[6], {"reason": "document.write"}),
    ]
    assert fmt(Extracted(text, segments, "html")) == []
    # the same text as one plain body is checked everywhere
    assert {f.text for f in fmt(text)} >= {"（", "《"}


def test_body_findings_in_html_keep_offsets():
    text = "标题\n正文中国办发[2019]19号文件，2月30日召开（会议。"
    segments = [Segment("title", 0, 2), Segment("body", 3, len(text))]
    found = fmt(Extracted(text, segments, "html"))
    assert {f.rule for f in found} == {"format:doc-number-brackets", "format:impossible-date", "format:unbalanced"}
    assert_exact(text, found)


def test_messages_are_chinese_with_suggestions():
    for text in ("国办发[2019]19号", "2月30日", "2024年7月10日（星期四）", "他说：“好的。"):
        for f in fmt(text):
            assert f.suggestion
            assert any("\u4e00" <= c <= "\u9fff" for c in f.message)


def test_lunar_dates_have_thirty_days():
    assert fmt("农历二月三十日是传统节日。") == []
    assert fmt("农历2023年二月三十日") == []
    assert rules("农历八月三十二日") == [("format:impossible-date", "八月三十二日")]


def test_roman_and_circled_list_markers_are_not_unbalanced():
    assert fmt("Ⅰ）总则；Ⅱ）分则；①）第一项") == []
