"""Running one check for the page and the API: input → extracted text → findings → report.

Everything a person or a CMS sends is hostile: bad input raises `InputError` with a Chinese
message and the HTTP status to answer with (400, or 413 over the size limit), never a crash.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings

from sanshen.engine import Extracted, ExtractError, Finding, default_engine, extract_bytes
from sanshen.engine.findings import CATEGORIES, CATEGORY_LABELS, SEVERITIES, SEVERITY_LABELS
from sanshen.engine.report import report, result

logger = logging.getLogger(__name__)

PROFILES = ("default", "strict", "serious")
TEXT_FORMATS = ("txt", "html")
DEFAULT_MAX_BYTES = 10 * 1024 * 1024


class InputError(Exception):
    """Input that cannot be checked; `status` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


def max_bytes() -> int:
    return int(getattr(settings, "SANSHEN_CHECK_MAX_BYTES", DEFAULT_MAX_BYTES))


def human_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:.1f} MB".replace(".0 MB", " MB")
    if size >= 1024:
        return f"{size / 1024:.1f} KB".replace(".0 KB", " KB")
    return f"{size} 字节"


def too_large(size: int) -> InputError:
    return InputError(f"内容过大：{human_size(size)}，超过上限 {human_size(max_bytes())}", status=413)


def parse_as_of(value) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise InputError(f"日期格式应为 YYYY-MM-DD：{str(value)[:40]}") from None


def parse_profile(value) -> str:
    if value in (None, ""):
        return "default"
    if value not in PROFILES:
        raise InputError("检查方案应为 default、strict 或 serious 之一")
    return value


def _encode(text: str) -> bytes:
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        raise InputError("文本含有无效的 Unicode 字符（孤立代理项）") from None


def extract_text(text: str, fmt: str | None = None) -> Extracted:
    """A pasted or posted text. `fmt` "txt" or "html" forces the format; None detects it the way
    `sanshen check -` does for standard input, so the API and the command agree."""
    if fmt not in (None, *TEXT_FORMATS):
        raise InputError("format 应为 txt 或 html")
    data = _encode(text)
    if len(data) > max_bytes():
        raise too_large(len(data))
    try:
        if fmt == "txt":
            from sanshen.engine.extract.txt import extract_txt

            return extract_txt(data, None)
        if fmt == "html":
            from sanshen.engine.extract.html import extract_html

            return extract_html(data, None)
        return extract_bytes(data, "-", max_bytes=max_bytes())
    except ExtractError as exc:
        raise InputError(str(exc)) from None
    except (RecursionError, MemoryError, ValueError) as exc:
        raise InputError(f"无法读取文本：{type(exc).__name__}") from None


def extract_file(data: bytes, name: str) -> Extracted:
    """An uploaded file; the format comes from its signature and name, as on the command line."""
    if len(data) > max_bytes():
        raise too_large(len(data))
    if not data:
        raise InputError("上传的文件是空的")
    try:
        return extract_bytes(data, name or "-", max_bytes=max_bytes())
    except ExtractError as exc:
        raise InputError(str(exc)) from None


@dataclass
class CheckRun:
    """One checked input: `path` is the file name or "-" as in the command's report."""

    path: str
    extracted: Extracted
    findings: list[Finding]
    size: int
    as_of: dt.date | None = None
    profile: str = "default"
    source: str = "text"
    counts: dict = field(init=False)

    def __post_init__(self) -> None:
        self.counts = count_findings(self.findings)

    @property
    def text(self) -> str:
        return self.extracted.text

    def report(self) -> dict:
        """Exactly the JSON of `sanshen check --format json` for this one input."""
        return report([result(self.path, self.extracted.text, self.findings)])


def run_check(
    extracted: Extracted, *, path: str = "-", size: int = 0, as_of=None, profile=None, source: str = "text"
) -> CheckRun:
    as_of = parse_as_of(as_of)
    profile = parse_profile(profile)
    findings = default_engine().check(extracted, as_of=as_of, profile=profile)
    return CheckRun(path, extracted, findings, size, as_of, profile, source)


def count_findings(findings: list[Finding]) -> dict:
    """Counts by category and severity, with Chinese labels, in the engine's fixed order."""
    by_category = Counter(f.category for f in findings)
    by_severity = Counter(f.severity for f in findings)
    return {
        "total": len(findings),
        "by_category": [
            {"category": c, "label": CATEGORY_LABELS[c], "count": by_category[c]} for c in CATEGORIES if by_category[c]
        ],
        "by_severity": [
            {"severity": s, "label": SEVERITY_LABELS[s], "count": by_severity[s]} for s in SEVERITIES if by_severity[s]
        ],
    }


def audit_check(run: CheckRun, *, request=None, actor=None, via: str = "page") -> None:
    """Who checked how much and what was found; never the text itself."""
    from sanshen.audit.services import record

    record(
        "content_check",
        actor=actor,
        request=request,
        object_type="checks.check",
        object_repr="在线检查" if via == "page" else "检查接口",
        after={
            "via": via,
            "source": run.source,
            "bytes": run.size,
            "chars": len(run.text),
            "profile": run.profile,
            "as_of": run.as_of,
            "findings": run.counts["total"],
            "by_category": {c["category"]: c["count"] for c in run.counts["by_category"]},
            "by_severity": {s["severity"]: s["count"] for s in run.counts["by_severity"]},
        },
    )
