"""Bytes of a fetched page to text: the BOM and the page's own ``<meta charset>`` beat the HTTP header.

Chinese government sites still serve GBK/GB2312 pages, often with a wrong ``Content-Type``
charset (or none). GBK and GB2312 are decoded as GB18030, their superset. Decoding never fails:
the last resort replaces undecodable bytes.
"""

from __future__ import annotations

import re

from sanshen.engine.extract.txt import bom_encoding, canonical_encoding

_META_CHARSET = re.compile(rb"<meta\b[^>]{0,1024}?charset\s*=\s*[\"']?\s*([A-Za-z0-9_\-:.]{1,40})", re.I)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?\s*([A-Za-z0-9_\-:.]{1,40})", re.I)
# Western code pages declared by mistake must not beat real UTF-8 or GBK bytes.
_WEAK = {"latin-1", "iso8859-1", "cp1252", "ascii", "us-ascii", "windows-1252"}
SNIFF_BYTES = 16384


def meta_charset(data: bytes) -> str | None:
    m = _META_CHARSET.search(data, 0, SNIFF_BYTES)
    return canonical_encoding(m.group(1).decode("ascii", "replace")) if m else None


def header_charset(content_type: str | None) -> str | None:
    m = _HEADER_CHARSET.search(content_type or "")
    return canonical_encoding(m.group(1)) if m else None


def _strict(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def decode_html(data: bytes, content_type: str | None = None) -> tuple[str, str]:
    """``(text, encoding)``: BOM, then the meta charset, then strict UTF-8, then the header, then GB18030.

    A page cut at the size cap may end inside a multi-byte character: up to 3 trailing bytes are
    dropped before strict decoding is judged.
    """
    bom = bom_encoding(data)
    if bom:
        enc, size = bom
        return data[size:].decode(enc, errors="replace"), enc
    declared = meta_charset(data)
    from_header = header_charset(content_type)
    order: list[str] = []
    if declared and declared not in _WEAK:
        order.append(declared)
    order.append("utf-8")
    if from_header and from_header not in _WEAK:
        order.append(from_header)
    order.append("gb18030")
    for weak in (declared, from_header):
        if weak and weak in _WEAK:
            order.append(weak)
    seen: set[str] = set()
    for enc in order:
        if enc in seen:
            continue
        seen.add(enc)
        for cut in range(4):
            text = _strict(data[: len(data) - cut] if cut else data, enc)
            if text is not None:
                return text, enc
    # Nothing decodes cleanly: the declared charset (or GB18030) with replacement characters.
    enc = order[0] if order[0] != "utf-8" else "gb18030"
    if declared:
        enc = declared
    return data.decode(enc, errors="replace"), enc
