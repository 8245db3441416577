"""Load test of the check API: 32 concurrent clients on loopback posting a 5,000-character article.

    . .venv/bin/activate
    python bench/load_api.py                  # 32 clients, 3,000 requests or 60 s, whichever first
    python bench/load_api.py --clients 8 --requests 500 --workers 2 --json

What it does, all on 127.0.0.1 and in a throw-away data directory:
1. migrates a fresh SQLite database and creates a unit, its 网站管理员 and an API token
   (through `sanshen.api.tokens.create_token`, as the token page does);
2. starts gunicorn (`sanshen.config.wsgi`, sync workers, the engine built in each worker before
   it takes requests) on a free port;
3. warms up, then runs the clients in one asyncio loop (aiohttp by default: about a third of the
   CPU per request that httpx needs, which matters when client and server share two cores; or
   `--client httpx`): each posts the same article as JSON with `Authorization: Bearer …` until the
   request budget or the time budget is spent;
4. prints requests/s and latency percentiles, the CPU time per request of server and client, the
   machine's load average, checks every answer was 200 with findings, and stops the server.

The rate limit stays on, set high enough (`SANSHEN_API_RATE`) not to throttle the run, so its cache
round trip is part of what is measured. Client and server share the machine's cores, and so does
anything else running: latency figures are for the whole box at that moment (see the load average
printed with them), CPU time per request is the steadier figure. `--database-url` runs against
PostgreSQL instead of the throw-away SQLite file. Not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

TARGET_P99_MS = 100.0


def article(chars: int = 5000, seed: int = 7) -> str:
    """A deterministic government-style article of exactly `chars` characters, with a few problems."""
    from govtext import GovTextGenerator

    gen = GovTextGenerator(seed=seed, problem_rate=4.0)
    text = ""
    while len(text) < chars:
        text += gen.article(chars) + "\n"
    leak = "\n附：低保对象张建国，身份证号110101199003077571，联系电话13812345678。\n"
    body = text[: chars - len(leak)]
    return body + leak


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def setup(env: dict) -> str:
    """Migrate the database and create a token; returns the plain token."""
    subprocess.run([sys.executable, "-m", "sanshen.manage", "migrate", "-v", "0"], env=env, cwd=ROOT, check=True)
    script = textwrap.dedent(
        """
        import django
        django.setup()
        from sanshen.api.tokens import create_token
        from sanshen.units.models import Membership, Role, Unit, User
        unit = Unit.objects.create(name="压测市政府办公室", kind=Unit.Kind.DEPARTMENT)
        admin = User.objects.create_user("bench_admin", password="Bench-2026-压测口令")
        Membership.objects.create(user=admin, unit=unit, role=Role.SITE_ADMIN)
        print(create_token(unit, "压测", by=admin)[1])
        """
    )
    out = subprocess.run([sys.executable, "-c", script], env=env, cwd=ROOT, check=True, capture_output=True, text=True)
    return out.stdout.strip().splitlines()[-1]


def start_server(env: dict, port: int, workers: int, data_dir: Path) -> subprocess.Popen:
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or shutil.which("gunicorn")
    if gunicorn is None:
        sys.exit("gunicorn 未安装：uv pip install gunicorn")
    config = data_dir / "gunicorn_bench.py"
    config.write_text(
        textwrap.dedent(
            """
            def post_worker_init(worker):
                # Build the engine before the worker takes its first request.
                from sanshen.engine import default_engine
                default_engine().check("预热")
            """
        ),
        encoding="utf-8",
    )
    cmd = [
        gunicorn, "sanshen.config.wsgi:application", "-c", str(config),
        "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--worker-class", "sync",
        "--backlog", "256", "--timeout", "60", "--log-level", "warning",
    ]  # fmt: skip
    return subprocess.Popen(cmd, env=env, cwd=ROOT, start_new_session=True)


def server_cpu_seconds(proc: subprocess.Popen) -> float:
    """User+system CPU time of the gunicorn master and its workers so far (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    pids = {proc.pid}
    try:
        children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
        pids.update(int(c) for c in children)
    except OSError:
        pass
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return total


def wait_ready(url: str, proc: subprocess.Popen, timeout: float = 60.0) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"服务器启动失败（退出码 {proc.returncode}）")
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    sys.exit("服务器在限定时间内没有就绪")


async def run_clients(
    url: str, token: str, body: bytes, clients: int, budget: int, seconds: float, library: str = "httpx"
) -> dict:
    if library == "aiohttp":
        return await _run_aiohttp(url, token, body, clients, budget, seconds)
    import httpx

    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    errors: list[str] = []
    empty = 0
    issued = 0
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)

    async with httpx.AsyncClient(limits=limits, timeout=30.0) as client:

        async def one_client() -> None:
            nonlocal issued, empty
            while issued < budget and time.perf_counter() < deadline:
                issued += 1
                t0 = time.perf_counter()
                try:
                    response = await client.post(url, content=body, headers=headers)
                except httpx.HTTPError as exc:
                    errors.append(f"{type(exc).__name__}: {exc}")
                    continue
                latencies.append(time.perf_counter() - t0)
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
                if response.status_code == 200 and not response.json()["results"][0]["findings"]:
                    empty += 1

        started = time.perf_counter()
        await asyncio.gather(*(one_client() for _ in range(clients)))
        elapsed = time.perf_counter() - started
    return {"latencies": latencies, "statuses": statuses, "errors": errors, "empty": empty, "elapsed": elapsed}


async def _run_aiohttp(url: str, token: str, body: bytes, clients: int, budget: int, seconds: float) -> dict:
    import aiohttp

    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    errors: list[str] = []
    empty = 0
    issued = 0
    deadline = time.perf_counter() + seconds
    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=30)) as session:

        async def one_client() -> None:
            nonlocal issued, empty
            while issued < budget and time.perf_counter() < deadline:
                issued += 1
                t0 = time.perf_counter()
                try:
                    async with session.post(url, data=body, headers=headers) as response:
                        data = await response.read()
                        status = response.status
                except (aiohttp.ClientError, TimeoutError) as exc:
                    errors.append(f"{type(exc).__name__}: {exc}")
                    continue
                latencies.append(time.perf_counter() - t0)
                statuses[status] = statuses.get(status, 0) + 1
                if status == 200 and not json.loads(data)["results"][0]["findings"]:
                    empty += 1

        started = time.perf_counter()
        await asyncio.gather(*(one_client() for _ in range(clients)))
        elapsed = time.perf_counter() - started
    return {"latencies": latencies, "statuses": statuses, "errors": errors, "empty": empty, "elapsed": elapsed}


def _default_client() -> str:
    try:
        import aiohttp  # noqa: F401
    except ImportError:
        return "httpx"
    return "aiohttp"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="检查接口压测（本机回环地址）")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--requests", type=int, default=3000, help="请求总数上限")
    parser.add_argument("--seconds", type=float, default=60.0, help="压测时长上限（秒）")
    parser.add_argument("--warmup", type=int, default=200, help="预热请求数（不计入结果）")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="gunicorn 工作进程数，默认 CPU 核数")
    parser.add_argument("--chars", type=int, default=5000)
    parser.add_argument("--client", choices=("aiohttp", "httpx"), default=_default_client(),
                        help="压测客户端库，默认 aiohttp（已安装时；每次请求占用的 CPU 较少），否则 httpx")
    parser.add_argument("--database-url", default=None,
                        help="用此数据库代替临时 SQLite（如 postgresql://postgres@127.0.0.1:5432/sanshen_bench，会被迁移）")
    parser.add_argument("--json", action="store_true", help="以 JSON 输出结果")
    args = parser.parse_args(argv)

    load_before = os.getloadavg()[0]
    text = article(args.chars)
    body = json.dumps({"text": text}, ensure_ascii=False).encode("utf-8")
    data_dir = Path(tempfile.mkdtemp(prefix="sanshen-bench-"))
    port = free_port()
    env = {
        **os.environ,
        "SANSHEN_DATA_DIR": str(data_dir),
        "DJANGO_SETTINGS_MODULE": "sanshen.config.settings",
        "SANSHEN_API_RATE": "1000000/min",
        "SANSHEN_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("DATABASE_URL", None)
    if args.database_url:
        env["DATABASE_URL"] = args.database_url
    base = f"http://127.0.0.1:{port}"
    proc = None
    try:
        token = setup(env)
        proc = start_server(env, port, args.workers, data_dir)
        wait_ready(f"{base}/api/v1/openapi.json", proc)
        url = f"{base}/api/v1/check"
        warm = asyncio.run(run_clients(url, token, body, args.clients, args.warmup, 30.0, args.client))
        if warm["statuses"] != {200: len(warm["latencies"])}:
            print(f"预热时出现非 200 应答：{warm['statuses']} {warm['errors'][:3]}", file=sys.stderr)
            return 1
        server_before, client_before = server_cpu_seconds(proc), time.process_time()
        res = asyncio.run(run_clients(url, token, body, args.clients, args.requests, args.seconds, args.client))
        server_cpu = server_cpu_seconds(proc) - server_before
        client_cpu = time.process_time() - client_before
    finally:
        if proc is not None and proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        shutil.rmtree(data_dir, ignore_errors=True)

    lat_ms = [x * 1000 for x in res["latencies"]]
    done = len(lat_ms)
    report = {
        "clients": args.clients,
        "workers": args.workers,
        "client_library": args.client,
        "database": "postgresql" if args.database_url else "sqlite",
        "cpus": os.cpu_count(),
        # Other processes on the machine take CPU from both server and clients: say how busy it was.
        "load_1min_before": round(load_before, 2),
        "load_1min_after": round(os.getloadavg()[0], 2),
        "python": platform.python_version(),
        "article_chars": len(text),
        "body_bytes": len(body),
        "requests": done,
        "seconds": round(res["elapsed"], 2),
        "requests_per_s": round(done / res["elapsed"], 1) if res["elapsed"] else 0.0,
        "p50_ms": round(percentile(lat_ms, 0.50), 1),
        "p90_ms": round(percentile(lat_ms, 0.90), 1),
        "p99_ms": round(percentile(lat_ms, 0.99), 1),
        "max_ms": round(max(lat_ms), 1) if lat_ms else None,
        "mean_ms": round(statistics.fmean(lat_ms), 1) if lat_ms else None,
        # CPU per request does not depend on how busy the machine was: server capacity on n free
        # cores is about n / server_cpu_ms_per_request * 1000 requests per second.
        "server_cpu_ms_per_request": round(server_cpu * 1000 / done, 2) if done else None,
        "client_cpu_ms_per_request": round(client_cpu * 1000 / done, 2) if done else None,
        "statuses": {str(k): v for k, v in sorted(res["statuses"].items())},
        "transport_errors": len(res["errors"]),
        "answers_without_findings": res["empty"],
        "target_p99_ms": TARGET_P99_MS,
    }
    ok = report["statuses"] == {"200": done} and not res["errors"] and not res["empty"]
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print(f"检查接口压测：{args.clients} 个并发客户端（{args.client}），{report['database']}，"
              f"gunicorn {args.workers} 个工作进程，{os.cpu_count()} 核，"
              f"文章 {len(text)} 字（请求体 {len(body)} 字节）")
        print(f"  请求 {done} 次，用时 {report['seconds']} s，吞吐 {report['requests_per_s']} 次/秒")
        print(f"  延迟 p50 {report['p50_ms']} ms，p90 {report['p90_ms']} ms，p99 {report['p99_ms']} ms，"
              f"最大 {report['max_ms']} ms（目标 p99 < {TARGET_P99_MS:.0f} ms："
              f"{'达到' if report['p99_ms'] < TARGET_P99_MS else '未达到'}）")
        print(f"  应答状态 {report['statuses']}，连接错误 {len(res['errors'])} 次，无结果应答 {res['empty']} 次")
        print(f"  每次请求的 CPU 时间：服务器 {report['server_cpu_ms_per_request']} ms，"
              f"压测客户端 {report['client_cpu_ms_per_request']} ms")
        print(f"  机器 1 分钟平均负载：压测前 {report['load_1min_before']}，压测后 {report['load_1min_after']}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
