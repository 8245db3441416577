"""Check family ``privacy``: personal information in published text, and its masking (脱敏).

Each kind is a compiled pattern over the folded view (same offsets as the text, full-width
digits already ASCII, letters lower case), a validator (region code and birth date, ISO 7064
check character, Luhn, issuer prefix) and context words that raise or lower confidence.
A number an office publishes on purpose (联系电话, 办公地址, 单位邮箱) is not a leak.

``leaks()`` is the one detector: ``analyze`` reports its results, ``mask`` rewrites them.
``mask`` rewrites exactly what the default profile reports (confidence >= 0.5), so a text
without reported leaks comes back unchanged and masking twice changes nothing more.
"""

from __future__ import annotations

import datetime as dt
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from itertools import accumulate
from pathlib import Path

from ..base import Recognizer
from ..document import Document
from ..findings import Finding
from ..lexicon import Hit
from ..normalize import fold
from ..packs import PackError, RuleSet, read_yaml_mapping

#: the default profile's floor: what ``check`` reports is what ``mask`` rewrites
MASK_MIN_CONFIDENCE = 0.5
MASK = "*"

_CJK = "\u3400-\u4dbf\u4e00-\u9fff"
_CJK_RE = re.compile(f"[{_CJK}]")
_LAST_CLAUSE_END = re.compile(r"(?s).*[。；;！!？?\n]")
_CLAUSE_OR_COMMA = re.compile(r"[。；;！!？?\n，,]")
_LAST_SENTENCE_END = re.compile(r"(?s).*[。！!？?]")
_SENTENCE_END_RE = re.compile(r"[。！!？?]")
_KEEP_DIGITS = {c: None for c in range(0x110) if not chr(c).isdigit()}

_PROVINCE_CHARS = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_ANCHOR_CHARS = "路街巷弄村组道段屯庄里同区园寓苑舍"
# One scan over the folded text finds every place worth a closer look: a blob of digits and
# separators, a letter followed by 7–8 digits, a province followed by a plate, a road/estate
# word followed by a number. A single leading character class keeps the scan on the regex
# engine's fast first-character search (one pass instead of four).
_SWEEP = re.compile(
    f"[0-9+cdeghmps{_PROVINCE_CHARS}{_ANCHOR_CHARS}]"
    r"(?:(?<=[0-9+])[0-9 +\-x]{6,}"
    r"|(?<=[cdeghmps])(?<![0-9a-z].)[a-z]?[0-9]{7,8}(?![0-9a-z])"
    f"|(?<=[{_PROVINCE_CHARS}])[a-hj-np-z][·・•. ]?[0-9a-hj-np-z]{{5,6}}(?![0-9a-z])"
    f"|(?<=[{_ANCHOR_CHARS}])(?=[0-9a-z一二三四五六七八九十]))"
)
_PROVINCE_SET = frozenset(_PROVINCE_CHARS)
_NUMBER = re.compile(
    r"(?<![0-9])(?:"
    r"(?P<mob>(?P<cc>(?:\+|00)86[ \-]?)?1[3-9][0-9](?P<sep>[ \-]?)[0-9]{4}(?P=sep)[0-9]{4})"
    r"|(?P<grp>[0-9]{4}(?:[ \-][0-9]{4}){3}(?:[ \-]?[0-9]{1,3})?)"
    r"|(?P<sid>[0-9]{6}(?P<isep>[ \-])[0-9]{8}(?P=isep)[0-9]{3}[0-9x])"
    r"|(?P<tel>0[0-9]{2,3}-[0-9]{7,8})"
    r"|(?P<run>[0-9]{17}x|[0-9]{7,19})"
    r")(?![0-9])"
)
# Re-matched where the sweep found them, for their parts.
_DOC_NO = re.compile(r"[cdeghmps](?P<letter>[a-z]?)[0-9]{7,8}")
_PLATE = re.compile(f"[{_PROVINCE_CHARS}][a-hj-np-z][·・•. ]?(?P<body>[0-9a-hj-np-z]{{5,6}})")
_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"'，。；、）)】」]+")
_EMAIL_LOCAL = re.compile(r"[a-z0-9][a-z0-9._%+\-]{0,63}$")
_EMAIL_DOMAIN = re.compile(r"[a-z0-9](?:[a-z0-9\-]{0,62}\.)+[a-z]{2,}")
# A house number after a road/lane/village (路12号), or a flat in a residential estate (小区3栋…室).
# The scan looks for the anchor character only; the rest is matched where it is found.
_ROAD_CHARS = frozenset("路街巷弄村组道段屯庄里同")
_ESTATES = frozenset({"小区", "花园", "家园", "新村", "公寓", "宿舍"})
_HOUSE_NO = re.compile(r"[0-9]{1,5}(?:-[0-9]{1,5})?号")
_BUILDING = re.compile(r"(?:[0-9]{1,4}|[a-z]|[一二三四五六七八九十]{1,3})(?:栋|幢|座|号楼)")
_ADDRESS_TAIL = re.compile(
    r"(?:院)?(?:(?:[0-9]{1,5}|[a-z]|[一二三四五六七八九十]{1,3})(?:栋|幢|座|号楼|楼|单元|层|室|房|户))*"
    r"(?:[0-9]{1,5}(?:-[0-9]{1,5})+(?:室|房|户)?)?(?:附[0-9]{1,4}号)?"
)
# Where the name of a road stops, going left: the township/district level, a label, punctuation.
# 和/于/从 are not stops: 和平村, 于都路.
_ADDRESS_STOP = set("镇乡区县市州省旗盟号室栋幢座层户住在至与及或、，,。；;：:（）()[]【】“”\"' \t\n")
_UNIT_AFTER = re.compile(
    r"\s*(?:元|万|亿|千|百|人|户|吨|个|次|台|件|条|份|项|笔|米|公里|平方|亩|斤|克|%|‰|字|页|辆|册|张|倍|kg|km|kw)"
)
_ADMIN_LEVEL = frozenset("镇乡区县市州省旗盟")
_ADDRESS_LEFT_STOP = frozenset("：:，,。；;（()[]【】\n\t 、“”\"'住在于是为")
_HOLDER_LABEL = re.compile(r"(?s).*(户名|收款人|开户名称|账户名称|帐户名称|收款方)")
_NOT_NUMBER_BEFORE = set("¥￥$第#№")
_NOT_NAME_CHARS = set(
    "的了是在与及或等为对年月日省市县区镇乡村街路号栋室局委办厅部处科股所站院校会队组元万亿个户项次单表类型式"
    "性度率额数量证卡码址话机电网件份期届级共计总各每些这那其此该本上下内外第"
)
_PROVINCES = frozenset({
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41", "42", "43",
    "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71", "81", "82",
})
_LUHN_DOUBLE = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)
_LIST_REACH = 500  # characters before a number searched for the words of a list (公示, 低保…)
_NEIGHBOUR_REACH = 200  # other personal numbers this close make a table of people


@lru_cache(maxsize=1)
def _region_codes() -> frozenset[str]:
    """Every county-level code (GB/T 2260) ever in use, from python-stdnum's region data."""
    raw = resources.files("stdnum").joinpath("cn/loc.dat").read_text(encoding="utf-8")
    codes: set[str] = set()
    province = ""
    # Two levels: "11 province=…" then indented "  0101 county=…".
    for top, sub in re.findall(r"^(?:([0-9]{2}) |\s+([0-9]{4}) )", raw, re.M):
        if top:
            province = top
        else:
            codes.add(province + sub)
    return frozenset(codes)


def id_check_char(first17: str) -> str:
    """GB 11643 / ISO 7064 MOD 11-2 check character of the first 17 digits (lower-case x)."""
    # Σ digit·2^(17-i) mod 11 equals the weighted sum; reading the digits in base 13 is the fast way to it.
    return "10x98765432"[(2 * int(first17, 13)) % 11]


def luhn_ok(digits: str) -> bool:
    """The Luhn (mod 10) check of a card number."""
    rev = digits[::-1]
    return (sum(map(int, rev[0::2])) + sum(_LUHN_DOUBLE[int(c)] for c in rev[1::2])) % 10 == 0


def card_issuer(digits: str) -> str | None:
    """The card scheme a number's prefix belongs to, or None when no issuer uses it."""
    if digits.startswith(("62", "60", "9558", "9559", "9555")):
        return "银联"
    if digits[0] == "4":
        return "Visa"
    # MasterCard's 2221–2720 range is left out: in China those digits start organisations' accounts.
    if digits[0] == "5":
        return "MasterCard"
    if digits.startswith(("35", "30", "36", "38")):
        return "JCB/Diners"
    if digits.startswith(("34", "37")):
        return "American Express"
    return None


def _mask_chars(span: str, folded: str, head: int, tail: int) -> str:
    """Replace the letters/digits of ``span`` except the first ``head`` and last ``tail`` of them."""
    n = len(span)
    if folded.isascii() and folded.isalnum():  # the common case: no separators
        return span[:head] + MASK * (n - head - tail) + span[n - tail:] if n > head + tail else span
    idx = [i for i, c in enumerate(folded) if c.isascii() and c.isalnum()]
    hide = set(idx[head:len(idx) - tail]) if len(idx) > head + tail else set()
    return "".join(MASK if i in hide else c for i, c in enumerate(span))


@dataclass(slots=True)
class Leak:
    """One piece of personal information found, with the text that replaces it when masked."""

    kind: str
    start: int
    end: int
    severity: str
    confidence: float
    message: str
    suggestion: str | None
    masked: str | None

    @property
    def rule(self) -> str:
        return f"privacy:{self.kind}"


@dataclass(slots=True)
class _Cand:
    kind: str
    start: int
    end: int
    confidence: float = 0.9
    info: dict = field(default_factory=dict)


_PRIORITY = {
    "id_card": 0, "id_card_15": 1, "bank_card": 2, "email": 3, "mobile": 4, "landline": 5, "passport": 6,
    "permit": 7, "address": 8, "plate": 9,
}


class _Scan:
    """The state of one text's scan: text, folded view and the candidates found so far."""

    def __init__(self, rec: PrivacyRecognizer, text: str, folded: str, today: dt.date):
        self.rec = rec
        self.text = text
        self.folded = folded
        self.today = today
        self.excluded: list[tuple[int, int]] = []
        self._ex_starts: list[int] = []
        self._ex_ends: list[int] = []

    # -- context helpers -------------------------------------------------------------------
    def close_exclusions(self) -> None:
        """Merge the excluded spans (URLs, e-mail addresses) for bisecting."""
        for s, e in sorted(self.excluded):
            if self._ex_ends and s < self._ex_ends[-1]:
                self._ex_ends[-1] = max(self._ex_ends[-1], e)
            else:
                self._ex_starts.append(s)
                self._ex_ends.append(e)

    def is_excluded(self, start: int, end: int) -> bool:
        k = bisect_left(self._ex_starts, end) - 1
        return k >= 0 and self._ex_ends[k] > start

    def clause_before(self, start: int, reach: int = 20) -> str:
        left = self.folded[max(0, start - reach):start]
        m = _LAST_CLAUSE_END.match(left)
        return left[m.end():] if m else left

    def clause_after(self, end: int, reach: int = 12) -> str:
        m = _CLAUSE_OR_COMMA.search(self.folded, end, end + reach)
        return self.folded[end:m.start() if m else end + reach]

    def row(self, start: int, end: int, before: int = 60, after: int = 40) -> tuple[int, int]:
        """The table row / line around a span (an HTML cell alone on its line takes the cells before)."""
        f = self.folded
        rs = f.rfind("\n", 0, start) + 1
        if not _CJK_RE.search(f, rs, start):
            # The number sits alone in its cell: the person's name is in one of the cells before.
            for _ in range(3):
                if rs <= 0:
                    break
                rs = f.rfind("\n", 0, rs - 1) + 1
        rs = max(rs, start - before)
        re_ = f.find("\n", end)
        re_ = min(len(f) if re_ < 0 else re_, end + after)
        return rs, re_

    def block(self, start: int, end: int, reach: int = 80) -> tuple[int, int]:
        """The record around a span: up to ``reach`` characters, not across a blank line or a full stop."""
        f = self.folded
        lo = max(0, start - reach)
        bs = max(f.rfind("\n\n", lo, start) + 2, f.rfind("。", lo, start) + 1, lo)
        hi = min(len(f), end + reach)
        ends = [k for k in (f.find("\n\n", end, hi), f.find("。", end, hi)) if k >= 0]
        return bs, min(ends) if ends else hi

    def field_line(self, start: int, end: int) -> bool:
        """The span sits on a short line of its own (手机：138…), as in a record written one field a line.

        Such a line belongs to the record above it; a long line (公示期间如有异议，请联系…) is prose.
        """
        f = self.folded
        ls = f.rfind("\n", 0, start) + 1
        le = f.find("\n", end)
        return (len(f) if le < 0 else le) - ls <= 30

    def has_name(self, start: int, end: int, rs: int, re_: int) -> bool:
        """A personal name in the row ``[rs, re_)`` of a span, within its sentence."""
        f = self.folded
        m = _LAST_SENTENCE_END.match(f, rs, start)
        if m:
            rs = m.end()
        m = _SENTENCE_END_RE.search(f, end, re_)
        if m:
            re_ = m.start()
        return self.rec.find_name(f[rs:re_]) is not None

    def owner_context(self, start: int, cands: list[_Cand], reach: int = 200) -> str:
        """The record before a contact number: back to a blank line or the previous number."""
        f = self.folded
        blank = f.rfind("\n\n", 0, start)
        lo = max(0, start - reach, blank + 2 if blank >= 0 else 0)
        for x in cands:
            if x.end <= start and x.end > lo:
                lo = x.end
        return f[lo:start]

    def any_word(self, key: str, start: int, end: int) -> bool:
        """A word of the context list ``key`` in ``folded[start:end]``."""
        return self.rec.rx[key].search(self.folded, max(0, start), max(0, end)) is not None

    # -- finders ---------------------------------------------------------------------------
    def urls_and_emails(self) -> list[_Cand]:
        """Personal e-mail addresses; URLs and all e-mail addresses are closed to the number finders."""
        f = self.folded
        urls: list[tuple[int, int]] = []
        for prefix in ("http", "www."):
            k = f.find(prefix)
            while k >= 0:
                m = _URL.match(f, k)
                if m and not (urls and urls[-1][0] <= k < urls[-1][1]):
                    urls.append(m.span())
                k = f.find(prefix, m.end() if m else k + 1)
        self.excluded.extend(urls)
        urls.sort()
        url_starts = [us for us, _ in urls]
        # Longest reach of the URLs starting at or before each one: an overlap test by bisection.
        url_reach = list(accumulate((ue for _, ue in urls), max))
        emails: list[_Cand] = []
        at = f.find("@")
        while at >= 0:
            local = _EMAIL_LOCAL.search(f, max(0, at - 64), at)
            dom = _EMAIL_DOMAIN.match(f, at + 1)
            if local and dom:
                s, e = local.start(), dom.end()
                j = bisect_left(url_starts, e) - 1
                inside_url = j >= 0 and url_reach[j] > s
                self.excluded.append((s, e))
                if not inside_url and self.rec.personal_domain(dom.group()):
                    emails.append(_Cand("email", s, e))
            at = f.find("@", at + 1)
        self.close_exclusions()
        return emails

    def sweep(self) -> list[_Cand]:
        """Candidates of every kind but e-mail, from one scan of the folded text."""
        out: list[_Cand] = []
        f = self.folded
        for m in _SWEEP.finditer(f):
            s, e = m.span()
            ch = f[s]
            if ch in "0123456789+":
                out.extend(self.numbers(s, e))
            elif ch.isascii():
                cand = self.document(s, e)
                if cand is not None:
                    out.append(cand)
            elif ch in _PROVINCE_SET:
                cand = self.plate(s, e)
                if cand is not None:
                    out.append(cand)
            else:
                cand = self.address(s)
                if cand is not None:
                    out.append(cand)
        return out

    def numbers(self, bs: int, be: int) -> list[_Cand]:
        out: list[_Cand] = []
        f = self.folded
        for m in _NUMBER.finditer(f, bs, be):
            s, e = m.span()
            if self.is_excluded(s, e):
                continue
            if m.group("mob") is not None:
                cand = self.mobile(m.group("mob"), len(m.group("cc") or ""), s, e)
            elif m.group("grp") is not None:
                cand = self.card(m.group("grp").replace(" ", "").replace("-", ""), s, e, grouped=True)
            elif m.group("sid") is not None:
                cand = self.run(m.group("sid").replace(m.group("isep"), ""), s, e)
            elif m.group("tel") is not None:
                cand = _Cand("landline", s, e, info={"area": m.group("tel").index("-")})
            else:
                cand = self.run(m.group("run"), s, e)
            if cand is not None:
                out.append(cand)
        return out

    def mobile(self, raw: str, prefix: int, s: int, e: int) -> _Cand | None:
        digits = raw.translate(_KEEP_DIGITS)[-11:]
        f = self.folded
        if digits in self.rec.public_numbers or digits[3:].count("0") >= 6:
            return None
        if s > 0 and f[s - 1] in _NOT_NUMBER_BEFORE:
            return None
        if _UNIT_AFTER.match(f, e) or (e + 1 < len(f) and f[e] == "." and f[e + 1].isdigit()):
            return None
        return _Cand("mobile", s, e, 0.85, {"prefix": prefix})

    def run(self, run: str, s: int, e: int) -> _Cand | None:
        n = len(run)
        if n == 18:
            conf = self.id18(run)
            if conf is not None:
                if self.any_word("uscc_labels", s - 16, s) and _uscc_valid(run):
                    return None
                return _Cand("id_card", s, e, conf)
            card = self.card(run, s, e) if run[-1] != "x" else None
            return card or self.id18_suspect(run, s, e)
        if n == 15:
            return self.id15(run, s, e)
        if 16 <= n <= 19:
            return self.card(run, s, e)
        if 10 <= n <= 12 and run[0] == "0" and run[1] != "0":
            return _Cand("landline", s, e, info={"area": 3 if run[1] in "12" else 4})
        return None

    def birth_ok(self, year: int, month: int, day: int) -> bool:
        try:
            born = dt.date(year, month, day)
        except ValueError:
            return False
        return year >= 1900 and born <= self.today

    def id18(self, d: str) -> float | None:
        if d[:2] not in _PROVINCES or not self.birth_ok(int(d[6:10]), int(d[10:12]), int(d[12:14])):
            return None
        if id_check_char(d[:17]) != d[17]:
            return None
        # A valid check character and date with an unknown county is still most likely an ID.
        return 0.98 if d[:6] in self.rec.regions else 0.8

    def id18_suspect(self, d: str, s: int, e: int) -> _Cand | None:
        """Region and birth date right but the check character wrong: a mistyped (or invented) ID."""
        if d[:6] not in self.rec.regions or not self.birth_ok(int(d[6:10]), int(d[10:12]), int(d[12:14])):
            return None
        before = self.clause_before(s, 16)
        has = self.rec.has
        if has("number_negative", before) or has("card_context", before) or has("uscc_labels", before):
            return None
        conf = 0.8 if has("id_context", before) else 0.55
        return _Cand("id_card", s, e, conf, {"bad_check": True})

    def id15(self, d: str, s: int, e: int) -> _Cand | None:
        if d[:6] not in self.rec.regions or not self.birth_ok(1900 + int(d[6:8]), int(d[8:10]), int(d[10:12])):
            return None
        before = self.clause_before(s, 16)
        rec = self.rec
        if rec.has("number_negative", before) or rec.has("card_context", before):
            return None
        # No check character: only the context says it is an ID rather than some other number.
        conf = 0.95 if rec.has("id_context", before) else 0.7
        return _Cand("id_card_15", s, e, conf)

    def card(self, d: str, s: int, e: int, grouped: bool = False) -> _Cand | None:
        issuer = card_issuer(d) if 16 <= len(d) <= 19 else None
        if issuer is None or not luhn_ok(d):
            return None
        rec = self.rec
        before = self.clause_before(s, 16)
        if rec.has("number_negative", before):
            return None
        if self.org_account(s):
            return None
        if rec.has("card_context", before):
            conf = 0.95
        elif grouped:
            # Four-digit groups also fit rows of statistics: without context only the common issuers.
            if d[0] in "23":
                return None
            conf = 0.6
        else:
            conf = 0.7
        return _Cand("bank_card", s, e, conf, {"issuer": issuer})

    def org_account(self, s: int) -> bool:
        """The account of an organisation (户名：某某财政局 / 对公账户), published for payments."""
        left = self.folded[max(0, s - 60):s]
        if self.rec.has("org_account", left):
            return True
        m = _HOLDER_LABEL.search(left)
        if m is None:
            return False
        holder = left[m.end():]
        cut = [i for i in (holder.find(c) for c in "，,；;\n ") if i > 1]
        holder = holder[:min(cut)] if cut else holder[:24]
        return self.rec.has("org_words", holder)

    def document(self, s: int, e: int) -> _Cand | None:
        """Passports (E/G + 8 digits, E + letter + 7; D/S/P service passports) and 港澳台 permits (C/H/M)."""
        f = self.folded
        m = _DOC_NO.fullmatch(f, s, e)
        if m is None or self.is_excluded(s, e) or self.text[s].islower():
            return None
        first, letter = f[s], m.group("letter")
        if (e - s - 1 - len(letter) == 8) == bool(letter):
            return None  # a letter then 7 digits, or 8 digits alone
        has = self.rec.has
        before = f[max(0, s - 16):s]
        if first in "chm" and has("permit_context", before):
            return _Cand("permit", s, e, 0.85)
        if first in "egdsp" and has("passport_context", before):
            return _Cand("passport", s, e, 0.9)
        if has("number_negative", before):
            return None
        if first in "eg":
            return _Cand("passport", s, e, 0.55)
        # Without context a D/S/P or C/H/M code is as likely a product or file code.
        return _Cand("passport" if first in "dsp" else "permit", s, e, 0.35 if first in "dsp" else 0.3)

    def plate(self, s: int, e: int) -> _Cand | None:
        f = self.folded
        body = _PLATE.fullmatch(f, s, e).group("body")
        digits = sum(c.isdigit() for c in body)
        if len(body) - digits > 2 or digits < 3 or self.is_excluded(s, e):
            return None
        if len(body) == 6 and not (body[0] in "df" or body[-1] in "df"):
            return None  # six characters only on new-energy plates (D/F first or last)
        # Plates are written in capitals: "新Windows" is a word, not 新W…
        if any(c.islower() for c in self.text[s:e]):
            return None
        conf = 0.9 if self.any_word("plate_context", s - 12, s) else 0.7
        return _Cand("plate", s, e, conf)

    def address(self, anchor: int) -> _Cand | None:
        """A house number after a road/village word, or a flat in an estate; None for offices and shops."""
        f = self.folded
        rec = self.rec
        ch = f[anchor]
        m = None
        estate = False
        if ch in _ROAD_CHARS and (ch != "同" or f[anchor - 1:anchor] == "胡"):
            m = _HOUSE_NO.match(f, anchor + 1)
            anchor -= ch == "同"
        if m is None and (ch == "苑" or f[anchor - 1:anchor + 1] in _ESTATES):
            m = _BUILDING.match(f, anchor + 1)
            estate = m is not None
            anchor -= ch != "苑"
        if m is None:
            return None
        tail = _ADDRESS_TAIL.match(f, m.end())
        e = tail.end() if tail else m.end()
        rest = f[m.end():e]
        if estate and not re.search(r"室|户|房|-[0-9]", rest):
            return None  # a building of an estate is not yet one household
        s = anchor
        if f[anchor] in "组巷弄段里":  # 3组, 128弄: the number belongs to the name
            while s > anchor - 3 and f[s - 1:s].isdigit():
                s -= 1
        limit = max(0, anchor - 14)
        while s > limit:
            c = f[s - 1]
            if c in _ADDRESS_STOP or f[s - 2:s] == "街道" or not _CJK_RE.match(c):
                break
            s -= 1
        if self.is_excluded(s, e):
            return None
        before = self.clause_before(s, 24)
        if rec.has("office_labels", before):
            return None
        after = self.clause_after(e, 12)
        if rec.has("address_org_words", f"{rest}|{after}|{before[-8:]}"):
            return None  # an office, shop or site: 12号市行政中心, 政务服务中心（…8号）
        home = rec.has("home_labels", before)
        # A labelled home address is sure; a flat number (…单元501室) is a household; a bare street
        # number in a notice is usually a venue. The person's row decides the rest (see _judge).
        conf = 0.9 if home else 0.55 if re.search(r"室|单元|户|房|-[0-9]", rest) else 0.45
        # The finding covers the whole address; what stays public is the part down to the
        # township/street (家庭住址只公开到乡镇/街道).
        keep_from = s
        if f[s - 1:s] in _ADMIN_LEVEL or f[s - 2:s] == "街道":
            while keep_from > max(0, s - 16) and f[keep_from - 1] not in _ADDRESS_LEFT_STOP:
                keep_from -= 1
        return _Cand("address", keep_from, e, conf, {"kept": self.text[keep_from:s], "home": home})


def _others(cands: list[_Cand], starts: list[int], c: _Cand, kinds: tuple[str, ...], lo: int, hi: int) -> list[_Cand]:
    """Other candidates of ``kinds`` starting in ``[lo, hi]`` that are not an office's contact details."""
    i, j = bisect_left(starts, lo), bisect_right(starts, hi)
    return [x for x in cands[i:j] if x is not c and x.kind in kinds and not x.info.get("contact")]


def _labelled(clause: str, labels: Iterable[str]) -> bool:
    """A label in the clause that is not someone's (他的电话, 其邮箱 belong to a person)."""
    for label in labels:
        k = clause.rfind(label)
        if k >= 0 and clause[k - 1:k] not in ("的", "其"):
            return True
    return False


def _uscc_valid(code: str) -> bool:
    from stdnum.cn import uscc

    return uscc.is_valid(code.upper())


def _load_lines(path: Path) -> list[str]:
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise PackError(f"{path}: cannot read privacy data: {exc}") from exc
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


class PrivacyRecognizer(Recognizer):
    family = "privacy"

    def __init__(self, rules: RuleSet):
        super().__init__(rules)
        self.regions = _region_codes()
        self.words: dict[str, list[str]] = {}
        surnames: list[str] = []
        domains: list[str] = []
        for path in rules.data_files("privacy", ".txt", ".yaml", ".yml"):
            if path.suffix.lower() == ".txt":
                if path.stem.startswith("surnames"):
                    surnames.extend(_load_lines(path))
                elif path.stem.startswith("email_domains"):
                    domains.extend(line.lower() for line in _load_lines(path))
                continue
            raw = read_yaml_mapping(path, "privacy context (a mapping of word lists)")
            for key, value in raw.items():
                if not isinstance(value, list):
                    raise PackError(f"{path}: '{key}' must be a list")
                self.words.setdefault(str(key), []).extend(fold(str(v)) for v in value)
        for key in (
            "contact_labels", "personal_labels", "list_words", "card_context", "number_negative", "org_account",
            "org_words", "id_context", "passport_context", "permit_context", "home_labels", "office_labels",
            "address_org_words", "public_numbers", "not_names", "uscc_labels", "plate_context",
            "owner_official", "owner_personal", "resume_words",
        ):
            self.words.setdefault(key, [])
        # One alternation per list: a context test is one regex search, not a loop over words.
        self.rx = {
            key: re.compile("|".join(map(re.escape, sorted(set(words), key=len, reverse=True))) or "(?!)")
            for key, words in self.words.items()
        }
        self.public_numbers = frozenset(self.words["public_numbers"])
        self.not_names = frozenset(self.words["not_names"])
        self.email_domains = frozenset(domains)
        compound = sorted({s for s in surnames if len(s) > 1}, key=len, reverse=True)
        single = "".join(sorted({s for s in surnames if len(s) == 1}))
        given = f"[{_CJK}*×]"
        alts = [f"(?:{'|'.join(map(re.escape, compound))}){given}{{1,2}}"] if compound else []
        if single:
            alts.append(f"[{re.escape(single)}]{given}{{1,2}}")
        # A name stands alone, or right after a label (申请人黄某某) or before 的 (李明的邮箱).
        self._name_re = re.compile(
            f"(?:(?<![{_CJK}])|(?<=[人主者属]))(?:{'|'.join(alts) or '(?!)'})(?:(?![{_CJK}])|(?=的))"
        )

    # -- data lookups used by the scan -------------------------------------------------------
    def has(self, key: str, text: str) -> bool:
        """A word of the context list ``key`` occurs in ``text``."""
        return self.rx[key].search(text) is not None

    def personal_domain(self, domain: str) -> bool:
        parts = domain.split(".")
        return any(".".join(parts[i:]) in self.email_domains for i in range(len(parts) - 1))

    def find_name(self, folded: str) -> str | None:
        """A personal name (surname + 1–2 characters, standing alone) in a folded text."""
        for m in self._name_re.finditer(folded):
            token = m.group()
            if token in self.not_names or any(c in _NOT_NAME_CHARS for c in token[1:]):
                continue
            return token
        return None

    def _owner(self, owner: str) -> str | None:
        """Whose number follows a contact label: "person", "office" or None (undecided).

        The nearer of an office word and a person word before it decides; with neither, two
        fields of a résumé (出生年月, 学历…) make it the person's.
        """
        official = max((m.end() for m in self.rx["owner_official"].finditer(owner)), default=-1)
        personal = max((m.end() for m in self.rx["owner_personal"].finditer(owner)), default=-1)
        if personal > official:
            return "person"
        if official >= 0:
            return "office"
        resume = {m.group() for m in self.rx["resume_words"].finditer(owner)}
        return "person" if len(resume) >= 2 else None

    # -- the detector ----------------------------------------------------------------------
    def leaks(self, text: str, folded: str | None = None, today: dt.date | None = None) -> list[Leak]:
        """Every piece of personal information in ``text``, non-overlapping, in text order."""
        if folded is None:
            folded = fold(text)
        scan = _Scan(self, text, folded, today or dt.date.today())
        cands = scan.urls_and_emails()
        cands += scan.sweep()
        if not cands:
            return []
        cands = self._resolve_overlaps(cands)
        starts = [c.start for c in cands]
        w = self.words
        strong = ("id_card", "id_card_15", "bank_card")
        for c in cands:
            span = c.start, c.end
            rs, re_ = scan.row(*span)
            c.info["row"] = (rs, re_)
            hard = (
                bool(_others(cands, starts, c, strong, rs, re_))
                or (scan.field_line(c.start, c.end) and bool(_others(cands, starts, c, strong, *scan.block(*span))))
                or any(x.info.get("home") for x in _others(cands, starts, c, ("address",), rs, re_))
            )
            c.info["personal_row"] = hard or scan.any_word("personal_labels", rs, re_)
            if c.kind == "landline" and not c.info["personal_row"]:
                c.info["drop"] = True  # an office number: most numbers in a notice, so decided cheaply
                continue
            c.info["named"] = scan.has_name(c.start, c.end, rs, re_)
            if c.kind in ("mobile", "email"):
                # An office's published contact number or mailbox: labelled, in a row without personal data.
                label = scan.clause_before(c.start, 20)
                labelled = _labelled(label, w["contact_labels"])
                c.info["contact"] = not c.info["personal_row"] and labelled
                if labelled:
                    # Whose number the label introduces: the record before it decides.
                    owner = scan.owner_context(c.start, cands)
                    verdict = self._owner(owner)
                    if c.info["contact"] and verdict == "person":
                        # 户主…联系电话, a résumé's 联系电话, 个人邮箱: the person's own number
                        c.info["contact"] = False
                        c.info["personal_row"] = True
                        c.info["named"] = c.info["named"] or self.find_name(owner) is not None
                    elif not c.info["contact"] and not hard and verdict == "office":
                        # 户主…；镇民政办联系电话：… on the same line: the office's number
                        c.info["contact"] = True
                        c.info["personal_row"] = False
        cands = [c for c in cands if not c.info.get("drop")]
        starts = [c.start for c in cands]
        reach = _NEIGHBOUR_REACH
        for c in cands:
            c.info["table"] = c.info["named"] and (
                c.info["personal_row"]
                or bool(_others(cands, starts, c, (*strong, "mobile"), c.start - reach, c.end + reach))
                or scan.any_word("list_words", c.start - _LIST_REACH, c.info["row"][1])
            )
        return [leak for leak in (self._judge(scan, c) for c in cands) if leak is not None]

    @staticmethod
    def _resolve_overlaps(cands: list[_Cand]) -> list[_Cand]:
        """Keep the strongest kind where candidates overlap (an e-mail over the mobile inside it)."""
        cands.sort(key=lambda c: c.start)
        kept: list[_Cand] = []
        cluster: list[_Cand] = []
        reach = -1
        for cand in [*cands, None]:
            if cand is not None and cand.start < reach:
                cluster.append(cand)
                reach = max(reach, cand.end)
                continue
            if len(cluster) == 1:
                kept.append(cluster[0])
            elif cluster:
                chosen: list[_Cand] = []
                for c in sorted(cluster, key=lambda c: (_PRIORITY[c.kind], c.start - c.end, c.start)):
                    if not any(k.start < c.end and c.start < k.end for k in chosen):
                        chosen.append(c)
                kept.extend(sorted(chosen, key=lambda c: c.start))
            if cand is not None:
                cluster, reach = [cand], cand.end
        return kept

    def _judge(self, scan: _Scan, c: _Cand) -> Leak | None:
        """Severity, confidence, message and masked form of a candidate, from its context."""
        span, fspan = scan.text[c.start:c.end], scan.folded[c.start:c.end]
        named, table, personal_row = c.info["named"], c.info["table"], c.info["personal_row"]
        kind = c.kind

        if kind in ("id_card", "id_card_15"):
            tail = 4 if kind == "id_card" else 3
            masked = _mask_chars(span, fspan, 6, tail)
            what = "完整身份证号码" if kind == "id_card" else "15位旧版身份证号码"
            if c.info.get("bad_check"):
                what = "疑似身份证号码（地区码和出生日期有效，校验位不符）"
            msg = f"公示名单中含姓名及{what}" if table else f"公开内容含{what}"
            sug = f"脱敏为 {masked}（保留前6位和后{tail}位）"
            sev = "medium" if c.confidence < 0.6 and not named else "high"
            if kind == "id_card" and not c.info.get("bad_check") and c.confidence >= 0.9:
                # A citizen's full, valid ID number on a public page is a leak (泄露) in the
                # inspection indicators' single-veto class, and must stop publication.
                sev = "veto"
            return Leak(kind, c.start, c.end, sev, c.confidence, msg, sug, masked)

        if kind == "bank_card":
            masked = _mask_chars(span, fspan, 6, 4)
            conf = max(c.confidence, 0.9) if named else c.confidence
            msg = "公示名单中含姓名及银行卡号" if table else f"公开内容含银行卡号（{c.info['issuer']}，通过Luhn校验）"
            return Leak(kind, c.start, c.end, "high", conf, msg, f"脱敏为 {masked}（保留前6位和后4位）", masked)

        if kind == "mobile":
            prefix = c.info.get("prefix", 0)
            masked = span[:prefix] + _mask_chars(span[prefix:], fspan[prefix:], 3, 4)
            if c.info["contact"]:
                # Expected on a notice: shown only to a careful proof-read (strict profile), never masked.
                return Leak(
                    kind, c.start, c.end, "low", 0.4, "公开的联系电话为手机号码，请确认是单位公开的联系方式",
                    f"如为个人手机号码，脱敏为 {masked}", None,
                )
            if table:
                sev, conf, msg = "high", 0.95, "公示名单中含姓名及个人手机号码"
            elif named:
                sev, conf, msg = "high", 0.9, "公开内容含姓名及个人手机号码"
            else:
                sev, conf, msg = "medium", c.confidence, "公开内容含个人手机号码"
            return Leak(kind, c.start, c.end, sev, conf, msg, f"脱敏为 {masked}", masked)

        if kind == "landline":
            # Office numbers are public; only a number in a row of a person's data is personal.
            if not (named and personal_row):
                return None
            area = c.info.get("area", 4)
            masked = _mask_chars(span, fspan, area, 4)
            msg = "公示名单中含个人固定电话" if table else "公开内容含个人固定电话（住宅电话）"
            return Leak(kind, c.start, c.end, "medium", 0.8, msg, f"脱敏为 {masked}", masked)

        if kind == "email":
            masked = span[0] + "***" + span[span.index("@"):]
            if c.info["contact"]:
                return Leak(
                    kind, c.start, c.end, "low", 0.4, "公开的联系邮箱为个人邮箱域名，请确认是单位公开的联系方式",
                    f"如为个人邮箱，脱敏为 {masked}", None,
                )
            sev, msg = ("high", "公示名单中含姓名及个人电子邮箱") if table else ("medium", "公开内容含个人电子邮箱")
            return Leak(kind, c.start, c.end, sev, 0.75 if not table else 0.9, msg, f"脱敏为 {masked}", masked)

        if kind in ("passport", "permit"):
            masked = _mask_chars(span, fspan, 2, 2)
            what = "护照号码" if kind == "passport" else "港澳台通行证号码"
            conf = max(c.confidence, 0.8) if table else c.confidence
            sev = "high" if conf >= 0.8 else ("medium" if conf >= 0.5 else "low")
            msg = f"公示名单中含姓名及{what}" if table else f"公开内容含{what}"
            return Leak(kind, c.start, c.end, sev, conf, msg, f"脱敏为 {masked}（保留前2位和后2位）", masked)

        if kind == "plate":
            masked = _mask_chars(span, fspan, 1, 2)
            return Leak(kind, c.start, c.end, "low", c.confidence, "公开内容含机动车号牌", f"脱敏为 {masked}", masked)

        if kind == "address":
            kept = c.info.get("kept", "")
            masked = kept + "***"
            if table:
                sev, conf, msg = "high", 0.95, "公示名单中含姓名及家庭住址门牌号"
            else:
                conf = max(c.confidence, 0.8) if personal_row else c.confidence
                sev, msg = "medium", "公开内容含家庭住址门牌号"
            return Leak(
                kind, c.start, c.end, sev, conf, msg,
                f"家庭住址只公开到乡镇/街道，脱敏为 {masked}", masked,
            )
        return None

    # -- the family interface --------------------------------------------------------------
    def analyze(self, doc: Document, hits: list[Hit]) -> Iterable[Finding]:
        yield from super().analyze(doc, hits)
        for leak in self.leaks(doc.text, doc.folded, doc.effective_date):
            yield Finding(
                category="privacy",
                rule=leak.rule,
                severity=leak.severity,
                start=leak.start,
                end=leak.end,
                text=doc.text[leak.start:leak.end],
                message=leak.message,
                suggestion=leak.suggestion,
                confidence=round(leak.confidence, 3),
            )

    def mask(self, text: str, today: dt.date | None = None) -> str:
        """``text`` with every reported leak masked; everything else unchanged.

        Masking one leak can uncover another that an overlap hid (an ID glued to an e-mail
        address), so masking repeats until nothing changes: ``mask(mask(t)) == mask(t)``.
        """
        for _ in range(4):
            masked = self._mask_once(text, today)
            if masked == text:
                break
            text = masked
        return text

    def _mask_once(self, text: str, today: dt.date | None) -> str:
        parts: list[str] = []
        last = 0
        for leak in self.leaks(text, today=today):
            if leak.masked is None or leak.confidence < MASK_MIN_CONFIDENCE:
                continue
            parts.append(text[last:leak.start])
            parts.append(leak.masked)
            last = leak.end
        if not parts:
            return text
        parts.append(text[last:])
        return "".join(parts)
