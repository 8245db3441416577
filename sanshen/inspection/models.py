"""Quarterly inspection (季度检查): indicator set versions, the working-day calendar, inspections
with their per-site scorecards, manual spot checks (人工抽查), rectification tasks (整改) and the
early warnings already raised (one per site, indicator and day)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from sanshen.units.models import Unit

DEFAULT_WORKDAYS = 10

# 下一步工作要求, modelled on the three paragraphs of a real city bulletin (seed 001).
DEFAULT_NEXT_STEPS = (
    "（一）强化内容安全建设。要进一步完善网站安全管理制度，提升内容运维水平和应急处置能力。同时结合人工抽查和"
    "系统监测等方式，建立长期有效的信息内容检查纠错机制，及时发现和整改错误信息，并对典型错误深入分析原因，"
    "举一反三，确保发布信息权威、准确。\n\n"
    "（二）提高运维保障水平。要切实履行运维保障职责，定期开展巡检自查工作，对内容无法保障、多次出现更新不及时的"
    "账号、栏目进行整合或关停。要不断强化政府网站与政务新媒体互动交流功能，安排专人认真做好公众留言审看发布、"
    "处理反馈工作。要落实节假日值班读网制度，确保全时空维护政府网站和政务新媒体网络信息安全。\n\n"
    "（三）加强安全防护措施。要把政府网站与政务新媒体安全稳定运行作为重要任务，定时开展风险隐患排查，部署升级"
    "安全防护措施。建立各系统账号监管台账，严格落实账号权限动态管理，健全账号管理机制，杜绝因账号管理疏漏造成"
    "安全隐患。"
)


class IndicatorSetVersion(models.Model):
    """One saved version of an indicator set's YAML. Versions are never overwritten: an edit is a
    new row, which becomes the active one of its set."""

    set_id = models.CharField("指标集", max_length=60)
    version = models.PositiveIntegerField("版本号")
    label = models.CharField("文件版本", max_length=60, blank=True, help_text="指标文件中的 version。")
    name = models.CharField("名称", max_length=200, blank=True)
    platform = models.CharField("适用平台", max_length=20, blank=True)
    yaml_text = models.TextField("指标文件（YAML）")
    note = models.CharField("修改说明", max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="保存人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("保存时间", auto_now_add=True)
    is_active = models.BooleanField("当前使用", default=True)

    class Meta:
        verbose_name = "检查指标版本"
        verbose_name_plural = "检查指标版本"
        ordering = ("set_id", "-version")
        constraints = (
            models.UniqueConstraint(fields=("set_id", "version"), name="inspection_indicator_unique_version"),
        )

    def __str__(self) -> str:
        return f"{self.name or self.set_id} 第 {self.version} 版"

    def parsed(self):
        import yaml

        from sanshen.scoring import parse_set

        return parse_set(yaml.safe_load(self.yaml_text), f"{self.set_id} 第 {self.version} 版")


class CalendarDay(models.Model):
    """A supervisor's entry for one day: a holiday (False) or an adjusted working day (调休, True)."""

    date = models.DateField("日期", unique=True)
    is_workday = models.BooleanField("工作日")
    note = models.CharField("说明", max_length=200, blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="录入人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    entered_at = models.DateTimeField("录入时间", auto_now=True)

    class Meta:
        verbose_name = "节假日调整"
        verbose_name_plural = "节假日调整"
        ordering = ("date",)

    def __str__(self) -> str:
        return f"{self.date} {'上班' if self.is_workday else '休息'}"


class CalendarYear(models.Model):
    """A year whose State Council arrangement a supervisor has entered completely."""

    year = models.PositiveSmallIntegerField("年份", unique=True)
    declared_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="确认人", null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    declared_at = models.DateTimeField("确认时间", auto_now_add=True)

    class Meta:
        verbose_name = "已录入年份"
        verbose_name_plural = "已录入年份"
        ordering = ("year",)

    def __str__(self) -> str:
        return str(self.year)


class InspectionState(models.TextChoices):
    OPEN = "open", "检查中"
    CLOSED = "closed", "已结束"


class Inspection(models.Model):
    owner = models.ForeignKey(Unit, verbose_name="组织单位", on_delete=models.PROTECT, related_name="inspections")
    year = models.PositiveSmallIntegerField("年度")
    quarter = models.PositiveSmallIntegerField("季度", choices=[(q, f"第{q}季度") for q in (1, 2, 3, 4)])
    state = models.CharField("状态", max_length=10, choices=InspectionState.choices, default=InspectionState.OPEN)
    indicator_set = models.ForeignKey(IndicatorSetVersion, verbose_name="检查指标", on_delete=models.PROTECT,
                                      related_name="inspections")
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="开启人", null=True,
                                  on_delete=models.SET_NULL, related_name="+")
    opened_at = models.DateTimeField("开启时间", auto_now_add=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="结束人", null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    closed_at = models.DateTimeField("结束时间", null=True, blank=True)
    scored_as_of = models.DateField("评分截止日", null=True, blank=True)
    doc_number = models.CharField("文号", max_length=60, blank=True, help_text="如 惠府办函〔2026〕87号；可留空。")
    recipients = models.CharField("主送", max_length=200, blank=True)
    next_steps = models.TextField("下一步工作要求", default=DEFAULT_NEXT_STEPS)
    rectification_workdays = models.PositiveSmallIntegerField("整改期限（工作日）", default=DEFAULT_WORKDAYS)
    signature = models.CharField("落款", max_length=100, blank=True)
    bulletin_date = models.DateField("通报日期", null=True, blank=True)

    class Meta:
        verbose_name = "季度检查"
        verbose_name_plural = "季度检查"
        ordering = ("-year", "-quarter", "-id")
        constraints = (
            models.UniqueConstraint(fields=("owner", "year", "quarter"), condition=Q(state="open"),
                                    name="inspection_one_open_per_quarter"),
        )

    def __str__(self) -> str:
        return f"{self.owner} {self.year}年第{self.quarter}季度检查"

    @property
    def is_open(self) -> bool:
        return self.state == InspectionState.OPEN


class InspectionSite(models.Model):
    """A site covered by an inspection: every active site of the owner's subtree when it opened."""

    inspection = models.ForeignKey(Inspection, verbose_name="检查", on_delete=models.CASCADE, related_name="entries")
    site = models.ForeignKey("sites.Site", verbose_name="网站", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(Unit, verbose_name="主办单位", on_delete=models.PROTECT, related_name="+")
    score = models.FloatField("得分", null=True, blank=True)
    passed = models.BooleanField("合格", null=True, blank=True)
    scorecard = models.JSONField("评分明细", null=True, blank=True)
    scored_at = models.DateTimeField("评分时间", null=True, blank=True)
    named = models.BooleanField("被通报", default=False, help_text="不合格或有整改任务。")
    bulletins_count = models.PositiveSmallIntegerField("被通报次数（含本次）", default=0)

    class Meta:
        verbose_name = "受检网站"
        verbose_name_plural = "受检网站"
        ordering = ("unit__path", "site__name")
        constraints = (models.UniqueConstraint(fields=("inspection", "site"), name="inspection_site_unique"),)

    def __str__(self) -> str:
        return f"{self.inspection} · {self.site}"

    @property
    def vetoes(self) -> list[dict]:
        return list((self.scorecard or {}).get("vetoes", []))


class SpotType(models.TextChoices):
    SENSITIVE = "sensitive", "错敏词"
    WORDING = "wording", "表述错误"
    NOT_PUBLIC = "not_public", "不宜公开"
    DEAD_LINK = "dead_link", "链接不可用"
    STALE = "stale", "栏目不更新"
    OTHER = "other", "其他"


class SpotCheck(models.Model):
    """A finding of manual spot checking (人工抽查), with an optional screenshot kept in the database."""

    inspection = models.ForeignKey(Inspection, verbose_name="检查", on_delete=models.CASCADE,
                                   related_name="spot_checks")
    site = models.ForeignKey("sites.Site", verbose_name="网站", on_delete=models.PROTECT, related_name="+")
    url = models.URLField("页面地址", max_length=1000)
    problem_type = models.CharField("问题类型", max_length=20, choices=SpotType.choices)
    wrong_text = models.CharField("错误表述", max_length=500, blank=True)
    right_text = models.CharField("正确表述", max_length=500, blank=True)
    excerpt = models.TextField("摘录", blank=True)
    note = models.TextField("说明", blank=True)
    screenshot = models.BinaryField("截图", null=True, blank=True)
    screenshot_name = models.CharField("截图文件名", max_length=200, blank=True)
    screenshot_type = models.CharField("截图类型", max_length=50, blank=True)
    screenshot_size = models.PositiveIntegerField("截图大小", default=0)
    screenshot_sha256 = models.CharField("截图 SHA-256", max_length=64, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="抽查人", null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("抽查时间", auto_now_add=True)

    class Meta:
        verbose_name = "人工抽查发现"
        verbose_name_plural = "人工抽查发现"
        ordering = ("inspection", "created_at", "id")

    def __str__(self) -> str:
        return f"{self.get_problem_type_display()}：{self.url}"


class TaskState(models.TextChoices):
    OPEN = "open", "待整改"
    ANSWERED = "answered", "已答复"
    CONFIRMED = "confirmed", "已确认整改"
    OVERDUE = "overdue", "已逾期"
    ESCALATED = "escalated", "逾期已督办"
    CLOSED = "closed", "已关闭"


OPEN_TASK_STATES = (TaskState.OPEN, TaskState.ANSWERED, TaskState.OVERDUE, TaskState.ESCALATED)


class RectificationTask(models.Model):
    """One problem named in a bulletin, to be rectified by the owning unit by a working-day deadline."""

    inspection = models.ForeignKey(Inspection, verbose_name="检查", on_delete=models.CASCADE, related_name="tasks")
    site = models.ForeignKey("sites.Site", verbose_name="网站", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(Unit, verbose_name="整改单位", on_delete=models.PROTECT, related_name="+")
    problem = models.ForeignKey("sites.Problem", verbose_name="巡检问题", null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")
    spot_check = models.ForeignKey(SpotCheck, verbose_name="抽查发现", null=True, blank=True,
                                   on_delete=models.CASCADE, related_name="tasks")
    indicator = models.CharField("指标", max_length=200, blank=True,
                                 help_text="既非巡检问题也非抽查发现的否决项（如首页不更新）。")
    description = models.TextField("问题描述")
    deadline = models.DateField("整改期限", null=True, blank=True)
    deadline_unknown = models.BooleanField("期限无法计算", default=False)
    deadline_note = models.CharField("期限说明", max_length=300, blank=True)
    state = models.CharField("状态", max_length=10, choices=TaskState.choices, default=TaskState.OPEN)
    answer_note = models.TextField("整改说明", blank=True)
    evidence = models.BinaryField("整改佐证", null=True, blank=True)
    evidence_name = models.CharField("佐证文件名", max_length=200, blank=True)
    evidence_type = models.CharField("佐证类型", max_length=100, blank=True)
    evidence_size = models.PositiveIntegerField("佐证大小", default=0)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="答复人", null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    answered_at = models.DateTimeField("答复时间", null=True, blank=True)
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)
    overdue_at = models.DateTimeField("逾期时间", null=True, blank=True)
    escalated_at = models.DateTimeField("督办时间", null=True, blank=True)
    closed_at = models.DateTimeField("关闭时间", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "整改任务"
        verbose_name_plural = "整改任务"
        ordering = ("deadline", "id")
        indexes = (models.Index(fields=("unit", "state"), name="inspection_task_unit_state_idx"),)

    def __str__(self) -> str:
        return f"{self.site} · {self.description[:40]}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_TASK_STATES

    @property
    def source_label(self) -> str:
        if self.problem_id:
            return "巡检发现"
        if self.spot_check_id:
            return "人工抽查"
        return "指标否决"


class EarlyWarning(models.Model):
    """An early warning raised for a site (and the duty alert it produced): one per indicator a day."""

    site = models.ForeignKey("sites.Site", verbose_name="网站", on_delete=models.CASCADE, related_name="+")
    indicator = models.CharField("指标", max_length=60)
    day = models.DateField("日期")
    detail = models.TextField("内容")
    alert = models.ForeignKey("sites.Alert", verbose_name="告警", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "预警"
        verbose_name_plural = "预警"
        ordering = ("-day", "site")
        constraints = (
            models.UniqueConstraint(fields=("site", "indicator", "day"), name="inspection_warning_once_a_day"),
        )

    def __str__(self) -> str:
        return f"{self.site} · {self.indicator} · {self.day}"


# Annual report (年度工作报表) ---------------------------------------------------------------


class AnnualState(models.TextChoices):
    DRAFT = "draft", "草稿"
    PUBLISHED = "published", "已公开"


class AnnualReport(models.Model):
    """A site's 政府网站年度工作报表 for one year (seed 004 第三十五条), due 31 January of the next year.

    Counts left None are blank on the report (待填写); `notes` says where a prefilled value came from."""

    site = models.ForeignKey("sites.Site", verbose_name="网站", on_delete=models.CASCADE,
                             related_name="annual_reports")
    year = models.PositiveSmallIntegerField("年度")
    state = models.CharField("状态", max_length=10, choices=AnnualState.choices, default=AnnualState.DRAFT)
    items_total = models.PositiveIntegerField("信息发布总数", null=True, blank=True)
    items_by_column = models.JSONField("各栏目发布数", default=list, blank=True,
                                       help_text='[{"column": 栏目名称, "count": 条数}]')
    total_visits = models.PositiveBigIntegerField("网站总访问量", null=True, blank=True)
    unique_visitors = models.PositiveBigIntegerField("独立用户访问总量", null=True, blank=True)
    service_items = models.PositiveIntegerField("服务事项数", null=True, blank=True)
    service_applications = models.PositiveIntegerField("服务受理量", null=True, blank=True)
    messages_received = models.PositiveIntegerField("收到留言数", null=True, blank=True)
    messages_answered = models.PositiveIntegerField("办结留言数", null=True, blank=True)
    messages_avg_days = models.DecimalField("平均办理时间（天）", max_digits=6, decimal_places=1, null=True,
                                            blank=True)
    messages_public = models.PositiveIntegerField("公开答复数", null=True, blank=True)
    platform_note = models.TextField("平台建设情况", blank=True)
    topics_note = models.TextField("开设专栏专题情况", blank=True)
    new_media_note = models.TextField("新媒体传播情况", blank=True)
    innovation_note = models.TextField("创新发展情况", blank=True)
    mechanism_note = models.TextField("机制保障情况", blank=True)
    notes = models.JSONField("数据来源说明", default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="创建人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="修改人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField("修改时间", auto_now=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="公开人", null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    published_at = models.DateTimeField("公开时间", null=True, blank=True)

    class Meta:
        verbose_name = "网站年度工作报表"
        verbose_name_plural = "网站年度工作报表"
        ordering = ("-year", "site")
        constraints = (models.UniqueConstraint(fields=("site", "year"), name="inspection_annual_once_a_year"),)

    def __str__(self) -> str:
        return f"{self.site} {self.year}年度工作报表"

    @property
    def is_published(self) -> bool:
        return self.state == AnnualState.PUBLISHED


class VisitImport(models.Model):
    """One upload of a site's analytics export (CSV) for a year; the newest one sets the visits."""

    site = models.ForeignKey("sites.Site", verbose_name="网站", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField("年度")
    file_name = models.CharField("原文件名", max_length=200)
    encoding = models.CharField("编码", max_length=20, blank=True)
    shape = models.CharField("识别的列", max_length=200, blank=True)
    rows = models.PositiveIntegerField("数据行数")
    total = models.PositiveBigIntegerField("访问量合计")
    visitors_total = models.PositiveBigIntegerField("访客数合计", null=True, blank=True)
    first_day = models.DateField("起始日期", null=True, blank=True)
    last_day = models.DateField("截止日期", null=True, blank=True)
    data = models.BinaryField("原文件")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="上传人", null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "访问量导入"
        verbose_name_plural = "访问量导入"
        ordering = ("-uploaded_at", "-id")

    def __str__(self) -> str:
        return f"{self.site} {self.year} {self.file_name}"


class AnnualReminder(models.Model):
    """The January reminder for a site without a published report for last year: one a day."""

    site = models.ForeignKey("sites.Site", verbose_name="网站", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField("报表年度")
    day = models.DateField("提醒日期")
    alert = models.ForeignKey("sites.Alert", verbose_name="告警", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")

    class Meta:
        verbose_name = "年度报表提醒"
        verbose_name_plural = "年度报表提醒"
        ordering = ("-day", "site")
        constraints = (
            models.UniqueConstraint(fields=("site", "year", "day"), name="inspection_annual_reminder_once_a_day"),
        )
