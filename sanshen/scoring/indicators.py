"""Indicator sets (检查指标) as versioned data files: vetoes with their lines, deductions with points.

A set is a YAML mapping (see `data/website-2019.yaml`). Loading validates it and refuses a file
a supervisor broke, with a message naming the row, rather than scoring with it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

DATA_DIR = Path(__file__).with_name("data")

VETO_MEASURES = frozenset({"availability", "home_update", "columns", "content", "incidents", "messages", "manual"})
DEDUCTION_MEASURES = frozenset({"dead_links", "stale_columns", "blank_columns", "content_findings", "manual"})
SEVERITIES = ("veto", "high", "medium", "low")


class IndicatorError(ValueError):
    """An indicator set that cannot be used, with the reason."""


@dataclass(frozen=True)
class Indicator:
    id: str
    name: str
    measure: str
    params: dict = field(default_factory=dict)

    def get(self, key: str, default=None):
        return self.params.get(key, default)


@dataclass(frozen=True)
class IndicatorSet:
    id: str
    name: str
    version: str
    platform: str
    total: float
    pass_score: float
    vetoes: tuple[Indicator, ...]
    deductions: tuple[Indicator, ...]
    uncertain: tuple[str, ...]  # ids of deductions whose point values are not verified


def _indicator(row: object, where: str, measures: frozenset[str]) -> Indicator:
    if not isinstance(row, dict):
        raise IndicatorError(f"{where}：每一项应是键值表。")
    ident, name, measure = row.get("id"), row.get("name"), row.get("measure")
    if not isinstance(ident, str) or not ident:
        raise IndicatorError(f"{where}：缺少 id。")
    if not isinstance(name, str) or not name:
        raise IndicatorError(f"{where}（{ident}）：缺少名称 name。")
    if measure not in measures:
        allowed = "、".join(sorted(measures))
        raise IndicatorError(f"{where}（{ident}）：measure 应为 {allowed} 之一，而不是 {measure!r}。")
    params = {k: v for k, v in row.items() if k not in {"id", "name", "measure"}}
    for key in ("points_each", "max_points", "veto_ratio", "warn_ratio"):
        if key in params and (not isinstance(params[key], int | float) or params[key] < 0):
            raise IndicatorError(f"{where}（{ident}）：{key} 应为非负数。")
    severities = params.get("severities")
    if isinstance(severities, dict) and any(s not in SEVERITIES for s in severities):
        raise IndicatorError(f"{where}（{ident}）：severities 只能用 {'、'.join(SEVERITIES)}。")
    return Indicator(ident, name, measure, params)


def parse_set(data: object, source: str = "指标文件") -> IndicatorSet:
    if not isinstance(data, dict):
        raise IndicatorError(f"{source}：内容应是键值表。")
    missing = [k for k in ("id", "name", "version", "platform", "total", "pass_score") if k not in data]
    if missing:
        raise IndicatorError(f"{source}：缺少 {'、'.join(missing)}。")
    veto_rows, deduction_rows = data.get("vetoes") or [], data.get("deductions") or []
    vetoes = tuple(_indicator(r, f"{source} 否决项第{i + 1}项", VETO_MEASURES) for i, r in enumerate(veto_rows))
    deductions = tuple(
        _indicator(r, f"{source} 扣分项第{i + 1}项", DEDUCTION_MEASURES) for i, r in enumerate(deduction_rows)
    )
    ids = [i.id for i in vetoes + deductions]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise IndicatorError(f"{source}：指标 id 重复：{'、'.join(duplicates)}。")
    total, pass_score = float(data["total"]), float(data["pass_score"])
    if not 0 < pass_score <= total:
        raise IndicatorError(f"{source}：合格线应在 0 与总分之间。")
    return IndicatorSet(
        id=str(data["id"]),
        name=str(data["name"]),
        version=str(data["version"]),
        platform=str(data["platform"]),
        total=total,
        pass_score=pass_score,
        vetoes=vetoes,
        deductions=deductions,
        uncertain=tuple(d.id for d in deductions if d.get("certain") is False),
    )


def load_set(path: str | Path) -> IndicatorSet:
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise IndicatorError(f"{path.name}：无法读取（{exc}）。") from exc
    return parse_set(data, path.name)


def builtin(set_id: str = "website-2019") -> IndicatorSet:
    path = DATA_DIR / f"{set_id}.yaml"
    if not path.is_file():
        raise IndicatorError(f"没有内置指标集 {set_id}。")
    return load_set(path)


def builtin_ids() -> list[str]:
    return sorted(p.stem for p in DATA_DIR.glob("*.yaml"))
