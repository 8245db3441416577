"""Token pages: a unit's 网站管理员 (or a 监管员 above it) lists, creates and revokes its tokens;
every user with a role lists, creates and revokes their own personal tokens (用于审核决定).

Units are fetched through the user's scope, so another unit's pages are "not found" (404); a
unit the user sees but does not administer is "forbidden" (403).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from sanshen.units.models import Unit
from sanshen.units.services import scope_to_user

from . import tokens
from .models import ApiToken


@login_required
def token_index(request):
    units = (
        tokens.manageable_units(request.user)
        .annotate(active_tokens=Count("api_tokens", filter=Q(api_tokens__revoked_at__isnull=True)))
        .order_by("path")
    )
    mine = ApiToken.objects.filter(user=request.user, revoked_at__isnull=True).count()
    may_personal = tokens.personal_units(request.user).exists()
    return render(request, "api/token_index.html", {"units": units, "mine": mine, "may_personal": may_personal})


def _managed_unit(request, unit_id: int) -> Unit:
    unit = get_object_or_404(scope_to_user(Unit.objects.all(), request.user), pk=unit_id)
    if not tokens.can_manage_tokens(request.user, unit):
        raise PermissionDenied("只有本单位的网站管理员或上级监管员可以管理接口令牌。")
    return unit


@never_cache
@login_required
def unit_tokens(request, unit_id: int):
    unit = _managed_unit(request, unit_id)
    created = plain = None
    error = ""
    name = ""
    kind = "system"
    if request.method == "POST":
        name = request.POST.get("name", "")
        kind = "personal" if request.POST.get("kind") == "personal" else "system"
        owner = request.user if kind == "personal" else None
        try:
            created, plain = tokens.create_token(unit, name, by=request.user, user=owner, request=request)
        except (ValueError, PermissionDenied) as exc:
            error = str(exc)
    listed = ApiToken.objects.filter(unit=unit).select_related("created_by", "revoked_by", "user")
    # The plain token is in this one response only (never_cache: not kept by the browser either).
    return render(
        request,
        "api/unit_tokens.html",
        {
            "unit": unit,
            "tokens": listed,
            "created": created,
            "plain": plain,
            "error": error,
            "name": name if error else "",
            "kind": kind,
            "may_personal": tokens.personal_units(request.user).filter(pk=unit.pk).exists(),
        },
    )


@never_cache
@login_required
def personal_tokens(request):
    """The user's own personal tokens: a reviewer's tools decide as the reviewer."""
    units = tokens.personal_units(request.user).order_by("path")
    created = plain = None
    error = name = ""
    if request.method == "POST":
        name = request.POST.get("name", "")
        unit_id = request.POST.get("unit") or ""
        unit = units.filter(pk=int(unit_id)).first() if unit_id.isdigit() and len(unit_id) < 10 else None
        try:
            if unit is None:
                raise ValueError("请选择您担任角色的单位。")
            created, plain = tokens.create_token(unit, name, by=request.user, user=request.user, request=request)
        except (ValueError, PermissionDenied) as exc:
            error = str(exc)
    listed = ApiToken.objects.filter(user=request.user).select_related("unit", "revoked_by")
    return render(
        request,
        "api/personal_tokens.html",
        {
            "units": units,
            "tokens": listed,
            "created": created,
            "plain": plain,
            "error": error,
            "name": name if error else "",
        },
    )


@require_POST
@login_required
def personal_revoke(request, token_id: int):
    token = get_object_or_404(ApiToken.objects.filter(user=request.user).select_related("unit"), pk=token_id)
    if tokens.revoke_token(token, by=request.user, request=request):
        messages.success(request, f"已撤销个人令牌“{token.name}”，使用它的调用将被拒绝。")
    else:
        messages.info(request, f"个人令牌“{token.name}”此前已被撤销。")
    return redirect("api-tokens-mine")


@require_POST
@login_required
def revoke(request, unit_id: int, token_id: int):
    unit = _managed_unit(request, unit_id)
    token = get_object_or_404(ApiToken.objects.filter(unit=unit), pk=token_id)
    if tokens.revoke_token(token, by=request.user, request=request):
        messages.success(request, f"已撤销令牌“{token.name}”，使用它的调用将被拒绝。")
    else:
        messages.info(request, f"令牌“{token.name}”此前已被撤销。")
    return redirect("api-tokens-unit", unit_id=unit.pk)
