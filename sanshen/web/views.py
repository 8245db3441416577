"""Pages of the shell: the dashboard and the unit tree. Permission rules live in units.services."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render

from . import nav, services


@login_required
def home(request):
    return render(
        request,
        "web/home.html",
        {"dash": services.dashboard(request.user), "quick_links": nav.quick_links_for(request)},
    )


@login_required
def unit_tree(request):
    return render(request, "web/unit_tree.html", {"roots": services.unit_tree(request.user)})


@login_required
def unit_detail(request, pk: int):
    # Fetched through the user's scope: another unit is "not found" (404), never "forbidden".
    unit = get_object_or_404(services.viewable_units(request.user), pk=pk)
    return render(request, "web/unit_detail.html", {"detail": services.unit_detail(request.user, unit)})
