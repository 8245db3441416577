"""Offset mapping of the folded and squeezed views, including property tests."""

from hypothesis import given, settings
from hypothesis import strategies as st

from sanshen.engine.normalize import fold, gap_kind, normalize_term, squeeze

ALPHABET = st.sampled_from(
    list("政府人民法轮功發輪國務院开好彩天") + list("ＡＢＣａｂ１２３abcXYZ019") + list("①⑷➃Ⓕ𝐟肆壹")
    + [" ", "\n", "\u200b", "\ufeff", "，", "。", "·", "*", "#", "、", "“", "”", "★"]
)
texts = st.text(alphabet=ALPHABET, max_size=200)


def test_fold_keeps_length_and_folds_styles():
    src = "發輪功ＡＢＣ１２３①⑷➃Ⓕ𝐟肆壹BET"
    out = fold(src)
    assert len(out) == len(src)
    assert out == "发轮功abc123144ff四一bet"


def test_fold_keeps_cjk_sentence_punctuation():
    assert fold("，。；：？！（）") == "，。；：？！（）"


@given(texts)
@settings(max_examples=300)
def test_fold_is_one_to_one(text):
    assert len(fold(text)) == len(text)


@given(texts)
@settings(max_examples=300)
def test_squeezed_view_maps_back_to_original(text):
    folded = fold(text)
    view = squeeze(folded)
    for i, ch in enumerate(view.text):
        start = view.orig_start(i)
        end = view.orig_end(i + 1)
        assert 0 <= start < end <= len(text)
        assert folded[start] == ch
        assert set(folded[start:end]) == {ch}  # a collapsed run stands for copies of one character
    for s in range(len(view.text)):
        for e in range(s + 1, min(len(view.text), s + 6) + 1):
            start, end = view.span(s, e)
            # Squeezing the original span gives back exactly the matched squeezed text.
            assert squeeze(fold(text[start:end])).text == view.text[s:e]


def test_squeeze_removes_noise_and_repeats():
    view = squeeze(fold("法 轮\u200b功，天天天开好彩"))
    assert view.text == "法轮功天开好彩"
    assert view.span(0, 3) == (0, 5)
    assert view.span(3, 7) == (6, 12)


def test_normalize_term_matches_text_normalisation():
    assert normalize_term("天天开好彩") == "天开好彩"
    assert normalize_term("BET·365") == "bet365"


def test_gap_kind():
    assert gap_kind("法轮功", 0, 3, 3) == "none"
    assert gap_kind("法 轮*功", 0, 5, 3) == "soft"
    assert gap_kind("法，轮，功", 0, 5, 3) == "systematic"
    assert gap_kind("法轮。功", 0, 4, 3) == "hard"
    assert gap_kind("口，交", 0, 3, 2) == "hard"
