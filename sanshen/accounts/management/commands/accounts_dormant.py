"""`python -m sanshen.manage accounts_dormant [--apply] [--reactivate NAME]`: dormant accounts.

Run it daily (cron or a systemd timer). Without --apply it only reports what it would do.
"""

from __future__ import annotations

import datetime as dt
import getpass

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from sanshen.accounts import dormant
from sanshen.audit.context import audit_context

LABELS = {"flag": "标记休眠", "disable": "停用", "keep": "保留"}


class Command(BaseCommand):
    help = (
        "检查休眠账号：超过 SANSHEN_DORMANT_DAYS 天未登录的账号标记为休眠，标记后再过 "
        "SANSHEN_DORMANT_DISABLE_AFTER_DAYS 天仍未登录的停用。默认只演练，加 --apply 才执行；每项操作写入审计日志。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--apply", action="store_true", help="执行标记和停用（默认只列出将做的操作）")
        parser.add_argument("--now", help="按此时刻计算（ISO 8601，用于核对），默认当前时间")
        parser.add_argument("--reactivate", metavar="账号", help="重新启用一个账号（如被停用的唯一管理员），然后退出")

    def handle(self, *args, **options):
        operator = f"命令行:{getpass.getuser()}"
        if options["reactivate"]:
            model = get_user_model()
            user = model._default_manager.filter(**{model.USERNAME_FIELD: options["reactivate"]}).first()
            if user is None:
                raise CommandError(f"账号不存在：{options['reactivate']}")
            with audit_context(username=operator):
                dormant.reactivate(user)
            self.stdout.write(f"已重新启用 {user.get_username()}")
            return
        now = self._now(options["now"])
        decisions = dormant.plan(now)
        days, grace = dormant.dormant_days(), dormant.disable_after_days()
        self.stdout.write(f"休眠阈值 {days} 天未登录；标记后 {grace} 天停用。")
        if not decisions:
            self.stdout.write("没有需要处理的休眠账号。")
            return
        for d in decisions:
            last = timezone.localtime(d.last_activity).strftime("%Y-%m-%d")
            note = f"（{d.note}）" if d.note else ""
            self.stdout.write(f"{LABELS[d.action]}\t{d.user.get_username()}\t最近活动 {last}，{d.idle_days} 天{note}")
        counts = {a: sum(1 for d in decisions if d.action == a) for a in ("flag", "disable")}
        summary = f"标记休眠 {counts['flag']} 个，停用 {counts['disable']} 个"
        if not options["apply"]:
            self.stdout.write(f"演练：将{summary}。未作任何更改；加 --apply 执行。")
            return
        with audit_context(username=operator):
            dormant.apply(decisions, now=now)
        self.stdout.write(f"已{summary}，均已写入审计日志。")

    @staticmethod
    def _now(value: str | None) -> dt.datetime:
        if not value:
            return timezone.now()
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            raise CommandError(f"时间格式应为 ISO 8601：{value}") from None
        return moment if timezone.is_aware(moment) else timezone.make_aware(moment)
