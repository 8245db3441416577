"""Audit entries and the head of their hash chain.

Rows of `AuditEntry` are never updated or deleted: database triggers refuse it (migration 0002).
Foreign keys to users and units carry no database constraint and never cascade, so deleting a
user or a unit leaves its history intact (the username and object description are snapshots).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Action(models.TextChoices):
    LOGIN = "login", "登录"
    LOGIN_FAILED = "login_failed", "登录失败"
    LOGOUT = "logout", "退出登录"
    PERMISSION_CHANGE = "permission_change", "权限变更"
    CREATE = "create", "新增"
    UPDATE = "update", "修改"
    DELETE = "delete", "删除"
    EXPORT = "export", "导出"


# Later apps add their own actions (approve, withdraw, …) with `register_action`; the column has
# no choices so that doing so needs no migration of this app.
ACTION_LABELS: dict[str, str] = dict(Action.choices)


def register_action(value: str, label: str) -> None:
    """Make `value` a known audit action shown as `label`."""
    if len(value) > 32 or not value.replace("_", "").isalnum():
        raise ValueError(f"无效的审计操作名：{value!r}")
    existing = ACTION_LABELS.get(value)
    if existing is not None and existing != label:
        raise ValueError(f"审计操作 {value!r} 已登记为“{existing}”")
    ACTION_LABELS[value] = label


class AuditEntry(models.Model):
    seq = models.PositiveBigIntegerField("序号", unique=True)
    time = models.DateTimeField("时间", db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_username = models.CharField("操作人账号", max_length=150, blank=True)
    ip = models.GenericIPAddressField("IP 地址", null=True, blank=True)
    user_agent = models.CharField("浏览器标识", max_length=512, blank=True)
    action = models.CharField("操作", max_length=32, db_index=True)
    object_type = models.CharField("对象类型", max_length=100, blank=True)
    object_id = models.CharField("对象编号", max_length=64, blank=True)
    object_repr = models.CharField("对象", max_length=200, blank=True)
    unit = models.ForeignKey(
        "units.Unit",
        verbose_name="单位",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    before = models.JSONField("变更前", null=True, blank=True)
    after = models.JSONField("变更后", null=True, blank=True)
    key_id = models.CharField("密钥标识", max_length=16)
    prev_hash = models.CharField("前一条哈希", max_length=64)
    hash = models.CharField("哈希", max_length=64, unique=True)

    class Meta:
        verbose_name = "审计日志"
        verbose_name_plural = "审计日志"
        ordering = ("seq",)
        default_permissions = ("view",)
        indexes = (
            models.Index(fields=("object_type", "object_id"), name="audit_entry_object_idx"),
            models.Index(fields=("actor", "time"), name="audit_entry_actor_idx"),
            models.Index(fields=("unit", "time"), name="audit_entry_unit_idx"),
        )

    def __str__(self) -> str:
        when = timezone.localtime(self.time).strftime("%Y-%m-%d %H:%M:%S")
        return f"#{self.seq} {when} {self.actor_username or '—'} {self.action_label}"

    @property
    def action_label(self) -> str:
        return ACTION_LABELS.get(self.action, self.action)

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise RuntimeError("审计日志只能追加，不能修改。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("审计日志只能追加，不能删除。")


class AuditChainHead(models.Model):
    """One row (pk=1): the last entry's sequence number and hash.

    Appends lock this row, so entries are chained one at a time, and it lets verification notice
    entries cut off the end of the chain.
    """

    seq = models.PositiveBigIntegerField("最后序号", default=0)
    hash = models.CharField("最后哈希", max_length=64)

    class Meta:
        verbose_name = "审计链头"
        verbose_name_plural = "审计链头"
        default_permissions = ()

    def __str__(self) -> str:
        return f"#{self.seq} {self.hash[:12]}"
