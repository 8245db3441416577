"""Sanshen's content-check engine: a pure library (no Django).

>>> from sanshen.engine import check
>>> [(f.category, f.text) for f in check("低保户张建国，身份证号110101199003077571，手机13812345678。")]
[('privacy', '110101199003077571'), ('privacy', '13812345678')]
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from .core import PROFILES, Engine, Profile
from .document import Document, Extracted, Segment
from .extract import ExtractError, extract_bytes, extract_path
from .findings import CATEGORIES, SEVERITIES, Finding
from .packs import PackError

__all__ = [
    "CATEGORIES", "PROFILES", "SEVERITIES", "Document", "Engine", "ExtractError", "Extracted", "Finding",
    "PackError", "Profile", "Segment", "check", "default_engine", "extract_bytes", "extract_path", "mask",
]


@lru_cache(maxsize=1)
def default_engine() -> Engine:
    return Engine()


def check(
    text: str | Extracted,
    *,
    as_of: dt.date | str | None = None,
    profile: str | Profile | None = None,
) -> list[Finding]:
    """Check a text (or an extracted file) with the built-in rule packs."""
    return default_engine().check(text, as_of=as_of, profile=profile)


def mask(text: str) -> str:
    """The text with personal information masked (脱敏)."""
    return default_engine().recognizer("privacy").mask(text)
