"""稿件 (items), their revisions, review routes (as data) and the review record."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models

from sanshen.units.models import Role, Unit


class Category(models.TextChoices):
    WORK_NEWS = "work_news", "工作动态"
    NOTICE = "notice", "公示公告"
    POLICY = "policy", "政策文件"
    KEY_AREA = "key_area", "重点领域"
    REPRINT = "reprint", "转载"
    INTERACTION = "interaction", "互动回应"


class Importance(models.TextChoices):
    NORMAL = "normal", "一般"
    MAJOR = "major", "重大"
    CRITICAL = "critical", "特重大"


IMPORTANCE_RANK = {Importance.NORMAL: 0, Importance.MAJOR: 1, Importance.CRITICAL: 2}


class Topic(models.TextChoices):
    BIDDING = "bidding", "招投标"
    PERSONNEL = "personnel", "人事任免"
    DISASTER = "disaster", "灾情疫情"
    OPINION = "opinion", "舆情回应"


class Source(models.TextChoices):
    ORIGINAL = "original", "原创"
    REPRINT = "reprint", "转载"


class Status(models.TextChoices):
    DRAFT = "draft", "草稿"
    IN_REVIEW = "in_review", "审核中"
    RETURNED = "returned", "退回"
    APPROVED = "approved", "已通过"
    REJECTED = "rejected", "已驳回"
    PUBLISHED = "published", "已发布"
    WITHDRAWN = "withdrawn", "已撤回"


class StepKind(models.TextChoices):
    FIRST = "first", "初审"
    SECOND = "second", "复审"
    FINAL = "final", "终审"
    SECRECY = "secrecy", "保密审查"
    JOINT = "joint", "会审"
    ESCALATION = "escalation", "上级审核"


class Scope(models.TextChoices):
    ITEM = "item", "稿件所属单位"
    DISTRICT = "district", "所在县/区"
    TOP = "top", "本级政府（顶级单位）"
    JOINT = "joint", "会审部门（每个部门一个并行审核）"


class StepState(models.TextChoices):
    PENDING = "pending", "待审"
    PASSED = "passed", "通过"
    RETURNED = "returned", "退回"
    REJECTED = "rejected", "驳回"
    SKIPPED = "skipped", "跳过"


class Action(models.TextChoices):
    APPROVE = "approve", "通过"
    RETURN = "return", "退回"
    REJECT = "reject", "驳回"


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ValidationError("审核记录一经形成不得修改。")

    def delete(self):
        raise ValidationError("审核记录一经形成不得删除。")


class AppendOnly(models.Model):
    """Rows that are written once: the record of who did what must never change."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise ValidationError("审核记录一经形成不得修改。")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("审核记录一经形成不得删除。")


# Items and revisions ------------------------------------------------------------------------


class Item(models.Model):
    title = models.CharField("标题", max_length=300)
    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.PROTECT, related_name="review_items")
    drafter = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="拟稿人", on_delete=models.PROTECT, related_name="drafted_items"
    )
    category = models.CharField("信息类别", max_length=20, choices=Category.choices)
    importance = models.CharField("重要程度", max_length=10, choices=Importance.choices, default=Importance.NORMAL)
    topics = models.JSONField("涉及事项", default=list, blank=True)
    joint_units = models.ManyToManyField(Unit, verbose_name="会审部门", blank=True, related_name="joint_review_items")
    source = models.CharField("信息来源", max_length=10, choices=Source.choices, default=Source.ORIGINAL)
    source_name = models.CharField("来源名称", max_length=200, blank=True)
    source_url = models.CharField("来源网址", max_length=500, blank=True)
    planned_at = models.DateTimeField("计划发布时间", null=True, blank=True)
    # Where the item is to appear: [{"kind": "site"|"newmedia", "name": "XX市人民政府网站", "column": "通知公告"}]
    channels = models.JSONField("发布渠道", default=list, blank=True)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.DRAFT)
    round = models.PositiveIntegerField("审核轮次", default=0)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "稿件"
        verbose_name_plural = "稿件"
        ordering = ("-created_at", "-id")
        indexes = (models.Index(fields=("unit", "status"), name="review_item_unit_status_idx"),)

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        super().clean()
        errors = {}
        if not isinstance(self.topics, list) or any(t not in Topic.values for t in self.topics):
            errors["topics"] = "涉及事项只能是：" + "、".join(Topic.labels) + "。"
        if self.source == Source.REPRINT:
            if not self.source_name.strip():
                errors["source_name"] = "转载信息须注明来源名称。"
            try:
                URLValidator(schemes=["http", "https"])(self.source_url)
            except ValidationError:
                errors["source_url"] = "转载信息须填写有效的来源网址（http 或 https）。"
        if errors:
            raise ValidationError(errors)

    def latest_revision(self) -> Revision | None:
        return self.revisions.order_by("-number").first()


def content_hash(title: str, body: str) -> str:
    return hashlib.sha256(f"{title}\n{body}".encode()).hexdigest()


class Revision(AppendOnly):
    item = models.ForeignKey(Item, verbose_name="稿件", on_delete=models.PROTECT, related_name="revisions")
    number = models.PositiveIntegerField("版本号")
    title = models.CharField("标题", max_length=300)
    body = models.TextField("正文")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="修改人", on_delete=models.PROTECT, related_name="review_revisions"
    )
    created_at = models.DateTimeField("时间", auto_now_add=True)
    findings = models.JSONField("机器检查结果", default=list)
    engine_version = models.CharField("检查引擎版本", max_length=40)
    content_hash = models.CharField("内容摘要（SHA-256）", max_length=64)

    class Meta:
        verbose_name = "稿件版本"
        verbose_name_plural = "稿件版本"
        ordering = ("item_id", "number")
        constraints = (models.UniqueConstraint(fields=("item", "number"), name="review_revision_unique_number"),)

    def __str__(self) -> str:
        return f"{self.title}（第{self.number}版）"

    @property
    def veto_findings(self) -> list[dict]:
        return [f for f in self.findings if f.get("severity") == "veto"]


class VetoOverride(AppendOnly):
    """A reviewer lets a revision with `veto` findings go forward, with a written reason."""

    revision = models.ForeignKey(Revision, verbose_name="版本", on_delete=models.PROTECT, related_name="overrides")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="放行人", on_delete=models.PROTECT)
    reason = models.TextField("理由")
    findings = models.JSONField("放行的否决项", default=list)
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "否决项放行"
        verbose_name_plural = "否决项放行"
        ordering = ("created_at", "id")

    def __str__(self) -> str:
        return f"{self.revision} · {self.user}"


class AttachmentKind(models.TextChoices):
    ORIGINAL = "original", "正文原件"
    ATTACHMENT = "attachment", "附件"


class Attachment(AppendOnly):
    """A file kept with an item: an uploaded body's original (.docx/.html/.pdf) or an attachment.
    Stored in the database so that backups, archives and the audit trail cover it; never changed."""

    item = models.ForeignKey(Item, verbose_name="稿件", on_delete=models.PROTECT, related_name="attachments")
    revision = models.ForeignKey(
        Revision, verbose_name="对应版本", null=True, blank=True, on_delete=models.PROTECT, related_name="attachments"
    )
    kind = models.CharField("类型", max_length=10, choices=AttachmentKind.choices, default=AttachmentKind.ATTACHMENT)
    name = models.CharField("文件名", max_length=255)
    content_type = models.CharField("文件类型", max_length=100, blank=True)
    size = models.PositiveBigIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64)
    data = models.BinaryField("内容")
    findings = models.JSONField("机器检查结果", default=list, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "稿件文件"
        verbose_name_plural = "稿件文件"
        ordering = ("item_id", "uploaded_at", "id")

    def __str__(self) -> str:
        return f"{self.item} · {self.name}"


class AttachmentRemoval(AppendOnly):
    """A wrong attachment taken off an item by its drafter while the item is a draft or returned.
    The file itself stays (the `Attachment` row is never changed or deleted): it is listed as
    已移除 with the reason, kept in the monthly archive, and its findings no longer block."""

    attachment = models.OneToOneField(
        Attachment, verbose_name="附件", on_delete=models.PROTECT, related_name="removal"
    )
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="移除人", on_delete=models.PROTECT, related_name="+"
    )
    removed_at = models.DateTimeField("移除时间", auto_now_add=True)
    reason = models.CharField("移除理由", max_length=200)

    class Meta:
        verbose_name = "附件移除记录"
        verbose_name_plural = "附件移除记录"
        ordering = ("removed_at", "id")

    def __str__(self) -> str:
        return f"{self.attachment} · 已移除"


# Routes as data -----------------------------------------------------------------------------


class RouteTemplate(models.Model):
    category = models.CharField("信息类别", max_length=20, choices=Category.choices, unique=True)
    name = models.CharField("名称", max_length=100)
    is_active = models.BooleanField("启用", default=True)
    # Each 保密审查 step of the route expands into this many levels reviewed in turn (seed 000's
    # form has two); blank = the deployment default `SANSHEN_SECRECY_STEPS`.
    secrecy_levels = models.PositiveSmallIntegerField(
        "保密审查级数", null=True, blank=True, help_text="留空则使用部署默认值（SANSHEN_SECRECY_STEPS）。"
    )

    class Meta:
        verbose_name = "审核流程模板"
        verbose_name_plural = "审核流程模板"
        ordering = ("category",)

    def __str__(self) -> str:
        return self.name


class RouteStepTemplate(models.Model):
    """One step of a route. Steps with the same `order` run in parallel; a `joint` scope step
    becomes one parallel step per 会审 department."""

    template = models.ForeignKey(RouteTemplate, verbose_name="流程", on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveIntegerField("顺序")
    kind = models.CharField("环节", max_length=12, choices=StepKind.choices)
    label = models.CharField("名称", max_length=100, blank=True)
    role = models.CharField("所需角色", max_length=32, choices=Role.choices)
    scope = models.CharField("审核单位", max_length=10, choices=Scope.choices, default=Scope.ITEM)
    joint_units = models.ManyToManyField(Unit, verbose_name="固定会审部门", blank=True, related_name="+")
    min_importance = models.CharField(
        "仅当重要程度至少为", max_length=10, choices=Importance.choices, blank=True, default=""
    )
    topics = models.JSONField("仅当涉及事项（任一）", default=list, blank=True)
    deadline_hours = models.PositiveIntegerField("办理时限（小时）", default=24)

    class Meta:
        verbose_name = "审核环节模板"
        verbose_name_plural = "审核环节模板"
        ordering = ("template_id", "order", "id")

    def __str__(self) -> str:
        return self.label or self.get_kind_display()

    def clean(self) -> None:
        super().clean()
        if not isinstance(self.topics, list) or any(t not in Topic.values for t in self.topics):
            raise ValidationError({"topics": "涉及事项只能是：" + "、".join(Topic.labels) + "。"})


# Review instances ---------------------------------------------------------------------------


class ReviewStep(models.Model):
    item = models.ForeignKey(Item, verbose_name="稿件", on_delete=models.PROTECT, related_name="steps")
    round = models.PositiveIntegerField("审核轮次")
    order = models.PositiveIntegerField("顺序")
    kind = models.CharField("环节", max_length=12, choices=StepKind.choices)
    label = models.CharField("名称", max_length=100)
    group = models.CharField("并行组", max_length=100, blank=True)
    role = models.CharField("所需角色", max_length=32, choices=Role.choices, blank=True)
    unit = models.ForeignKey(Unit, verbose_name="审核单位", on_delete=models.PROTECT, related_name="+")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="指定审核人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    state = models.CharField("状态", max_length=10, choices=StepState.choices, default=StepState.PENDING)
    deadline_hours = models.PositiveIntegerField("办理时限（小时）", default=24)
    deadline = models.DateTimeField("截止时间", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审核人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField("审核时间", null=True, blank=True)
    opinion = models.TextField("审核意见", blank=True)
    revision = models.ForeignKey(
        Revision, verbose_name="审核版本", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    proofread = models.BooleanField("已校对", default=False)
    reminded_at = models.DateTimeField("最近提醒时间", null=True, blank=True)
    skip_reason = models.CharField("跳过原因", max_length=200, blank=True)
    delegated_from = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="委托人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = "审核环节"
        verbose_name_plural = "审核环节"
        ordering = ("item_id", "round", "order", "id")
        indexes = (models.Index(fields=("state", "deadline"), name="review_step_state_deadline_idx"),)

    def __str__(self) -> str:
        return f"{self.item} · {self.label}"


class Decision(AppendOnly):
    item = models.ForeignKey(Item, verbose_name="稿件", on_delete=models.PROTECT, related_name="decisions")
    step = models.ForeignKey(ReviewStep, verbose_name="环节", on_delete=models.PROTECT, related_name="decisions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="审核人", on_delete=models.PROTECT, related_name="+"
    )
    delegated_from = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="委托人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("时间", auto_now_add=True)
    action = models.CharField("决定", max_length=10, choices=Action.choices)
    opinion = models.TextField("审核意见", blank=True)
    revision_number = models.PositiveIntegerField("审核版本号")
    proofread = models.BooleanField("已校对当前版本", default=False)
    override_reason = models.TextField("否决项放行理由", blank=True)
    back_to_order = models.PositiveIntegerField("退回至环节", null=True, blank=True)

    class Meta:
        verbose_name = "审核决定"
        verbose_name_plural = "审核决定"
        ordering = ("created_at", "id")

    def __str__(self) -> str:
        return f"{self.item} · {self.user} · {self.get_action_display()}"


class Delegation(models.Model):
    """While `from_user` is away, `to_user` may decide the steps `from_user` could decide."""

    from_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="委托人", on_delete=models.PROTECT, related_name="delegations_given"
    )
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="受托人", on_delete=models.PROTECT, related_name="delegations_received"
    )
    start = models.DateTimeField("开始时间")
    end = models.DateTimeField("结束时间")
    reason = models.CharField("事由", max_length=200, blank=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "审核委托"
        verbose_name_plural = "审核委托"
        ordering = ("-start", "id")

    def __str__(self) -> str:
        return f"{self.from_user} → {self.to_user}"

    def clean(self) -> None:
        super().clean()
        if self.from_user_id and self.from_user_id == self.to_user_id:
            raise ValidationError("不能委托给自己。")
        if self.start and self.end and self.end <= self.start:
            raise ValidationError({"end": "结束时间须晚于开始时间。"})


# Publication, webhooks and withdrawal requests ----------------------------------------------
# (002 第十二条 publication by the site editor; 第十四条 no withdrawal or deletion without an
# approved request. Nothing here deletes an item: a withdrawn or "deleted" item stays on record.)


class Publication(models.Model):
    item = models.OneToOneField(Item, verbose_name="稿件", on_delete=models.PROTECT, related_name="publication")
    url = models.CharField("发布网址", max_length=500)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="发布人", on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField("发布时间")
    revision_number = models.PositiveIntegerField("发布版本号")

    class Meta:
        verbose_name = "发布记录"
        verbose_name_plural = "发布记录"
        ordering = ("-published_at", "id")

    def __str__(self) -> str:
        return f"{self.item} · {self.url}"


class WebhookEndpoint(models.Model):
    """A unit's CMS: events of the unit's items are POSTed here, signed with `secret`."""

    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.PROTECT, related_name="webhook_endpoints")
    url = models.CharField("接收地址", max_length=500)
    secret = models.CharField("签名密钥", max_length=200)
    active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "推送地址（Webhook）"
        verbose_name_plural = "推送地址（Webhook）"
        ordering = ("unit_id", "id")

    def __str__(self) -> str:
        return f"{self.unit} → {self.url}"

    def clean(self) -> None:
        super().clean()
        try:
            URLValidator(schemes=["http", "https"])(self.url)
        except ValidationError as exc:
            raise ValidationError({"url": "请填写有效的 http 或 https 地址。"}) from exc
        if len(self.secret or "") < 16:
            raise ValidationError({"secret": "签名密钥至少 16 个字符。"})


class DeliveryState(models.TextChoices):
    PENDING = "pending", "待发送"
    DELIVERED = "delivered", "已送达"
    FAILED = "failed", "已放弃"


class WebhookDelivery(models.Model):
    endpoint = models.ForeignKey(
        WebhookEndpoint, verbose_name="推送地址", on_delete=models.PROTECT, related_name="deliveries"
    )
    item = models.ForeignKey(Item, verbose_name="稿件", on_delete=models.PROTECT, related_name="webhook_deliveries")
    event = models.CharField("事件", max_length=40)
    payload = models.JSONField("内容")
    state = models.CharField("状态", max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING)
    attempts = models.PositiveIntegerField("已尝试次数", default=0)
    next_attempt_at = models.DateTimeField("下次尝试时间")
    last_status = models.PositiveIntegerField("最近响应码", null=True, blank=True)
    last_error = models.TextField("最近错误", blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    delivered_at = models.DateTimeField("送达时间", null=True, blank=True)

    class Meta:
        verbose_name = "推送任务"
        verbose_name_plural = "推送任务"
        ordering = ("-created_at", "-id")
        indexes = (models.Index(fields=("state", "next_attempt_at"), name="review_webhook_due_idx"),)

    def __str__(self) -> str:
        return f"{self.event} · {self.item_id} → {self.endpoint_id}"


class WebhookAttempt(AppendOnly):
    """One POST of a delivery, kept whatever its outcome."""

    delivery = models.ForeignKey(
        WebhookDelivery, verbose_name="推送任务", on_delete=models.PROTECT, related_name="attempt_log"
    )
    number = models.PositiveIntegerField("第几次")
    at = models.DateTimeField("时间")
    status = models.PositiveIntegerField("响应码", null=True, blank=True)
    error = models.TextField("错误", blank=True)
    duration_ms = models.PositiveIntegerField("耗时（毫秒）", default=0)

    class Meta:
        verbose_name = "推送尝试"
        verbose_name_plural = "推送尝试"
        ordering = ("delivery_id", "number")

    def __str__(self) -> str:
        return f"{self.delivery} #{self.number}"


class WithdrawKind(models.TextChoices):
    WITHDRAW = "withdraw", "撤回"
    DELETE = "delete", "删除"


class RequestState(models.TextChoices):
    PENDING = "pending", "待审批"
    APPROVED = "approved", "已同意"
    REJECTED = "rejected", "不同意"


class WithdrawRequest(models.Model):
    item = models.ForeignKey(Item, verbose_name="稿件", on_delete=models.PROTECT, related_name="withdraw_requests")
    kind = models.CharField("类型", max_length=10, choices=WithdrawKind.choices)
    reason = models.TextField("理由")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="申请人", on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField("申请时间", auto_now_add=True)
    state = models.CharField("状态", max_length=10, choices=RequestState.choices, default=RequestState.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审批人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    opinion = models.TextField("审批意见", blank=True)
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)

    class Meta:
        verbose_name = "撤回/删除申请"
        verbose_name_plural = "撤回/删除申请"
        ordering = ("-requested_at", "-id")
        constraints = (
            models.UniqueConstraint(
                fields=("item",), condition=models.Q(state="pending"), name="review_withdraw_one_pending"
            ),
        )

    def __str__(self) -> str:
        return f"{self.item} · {self.get_kind_display()}（{self.get_state_display()}）"


def _register_publishing_actions() -> None:
    from sanshen.audit.models import register_action

    register_action("review_publish", "稿件发布")
    register_action("review_withdraw_request", "撤回/删除申请")
    register_action("review_withdraw_decision", "撤回/删除审批")
    register_action("review_archive", "月度归档")
    register_action("review_self_inspection", "自检自查报告")


_register_publishing_actions()


def _remember_status(sender, instance, **kwargs) -> None:
    instance._loaded_status = instance.__dict__.get("status")  # never load a deferred field


def _status_changed(sender, instance, created, raw=False, **kwargs) -> None:
    # Approval happens in services.decide; the CMS hears of it through the unit's webhooks.
    if raw:
        return
    before = getattr(instance, "_loaded_status", None)
    instance._loaded_status = instance.status
    if instance.status == Status.APPROVED and before != Status.APPROVED and not created:
        from .publishing import enqueue_event

        enqueue_event(instance, "item.approved")


models.signals.post_init.connect(_remember_status, sender=Item, dispatch_uid="review_item_status_init")
models.signals.post_save.connect(_status_changed, sender=Item, dispatch_uid="review_item_status_save")
