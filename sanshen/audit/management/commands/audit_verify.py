"""`python -m sanshen.manage audit_verify [--file EXPORT.json]`: check the audit chain."""

from __future__ import annotations

import json
import sys

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand
from django.db import connection

from sanshen.audit import protection
from sanshen.audit.services import verify_chain, verify_export


class Command(BaseCommand):
    help = "校验审计日志哈希链；完整时退出码 0，发现断点时 1，无法校验（如缺少密钥）时 2。"

    def add_arguments(self, parser):
        parser.add_argument("--file", help="校验 audit_export --format json 导出的文件，而不是数据库")

    def handle(self, *args, **options):
        try:
            if options["file"]:
                with open(options["file"], encoding="utf-8") as fh:
                    status = verify_export(json.load(fh))
            else:
                status = verify_chain()
        except (ImproperlyConfigured, OSError, ValueError) as exc:
            self.stderr.write(f"无法校验审计日志：{exc}")
            sys.exit(2)
        if not options["file"] and connection.vendor in protection.TRIGGERS:
            absent = protection.missing(connection)
            if absent:
                self.stderr.write(f"警告：审计日志防篡改触发器缺失（{', '.join(sorted(absent))}），请运行 migrate。")
        if status.ok:
            self.stdout.write(f"审计日志完整，共 {status.count} 条")
            return
        where = f"第 {status.broken_id} 条（编号）" if status.broken_id is not None else "链尾"
        self.stderr.write(f"审计日志在{where}处断开：{status.reason}（此前 {status.count} 条完好）")
        sys.exit(1)
