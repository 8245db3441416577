"""`sanshen backup [-o FILE|DIR]`: one archive with the database and a manifest."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from sanshen.web import backup


class Command(BaseCommand):
    help = "备份数据库（SQLite 或 PostgreSQL）到一个归档文件，含清单（版本、时间、数据库类型、SHA-256）。"

    def add_arguments(self, parser):
        parser.add_argument(
            "-o", "--output", default=None,
            help="备份文件名或已存在的目录；默认 <数据目录>/backups/sanshen-backup-<时间>-<数据库>.tar.gz",
        )

    def handle(self, *args, output=None, **options):
        try:
            result = backup.create_backup(output)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from None
        m = result.manifest
        self.stdout.write(f"备份完成：{result.path}")
        self.stdout.write(
            f"  数据库 {backup.VENDOR_LABEL[m['vendor']]}，{m['size']:,} 字节，"
            f"SHA-256 {m['sha256']}，时间 {m['created_at']}"
        )
        self.stdout.write(
            "  提示：审计密钥不在备份中，请另行妥善保存（环境变量 SANSHEN_AUDIT_KEY 或数据目录下的 audit.key）。"
        )
