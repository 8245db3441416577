"""`sanshen serve`: production-style start with gunicorn."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from sanshen.web import server


class Command(BaseCommand):
    help = "以生产方式启动平台（gunicorn）。数据库须已迁移；启动前收集静态文件。"

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=server.DEFAULT_BIND, help=f"监听地址，默认 {server.DEFAULT_BIND}")
        parser.add_argument("--workers", type=int, default=server.default_workers(), help="工作进程数")
        parser.add_argument("--threads", type=int, default=4, help="每个工作进程的线程数，默认 4")

    def handle(self, *args, bind, workers, threads, **options):
        try:
            address = server.parse_bind(bind)
            if workers < 1 or threads < 1:
                raise server.ServerError("--workers 和 --threads 至少为 1")
            pending = server.unapplied_migrations()
            if pending:
                raise server.ServerError(
                    f"数据库有 {len(pending)} 个迁移尚未执行（{pending[0]} 等）。"
                    "请先备份数据库（sanshen backup），再运行：sanshen manage migrate"
                )
            server.check_port_free(address)
            server.collect_static()
        except server.ServerError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"数据库：{server.database_description()}")
        self.stdout.write(f"三审已启动：{address.url}（{workers} 个进程 × {threads} 个线程，按 Ctrl+C 停止）")
        server.start(address, workers=workers, threads=threads)
