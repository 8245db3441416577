"""Check family `format` (being written)."""

from __future__ import annotations

from ..base import Recognizer


class FormatRecognizer(Recognizer):
    family = "format"
