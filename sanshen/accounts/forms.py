from __future__ import annotations

from typing import ClassVar

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.hashers import check_password

from .models import AccountState
from .services import cool_off, failure_limit


class LoginForm(AuthenticationForm):
    error_messages: ClassVar[dict[str, str]] = {
        **AuthenticationForm.error_messages,
        "invalid_login": "账号或密码不正确（区分大小写）。",
        "inactive": "该账号已停用，请联系本单位网站管理员。",
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = "账号"
        self.fields["password"].label = "密码"
        self.fields["username"].widget.attrs.update(autocomplete="username", autocapitalize="none")

    def get_invalid_login_error(self):
        request = self.request
        if request is not None and not getattr(request, "axes_locked_out", False):
            disabled = self._disabled_account_message()
            if disabled:
                return forms.ValidationError(disabled, code="inactive")
            failures = getattr(request, "axes_failures_since_start", None)
            if failures:
                left = failure_limit() - failures
                period = cool_off()
                if 0 < left <= 3 and period:
                    minutes = int(period.total_seconds() // 60)
                    return forms.ValidationError(
                        f"账号或密码不正确（区分大小写）。再失败 {left} 次，本账号将在本机锁定 {minutes} 分钟。",
                        code="invalid_login",
                    )
        return super().get_invalid_login_error()

    def _disabled_account_message(self) -> str:
        # Only with the right password, so this tells nothing to someone guessing names; the
        # attempt has already counted as a failure for the lockout.
        username, password = self.cleaned_data.get("username"), self.cleaned_data.get("password")
        if not username or not password:
            return ""
        model = get_user_model()
        user = model._default_manager.filter(**{model.USERNAME_FIELD: username}).first()
        if user is None or user.is_active or not check_password(password, user.password):
            return ""
        state = AccountState.objects.filter(user_id=user.pk).first()
        if state is not None and state.dormant_disabled_at is not None:
            return "该账号因长期未登录已被停用（休眠账号）。请联系本单位网站管理员在账号台账中重新启用。"
        return self.error_messages["inactive"]


class TokenForm(forms.Form):
    token = forms.CharField(
        label="验证码",
        max_length=32,
        strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}),
        help_text="身份验证器上的 6 位数字；手机不在身边时可输入一个恢复码。",
    )


class SetupForm(forms.Form):
    token = forms.CharField(
        label="验证码",
        max_length=6,
        min_length=6,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9]{6}"}),
        help_text="扫码后，输入身份验证器显示的 6 位数字。",
    )


class PasswordConfirmForm(forms.Form):
    password = forms.CharField(
        label="当前密码", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not check_password(password, self.user.password):
            raise forms.ValidationError("密码不正确。")
        return password
