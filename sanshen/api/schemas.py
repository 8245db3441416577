"""Request and response shapes of the check API (the response is `sanshen check --format json`)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal

from ninja import Schema
from pydantic import BeforeValidator, ConfigDict, Field

from sanshen.engine.findings import CATEGORIES, SEVERITIES

Category = Literal[CATEGORIES]  # type: ignore[valid-type]
Severity = Literal[SEVERITIES]  # type: ignore[valid-type]
ProfileName = Literal["default", "strict", "serious"]

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date_string(value):
    # Only "YYYY-MM-DD": lax parsing would also take numbers (Unix times) and datetimes.
    if value is None or (isinstance(value, str) and _ISO_DATE.fullmatch(value)):
        return value
    raise ValueError("日期格式应为 YYYY-MM-DD")


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date_string)]


class CheckText(Schema):
    model_config = ConfigDict(extra="forbid", title="CheckText")

    text: str = Field(description="要检查的文本（纯文本或 HTML 源码）")
    as_of: IsoDate | None = Field(
        None, description="按此日期判断领导职务等（YYYY-MM-DD），默认今天"
    )
    profile: ProfileName = Field(
        "default", description="default：置信度 ≥ 0.5 的全部问题；strict：含疑似问题；serious：只报否决项和高风险"
    )
    format: Literal["txt", "html"] | None = Field(
        None, description="txt 或 html；不填时与命令行读标准输入一样自动识别"
    )


class FindingOut(Schema):
    category: Category = Field(description="类别：sensitive expression typo privacy secret spam link format")
    rule: str = Field(description="规则编号")
    severity: Severity = Field(description="严重程度：veto（否决项）high medium low")
    start: int = Field(ge=0, description="起始偏移（Unicode 码位，指向抽取出的文本）")
    end: int = Field(ge=0, description="结束偏移（不含）")
    text: str = Field(description="命中的原文，等于 text[start:end]")
    message: str = Field(description="问题说明")
    suggestion: str | None = Field(description="修改建议")
    confidence: float = Field(description="置信度 0–1")


class ResultOut(Schema):
    path: str = Field(description="上传的文件名；提交文本时为 “-”")
    chars: int = Field(description="抽取出的文本长度（码位）")
    findings: list[FindingOut]


class ReportOut(Schema):
    results: list[ResultOut] = Field(description="一个元素：本次检查的结果")


class ErrorOut(Schema):
    detail: str = Field(description="错误说明（中文）")
