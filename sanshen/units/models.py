"""The unit tree (市 → 县/区 → 部门/乡镇, any depth), users and per-unit roles."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr

# A unit's path is the concatenation of its ancestors' and its own primary key, each written as
# SEGMENT fixed-width base-36 characters. Fixed width needs no separator, keeps siblings in
# creation order when sorted, and makes "the whole subtree" one indexed prefix query.
SEGMENT = 7
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"
PATH_MAX_LENGTH = 255
MAX_DEPTH = PATH_MAX_LENGTH // SEGMENT


def encode_segment(pk: int) -> str:
    if pk < 0 or pk >= 36**SEGMENT:
        raise ValueError(f"单位编号超出路径可表示的范围：{pk}")
    out = []
    for _ in range(SEGMENT):
        pk, digit = divmod(pk, 36)
        out.append(_DIGITS[digit])
    return "".join(reversed(out))


class User(AbstractUser):
    """A person who signs in. Roles are held per unit through `Membership`."""

    full_name = models.CharField("姓名", max_length=50, blank=True)

    class Meta(AbstractUser.Meta):
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def __str__(self) -> str:
        return self.full_name or self.get_full_name() or self.username


class Unit(models.Model):
    class Kind(models.TextChoices):
        PROVINCE = "province", "省"
        CITY = "city", "市"
        COUNTY = "county", "县/区"
        DEPARTMENT = "department", "部门"
        TOWNSHIP = "township", "乡镇/街道"
        OFFICE = "office", "科室/内设机构"
        OTHER = "other", "其他"

    name = models.CharField("名称", max_length=100)
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField("树路径", max_length=PATH_MAX_LENGTH, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField("层级", editable=False, default=0)
    is_active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "单位"
        verbose_name_plural = "单位"
        ordering = ("path",)
        constraints = (models.UniqueConstraint(fields=("parent", "name"), name="units_unit_unique_name_per_parent"),)

    def __str__(self) -> str:
        return self.name

    # Tree queries -----------------------------------------------------------------------------

    def subtree(self, *, include_self: bool = True) -> models.QuerySet[Unit]:
        qs = Unit.objects.filter(path__startswith=self.path)
        return qs if include_self else qs.exclude(pk=self.pk)

    def ancestor_paths(self, *, include_self: bool = True) -> list[str]:
        stop = len(self.path) if include_self else len(self.path) - SEGMENT
        return [self.path[:end] for end in range(SEGMENT, stop + 1, SEGMENT)]

    def ancestors(self, *, include_self: bool = False) -> models.QuerySet[Unit]:
        return Unit.objects.filter(path__in=self.ancestor_paths(include_self=include_self))

    def is_within(self, other: Unit) -> bool:
        """True when this unit is `other` or lies below it."""
        return bool(other.path) and self.path.startswith(other.path)

    # Keeping path and depth right -------------------------------------------------------------

    def clean(self) -> None:
        super().clean()
        if self.parent_id is None or self.pk is None:
            return
        parent = self.parent
        if parent.pk == self.pk or (self.path and parent.path.startswith(self.path)):
            raise ValidationError({"parent": "不能把单位移到它自己或它的下级单位之下。"})

    def save(self, *args, **kwargs) -> None:
        with transaction.atomic(using=kwargs.get("using") or "default"):
            if self.pk is None:
                self._check_parent_depth()
                super().save(*args, **kwargs)
                # The path needs the primary key, which exists only after the insert.
                self.path = self._parent_path() + encode_segment(self.pk)
                self.depth = len(self.path) // SEGMENT
                Unit.objects.filter(pk=self.pk).update(path=self.path, depth=self.depth)
                return
            old = Unit.objects.filter(pk=self.pk).values_list("path", "parent_id").first()
            if old is None or old[1] == self.parent_id:
                super().save(*args, **kwargs)
                return
            self._move(*args, old_path=old[0], **kwargs)

    def _parent_path(self) -> str:
        if self.parent_id is None:
            return ""
        return Unit.objects.filter(pk=self.parent_id).values_list("path", flat=True).get()

    def _check_parent_depth(self) -> None:
        if self.parent_id is not None and len(self._parent_path()) + SEGMENT > PATH_MAX_LENGTH:
            raise ValidationError(f"单位层级不能超过 {MAX_DEPTH} 级。")

    def _move(self, *args, old_path: str, **kwargs) -> None:
        new_path = self._parent_path() + encode_segment(self.pk)
        if new_path.startswith(old_path):
            raise ValidationError({"parent": "不能把单位移到它自己或它的下级单位之下。"})
        deepest = Unit.objects.filter(path__startswith=old_path).aggregate(m=models.Max("depth"))["m"] or self.depth
        delta = (len(new_path) - len(old_path)) // SEGMENT
        if (deepest + delta) * SEGMENT > PATH_MAX_LENGTH:
            raise ValidationError(f"单位层级不能超过 {MAX_DEPTH} 级。")
        self.path = new_path
        self.depth = len(new_path) // SEGMENT
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "path", "depth"}
        super().save(*args, **kwargs)
        Unit.objects.filter(path__startswith=old_path).exclude(pk=self.pk).update(
            path=Concat(Value(new_path), Substr("path", len(old_path) + 1), output_field=models.CharField()),
            depth=F("depth") + delta,
        )


class Role(models.TextChoices):
    EDITOR = "editor", "信息员"
    SECTION_HEAD = "section_head", "科室负责人"
    DEPUTY_LEADER = "deputy_leader", "分管领导"
    PRINCIPAL_LEADER = "principal_leader", "主要领导"
    SECRECY_REVIEWER = "secrecy_reviewer", "保密审查员"
    SITE_ADMIN = "site_admin", "网站管理员"
    DUTY_OFFICER = "duty_officer", "值班员"
    SUPERVISOR = "supervisor", "监管员"


class Membership(models.Model):
    """A user holds `role` in `unit`. One row per (user, unit, role)."""

    user = models.ForeignKey(User, verbose_name="用户", on_delete=models.CASCADE, related_name="memberships")
    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField("角色", max_length=32, choices=Role.choices)
    created_at = models.DateTimeField("授予时间", auto_now_add=True)

    class Meta:
        verbose_name = "角色授予"
        verbose_name_plural = "角色授予"
        ordering = ("unit__path", "user_id", "role")
        constraints = (models.UniqueConstraint(fields=("user", "unit", "role"), name="units_membership_unique_role"),)
        indexes = (models.Index(fields=("user", "role"), name="units_member_user_role_idx"),)

    def __str__(self) -> str:
        return f"{self.user} · {self.unit} · {self.get_role_display()}"
