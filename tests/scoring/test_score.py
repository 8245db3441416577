"""Every veto line of the 2019 website indicators, with facts just inside and just outside it."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml

from sanshen.scoring import (
    ColumnFact,
    ContentFact,
    DeadLinkFact,
    IncidentFact,
    IndicatorError,
    MessageFact,
    Probe,
    SiteFacts,
    builtin,
    parse_set,
    score,
)
from sanshen.scoring.indicators import DATA_DIR

AS_OF = dt.date(2026, 11, 22)
UTC = dt.UTC
WEBSITE = builtin("website-2019")


def facts(**kw) -> SiteFacts:
    base = dict(
        site="https://www.example.gov.cn/",
        as_of=AS_OF,
        home_measured=True,
        home_latest=AS_OF,
        columns=[],
        dead_links=[],
        content=[],
        incidents=[],
        messages=[],
    )
    base.update(kw)
    return SiteFacts(**base)


def vetoes(card) -> set[str]:
    return {v.indicator for v in card.vetoes}


def warnings(card) -> set[str]:
    return {w.indicator for w in card.warnings}


def probes(days: int = 7, per_day: int = 96, failures: int = 0, consecutive: bool = False) -> list[Probe]:
    """`days` of probes every 24h/per_day ending on AS_OF; `failures` spread out (or in a row)."""
    total = days * per_day
    step = dt.timedelta(days=1) / per_day
    start = dt.datetime.combine(AS_OF - dt.timedelta(days=days - 1), dt.time.min, tzinfo=UTC)
    if consecutive:
        failed = set(range(failures))
    else:
        failed = {round(i * total / failures) for i in range(failures)} if failures else set()
    return [Probe(start + i * step, ok=i not in failed, elapsed=0.4) for i in range(total)]


# 站点无法访问 -------------------------------------------------------------------------------


def test_availability_just_under_five_percent_warns_only():
    total = 7 * 96
    card = score(facts(probes=probes(failures=int(total * 0.05) - 1)), WEBSITE)  # 4.9 %
    assert "unavailable" not in vetoes(card)
    assert "unavailable" in warnings(card)
    assert card.passed


def test_availability_at_five_percent_vetoes():
    total = 7 * 96
    card = score(facts(probes=probes(failures=-(-total * 5 // 100))), WEBSITE)
    assert "unavailable" in vetoes(card)
    assert not card.passed and card.score == 0
    assert "次失败" in card.vetoes[0].evidence[0]


def test_availability_under_three_percent_no_warning_and_three_percent_warns():
    total = 7 * 96
    quiet = score(facts(probes=probes(failures=int(total * 0.03) - 1)), WEBSITE)
    assert "unavailable" not in warnings(quiet)
    noisy = score(facts(probes=probes(failures=-(-total * 3 // 100))), WEBSITE)
    assert "unavailable" in warnings(noisy) and "unavailable" not in vetoes(noisy)


def test_slow_probe_counts_as_failure_at_fifteen_seconds():
    ps = probes()
    slow = [Probe(p.at, ok=True, elapsed=15.0 if i % 10 == 0 else 14.9) for i, p in enumerate(ps)]
    assert "unavailable" in vetoes(score(facts(probes=slow), WEBSITE))  # 10 % at exactly 15 s
    fast = [Probe(p.at, ok=True, elapsed=14.99) for p in ps]
    assert "unavailable" not in vetoes(score(facts(probes=fast), WEBSITE))


def test_two_failures_in_a_row_warn():
    assert "unavailable" in warnings(score(facts(probes=probes(failures=2, consecutive=True)), WEBSITE))
    single = score(facts(probes=probes(failures=1)), WEBSITE)
    assert "unavailable" not in warnings(single)


def test_short_monitoring_cannot_veto_and_says_so():
    card = score(facts(probes=probes(days=3, failures=50)), WEBSITE)
    assert "unavailable" not in vetoes(card)
    assert any(n.startswith("站点无法访问") and "3 天" in n for n in card.not_measured)


def test_too_few_probes_a_day_is_reported_as_not_measured():
    card = score(facts(probes=probes(per_day=19)), WEBSITE)
    assert any(n.startswith("站点无法访问") for n in card.not_measured)
    assert not any(n.startswith("站点无法访问") for n in score(facts(probes=probes(per_day=20)), WEBSITE).not_measured)


# 首页不更新 --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("age", "veto", "warn"),
    [(9, False, False), (10, False, True), (14, False, True), (15, True, False)],
)
def test_home_page_update_lines(age, veto, warn):
    card = score(facts(home_latest=AS_OF - dt.timedelta(days=age)), WEBSITE)
    assert ("home_not_updated" in vetoes(card)) is veto
    assert ("home_not_updated" in warnings(card)) is warn


def test_home_page_without_dates_counts_as_not_updated():
    assert "home_not_updated" in vetoes(score(facts(home_latest=None), WEBSITE))


# 栏目不更新 --------------------------------------------------------------------------------


def column(i: int, cls: str = "news", age: int | None = 0, blank: bool = False) -> ColumnFact:
    max_age = {"news": 14, "notice": 183, "yearly": 365}.get(cls)
    latest = None if age is None else AS_OF - dt.timedelta(days=age)
    return ColumnFact(f"栏目{i}", f"https://www.example.gov.cn/c{i}/", cls, max_age, latest, blank)


def test_four_stale_key_columns_pass_five_veto():
    four = [column(i, age=15) for i in range(4)]
    card = score(facts(columns=[*four, column(9)]), WEBSITE)
    assert "columns_not_updated" not in vetoes(card)
    assert "columns_not_updated" in warnings(card)  # platform's early line: 3 key columns
    five = [column(i, age=15) for i in range(5)]
    assert "columns_not_updated" in vetoes(score(facts(columns=five), WEBSITE))


def test_news_column_fourteen_days_is_fresh_fifteen_is_stale():
    fresh = [column(i, age=14) for i in range(5)]
    assert "columns_not_updated" not in vetoes(score(facts(columns=fresh), WEBSITE))


def test_notice_columns_use_six_months():
    fresh = [column(i, "notice", age=183) for i in range(5)]
    assert "columns_not_updated" not in vetoes(score(facts(columns=fresh), WEBSITE))
    stale = [column(i, "notice", age=184) for i in range(5)]
    assert "columns_not_updated" in vetoes(score(facts(columns=stale), WEBSITE))


def test_undated_items_count_as_not_updated():
    undated = [column(i, age=None) for i in range(5)]
    assert "columns_not_updated" in vetoes(score(facts(columns=undated), WEBSITE))


def test_ten_stale_columns_of_any_class_veto_nine_warn():
    nine = [column(i, "yearly", age=400) for i in range(9)]
    card = score(facts(columns=nine), WEBSITE)
    assert "columns_not_updated" not in vetoes(card)
    assert any("9 个栏目" in w.detail for w in card.warnings)
    ten = [column(i, "yearly", age=400) for i in range(10)]
    assert "columns_not_updated" in vetoes(score(facts(columns=ten), WEBSITE))


def test_blank_columns_two_warn_four_pass_five_veto():
    def blanks(n):
        return [column(i, blank=True, age=None) for i in range(n)]

    assert "columns_not_updated" not in warnings(score(facts(columns=blanks(1)), WEBSITE))
    assert "columns_not_updated" in warnings(score(facts(columns=blanks(2)), WEBSITE))
    assert "columns_not_updated" not in vetoes(score(facts(columns=blanks(4)), WEBSITE))
    assert "columns_not_updated" in vetoes(score(facts(columns=blanks(5)), WEBSITE))


def test_unclassified_columns_are_never_stale():
    cols = [column(i, "none", age=900) for i in range(12)]
    card = score(facts(columns=cols), WEBSITE)
    assert "columns_not_updated" not in vetoes(card) and not card.deductions


# Content, incidents, messages ----------------------------------------------------------------


def test_wrong_leader_title_vetoes_but_a_typo_only_deducts():
    leader = ContentFact("https://x.gov.cn/a.html", "expression", "leaders:title", "veto", "某某总理")
    typo = ContentFact("https://x.gov.cn/b.html", "typo", "typo:common", "medium", "既使")
    card = score(facts(content=[typo]), WEBSITE)
    assert not card.vetoes and card.score == pytest.approx(99.8)
    assert "serious_error" in vetoes(score(facts(content=[leader, typo]), WEBSITE))


def test_fixed_finding_does_not_count():
    leader = ContentFact("https://x.gov.cn/a.html", "expression", "leaders:title", "veto", "某某总理", open=False)
    assert score(facts(content=[leader]), WEBSITE).passed


def test_secret_marking_is_a_security_incident():
    secret = ContentFact("https://x.gov.cn/a.html", "secret", "secret:marking", "veto", "机密★")
    assert "security_incident" in vetoes(score(facts(content=[secret]), WEBSITE))


def test_dark_link_handled_within_a_day_only_warns():
    today = IncidentFact("hidden_link", "https://x.gov.cn/", "隐藏的博彩链接", first_seen=AS_OF - dt.timedelta(days=1))
    card = score(facts(incidents=[today]), WEBSITE)
    assert "security_incident" not in vetoes(card) and "security_incident" in warnings(card)
    old = IncidentFact("hidden_link", "https://x.gov.cn/", "隐藏的博彩链接", first_seen=AS_OF - dt.timedelta(days=2))
    assert "security_incident" in vetoes(score(facts(incidents=[old]), WEBSITE))


def test_one_shot_patrol_counts_an_incident_at_once():
    inc = IncidentFact("cloaking", "https://x.gov.cn/", "仅对百度蜘蛛显示博彩内容")
    assert "security_incident" in vetoes(score(facts(incidents=[inc], one_shot=True), WEBSITE))


@pytest.mark.parametrize(("waited", "veto", "warn"), [(74, False, False), (75, False, True), (90, False, True),
                                                      (91, True, False)])
def test_unanswered_message_lines(waited, veto, warn):
    msg = MessageFact(AS_OF - dt.timedelta(days=waited), None, "咨询办事地点")
    card = score(facts(messages=[msg]), WEBSITE)
    assert ("poor_interaction" in vetoes(card)) is veto
    assert ("poor_interaction" in warnings(card)) is warn


def test_message_answered_late_within_lookback_vetoes_older_ones_do_not():
    late = MessageFact(AS_OF - dt.timedelta(days=200), AS_OF - dt.timedelta(days=100), "迟复")
    assert "poor_interaction" in vetoes(score(facts(messages=[late]), WEBSITE))
    ancient = MessageFact(AS_OF - dt.timedelta(days=400), None, "一年以前")
    assert "poor_interaction" not in vetoes(score(facts(messages=[ancient]), WEBSITE))


# Deductions --------------------------------------------------------------------------------


def test_dead_link_deductions_are_capped_per_indicator():
    home = [DeadLinkFact(f"https://x.gov.cn/h{i}", on_home=True) for i in range(8)]
    inner = [DeadLinkFact(f"https://x.gov.cn/i{i}", on_home=False) for i in range(30)]
    card = score(facts(dead_links=home + inner), WEBSITE)
    points = {d.indicator: d.points for d in card.deductions}
    assert points == {"home_dead_links": 5.0, "inner_dead_links": 3.0}
    assert card.score == 92.0 and card.passed
    assert all(not d.certain for d in card.deductions)


def test_under_sixty_fails_without_a_veto():
    s = parse_set({
        "id": "t", "name": "t", "version": "1", "platform": "website", "total": 100, "pass_score": 60,
        "deductions": [{"id": "d", "name": "链接", "measure": "dead_links", "where": "any", "points_each": 1}],
    })
    links = [DeadLinkFact(f"https://x.gov.cn/{i}", on_home=False) for i in range(41)]
    card = score(facts(dead_links=links), s)
    assert card.score == 59 and not card.passed and not card.vetoes
    assert score(facts(dead_links=links[:40]), s).passed


def test_unmeasured_inputs_are_listed_not_guessed():
    card = score(SiteFacts("https://x.gov.cn/", AS_OF), WEBSITE)
    assert card.vetoes == [] and card.deductions == []
    assert any(n.startswith("首页不更新") for n in card.not_measured)
    assert any(n.startswith("栏目不更新") for n in card.not_measured)
    assert any(n.startswith("互动回应差") for n in card.not_measured)


def test_json_contract():
    card = score(facts(dead_links=[DeadLinkFact("https://x.gov.cn/a", on_home=True, detail="HTTP 404")]), WEBSITE)
    data = card.to_json()
    assert set(data) == {"site", "score", "passed", "vetoes", "deductions", "warnings", "not_measured"}
    assert data["deductions"][0] == {"indicator": WEBSITE.deductions[0].name, "points": 1.0,
                                     "evidence": ["https://x.gov.cn/a HTTP 404"]}


# Indicator files ---------------------------------------------------------------------------


def test_every_shipped_set_loads_and_marks_uncertain_points():
    for path in DATA_DIR.glob("*.yaml"):
        s = builtin(path.stem)
        assert s.vetoes and s.deductions
        assert s.uncertain, f"{path.name}: unverified point values must be marked"


def test_broken_set_is_refused_with_the_row_named():
    data = yaml.safe_load((DATA_DIR / "website-2019.yaml").read_text(encoding="utf-8"))
    data["deductions"][1]["measure"] = "guess"
    with pytest.raises(IndicatorError, match="扣分项第2项"):
        parse_set(data)
    data = yaml.safe_load((DATA_DIR / "website-2019.yaml").read_text(encoding="utf-8"))
    data["vetoes"].append(dict(data["vetoes"][0]))
    with pytest.raises(IndicatorError, match="重复"):
        parse_set(data)


# From a patrol -----------------------------------------------------------------------------


def test_facts_from_a_patrol():
    from sanshen.patrol.model import Column, Kind, Problem
    from sanshen.scoring.from_patrol import facts_from_patrol

    problems = [
        Problem(Kind.DEAD_LINK, "https://x.gov.cn/gone", "HTTP 404", "high", ["https://x.gov.cn/"],
                facts={"on_home": True}),
        Problem(Kind.DEAD_LINK, "https://x.gov.cn/old", "HTTP 404", "medium", ["https://x.gov.cn/a"]),
        Problem(Kind.CONTENT, "https://x.gov.cn/a", "身份证号", "veto",
                finding={"category": "privacy", "rule": "privacy:id_card", "severity": "veto", "text": "1101…"}),
        Problem(Kind.HIDDEN_LINK, "https://x.gov.cn/", "隐藏的博彩链接", "veto"),
    ]
    columns = [
        Column("https://x.gov.cn/dt/", "工作动态", "news", 14, AS_OF - dt.timedelta(days=3), 20),
        Column("https://x.gov.cn/kb/", "空白栏目", "notice", 183, None, 0),
    ]
    f = facts_from_patrol("https://x.gov.cn/", AS_OF, problems, columns,
                          home_probe=Probe(dt.datetime(2026, 11, 22, 9, tzinfo=UTC), ok=True, elapsed=0.3))
    assert f.home_latest == AS_OF - dt.timedelta(days=3) and f.home_measured
    assert [d.on_home for d in f.dead_links] == [True, False]
    assert f.columns[1].blank and not f.columns[0].blank
    card = score(f, WEBSITE)
    assert vetoes(card) == {"security_incident"}  # the dark link, counted at once on a one-shot patrol
    assert {d.indicator for d in card.deductions} >= {"home_dead_links", "inner_dead_links", "privacy_leaks"}
    assert any(n.startswith("站点无法访问") for n in card.not_measured)


def test_home_page_down_in_a_one_shot_patrol_warns_but_cannot_veto():
    from sanshen.patrol.model import Kind, Problem
    from sanshen.scoring.from_patrol import facts_from_patrol

    f = facts_from_patrol("https://x.gov.cn/", AS_OF, [Problem(Kind.UNAVAILABLE, "https://x.gov.cn/", "超时")], [],
                          home_probe=Probe(dt.datetime(2026, 11, 22, 9, tzinfo=UTC), ok=False, elapsed=15.0))
    card = score(f, WEBSITE)
    assert "unavailable" not in vetoes(card) and "unavailable" in warnings(card)
    assert any(n.startswith("首页不更新") for n in card.not_measured)
