"""`sanshen run`: the README's first command. Database, demo data, static files, server."""

from __future__ import annotations

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from sanshen.web import demo, server


class Command(BaseCommand):
    help = (
        "一键启动演示：迁移数据库（默认 ./var 下的 SQLite）、载入演示数据、收集静态文件，"
        "打印网址和演示账号并启动服务。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=server.DEFAULT_BIND, help=f"监听地址，默认 {server.DEFAULT_BIND}")
        parser.add_argument("--workers", type=int, default=2, help="工作进程数，默认 2")
        parser.add_argument("--threads", type=int, default=4, help="每个工作进程的线程数，默认 4")
        parser.add_argument("--no-demo", action="store_true", help="不载入演示数据")
        parser.add_argument("--keep-passwords", action="store_true", help="已存在的演示账号保留原密码")

    def handle(self, *args, bind, workers, threads, no_demo, keep_passwords, **options):
        try:
            address = server.parse_bind(bind)
            server.check_port_free(address)
        except server.ServerError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"数据库：{server.database_description()}")
        call_command("migrate", interactive=False, verbosity=0)
        lines: list[str] = []
        if not no_demo:
            data = demo.load(reset_passwords=not keep_passwords)
            lines = [*data.extra_lines, "", *demo.account_lines(data)]
        server.collect_static()
        for line in lines:
            self.stdout.write(line)
        if lines:
            self.stdout.write(self.style.WARNING("警告：以上为演示账号和演示数据，切勿在生产环境中使用。"))
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"三审已启动：{address.url}"))
        self.stdout.write("在浏览器中打开上面的网址，用演示账号登录。按 Ctrl+C 停止。")
        server.start(address, workers=workers, threads=threads)
