"""Check family ``format`` (格式错误): regular expressions over the text, no lexicon.

* ``format:doc-number-brackets``: a 文号 whose year stands in 【】 [] ［］ () （） 〈〉 ﹝﹞… instead
  of the 六角括号 〔〕 of GB/T 9704 (国办发[2019]19号 → 国办发〔2019〕19号).
* ``format:doc-number``: smaller 文号 slips: a two-digit year (〔19〕), 第 before the serial
  (〔2019〕第19号), a zero-padded serial (〔2019〕019号), the closing 号 missing.
* ``format:impossible-date``: 2月30日, 4月31日, 13月, 2023年2月29日 (not a leap year),
  also in Chinese numerals (二〇二三年二月三十日) and as 2023-02-29.
* ``format:weekday``: a weekday that does not match its date when the year is given
  (2024年7月10日（星期四）: 10 July 2024 is a Wednesday), also after 2024-07-10 and 2024.7.10.
* ``format:unbalanced``: paired punctuation (“” ‘’ （） 《》 〔〕 【】 () 「」 『』 〈〉) left open or
  closed without an opening within one paragraph (a line). A quotation running over several
  paragraphs in the Chinese style (an opening quote at each paragraph, the closing one at the
  end) and a pair split by a line wrap (PDF text) are not reported; nor are list markers
  such as 1) or a), apostrophes (China’s), or titles cut short with an ellipsis.
  Links, scripts, metas and hidden text are not looked at.

Dates and 文号 are matched on ``doc.folded`` (same length as the text, full-width digits
folded to ASCII), so offsets are offsets into ``doc.text``.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterable, Iterator

from ..base import Recognizer, in_explicit_correction
from ..document import Document
from ..findings import Finding
from ..lexicon import Hit

# --- 文号 --------------------------------------------------------------------------------

# In the folded view ［］ read [] and ﹝﹞ read 〔〕, so the brackets are judged on the original.
_DOCNO_OPEN = "[【(（〈〔<《{〖「『"
_DOCNO_CLOSE = "]】)）〉〕>》}〗」』"
_DOCNO_RE = re.compile(
    rf"([{re.escape(_DOCNO_OPEN)}])[ \t\u3000]*(\d{{4}}|\d{{2}})[ \t\u3000]*([{re.escape(_DOCNO_CLOSE)}])"
    r"[ \t\u3000]*(第[ \t\u3000]*)?(\d{1,5})(?:[ \t\u3000]*(号))?"
)
_CJK_RE = re.compile(r"[\u3400-\u9fff]")
# Words that may run into an agency code written without a space (印发国办发〔2019〕19号).
_AGENCY_CUT = re.compile(
    r".*(?:印发|转发|根据|按照|依据|依照|参照|文号|关于|执行|落实|贯彻|通知|意见|办法|规定|见|即|据|和|及|与|的)"
)
_DOCNO_END = frozenset("）)》」』”’，,。；;：:、 \t\u3000\n")

# --- dates -------------------------------------------------------------------------------

_SP = r"[ \t\u3000]*"
_WEEKDAY = (
    rf"(?P<wpre>{_SP}[（(]?{_SP}|{_SP}[，,]{_SP}(?=星期|礼拜))"
    r"(?P<wword>星期|礼拜|周)(?P<wday>[一二三四五六日天七])"
)
_RANGE_DAY = rf"(?P<rsep>{_SP}(?:至|到|—|–|-|~|～){_SP})(?P<rday>\d{{1,2}}){_SP}(?P<rdd>[日号])"
_CN_DIGITS = "〇○零oO0一二三四五六七八九"
_CN_NUM = "[一二三四五六七八九十]"
# Dates are found from their 月 (a literal the regex engine scans for fast): the month and
# year are read backwards from it, the day, a range end and a weekday forwards.
_YUE_RE = re.compile("月")
_BACK_NUM = re.compile(rf"(?:(?P<y>\d{{4}}){_SP}年{_SP})?(?P<m>\d{{1,2}}){_SP}$")
_BACK_CN = re.compile(rf"(?:(?P<y>[{_CN_DIGITS}]{{4}}){_SP}年{_SP})?(?P<m>{_CN_NUM}{{1,3}}){_SP}$")
_AFTER_NUM = re.compile(
    rf"{_SP}(?P<d>\d{{1,2}}){_SP}(?P<dd>[日号])(?:{_RANGE_DAY})?(?:{_WEEKDAY})?"
)
_AFTER_CN = re.compile(rf"{_SP}(?P<d>{_CN_NUM}{{1,3}}){_SP}(?P<dd>[日号])(?:{_WEEKDAY})?")
_NUM_DATE_RE = re.compile(
    rf"[12]\d{{3}}(?P<sep>[-./])(?P<m>\d{{1,2}})(?P=sep)(?P<d>\d{{1,2}})(?![\d.])(?:{_WEEKDAY})?"
)
_LUNAR_RE = re.compile("农历|阴历|夏历|旧历")
# A weekday that starts a range or a list (周一至周五, 周一、周三) is not the date's weekday.
_WEEKDAY_GOES_ON = re.compile(rf"{_SP}(?:至|到|—|–|-|~|～|、|和|及|或|与)")
_WEEKDAY_NUM = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "七": 6}
_WEEKDAY_NAME = "一二三四五六日"
_CN_VALUE = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"○": 0, "零": 0, "o": 0, "O": 0, "0": 0}

# --- paired punctuation ------------------------------------------------------------------

_PAIRS = {
    "“": ("dq", True), "”": ("dq", False),
    "‘": ("sq", True), "’": ("sq", False),
    "（": ("paren", True), "）": ("paren", False), "(": ("paren", True), ")": ("paren", False),
    "《": ("book", True), "》": ("book", False),
    "〔": ("tort", True), "〕": ("tort", False),
    "【": ("lent", True), "】": ("lent", False),
    "「": ("corner", True), "」": ("corner", False),
    "『": ("wcorner", True), "』": ("wcorner", False),
    "〈": ("angle", True), "〉": ("angle", False),
}
_PAIR_RE = re.compile("[\n" + re.escape("".join(_PAIRS)) + "]")
_PARTNER = {
    "dq": ("“", "”"), "sq": ("‘", "’"), "paren": ("（", "）"), "book": ("《", "》"), "tort": ("〔", "〕"),
    "lent": ("【", "】"), "corner": ("「", "」"), "wcorner": ("『", "』"), "angle": ("〈", "〉"),
}
_NAMES = {
    "dq": "双引号", "sq": "单引号", "paren": "圆括号", "book": "书名号", "tort": "六角括号",
    "lent": "方头括号", "corner": "直角引号", "wcorner": "双直角引号", "angle": "单书名号",
}
# A closing bracket after a list marker at the start of an item: 1) 2） a) 一） iv)
_ENUM_RE = re.compile(r"(?:\d{1,3}|[A-Za-z]|[一二三四五六七八九十]{1,3}|[ivxIVX]{1,4}|[\u2160-\u217f\u2460-\u249b])$")
_ENUM_BEFORE = frozenset(" \t\u3000\n，。；;：:、,.．")
_ELLIPSIS = ("…", "...", "．．．")
# A multi-paragraph quotation closes within this many lines, or a wrapped pair in the next.
_CARRY_LINES = 8
_QUOTE_KINDS = frozenset({"dq", "sq", "corner", "wcorner"})
_SKIP_KINDS = frozenset({"link", "script", "meta", "hidden"})


class FormatRecognizer(Recognizer):
    family = "format"

    def analyze(self, doc: Document, hits: list[Hit]) -> Iterable[Finding]:
        yield from super().analyze(doc, hits)
        found: list[Finding] = []
        found.extend(self.doc_numbers(doc))
        found.extend(self.dates(doc))
        # 原文中“2月30日”系笔误，现更正为“3月1日”: a quoted wrong form being corrected
        found = [f for f in found if not in_explicit_correction(doc, f.start, f.end)]
        found.extend(self.unbalanced(doc))
        if len(doc.segments) > 1:
            found = [f for f in found if not _skipped(doc, f.start)]
        yield from found

    # -- 文号 ---------------------------------------------------------------------------

    def doc_numbers(self, doc: Document) -> Iterator[Finding]:
        text, folded = doc.text, doc.folded
        for m in _DOCNO_RE.finditer(folded):
            open_, close = text[m.start(1)], text[m.start(3)]
            year, serial, di, hao = m.group(2), m.group(5), m.group(4), m.group(6) or ""
            agency_start = _agency_start(folded, m.start(1))
            if agency_start is None:
                continue  # no agency code before it: not a 文号
            if not hao and not _docno_ends(folded, m.end()):
                continue  # 〔2019〕19、20号 or some other number
            if len(year) == 2 and (open_, close) != ("〔", "〕"):
                continue  # (19)19: too little to call it a 文号
            agency = text[agency_start:m.start(1)].strip(" \t\u3000")
            full_year = year if len(year) == 4 else _century(year)
            right = f"{agency}〔{full_year}〕{int(serial)}号"
            start, end = agency_start, m.end()
            written = text[start:end]
            if (open_, close) != ("〔", "〕"):
                yield Finding(
                    category="format",
                    rule="format:doc-number-brackets",
                    severity="medium",
                    start=start,
                    end=end,
                    text=written,
                    message=f"发文字号的年份应使用六角括号“〔〕”，不用“{open_}{close}”：应为“{right}”",
                    suggestion=right,
                    confidence=0.9,
                )
                continue
            problems = []
            if len(year) == 2:
                problems.append("年份应标全称（4位）")
            if di:
                problems.append("序号前不加“第”字")
            if serial.startswith("0") and len(serial) > 1:
                problems.append("序号不编虚位（不写作001）")
            if not hao:
                problems.append("序号后缺少“号”字")
            if problems:
                yield Finding(
                    category="format",
                    rule="format:doc-number",
                    severity="low",
                    start=start,
                    end=end,
                    text=written,
                    message=f"发文字号不规范：{'；'.join(problems)}，应为“{right}”",
                    suggestion=right,
                    confidence=0.8,
                )

    # -- dates --------------------------------------------------------------------------

    def dates(self, doc: Document) -> Iterator[Finding]:
        folded = doc.folded
        for yue in _YUE_RE.finditer(folded):
            p = yue.start()
            window = folded[max(0, p - 16):p]
            back = _BACK_NUM.search(window)
            cn = False
            if back is None:
                back = _BACK_CN.search(window)
                cn = True
                if back is None:
                    continue
            start = p - len(window) + back.start()
            if start > 0 and (folded[start - 1] in "0123456789." or (cn and folded[start - 1] in _CN_DIGITS + "十")):
                continue  # part of a longer number
            fwd = (_AFTER_CN if cn else _AFTER_NUM).match(folded, p + 1)
            if cn:
                month = _cn_number(back.group("m"))
                year = _cn_year(back.group("y")) if back.group("y") else None
                day = _cn_number(fwd.group("d")) if fwd else None
                if month is None or day is None:
                    continue  # Chinese numerals only as a full month-and-day date
            else:
                month = int(back.group("m"))
                year = _int(back.group("y"))
                day = int(fwd.group("d")) if fwd else None
            end = fwd.end("dd") if fwd else p + 1
            yield from self._check_date(doc, start, end, year, month, day, fwd)
        if "-" in folded or "." in folded or "/" in folded:
            for m in _NUM_DATE_RE.finditer(folded):
                if m.start() > 0 and folded[m.start() - 1] in "0123456789.":
                    continue
                iso = m.group("sep") == "-" and len(m.group("m")) == 2 and len(m.group("d")) == 2
                # Other dotted/slashed number triples may be versions or codes: only with a weekday.
                if iso or m.group("wday"):
                    year, month, day = int(folded[m.start():m.start() + 4]), int(m.group("m")), int(m.group("d"))
                    yield from self._check_date(doc, m.start(), m.end("d"), year, month, day, m)

    def _check_date(self, doc: Document, start: int, end: int, year, month, day, m) -> Iterator[Finding]:
        """Check one date; ``m`` is the match of what follows the month (day, range, weekday)."""
        text, folded = doc.text, doc.folded
        if day is None and year is None:
            return  # a bare "13月" may be an age (13月龄) or a count
        if _LUNAR_RE.search(folded, max(0, start - 8), start):
            # lunar months have 29 or 30 days (农历二月三十) and no weekday is written for them
            if not 1 <= month <= 12 or (day is not None and not 1 <= day <= 30):
                problem = f"农历没有{month}月{day}日" if day is not None else f"没有{month}月"
                yield Finding(
                    category="format",
                    rule="format:impossible-date",
                    severity="medium",
                    start=start,
                    end=end,
                    text=text[start:end],
                    message=f"日期不存在：“{text[start:end]}”，{problem}",
                    suggestion=f"核实日期（{problem}）",
                    confidence=0.85,
                )
            return
        problem = _impossible(year, month, day)
        if problem:
            written = text[start:end]
            yield Finding(
                category="format",
                rule="format:impossible-date",
                severity="medium",
                start=start,
                end=end,
                text=written,
                message=f"日期不存在：“{written}”，{problem}",
                suggestion=f"核实日期（{problem}）",
                confidence=0.9,
            )
            return
        if m is None:
            return
        groups = m.re.groupindex
        if "rday" in groups and m.group("rday"):
            rday = int(m.group("rday"))
            rproblem = _impossible(year, month, rday)
            if rproblem:
                s, e = m.start("rday"), m.end("rdd")
                yield Finding(
                    category="format",
                    rule="format:impossible-date",
                    severity="medium",
                    start=s,
                    end=e,
                    text=text[s:e],
                    message=f"日期不存在：{month}月{rday}日，{rproblem}",
                    suggestion=f"核实日期（{rproblem}）",
                    confidence=0.85,
                )
            return  # a weekday after a range belongs to the range
        if year is None or day is None or not m.group("wday") or not 1900 <= year <= 2100:
            return
        ws, we = m.start("wword"), m.end("wday")
        wpre = m.group("wpre")
        if "（" in wpre or "(" in wpre:
            # (星期一)至7月12日 is still the date's weekday; (星期一至星期五) is a range
            if not _closes(folded, we) and _WEEKDAY_GOES_ON.match(folded, we):
                return
        elif _WEEKDAY_GOES_ON.match(folded, we):
            return  # 2024年7月1日周一至周五: a range of weekdays
        actual = dt.date(year, month, day).weekday()
        if _WEEKDAY_NUM[m.group("wday")] == actual:
            return
        word = text[ws:m.start("wday")]
        right = word + _WEEKDAY_NAME[actual]
        yield Finding(
            category="format",
            rule="format:weekday",
            severity="medium",
            start=ws,
            end=we,
            text=text[ws:we],
            message=f"星期与日期不符：{year}年{month}月{day}日是{right}，不是{text[ws:we]}",
            suggestion=right,
            confidence=0.9,
        )

    # -- paired punctuation -------------------------------------------------------------

    def unbalanced(self, doc: Document) -> Iterator[Finding]:
        text = doc.text
        if not any(ch in text for ch in "“”‘’（）()《》〔〕【】「」『』〈〉"):
            return
        allowed = _allowed_ranges(doc)
        bad: list[tuple[int, str, bool]] = []  # (offset, kind, is_opener)
        # per kind: leftover openers of the current line, and an opener carried from earlier lines
        stacks: dict[str, list[int]] = {}
        closers: list[tuple[int, str]] = []
        carry: dict[str, tuple[int, int, bool]] = {}
        line_no = 0
        line_start = 0
        seg_k = 0
        for m in _PAIR_RE.finditer(text):
            pos = m.start()
            ch = text[pos]
            if ch == "\n":
                self._end_line(text, line_start, pos, line_no, stacks, closers, carry, bad)
                stacks, closers = {}, []
                line_no += 1
                line_start = pos + 1
                continue
            if allowed is not None:
                while seg_k < len(allowed) and allowed[seg_k][1] <= pos:
                    seg_k += 1
                if seg_k >= len(allowed) or pos < allowed[seg_k][0]:
                    continue
            kind, opener = _PAIRS[ch]
            if opener:
                stacks.setdefault(kind, []).append(pos)
            else:
                stack = stacks.get(kind)
                if stack:
                    opened = stack.pop()
                    if kind in carry and kind in _QUOTE_KINDS and opened == _first_char(text, line_start):
                        # the last paragraph of a quotation over several: “…” closes it
                        del carry[kind]
                elif not _not_a_closer(text, line_start, pos, ch):
                    closers.append((pos, kind))
        self._end_line(text, line_start, len(text), line_no, stacks, closers, carry, bad)
        bad.extend((pos, kind, True) for kind, (pos, _, silent) in carry.items() if not silent)
        for pos, kind, opener in sorted(bad):
            open_ch, close_ch = _PARTNER[kind]
            name = _NAMES[kind]
            ch = text[pos]
            if opener:
                message = f"{name}不成对：“{ch}”没有对应的“{close_ch}”"
                suggestion = f"补上“{close_ch}”或删去“{ch}”"
            else:
                message = f"{name}不成对：“{ch}”前没有对应的“{open_ch}”"
                suggestion = f"补上“{open_ch}”或删去“{ch}”"
            yield Finding(
                category="format",
                rule="format:unbalanced",
                severity="low",
                start=pos,
                end=pos + 1,
                text=ch,
                message=message,
                suggestion=suggestion,
                confidence=0.8,
            )

    @staticmethod
    def _end_line(text, line_start, line_end, line_no, stacks, closers, carry, bad) -> None:
        """Settle a line: pair its leftovers with an opener carried over from an earlier line.

        ``carry`` maps a kind to (offset, line number, silent): an opener still open at the
        end of its line, which a closer on one of the next lines may close (a quotation over
        several paragraphs, a line wrapped inside a bracket). ``silent`` openers (a title cut
        short with an ellipsis) are not reported if they never close.
        """
        first_char = _first_char(text, line_start)
        for pos, kind in closers:
            if carry.pop(kind, None) is None:
                bad.append((pos, kind, False))
        for kind, stack in stacks.items():
            if not stack:
                continue
            held = carry.get(kind)
            if held is not None and stack[0] == first_char and kind in _QUOTE_KINDS:
                # Chinese style: each paragraph of a long quotation reopens the quote.
                carry[kind] = (held[0], line_no, held[2])
                bad.extend((pos, kind, True) for pos in stack[1:])
                continue
            if held is not None:
                if not held[2]:
                    bad.append((held[0], kind, True))
                del carry[kind]
            silent = any(e in text[stack[0]:line_end] for e in _ELLIPSIS)
            if not silent:
                bad.extend((pos, kind, True) for pos in stack[:-1])
            carry[kind] = (stack[-1], line_no, silent)
        for kind, (pos, since, silent) in list(carry.items()):
            if line_no - since >= _CARRY_LINES:
                if not silent:
                    bad.append((pos, kind, True))
                del carry[kind]


# -- helpers ------------------------------------------------------------------------------


def _first_char(text: str, line_start: int) -> int:
    k = line_start
    while k < len(text) and text[k] in " \t\u3000\r":
        k += 1
    return k


def _skipped(doc: Document, offset: int) -> bool:
    seg = doc.segment_at(offset)
    return seg is None or seg.kind in _SKIP_KINDS


def _allowed_ranges(doc: Document) -> list[tuple[int, int]] | None:
    if len(doc.segments) == 1 and doc.segments[0].kind not in _SKIP_KINDS:
        seg = doc.segments[0]
        if seg.start == 0 and seg.end >= len(doc.text):
            return None
    return [(s.start, s.end) for s in doc.segments if s.kind not in _SKIP_KINDS]


def _not_a_closer(text: str, line_start: int, pos: int, ch: str) -> bool:
    """A closing mark that pairs with nothing by design: list markers, apostrophes, primes."""
    before = text[max(line_start, pos - 6):pos]
    if ch in ")）":
        m = _ENUM_RE.search(before)
        if m is not None:
            k = pos - len(before) + m.start()
            return k == line_start or text[k - 1] in _ENUM_BEFORE
        return False
    if ch == "’" and before:
        prev = before[-1]
        return (prev.isascii() and prev.isalnum()) or prev in "°′"
    return False


def _agency_start(folded: str, bracket: int) -> int | None:
    """Start of the agency code (国办发) right before the bracket of a 文号, if there is one."""
    k = bracket
    while k > 0 and folded[k - 1] in " \t\u3000":
        k -= 1
    end = k
    while k > 0 and end - k < 12 and _CJK_RE.match(folded[k - 1]):
        k -= 1
    if k == end:
        return None
    run = folded[k:end]
    cut = _AGENCY_CUT.match(run)
    if cut is not None:
        k += cut.end()
    return k if k < end else None


def _docno_ends(folded: str, end: int) -> bool:
    return end >= len(folded) or folded[end] in _DOCNO_END


def _century(yy: str) -> str:
    return ("20" if int(yy) <= dt.date.today().year % 100 else "19") + yy


def _int(value: str | None) -> int | None:
    return int(value) if value is not None else None


def _cn_number(s: str) -> int | None:
    """一 … 三十一 as an integer; None for forms that are not a number."""
    digits = "〇一二三四五六七八九"
    if "十" not in s:
        return digits.index(s) if len(s) == 1 and s in digits else None
    head, _, tail = s.partition("十")
    if len(head) > 1 or len(tail) > 1 or "十" in tail:
        return None
    tens = digits.index(head) if head else 1
    ones = digits.index(tail) if tail else 0
    if head == "〇" or tail == "〇":
        return None
    return tens * 10 + ones


def _cn_year(s: str) -> int | None:
    try:
        return int("".join(str(_CN_VALUE[c]) for c in s))
    except KeyError:
        return None


def _impossible(year: int | None, month: int, day: int | None) -> str | None:
    if not 1 <= month <= 12:
        return f"没有{month}月"
    if day is None:
        return None
    if day < 1:
        return f"没有{month}月{day}日"
    if year is not None and 1 <= year <= 9999:
        last = calendar.monthrange(year, month)[1]
        if day > last:
            if month == 2 and day == 29:
                return f"{year}年不是闰年，2月只有28天"
            return f"{year}年{month}月只有{last}天"
        return None
    last = 29 if month == 2 else calendar.monthrange(2001, month)[1]
    if day > last:
        return f"{month}月最多{last}天"
    return None


def _closes(folded: str, pos: int) -> bool:
    k = pos
    while k < len(folded) and folded[k] in " \t\u3000":
        k += 1
    return k < len(folded) and folded[k] in ")）"
