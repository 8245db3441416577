"""Site checks run on every patrol, registered in one place.

``REGISTRY`` lists the check classes; a patrol makes fresh instances (``[cls() for cls in REGISTRY]``,
or :func:`new_checks`) because checks keep state across pages and emit site-wide verdicts in
``finish``. After ``finish``, the columns check's ``columns`` attribute holds the
:class:`~sanshen.patrol.model.Column` list for the crawl result (see :func:`columns_of`).
"""

from .anti_bot import AntiBotCheck
from .availability import AvailabilityCheck, Probe, availability_verdict
from .base import PatrolContext, SiteCheck
from .columns import ColumnsCheck
from .deadlinks import DeadLinksCheck
from .hidden import HiddenLinksCheck
from .soft404 import Soft404Check

REGISTRY: list[type[SiteCheck]] = [
    AvailabilityCheck,
    DeadLinksCheck,
    AntiBotCheck,
    Soft404Check,
    HiddenLinksCheck,
    ColumnsCheck,
]


def new_checks() -> list[SiteCheck]:
    """One fresh instance of every registered check, for one patrol."""
    return [cls() for cls in REGISTRY]


__all__ = [
    "REGISTRY", "AntiBotCheck", "AvailabilityCheck", "ColumnsCheck", "DeadLinksCheck", "HiddenLinksCheck",
    "PatrolContext", "Probe", "SiteCheck", "Soft404Check", "availability_verdict", "new_checks",
]
