"""Build ``variants.tsv``: one-character misspellings of fixed expressions, for the typo family.

Run at build time, not at engine start-up (the engine only reads the TSV)::

    pip download jieba==0.42.1 --no-deps -d /tmp/jieba && tar xzf /tmp/jieba/jieba-0.42.1.tar.gz -C /tmp/jieba
    python sanshen/engine/data/typo/build_variants.py --dict /tmp/jieba/jieba-0.42.1/jieba/dict.txt

jieba's word list (MIT) is only read here, to drop variants that are real words and to rank
characters by frequency; nothing of it is shipped. The shipped ``variants.tsv`` was built with
exactly the command above (defaults: ``--top 3 --min-freq 3``).

For every expression in ``fixed_expressions.txt`` (and every right form of 4 characters or
more in the curated ``packs/typo-*.yaml``), each character is replaced in turn by

* the GB2312 level-1 characters (the 3755 common ones, enumerated by decoding the bytes
  B0A1–D7F9) whose usual reading is the pinyin, tones ignored, the character has in that
  expression; only the ``--top`` most frequent of each syllable, as an input method offers
  those first (and every extra candidate costs start-up time and memory in the scanner);
* every character of its group in ``shape_confusion.txt``.

A variant is dropped when it could be correct Chinese: when it is itself a known word,
is part of a longer known word, or when the replaced character makes a known word with
its neighbours inside the variant (谈笑风声 holds 风声, so it is left to the curated
pack, where a person decided). Known words are ``pypinyin.phrases_dict``, the expression
list, and the words of any ``--dict`` file (one word first on each line, as jieba's
``dict.txt``; its rare entries include misspellings, so ``--min-freq`` sets a floor for
two-character words). Variants equal to a curated wrong form are left to the packs.

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


def load_dict(path: Path, min_freq: int, char_freq: dict[str, int]) -> set[str]:
    """Words of a dictionary file; its single characters' frequencies go into ``char_freq``."""
    words: set[str] = set()
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            if not parts or not CJK.match(parts[0]):
                continue
            freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else min_freq
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
):
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
            candidates = [(c, "sound") for c in sorted(sound) if c != ch]
            candidates += [(c, "shape") for c in sorted(shapes.get(ch, ())) if c != ch and c not in sound]
            for c, kind in candidates:
                variant = expr[:i] + c + expr[i + 1:]
                if has_adjacent_repeat(variant) or variant in known or variant in inside or variant in wrong_forms:
                    continue
                # The text is matched folded: 叁 reads 三 and a traditional form reads as the
                # simplified one, so such a "variant" would match the right expression itself.
                if normalize_term(variant) != variant:
                    continue
                if variant in variants:
                    continue
                legit = False
                for a in range(0, i + 1):
                    for b in range(i + 1, min(len(variant), a + longest) + 1):
                        if b - a >= 2 and variant[a:b] in known:
                            legit = True
                            break
                    if legit:
                        break
                if not legit:
                    variants[variant] = (expr, kind)
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
    for path in args.dict:
        known |= load_dict(path, args.min_freq, char_freq)
    known -= wrong_forms  # dictionaries built from web text also hold common misspellings
    if args.check:
        check(wrong_forms, known)
        return 0
    shapes = read_shape_groups(HERE / "shape_confusion.txt")
    variants = build(expressions, known, wrong_forms, shapes, sound_groups(char_freq, args.top))
    sources = ["pypinyin.phrases_dict", *(p.name for p in args.dict)]
    lines = [
        "# One-character misspellings of fixed expressions: generated by build_variants.py, do not edit.",
        f"# expressions: {len(expressions)}; known words: {', '.join(sources)}; "
        f"min-freq {args.min_freq}; top {args.top}",
        "word\tright\tkind",
    ]
    lines += [f"{v}\t{e}\t{k}" for v, (e, k) in sorted(variants.items(), key=lambda item: (item[1][0], item[0]))]
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(variants)} variants of {len(expressions)} expressions -> {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
