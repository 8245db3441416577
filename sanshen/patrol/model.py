"""The types the crawler and the site checks share. Pure Python: no Django, no network.

A patrol fetches pages (`Response`), parses the HTML ones (`Page`), hands each page to every
registered check (`sanshen.patrol.checks`) and collects `Problem`s. The JSON form of a problem is
the contract of `sanshen patrol --format json`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from enum import StrEnum


class Kind(StrEnum):
    UNAVAILABLE = "unavailable"
    DEAD_LINK = "dead_link"
    SOFT_404 = "soft_404"
    ANTI_BOT = "anti_bot"
    STALE_COLUMN = "stale_column"
    BLANK_COLUMN = "blank_column"
    CONTENT = "content"
    HIDDEN_LINK = "hidden_link"
    SPAM_INJECTION = "spam_injection"
    CLOAKING = "cloaking"
    BAD_OUTBOUND_LINK = "bad_outbound_link"
    PAGE_CHANGED = "page_changed"


KIND_LABELS = {
    Kind.UNAVAILABLE: "站点无法访问",
    Kind.DEAD_LINK: "链接不可用",
    Kind.SOFT_404: "软 404（页面不存在）",
    Kind.ANTI_BOT: "访问验证拦截",
    Kind.STALE_COLUMN: "栏目不更新",
    Kind.BLANK_COLUMN: "空白栏目",
    Kind.CONTENT: "内容问题",
    Kind.HIDDEN_LINK: "隐藏链接（暗链）",
    Kind.SPAM_INJECTION: "注入垃圾内容",
    Kind.CLOAKING: "针对搜索引擎的伪装内容",
    Kind.BAD_OUTBOUND_LINK: "外链指向违规网站",
    Kind.PAGE_CHANGED: "页面被篡改",
}

SEVERITIES = ("veto", "high", "medium", "low")


class FetchError(StrEnum):
    """Why a fetch produced no usable HTTP response."""

    DNS = "dns"
    CONNECT = "connect"
    TIMEOUT = "timeout"
    TLS = "tls"
    REDIRECT_LOOP = "redirect_loop"
    TOO_MANY_REDIRECTS = "too_many_redirects"
    TOO_LARGE = "too_large"
    INVALID_URL = "invalid_url"
    PROTOCOL = "protocol"


class LinkKind(StrEnum):
    PAGE = "page"  # <a href> to an HTML page (or anything not recognised as below)
    ATTACHMENT = "attachment"  # <a href> to .pdf/.doc(x)/.xls(x)/.wps/.zip/…
    IMAGE = "image"  # <img src>
    FRAME = "frame"  # <iframe src>/<frame src>
    SCRIPT = "script"  # <script src>
    STYLESHEET = "stylesheet"  # <link rel=stylesheet href>


@dataclass(slots=True)
class Response:
    """One fetch. ``status`` is None when no response came (then ``error`` says why)."""

    url: str  # as requested (normalised)
    final_url: str  # after redirects
    status: int | None
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    body: bytes = b""
    elapsed: float = 0.0  # seconds, whole fetch including redirects
    error: FetchError | None = None
    error_detail: str = ""
    redirects: list[str] = field(default_factory=list)  # every URL passed through, in order
    truncated: bool = False  # body cut at the size cap

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()


@dataclass(slots=True)
class Link:
    url: str  # absolute, fragment removed
    kind: LinkKind
    text: str = ""  # anchor text or alt
    hidden: str = ""  # why it is not visible (display:none…), empty when visible


@dataclass(slots=True)
class Page:
    """A fetched HTML page, decoded and parsed once for every check."""

    url: str
    depth: int
    response: Response
    html: str  # decoded text
    encoding: str
    title: str = ""
    metas: dict[str, str] = field(default_factory=dict)  # lower-case meta name -> content
    links: list[Link] = field(default_factory=list)
    text: str = ""  # visible text, blocks separated by newlines
    found_on: list[str] = field(default_factory=list)  # pages that linked here
    is_home: bool = False
    # Derived once and shared by the checks: "extracted" (the engine's reading, `page.parse_page`),
    # "analysis" (its findings, `checks._common.analyse`).
    cache: dict = field(default_factory=dict, repr=False, compare=False)


@dataclass(slots=True)
class Problem:
    kind: Kind
    url: str
    detail: str
    severity: str = "medium"
    found_on: list[str] = field(default_factory=list)
    finding: dict | None = None  # the engine finding, for kind == content
    # Machine-readable facts a platform or scorer may use (status, link kind, column, dates…).
    facts: dict = field(default_factory=dict)
    # A problem repeated over pages (a template block): {"sig", "page", "depth", "finding", "detail"} of the
    # page this emission was seen on; `_common.resolve_owners` picks one owner for all emissions of a
    # signature, whichever worker saw which page. Not part of the JSON contract nor of `key()`.
    owner: dict | None = None

    def key(self) -> tuple:
        """Identity across patrols: the same problem found again is not a new one."""
        if self.finding is not None:
            return (self.kind.value, self.url, self.finding.get("rule"), self.finding.get("text"))
        return (self.kind.value, self.url, self.facts.get("key", self.detail))

    def to_json(self) -> dict:
        return {
            "kind": self.kind.value,
            "url": self.url,
            "found_on": list(self.found_on),
            "detail": self.detail,
            "severity": self.severity,
            "finding": self.finding,
        }


@dataclass(slots=True)
class Column:
    """A list page (栏目) and what a patrol learned about it."""

    url: str
    name: str
    update_class: str  # "news" (2 weeks) | "notice" (6 months) | "yearly" (1 year) | "custom" | "none"
    max_age_days: int | None
    latest: dt.date | None = None
    item_count: int = 0
    undated_items: int = 0

    def to_json(self) -> dict:
        data = asdict(self)
        data["latest"] = self.latest.isoformat() if self.latest else None
        return data
