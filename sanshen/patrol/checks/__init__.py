"""Site checks run on every patrol, registered in one place (filled by the checks modules)."""

from .base import PatrolContext, SiteCheck

__all__ = ["PatrolContext", "SiteCheck"]
