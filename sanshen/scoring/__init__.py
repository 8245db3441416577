"""Scoring against the inspection indicators (检查指标): pure library, no Django, no network.

`score(facts, indicators)` turns what patrols and probes found about a site into a scorecard:
vetoes, capped deductions, early warnings and the indicators that could not be measured.
"""

from .facts import ColumnFact, ContentFact, DeadLinkFact, IncidentFact, MessageFact, Probe, SiteFacts
from .indicators import IndicatorError, IndicatorSet, builtin, builtin_ids, load_set, parse_set
from .score import Scorecard, score

__all__ = [
    "ColumnFact", "ContentFact", "DeadLinkFact", "IncidentFact", "IndicatorError", "IndicatorSet", "MessageFact",
    "Probe", "Scorecard", "SiteFacts", "builtin", "builtin_ids", "load_set", "parse_set", "score",
]
