"""Plain data for the review form (审核表); the workflow fills it, the renderers only read it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

DECISIONS = ("通过", "退回", "驳回")


def fmt_date(value: date | datetime | str | None) -> str:
    """Dates the way a 公文 form writes them: 2026年11月22日; blank stays blank for signing by hand."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        return value
    return f"{value.year}年{value.month}月{value.day}日"


def fmt_datetime(value: datetime | str | None) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        return value
    return f"{value.year}年{value.month}月{value.day}日 {value.hour:02d}:{value.minute:02d}"


@dataclass(frozen=True)
class StepBlock:
    """One review step on the form: 科室初审, 分管领导审核, 保密审查(一), 会审·财政局 …"""

    name: str
    opinion: str = ""
    reviewer: str = ""
    date: date | datetime | str | None = None
    decision: str = ""  # 通过 / 退回 / 驳回; empty while the step is pending
    delegated_from: str = ""  # the absent reviewer this one signed for
    secrecy: bool = False  # a 保密审查 block; rendered in route order like any other step
    skipped: bool = False  # skipped by a 监管员 (post vacant …): the block reads （已跳过：reason）
    skip_reason: str = ""
    skipped_by: str = ""  # the 监管员 who skipped it

    @property
    def date_text(self) -> str:
        return fmt_date(self.date)

    @property
    def skip_text(self) -> str:
        return f"（已跳过：{self.skip_reason or '未说明理由'}）" if self.skipped else ""

    @property
    def reviewer_text(self) -> str:
        if self.reviewer and self.delegated_from:
            return f"{self.reviewer}（代{self.delegated_from}）"
        return self.reviewer


@dataclass(frozen=True)
class OverrideNote:
    """A veto finding a reviewer overrode, with the written reason that goes into the record."""

    finding: str
    reason: str
    reviewer: str = ""
    date: date | datetime | str | None = None

    @property
    def date_text(self) -> str:
        return fmt_date(self.date)


@dataclass(frozen=True)
class ReviewFormData:
    unit_name: str
    title: str  # e.g. "XX单位政府网站信息发布审核表"
    info_name: str  # 信息名称
    source: str = "原创"  # 原创 / 转载：来源
    category: str = ""  # 信息类别
    channels: str | list = ""  # 拟发布渠道: text, or the item's channel list (see layout.channels_text)
    summary: str = ""  # 主要内容摘要
    drafter: str = ""  # 拟稿人
    drafted_on: date | datetime | str | None = None  # 拟稿日期
    steps: list[StepBlock] = field(default_factory=list)
    overrides: list[OverrideNote] = field(default_factory=list)
    machine_check: str = ""  # one summary line of the engine's findings
    item_id: str = ""  # 编号
    generated_at: datetime | str | None = None
    note: str = "本表可根据本地本部门实际工作情况进行调整，但必须要保持对发布信息审查程序的完整性。"

    @property
    def review_steps(self) -> list[StepBlock]:
        return [s for s in self.steps if not s.secrecy]

    @property
    def secrecy_steps(self) -> list[StepBlock]:
        return [s for s in self.steps if s.secrecy]

    @property
    def drafted_text(self) -> str:
        return fmt_date(self.drafted_on)

    @property
    def generated_text(self) -> str:
        return fmt_datetime(self.generated_at)
