"""Registered websites, their columns (栏目), patrol runs, the problems patrols found, the
availability probes and the duty queue of alerts (值班读网)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models

from sanshen.patrol.model import KIND_LABELS, Kind
from sanshen.units.models import Unit

SEVERITY_CHOICES = (("veto", "否决"), ("high", "高"), ("medium", "中"), ("low", "低"))
SEVERITY_RANK = {"veto": 0, "high": 1, "medium": 2, "low": 3}
KIND_CHOICES = tuple((kind.value, KIND_LABELS[kind]) for kind in Kind)

# 网站标识码: ten characters, letters and digits (e.g. 5303000001, 53030200xx). Checked loosely.
site_code_validator = RegexValidator(r"^[0-9A-Za-z]{10}$", "网站标识码应为 10 位字母或数字。")


class SiteKind(models.TextChoices):
    PORTAL = "portal", "政府门户网站"
    DEPARTMENT = "department", "部门网站"
    SPECIAL = "special", "专项网站"


class Schedule(models.TextChoices):
    DAILY = "daily", "每天定时"
    INTERVAL = "interval", "每隔 N 小时"


class Site(models.Model):
    unit = models.ForeignKey(Unit, verbose_name="主办单位", on_delete=models.PROTECT, related_name="sites")
    name = models.CharField("网站名称", max_length=200)
    home_url = models.URLField("首页地址", max_length=500)
    allowed_hosts = models.JSONField("本站域名", default=list, blank=True,
                                     help_text="属于本站的其他域名，首页域名自动包含。")
    site_code = models.CharField("网站标识码", max_length=10, blank=True, validators=[site_code_validator])
    icp = models.CharField("ICP 备案号", max_length=60, blank=True)
    psb = models.CharField("公安备案号", max_length=60, blank=True)
    kind = models.CharField("网站类型", max_length=20, choices=SiteKind.choices, default=SiteKind.DEPARTMENT)
    # Crawl options.
    obey_robots = models.BooleanField("遵守 robots.txt", default=True)
    cloaking = models.BooleanField("检测针对搜索引擎的伪装", default=True)
    headless = models.BooleanField("用无头浏览器渲染", default=False)
    max_pages = models.PositiveIntegerField("最多页面数", default=2000)
    max_depth = models.PositiveSmallIntegerField("最大深度", default=6)
    per_host_concurrency = models.PositiveSmallIntegerField("每主机并发数", default=2)
    # When to patrol and probe.
    schedule = models.CharField("巡检计划", max_length=10, choices=Schedule.choices, default=Schedule.DAILY)
    daily_at = models.TimeField("每天巡检时间", default=dt.time(2, 0))
    every_hours = models.PositiveSmallIntegerField("巡检间隔（小时）", default=24)
    probe_minutes = models.PositiveSmallIntegerField("可用性探测间隔（分钟）", default=15)
    is_active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = "网站"
        verbose_name_plural = "网站"
        ordering = ("unit__path", "name")
        constraints = (models.UniqueConstraint(fields=("unit", "home_url"), name="sites_site_unique_url_per_unit"),)

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        hosts = self.allowed_hosts or []
        if not isinstance(hosts, list) or not all(isinstance(h, str) and h.strip() for h in hosts):
            raise ValidationError({"allowed_hosts": "本站域名应为域名列表。"})
        if self.max_pages < 1 or self.max_depth < 0 or self.per_host_concurrency < 1:
            raise ValidationError("巡检范围设置无效。")
        if self.schedule == Schedule.INTERVAL and not self.every_hours:
            raise ValidationError({"every_hours": "请填写巡检间隔。"})
        if self.probe_minutes < 1:
            raise ValidationError({"probe_minutes": "探测间隔至少 1 分钟。"})

    @property
    def home_host(self) -> str:
        from urllib.parse import urlsplit

        return (urlsplit(self.home_url).hostname or "").lower()

    def hosts(self) -> frozenset[str]:
        return frozenset({self.home_host, *(h.strip().lower() for h in self.allowed_hosts or [] if h.strip())})

    def options(self) -> dict:
        return {
            "obey_robots": self.obey_robots,
            "cloaking": self.cloaking,
            "headless": self.headless,
            "max_pages": self.max_pages,
            "max_depth": self.max_depth,
            "per_host_concurrency": self.per_host_concurrency,
        }


class UpdateClass(models.TextChoices):
    NEWS = "news", "动态要闻（2周）"
    NOTICE = "notice", "通知公告·政策文件（6个月）"
    YEARLY = "yearly", "人事·规划计划（1年）"
    CUSTOM = "custom", "自定义"
    NONE = "none", "不考核"


UPDATE_DAYS = {UpdateClass.NEWS: 14, UpdateClass.NOTICE: 183, UpdateClass.YEARLY: 365}


class Column(models.Model):
    site = models.ForeignKey(Site, verbose_name="网站", on_delete=models.CASCADE, related_name="columns")
    url = models.CharField("栏目地址", max_length=1000)
    name = models.CharField("栏目名称", max_length=200)
    update_class = models.CharField("更新要求", max_length=10, choices=UpdateClass.choices, default=UpdateClass.NEWS)
    custom_days = models.PositiveIntegerField("自定义天数", null=True, blank=True)
    found_automatically = models.BooleanField("巡检自动发现", default=False)
    corrected_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="校正人", null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    corrected_at = models.DateTimeField("校正时间", null=True, blank=True)
    latest_date = models.DateField("最近更新", null=True, blank=True)
    last_seen = models.DateTimeField("最近巡检到", null=True, blank=True)
    item_count = models.PositiveIntegerField("条目数", default=0)
    undated_items = models.PositiveIntegerField("无日期条目", default=0)

    class Meta:
        verbose_name = "栏目"
        verbose_name_plural = "栏目"
        ordering = ("site", "name", "url")
        constraints = (models.UniqueConstraint(fields=("site", "url"), name="sites_column_unique_url"),)

    def __str__(self) -> str:
        return self.name or self.url

    def clean(self) -> None:
        super().clean()
        if self.update_class == UpdateClass.CUSTOM and not self.custom_days:
            raise ValidationError({"custom_days": "自定义更新要求须填写天数。"})

    @property
    def max_age_days(self) -> int | None:
        if self.update_class == UpdateClass.CUSTOM:
            return self.custom_days
        return UPDATE_DAYS.get(self.update_class)

    @property
    def is_corrected(self) -> bool:
        return self.corrected_at is not None

    def age_days(self, today: dt.date) -> int | None:
        return None if self.latest_date is None else (today - self.latest_date).days

    def is_stale(self, today: dt.date) -> bool:
        limit, age = self.max_age_days, self.age_days(today)
        return limit is not None and age is not None and age > limit


class RunState(models.TextChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "巡检中"
    FINISHING = "finishing", "汇总中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"
    CANCELLED = "cancelled", "已取消"


class PatrolRun(models.Model):
    site = models.ForeignKey(Site, verbose_name="网站", on_delete=models.CASCADE, related_name="runs")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    state = models.CharField("状态", max_length=10, choices=RunState.choices, default=RunState.QUEUED)
    complete = models.BooleanField("完整巡检", default=False,
                                   help_text="巡检走完了全站（未因页数上限、取消或出错而中断）。")
    pages_crawled = models.PositiveIntegerField("已巡检页面", default=0)
    pages_total_estimate = models.PositiveIntegerField("预计页面", default=0)
    problems_found = models.PositiveIntegerField("发现问题", default=0)
    error = models.TextField("错误", blank=True)
    triggered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="发起人", null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    frontier_path = models.CharField("待巡检队列文件", max_length=500, blank=True)
    # Facts of a patrol shared by its workers (the database frontier's `get_meta`/`set_meta`).
    meta = models.JSONField("巡检参数", default=dict, blank=True)
    # The finishing lease: the worker that moved the run to ``finishing`` (`sanshen.sites.tasks`)
    # renews it while it finishes; once it has run out (the worker died), the periodic job hands the
    # run to a new worker (`tasks.recover_finishing_runs`).
    finishing_until = models.DateTimeField("汇总租约到期", null=True, blank=True)
    finishing_by = models.CharField("汇总者", max_length=200, blank=True)

    class Meta:
        verbose_name = "巡检"
        verbose_name_plural = "巡检"
        ordering = ("-created_at", "-id")
        indexes = (models.Index(fields=("site", "-created_at"), name="sites_run_site_created_idx"),)

    def __str__(self) -> str:
        return f"{self.site} · {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def is_active(self) -> bool:
        return self.state in (RunState.QUEUED, RunState.RUNNING, RunState.FINISHING)

    @property
    def percent(self) -> int:
        if self.state == RunState.DONE:
            return 100
        total = max(self.pages_total_estimate, self.pages_crawled, 1)
        return min(99, int(100 * self.pages_crawled / total))


class ProblemStatus(models.TextChoices):
    OPEN = "open", "待整改"
    FIXED = "fixed", "已整改"
    FALSE_POSITIVE = "false_positive", "误报"
    GONE = "gone", "自动消失"


def key_hash(key: tuple) -> str:
    """The stable hash of `sanshen.patrol.model.Problem.key()`."""
    text = json.dumps(list(key), ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Problem(models.Model):
    site = models.ForeignKey(Site, verbose_name="网站", on_delete=models.CASCADE, related_name="problems")
    kind = models.CharField("问题类型", max_length=30, choices=KIND_CHOICES)
    key_hash = models.CharField("问题标识", max_length=64)
    url = models.CharField("页面地址", max_length=2000)
    detail = models.TextField("说明")
    severity = models.CharField("严重程度", max_length=10, choices=SEVERITY_CHOICES, default="medium")
    found_on = models.JSONField("所在页面", default=list, blank=True)
    finding = models.JSONField("审校发现", null=True, blank=True)
    facts = models.JSONField("事实", default=dict, blank=True)
    excerpt = models.TextField("摘录", blank=True)
    first_seen_run = models.ForeignKey(PatrolRun, verbose_name="首次发现于", null=True, blank=True,
                                       on_delete=models.SET_NULL, related_name="+")
    last_seen_run = models.ForeignKey(PatrolRun, verbose_name="最近发现于", null=True, blank=True,
                                      on_delete=models.SET_NULL, related_name="+")
    first_seen_at = models.DateTimeField("首次发现")
    last_seen_at = models.DateTimeField("最近发现")
    status = models.CharField("状态", max_length=20, choices=ProblemStatus.choices, default=ProblemStatus.OPEN)
    reopened = models.PositiveSmallIntegerField("重新出现次数", default=0)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="处理人", null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    resolved_at = models.DateTimeField("处理时间", null=True, blank=True)
    resolution_note = models.TextField("处理说明", blank=True)

    class Meta:
        verbose_name = "巡检问题"
        verbose_name_plural = "巡检问题"
        ordering = ("site", "kind", "url")
        constraints = (models.UniqueConstraint(fields=("site", "key_hash"), name="sites_problem_unique_key"),)
        indexes = (models.Index(fields=("site", "status", "severity"), name="sites_problem_status_idx"),)

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.url}"

    @property
    def severity_rank(self) -> int:
        return SEVERITY_RANK.get(self.severity, 9)


class Probe(models.Model):
    site = models.ForeignKey(Site, verbose_name="网站", on_delete=models.CASCADE, related_name="probes")
    at = models.DateTimeField("探测时间")
    ok = models.BooleanField("可访问")
    elapsed_ms = models.PositiveIntegerField("耗时（毫秒）", default=0)
    status = models.PositiveSmallIntegerField("HTTP 状态", null=True, blank=True)
    error = models.CharField("错误", max_length=300, blank=True)

    class Meta:
        verbose_name = "可用性探测"
        verbose_name_plural = "可用性探测"
        ordering = ("-at",)
        indexes = (models.Index(fields=("site", "at"), name="sites_probe_site_at_idx"),)

    def __str__(self) -> str:
        return f"{self.site} · {self.at:%Y-%m-%d %H:%M} · {'正常' if self.ok else '失败'}"


class AlertKind(models.TextChoices):
    PROBLEM = "problem", "发现严重问题"
    REOPENED = "reopened", "问题重新出现"
    UNAVAILABLE = "unavailable", "网站连续无法访问"
    AVAILABILITY = "availability", "可用性不达标"
    PATROL_FAILED = "patrol_failed", "巡检失败"
    EARLY_WARNING = "early_warning", "预警"
    RECTIFY_OVERDUE = "rectify_overdue", "整改逾期"


class Alert(models.Model):
    site = models.ForeignKey(Site, verbose_name="网站", on_delete=models.CASCADE, related_name="alerts")
    problem = models.ForeignKey(Problem, verbose_name="问题", null=True, blank=True, on_delete=models.CASCADE,
                                related_name="alerts")
    kind = models.CharField("告警类型", max_length=20, choices=AlertKind.choices)
    message = models.TextField("内容")
    severity = models.CharField("严重程度", max_length=10, choices=SEVERITY_CHOICES, default="high")
    created_at = models.DateTimeField("告警时间", auto_now_add=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="确认人", null=True, blank=True,
                                        on_delete=models.SET_NULL, related_name="+")
    acknowledged_at = models.DateTimeField("确认时间", null=True, blank=True)

    class Meta:
        verbose_name = "告警"
        verbose_name_plural = "告警"
        ordering = ("-created_at", "-id")
        indexes = (models.Index(fields=("acknowledged_at", "created_at"), name="sites_alert_queue_idx"),)

    def __str__(self) -> str:
        return f"{self.site} · {self.get_kind_display()}"


class UrlState(models.IntegerChoices):
    PENDING = 0, "待巡检"
    CLAIMED = 1, "处理中"
    DONE = 2, "已完成"


class PatrolUrl(models.Model):
    """One URL of one patrol: the shared frontier of the workers (`sanshen.sites.frontier.DbFrontier`).

    A worker claims pending URLs (or URLs whose lease ran out: their worker died) for a while with a
    lease token; the completion is written once, only while the token is still the URL's own."""

    run = models.ForeignKey(PatrolRun, verbose_name="巡检", on_delete=models.CASCADE, related_name="urls")
    url = models.TextField("地址")
    url_hash = models.CharField("地址摘要", max_length=40)
    depth = models.PositiveSmallIntegerField("深度", default=0)
    kind = models.CharField("类型", max_length=5, default="crawl")  # crawl | check
    state = models.PositiveSmallIntegerField("状态", choices=UrlState.choices, default=UrlState.PENDING)
    link_kind = models.CharField("链接类型", max_length=12, default="page")
    text = models.CharField("链接文字", max_length=500, blank=True)
    hidden = models.CharField("隐藏方式", max_length=100, blank=True)
    found_on = models.JSONField("所在页面", default=list, blank=True)
    lease_owner = models.CharField("处理者", max_length=200, blank=True)
    lease_token = models.CharField("租约", max_length=32, blank=True)
    lease_until = models.FloatField("租约到期", null=True, blank=True)  # Unix time
    attempts = models.PositiveSmallIntegerField("领取次数", default=0)
    record = models.JSONField("结果", null=True, blank=True)

    class Meta:
        verbose_name = "巡检地址"
        verbose_name_plural = "巡检地址"
        constraints = (models.UniqueConstraint(fields=("run", "url_hash"), name="sites_patrolurl_run_url_uniq"),)
        indexes = (
            models.Index(fields=("run", "state", "depth", "id"), name="sites_patrolurl_claim_idx"),
            models.Index(fields=("run", "state", "lease_until"), name="sites_patrolurl_lease_idx"),
        )

    def __str__(self) -> str:
        return self.url


class PatrolBaseline(models.Model):
    """A page's tampering fingerprint, kept from patrol to patrol (`checks.base.Baselines`)."""

    site = models.ForeignKey(Site, verbose_name="网站", on_delete=models.CASCADE, related_name="baselines")
    url = models.TextField("地址")
    url_hash = models.CharField("地址摘要", max_length=40)
    fingerprint = models.JSONField("特征")
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "页面基线"
        verbose_name_plural = "页面基线"
        constraints = (models.UniqueConstraint(fields=("site", "url_hash"), name="sites_baseline_site_url_uniq"),)

    def __str__(self) -> str:
        return self.url
