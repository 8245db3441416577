"""Starting the platform: `sanshen run` (demo on the embedded database) and `sanshen serve`
(production-style: gunicorn, refuses an unmigrated database)."""

from __future__ import annotations

import os
import socket
import sys
from dataclasses import dataclass

from django.conf import settings
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections

DEFAULT_BIND = "127.0.0.1:8000"


class ServerError(Exception):
    """A start-up problem the user can fix; printed as one line."""


@dataclass(frozen=True)
class Bind:
    host: str
    port: int

    def __str__(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"

    @property
    def url(self) -> str:
        host = {"0.0.0.0": "127.0.0.1", "::": "[::1]", "": "127.0.0.1"}.get(self.host, self.host)
        if ":" in host and not host.startswith("["):
            host = f"[{host}]"
        return f"http://{host}:{self.port}/"


def parse_bind(value: str) -> Bind:
    """HOST:PORT, [IPv6]:PORT or PORT."""
    value = value.strip()
    host, port = DEFAULT_BIND.split(":")[0], value
    if value.startswith("["):
        host, _, rest = value[1:].partition("]")
        port = rest.lstrip(":")
    elif ":" in value:
        host, _, port = value.rpartition(":")
    try:
        number = int(port)
    except ValueError:
        raise ServerError(f"监听地址格式应为 主机:端口，例如 127.0.0.1:8000（收到 {value!r}）") from None
    if not 0 < number < 65536:
        raise ServerError(f"端口超出范围：{number}")
    return Bind(host, number)


def default_workers() -> int:
    return max(2, min(2 * (os.cpu_count() or 1) + 1, 8))


def database_description() -> str:
    connection = connections[DEFAULT_DB_ALIAS]
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"SQLite（{db['NAME']}）"
    where = f"{db.get('HOST') or 'localhost'}:{db.get('PORT') or 5432}/{db['NAME']}"
    return f"{'PostgreSQL' if connection.vendor == 'postgresql' else connection.vendor}（{where}）"


def unapplied_migrations() -> list[str]:
    from django.db.migrations.executor import MigrationExecutor

    connection = connections[DEFAULT_DB_ALIAS]
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _ in plan]


def check_port_free(bind: Bind) -> None:
    family = socket.AF_INET6 if ":" in bind.host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((bind.host, bind.port))
        except OSError as exc:
            raise ServerError(
                f"无法监听 {bind}：{exc.strerror or exc}。端口可能已被占用，"
                "可用 --bind 换一个，例如 --bind 127.0.0.1:8001"
            ) from None


def collect_static() -> None:
    call_command("collectstatic", interactive=False, verbosity=0)


def gunicorn_argv(bind: Bind, *, workers: int, threads: int) -> list[str]:
    return [
        sys.executable, "-m", "gunicorn", "sanshen.config.wsgi:application",
        # This module is also gunicorn's configuration: its `on_starting` hook below.
        "--config", "python:sanshen.web.server",
        # Load Django and build the check engine once in the master, before the workers fork: a
        # new or recycled worker starts with both in memory instead of pausing to build them.
        "--preload",
        "--bind", str(bind),
        "--workers", str(workers),
        "--threads", str(threads),
        "--worker-class", "gthread" if threads > 1 else "sync",
        "--timeout", "120",
        "--graceful-timeout", "30",
        # Recycle workers now and then so that a slow leak cannot grow without bound.
        "--max-requests", "2000",
        "--max-requests-jitter", "200",
        "--access-logfile", "-",
        "--no-control-socket",
    ]


def on_starting(arbiter) -> None:
    """gunicorn hook, run in the master before any worker forks (this module is passed as
    `--config python:sanshen.web.server`; gunicorn takes from it only the names of its settings,
    i.e. this function). Builds the check engine (lexicons, automata: about half a second) so that
    the forked workers share it instead of each building it on its first check."""
    from sanshen.engine import default_engine

    default_engine().check("中华人民共和国")  # also touches whatever the engine builds lazily


def _exec(argv: list[str]) -> None:  # replaced in tests
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(argv[0], argv)


def start(bind: Bind, *, workers: int, threads: int) -> None:
    """Replace this process by the server. The data directory is passed on explicitly so that the
    workers use the same database and keys whatever their working directory."""
    os.environ["SANSHEN_DATA_DIR"] = str(settings.DATA_DIR)
    try:
        import fcntl  # noqa: F401  (gunicorn needs a POSIX system)

        import gunicorn  # noqa: F401
    except ImportError:
        # Windows: no gunicorn; Django's own server is enough for a demo.
        _exec([sys.executable, "-m", "sanshen.manage", "runserver", "--noreload", "--insecure", str(bind)])
        return
    _exec(gunicorn_argv(bind, workers=workers, threads=threads))
