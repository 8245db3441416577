"""Check family `typo` (being written)."""

from __future__ import annotations

from ..base import Recognizer


class TypoRecognizer(Recognizer):
    family = "typo"
