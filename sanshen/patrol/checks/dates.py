"""Publication dates on government pages: list items, article metas and 发布日期 labels, URL stamps.

Forms read: 2026-11-10, 2026/11/10, 2026.11.10, 2026年11月10日, 20261110 inside a URL
(TRS ``t20261110_123.html``, ``/202611/``), and the short ``[11-10]``/``11-10``/``11月10日`` of list
pages, whose year is inferred: the year of a full date elsewhere on the same item (its URL), else
the latest year that does not put the date after the patrol day (a ``12-28`` seen on 2027-01-05
is 2026-12-28). Dates after the patrol day (plus one day of clock slack) are not believed.
"""

from __future__ import annotations

import datetime as dt
import re

FULL = re.compile(
    r"(?<![\d])((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})(?:\s*日)?(?![\d])"
)
# A year-less date only in the shapes lists use: [11-10], (11-10), 11月10日, or a zero-padded 11-10
# closing the item (not 第1-2期, not a phone number).
SHORT = re.compile(
    r"[\[(（【]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})\s*[\])）】]"
    r"|(?<![\d年])(\d{1,2})月(\d{1,2})日"
    r"|(?:^|\s)(\d{2})[-/.](\d{2})\s*$"
)
URL_STAMP = re.compile(
    r"(?<!\d)((?:19|20)\d{2})(\d{2})(\d{2})(?!\d)|/((?:19|20)\d{2})(\d{2})/|/((?:19|20)\d{2})-(\d{2})/")
LABEL = re.compile(r"(?:发布日期|发布时间|发文日期|成文日期|印发日期|更新时间|更新日期|日期|时间)\s*[:：]\s*")
PUBDATE_METAS = ("pubdate", "publishdate", "firstpublishedtime", "article:published_time", "dc.date")
SLACK = dt.timedelta(days=1)


def _date(y: int, m: int, d: int) -> dt.date | None:
    try:
        return dt.date(y, m, d)
    except ValueError:
        return None


def believable(date: dt.date | None, as_of: dt.date) -> dt.date | None:
    if date is None or date > as_of + SLACK or date.year < 1990:
        return None
    return date


def full_dates(text: str, as_of: dt.date) -> list[dt.date]:
    out = []
    for m in FULL.finditer(text):
        date = believable(_date(int(m.group(1)), int(m.group(2)), int(m.group(3))), as_of)
        if date:
            out.append(date)
    return out


def infer_year(month: int, day: int, as_of: dt.date, year: int | None = None) -> dt.date | None:
    """The date of a year-less ``month-day``: in ``year`` when known, else the latest not after as_of."""
    if year is not None:
        return believable(_date(year, month, day), as_of)
    for y in (as_of.year, as_of.year - 1):
        date = _date(y, month, day)
        if date is not None and date <= as_of + SLACK:
            return date
    return None


def url_date(url: str, as_of: dt.date) -> dt.date | None:
    """A date stamped in a URL (t20261110_1.html), or the first of the month of /202611/."""
    m = URL_STAMP.search(url)
    if m is None:
        return None
    if m.group(1):
        return believable(_date(int(m.group(1)), int(m.group(2)), int(m.group(3))), as_of)
    y, mo = (m.group(4), m.group(5)) if m.group(4) else (m.group(6), m.group(7))
    return believable(_date(int(y), int(mo), 1), as_of)


def url_year(url: str) -> int | None:
    m = URL_STAMP.search(url)
    if m is None:
        return None
    return int(m.group(1) or m.group(4) or m.group(6))


def item_date(text: str, as_of: dt.date, href: str = "") -> dt.date | None:
    """The date of one list item (its text, with its link for the year of a short date)."""
    found = full_dates(text, as_of)
    if found:
        return max(found)
    short = []
    for m in SHORT.finditer(text.strip()):
        month, day = (int(g) for g in m.groups() if g is not None)
        if 1 <= month <= 12 and 1 <= day <= 31:
            short.append((month, day))
    if short:
        month, day = short[-1]  # the date usually closes the item: 标题……[11-10]
        return infer_year(month, day, as_of, url_year(href) if href else None)
    return None


def pub_date(metas: dict[str, str], text: str, as_of: dt.date) -> dt.date | None:
    """An article's publication date: its PubDate-like meta, else a 发布日期/发布时间/日期 label."""
    for name in PUBDATE_METAS:
        value = metas.get(name)
        if value:
            found = full_dates(value, as_of)
            if found:
                return found[0]
    for m in LABEL.finditer(text):
        found = full_dates(text[m.end():m.end() + 24], as_of)
        if found:
            return found[0]
    return None
