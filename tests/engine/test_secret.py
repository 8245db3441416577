"""Family ``secret``: GB/T 9704 secrecy marks and internal-use marks where a document carries
them; prose about secrecy work is not a marking."""

from __future__ import annotations

import pytest

from sanshen.engine import Engine, Extracted, Segment


@pytest.fixture(scope="module")
def engine():
    return Engine()


def secret(engine, text):
    found = [f for f in engine.check(text) if f.category == "secret"]
    text = text.text if isinstance(text, Extracted) else text
    for f in found:
        assert text[f.start:f.end] == f.text
    return found


@pytest.mark.parametrize("text,mark", [
    ("秘密★1年\n\n曲靖市人民政府办公室关于做好2025年度重点工作督查的通知\n各县（市、区）人民政府：", "秘密★1年"),
    ("000123\n机密★5年\n特急\n曲靖市人民政府文件\n曲政发〔2025〕3号", "机密★5年"),
    ("绝密★长期\n关于重要目标防护方案的请示", "绝密★长期"),
    ("机密★会议开始前\n2025年全县经济工作会议议程及讲话要点", "机密★会议开始前"),
    ("秘密★2025年12月31日前\n全县重大项目储备清单", "秘密★2025年12月31日前"),
    ("绝密★启用前\n2025年初中学业水平考试　数学试题卷", "绝密★启用前"),
    ("秘密★6个月\n关于某项工作的方案", "秘密★6个月"),
    ("秘 密 ★ 1 年\n关于重大突发事件应急处置情况的通报", "秘 密 ★ 1 年"),
    ("機密★5年\n關於邊境管控工作情況的報告", "機密★5年"),
    ("机密★３年\n关于重点人员稳控工作的报告", "机密★３年"),
    ("机密☆10年\n关于重点项目建设情况的汇报", "机密☆10年"),
    ("秘密✭1年\n报告", "秘密✭1年"),
    ("秘密*1年\n关于征地拆迁矛盾化解工作的情况报告", "秘密*1年"),
    ("秘密＊2年\n报告", "秘密＊2年"),
    ("附件2\n\n秘密★1年\n\n2024年全县维稳工作情况汇总表", "秘密★1年"),
    # A web page flattened the head into one line: the ★ form is unambiguous anywhere.
    ("秘密★1年　关于2025年全县社会治安形势分析的报告　各乡镇党委、政府：", "秘密★1年"),
    ("密级：秘密　　保密期限：1年\n关于2025年度征兵工作计划的通知", "密级：秘密"),
])
def test_secrecy_marks_are_veto(engine, text, mark):
    found = secret(engine, text)
    assert [(f.text, f.rule, f.severity) for f in found] == [(mark, "secret:mark", "veto")]
    assert "涉密" in found[0].message and found[0].suggestion


@pytest.mark.parametrize("text,level", [
    ("机密\n关于召开会议的通知\n各单位：", "机密"),
    ("  秘密  \n关于某项工作的报告", "秘密"),
])
def test_bare_level_at_head(engine, text, level):
    found = secret(engine, text)
    assert [(f.text, f.rule, f.severity) for f in found] == [(level, "secret:level", "high")]


@pytest.mark.parametrize("text,level", [
    ("000045\n绝密\n特急\n关于某事项的请示", "绝密"),
    ("机密　特急\n曲靖市人民政府文件\n曲政发〔2025〕3号", "机密"),
    ("秘密 加急\n关于做好主汛期安全防范工作的通知\n各乡镇：", "秘密"),
    ("000123　机密　特急\n关于某事的报告", "机密"),
    ("秘密\n\n平急\n关于某事的报告", "秘密"),
    # a head flattened into one line by a web page
    ("绝密　特急　XX市人民政府关于重大事项的请示\n各部门：", "绝密"),
])
def test_bare_level_with_an_urgency_mark_is_veto(engine, text, level):
    found = secret(engine, text)
    assert [(f.text, f.rule, f.severity) for f in found] == [(level, "secret:level", "veto")]


def test_bare_level_at_head_of_a_segment(engine):
    text = "XX县人民政府\n\n机密\n关于某事项的报告"
    ex = Extracted(text, [Segment("title", 0, 7), Segment("body", 9, 11), Segment("body", 12, len(text))], "html")
    found = secret(engine, ex)
    assert [(f.text, f.rule) for f in found] == [("机密", "secret:level")]


def test_bare_level_deep_in_a_document_is_not_a_marking(engine):
    text = "\n".join(["第一段正文内容，介绍工作情况。"] * 6) + "\n机密\n"
    assert secret(engine, text) == []


@pytest.mark.parametrize("text,mark", [
    ("内部资料　注意保存\n2024年全县经济运行分析\n县统计局　2024年10月", "内部资料　注意保存"),
    ("内部文件　不得外传\n关于调整县级领导干部联系乡镇分工的通知", "内部文件　不得外传"),
    ("此件不得外传\n关于2025年春节期间值班安排的通知", "此件不得外传"),
    ("关于全县干部队伍建设情况的调研报告\n（此件不予公开）", "（此件不予公开）"),
    ("内部资料，严禁外传\n全县信访形势分析（2024年第三季度）", "内部资料，严禁外传"),
    ("内部刊物　注意保存\n政务信息　2024年第12期", "内部刊物　注意保存"),
    ("工作秘密　注意保管\n关于县委巡察反馈问题整改情况的报告", "工作秘密　注意保管"),
    ("内部明电\n关于做好主汛期安全防范工作的紧急通知", "内部明电"),
    ("（内部资料）\n关于…", "（内部资料）"),
    ("内部资料\n注意保存\n关于全县重点领域风险隐患排查情况的通报", "内部资料\n注意保存"),
    ("【内部文件】关于加强管理的通知\n正文", "内部文件"),
    ("政务信息（内部资料，注意保存）第3期", "（内部资料，注意保存）"),
    ("限国内发行\n", "限国内发行"),
    ("施工单位加快推进。内部资料 注意保存\n以前办事要跑好几个窗口。", "内部资料 注意保存"),
    ("内部参考　注意保存\n2024年全县经济运行分析", "内部参考　注意保存"),
    ("内部参考\n注意保存\n第5期", "内部参考\n注意保存"),
    ("内部情况\n第12期\n关于某某问题的反映", "内部情况"),
    ("内参\n注意保存\n第3期", "内参\n注意保存"),
    ("正文略。\nXX县人民政府办公室\n2024年3月1日\n（此件不公开）", "（此件不公开）"),
    ("XX县人民政府办公室\n2024年3月1日（此件不予公开）\n", "（此件不予公开）"),
    ("正文略。\n2024年3月1日\n（不予公开）\n抄送：县委办", "（不予公开）"),
    ("XX县人民政府办公室　2024年3月1日　（此件不宜公开）　抄送：县委办", "（此件不宜公开）"),
])
def test_internal_marks(engine, text, mark):
    found = secret(engine, text)
    assert [(f.text, f.rule, f.severity) for f in found] == [(mark, "secret:internal", "high")]


@pytest.mark.parametrize("text", [
    "严格执行保密制度，涉及国家秘密的信息不得公开。",
    "第六条市政府网站信息发布应遵循“涉密信息不上网，上网信息不涉密”的原则。",
    "机密文件管理办法\n第一条　为加强机密文件管理，制定本办法。",
    "依照《中华人民共和国保守国家秘密法》，国家秘密的密级分为绝密、机密、秘密三级。",
    "国家秘密的保密期限，除另有规定外，绝密级不超过三十年，机密级不超过二十年，秘密级不超过十年。",
    "培训中讲解了国家秘密标志的规范格式，如“秘密★1年”应标注在公文首页左上角。",
    "严禁将内部资料、工作秘密上传至互联网或存储在非涉密计算机中。",
    "本文件属内部资料，不得外传。",
    "会议要求：内部文件不得外传，请各单位遵照执行。",
    "揭开大自然的秘密——县科技馆开展青少年科普研学活动。",
    "全县共有四星级（★★★★）旅游饭店3家、三星级（★★★）旅游饭店7家。",
    "★重点推荐：我县十大特色农产品名录发布",
    "★★2025年全县政务公开工作要点★★",
    "曲靖市人民政府办公室\n2022年1月14日\n（此件公开发布）",
    "选举采用无记名投票方式，设立秘密写票处，确保选民自由表达意愿。",
    "在历史稿件检查中，发现2篇标注“内部资料”的信息，已于当日撤除。",
    "内部资料管理办法\n第一条",
    "关于印发内部资料的通知\n",
    "各单位要加强工作秘密管理，定期清理过期的内部文件。",
    "依申请公开答复：经审查，您申请的信息属于内部事务信息，决定不予公开。",
    "2025年全省初中学业水平考试将于6月20日开考，试卷实行绝密管理。",
    "机密级、秘密级国家秘密载体应当在符合国家保密标准的设施、设备中保存。",
    "根据规定，（此件不予公开）字样应标注在成文日期下方。",
    "标注“（此件不公开）”的文件不得上网。",
    "对涉及国家秘密的（不予公开）信息，依法处理。",
    "曲靖市人民政府办公室\n2022年1月14日\n（此件依申请公开）",
    "秘密特急通道开通\n",
    "机密特急文件管理办法\n第一条",
    "国内参展商300家，了解内部情况，注意保存证据。",
    "本报内参记者采访了有关部门。",
    "特急\n关于做好防汛工作的紧急通知",
])
def test_prose_about_secrecy_is_not_a_marking(engine, text):
    assert secret(engine, text) == []
