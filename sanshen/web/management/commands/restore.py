"""`sanshen restore FILE [--yes]`: replace the database by a backup archive."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError

from sanshen.web import backup
from sanshen.web.server import database_description


class Command(BaseCommand):
    help = "从备份归档恢复数据库（覆盖当前全部数据）。先校验归档、数据库类型和 SHA-256，再请求确认。"

    def add_arguments(self, parser):
        parser.add_argument("archive", help="sanshen backup 生成的备份文件")
        parser.add_argument("--yes", action="store_true", help="不再询问，直接恢复")

    def handle(self, *args, archive, yes=False, **options):
        def confirm(manifest: dict) -> bool:
            self.stdout.write(
                f"备份时间 {manifest['created_at']}，三审 {manifest['sanshen_version']}，"
                f"{backup.VENDOR_LABEL[manifest['vendor']]}，{manifest['size']:,} 字节，校验通过。"
            )
            self.stdout.write(f"将用它覆盖当前数据库 {database_description()}：当前数据将全部丢失。请先停止三审服务。")
            if yes:
                return True
            if not sys.stdin or not sys.stdin.isatty():
                raise backup.BackupError("需要确认：请在终端中运行，或加 --yes。数据库未改动。")
            self.stdout.write("输入 yes 继续：", ending="")
            self.stdout.flush()
            return sys.stdin.readline().strip().lower() == "yes"

        try:
            result = backup.restore_backup(archive, confirm=confirm)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(self.style.SUCCESS("恢复完成。"))
        if result.chain_ok:
            self.stdout.write(result.chain_message)
        else:
            self.stderr.write(result.chain_message)
        if not result.key_matches:
            self.stderr.write(
                "警告：当前审计密钥与备份时不同，审计日志将无法校验。请恢复备份时使用的审计密钥"
                "（SANSHEN_AUDIT_KEY 或数据目录下的 audit.key）。"
            )
        if result.audit_error:
            self.stderr.write(result.audit_error)
        if not (result.chain_ok and result.key_matches):
            sys.exit(1)
