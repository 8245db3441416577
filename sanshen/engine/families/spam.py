"""Check family `spam` (being written)."""

from __future__ import annotations

from ..base import Recognizer


class SpamRecognizer(Recognizer):
    family = "spam"
