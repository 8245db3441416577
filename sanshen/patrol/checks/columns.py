"""Columns (栏目): found automatically, judged for freshness (栏目不更新) and emptiness (空白栏目).

A page is a column's list page when one list on it (``li``/``tr``/``dd`` siblings under one parent,
each with a link) has at least 5 items with a date, or the page has pagination (下一页, 尾页,
共N页) and a list of at least 3 linked items. Article pages (a PubDate meta or a 发布日期/发布时间
label, and no such list) are not columns; their dates stand in for list items that show none.
Pages 2, 3… of a column (``index_1.html``) merge into the column of their directory and name.

The column name comes from the breadcrumb (当前位置：首页 > … > 工作动态), else the ``ColumnName``
meta, else the first chunk of the title. The update class is guessed from the name (`CLASSES`):
news 2 weeks, notice 6 months, yearly 1 year, else "none" (listed, never judged). A site may set
its own periods: ``ctx.options["column_periods"] = {"名称或名称片段": days}`` (class "custom").

``finish`` emits ``stale_column`` (latest item older than the period on ``ctx.as_of``; items
without any date count as not updated, the national rule) and ``blank_column`` (a column page
saying 暂无信息 or showing no items), and a 首页不更新 ``stale_column`` (veto) when the home
page's dated lists have nothing from the last 2 weeks. After ``finish`` the attribute
``columns`` holds the `Column` list (the crawler collects ``check.columns``).

The check must see every page, unchanged or not: ``skip_unchanged = False``.
"""

from __future__ import annotations

import datetime as dt
import posixpath
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from selectolax.lexbor import LexborHTMLParser

from sanshen.engine.extract.html import join_url

from ..model import Column, Kind, Page, Problem
from ._common import is_home
from .base import PatrolContext, SiteCheck
from .dates import item_date, pub_date

CLASSES: list[tuple[str, int, tuple[str, ...]]] = [
    ("news", 14, ("动态", "要闻", "新闻", "图片新闻", "工作动态", "部门动态", "乡镇动态", "快讯")),
    ("notice", 183, ("通知公告", "公示公告", "公告公示", "通知", "公告", "公示", "政策文件", "政策解读",
                     "规范性文件", "文件解读")),
    ("yearly", 365, ("人事信息", "人事任免", "任免", "规划计划", "工作计划", "工作总结", "财政预决算", "预决算",
                     "发展规划", "计划总结")),
]
CLASS_LABELS = {"news": "两周", "notice": "6 个月", "yearly": "1 年"}
MIN_DATED = 5
MIN_PAGED = 3
ITEM_TAGS = "li, tr, dd"
MAX_ITEM_CHARS = 300
_PAGINATION = re.compile(r"下一页|尾页|末页|共\s*\d+\s*页|第\s*\d+\s*/\s*\d+\s*页|上一页")
_BLANK = re.compile(
    r"暂无(?:信息|数据|内容|记录|相关信息|文章)|没有(?:相关)?(?:信息|记录|数据|内容)|共\s*0\s*(?:条|页)")
_CRUMB = re.compile(r"(?:当前位置|您的位置|你的位置|所在位置|当前栏目|位置)\s*[:：]\s*(.+)")
_HOME_TRAIL = re.compile(r"^(?:网站首页|首页|主页)\s*(?:>|＞|»|›|→|-{1,2}>)\s*\S")
_CRUMB_SEP = re.compile(r"\s*(?:>|＞|»|›|→|/|\\|-{1,2}>)\s*")
_TITLE_SEP = re.compile(r"[_|｜\-—–]")
_PAGE_N = re.compile(r"(?:index|list|default)?_\d+\.s?html?$|[?&](?:page|pageno|p)=\d+", re.I)


def update_class(name: str, custom: dict | None = None) -> tuple[str, int | None]:
    for key, days in (custom or {}).items():
        if key and key in name:
            return "custom", int(days)
    for cls, days, words in CLASSES:
        if any(w in name for w in words):
            return cls, days
    return "none", None


def breadcrumb(text: str) -> str | None:
    for line in text.splitlines():
        m = _CRUMB.search(line)
        trail = m.group(1) if m else None
        if trail is None and _HOME_TRAIL.match(line.strip()):
            trail = line.strip()  # "首页 > 栏目" without a "当前位置：" label
        if trail:
            parts = [p.strip() for p in _CRUMB_SEP.split(trail) if p.strip()]
            parts = [p for p in parts if p not in ("首页", "网站首页", "主页", "正文", "详情", "正文内容")]
            if parts:
                return parts[-1][:40]
    return None


def column_name(page: Page) -> str:
    name = breadcrumb(page.text) or page.metas.get("columnname", "").strip()
    if not name:
        chunks = [c.strip() for c in _TITLE_SEP.split(page.title or "") if c.strip()]
        name = chunks[0] if chunks else ""
    return name[:40] or page.url


@dataclass(slots=True)
class _Items:
    hrefs: list[str] = field(default_factory=list)
    dates: list[dt.date | None] = field(default_factory=list)

    @property
    def dated(self) -> int:
        return sum(1 for d in self.dates if d is not None)


def list_groups(html: str, base: str, as_of: dt.date) -> list[_Items]:
    """Linked items grouped by parent element, biggest (most dated, then most items) first."""
    # Parsed again rather than kept from `parse_page`: hundreds of pages are in flight at once.
    try:
        tree = LexborHTMLParser(html)
    except Exception:
        return []
    groups: dict[int, _Items] = {}
    for node in tree.css(ITEM_TAGS):
        a = node.css_first("a[href]")
        if a is None:
            continue
        anchor = (a.text(deep=True) or "").strip()
        href = (a.attributes.get("href") or "").strip()
        if len(anchor) < 4 or not href or href.startswith(("javascript:", "#")):
            continue
        text = node.text(deep=True, separator=" ") or ""
        if len(text) > MAX_ITEM_CHARS:
            continue
        try:
            url = join_url(base, href)
        except ValueError:
            continue
        parent = node.parent
        key = parent.mem_id if parent is not None else 0
        items = groups.setdefault(key, _Items())
        items.hrefs.append(url)
        items.dates.append(item_date(text, as_of, url))
    return sorted(groups.values(), key=lambda g: (g.dated, len(g.hrefs)), reverse=True)


@dataclass(slots=True)
class _Found:
    url: str
    name: str
    blank: bool = False
    hrefs: list[str] = field(default_factory=list)
    dates: list[dt.date | None] = field(default_factory=list)


def _column_key(url: str, name: str) -> tuple[str, str]:
    parts = urlsplit(url)
    path = _PAGE_N.sub("", parts.path)
    directory = posixpath.dirname(path) if not path.endswith("/") else path.rstrip("/")
    return (parts.hostname or "") + directory, name


class ColumnsCheck(SiteCheck):
    name = "columns"
    skip_unchanged = False

    def __init__(self):
        self.found: dict[tuple[str, str], _Found] = {}
        self.article_dates: dict[str, dt.date] = {}
        self.home_dates: list[dt.date] = []
        self.home_url: str | None = None
        self.columns: list[Column] = []
        self._states: dict[str, dict] = {}  # page URL → its state, until the crawler takes it

    async def on_page(self, page: Page, ctx: PatrolContext) -> list[Problem]:
        state = self._read(page, ctx)
        if state is not None:
            self._states[page.url] = state
            self._apply(state)
        return []

    def page_state(self, page: Page) -> dict | None:
        return self._states.pop(page.url, None)

    def restore(self, states: list[dict]) -> None:
        """Columns, article dates and the home page's dates from every page's state: the same
        verdicts whichever worker saw which page, and nothing lost when a patrol is resumed."""
        self.found, self.article_dates, self.home_dates, self.home_url = {}, {}, [], None
        for state in states:
            if state:
                self._apply(state)

    def _read(self, page: Page, ctx: PatrolContext) -> dict | None:
        """What this page tells about the site's columns (JSON-able)."""
        if page.response is not None and not page.response.ok:
            return None
        groups = list_groups(page.html, page.url, ctx.as_of)
        if page.is_home or is_home(page.url, ctx):
            return {"home": page.url, "dates": [d.isoformat() for g in groups for d in g.dates if d is not None]}
        main = groups[0] if groups else None
        paged = bool(_PAGINATION.search(page.text))
        is_list = main is not None and (main.dated >= MIN_DATED or (paged and len(main.hrefs) >= MIN_PAGED))
        published = pub_date(page.metas, page.text, ctx.as_of)
        if not is_list:
            if published is not None:
                urls = [page.url]
                if page.response is not None and page.response.final_url != page.url:
                    urls.append(page.response.final_url)
                return {"article": urls, "date": published.isoformat()}
            named = breadcrumb(page.text) or page.metas.get("columnname")
            if named and (_BLANK.search(page.text) or (paged and not groups)):
                name = column_name(page)
                return {"blank": list(_column_key(page.url, name)), "name": name, "url": page.url}
            return None
        name = column_name(page)
        return {"list": list(_column_key(page.url, name)), "name": name, "url": page.url, "hrefs": main.hrefs,
                "dates": [d.isoformat() if d is not None else None for d in main.dates]}

    def _apply(self, state: dict) -> None:
        if "home" in state:
            self.home_url = state["home"]
            self.home_dates = [dt.date.fromisoformat(d) for d in state.get("dates", [])]
        elif "article" in state:
            date = dt.date.fromisoformat(state["date"])
            for url in state["article"]:
                self.article_dates[url] = date
        elif "blank" in state:
            key = (state["blank"][0], state["blank"][1])
            found = self.found.setdefault(key, _Found(state["url"], state["name"], blank=True))
            self._prefer(found, state["url"])
        elif "list" in state:
            key = (state["list"][0], state["list"][1])
            found = self.found.setdefault(key, _Found(state["url"], state["name"]))
            found.blank = False
            self._prefer(found, state["url"])
            known = set(found.hrefs)
            for href, date in zip(state["hrefs"], state["dates"], strict=True):
                if href not in known:
                    known.add(href)
                    found.hrefs.append(href)
                    found.dates.append(dt.date.fromisoformat(date) if date else None)

    @staticmethod
    def _prefer(found: _Found, url: str) -> None:
        """A column's address: the shortest URL of its pages (page 1, not index_3.html); ties by sort order."""
        if (len(url), url) < (len(found.url), found.url):
            found.url = url

    async def finish(self, ctx: PatrolContext) -> list[Problem]:
        custom = ctx.options.get("column_periods") or {}
        problems: list[Problem] = []
        self.columns = []
        for f in self.found.values():
            dates = [d if d is not None else self.article_dates.get(h) for h, d in zip(f.hrefs, f.dates, strict=True)]
            known = [d for d in dates if d is not None]
            latest = max(known) if known else None
            cls, days = update_class(f.name, custom)
            column = Column(f.url, f.name, cls, days, latest, len(f.hrefs), len(dates) - len(known))
            self.columns.append(column)
            facts = {"key": f.url, "column": f.name, "update_class": cls, "max_age_days": days,
                     "latest": latest.isoformat() if latest else None, "items": len(f.hrefs)}
            if f.blank or not f.hrefs:
                problems.append(Problem(kind=Kind.BLANK_COLUMN, url=f.url, severity="medium", facts=facts,
                                        detail=f"栏目“{f.name}”无任何内容（空白栏目）"))
                continue
            if days is None:
                continue
            if latest is None:
                detail = (f"栏目“{f.name}”的 {len(f.hrefs)} 条信息均未注明发布时间，视为不更新"
                          f"（应每{_period(cls, days)}更新）")
            elif (ctx.as_of - latest).days > days:
                detail = (f"栏目“{f.name}”最近更新于 {latest.isoformat()}，已 {(ctx.as_of - latest).days} 天未更新"
                          f"（应每{_period(cls, days)}更新）")
            else:
                continue
            problems.append(Problem(kind=Kind.STALE_COLUMN, url=f.url, detail=detail,
                                    severity="medium" if cls == "yearly" else "high", facts=facts))
        problems += self._home(ctx)
        return problems

    def _home(self, ctx) -> list[Problem]:
        if self.home_url is None or len(self.home_dates) < MIN_DATED:
            return []
        latest = max(self.home_dates)
        age = (ctx.as_of - latest).days
        if age <= 14:
            return []
        return [Problem(
            kind=Kind.STALE_COLUMN, url=self.home_url, severity="veto",
            detail=f"首页栏目最近一条信息发布于 {latest.isoformat()}，已 {age} 天未更新（2 周内应有更新，单项否决）",
            facts={"key": "home", "column": "首页", "update_class": "news", "latest": latest.isoformat(),
                   "max_age_days": 14, "home": True},
        )]


def _period(cls: str, days: int) -> str:
    return CLASS_LABELS.get(cls) or f" {days} 天"
