"""Score a site's facts against an indicator set: vetoes, deductions (capped per indicator), early
warnings inside the veto lines, and the indicators that could not be measured.

If any veto applies the site fails and its deductions are still listed (inspectors want to see them)
but the score is 0; otherwise the score is the total minus the capped deductions.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .facts import ColumnFact, SiteFacts
from .indicators import Indicator, IndicatorSet


@dataclass
class Veto:
    indicator: str
    name: str
    evidence: list[str]


@dataclass
class Deduction:
    indicator: str
    name: str
    points: float
    evidence: list[str]
    certain: bool = True


@dataclass
class Warning:
    indicator: str
    name: str
    detail: str


@dataclass
class Scorecard:
    site: str
    indicator_set: str
    as_of: dt.date
    score: float
    passed: bool
    vetoes: list[Veto] = field(default_factory=list)
    deductions: list[Deduction] = field(default_factory=list)
    warnings: list[Warning] = field(default_factory=list)
    not_measured: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        """The contract of `sanshen inspect --format json`."""
        return {
            "site": self.site,
            "score": self.score,
            "passed": self.passed,
            "vetoes": [{"indicator": v.name, "evidence": v.evidence} for v in self.vetoes],
            "deductions": [{"indicator": d.name, "points": d.points, "evidence": d.evidence} for d in self.deductions],
            "warnings": [{"indicator": w.name, "detail": w.detail} for w in self.warnings],
            "not_measured": list(self.not_measured),
        }


def _pct(x: float) -> str:
    return f"{x * 100:.1f}%"


class _Scorer:
    def __init__(self, facts: SiteFacts, indicators: IndicatorSet):
        self.facts = facts
        self.card = Scorecard(facts.site, indicators.id, facts.as_of, 0.0, False)

    # Vetoes -------------------------------------------------------------------------------

    def veto(self, ind: Indicator, evidence: list[str]) -> None:
        self.card.vetoes.append(Veto(ind.id, ind.name, evidence))

    def warn(self, ind: Indicator, detail: str) -> None:
        self.card.warnings.append(Warning(ind.id, ind.name, detail))

    def unmeasured(self, ind: Indicator, why: str) -> None:
        self.card.not_measured.append(f"{ind.name}（{why}）")

    def availability(self, ind: Indicator) -> None:
        probes = self.facts.probes
        window = int(ind.get("window_days", 7))
        if not probes:
            self.unmeasured(ind, f"需连续 {window} 天、每天不少于 {ind.get('min_probes_per_day', 20)} 次的访问监测")
            return
        end = dt.datetime.combine(self.facts.as_of + dt.timedelta(days=1), dt.time.min, tzinfo=probes[0].at.tzinfo)
        start = end - dt.timedelta(days=window)
        inside = sorted((p for p in probes if start <= p.at < end), key=lambda p: p.at)
        slow = float(ind.get("slow_seconds", 15))
        failed = [p for p in inside if not p.ok or p.elapsed >= slow]
        days = {p.at.date() for p in inside}
        per_day_min = int(ind.get("min_probes_per_day", 20))
        thin_days = sum(1 for d in days if sum(1 for p in inside if p.at.date() == d) < per_day_min)
        if len(days) < window or thin_days:
            self.unmeasured(
                ind,
                f"监测不足：{len(days)} 天有记录（需 {window} 天），{thin_days} 天少于每天 {per_day_min} 次",
            )
        if not inside:
            return
        ratio = len(failed) / len(inside)
        evidence = [f"{len(inside)} 次访问中 {len(failed)} 次失败或超过 {slow:g} 秒（{_pct(ratio)}）"]
        evidence += [f"{p.at:%Y-%m-%d %H:%M} {p.detail or ('超时' if p.ok else '无法访问')}" for p in failed[:10]]
        run = best = 0
        for p in inside:
            run = run + 1 if (not p.ok or p.elapsed >= slow) else 0
            best = max(best, run)
        if ratio >= float(ind.get("veto_ratio", 0.05)) and len(days) >= window:
            self.veto(ind, evidence)
        elif ratio >= float(ind.get("warn_ratio", 0.03)):
            self.warn(ind, f"访问失败率 {_pct(ratio)}，接近否决线 {_pct(float(ind.get('veto_ratio', 0.05)))}")
        if best >= int(ind.get("warn_consecutive", 2)):
            self.warn(ind, f"连续 {best} 次访问失败")

    def home_update(self, ind: Indicator) -> None:
        if not self.facts.home_measured:
            self.unmeasured(ind, "未取得首页栏目的更新日期")
            return
        latest = self.facts.home_latest
        veto_days, warn_days = int(ind.get("veto_days", 14)), int(ind.get("warn_days", 10))
        if latest is None:
            self.veto(ind, ["首页栏目中没有注明发布日期的信息（未注明发布时间的视为不更新）"])
            return
        age = (self.facts.as_of - latest).days
        if age > veto_days:
            self.veto(ind, [f"首页最新信息日期 {latest}，已 {age} 天未更新（否决线 {veto_days} 天）"])
        elif age >= warn_days:
            self.warn(ind, f"首页已 {age} 天未更新（否决线 {veto_days} 天）")

    @staticmethod
    def _stale(col: ColumnFact, as_of: dt.date, undated_stale: bool) -> bool:
        if col.blank or col.max_age_days is None or col.update_class == "none":
            return False
        if col.latest is None:
            return undated_stale
        return (as_of - col.latest).days > col.max_age_days

    def stale_and_blank(self, undated_stale: bool = True) -> tuple[list[ColumnFact], list[ColumnFact]]:
        cols = self.facts.columns or []
        stale = [c for c in cols if self._stale(c, self.facts.as_of, undated_stale)]
        blank = [c for c in cols if c.blank]
        return stale, blank

    @staticmethod
    def _col_line(c: ColumnFact) -> str:
        if c.blank:
            return f"空白栏目「{c.name}」 {c.url}"
        when = f"最新 {c.latest}" if c.latest else "信息未注明日期"
        return f"「{c.name}」{when}，更新周期 {c.max_age_days} 天 {c.url}"

    def columns(self, ind: Indicator) -> None:
        if self.facts.columns is None:
            self.unmeasured(ind, "未识别栏目")
            return
        stale, blank = self.stale_and_blank(bool(ind.get("undated_counts_as_stale", True)))
        key = [c for c in stale if c.update_class in set(ind.get("key_classes", ["news", "notice"]))]
        lines: list[str] = []
        if len(key) >= int(ind.get("key_stale_veto", 5)):
            lines.append(f"{len(key)} 个动态要闻/通知公告政策文件类栏目未按期更新")
            lines += [self._col_line(c) for c in key]
        if len(stale) >= int(ind.get("any_stale_veto", 10)):
            lines.append(f"{len(stale)} 个应更新栏目未更新")
            lines += [self._col_line(c) for c in stale if c not in key]
        if len(blank) >= int(ind.get("blank_veto", 5)):
            lines.append(f"{len(blank)} 个空白栏目")
            lines += [self._col_line(c) for c in blank]
        if lines:
            self.veto(ind, lines)
            return
        if len(key) >= int(ind.get("key_stale_warn", 3)):
            line = ind.get("key_stale_veto", 5)
            self.warn(ind, f"{len(key)} 个动态要闻/通知公告类栏目未按期更新（否决线 {line} 个）")
        if len(stale) >= int(ind.get("any_stale_warn", 6)):
            self.warn(ind, f"{len(stale)} 个栏目未按期更新（否决线 {ind.get('any_stale_veto', 10)} 个）")
        if len(blank) >= int(ind.get("blank_warn", 2)):
            self.warn(ind, f"{len(blank)} 个空白栏目（否决线 {ind.get('blank_veto', 5)} 个）")

    def content(self, ind: Indicator) -> None:
        if self.facts.content is None:
            self.unmeasured(ind, "未检查网站内容")
            return
        cats, sevs = set(ind.get("categories", [])), set(ind.get("severities", ["veto"]))
        hits = [c for c in self.facts.content if c.open and c.category in cats and c.severity in sevs]
        if hits:
            self.veto(ind, [f"{c.message or c.rule}：「{c.text}」 {c.url}" for c in hits[:20]])

    def _overdue(self, first_seen: dt.date | None, days: int) -> bool:
        if self.facts.one_shot or first_seen is None:
            return True
        return (self.facts.as_of - first_seen).days > days

    def incidents(self, ind: Indicator) -> None:
        if self.facts.incidents is None and self.facts.content is None:
            self.unmeasured(ind, "未检查篡改、暗链与泄密")
            return
        days = int(ind.get("handle_within_days", 1))
        kinds = set(ind.get("problem_kinds", []))
        lines = [
            f"{i.detail} {i.url}"
            for i in self.facts.incidents or []
            if i.open and i.kind in kinds and self._overdue(i.first_seen, days)
        ]
        cats, sevs = set(ind.get("content_categories", [])), set(ind.get("content_severities", ["veto"]))
        lines += [
            f"{c.message or c.rule}：「{c.text}」 {c.url}"
            for c in self.facts.content or []
            if c.open and c.category in cats and c.severity in sevs and self._overdue(c.first_seen, days)
        ]
        if lines:
            self.veto(ind, lines[:20])
        else:
            pending = [i for i in self.facts.incidents or [] if i.open and i.kind in kinds]
            if pending:
                self.warn(ind, f"{len(pending)} 个疑似篡改或暗链问题待处置（{days} 天内未处置即否决）")

    def messages(self, ind: Indicator) -> None:
        if self.facts.messages is None:
            self.unmeasured(ind, "需互动留言办理记录")
            return
        limit, lookback = int(ind.get("unanswered_days", 90)), int(ind.get("lookback_days", 365))
        warn_days = int(ind.get("warn_days", 75))
        since = self.facts.as_of - dt.timedelta(days=lookback)
        late, near = [], []
        for m in self.facts.messages:
            if m.received < since:
                continue
            waited = ((m.answered or self.facts.as_of) - m.received).days
            if waited > limit:
                state = "未答复" if m.answered is None else f"{m.answered} 才答复"
                late.append(f"{m.received} 收到的留言「{m.title}」{state}")
            elif m.answered is None and waited >= warn_days:
                near.append(m)
        if late:
            self.veto(ind, late[:20])
        elif near:
            self.warn(ind, f"{len(near)} 条留言已接近 {limit} 天未答复")

    # Deductions ---------------------------------------------------------------------------

    def deduct(self, ind: Indicator, raw: float, evidence: list[str]) -> None:
        cap = float(ind.get("max_points", raw))
        points = round(min(raw, cap), 2)
        if points > 0:
            certain = ind.get("certain", True) is not False
            self.card.deductions.append(Deduction(ind.id, ind.name, points, evidence, certain))

    def dead_links(self, ind: Indicator) -> None:
        if self.facts.dead_links is None:
            self.unmeasured(ind, "未检查链接")
            return
        where = ind.get("where", "any")
        links = [
            d for d in self.facts.dead_links if where == "any" or (d.on_home if where == "home" else not d.on_home)
        ]
        each = float(ind.get("points_each", 0))
        self.deduct(ind, each * len(links), [f"{d.url} {d.detail}".strip() for d in links[:30]])

    def stale_columns(self, ind: Indicator) -> None:
        if self.facts.columns is None:
            self.unmeasured(ind, "未识别栏目")
            return
        stale, _ = self.stale_and_blank()
        self.deduct(ind, float(ind.get("points_each", 0)) * len(stale), [self._col_line(c) for c in stale])

    def blank_columns(self, ind: Indicator) -> None:
        if self.facts.columns is None:
            self.unmeasured(ind, "未识别栏目")
            return
        _, blank = self.stale_and_blank()
        self.deduct(ind, float(ind.get("points_each", 0)) * len(blank), [self._col_line(c) for c in blank])

    def content_findings(self, ind: Indicator) -> None:
        if self.facts.content is None:
            self.unmeasured(ind, "未检查网站内容")
            return
        cats, weights = set(ind.get("categories", [])), dict(ind.get("severities", {}))
        hits = [c for c in self.facts.content if c.open and c.category in cats and weights.get(c.severity, 0) > 0]
        raw = sum(float(weights[c.severity]) for c in hits)
        self.deduct(ind, raw, [f"{c.message or c.rule}：「{c.text}」 {c.url}" for c in hits[:30]])

    def manual(self, ind: Indicator) -> None:
        self.unmeasured(ind, "需人工检查")


def score(facts: SiteFacts, indicators: IndicatorSet) -> Scorecard:
    scorer = _Scorer(facts, indicators)
    for ind in indicators.vetoes:
        getattr(scorer, ind.measure)(ind)
    for ind in indicators.deductions:
        getattr(scorer, ind.measure)(ind)
    card = scorer.card
    lost = sum(d.points for d in card.deductions)
    card.score = 0.0 if card.vetoes else round(max(0.0, indicators.total - lost), 2)
    card.passed = not card.vetoes and card.score >= indicators.pass_score
    return card
