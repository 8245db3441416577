"""The privacy family: personal information in published text, and masking (脱敏)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sanshen.engine import Engine, check, mask

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def make_id(region: str = "110101", birth: str = "19900307", seq: str = "757") -> str:
    """An 18-digit ID with its GB 11643 check character computed here."""
    body = region + birth + seq
    total = sum(int(c) * w for c, w in zip(body, WEIGHTS, strict=True))
    return body + "10X98765432"[total % 11]


def make_card(prefix: str = "622202", length: int = 19, fill: str = "1234567890123") -> str:
    """A card number with a valid Luhn digit."""
    body = (prefix + fill)[: length - 1]
    total = 0
    for i, c in enumerate(reversed(body)):
        n = int(c)
        if i % 2 == 0:  # doubled once the check digit is appended
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return body + str((10 - total % 10) % 10)


def luhn_ok(number: str) -> bool:
    digits = [int(c) for c in number]
    odd = digits[-1::-2]
    even = [d * 2 - 9 if d > 4 else d * 2 for d in digits[-2::-2]]
    return (sum(odd) + sum(even)) % 10 == 0


def privacy(text: str, **kw) -> list:
    found = [f for f in check(text, **kw) if f.category == "privacy"]
    for f in found:
        assert text[f.start:f.end] == f.text
    return found


def rules(text: str, **kw) -> list[str]:
    return [f.rule for f in privacy(text, **kw)]


ID = make_id()
ID_X = next(make_id(seq=f"{n:03d}") for n in range(1000) if make_id(seq=f"{n:03d}").endswith("X"))
CARD = make_card()


def test_helpers_compute_valid_numbers():
    from stdnum.cn import ric

    assert ric.is_valid(ID) and ric.is_valid(ID_X)
    assert luhn_ok(CARD) and len(CARD) == 19
    assert luhn_ok(make_card("4367", 16))


# -- ID cards -----------------------------------------------------------------------------


def test_id_card_found_with_exact_offsets_and_mask_suggestion():
    text = f"申请人张三，身份证号码：{ID}，现予公示。"
    (f,) = privacy(text)
    assert f.rule == "privacy:id_card" and f.severity == "veto"
    assert f.text == ID and f.start == text.index(ID)
    assert "身份证" in f.message
    assert f"{ID[:6]}********{ID[-4:]}" in f.suggestion
    assert f.confidence >= 0.95


def test_id_card_with_x_check_character_upper_and_lower():
    for number in (ID_X, ID_X.lower()):
        (f,) = privacy(f"身份证：{number}")
        assert f.text == number and f.rule == "privacy:id_card"


def test_id_list_gives_one_finding_per_number():
    ids = [make_id("440102", f"19{70 + k}0{k + 1}1{k}", f"{k}21") for k in range(4)]
    rows = "\n".join(f"{k + 1}\t{name}\t{number}" for k, (name, number) in enumerate(zip(
        ["王小明", "李秀英", "陈建国", "欧阳娜娜"], ids, strict=True)))
    text = "2024年低保对象公示名单\n序号\t姓名\t身份证号\n" + rows
    found = privacy(text)
    assert [f.text for f in found] == ids
    assert all(f.severity == "veto" and "公示名单" in f.message for f in found)


def test_old_fifteen_digit_id():
    text = "身份证号：110101900307123"
    (f,) = privacy(text)
    assert f.rule == "privacy:id_card_15" and f.text == "110101900307123"
    assert "110101******123" in f.suggestion


def test_id_inside_longer_digit_run_is_not_an_id():
    assert rules(f"号码{ID}12") == []
    assert rules(f"号码3{ID}") == []


def test_partly_masked_id_is_not_a_leak():
    assert rules("身份证号：110101********1234") == []
    assert rules(f"身份证号：{ID[:6]}********{ID[-4:]}") == []


def test_id_with_future_birth_date_or_bad_region_is_not_an_id():
    future = make_id(birth="20990101")
    assert "privacy:id_card" not in rules(f"编码{future}")
    assert "privacy:id_card" not in rules(f"证件{make_id(region='990101')}")
    # A birth date after the text's own date is not a birth date either.
    born_2020 = make_id(birth="20200101")
    assert "privacy:id_card" in rules(f"身份证号{born_2020}", as_of="2024-01-01")
    assert "privacy:id_card" not in rules(f"身份证号{born_2020}", as_of="2019-01-01")


def test_wrong_check_character_is_a_weaker_suspect():
    bad = ID[:-1] + ("0" if ID[-1] != "0" else "1")
    (f,) = privacy(f"身份证号{bad}")
    assert f.rule == "privacy:id_card" and f.confidence < 0.9 and "校验位" in f.message
    assert rules(f"编号：{bad}") == []


def test_full_width_digits_are_found_at_original_offsets():
    wide_id = ID.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))
    text = f"公民身份号码：{wide_id}，手机：１３８１２３４５６７８。"
    found = privacy(text)
    assert [f.text for f in found] == [wide_id, "１３８１２３４５６７８"]
    assert found[1].start == text.index("１３８")
    assert mask(text) == f"公民身份号码：{wide_id[:6]}********{wide_id[-4:]}，手机：１３８****５６７８。"


def test_id_written_in_groups_and_traditional_context():
    spaced = f"{ID[:6]} {ID[6:14]} {ID[14:]}"
    (f,) = privacy(f"受助学生马俊杰，公民身份号码 {spaced}，资助金额3000元。")
    assert f.text == spaced and f.rule == "privacy:id_card"
    (g,) = privacy(f"身份證號碼：{ID}，姓名：謝文華。")
    assert g.severity == "veto"


def test_id_next_to_uscc_label_is_left_to_the_code():
    # An 18-digit code that is a valid USCC after its label is the organisation's code.
    assert rules("统一社会信用代码：12530300015124373P") == []


# -- mobiles and landlines ------------------------------------------------------------------


@pytest.mark.parametrize("number", [
    "13812345678", "+8613812345678", "+86 13812345678", "008613812345678", "138 1234 5678", "138-1234-5678",
    "19912345678", "+86-138-1234-5678",
])
def test_mobile_forms(number):
    text = f"村民反映，其号码{number}近日被冒用。"
    (f,) = privacy(text)
    assert f.rule == "privacy:mobile" and f.text == number and f.severity == "medium"


def test_mobile_mask_keeps_country_code_and_separators():
    assert mask("号码+86 138 1234 5678") == "号码+86 138 **** 5678"
    assert mask("他的手机13812345678坏了") == "他的手机138****5678坏了"


def test_office_contact_number_is_not_reported_by_default():
    for text in (
        "如有异议，请在公示期内向区民政局反映。联系电话：13812345678。",
        "监督电话：0752-2345678、13812345678",
        "服务热线：13912345678（工作日）",
        "联系人：张三，联系电话：13812345678。",
    ):
        assert rules(text) == [], text
        strict = privacy(text, profile="strict")
        assert all(f.severity == "low" for f in strict)
        assert mask(text) == text


def test_contact_label_does_not_excuse_a_personal_record():
    text = f"姓名：李四，身份证号：{ID}，联系电话：13812345678"
    found = privacy(text)
    assert [f.rule for f in found] == ["privacy:id_card", "privacy:mobile"]
    assert [f.severity for f in found] == ["veto", "high"]


def test_mobile_in_a_published_list_is_high():
    text = ("2024年临时救助对象公示\n姓名 村组 救助金额 联系方式\n"
            "王小明 幸福村 2000元 13812345678\n李秀英 幸福村 1500元 13987654321\n")
    found = privacy(text)
    assert [f.text for f in found] == ["13812345678", "13987654321"]
    assert all(f.severity == "high" and "公示名单" in f.message for f in found)


def test_landline_only_in_a_personal_row():
    assert rules("办公室电话：0752-2345678，传真：0752-2345679。") == []
    text = f"王小明 {ID} 0752-2345678"
    found = privacy(text)
    assert [f.rule for f in found] == ["privacy:id_card", "privacy:landline"]
    assert mask(text) == f"王小明 {ID[:6]}********{ID[-4:]} 0752-***5678"


def test_personal_labels_override_the_contact_exception():
    for text in (
        "举报人王某（联系电话：13529981046）反映，某小区建筑垃圾长期堆放未清运。",
        "来信人张女士（电话18887431290）反映小区夜间施工噪音扰民问题。",
        "联系人：王小明（贫困户本人）13769820517。",
    ):
        (f,) = privacy(text)
        assert f.rule == "privacy:mobile" and f.severity in ("medium", "high"), text
    (home,) = privacy("申请人黄某某，家庭住宅电话0874-3317825，要求公开本村土地流转合同。")
    assert home.rule == "privacy:landline" and home.text == "0874-3317825"


def test_office_contact_under_a_list_stays_a_contact():
    text = (f"临时救助对象公示\n王小明\t{ID}\t13812345678\n"
            "公示期间如有异议，请与镇民政办联系，联系电话：0752-2345678，13800001234。")
    found = privacy(text)
    assert [f.text for f in found] == [ID, "13812345678"]
    assert mask(text).endswith("联系电话：0752-2345678，13800001234。")


@pytest.mark.parametrize("text,number", [
    # a résumé written one field a line (任前公示): the 联系电话 is the person's own
    ("干部任前公示\n姓名：张建华\n性别：男\n出生年月：1985.03\n学历：大学本科\n现任职务：县农业农村局副局长\n"
     "联系电话：159 3712 4486", "159 3712 4486"),
    # a 帮扶/低保 record: the household's number, though an official's follows
    ("2024年低保家庭帮扶名单\n帮扶对象：王小明\n家庭人口：3人\n联系电话：13987654321\n"
     "帮扶责任人：李强（县民政局）\n联系电话：13812345678", "13987654321"),
    ("帮扶对象王小明（联系电话：13987654321），帮扶责任人李强（联系电话：13812345678）", "13987654321"),
    ("脱贫户王小明，联系电话：139 8765 4321；帮扶干部：县农业局李强，联系电话：0874-1234567", "139 8765 4321"),
    ("经审核，王小明家符合低保条件。户主联系电话：13987654321。镇民政办联系电话：13812345678。", "13987654321"),
])
def test_the_owner_of_a_contact_number_decides(text, number):
    found = privacy(text)
    assert [f.text for f in found] == [number]
    assert found[0].severity in ("medium", "high")
    assert number not in mask(text)


@pytest.mark.parametrize("text", [
    "张建华，男，1985年3月生，本科学历，现任某镇副镇长。个人邮箱：zhangjh1985@163.com",
    "姓名：张建华\n性别：男\n民族：汉族\n出生年月：1985年3月\n学历：研究生\n电子邮箱：zhangjh1985@163.com",
])
def test_personal_email_in_a_resume(text):
    (f,) = privacy(text)
    assert f.rule == "privacy:email" and f.severity in ("medium", "high")


@pytest.mark.parametrize("text", [
    "张建华，男，汉族，1985年3月出生，大学学历，拟任县乡村振兴局局长。\n"
    "公示期间如有异议，请向县委组织部反映。联系人：干部监督科 张某，联系电话：13912345678",
    "联系人：县民政局社会救助股 李某，联系电话：139 1234 5678",
    "帮扶对象：王小明\n\n帮扶责任人：李强（县民政局）\n联系电话：13812345678",
    "姓名：张建华\n性别：男\n出生年月：1985.03\n\n联系人：县委组织部干部监督科\n联系电话：13912345678",
    "低保政策咨询，请拨打民政办联系电话：13912345678。投稿邮箱：news2024@163.com",
])
def test_office_contacts_near_personal_records_stay_contacts(text):
    assert rules(text) == []
    assert all(f.severity == "low" for f in privacy(text, profile="strict"))


def test_table_with_one_cell_per_line():
    # HTML tables are extracted one cell per line: the name is in a line before the number.
    text = f"低保对象名单\n姓名\n身份证号\n联系电话\n张三\n{ID}\n13812345678\n"
    found = privacy(text)
    assert [f.text for f in found] == [ID, "13812345678"]
    assert [f.severity for f in found] == ["veto", "high"] and all("公示名单" in f.message for f in found)


# -- bank cards ------------------------------------------------------------------------------


def test_bank_card_with_context_and_grouped():
    text = f"补贴发放至户主本人银行卡，卡号：{CARD}。"
    (f,) = privacy(text)
    assert f.rule == "privacy:bank_card" and f.severity == "high" and f.confidence >= 0.9
    assert f"{CARD[:6]}*********{CARD[-4:]}" in f.suggestion
    grouped = " ".join(CARD[i:i + 4] for i in range(0, 19, 4))
    (g,) = privacy(f"开户账号 {grouped}")
    assert g.text == grouped
    assert mask(f"账号 {grouped}") == "账号 " + _masked_grouped(grouped)


def _masked_grouped(grouped: str) -> str:
    out, seen, total = [], 0, sum(c.isdigit() for c in grouped)
    for c in grouped:
        if c.isdigit():
            out.append(c if seen < 6 or seen >= total - 4 else "*")
            seen += 1
        else:
            out.append(c)
    return "".join(out)


def test_bank_card_needs_luhn_and_an_issuer():
    bad = CARD[:-1] + str((int(CARD[-1]) + 1) % 10)
    assert rules(f"卡号：{bad}") == []
    assert rules(f"卡号：{make_card('1234', 16)}") == []
    visa = make_card("436742", 16)
    assert rules(f"银行卡号{visa}") == ["privacy:bank_card"]


def test_organisation_account_and_order_numbers_are_not_cards():
    assert rules(f"户名：惠州市惠城区财政局，开户行：中国银行惠州分行，账号：{make_card('4', 19)}") == []
    assert rules(f"订单号：{make_card('6222', 16)}") == []
    assert rules(f"对公账户{CARD}") == []


def test_rows_of_statistics_are_not_cards():
    assert rules("2019 2020 2021 2022\n收入 4536 7821 9012 3456 2300 2400 2500 2600") == []
    assert rules("各月数据：3456 1234 5678 9012") == []


# -- passports, permits, plates, e-mail --------------------------------------------------------


def test_passport_and_permit():
    (p,) = privacy("护照号码：E12345678")
    assert p.rule == "privacy:passport" and p.severity == "high"
    assert mask("护照号码：E12345678") == "护照号码：E1*****78"
    assert rules("护照号EA1234567") == ["privacy:passport"]
    (c,) = privacy("往来港澳通行证号码C12345678")
    assert c.rule == "privacy:permit"
    # Without context a C/H/M code is some other code.
    assert rules("型号C12345678") == []
    assert rules("产品编号E12345678") == []


def test_vehicle_plates_are_low():
    (f,) = privacy("车牌号为京A12345的车辆")
    assert f.rule == "privacy:plate" and f.severity == "low" and f.text == "京A12345"
    assert mask("车牌号为京A12345的车辆") == "车牌号为京A***45的车辆"
    (n,) = privacy("新能源车粤B D12345违停")
    assert n.text == "粤B D12345"
    assert rules("新Windows系统") == []
    assert rules("粤ICP备2022001189号") == []


def test_personal_email_but_not_office_email():
    (f,) = privacy("举报人张某的邮箱zhangsan123@qq.com已登记。")
    assert f.rule == "privacy:email" and f.text == "zhangsan123@qq.com"
    assert mask("他的邮箱zhangsan123@163.com") == "他的邮箱z***@163.com"
    assert rules("来信请寄 zfb@huizhou.gov.cn 或 info@example.org") == []
    assert rules("邮箱：hzzwgk@163.com") == []  # an office's published mailbox
    assert rules("来信邮箱 13812345678@139.com", profile="strict") == ["privacy:email"]


# -- addresses -----------------------------------------------------------------------------------


def test_home_address_masked_to_street_level():
    text = "张三，家住惠城区河南岸街道幸福路12号3栋2单元501室。"
    (f,) = privacy(text)
    assert f.rule == "privacy:address" and f.text == "惠城区河南岸街道幸福路12号3栋2单元501室"
    assert "河南岸街道***" in f.suggestion
    assert mask(text) == "张三，家住惠城区河南岸街道***。"
    assert mask("现住址：横沥镇和平村3组15号") == "现住址：横沥镇***"


def test_office_address_is_not_a_leak():
    for text in (
        "联系地址：惠州市江北文明一路6号市行政中心",
        "办公地址：惠城区下埔路12号",
        "地址：惠州市江北三新南路22号惠州市政务服务中心大楼",
        "活动地点：惠城区江北文明一路6号",
    ):
        assert rules(text) == [], text


def test_village_address_with_committee():
    text = "申请人住址：陆良县马街镇大堵村委会小堵村88号。"
    (f,) = privacy(text)
    assert f.text == "陆良县马街镇大堵村委会小堵村88号"
    assert mask(text) == "申请人住址：陆良县马街镇***。"
    assert mask("户籍地址：璧山区璧城街道东林大道88号附5号。") == "户籍地址：璧山区璧城街道***。"


def test_unlabelled_street_number_is_only_a_weak_candidate():
    assert rules("在县城人民路1号举行启动仪式。") == []
    assert rules("在县城人民路1号举行启动仪式。", profile="strict") == ["privacy:address"]


# -- hard negatives ------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "统一社会信用代码：91441300MA4UJ5P15R",
    "统一社会信用代码：11441300007187648G",
    "索 引 號: 11441300007187648G/2023-00288",
    "索引号：3001/20240710-00001 发布日期：2024-07-10",
    "文号：惠府办函〔2023〕87号",
    "墨政办发〔2024〕37号",
    "2023年GDP达到135000000万元，同比增长5.2%。",
    "全年完成投资15000000000元。",
    "市民可拨打12345政务服务便民热线，报警请拨110，消费投诉请拨12315。",
    "客服电话：400-123-4567，800-830-1234，4001234567",
    "ISBN 978-7-5097-1234-5，ISBN 9787509712345",
    "订单号20230710123456789",
    "详见 http://www.huizhou.gov.cn/zwgk/13812345678/110101199003077571.html",
    "经营许可证编号:宁ICP备2022001189号-2",
    "上传人:王** 文档编号:1258151 上传时间:2024-06-06",
    "2022年12月31日至2023年1月15日，共受理12345件。",
    "第13812345678号",
])
def test_hard_negatives(text):
    assert rules(text) == []
    assert mask(text) == text


def test_uscc_is_an_organisation_not_a_person():
    from stdnum.cn import uscc

    code = "11441300007187648G"
    assert uscc.is_valid(code)
    assert rules(f"纳税人识别号：{code}") == []
    assert rules(f"机构{code}") == []


GOV_PROSE = """墨江哈尼族自治县人民政府办公室关于进一步加强和规范全县政府系统政务新媒体建设管理工作的通知
索引号: 3001/20240710-00001 公开目录: 县政府办文件  发布日期: 2024-07-10
发布机构: 墨江县政府办公室 文  号: 墨政办发〔2024〕37号
各乡(镇)人民政府,县直各委、办、局:
按照《云南省政务新媒体管理办法》要求,为进一步加强和规范全县政府系统政务新媒体建设管理工作,现将有关事项通知如下:
一、明确责任主体。县政府办公室是全县政府系统政务新媒体的主管单位。2023年全县地区生产总值完成135.6亿元,
同比增长5.2%,全县共有政务新媒体账号87个,关停整合12个。联系人：李明，联系电话：0879-2345678，13812345678。
地址：墨江县联珠镇迎宾路8号县政府大楼。邮箱：mjxzfb@163.com。
"""


def test_government_prose_has_no_high_findings():
    found = privacy(GOV_PROSE)
    assert not [f for f in found if f.severity in ("veto", "high")]
    assert found == []
    assert mask(GOV_PROSE) == GOV_PROSE


# -- mask ----------------------------------------------------------------------------------------


def test_mask_all_kinds_keeps_everything_else():
    text = (f"姓名：王小明\n身份证：{ID}\n手机：13812345678\n卡号：{CARD}\n"
            "护照：E12345678\n邮箱：wxm@qq.com\n住址：河南岸街道幸福路12号501室\n车牌：粤L12345\n")
    masked = mask(text)
    assert masked == (f"姓名：王小明\n身份证：{ID[:6]}********{ID[-4:]}\n手机：138****5678\n"
                      f"卡号：{CARD[:6]}*********{CARD[-4:]}\n护照：E1*****78\n邮箱：w***@qq.com\n"
                      "住址：河南岸街道***\n车牌：粤L***45\n")
    assert mask(masked) == masked
    assert rules(masked) == []


def test_user_rules_directory_extends_the_data(tmp_path):
    folder = tmp_path / "privacy"
    folder.mkdir()
    (folder / "context.yaml").write_text("public_numbers: ['13912345678']\n", encoding="utf-8")
    (folder / "surnames-local.txt").write_text("# 本地姓氏\n禤\n", encoding="utf-8")
    engine = Engine([tmp_path])
    assert [f for f in engine.check("村民反映号码13912345678被冒用") if f.category == "privacy"] == []
    assert [f.rule for f in engine.check("村民反映号码13812345678被冒用") if f.category == "privacy"] == [
        "privacy:mobile"
    ]


def test_engine_doc_example_still_finds_two():
    cats = [f.category for f in check("联系电话：13812345678，身份证号110101199003077578。")]
    assert cats.count("privacy") == 2


SNIPPETS = [
    ID, ID_X, CARD, "13812345678", "+86 138 1234 5678", "0752-2345678", "E12345678", "京A12345", "wxm@qq.com",
    "幸福路12号3栋501室", "联系电话：", "身份证号", "卡号", "姓名 ", "王小明", "公示名单", "护照", "，", "。", "\n",
    " ", "街道", "2023年", "135000000万元", "惠府办函〔2023〕87号", "11441300007187648G", "12345", "１３８", "-", "x",
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.sampled_from(SNIPPETS), st.text("0123456789 -+x号路村@.q", max_size=12)), max_size=12))
def test_mask_properties(parts):
    text = "".join(parts)
    masked = mask(text)
    if not privacy(text):
        assert masked == text
    assert mask(masked) == masked


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_mask_leaves_arbitrary_text_alone_without_leaks(text):
    masked = mask(text)
    if not privacy(text):
        assert masked == text
    assert mask(masked) == masked
