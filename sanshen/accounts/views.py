"""Sign-in, second factor, password change, the security page and the account ledger."""

from __future__ import annotations

import csv
import io
from urllib.parse import quote

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.password_validation import password_validators_help_texts
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from sanshen.audit.models import AuditEntry
from sanshen.audit.services import client_ip, record
from sanshen.units.models import Unit
from sanshen.units.services import visible_units

from . import dormant, ledger, services
from .forms import LoginForm, PasswordConfirmForm, SetupForm, TokenForm
from .models import AccountState

CODES_SESSION_KEY = "_sanshen_new_recovery_codes"


def _next_url(request, default: str = "home") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse(default)


# Sign-in and sign-out ------------------------------------------------------------------------


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        period = services.cool_off()
        context.update(
            failure_limit=services.failure_limit(), lock_minutes=int(period.total_seconds() // 60) if period else None
        )
        return context


class LogoutView(auth_views.LogoutView):
    next_page = "login"

    def post(self, request, *args, **kwargs):
        was_signed_in = request.user.is_authenticated
        response = super().post(request, *args, **kwargs)
        if was_signed_in:
            messages.success(request, "您已安全退出。")
        return response


def lockout_response(request, original_response=None, credentials=None):
    """The page django-axes shows instead of the login form while an account is locked."""
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    until = services.locked_until(username, client_ip(request)) if username else None
    period = services.cool_off()
    context = {
        "until": until,
        "minutes": int(period.total_seconds() // 60) if period else None,
        "failure_limit": services.failure_limit(),
    }
    return render(request, "accounts/locked_out.html", context, status=429)


# Second factor -------------------------------------------------------------------------------


@login_required
def otp_verify(request):
    user = request.user
    if services.is_verified(user) or not services.user_has_any_device(user):
        return redirect(_next_url(request))
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device, problem = services.verify_second_factor(request, form.cleaned_data["token"])
        if device is not None:
            from django_otp.plugins.otp_static.models import StaticDevice

            left = services.recovery_codes_left(user)
            if isinstance(device, StaticDevice):
                messages.warning(request, f"您使用了一个恢复码，还剩 {left} 个。如手机丢失，请在“账号安全”中重新绑定。")
            return redirect(_next_url(request))
        form.add_error("token", problem)
    return render(request, "accounts/otp_verify.html", {"form": form, "next": request.GET.get("next", "")})


def _qr_svg(data: str) -> str:
    """The QR code as an inline <svg> element: no data: URL, no inline style, so the strict
    content security policy needs no exception."""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathFillImage, box_size=10, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode("utf-8")
    svg = svg[svg.index("<svg") :]
    return svg.replace("<svg ", '<svg class="qr-code" role="img" aria-label="绑定身份验证器的二维码" ', 1)


def _grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@login_required
def two_factor_setup(request):
    user = request.user
    if services.has_two_factor(user) and not services.is_verified(user):
        return redirect(f"{reverse('accounts:otp_verify')}?next={quote(request.get_full_path())}")
    device = services.pending_totp(user)
    form = SetupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = services.confirm_totp(request, device, form.cleaned_data["token"])
        if codes is not None:
            request.session[CODES_SESSION_KEY] = codes
            messages.success(request, "双因素认证已启用。请立即保存下面的恢复码。")
            target = reverse("accounts:recovery_codes")
            nxt = request.POST.get("next") or request.GET.get("next")
            return redirect(f"{target}?next={quote(nxt)}" if nxt else target)
        form.add_error("token", "验证码不正确。请确认手机时间准确，并输入最新显示的 6 位数字。")
    from base64 import b32encode

    secret = b32encode(device.bin_key).decode("ascii").rstrip("=")
    context = {
        "form": form,
        "qr_svg": mark_safe(_qr_svg(device.config_url)),  # generated here, not user input
        "secret": _grouped(secret),
        "replacing": services.has_two_factor(user),
        "required": services.two_factor_required(user),
        "next": request.GET.get("next", ""),
    }
    return render(request, "accounts/two_factor_setup.html", context)


@login_required
def recovery_codes(request):
    user = request.user
    if request.method == "POST":
        if not (services.has_two_factor(user) and services.is_verified(user)):
            raise PermissionDenied("请先完成双因素验证。")
        request.session[CODES_SESSION_KEY] = services.new_recovery_codes(user)
        record("recovery_codes_new", actor=user, request=request, obj=user)
        messages.success(request, "已生成新的恢复码，旧恢复码全部作废。")
        return redirect("accounts:recovery_codes")
    codes = request.session.pop(CODES_SESSION_KEY, None)
    context = {
        "codes": [_grouped(c) for c in codes] if codes else None,
        "left": services.recovery_codes_left(user),
        "next": _next_url(request, "accounts:security") if request.GET.get("next") else "",
    }
    return render(request, "accounts/recovery_codes.html", context)


@login_required
@require_POST
def two_factor_disable(request):
    user = request.user
    if not services.has_two_factor(user):
        return redirect("accounts:security")
    if services.two_factor_required(user):
        messages.error(request, "您的角色必须使用双因素认证，不能停用；可以更换身份验证器。")
        return redirect("accounts:security")
    form = PasswordConfirmForm(user, request.POST)
    if not form.is_valid():
        messages.error(request, "密码不正确，双因素认证未停用。")
        return redirect("accounts:security")
    services.remove_two_factor(user, request=request, by=user, reason="本人停用")
    messages.success(request, "双因素认证已停用。")
    return redirect("accounts:security")


# Password and the security page ----------------------------------------------------------------


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"

    def get_success_url(self):
        return _next_url(self.request, "accounts:security")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["rules"] = [text for text in password_validators_help_texts() if text]
        context["next"] = self.request.GET.get("next", "")
        return context

    def form_valid(self, form):
        user = self.request.user
        state = AccountState.objects.filter(user_id=user.pk).first()
        if state is not None and state.must_change_password:
            reason = "管理员重置后本人设置"
        elif services.password_expired(user, state):
            reason = "到期更换"
        else:
            reason = "本人修改"
        response = super().form_valid(form)
        services.record_password_change(self.request, user, reason=reason)
        messages.success(self.request, "密码已修改。")
        return response


@login_required
def security(request):
    user = request.user
    state = AccountState.objects.filter(user_id=user.pk).first()
    sign_ins = AuditEntry.objects.filter(
        actor_username=user.get_username(), action__in=("login", "login_failed", "account_locked")
    ).order_by("-seq")[:10]
    context = {
        "state": state,
        "profile": services.profile(),
        "password_set_at": services.password_set_at(user, state),
        "password_expires_at": services.password_expires_at(user, state),
        "two_factor": services.has_two_factor(user),
        "required": services.two_factor_required(user),
        "codes_left": services.recovery_codes_left(user),
        "confirm_form": PasswordConfirmForm(user),
        "sign_ins": sign_ins,
    }
    return render(request, "accounts/security.html", context)


# Account ledger ------------------------------------------------------------------------------


def _ledger_unit(request) -> Unit:
    """The unit asked for: 404 if the user may not see it at all, 403 if it may see the unit
    but not its ledger."""
    user = request.user
    raw = request.GET.get("unit") or request.POST.get("unit")
    if raw:
        try:
            unit = get_object_or_404(visible_units(user), pk=int(raw))
        except ValueError:
            raise Http404("单位不存在。") from None
        if not ledger.can_see_ledger(user, unit):
            raise PermissionDenied("只有本单位网站管理员、上级监管员可以查看账号台账。")
        return unit
    unit = ledger.ledger_units(user).order_by("path").first()
    if unit is None:
        raise PermissionDenied("只有网站管理员和监管员可以查看账号台账。")
    return unit


@login_required
def ledger_view(request):
    unit = _ledger_unit(request)
    include_sub = request.GET.get("sub") == "1"
    units = [unit]
    if include_sub:
        units = list(ledger.ledger_units(request.user).filter(path__startswith=unit.path).order_by("path"))
    rows = ledger.rows(units, viewer=request.user, manage_unit=unit)
    if request.GET.get("format") == "csv":
        return _ledger_csv(request, unit, rows, include_sub)
    choices = list(ledger.ledger_units(request.user).order_by("path"))
    base = min((u.depth for u in choices), default=1)
    context = {
        "unit": unit,
        "units": [(u, "\u3000" * (u.depth - base) + u.name) for u in choices],
        "include_sub": include_sub,
        "rows": rows,
        "dormant_days": dormant.dormant_days(),
        "disable_after": dormant.disable_after_days(),
        "max_age": services.max_age_days(),
        "now": timezone.now(),
    }
    return render(request, "accounts/ledger.html", context)


def _ledger_csv(request, unit: Unit, rows, include_sub: bool) -> HttpResponse:
    buffer = io.StringIO()
    buffer.write("\ufeff")  # so that Excel opens UTF-8 as UTF-8
    writer = csv.writer(buffer)
    for line in ledger.csv_rows(rows):
        writer.writerow(line)
    record(
        "export",
        request=request,
        obj=unit,
        object_repr=f"账号台账：{unit.name}",
        after={"格式": "csv", "行数": len(rows), "含下级单位": include_sub},
    )
    day = timezone.localdate().strftime("%Y%m%d")
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    name = f"账号台账-{unit.name}-{day}.csv"
    response["Content-Disposition"] = (
        f"attachment; filename=\"ledger-{unit.pk}-{day}.csv\"; filename*=UTF-8''{quote(name)}"
    )
    return response


@login_required
@require_POST
def ledger_action(request, pk: int):
    unit = _ledger_unit(request)
    target = get_object_or_404(get_user_model()._default_manager, pk=pk)
    if not ledger.can_manage_account(request.user, target, unit):
        raise PermissionDenied("无权管理该账号。")
    action = request.POST.get("action")
    name = str(target)
    if action == "unlock":
        services.unlock(target, request=request, by=request.user, unit=unit)
        messages.success(request, f"已解除 {name} 的登录锁定。")
    elif action == "reset_2fa":
        services.remove_two_factor(target, request=request, by=request.user, reason="管理员重置", unit=unit)
        messages.success(request, f"已重置 {name} 的双因素认证，其下次登录时须重新绑定。")
    elif action == "reactivate":
        dormant.reactivate(target, request=request, by=request.user, unit=unit)
        messages.success(request, f"已重新启用 {name}。")
    else:
        raise Http404("未知操作。")
    return redirect(f"{reverse('accounts:ledger')}?unit={unit.pk}")
