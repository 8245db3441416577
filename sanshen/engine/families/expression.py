"""Check family `expression` (being written)."""

from __future__ import annotations

from ..base import Recognizer


class ExpressionRecognizer(Recognizer):
    family = "expression"
