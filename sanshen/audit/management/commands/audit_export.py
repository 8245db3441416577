"""`python -m sanshen.manage audit_export --format csv|json [--from DATE] [--to DATE] [--output FILE]`."""

from __future__ import annotations

import datetime as dt
import os

from django.core.management.base import BaseCommand, CommandError

from sanshen.audit.services import export


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"日期格式应为 YYYY-MM-DD：{value}") from None


class Command(BaseCommand):
    help = "导出审计日志（含起止日期，按本地时间整日计算）。导出本身记入审计日志。"

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["csv", "json"], default="csv", help="导出格式（默认 csv）")
        parser.add_argument("--from", dest="start", type=_date, help="起始日期 YYYY-MM-DD（含）")
        parser.add_argument("--to", dest="end", type=_date, help="截止日期 YYYY-MM-DD（含）")
        parser.add_argument("--output", "-o", default="-", help="输出文件；默认 - 即标准输出")

    def handle(self, *args, **options):
        start, end = options["start"], options["end"]
        if start and end and start > end:
            raise CommandError("起始日期晚于截止日期。")
        out = options["output"]
        chunks = export(options["format"], start=start, end=end)
        if out == "-":
            for chunk in chunks:
                self.stdout.write(chunk, ending="")
            self.stdout.flush()
            return
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            for chunk in chunks:
                fh.write(chunk)
        self.stderr.write(f"已导出到 {out}")
