"""Site checks run on every patrol, registered in one place.

``REGISTRY`` lists the check classes; a patrol makes fresh instances (``[cls() for cls in REGISTRY]``,
or :func:`new_checks`) because checks keep state across pages and emit site-wide verdicts in
``finish``. Problems are emitted as pages and resources are seen (so they survive a resumed patrol
and are carried for unchanged pages); a problem repeated over many pages is emitted with the same
`Problem.key()` each time and merged by the crawler. After ``finish``, the ``columns`` attribute of
the `ColumnsCheck` instance holds the `Column` list of the patrol (see :func:`columns_of`).
"""

from __future__ import annotations

from ..model import Column
from .anti_bot import AntiBotCheck
from .availability import AvailabilityCheck, Probe, availability_verdict
from .base import PatrolContext, SiteCheck
from .cloaking import CloakingCheck
from .columns import ColumnsCheck
from .content import ContentCheck
from .deadlinks import DeadLinksCheck
from .hidden import HiddenLinksCheck
from .outbound import OutboundCheck
from .soft404 import Soft404Check
from .tampering import TamperingCheck

REGISTRY: list[type[SiteCheck]] = [
    AvailabilityCheck,
    DeadLinksCheck,
    AntiBotCheck,
    Soft404Check,
    ColumnsCheck,
    ContentCheck,
    HiddenLinksCheck,
    TamperingCheck,
    CloakingCheck,
    OutboundCheck,
]


def new_checks() -> list[SiteCheck]:
    """One fresh instance of every registered check, for one patrol."""
    return [cls() for cls in REGISTRY]


def columns_of(checks: list) -> list[Column]:
    """The columns found by a patrol's checks (call after ``finish``)."""
    out: list[Column] = []
    for check in checks:
        cols = getattr(check, "columns", None)
        if isinstance(cols, list):
            out += [c for c in cols if isinstance(c, Column)]
    return out


__all__ = [
    "REGISTRY", "AntiBotCheck", "AvailabilityCheck", "CloakingCheck", "ColumnsCheck", "ContentCheck",
    "DeadLinksCheck", "HiddenLinksCheck", "OutboundCheck", "PatrolContext", "Probe", "SiteCheck", "Soft404Check",
    "TamperingCheck", "availability_verdict", "columns_of", "new_checks",
]
