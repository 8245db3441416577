"""The finding record every check family returns, and the JSON shape of the CLI/API contract."""

from __future__ import annotations

from dataclasses import asdict, dataclass

CATEGORIES = ("sensitive", "expression", "typo", "privacy", "secret", "spam", "link", "format")
CATEGORY_LABELS = {
    "sensitive": "敏感词",
    "expression": "严重表述错误",
    "typo": "错别字",
    "privacy": "个人隐私",
    "secret": "涉密标志",
    "spam": "违规广告/博彩色情",
    "link": "违规链接",
    "format": "格式错误",
}
SEVERITIES = ("veto", "high", "medium", "low")
SEVERITY_LABELS = {"veto": "否决", "high": "高", "medium": "中", "low": "低"}
SEVERITY_RANK = {name: rank for rank, name in enumerate(SEVERITIES)}


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem found in a text.

    ``start``/``end`` are code-point offsets into the extracted text; ``text`` is exactly
    ``extracted_text[start:end]``.
    """

    category: str
    rule: str
    severity: str
    start: int
    end: int
    text: str
    message: str
    suggestion: str | None = None
    confidence: float = 0.9

    def __post_init__(self) -> None:
        if self.category not in CATEGORIES:
            raise ValueError(f"unknown category {self.category!r}")
        if self.severity not in SEVERITY_RANK:
            raise ValueError(f"unknown severity {self.severity!r}")
        if not 0 <= self.start <= self.end:
            raise ValueError(f"bad span {self.start}..{self.end}")

    def to_dict(self) -> dict:
        return asdict(self)

    @property
    def sort_key(self) -> tuple:
        return (self.start, -self.end, SEVERITY_RANK[self.severity], self.category, self.rule)
