"""Daily inspection work: early warnings for every active site, confirmation of rectification tasks
whose problems patrols no longer find, escalation of overdue tasks, and in January the reminders of
last year's unpublished annual reports. Safe to run any number of
times a day (warnings are raised once per site, indicator and day; task changes follow their state)."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone


class Command(BaseCommand):
    help = "检查考核日常任务：预警、整改确认与逾期督办（可重复运行）。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--date", help="按此日期运行（YYYY-MM-DD，默认今天），用于补跑。")

    def handle(self, *args, **options) -> None:
        from sanshen.inspection.annual import annual_report_reminders
        from sanshen.inspection.services import daily

        now = timezone.now()
        if options.get("date"):
            try:
                day = dt.date.fromisoformat(options["date"])
            except ValueError as exc:
                raise CommandError("日期格式应为 YYYY-MM-DD。") from exc
            now = dt.datetime.combine(day, dt.time(12), tzinfo=timezone.get_current_timezone())
        result = daily(now)
        reminders = annual_report_reminders(timezone.localdate(now))
        self.stdout.write(
            f"预警 {result.warnings} 条，确认整改 {result.confirmed} 项，"
            f"逾期 {result.overdue} 项，督办 {result.escalated} 项，年度报表提醒 {reminders} 条。"
        )
