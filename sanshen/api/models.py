"""Per-unit API tokens. Only a SHA-256 hash of each token is stored; the token is shown once."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ApiToken(models.Model):
    unit = models.ForeignKey("units.Unit", verbose_name="单位", on_delete=models.PROTECT, related_name="api_tokens")
    name = models.CharField("名称", max_length=100)
    # Set for a reviewer's personal token: decisions made with it are that user's, within the
    # user's own roles. Unset: a system token of the unit (a CMS), which may not decide.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="代表用户", null=True, blank=True, on_delete=models.PROTECT,
        related_name="api_tokens",
    )
    prefix = models.CharField("令牌前缀", max_length=16, help_text="令牌开头几位，仅用于辨认")
    # A token carries 256 random bits, so a fast unsalted hash is enough (no guessing to slow down)
    # and lets a request find its row by an indexed equality lookup.
    hash = models.CharField("令牌哈希", max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="创建人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)
    revoked_at = models.DateTimeField("撤销时间", null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="撤销人", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "接口令牌"
        verbose_name_plural = "接口令牌"
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return f"{self.name}（{self.prefix}…）"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
