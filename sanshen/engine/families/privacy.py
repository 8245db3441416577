"""Check family ``privacy`` (being written)."""

from __future__ import annotations

from ..base import Recognizer


class PrivacyRecognizer(Recognizer):
    family = "privacy"

    def mask(self, text: str) -> str:
        return text
