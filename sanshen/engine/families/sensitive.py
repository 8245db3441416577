"""Check family ``sensitive``: politically harmful, violent/terror, cult, drug and similar words.

Entries come from the packs whose category is ``sensitive`` (``data/packs/sensitive-*.yaml``).
Government texts also *denounce* these things (打击“法轮功”邪教组织, 禁毒宣传): the packs use
``unless_near`` for such contexts and ``only_near`` for words that are harmful only in a
trading context (drug names next to 出售/微信), so the family itself is the shared lexicon logic.
"""

from __future__ import annotations

from ..base import Recognizer


class SensitiveRecognizer(Recognizer):
    family = "sensitive"
