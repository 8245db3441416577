"""Extraction of plain text (with a map back to the source) from files (being written)."""

from __future__ import annotations

from pathlib import Path

from ..document import Extracted


class ExtractError(Exception):
    """A file that cannot be turned into text; the message is one line for a person."""


def extract_bytes(data: bytes, name: str = "-") -> Extracted:
    return Extracted.plain(data.decode("utf-8"), name)


def extract_path(path: str | Path) -> Extracted:
    p = Path(path)
    return extract_bytes(p.read_bytes(), str(p))
