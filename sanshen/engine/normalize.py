"""Offset-keeping normalisation.

Two views of a text are used for matching:

* the *folded* view has exactly the same length as the original: every code point is
  replaced by one code point (traditional → simplified, full width → half width, upper →
  lower case, styled digits and letters such as ① ⑷ ➃ Ⓕ 𝐟 → plain ones, 壹…玖 → 一…九).
  An offset in the folded view is therefore the same offset in the original.
* the *squeezed* view is the folded view with noise removed (whitespace, zero-width
  characters, punctuation and symbols put between the characters of a word) and runs of
  a repeated CJK character collapsed to one. :class:`SqueezedView` maps every squeezed
  position back to the span of original characters it stands for.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate

# Characters that spam writers insert between the characters of a word.
ZERO_WIDTH = "\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff\u00ad\u180e"
_SOFT_NOISE = (
    r"\s" + "".join(f"\\u{ord(c):04x}" for c in ZERO_WIDTH)
    + r"\u2028-\u202f\u3000"
    + r"!-/:-@\[-`{-~"  # ASCII punctuation and symbols
    + r"·•・‧∙⋅…‥—–―‐‑‒"
    + r"★☆※◆◇■□●○◎▲△▼▽♦♢♠♣♥♡→←↑↓↔"
    + r"～￣＿¦§¨°±×÷"
)
# Sentence punctuation: a word that crosses it is usually two words of ordinary prose.
HARD_PUNCT = "，。、；：？！“”‘’「」『』（）《》〈〉【】〔〕"
_NOISE_RE = re.compile(f"[{_SOFT_NOISE}{re.escape(HARD_PUNCT)}]+")
_REPEAT_RE = re.compile(r"([\u3400-\u4dbf\u4e00-\u9fff])\1+")
_SQUEEZE_RE = re.compile(f"{_NOISE_RE.pattern}|{_REPEAT_RE.pattern}")
_HARD_SET = frozenset(HARD_PUNCT)

_FINANCIAL_NUMERALS = dict(zip("零壹贰叁肆伍陆柒捌玖拾佰仟貳參陸", "〇一二三四五六七八九十百千二三六", strict=True))

# Blocks whose compatibility forms (NFKC) are folded to their plain character.
_COMPAT_RANGES = (
    (0x00A0, 0x00FF),
    (0x2070, 0x209F),  # super/subscripts
    (0x2100, 0x218F),  # letterlike, roman numerals
    (0x2460, 0x24FF),  # enclosed alphanumerics ① ⑴ ⒈ Ⓐ
    (0x2776, 0x2793),  # dingbat circled digits ➃
    (0x2F00, 0x2FDF),  # Kangxi radicals ⼈
    (0x2E80, 0x2EFF),  # CJK radicals supplement
    (0x3200, 0x33FF),  # enclosed CJK ㈤ ㊄, CJK compatibility
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0xFE30, 0xFE4F),  # CJK compatibility forms
    (0xFE50, 0xFE6F),  # small forms
    (0xFF00, 0xFFEF),  # full width and half width forms
    (0x1D400, 0x1D7FF),  # mathematical alphanumerics 𝐟 𝕗
    (0x1F100, 0x1F1FF),  # enclosed alphanumeric supplement 🄰
)


def _single_char(folded: str) -> str | None:
    """Reduce an NFKC expansion such as '(1)', '1.', '(五)' to its one meaningful character."""
    if len(folded) == 1:
        return folded
    core = [c for c in folded if c.isalnum()]
    if len(core) == 1:
        return core[0]
    return None


_LETTER_NAME_RE = re.compile(r"LATIN (?:CAPITAL|SMALL) LETTER ([A-Z])$")


def _styled_char(ch: str) -> str | None:
    """Styled digits and letters that NFKC leaves alone (➃ ❹ 🅐)."""
    digit = unicodedata.digit(ch, None)
    if digit is not None:
        return str(digit)
    m = _LETTER_NAME_RE.search(unicodedata.name(ch, ""))
    return m.group(1).lower() if m else None


@lru_cache(maxsize=1)
def fold_table() -> dict[int, str]:
    """The 1:1 translation table of the folded view (built once per process)."""
    import opencc

    table: dict[int, str] = {}
    for lo, hi in _COMPAT_RANGES:
        for cp in range(lo, hi + 1):
            ch = chr(cp)
            if ch in _HARD_SET or cp == 0x3000:
                continue
            folded = unicodedata.normalize("NFKC", ch)
            one = _single_char(folded) if folded != ch else _styled_char(ch)
            # CJK sentence punctuation stays as it is: the squeeze step treats it as a boundary.
            if one is not None:
                table[cp] = one
    table[0x3000] = " "
    cjk = "".join(chr(cp) for cp in (*range(0x3400, 0x4DC0), *range(0x4E00, 0xA000)))
    simplified = opencc.OpenCC("t2s.json").convert("\n".join(cjk)).split("\n")
    if len(simplified) == len(cjk):
        for src, dst in zip(cjk, simplified, strict=True):
            if src != dst and len(dst) == 1:
                table[ord(src)] = dst
    # Compatibility ideographs and radicals may fold to traditional forms: simplify them too.
    for cp, dst in list(table.items()):
        simple = table.get(ord(dst)) if len(dst) == 1 else None
        if simple is not None:
            table[cp] = simple
    for src, dst in _FINANCIAL_NUMERALS.items():
        table[ord(src)] = dst
    for cp in range(ord("A"), ord("Z") + 1):
        table[cp] = chr(cp + 32)
    for cp, dst in list(table.items()):
        if "A" <= dst <= "Z":
            table[cp] = dst.lower()
    return table


def _char_class(cps) -> str:
    cps = sorted(cps)
    parts = []
    i = 0
    while i < len(cps):
        j = i
        while j + 1 < len(cps) and cps[j + 1] == cps[j] + 1:
            j += 1
        a, b = chr(cps[i]), chr(cps[j])
        parts.append(re.escape(a) if i == j else f"{re.escape(a)}-{re.escape(b)}")
        i = j + 1
    return "[" + "".join(parts) + "]"


@lru_cache(maxsize=1)
def _fold_res():
    table = fold_table()
    bmp = _char_class(cp for cp in table if cp <= 0xFFFF) + "+"
    return re.compile(bmp), re.compile("[\U00010000-\U0010ffff]")


def fold(text: str) -> str:
    """The folded view: same length as ``text``."""
    table = fold_table()
    bmp_re, astral_re = _fold_res()
    if astral_re.search(text):  # styled letters such as 𝐟 are rare: the plain table does all
        return text.translate(table)
    return bmp_re.sub(lambda m: m.group().translate(table), text)


@dataclass(slots=True)
class SqueezedView:
    """The squeezed view of a folded text and its mapping back to original offsets.

    ``breaks`` holds the squeezed positions where the offset delta changes; ``starts`` and
    ``ends`` give, at each break, the original start offset of that squeezed character and
    the original end offset of the previous one. Between breaks the mapping is a shift.
    """

    text: str
    _pos: list[int]
    _orig: list[int]
    _run_end: dict[int, int]

    def orig_start(self, i: int) -> int:
        k = bisect_right(self._pos, i) - 1
        return self._orig[k] + (i - self._pos[k])

    def orig_end(self, i: int) -> int:
        """Original end offset of the squeezed character just before position ``i``."""
        start = self.orig_start(i - 1)
        return self._run_end.get(start, start + 1)

    def span(self, start: int, end: int) -> tuple[int, int]:
        return self.orig_start(start), self.orig_end(end)


def squeeze(folded: str) -> SqueezedView:
    parts: list[str] = []
    pos = [0]
    orig = [0]
    run_end: dict[int, int] = {}
    last = 0
    out_len = 0
    for m in _SQUEEZE_RE.finditer(folded):
        s, e = m.span()
        if s > last:
            parts.append(folded[last:s])
            out_len += s - last
        rep = m.group(1)
        if rep is not None:
            # A run of one repeated character becomes that character once.
            parts.append(rep)
            run_end[s] = e
            out_len += 1
            pos.append(out_len)
            orig.append(e)
        else:
            pos.append(out_len)
            orig.append(e)
        last = e
    if last < len(folded):
        parts.append(folded[last:])
    return SqueezedView("".join(parts), pos, orig, run_end)


def strip_noise(folded: str) -> str:
    """A folded text without the characters spam writers insert (keeps repeats)."""
    return _NOISE_RE.sub("", folded)


def runs(text: str) -> list[tuple[str, int]]:
    """Run-length form: 天天开 → [("天", 2), ("开", 1)]."""
    out: list[tuple[str, int]] = []
    for ch in text:
        if out and out[-1][0] == ch:
            out[-1] = (ch, out[-1][1] + 1)
        else:
            out.append((ch, 1))
    return out


BLOCK = 128
_BLOCK_RE = re.compile(f"(?s).{{{BLOCK}}}.*?[{_SOFT_NOISE}{re.escape(HARD_PUNCT)}]|.+")
_MARK = "\ue000"  # a private-use character put between blocks; never noise, never CJK


class LazySqueezedView:
    """The squeezed view built with C-level substitutions; the offset map is built per block on demand.

    The folded text is cut into blocks of about ``BLOCK`` characters, each ending just after a
    noise character (so no repeat run straddles a cut and squeezing block by block gives the same
    text). Only the blocks that a hit falls in get the exact per-character map of ``squeeze``.
    """

    __slots__ = ("_folded", "_fstart", "_qstart", "_views", "text")

    def __init__(self, folded: str):
        blocks = _BLOCK_RE.findall(folded)
        if _MARK in folded:  # cannot use the marker: squeeze block by block
            pieces = [_NOISE_RE.sub("", _REPEAT_RE.sub(r"\1", b)) for b in blocks]
        else:
            marked = _MARK.join(blocks)
            pieces = _NOISE_RE.sub("", _REPEAT_RE.sub(r"\1", marked)).split(_MARK)
        self.text = "".join(pieces)
        self._folded = folded
        self._fstart = [0, *accumulate(map(len, blocks))][:-1] if blocks else []
        self._qstart = [0, *accumulate(map(len, pieces))][:-1] if blocks else []
        self._views: dict[int, SqueezedView] = {}

    def _block(self, i: int) -> tuple[int, int, SqueezedView]:
        k = bisect_right(self._qstart, i) - 1
        view = self._views.get(k)
        if view is None:
            end = self._fstart[k + 1] if k + 1 < len(self._fstart) else len(self._folded)
            view = self._views[k] = squeeze(self._folded[self._fstart[k]:end])
        return self._fstart[k], self._qstart[k], view

    def orig_start(self, i: int) -> int:
        f0, q0, view = self._block(i)
        return f0 + view.orig_start(i - q0)

    def orig_end(self, i: int) -> int:
        f0, q0, view = self._block(i - 1)
        return f0 + view.orig_end(i - q0)

    def span(self, start: int, end: int) -> tuple[int, int]:
        return self.orig_start(start), self.orig_end(end)


def squeeze_lazy(folded: str) -> LazySqueezedView:
    return LazySqueezedView(folded)


def normalize_terms(words: list[str]) -> list[str]:
    """``normalize_term`` of many words: one translate call for all of them."""
    if not words:
        return []
    folded = "\x00".join(words).translate(fold_table()).split("\x00")
    if len(folded) != len(words):  # a word holding NUL: fall back
        return [normalize_term(w) for w in words]
    search = _SQUEEZE_RE.search
    return [squeeze(f).text if search(f) else f for f in folded]


def normalize_term(word: str) -> str:
    """How a lexicon word is stored: folded and squeezed like the text it is matched in."""
    folded = word.translate(fold_table())
    return squeeze(folded).text if _SQUEEZE_RE.search(folded) else folded


def gap_kind(original: str, start: int, end: int, letters: int) -> str:
    """Describe what stands between the characters of a match ``original[start:end]``.

    Returns ``"none"`` for a contiguous match, ``"soft"`` when only whitespace, symbols or
    zero-width characters were inserted, ``"hard"`` when sentence punctuation sits inside
    and the insertion is not systematic (ordinary prose crossing a clause boundary), or
    ``"systematic"`` when sentence punctuation separates every character of the word.
    """
    span = original[start:end]
    if len(span) == letters:
        return "none"
    folded = fold(span)
    noise_runs = _NOISE_RE.findall(folded)
    if not noise_runs:
        return "none"  # only repeats were collapsed
    if not any(ch in _HARD_SET for run in noise_runs for ch in run):
        return "soft"
    pieces = [piece for piece in _NOISE_RE.split(folded) if piece]
    if letters >= 3 and len(pieces) == letters and all(len(set(piece)) == 1 for piece in pieces):
        return "systematic"
    return "hard"

