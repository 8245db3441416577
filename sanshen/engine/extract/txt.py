"""Plain text files: encoding detection (UTF-8/16/32 with BOM, GB18030 family, detected) and paragraph blocks."""

from __future__ import annotations

import codecs
import re

from ..document import Extracted, Segment
from ._base import ExtractError, normalize_newlines

# Longest BOM first: the UTF-32-LE BOM begins with the UTF-16-LE one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# GB2312 and GBK are subsets of GB18030; decoding with the superset never loses characters.
_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "cp936": "gb18030", "euc-cn": "gb18030"}
# Pages often declare a Western code page by mistake; such a declaration must not beat real UTF-8 or GBK.
_WEAK_DECLARATIONS = {"latin-1", "iso8859-1", "cp1252", "ascii", "us-ascii", "windows-1252"}

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f\x7f]")
_DETECT_SAMPLE = 1 << 20


def bom_encoding(data: bytes) -> tuple[str, int] | None:
    for bom, enc in _BOMS:
        if data.startswith(bom):
            return enc, len(bom)
    return None


def canonical_encoding(name: str | None) -> str | None:
    """Python's name for a declared charset, or None when unknown."""
    if not name:
        return None
    name = name.strip().strip("\"'").lower()
    name = _ALIASES.get(name, name)
    try:
        found = codecs.lookup(name).name
    except (LookupError, ValueError):
        return None
    found = _ALIASES.get(found, found)
    if found in ("gb2312", "gbk"):
        return "gb18030"
    return found


def _bomless_utf16(data: bytes) -> str | None:
    """UTF-16 without BOM shows as NUL in every other byte of ASCII-heavy text."""
    sample = data[:4096]
    if len(sample) < 8 or sample.count(0) < len(sample) // 4:
        return None
    even = sample[0::2].count(0)
    odd = sample[1::2].count(0)
    half = len(sample) // 2
    if odd > half * 0.3 and even < half * 0.02:
        return "utf-16-le"
    if even > half * 0.3 and odd < half * 0.02:
        return "utf-16-be"
    return None


def _looks_like_text(text: str) -> None:
    if not text:
        return
    controls = len(_CONTROL.findall(text, 0, 1 << 22))
    sample = min(len(text), 1 << 22)
    if controls > max(2, sample * 0.01):
        raise ExtractError("不是文本文件：含有大量控制字符（可能是二进制文件）")
    if text.count("\ufffd", 0, 1 << 22) > max(2, sample * 0.05):
        raise ExtractError("不是文本文件：大部分字节无法按任何常见编码解码")


def _strict(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def decode_text(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode bytes of a text format; returns ``(text, encoding)`` with newlines normalised.

    Order: BOM, the declared charset (for HTML), strict UTF-8, strict GB18030, detection.
    """
    bom = bom_encoding(data)
    if bom:
        enc, size = bom
        text = _strict(data[size:], enc)
        if text is None:
            raise ExtractError(f"文本无法按 {enc.upper()} 解码（文件开头标明了该编码），文件可能已损坏")
        _looks_like_text(text)
        return normalize_newlines(text), enc
    utf16 = _bomless_utf16(data)
    if utf16:
        text = _strict(data, utf16)
        if text is not None:
            _looks_like_text(text)
            return normalize_newlines(text), utf16
    if b"\x00" in data:
        raise ExtractError("不是文本文件：含有二进制内容（NUL 字节）")

    declared = canonical_encoding(declared)
    order = ["utf-8", "gb18030"]
    if declared and declared not in _WEAK_DECLARATIONS:
        order.insert(0, declared)
    elif declared:
        order.append(declared)
    for enc in order:
        text = _strict(data, enc)
        if text is not None:
            _looks_like_text(text)
            return normalize_newlines(text), enc

    enc = _detect(data)
    if enc is None:
        raise ExtractError("不是文本文件：无法识别文字编码（可能是二进制文件）")
    text = data.decode(enc, errors="replace")
    _looks_like_text(text)
    return normalize_newlines(text), enc


def _detect(data: bytes) -> str | None:
    from charset_normalizer import from_bytes

    best = from_bytes(data[:_DETECT_SAMPLE]).best()
    if best is None or best.chaos > 0.6:
        return None
    return canonical_encoding(best.encoding)


def paragraph_segments(text: str) -> list[Segment]:
    """One body segment per block of non-blank lines, trimmed of surrounding whitespace."""
    segments: list[Segment] = []
    start = end = -1
    first_line = 0
    pos = 0
    for number, line in enumerate(text.split("\n"), 1):
        stripped = line.strip()
        if stripped:
            lead = len(line) - len(line.lstrip())
            if start < 0:
                start, first_line = pos + lead, number
            end = pos + lead + len(stripped)
        elif start >= 0:
            segments.append(Segment("body", start, end, {"locator": f"line {first_line}"}))
            start = -1
        pos += len(line) + 1
    if start >= 0:
        segments.append(Segment("body", start, end, {"locator": f"line {first_line}"}))
    return segments


def extract_txt(data: bytes, name: str | None) -> Extracted:
    text, _encoding = decode_text(data)
    return Extracted(text, paragraph_segments(text), "txt", name)
