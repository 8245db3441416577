"""Values every page of the layout needs; computed only when a template uses them."""

from __future__ import annotations

from django.utils.functional import SimpleLazyObject

import sanshen

from . import nav


def _header_units(request) -> list:
    if not nav.logged_in(request):
        return []
    from sanshen.units.models import Unit

    return list(Unit.objects.filter(memberships__user=request.user).distinct().order_by("path")[:3])


def layout(request):
    return {
        "nav_sections": SimpleLazyObject(lambda: nav.sections_for(request)),
        "header_units": SimpleLazyObject(lambda: _header_units(request)),
        "sanshen_version": sanshen.__version__,
    }
