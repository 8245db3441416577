"""Leader names and titles: the knowledge base in ``data/leaders/*.yaml`` and its checks.

The shared scanner finds every leader name, every title alias and every fixed phrase that
contains a name; this module pairs names with the titles written right next to them and
judges each pair against the knowledge base on the text's date (``doc.effective_date``):

* ``leaders:title-mismatch`` — the person never held that title (李强副总理, 李克强主席), or not
  yet on that date;
* ``leaders:former-title`` — the title was the person's but had ended (a 2026 text saying
  李克强总理), unless the text marks it as past (时任/原/前/生前…) or speaks of that time;
* ``leaders:removed`` — a removed official presented with a title, or an expelled one called
  同志, after the removal;
* ``leaders:misspelt-name`` — one character off a leader's name next to one of that leader's
  titles or inside a fixed phrase (杜家豪书记 for 杜家毫, 习近萍新时代…);
* ``leaders:order`` — members of the Politburo Standing Committee listed out of their order.

Names many people share (李强) are only checked next to titles that belong to the state
(总理, 委员长…), never next to generic ones (书记, 主席), so an unrelated 李强 is left alone.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

from ..base import in_explicit_correction as corrected
from ..document import Document
from ..findings import Finding
from ..lexicon import Hit
from ..packs import PackError, read_yaml_mapping
from .phonetics import FUNCTION_CHARS, same_shape, same_sound

FAMILY = "expression"
_MARGIN = dt.timedelta(days=31)  # slack around dates known only to the month

# Characters that may stand between a name and its title (inserted spaces, zero-width…).
_GAP = frozenset(" \t\u3000\u00a0\u200b\u200c\u200d\u2060\ufeff\u00ad·•・")
_HARD_STOP = frozenset("，。；：！？、\n\r（）()《》【】")


def _is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


# What usually follows a two-character name: if something else follows, the two characters
# may be the start of a longer name (书记李强华), and the pair is not judged.
_NAME_FOLLOWERS = frozenset(
    "同在主出强指表说讲会考调一等和与及率代作向对为到来赴的签致发宣参视看慰听就也还分是将已先女以首亲专并所接提"
    "要希深带陪前访莅步抵乘又不更重再共通即了曾均则都关"
)
# A title followed by one of these characters is part of a longer word (书记员, 主席团).
_TITLE_EXTENSIONS = {"书记": "员处", "主席": "团台", "部长": "级助", "总理": "府", "委员长": "会"}

# Words before/after a name–title pair saying the title is a past one.
_PAST_BEFORE_END = ("原", "前", "故", "时任", "原任", "前任", "曾任", "当时的", "当年的", "已故", "已故的")
_PAST_BEFORE_ANY = ("时任", "曾任", "历任", "曾担任", "先后任", "先后担任", "生前", "已故", "原任", "担任过", "当时",
                    "当年", "退休前", "离任前")
_PAST_AFTER_START = ("生前", "同志生前", "在世时", "在任时", "任内", "任期内", "执政时", "执政期间", "主政", "时期",
                     "期间", "当年", "当时", "曾")
_HISTORY_WORDS = ("逝世", "去世", "病逝", "悼念", "追悼", "遗体", "讣告", "生平", "缅怀", "纪念", "诞辰", "回忆",
                  "回顾", "当年", "那年", "曾经", "昔日", "往事", "历史", "当时", "时任", "曾于", "曾到", "曾来",
                  "曾在")
_CASE_WORDS = ("审查", "调查", "落马", "开除", "受贿", "判处", "案", "违纪", "违法", "被查", "双开", "立案", "起诉",
               "警示", "反面", "教训", "腐败", "贪污", "判决", "庭审", "宣判", "免去", "罢免", "撤销")
_YEAR_RE = re.compile(r"((?:19|20)\d{2})\s*年")
# 十三届全国人大常委会委员长栗战书: a numbered term pins the title to its years.
_TERM_RE = re.compile(r"([一二三四五六七八九十]{1,3})届[^，。；！？]{0,4}$")
_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")}


def _cn_number(text: str) -> int | None:
    if "十" not in text:
        return _DIGITS.get(text) if len(text) == 1 else None
    tens, _, ones = text.partition("十")
    value = (_DIGITS.get(tens, 0) if tens else 1) * 10 + (_DIGITS.get(ones, 0) if ones else 0)
    return value or None


def _term_dates(n: int) -> tuple[dt.date, dt.date] | None:
    """The n-th term: NPC/CPPCC (六届 March 1983 … 十四届 March 2023) or Central Committee
    (十六届 November 2002 …); the numbers do not overlap."""
    if 6 <= n <= 15:
        year, month = 1983 + 5 * (n - 6), 3
    elif 16 <= n <= 25:
        year, month = 2002 + 5 * (n - 16), 11
    else:
        return None
    return dt.date(year, month, 1), dt.date(year + 5, month, 1)
_SENTENCE_END = re.compile(r"[。！？；\n]")


def _parse_date(value, where: str, *, end: bool) -> tuple[dt.date | None, bool]:
    """A date from YAML (a date, 'YYYY-MM-DD', 'YYYY-MM' or 'YYYY'); the flag says month/year only."""
    if value is None or value == "":
        return None, False
    if isinstance(value, dt.datetime):
        return value.date(), False
    if isinstance(value, dt.date):
        return value, False
    text = str(value).strip()
    try:
        parts = [int(p) for p in text.split("-")]
        if len(parts) == 3:
            return dt.date(*parts), False
        if len(parts) == 2:
            year, month = parts
            day = calendar.monthrange(year, month)[1] if end else 1
            return dt.date(year, month, day), True
        if len(parts) == 1:
            return (dt.date(parts[0], 12, 31) if end else dt.date(parts[0], 1, 1)), True
    except ValueError:
        pass
    raise PackError(f"{where}: bad date {value!r} (use YYYY-MM-DD or YYYY-MM)")


@dataclass(slots=True)
class Office:
    title: str
    aliases: tuple[str, ...]
    start: dt.date | None
    end: dt.date | None
    approximate: bool = False
    # the dates widened by the slack of approximate ones, computed once
    lo: dt.date = field(init=False, default=dt.date.min)
    hi: dt.date = field(init=False, default=dt.date.max)

    def __post_init__(self) -> None:
        slack = _MARGIN if self.approximate else dt.timedelta(0)
        if self.start is not None:
            self.lo = self.start - slack
        if self.end is not None:
            self.hi = self.end + slack

    def held_on(self, day: dt.date) -> bool:
        return self.lo <= day <= self.hi

    def ended_before(self, day: dt.date) -> bool:
        return day > self.hi

    def starts_after(self, day: dt.date) -> bool:
        return day < self.lo

    def span_text(self) -> str:
        start = self.start.isoformat() if self.start else "?"
        end = self.end.isoformat() if self.end else "今"
        if self.approximate:
            start, end = start[:7], end[:7]
        return f"{start}至{end}"

    @property
    def short(self) -> str:
        return min(self.aliases, key=len) if self.aliases else self.title


@dataclass(slots=True)
class Person:
    name: str
    id: str
    offices: list[Office]
    gender: str | None = None
    common_name: bool = False
    status: str = "in_office"
    status_date: dt.date | None = None
    expelled: bool = False
    note: str = ""

    def removed_on(self, day: dt.date) -> bool:
        return self.status == "removed" and (self.status_date is None or day >= self.status_date)

    def with_alias(self, alias: str) -> list[Office]:
        return [o for o in self.offices if alias in o.aliases]

    def current(self, day: dt.date) -> list[Office]:
        return [o for o in self.offices if o.held_on(day)]

    def last_office(self) -> Office | None:
        ended = [o for o in self.offices if o.end is not None]
        return max(ended, key=lambda o: o.end) if ended else None


@dataclass(slots=True)
class LeaderBase:
    persons: list[Person] = field(default_factory=list)
    titles: dict[str, tuple[str, ...]] = field(default_factory=dict)
    generic: set[str] = field(default_factory=set)
    complete: set[str] = field(default_factory=set)  # titles whose holders are all listed
    equivalents: dict[str, str] = field(default_factory=dict)  # wrong title → the title meant
    phrases: dict[str, set[str]] = field(default_factory=dict)  # phrase → names written before it
    orders: list[tuple[str, dt.date | None, dt.date | None, tuple[str, ...]]] = field(default_factory=list)

    def by_name(self) -> dict[str, list[Person]]:
        out: dict[str, list[Person]] = {}
        for person in self.persons:
            out.setdefault(person.name, []).append(person)
        return out

    def aliases(self) -> set[str]:
        out = {a for aliases in self.titles.values() for a in aliases}
        out.update(a for p in self.persons for o in p.offices for a in o.aliases)
        return out


_STATUSES = ("in_office", "retired", "deceased", "removed")


def load_leaders(paths: Iterable[Path]) -> LeaderBase:
    """Merge the leader files in order; a later person with the same id replaces an earlier one."""
    base = LeaderBase()
    persons: dict[str, Person] = {}
    for path in paths:
        if path.name.endswith((".example.yaml", ".example.yml")):
            continue
        raw = read_yaml_mapping(path, "leaders file (a mapping with 'persons')")
        base.generic.update(str(t) for t in raw.get("generic_titles") or ())
        base.complete.update(str(t) for t in raw.get("complete_titles") or ())
        base.equivalents.update({str(k): str(v) for k, v in (raw.get("title_equivalents") or {}).items()})
        for title, aliases in (raw.get("titles") or {}).items():
            words = tuple(dict.fromkeys([str(title), *(str(a) for a in aliases or ())]))
            base.titles[str(title)] = words
        for i, item in enumerate(raw.get("phrases") or (), 1):
            if not isinstance(item, dict) or "name" not in item:
                raise PackError(f"{path}: phrase {i} needs 'name' and 'after'")
            for phrase in item.get("after") or ():
                base.phrases.setdefault(str(phrase), set()).add(str(item["name"]))
        for i, item in enumerate(raw.get("orders") or (), 1):
            at = f"{path}: order {i}"
            if not isinstance(item, dict) or not item.get("names"):
                raise PackError(f"{at} needs 'names'")
            start, _ = _parse_date(item.get("from"), at, end=False)
            end, _ = _parse_date(item.get("to"), at, end=True)
            base.orders.append((str(item.get("body") or ""), start, end, tuple(str(n) for n in item["names"])))
        for i, item in enumerate(raw.get("persons") or (), 1):
            person = _make_person(item, base.titles, f"{path}: person {i}")
            persons[person.id] = person
    base.persons = list(persons.values())
    return base


def _make_person(item, titles: dict[str, tuple[str, ...]], where: str) -> Person:
    if not isinstance(item, dict) or not item.get("name"):
        raise PackError(f"{where}: a person needs a 'name'")
    name = str(item["name"]).strip()
    offices = []
    for j, raw in enumerate(item.get("offices") or (), 1):
        at = f"{where} ({name}) office {j}"
        if not isinstance(raw, dict) or not raw.get("title"):
            raise PackError(f"{at}: an office needs a 'title'")
        title = str(raw["title"])
        aliases = raw.get("aliases")
        words = tuple(dict.fromkeys([title, *(str(a) for a in aliases)])) if aliases else titles.get(title, (title,))
        start, rough_start = _parse_date(raw.get("from"), at, end=False)
        end, rough_end = _parse_date(raw.get("to"), at, end=True)
        if start and end and end < start:
            raise PackError(f"{at}: 'to' is before 'from'")
        offices.append(Office(title, words, start, end, bool(raw.get("approximate")) or rough_start or rough_end))
    status = str(item.get("status") or ("in_office" if any(o.end is None for o in offices) else "retired"))
    if status not in _STATUSES:
        raise PackError(f"{where} ({name}): status must be one of {', '.join(_STATUSES)}")
    status_date, _ = _parse_date(item.get("status_date"), f"{where} ({name})", end=False)
    return Person(
        name=name,
        id=str(item.get("id") or name),
        offices=offices,
        gender=item.get("gender"),
        common_name=bool(item.get("common_name")),
        status=status,
        status_date=status_date,
        expelled=bool(item.get("expelled")),
        note=str(item.get("note") or ""),
    )


# ---------------------------------------------------------------- payloads given to the scanner


@dataclass(frozen=True, slots=True, eq=False)
class NameTerm:
    name: str


@dataclass(frozen=True, slots=True, eq=False)
class TitleTerm:
    alias: str


@dataclass(frozen=True, slots=True, eq=False)
class PhraseTerm:
    phrase: str


# ---------------------------------------------------------------- context helpers


def sentence(doc: Document, start: int, end: int, reach: int = 80) -> str:
    folded = doc.folded
    lo = max(0, start - reach)
    before = folded[lo:start]
    cut = None
    for m in _SENTENCE_END.finditer(before):
        cut = m.end()
    if cut is not None:
        lo += cut
    hi = min(len(folded), end + reach)
    m = _SENTENCE_END.search(folded, end, hi)
    if m:
        hi = m.start()
    return folded[lo:hi]


def marked_past(doc: Document, start: int, end: int) -> bool:
    folded = doc.folded
    before = folded[max(0, start - 12):start].rstrip("".join(_GAP))
    after = folded[end:end + 10].lstrip("".join(_GAP))
    if before.endswith(_PAST_BEFORE_END) or after.startswith(_PAST_AFTER_START):
        return True
    return any(word in before for word in _PAST_BEFORE_ANY)


def _skip_gap_forward(text: str, i: int, limit: int = 4) -> int:
    stop = min(len(text), i + limit)
    while i < stop and text[i] in _GAP:
        i += 1
    return i


def _skip_gap_back(text: str, i: int, limit: int = 4) -> int:
    stop = max(0, i - limit)
    while i > stop and text[i - 1] in _GAP:
        i -= 1
    return i


def _cjk_positions(doc: Document, pos: int, count: int, forward: bool) -> list[int]:
    """Positions of up to ``count`` Chinese characters next to ``pos``, skipping inserted gaps."""
    folded = doc.folded
    out: list[int] = []
    i = pos if forward else pos - 1
    budget = count * 3
    while 0 <= i < len(folded) and len(out) < count and budget > 0:
        ch = folded[i]
        if _is_cjk(ch):
            out.append(i)
        elif ch not in _GAP:
            break
        i += 1 if forward else -1
        budget -= 1
    return out if forward else out[::-1]


# ---------------------------------------------------------------- the checks


class LeaderChecker:
    def __init__(self, base: LeaderBase):
        self.base = base
        self.by_name = base.by_name()
        self.generic = base.generic
        self.names = set(self.by_name)
        self.expelled = {n for n, ps in self.by_name.items() if all(p.expelled for p in ps)}
        # (name, title, date) → held: a pure function of the base, shared by all texts and threads
        self._holds: dict[tuple[str, str, dt.date], bool] = {}
        self.aliases = base.aliases()
        self.alias_holders: dict[str, list[Person]] = {}
        carriers: dict[str, set[str]] = {}  # alias → titles written with it
        for title, aliases in base.titles.items():
            for alias in aliases:
                carriers.setdefault(alias, set()).add(title)
        for person in base.persons:
            for office in person.offices:
                for alias in office.aliases:
                    self.alias_holders.setdefault(alias, []).append(person)
                    carriers.setdefault(alias, set()).add(office.title)
        # "X never held this title" can only be said of titles whose holders are all listed.
        self.checkable = {a for a, titles in carriers.items() if titles <= base.complete}
        # one-substitution index: (length, position, name without that position) → names, and
        # the characters names have at each place
        self._near: dict[tuple[int, int, str], list[str]] = {}
        self._at: dict[tuple[int, int], set[str]] = {}
        for name in self.names:
            if 2 <= len(name) <= 4:
                for i in range(len(name)):
                    self._near.setdefault((len(name), i, name[:i] + name[i + 1:]), []).append(name)
                    self._at.setdefault((len(name), i), set()).add(name[i])

    def terms(self):
        for name in self.by_name:
            yield name, NameTerm(name)
        for alias in self.aliases:
            yield alias, TitleTerm(alias)
        for phrase in self.base.phrases:
            yield phrase, PhraseTerm(phrase)

    def analyze(self, doc: Document, names: list[Hit], titles: list[Hit], phrases: list[Hit]) -> list[Finding]:
        out: list[Finding] = []
        if not names and not titles and not phrases:
            return out
        day = doc.effective_date
        by_start: dict[int, Hit] = {}
        by_end: dict[int, Hit] = {}
        for hit in titles:
            kept = by_start.get(hit.start)
            if kept is None or hit.end > kept.end:
                by_start[hit.start] = hit
            kept = by_end.get(hit.end)
            if kept is None or hit.start < kept.start:
                by_end[hit.end] = hit
        seen: set[tuple[int, int]] = set()
        name_spans: list[tuple[int, int]] = []
        for hit in names:
            name_spans.append((hit.start, hit.end))
            if (hit.start, hit.end) in seen:
                continue
            seen.add((hit.start, hit.end))
            after = by_start.get(_skip_gap_forward(doc.text, hit.end))
            if after is not None:
                finding = self._pair(doc, day, hit, after, title_first=False)
                if finding:
                    out.append(finding)
            before = by_end.get(_skip_gap_back(doc.text, hit.start))
            if before is not None:
                finding = self._pair(doc, day, hit, before, title_first=True)
                if finding:
                    out.append(finding)
            if hit.payload.name in self.expelled:
                finding = self._comrade(doc, day, hit)
                if finding:
                    out.append(finding)
        if len(names) >= 3 and self.base.orders:
            out.extend(self._order(doc, day, names))
        # a title inside a longer one (书记 in 总书记) has the same neighbours
        maximal = [h for h in titles if by_start.get(h.start) is h and by_end.get(h.end) is h]
        out.extend(self._misspelt(doc, maximal, phrases, name_spans))
        return out

    def _held(self, name: str, alias: str, day: dt.date) -> bool:
        key = (name, alias, day)
        held = self._holds.get(key)
        if held is None:
            if len(self._holds) > 100_000:
                self._holds.clear()
            held = self._holds[key] = any(
                o.held_on(day) for p in self.by_name.get(name, ()) if not p.removed_on(day) for o in p.with_alias(alias)
            )
        return held

    # -- a name next to a title

    def _pair(self, doc: Document, day: dt.date, name_hit: Hit, title_hit: Hit, title_first: bool) -> Finding | None:
        name = name_hit.payload.name
        alias = title_hit.payload.alias
        persons = self.by_name.get(name, [])
        if not persons:
            return None
        folded = doc.folded
        generic = alias in self.generic
        if title_first:
            # 县委书记李强, 执行主席赵乐际: a longer title the base does not know.
            if generic and title_hit.start > 0 and _is_cjk(folded[title_hit.start - 1]):
                return None
            nxt = folded[name_hit.end:name_hit.end + 1]
            if generic and len(name) == 2 and nxt and _is_cjk(nxt) and nxt not in _NAME_FOLLOWERS:
                return None
        else:
            ext = _TITLE_EXTENSIONS.get(alias)
            nxt = folded[title_hit.end:title_hit.end + 1]
            if ext and nxt and nxt in ext:
                return None
        if generic and all(p.common_name for p in persons):
            return None
        if self._held(name, alias, day):  # the usual case: a right title, nothing more to look at
            return None
        start = min(name_hit.start, title_hit.start)
        end = max(name_hit.end, title_hit.end)
        if corrected(doc, start, end):
            return None
        span_text = doc.text[start:end]

        removed = [p for p in persons if p.removed_on(day)]
        if removed and len(removed) == len(persons):
            person = removed[0]
            if marked_past(doc, start, end) or any(w in sentence(doc, start, end) for w in _CASE_WORDS):
                return None
            held = person.with_alias(alias)
            title = held[0].title if held else alias
            note = f"（{person.note}）" if person.note else ""
            return Finding(
                category=FAMILY, rule="leaders:removed", severity="veto", start=start, end=end, text=span_text,
                message=f"“{name}”已被免职或落马{note}，不能作为在任领导表述；如需提及应写“原{title}{name}”",
                suggestion=f"原{title}{name}", confidence=0.9,
            )

        if any(o.held_on(day) for p in persons for o in p.with_alias(alias)):
            return None
        person = persons[0]
        past = [o for p in persons for o in p.with_alias(alias) if o.ended_before(day)]
        future = [o for p in persons for o in p.with_alias(alias) if o.starts_after(day)]
        current = person.current(day)
        severity = "high" if generic else "veto"
        if past:
            office = max(past, key=lambda o: o.end)
            if (marked_past(doc, start, end) or self._historical(doc, start, end, office)
                    or self._in_named_term(doc, start, office)):
                return None
            died = (f"，已于{person.status_date.isoformat()}逝世"
                    if person.status == "deceased" and person.status_date else "")
            now = f"，现任{'、'.join(o.title for o in current)}" if current else ""
            # a living leader with another title now: that title; otherwise the past one marked 时任
            suggestion = (self._retitled(name, alias, current, title_first) if current
                          else f"时任{office.title}{name}")
            return Finding(
                category=FAMILY, rule="leaders:former-title", severity=severity, start=start, end=end,
                text=span_text,
                message=(f"“{name}”任{office.title}的时间为{office.span_text()}{died}{now}；文中日期{day.isoformat()}"
                         f"已不在任。叙述当时的活动应写“时任{office.title}{name}”，指其本人应写“原{office.title}{name}”"),
                suggestion=suggestion, confidence=0.75 if office.approximate else 0.9,
            )
        if alias not in self.checkable and not future:
            return None
        if future:
            office = min(future, key=lambda o: o.start)
            msg = f"文中日期{day.isoformat()}时“{name}”尚未担任{office.title}（{office.span_text()}）"
        elif current:
            holders = [p.name for p in self.alias_holders.get(alias, ()) if p.name != name
                       and any(o.held_on(day) for o in p.with_alias(alias))]
            holders = list(dict.fromkeys(holders))
            who = f"（{day.year}年任{alias}的是{holders[0]}）" if len(holders) == 1 and not generic else ""
            msg = f"“{name}”的职务是{'、'.join(o.title for o in current)}，不是{alias}{who}"
        else:
            last = person.last_office()
            msg = (f"“{name}”未担任过{alias}；其曾任{last.title}（{last.span_text()}）" if last
                   else f"“{name}”未担任过{alias}")
        if current:
            suggestion = self._retitled(name, alias, current, title_first)
        else:
            last = person.last_office()
            suggestion = f"原{last.title}{name}" if last else None
        # The name is not a common one and every holder of the title is listed: a state leader
        # with someone else's title, however generic the title's wording (李克强主席).
        return Finding(
            category=FAMILY, rule="leaders:title-mismatch", severity="veto", start=start, end=end, text=span_text,
            message=msg, suggestion=suggestion, confidence=0.85 if generic else 0.9,
        )

    def _closest(self, alias: str, offices: list[Office]) -> Office:
        """The office a wrong title most likely stood for (副主席 → 国家主席 rather than 总书记)."""
        meant = self.base.equivalents.get(alias)
        for office in offices:
            if office.title == meant:
                return office
        used = set(alias)
        return max(offices, key=lambda o: max(len(used & set(a)) for a in o.aliases))

    def _retitled(self, name: str, used: str, current: list[Office], title_first: bool) -> str:
        alias = self._right_alias(used, self._closest(used, current), title_first)
        return self._render(name, alias, title_first)

    @staticmethod
    def _render(name: str, alias: str, title_first: bool) -> str:
        return f"{alias}{name}" if title_first else f"{name}{alias}"

    def _right_alias(self, used: str, office: Office, title_first: bool) -> str:
        # 李强副总理 → 李强总理; 副总理李强 → 国务院总理李强 (a title before a name is written in full)
        if title_first:
            return office.title
        return office.short if len(used) <= 3 or used in self.generic else office.title

    @staticmethod
    def _historical(doc: Document, start: int, end: int, office: Office) -> bool:
        text = sentence(doc, start, end)
        if any(word in text for word in _HISTORY_WORDS):
            return True
        lo = office.start.year if office.start else 0
        hi = office.end.year if office.end else 9999
        return any(lo <= int(m.group(1)) <= hi for m in _YEAR_RE.finditer(text))

    @staticmethod
    def _in_named_term(doc: Document, start: int, office: Office) -> bool:
        m = _TERM_RE.search(doc.folded[max(0, start - 10):start])
        if not m:
            return False
        n = _cn_number(m.group(1))
        term = _term_dates(n) if n else None
        if term is None or office.start is None or office.end is None:
            return False
        # overlapping by more than the weeks around a handover
        return office.start < term[1] - _MARGIN and office.end > term[0] + _MARGIN

    # -- 习近平、李强、赵乐际… listed out of the fixed order

    def _order(self, doc: Document, day: dt.date, names: list[Hit]) -> list[Finding]:
        order = next((names_ for _, lo, hi, names_ in self.base.orders
                      if (lo is None or lo <= day) and (hi is None or day < hi)), None)
        if not order:
            return []
        body = next(b for b, lo, hi, n in self.base.orders if n is order)
        rank = {n: i for i, n in enumerate(order)}
        out: list[Finding] = []
        run: list[Hit] = []
        for hit in sorted({(h.start, h.end): h for h in names}.values(), key=lambda h: h.start):
            if run and doc.folded[run[-1].end:hit.start].strip() in ("、", "同志、") and hit.payload.name in rank:
                run.append(hit)
                continue
            out.extend(self._judge_run(doc, run, rank, order, body))
            run = [hit] if hit.payload.name in rank else []
        out.extend(self._judge_run(doc, run, rank, order, body))
        return out

    @staticmethod
    def _judge_run(doc: Document, run: list[Hit], rank: dict[str, int], order: tuple[str, ...],
                   body: str) -> list[Finding]:
        if len(run) < 3:
            return []
        listed = [h.payload.name for h in run]
        if len(set(listed)) != len(listed) or all(rank[a] < rank[b] for a, b in pairwise(listed)):
            return []
        start, end = run[0].start, run[-1].end
        if corrected(doc, start, end):
            return []
        right = "、".join(sorted(listed, key=rank.__getitem__))
        return [Finding(
            category=FAMILY, rule="leaders:order", severity="high", start=start, end=end, text=doc.text[start:end],
            message=f"{body}排序应为：{'、'.join(order)}", suggestion=right, confidence=0.8,
        )]

    # -- an expelled official called 同志

    def _comrade(self, doc: Document, day: dt.date, hit: Hit) -> Finding | None:
        persons = self.by_name.get(hit.payload.name, [])
        if not persons or not all(p.expelled and p.removed_on(day) for p in persons):
            return None
        i = _skip_gap_forward(doc.text, hit.end)
        if doc.folded[i:i + 2] != "同志":
            return None
        start, end = hit.start, i + 2
        if corrected(doc, start, end) or marked_past(doc, start, end):
            return None
        person = persons[0]
        note = f"（{person.note}）" if person.note else ""
        return Finding(
            category=FAMILY, rule="leaders:removed", severity="veto", start=start, end=end,
            text=doc.text[start:end], message=f"“{person.name}”已被开除党籍{note}，不能称“同志”",
            suggestion=person.name, confidence=0.9,
        )

    # -- a name one character off

    def _misspelt(self, doc: Document, titles: list[Hit], phrases: list[Hit],
                  name_spans: list[tuple[int, int]]) -> list[Finding]:
        out: list[Finding] = []
        if not self._near:
            return out
        exact_starts = {s for s, _ in name_spans}
        exact_ends = {e for _, e in name_spans}
        done: set[tuple[int, int]] = set()
        day = doc.effective_date
        allowed_by_alias: dict[str, set[str]] = {}
        for hit in titles:
            alias = hit.payload.alias
            generic = alias in self.generic
            holders = self.alias_holders.get(alias)
            if not holders:
                continue
            allowed = allowed_by_alias.get(alias)
            if allowed is None:
                # Next to a generic title (书记, 主席) only the people holding it on the text's date
                # are meant: 胡春花书记 in 2026 is somebody else, not 胡春华.
                allowed = allowed_by_alias[alias] = {
                    p.name for p in holders if p.status != "removed"
                    and (not generic or any(o.held_on(day) for o in p.with_alias(alias)))
                }
            if not allowed:
                continue
            # a title with a correct name on either side belongs to that name
            if (_skip_gap_back(doc.text, hit.start) in exact_ends
                    or _skip_gap_forward(doc.text, hit.end) in exact_starts):
                continue
            self._candidates(doc, hit.start, False, allowed, generic, f"（{alias}）", done, out)
            # 县委书记王某: a longer local title, not the leader's
            if not (generic and hit.start > 0 and _is_cjk(doc.folded[hit.start - 1])):
                self._candidates(doc, hit.end, True, allowed, generic, f"（{alias}）", done, out)
        for hit in phrases:
            allowed = self.base.phrases.get(hit.payload.phrase, set())
            if _skip_gap_back(doc.text, hit.start) in exact_ends:
                continue
            self._candidates(doc, hit.start, False, allowed, False, f"（固定表述“{hit.payload.phrase}”）", done, out)
        return out

    def _viable(self, chars: str) -> bool:
        """Whether some name of that length agrees with ``chars`` in all places but one."""
        length = len(chars)
        agree = sum(1 for i, ch in enumerate(chars) if ch in self._at.get((length, i), ()))
        return agree >= length - 1

    def _candidates(self, doc: Document, pos: int, forward: bool, allowed: set[str], generic: bool, where: str,
                    done: set[tuple[int, int]], out: list[Finding]) -> None:
        folded = doc.folded
        raw = folded[pos:pos + 3] if forward else folded[max(0, pos - 3):pos]
        if len(raw) == 3 and all(_is_cjk(ch) for ch in raw):
            # the usual case, no inserted gap: rule most places out before building candidates
            if not (self._viable(raw) or self._viable(raw[:2] if forward else raw[1:])):
                return
            positions = list(range(pos, pos + 3)) if forward else list(range(pos - 3, pos))
        else:
            near_ch = folded[pos:pos + 1] if forward else folded[pos - 1:pos] if pos else ""
            if not near_ch or not (_is_cjk(near_ch) or near_ch in _GAP):
                return  # punctuation or the end next to the title: no name there
            positions = _cjk_positions(doc, pos, 3, forward)
        for length in (3, 2):
            if len(positions) < length:
                continue
            idx = positions[:length] if forward else positions[-length:]
            cand = "".join(folded[i] for i in idx)
            if cand in self.names:
                return
            for k in range(length):
                for name in self._near.get((length, k, cand[:k] + cand[k + 1:]), ()):
                    if name not in allowed:
                        continue
                    wrong, right = cand[k], name[k]
                    if wrong in FUNCTION_CHARS:
                        continue
                    sound = same_sound(wrong, right)
                    shape = same_shape(wrong, right)
                    if length == 2 and (generic or not sound):
                        continue
                    if generic and not (sound or shape):
                        continue
                    start, end = idx[0], idx[-1] + 1
                    if (start, end) in done or corrected(doc, start, end):
                        continue
                    done.add((start, end))
                    if sound:
                        severity, confidence, how = ("high", 0.9, "同音") if generic else ("veto", 0.95, "同音")
                    elif shape:
                        severity, confidence, how = ("high", 0.8, "形近") if generic else ("veto", 0.85, "形近")
                    else:
                        severity, confidence, how = "high", 0.7, "一字之差"
                    out.append(Finding(
                        category=FAMILY, rule="leaders:misspelt-name", severity=severity, start=start, end=end,
                        text=doc.text[start:end],
                        message=f"“{cand}”疑为领导人姓名“{name}”之误（{how}）{where}",
                        suggestion=name, confidence=confidence,
                    ))
                    return
