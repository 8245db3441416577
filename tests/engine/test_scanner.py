"""The shared lexicon pass: whitelist, boundaries, insertion, segments, user packs."""

import pytest

from sanshen.engine import Engine, Extracted, PackError, Segment

PACK = """
name: t
defaults: {category: sensitive, severity: high, message: 测试词}
entries:
  - 法轮功
  - 口交
  - bet365
  - 天天开好彩
  - words: [冰毒]
    only_near: [出售, 微信]
  - words: [台独]
    unless_near: [反对, 打击]
whitelist: [路口交通]
"""


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    rules = tmp_path_factory.mktemp("rules")
    (rules / "t.yaml").write_text(PACK, encoding="utf-8")
    return Engine(rules_dirs=[rules])


def spans(engine, text, category="sensitive"):
    return [(f.text, f.start, f.end) for f in engine.check(text) if f.category == category]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("法 轮 功", [("法 轮 功", 0, 5)]),
        ("法，轮，功", [("法，轮，功", 0, 5)]),
        ("\u200b法\u200b轮\u200b功", [("法\u200b轮\u200b功", 1, 6)]),
        ("發輪功與法輪功", [("法輪功", 4, 7)]),
        ("ＢＥＴ·３６５官方", [("ＢＥＴ·３６５", 0, 7)]),
        ("天天天开好彩", [("天天天开好彩", 0, 6)]),
    ],
)
def test_obfuscated_words_are_found_at_original_offsets(engine, text, expected):
    assert spans(engine, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "十字路口交通管制",  # a longer allowed word beats the blocked word inside it
        "alphabet365",  # Latin words need boundaries
        "坚持依法。轮功能区",  # a word crossing a sentence boundary is two words of prose
        "口，交",
        "全市开展禁毒宣传，介绍冰毒的危害",  # only_near not met
        "坚决反对台独分裂活动",  # unless_near met
    ],
)
def test_hard_negatives(engine, text):
    assert spans(engine, text) == []


def test_context_rules_fire_when_met(engine):
    assert spans(engine, "出售冰毒，加微信") == [("冰毒", 2, 4)]
    assert spans(engine, "鼓吹台独") == [("台独", 2, 4)]


def test_matches_do_not_cross_segments(engine):
    text = "法轮\n功"
    extracted = Extracted(text, [Segment("title", 0, 2), Segment("body", 3, 4)], "html")
    assert [f for f in engine.check(extracted) if f.category == "sensitive"] == []


def test_bad_pack_gives_clear_error(tmp_path):
    (tmp_path / "bad.yaml").write_text("name: bad\nentries:\n  - {words: [x], category: nope}\n", encoding="utf-8")
    with pytest.raises(PackError, match=r"bad\.yaml: entry 1: category"):
        Engine(rules_dirs=[tmp_path])


def test_tsv_pack_and_whitelist(tmp_path):
    (tmp_path / "extra.tsv").write_text(
        "word\tcategory\tseverity\tmessage\n某某词\tspam\tmedium\t广告\n某某词语\twhitelist\t\t\n",
        encoding="utf-8",
    )
    engine = Engine(rules_dirs=[tmp_path])
    found = [(f.rule, f.text) for f in engine.check("这里有某某词，那里有某某词语。") if f.rule.startswith("extra:")]
    assert found == [("extra:某某词", "某某词")]


def test_missing_rules_directory(tmp_path):
    with pytest.raises(PackError, match="not found"):
        Engine(rules_dirs=[tmp_path / "nope"])


def test_doubled_characters_must_really_be_doubled(engine):
    assert spans(engine, "天天开好彩") == [("天天开好彩", 0, 5)]
    assert spans(engine, "今天开好彩票") == []  # 天开好彩 without the doubling is another text


def test_a_run_at_the_edge_of_a_word_is_not_part_of_it(engine):
    # 学习习近平: the second 习 belongs to the name, the first to 学习.
    assert spans(engine, "口口交") == [("口交", 1, 3)]
    assert spans(engine, "法轮功功能") == [("法轮功", 0, 3)]
    assert spans(engine, "天天天开好彩彩") == [("天天天开好彩", 0, 6)]


def test_pack_words_with_sentence_punctuation_are_refused(tmp_path):
    (tmp_path / "p.yaml").write_text(
        "name: p\ndefaults: {category: expression}\nentries:\n  - 中国、台湾\n", encoding="utf-8"
    )
    with pytest.raises(PackError, match="sentence punctuation"):
        Engine(rules_dirs=[tmp_path])
