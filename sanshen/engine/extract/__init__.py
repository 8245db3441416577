"""Extraction of plain text, with a map back to the source, from .txt, .html, .docx, .pdf and .doc/.wps files.

The format is chosen from the file's own signature when it has one (zip, %PDF, OLE, RTF),
otherwise from the extension, otherwise by sniffing for HTML; everything else is read as text.
A ``.txt`` file that holds HTML stays text: the user asked for the text as written.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urlsplit

from ..document import Extracted
from ._base import ExtractError

__all__ = ["DEFAULT_MAX_BYTES", "ExtractError", "detect_format", "extract_bytes", "extract_path"]

_BUILTIN_MAX_BYTES = 50 * 1024 * 1024
_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([kmg]?)i?b?\s*", re.I)
_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}


def _parse_size(value: str | None) -> int | None:
    """Bytes from "52428800", "50M", "200k"; None when unset or not understood."""
    if not value:
        return None
    m = _SIZE.fullmatch(value)
    if not m:
        return None
    return int(float(m.group(1)) * _UNITS[m.group(2).lower()])


DEFAULT_MAX_BYTES: int = _parse_size(os.environ.get("SANSHEN_MAX_BYTES")) or _BUILTIN_MAX_BYTES

TEXT_EXTENSIONS = frozenset({".txt", ".text", ".csv", ".tsv", ".log", ".md"})
HTML_EXTENSIONS = frozenset({".html", ".htm", ".shtml", ".shtm", ".xhtml"})
OFFICE_EXTENSIONS = frozenset({".doc", ".wps", ".rtf", ".odt", ".dot", ".wpt"})
DOCX_EXTENSIONS = frozenset({".docx", ".docm", ".dotx", ".dotm"})

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_HTML_START = re.compile(
    rb"<(?:!doctype\s+html|html|head|body|meta|title|script|style|div|table|p|a|span|link|base|iframe|font|center"
    rb"|form|h[1-6])[\s>/]",
    re.I,
)
_HTML_ANYWHERE = re.compile(rb"<(?:html|body|head)[\s>]", re.I)


def _max_bytes(max_bytes: int | None) -> int:
    if max_bytes is not None:
        return max_bytes
    return _parse_size(os.environ.get("SANSHEN_MAX_BYTES")) or DEFAULT_MAX_BYTES


def _human(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:.1f} MB"
    if size >= 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size} 字节"


def _check_size(size: int, limit: int) -> None:
    if size > limit:
        raise ExtractError(
            f"文件过大：{_human(size)}，超过上限 {_human(limit)}（可用 SANSHEN_MAX_BYTES 调整）"
        )


def _extension(name: str) -> str:
    path = name
    if "://" in name:
        try:
            path = urlsplit(name).path
        except ValueError:
            path = name.split("?", 1)[0]
    return Path(path).suffix.lower()


def _looks_like_html(data: bytes) -> bool:
    head = data[:4096]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        head = head.decode("utf-16", "ignore").encode("utf-8", "ignore")
    elif head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    if _HTML_ANYWHERE.search(head):
        return True
    pos = 0
    while True:  # skip an XML declaration and leading comments, then expect a tag
        head = head[pos:].lstrip()
        if head.startswith(b"<?xml"):
            end, closer = head.find(b">"), b">"
        elif head.startswith(b"<!--"):
            end, closer = head.find(b"-->", 4), b"-->"
        else:
            break
        if end < 0:
            return False
        pos = end + len(closer)
    return bool(_HTML_START.match(head))


def detect_format(data: bytes, name: str = "-") -> str:
    """One of ``txt html docx pdf office``, from the file's signature, extension and content."""
    ext = _extension(name)
    stripped = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n")
    if data.startswith(b"PK\x03\x04") or (data.startswith(b"PK") and ext in DOCX_EXTENSIONS):
        return "office" if ext == ".odt" else "docx"
    if stripped.startswith(b"%PDF-") or (ext not in TEXT_EXTENSIONS and b"%PDF-" in data[:1024]):
        return "pdf"
    if data.startswith(OLE_MAGIC):
        return "docx" if ext in DOCX_EXTENSIONS else "office"
    if stripped.startswith(b"{\\rtf"):
        return "office"
    if ext in TEXT_EXTENSIONS:
        return "txt"
    if ext in HTML_EXTENSIONS:
        return "html"
    if ext in DOCX_EXTENSIONS:
        return "docx"  # no zip signature: the docx reader says what is wrong
    if ext == ".pdf":
        return "pdf"
    if _looks_like_html(data):
        return "html"  # also old systems' "Word" files that are really saved web pages
    if ext in OFFICE_EXTENSIONS:
        return "office"
    return "txt"


def extract_bytes(data: bytes, name: str = "-", *, max_bytes: int | None = None) -> Extracted:
    """Extract the text of a file's bytes; ``name`` (a path or URL) gives the extension and the source.

    Raises :class:`ExtractError` with one line in Chinese for any file that cannot be read.
    """
    _check_size(len(data), _max_bytes(max_bytes))
    fmt = detect_format(data, name)
    source = None if name == "-" else name
    try:
        if fmt == "txt":
            from .txt import extract_txt

            return extract_txt(data, source)
        if fmt == "html":
            from .html import extract_html

            return extract_html(data, source)
        if fmt == "docx":
            from .docx import extract_docx

            return extract_docx(data, source)
        if fmt == "pdf":
            from .pdf import extract_pdf

            return extract_pdf(data, source)
        from .office import extract_office

        return extract_office(data, source)
    except ExtractError:
        raise
    except RecursionError as exc:
        raise ExtractError("文件结构嵌套过深，无法读取") from exc
    except MemoryError as exc:
        raise ExtractError("文件过于复杂，读取时内存不足") from exc
    except Exception as exc:
        # A reader library failing on a malformed file must still give one clear line.
        raise ExtractError(f"无法读取文件（{fmt}）：{type(exc).__name__}: {str(exc)[:200]}") from exc


def extract_path(path: str | os.PathLike, *, max_bytes: int | None = None) -> Extracted:
    """Extract the text of a file on disk; the size limit is checked before the file is read."""
    p = Path(path)
    limit = _max_bytes(max_bytes)
    try:
        if p.is_dir():
            raise ExtractError("这是一个目录，不是文件")
        _check_size(p.stat().st_size, limit)
        with p.open("rb") as fh:
            data = fh.read(limit + 1)
    except FileNotFoundError as exc:
        raise ExtractError("文件不存在") from exc
    except PermissionError as exc:
        raise ExtractError("没有读取该文件的权限") from exc
    except IsADirectoryError as exc:
        raise ExtractError("这是一个目录，不是文件") from exc
    except OSError as exc:
        raise ExtractError(f"无法读取文件：{exc.strerror or type(exc).__name__}") from exc
    return extract_bytes(data, str(p), max_bytes=limit)
