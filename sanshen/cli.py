"""The ``sanshen`` command. Every subcommand is a thin layer over the engine."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2

# Extensions taken when a directory is walked; files named explicitly are always tried.
CHECKABLE_SUFFIXES = {".txt", ".text", ".md", ".html", ".htm", ".shtml", ".xhtml", ".docx", ".pdf", ".doc", ".wps"}


class CliError(Exception):
    """An error about one input, printed as one line."""


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期格式应为 YYYY-MM-DD：{value}") from None


def _size(value: str) -> int:
    try:
        mb = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"大小应为以 MB 计的数字：{value}") from None
    if mb <= 0:
        raise argparse.ArgumentTypeError("大小必须大于 0")
    return int(mb * 1024 * 1024)


def _inputs(paths: list[str]) -> Iterator[str]:
    for raw in paths:
        if raw == "-":
            yield raw
            continue
        path = Path(raw)
        if path.is_dir():
            found = sorted(
                p for p in path.rglob("*")
                if p.is_file() and p.suffix.lower() in CHECKABLE_SUFFIXES
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            yield from (str(p) for p in found)
        else:
            yield raw


def _extract(path: str, max_bytes: int | None):
    from sanshen.engine import ExtractError, extract_bytes, extract_path

    try:
        if path == "-":
            return extract_bytes(sys.stdin.buffer.read(), "-", max_bytes=max_bytes)
        if not Path(path).exists():
            raise CliError("文件不存在")
        return extract_path(path, max_bytes=max_bytes)
    except ExtractError as exc:
        raise CliError(str(exc)) from None
    except (IsADirectoryError, PermissionError) as exc:
        raise CliError(f"无法读取：{exc.strerror or exc}") from None
    except OSError as exc:
        raise CliError(f"读取失败：{exc.strerror or exc}") from None


def _error(path: str, message: str) -> None:
    print(f"sanshen: {path}: {message}", file=sys.stderr)


def _engine(rules: list[str]):
    from sanshen.engine import Engine, PackError, default_engine

    if not rules:
        return default_engine()
    try:
        return Engine(rules_dirs=rules)
    except PackError as exc:
        raise CliError(str(exc)) from None


def _line_col(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    col = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, col


def format_text_report(path: str, text: str, findings: list) -> str:
    """A reviewer-facing report: where, the excerpt with the match marked, why, what to do."""
    from sanshen.engine.findings import CATEGORY_LABELS, SEVERITY_LABELS

    if not findings:
        return f"{path}：未发现问题（{len(text)} 字）\n"
    out = [f"{path}：发现 {len(findings)} 处问题（{len(text)} 字）"]
    for f in findings:
        line, col = _line_col(text, f.start)
        left = text[max(0, f.start - 15):f.start].replace("\n", " ")
        right = text[f.end:f.end + 15].replace("\n", " ")
        match = text[f.start:f.end].replace("\n", "⏎")
        out.append(
            f"  第{line}行第{col}列 [{CATEGORY_LABELS[f.category]}·{SEVERITY_LABELS[f.severity]}] "
            f"{f.message}（规则 {f.rule}，置信度 {f.confidence:.2f}）"
        )
        out.append(f"    …{left}【{match}】{right}…")
        if f.suggestion:
            out.append(f"    建议：{f.suggestion}")
    return "\n".join(out) + "\n"


def cmd_check(args: argparse.Namespace) -> int:
    from sanshen.engine.core import resolve_profile
    from sanshen.engine.report import error_result, report, result

    try:
        engine = _engine(args.rules)
        profile = resolve_profile(args.profile)
    except (CliError, ValueError) as exc:
        _error("--rules" if args.rules else "--profile", str(exc))
        return EXIT_ERROR
    results = []
    had_error = had_findings = False
    for path in _inputs(args.paths):
        try:
            extracted = _extract(path, args.max_size)
            findings = engine.check(extracted, as_of=args.as_of, profile=profile)
        except CliError as exc:
            _error(path, str(exc))
            had_error = True
            results.append(error_result(path, str(exc)))
            continue
        except Exception as exc:  # keep checking the other files; one line, no traceback
            _error(path, f"检查失败：{type(exc).__name__}: {exc}")
            had_error = True
            results.append(error_result(path, str(exc)))
            continue
        had_findings = had_findings or bool(findings)
        if args.format == "json":
            results.append(result(path, extracted.text, findings))
        else:
            sys.stdout.write(format_text_report(path, extracted.text, findings))
            sys.stdout.flush()
    if args.format == "json":
        json.dump(report(results), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    if had_error:
        return EXIT_ERROR
    return EXIT_FINDINGS if had_findings else EXIT_CLEAN


def cmd_extract(args: argparse.Namespace) -> int:
    try:
        extracted = _extract(args.path, args.max_size)
    except CliError as exc:
        _error(args.path, str(exc))
        return EXIT_ERROR
    sys.stdout.write(extracted.text)
    return EXIT_CLEAN


def cmd_mask(args: argparse.Namespace) -> int:
    from sanshen.engine import mask

    try:
        extracted = _extract(args.path, args.max_size)
    except CliError as exc:
        _error(args.path, str(exc))
        return EXIT_ERROR
    sys.stdout.write(mask(extracted.text))
    return EXIT_CLEAN


def format_patrol_report(result) -> str:
    """A reader-facing summary of a patrol: problems grouped by kind, worst first within a kind."""
    from sanshen.patrol.model import KIND_LABELS, SEVERITIES

    out = [f"巡检 {result.site}：抓取页面 {result.pages_crawled} 个，发现问题 {len(result.problems)} 处"]
    labels = {"veto": "单项否决", "high": "严重", "medium": "一般", "low": "提示"}
    by_kind: dict = {}
    for p in result.problems:
        by_kind.setdefault(p.kind, []).append(p)
    for kind, problems in by_kind.items():
        out.append(f"\n【{KIND_LABELS.get(kind, kind.value)}】{len(problems)} 处")
        order = {s: i for i, s in enumerate(SEVERITIES)}
        for p in sorted(problems, key=lambda p: order.get(p.severity, 9)):
            out.append(f"  [{labels.get(p.severity, p.severity)}] {p.url}")
            out.append(f"    {p.detail}")
            if p.found_on:
                more = f" 等 {len(p.found_on)} 个页面" if len(p.found_on) > 3 else ""
                out.append(f"    所在页面：{'，'.join(p.found_on[:3])}{more}")
    return "\n".join(out) + "\n"


def cmd_patrol(args: argparse.Namespace) -> int:
    import asyncio

    from sanshen.patrol.crawl import run_patrol

    url = _patrol_url(args.url)
    if url is None:
        _error(args.url, "不是有效的网站地址（应以 http:// 或 https:// 开头）")
        return EXIT_ERROR
    try:
        result = asyncio.run(run_patrol(
            url, max_pages=args.max_pages, max_depth=args.max_depth, as_of=args.as_of, timeout=args.timeout,
            per_host=args.per_host, state=args.state, options={"obey_robots": not args.no_robots},
        ))
    except ValueError as exc:
        _error(args.url, str(exc))
        return EXIT_ERROR
    except OSError as exc:  # the state file
        _error(args.state or args.url, f"无法使用状态文件：{exc.strerror or exc}")
        return EXIT_ERROR
    if args.format == "json":
        json.dump(result.to_json(), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(format_patrol_report(result))
    return EXIT_FINDINGS if result.problems else EXIT_CLEAN


def _patrol_url(raw: str) -> str | None:
    """The site URL for `patrol`/`inspect` (http:// added when no scheme), or None when not a web address."""
    from urllib.parse import urlsplit

    from sanshen.patrol.page import normalize_url

    url = raw if "://" in raw else "http://" + raw
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        host = ""
    if normalize_url(url) is None or not host or any(c.isspace() or c in "<>\"'`{}|\\^" for c in host):
        return None
    return url


def _indicators(value: str):
    from sanshen.scoring import IndicatorError, builtin, builtin_ids, load_set

    if value in builtin_ids():
        return builtin(value)
    if not Path(value).is_file():
        raise CliError(f"既不是内置指标集（{'、'.join(builtin_ids())}）也不是文件")
    try:
        return load_set(value)
    except (IndicatorError, OSError) as exc:
        raise CliError(str(exc)) from None
    except Exception as exc:  # malformed YAML
        raise CliError(f"指标文件无法读取：{type(exc).__name__}: {exc}") from None


def _home_probe(result, as_of: dt.date):
    """The patrol's fetch of the home page as one availability sample (None if it never ran),
    dated on ``as_of``: the one-shot inspection judges the site as of that day."""
    from sanshen.scoring import Probe

    home = result.stats.get("home")
    if not home:
        return None
    try:
        at = dt.datetime.fromisoformat(home["at"])
    except (KeyError, TypeError, ValueError):
        at = dt.datetime.now(dt.UTC)
    if at.date() != as_of:
        at = dt.datetime.combine(as_of, at.timetz())
    detail = "" if home.get("ok") else (home.get("error") or f"HTTP {home.get('status')}")
    return Probe(at, bool(home.get("ok")), float(home.get("elapsed") or 0.0), detail)


def format_inspect_report(card, indicators) -> str:
    """A reader-facing scorecard: score and verdict, vetoes, deductions, warnings, what was not measured."""
    verdict = "合格" if card.passed else "不合格"
    out = [
        f"检查 {card.site}（{indicators.name or indicators.id}，截至 {card.as_of}）",
        f"得分：{card.score:g} 分（满分 {indicators.total:g}，{indicators.pass_score:g} 分合格）  结论：{verdict}",
    ]
    out.append(f"\n【单项否决】{len(card.vetoes)} 项" if card.vetoes else "\n【单项否决】无")
    for v in card.vetoes:
        out.append(f"  ✗ {v.name}")
        out += [f"    {e}" for e in v.evidence]
    out.append(f"\n【扣分】{len(card.deductions)} 项" if card.deductions else "\n【扣分】无")
    uncertain = False
    for d in card.deductions:
        mark = "" if d.certain else "（分值未核实）"
        uncertain = uncertain or not d.certain
        out.append(f"  - {d.name}：扣 {d.points:g} 分{mark}")
        out += [f"    {e}" for e in d.evidence[:10]]
        if len(d.evidence) > 10:
            out.append(f"    …共 {len(d.evidence)} 条")
    if card.warnings:
        out.append(f"\n【预警】{len(card.warnings)} 条")
        out += [f"  ! {w.name}：{w.detail}" for w in card.warnings]
    if card.not_measured:
        out.append("\n【未能测量】（一次巡检无法测量，未计入，不作推测）")
        out += [f"  ? {n}" for n in card.not_measured]
    if uncertain:
        out.append("\n注：标为“分值未核实”的扣分分值取自指标数据文件，尚未与原指标表核对，由监管员确定。")
    return "\n".join(out) + "\n"


def cmd_inspect(args: argparse.Namespace) -> int:
    """Patrol a site once (no database) and score it against the inspection indicators."""
    import asyncio

    from sanshen.patrol.crawl import run_patrol
    from sanshen.scoring import score
    from sanshen.scoring.from_patrol import facts_from_patrol

    url = _patrol_url(args.url)
    if url is None:
        _error(args.url, "不是有效的网站地址（应以 http:// 或 https:// 开头）")
        return EXIT_ERROR
    try:
        indicators = _indicators(args.indicators)
    except CliError as exc:
        _error(args.indicators, str(exc))
        return EXIT_ERROR
    as_of = args.as_of or dt.date.today()
    try:
        result = asyncio.run(run_patrol(
            url, max_pages=args.max_pages, max_depth=args.max_depth, as_of=as_of, timeout=args.timeout,
            per_host=args.per_host, options={"obey_robots": not args.no_robots},
        ))
    except ValueError as exc:
        _error(args.url, str(exc))
        return EXIT_ERROR
    except Exception as exc:  # one line, no traceback
        _error(args.url, f"巡检失败：{type(exc).__name__}: {exc}")
        return EXIT_ERROR
    probe = _home_probe(result, as_of)
    facts = facts_from_patrol(result.site, as_of, result.problems, result.columns, home_probe=probe)
    if result.stats.get("home") and not result.stats["home"].get("ok") and facts.columns is None:
        # Nothing but one failed fetch: a score of 100 would be a guess, not a measurement.
        home = result.stats["home"]
        why = home.get("error") or f"HTTP {home.get('status')}"
        _error(args.url, f"首页无法访问（{why}），本次巡检未能取得栏目与内容，无法评分")
        return EXIT_ERROR
    card = score(facts, indicators)
    if args.format == "json":
        json.dump(card.to_json(), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(format_inspect_report(card, indicators))
        for note in facts.notes:
            sys.stdout.write(f"注：{note}\n")
    return EXIT_CLEAN if card.passed else EXIT_FINDINGS


def _positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"应为正整数：{value}") from None
    if number <= 0:
        raise argparse.ArgumentTypeError("必须大于 0")
    return number


def _seconds(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"应为秒数：{value}") from None
    if number <= 0:
        raise argparse.ArgumentTypeError("必须大于 0")
    return number


def _django_command(argv: list[str]) -> int:
    """Run one of the platform's management commands; its exit status is ours."""
    from sanshen import manage

    try:
        manage.main(["sanshen", *argv])
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else EXIT_ERROR)
    return EXIT_CLEAN


def cmd_audit(args: argparse.Namespace) -> int:
    argv = ["audit_verify"] if args.action == "verify" else ["audit_export"]
    return _django_command(argv + args.rest)


def cmd_manage(args: argparse.Namespace) -> int:
    return _django_command(args.rest)


# Platform commands: all their options belong to the management command of the same name.
PLATFORM_COMMANDS = {
    "run": "一键启动演示：迁移数据库（默认 ./var 下的 SQLite）、载入演示数据、打印网址和演示账号、启动服务",
    "serve": "以生产方式启动平台（gunicorn；--bind、--workers；数据库须已迁移）",
    "demo": "载入演示数据（示范市、区县、部门乡镇、每个角色一个用户）并打印演示账号",
    "backup": "备份数据库（SQLite 或 PostgreSQL）到一个归档文件",
    "restore": "从备份归档恢复数据库（--yes 不再询问）",
}


def cmd_platform(args: argparse.Namespace) -> int:
    if args.command == "run" and _wants_worker(args.rest):
        _start_worker()
    return _django_command([args.command, *args.rest])


def _wants_worker(rest: list[str]) -> bool:
    """`sanshen run` brings its own job runner unless Celery does that (a broker is configured)."""
    if os.environ.get("SANSHEN_CELERY_BROKER") or os.environ.get("SANSHEN_NO_WORKER"):
        return False
    return not any(a in ("-h", "--help") for a in rest)


def _start_worker() -> None:
    import subprocess

    # The server replaces this process (same pid); the worker stops when that pid is gone.
    argv = [sys.executable, "-m", "sanshen.cli", "worker", "--parent", str(os.getpid()), "--delay", "20"]
    subprocess.Popen(argv, stdin=subprocess.DEVNULL, close_fds=True)


def cmd_worker(args: argparse.Namespace) -> int:
    """Run every app's periodic jobs without Celery (`sanshen.config.scheduler`: each app's
    `PERIODIC_JOBS` — webhooks, deadline reminders, monthly archives, due probes and patrols, the
    daily inspection work)."""
    import signal
    import time

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sanshen.config.settings")
    import django

    django.setup()
    from sanshen.config import scheduler

    if args.once:
        for name, result in scheduler.run_due_jobs({}).items():
            print(f"{name}: {json.dumps(result, ensure_ascii=False, default=str)}")
        return EXIT_CLEAN
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))

    def stop() -> bool:
        return bool(stopping) or (args.parent is not None and os.getppid() != args.parent)

    end = time.monotonic() + max(0.0, args.delay)
    while not stop() and time.monotonic() < end:
        time.sleep(0.5)
    scheduler.run_forever(tick=args.tick, stop=stop)
    return EXIT_CLEAN


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sanshen", description="三审：政府网站与政务新媒体内容审校")
    sub = parser.add_subparsers(dest="command", required=True)
    size_help = "单个文件大小上限（MB），默认 50，或环境变量 SANSHEN_MAX_BYTES"

    check = sub.add_parser("check", help="检查文件中的错敏词、表述错误、隐私、涉密标志、广告博彩等")
    check.add_argument("paths", nargs="+", metavar="PATH", help="文件、目录（递归）或 - 表示标准输入")
    check.add_argument("--format", choices=("text", "json"), default="text")
    check.add_argument("--as-of", type=_date, default=None, help="按此日期判断领导职务等（YYYY-MM-DD），默认今天")
    check.add_argument("--rules", action="append", default=[], metavar="DIR", help="追加自定义词表目录，可多次使用")
    check.add_argument("--profile", default="default", help="default | strict | serious")
    check.add_argument("--max-size", type=_size, default=None, metavar="MB", help=size_help)
    check.set_defaults(func=cmd_check)

    extract = sub.add_parser("extract", help="输出抽取出的纯文本（检查结果的偏移量以此为准）")
    extract.add_argument("path", metavar="PATH")
    extract.add_argument("--max-size", type=_size, default=None, metavar="MB", help=size_help)
    extract.set_defaults(func=cmd_extract)

    mask = sub.add_parser("mask", help="输出脱敏后的文本")
    mask.add_argument("path", metavar="PATH")
    mask.add_argument("--max-size", type=_size, default=None, metavar="MB", help=size_help)
    mask.set_defaults(func=cmd_mask)

    patrol = sub.add_parser("patrol", help="巡检网站：死链、访问验证拦截、软 404、暗链、内容问题等")
    patrol.add_argument("url", metavar="URL", help="网站首页地址")
    patrol.add_argument("--max-pages", type=_positive_int, default=10_000, metavar="N",
                        help="最多抓取页面数，默认 10000")
    patrol.add_argument("--max-depth", type=int, default=8, metavar="N", help="最大链接深度（首页为 0），默认 8")
    patrol.add_argument("--format", choices=("text", "json"), default="text")
    patrol.add_argument("--as-of", type=_date, default=None, help="按此日期判断栏目更新等（YYYY-MM-DD），默认今天")
    patrol.add_argument("--timeout", type=_seconds, default=15.0, metavar="S", help="单次访问超时（秒），默认 15")
    patrol.add_argument("--per-host", type=_positive_int, default=4, metavar="N", help="每个主机的并发请求数，默认 4")
    patrol.add_argument("--no-robots", action="store_true", help="不遵守 robots.txt（本单位网站自查时）")
    patrol.add_argument("--state", default=None, metavar="FILE",
                        help="巡检状态文件：中断后再次运行从断点继续；巡检完成后再次运行只检查有变化的页面")
    patrol.set_defaults(func=cmd_patrol)

    inspect = sub.add_parser(
        "inspect", help="检查考核试评分：巡检网站一次并按检查指标评分（无需数据库；0 合格，1 不合格，2 出错）")
    inspect.add_argument("url", metavar="URL", help="网站首页地址")
    inspect.add_argument("--as-of", type=_date, default=None, help="评分日期（YYYY-MM-DD），默认今天")
    inspect.add_argument("--format", choices=("text", "json"), default="text")
    inspect.add_argument("--indicators", default="website-2019", metavar="FILE|ID",
                         help="指标集：内置 website-2019（默认）、newmedia-2019，或 YAML 指标文件")
    inspect.add_argument("--max-pages", type=_positive_int, default=10_000, metavar="N",
                         help="最多抓取页面数，默认 10000")
    inspect.add_argument("--max-depth", type=int, default=8, metavar="N", help="最大链接深度（首页为 0），默认 8")
    inspect.add_argument("--timeout", type=_seconds, default=15.0, metavar="S", help="单次访问超时（秒），默认 15")
    inspect.add_argument("--per-host", type=_positive_int, default=4, metavar="N", help="每个主机的并发请求数，默认 4")
    inspect.add_argument("--no-robots", action="store_true", help="不遵守 robots.txt（本单位网站自查时）")
    inspect.set_defaults(func=cmd_inspect)

    audit = sub.add_parser("audit", help="审计日志：verify 校验哈希链，export 导出（CSV/JSON）")
    audit.add_argument("action", choices=("verify", "export"))
    audit.add_argument("rest", nargs=argparse.REMAINDER, help="传给 audit_verify / audit_export 的参数")
    audit.set_defaults(func=cmd_audit)

    worker = sub.add_parser(
        "worker",
        help="不用 Celery 时运行各应用的定时任务：Webhook 推送、审核催办提醒、月度归档、"
             "到期的可用性探测与巡检、检查考核每日任务（sanshen run 会自动启动）",
    )
    worker.add_argument("--once", action="store_true", help="每项任务运行一次后退出（供 cron 调用）")
    worker.add_argument("--tick", type=float, default=30, help="检查间隔秒数，默认 30")
    worker.add_argument("--delay", type=float, default=0, help="启动后等待的秒数，默认 0")
    worker.add_argument("--parent", type=int, default=None, help=argparse.SUPPRESS)
    worker.set_defaults(func=cmd_worker)

    manage = sub.add_parser("manage", help="平台管理命令（migrate、createsuperuser 等）")
    manage.add_argument("rest", nargs=argparse.REMAINDER)
    manage.set_defaults(func=cmd_manage)

    for name, help_text in PLATFORM_COMMANDS.items():
        platform = sub.add_parser(name, help=help_text, add_help=False)
        platform.add_argument("rest", nargs=argparse.REMAINDER)
        platform.set_defaults(func=cmd_platform)
    return parser


def main(argv: list[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8", errors="replace")
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] in PLATFORM_COMMANDS:
        # Passed on untouched: argparse.REMAINDER cannot take arguments that start with an option.
        args = argparse.Namespace(func=cmd_platform, command=argv[0], rest=argv[1:])
    else:
        args = parser.parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_CLEAN


if __name__ == "__main__":
    sys.exit(main())
