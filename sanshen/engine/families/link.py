"""Check family `link` (being written)."""

from __future__ import annotations

from ..base import Recognizer


class LinkRecognizer(Recognizer):
    family = "link"
