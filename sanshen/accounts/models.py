"""Per-account security state kept beside `units.User` (which this app does not change)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AccountState(models.Model):
    """One row per user, created the first time a password is set or the account is examined."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name="用户", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    password_changed_at = models.DateTimeField("密码设置时间", null=True, blank=True)
    must_change_password = models.BooleanField(
        "下次登录须改密码", default=False, help_text="密码由他人设置或重置后，本人登录时须先改密码。"
    )
    dormant_flagged_at = models.DateTimeField("标记休眠时间", null=True, blank=True)
    dormant_disabled_at = models.DateTimeField("因休眠停用时间", null=True, blank=True)
    reactivated_at = models.DateTimeField("重新启用时间", null=True, blank=True)

    class Meta:
        verbose_name = "账号安全状态"
        verbose_name_plural = "账号安全状态"

    def __str__(self) -> str:
        return f"账号安全状态 #{self.user_id}"


class PasswordHistory(models.Model):
    """Hashes of earlier passwords, newest kept up to `SANSHEN_PASSWORD_HISTORY` (reuse check)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="用户", on_delete=models.CASCADE, related_name="+")
    password = models.CharField("密码哈希", max_length=128)
    created_at = models.DateTimeField("设置时间", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "历史密码"
        verbose_name_plural = "历史密码"
        ordering = ("-created_at", "-pk")
        indexes = (models.Index(fields=("user", "-created_at"), name="accounts_pwhist_user_idx"),)

    def __str__(self) -> str:
        return f"历史密码 #{self.pk}"
