"""`sanshen demo`: load the demo city, its units and one user per role; print the accounts."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from sanshen.web import demo


class Command(BaseCommand):
    help = "载入演示数据（示范市、两个区县及其部门乡镇、每个角色一个用户），并打印演示账号。可重复运行。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--keep-passwords", action="store_true", help="已存在的演示账号保留原密码（默认每次重新生成）"
        )

    def handle(self, *args, keep_passwords=False, **options):
        data = demo.load(reset_passwords=not keep_passwords)
        self.stdout.write(
            f"演示数据已就绪：{_summary(data)}（本次新建 {data.created_units} 个单位、{data.created_users} 个用户）"
        )
        for line in data.extra_lines:
            self.stdout.write(line)
        self.stdout.write("")
        for line in demo.account_lines(data):
            self.stdout.write(line)
        self.stdout.write(self.style.WARNING("警告：以上为演示账号和演示数据，切勿在生产环境中使用。"))


def _summary(data: demo.DemoData) -> str:
    return f"{demo.CITY}，共 {len(data.units)} 个单位、{len(data.users)} 个演示用户"
