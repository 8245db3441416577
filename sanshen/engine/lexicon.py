"""One Aho-Corasick pass over the squeezed view finds every lexicon word of every family."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from itertools import accumulate

import ahocorasick_rs

from .document import Document
from .normalize import fold, gap_kind, normalize_terms, runs, strip_noise

WHITELIST = -1


@dataclass(slots=True, frozen=True)
class Hit:
    """A lexicon word found in the original text at ``start:end``.

    ``gap`` is ``"none"`` for a contiguous match, ``"soft"`` when spaces/symbols/zero-width
    characters were inserted and ``"systematic"`` when punctuation split every character.
    """

    start: int
    end: int
    word: str
    payload: object
    gap: str = "none"


def _is_ascii_alnum(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _runs_cover(text_runs: list[tuple[str, int]], needed: list[tuple[str, int]]) -> bool:
    return len(text_runs) == len(needed) and all(
        t_ch == n_ch and t_count >= n_count for (t_ch, t_count), (n_ch, n_count) in zip(text_runs, needed, strict=True)
    )


def _trim_edge_runs(view, s: int, e: int, full: tuple[int, int]) -> tuple[int, int]:
    """Cut a run of copies at either edge of a hit to one character.

    学习习近平 squeezes to 学习近平; the word 习近平 must cover one 习, not the run 习习.
    """
    start, end = full
    first_end = view.orig_end(s + 1)
    if first_end - start > 1:
        start = first_end - 1
    if e - s == 1:
        return start, start + 1
    last_start = view.orig_start(e - 1)
    if end - last_start > 1:
        end = last_start + 1
    return start, end


class Scanner:
    """Compiles the words of all families (and the whitelist) into one automaton."""

    def __init__(self, terms: list[tuple[str, int, object]], whitelist: list[str]):
        # pattern → the (owner, word, payload) triples that normalise to it; insertion order
        # gives each pattern its index in the automaton.
        by_pattern: dict[str, list[tuple[int, str, object]]] = {}
        # Words with a doubled character (时时彩, 久久精品) are stored collapsed like the text, so
        # 时时彩 would also match 同时彩排: such words keep their run lengths to check each hit.
        self._needs_runs: dict[str, list[tuple[str, int]]] = {}
        words = [t[0] for t in terms]
        for (word, owner, payload), norm in zip(terms, normalize_terms(words), strict=True):
            if not norm:
                continue
            bucket = by_pattern.get(norm)
            if bucket is None:
                by_pattern[norm] = [(owner, word, payload)]
            else:
                bucket.append((owner, word, payload))
            if len(norm) != len(word):
                word_runs = runs(strip_noise(fold(word)))
                if any(count > 1 for _, count in word_runs):
                    self._needs_runs[word] = word_runs
        allowed: set[str] = set()
        for word, norm in zip(whitelist, normalize_terms(list(whitelist)), strict=True):
            if norm:
                by_pattern.setdefault(norm, []).append((WHITELIST, word, None))
                allowed.add(norm)
        patterns = list(by_pattern)
        owners = list(by_pattern.values())
        self.patterns = patterns
        self._owners = owners
        self._whitelisted = [pattern in allowed for pattern in patterns]
        self._automaton = (
            ahocorasick_rs.AhoCorasick(patterns, implementation=ahocorasick_rs.Implementation.ContiguousNFA)
            if patterns else None
        )

    def __len__(self) -> int:
        return len(self.patterns)

    def raw_matches(self, squeezed_text: str) -> list[tuple[int, int, int]]:
        if self._automaton is None:
            return []
        return self._automaton.find_matches_as_indexes(squeezed_text, overlapping=True)

    def scan(self, doc: Document, n_owners: int) -> list[list[Hit]]:
        """Hits per owner, in original-text offsets, with whitelist and boundary rules applied."""
        result: list[list[Hit]] = [[] for _ in range(n_owners)]
        view = doc.squeezed
        matches = self.raw_matches(view.text)
        if not matches:
            return result
        allowed = sorted((s, e) for k, s, e in matches if self._whitelisted[k])
        allowed_starts = [s for s, _ in allowed]
        allowed_reach = list(accumulate((e for _, e in allowed), max))
        folded = doc.folded
        for k, s, e in matches:
            owners = self._owners[k]
            if allowed:
                j = bisect_right(allowed_starts, s) - 1
                if j >= 0 and allowed_reach[j] >= e:
                    continue  # inside a longer allowed word
            full = view.span(s, e)
            start, end = _trim_edge_runs(view, s, e, full)
            norm = self.patterns[k]
            if _is_ascii_alnum(norm[0]) and start > 0 and _is_ascii_alnum(folded[start - 1]):
                continue
            if _is_ascii_alnum(norm[-1]) and end < len(folded) and _is_ascii_alnum(folded[end]):
                continue
            if not doc.same_segment(start, end):
                continue
            gap = "none" if end - start == len(norm) else gap_kind(doc.text, start, end, len(norm))
            if gap == "hard":
                continue
            text_runs = None
            for owner, word, payload in owners:
                if owner == WHITELIST:
                    continue
                needed = self._needs_runs.get(word)
                if needed is None:
                    result[owner].append(Hit(start, end, word, payload, gap))
                    continue
                # A word with doubled characters: the text must double them too. A run the word
                # itself starts or ends with stays whole (天天天开好彩 is all spam).
                if text_runs is None:
                    text_runs = runs(strip_noise(folded[full[0]:full[1]]))
                if _runs_cover(text_runs, needed):
                    w_start = full[0] if needed[0][1] > 1 else start
                    w_end = full[1] if needed[-1][1] > 1 else end
                    result[owner].append(Hit(w_start, w_end, word, payload, gap))
        return result
