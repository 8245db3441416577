"""Check family `secret` (being written)."""

from __future__ import annotations

from ..base import Recognizer


class SecretRecognizer(Recognizer):
    family = "secret"
