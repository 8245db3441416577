"""The one place where check families are registered.

Adding a family is adding a module under ``families/`` (and its data files) and one line here.
"""

from __future__ import annotations

from .base import Recognizer
from .families.expression import ExpressionRecognizer
from .families.format import FormatRecognizer
from .families.link import LinkRecognizer
from .families.privacy import PrivacyRecognizer
from .families.secret import SecretRecognizer
from .families.sensitive import SensitiveRecognizer
from .families.spam import SpamRecognizer
from .families.typo import TypoRecognizer

FAMILIES: tuple[type[Recognizer], ...] = (
    SensitiveRecognizer,
    ExpressionRecognizer,
    TypoRecognizer,
    PrivacyRecognizer,
    SecretRecognizer,
    SpamRecognizer,
    LinkRecognizer,
    FormatRecognizer,
)
