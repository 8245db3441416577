"""Inspection services: facts from the patrol tables, early warnings, opening and closing a quarter's
inspection, rectification deadlines in Chinese working days, answers, confirmation by the next patrol,
escalation, bulletin counts, indicator set versions and the daily command."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone

from tests.platform.inspection_helpers import EDU, column, dead, make_org, make_sites, patrol, probes, wording

TZ = timezone.get_current_timezone()


@pytest.fixture
def org(tree, make_user):
    return make_org(tree, make_user)


@pytest.fixture
def sites(org):
    return make_sites(org)


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=TZ)


def q3_history(site, seen: dt.date = dt.date(2026, 9, 20)):
    from sanshen.patrol.model import Kind
    from sanshen.patrol.model import Problem as PProblem

    hidden = PProblem(Kind.HIDDEN_LINK, EDU, "隐藏链接指向博彩网站", "veto", found_on=[EDU],
                      facts={"key": "hidden"})
    cols = [column(EDU, "工作动态", seen - dt.timedelta(days=3)),
            column(EDU, "通知公告", dt.date(2026, 1, 1), "notice"),
            column(EDU, "空栏目", None, items=0)]
    return patrol(site, dead(EDU, "a.html"), dead(EDU, "b/c.html", on_home=False), wording(EDU), hidden,
                  columns=cols, when=at(seen))


def test_site_facts_from_db_rows(sites):
    from sanshen.inspection.services import site_facts

    site = sites["edu"]
    q3_history(site)
    probes(site, dt.date(2026, 9, 28), 20, failures=1, days=7)
    facts = site_facts(site, dt.date(2026, 9, 1), dt.date(2026, 9, 28))
    assert len(facts.probes) == 140
    assert facts.probes[0].elapsed == pytest.approx(0.8)
    assert sum(1 for p in facts.probes if not p.ok) == 7
    assert {c.name: (c.update_class, c.max_age_days, c.blank) for c in facts.columns} == {
        "工作动态": ("news", 14, False), "通知公告": ("notice", 183, False), "空栏目": ("news", 14, True)}
    assert facts.home_latest == dt.date(2026, 9, 17) and facts.home_measured
    assert sorted((d.url, d.on_home) for d in facts.dead_links) == [(EDU + "a.html", True), (EDU + "b/c.html", False)]
    [content] = facts.content
    assert (content.category, content.severity, content.text) == ("expression", "veto", "台湾国")
    assert content.first_seen == dt.date(2026, 9, 20)
    [incident] = facts.incidents
    assert incident.kind == "hidden_link" and incident.open
    assert facts.messages is None


def test_site_facts_before_any_patrol_are_not_measured(sites):
    from sanshen.inspection.services import score_site, site_facts

    facts = site_facts(sites["town"], dt.date(2026, 9, 1), dt.date(2026, 9, 28))
    assert facts.probes is None and facts.columns is None and facts.dead_links is None and facts.content is None
    card = score_site(sites["town"], dt.date(2026, 9, 28))
    assert not card.vetoes and any("站点无法访问" in n for n in card.not_measured)


def test_problems_found_after_the_period_are_not_counted(sites):
    from sanshen.inspection.services import site_facts

    q3_history(sites["edu"], seen=dt.date(2026, 10, 5))
    facts = site_facts(sites["edu"], dt.date(2026, 9, 1), dt.date(2026, 9, 30))
    assert facts.columns is None and facts.dead_links is None  # no patrol had finished by then


def test_early_warnings_once_a_day(sites):
    from sanshen.inspection.models import EarlyWarning
    from sanshen.inspection.services import ALERT_WARNING, early_warnings
    from sanshen.sites.models import Alert

    site = sites["edu"]
    day = dt.date(2026, 9, 28)
    patrol(site, columns=[column(EDU, "工作动态", day - dt.timedelta(days=11))], when=at(day - dt.timedelta(days=1)))
    probes(site, day, 20, failures=0, days=7)
    probes(site, day, 0)
    # 5 failures of 145 probes: 3.4 %, inside the 5 % veto line, over the 3 % warning line.
    from sanshen.sites.models import Probe

    Probe.objects.bulk_create([Probe(site=site, at=at(day, 23) + dt.timedelta(minutes=i), ok=False, elapsed_ms=15000)
                               for i in range(5)])
    first = early_warnings(site, day)
    indicators = {w.indicator for w in first}
    assert {"unavailable", "home_not_updated"} <= indicators
    assert "11 天未更新" in next(w.detail for w in first if w.indicator == "home_not_updated")
    assert Alert.objects.filter(site=site, kind=ALERT_WARNING).count() == len(first)
    assert early_warnings(site, day) == []  # the same day: nothing new
    assert Alert.objects.filter(site=site, kind=ALERT_WARNING).count() == len(first)
    later = early_warnings(site, day + dt.timedelta(days=1))
    assert later and EarlyWarning.objects.filter(site=site).count() == len(first) + len(later)


def test_open_inspection_covers_every_active_site_of_the_subtree(org, sites):
    from sanshen.audit.models import AuditEntry
    from sanshen.inspection.services import open_inspection

    inspection = open_inspection(org["supervisor"], 2026, 3)
    assert inspection.owner == org["qilin"] and inspection.signature == "麒麟区"
    covered = set(inspection.entries.values_list("site__name", flat=True))
    assert covered == {"麒麟区人民政府网", "麒麟区教育体育局网站", "越州镇网站"}
    assert inspection.indicator_set.set_id == "website-2019" and inspection.indicator_set.version == 1
    assert AuditEntry.objects.filter(action="inspection_open", object_id=str(inspection.pk)).exists()
    city = open_inspection(org["city_supervisor"], 2026, 3)
    assert city.entries.count() == 4  # the city also covers 沾益区


def test_only_supervisors_open_and_one_open_inspection_per_quarter(org, sites):
    from sanshen.inspection.services import close_inspection, open_inspection

    for name in ("edu_admin", "edu_editor", "outsider"):
        with pytest.raises((PermissionDenied, ValidationError)):
            open_inspection(org[name], 2026, 3, unit=org["qilin"])
    with pytest.raises(PermissionDenied):
        open_inspection(org["outside_supervisor"], 2026, 3, unit=org["qilin"])
    inspection = open_inspection(org["supervisor"], 2026, 3)
    with pytest.raises(ValidationError, match="已有进行中的检查"):
        open_inspection(org["supervisor"], 2026, 3)
    with pytest.raises(PermissionDenied):
        close_inspection(org["edu_admin"], inspection)
    with pytest.raises(ValidationError):
        open_inspection(org["supervisor"], 2026, 5)


def _closed_q3(org, sites, bulletin=dt.date(2026, 9, 28)):
    from sanshen.inspection.services import add_spot_check, close_inspection, open_inspection

    q3_history(sites["edu"])
    patrol(sites["portal"], columns=[column("https://www.qilin.gov.example/", "要闻", dt.date(2026, 9, 25))],
           when=at(dt.date(2026, 9, 26)))
    inspection = open_inspection(org["supervisor"], 2026, 3)
    add_spot_check(org["supervisor"], inspection, site=sites["town"], url="https://yz.qilin.gov.example/n/1.html",
                   problem_type="wording", wrong_text="中华人民共和国香港", right_text="中国香港",
                   excerpt="……赴中华人民共和国香港考察……", screenshot=b"\x89PNG\r\n\x1a\n" + b"0" * 100,
                   screenshot_name="shot.png")
    return close_inspection(org["supervisor"], inspection, bulletin_date=bulletin, now=at(bulletin, 9))


def test_close_scores_sites_and_creates_tasks_due_after_national_day(org, sites):
    from sanshen.inspection.models import RectificationTask

    inspection = _closed_q3(org, sites)
    assert inspection.state == "closed" and inspection.scored_as_of == dt.date(2026, 9, 28)
    entries = {e.site.name: e for e in inspection.entries.select_related("site")}
    edu = entries["麒麟区教育体育局网站"]
    assert edu.passed is False and edu.score == 0
    assert {v["id"] for v in edu.scorecard["vetoes"]} >= {"serious_error", "security_incident"}
    assert edu.named and edu.bulletins_count == 1
    assert entries["麒麟区人民政府网"].passed is True and not entries["麒麟区人民政府网"].named
    tasks = RectificationTask.objects.filter(inspection=inspection)
    edu_tasks = tasks.filter(site=sites["edu"])
    # both dead links (deductions), the wording error and the hidden link (vetoes)
    assert edu_tasks.filter(problem__isnull=False).count() == 4
    spot = tasks.get(spot_check__isnull=False)
    assert spot.unit == org["town"] and "中国香港" in spot.description
    # 2026-09-28 + 10 working days: 国庆 10/1–10/7 off, 9/20 and 10/10 are 调休 working days.
    assert set(tasks.values_list("deadline", flat=True)) == {dt.date(2026, 10, 16)}
    assert not tasks.filter(deadline_unknown=True).exists()


def test_deadline_beyond_the_known_calendar_is_flagged_not_guessed(org, sites):
    from sanshen.inspection.models import RectificationTask
    from sanshen.inspection.services import (
        add_spot_check,
        close_inspection,
        declare_year,
        open_inspection,
        set_calendar_day,
        work_calendar,
    )
    from sanshen.scoring.workdays import CalendarUnknown

    inspection = open_inspection(org["supervisor"], 2026, 4)
    add_spot_check(org["supervisor"], inspection, site=sites["edu"], url=EDU + "x.html", problem_type="dead_link",
                   note="附件链接失效")
    close_inspection(org["supervisor"], inspection, bulletin_date=dt.date(2026, 12, 24), now=at(dt.date(2026, 12, 24)))
    task = RectificationTask.objects.get(inspection=inspection)
    assert task.deadline is None and task.deadline_unknown
    assert "2027" in task.deadline_note
    set_calendar_day(org["supervisor"], dt.date(2027, 1, 1), False, "元旦")
    with pytest.raises(CalendarUnknown):  # one day entered is not the whole year
        work_calendar().add_workdays(dt.date(2026, 12, 24), 10)
    with pytest.raises(PermissionDenied):
        declare_year(org["edu_admin"], 2027)
    declare_year(org["supervisor"], 2027)
    assert work_calendar().add_workdays(dt.date(2026, 12, 24), 10) == dt.date(2027, 1, 8)
    task.refresh_from_db()  # the flagged task gets its deadline once the year is entered
    assert (task.deadline, task.deadline_unknown) == (dt.date(2027, 1, 8), False)


def test_answer_task_with_evidence(org, sites):
    from sanshen.audit.models import AuditEntry
    from sanshen.inspection.models import RectificationTask
    from sanshen.inspection.services import answer_task

    _closed_q3(org, sites)
    task = RectificationTask.objects.filter(site=sites["edu"]).first()
    with pytest.raises(PermissionDenied):
        answer_task(org["town_admin"], task, "已改")
    with pytest.raises(ValidationError):
        answer_task(org["edu_editor"], task, "  ")
    answer_task(org["edu_editor"], task, "已删除错误表述并重新审核发布。", b"%PDF-1.4 evidence", "整改报告.pdf")
    task.refresh_from_db()
    assert task.state == "answered" and task.answered_by == org["edu_editor"]
    assert bytes(task.evidence) == b"%PDF-1.4 evidence" and task.evidence_name == "整改报告.pdf"
    assert AuditEntry.objects.filter(action="inspection_task_answer", object_id=str(task.pk)).exists()


def test_next_patrol_confirms_tasks_whose_problem_is_gone(org, sites):
    from sanshen.inspection.models import RectificationTask

    _closed_q3(org, sites)
    edu_tasks = RectificationTask.objects.filter(site=sites["edu"], problem__isnull=False)
    assert edu_tasks.filter(state="open").count() == 4
    # A complete patrol finds only the inner dead link again: the other three problems are gone.
    patrol(sites["edu"], dead(EDU, "b/c.html", on_home=False))
    confirmed = edu_tasks.filter(state="confirmed")
    assert confirmed.count() == 3 and all(t.confirmed_at for t in confirmed)
    still = edu_tasks.get(state="open")
    assert still.problem.url == EDU + "b/c.html"


def test_overdue_tasks_escalate(org, sites):
    from sanshen.inspection.models import RectificationTask
    from sanshen.inspection.services import ALERT_OVERDUE, answer_task, escalate_overdue
    from sanshen.sites.models import Alert

    _closed_q3(org, sites)
    tasks = RectificationTask.objects.all()
    answered = tasks.filter(site=sites["edu"]).first()
    answer_task(org["edu_admin"], answered, "已整改")
    assert escalate_overdue(at(dt.date(2026, 10, 16))) == {"overdue": 0, "escalated": 0}  # due that day
    first = escalate_overdue(at(dt.date(2026, 10, 19)))
    assert first["overdue"] == tasks.count() - 1 and first["escalated"] == 0
    assert escalate_overdue(at(dt.date(2026, 10, 19))) == {"overdue": 0, "escalated": 0}  # idempotent
    assert Alert.objects.filter(kind=ALERT_OVERDUE).count() == first["overdue"]
    answered.refresh_from_db()
    assert answered.state == "answered"
    # The second period: 10 more working days after 10-16 is 10-30.
    assert escalate_overdue(at(dt.date(2026, 10, 30)))["escalated"] == 0
    second = escalate_overdue(at(dt.date(2026, 11, 2)))
    assert second["escalated"] == first["overdue"]
    assert tasks.filter(state="escalated").count() == first["overdue"]
    assert Alert.objects.filter(kind=ALERT_OVERDUE, severity="veto").count() == first["overdue"]


def test_bulletin_counts_suggest_closing_after_three(org, sites):
    from sanshen.inspection.services import add_spot_check, bulletin_counts, close_inspection, open_inspection

    site = sites["town"]
    for quarter in (1, 2, 3):
        inspection = open_inspection(org["supervisor"], 2026, quarter)
        add_spot_check(org["supervisor"], inspection, site=site, url="https://yz.qilin.gov.example/",
                       problem_type="stale", note="栏目长期未更新")
        close_inspection(org["supervisor"], inspection, bulletin_date=dt.date(2026, 4 + 3 * (quarter - 1), 10))
        counts = bulletin_counts(site)
        assert counts["count"] == quarter
        assert counts["close_suggested"] is (quarter >= 3)
    assert bulletin_counts(site)["flag"] == "建议关停整合"
    assert bulletin_counts(sites["portal"])["count"] == 0
    entry = inspection.entries.get(site=site)
    assert entry.bulletins_count == 3


def test_indicator_sets_are_versioned_never_overwritten(org):
    from sanshen.inspection.models import IndicatorSetVersion
    from sanshen.inspection.services import active_set, save_indicator_set

    first = active_set("website-2019")
    text = first.yaml_text.replace("points_each: 1\n    max_points: 5", "points_each: 2\n    max_points: 5", 1)
    with pytest.raises(PermissionDenied):
        save_indicator_set(org["edu_admin"], text)
    with pytest.raises(ValidationError, match="YAML"):
        save_indicator_set(org["supervisor"], "id: [unclosed")
    with pytest.raises(ValidationError, match="pass_score"):
        save_indicator_set(org["supervisor"], "id: x\nname: y\n")
    broken = first.yaml_text.replace("measure: dead_links", "measure: dead_linkz", 1)
    with pytest.raises(ValidationError, match="measure"):
        save_indicator_set(org["supervisor"], broken)
    second = save_indicator_set(org["supervisor"], text, "首页死链每条 2 分")
    assert second.version == 2 and second.is_active and second.created_by == org["supervisor"]
    first.refresh_from_db()
    assert not first.is_active and first.yaml_text != second.yaml_text
    assert active_set("website-2019") == second
    assert second.parsed().deductions[0].get("points_each") == 2
    with pytest.raises(ValidationError, match="相同"):
        save_indicator_set(org["supervisor"], text)
    assert IndicatorSetVersion.objects.filter(set_id="website-2019").count() == 2


def test_inspection_daily_command_is_idempotent(org, sites):
    from sanshen.inspection.models import EarlyWarning, RectificationTask

    _closed_q3(org, sites)
    patrol(sites["edu"], dead(EDU, "b/c.html", on_home=False))
    call_command("inspection_daily", "--date", "2026-11-20")
    warnings = EarlyWarning.objects.count()
    states = list(RectificationTask.objects.order_by("pk").values_list("state", flat=True))
    call_command("inspection_daily", "--date", "2026-11-20")
    assert EarlyWarning.objects.count() == warnings
    assert list(RectificationTask.objects.order_by("pk").values_list("state", flat=True)) == states
    # 2026-11-20 is past the 2026-10-16 deadline and its second period (10-30)
    assert "escalated" in states and "confirmed" in states


def test_a_problem_marked_fixed_is_confirmed_only_by_a_later_complete_patrol(org, sites):
    from sanshen.inspection.models import RectificationTask
    from sanshen.inspection.services import confirm_tasks_after_patrol
    from sanshen.sites.services import mark_problem

    _closed_q3(org, sites)
    task = RectificationTask.objects.filter(site=sites["edu"], problem__url=EDU + "a.html").get()
    mark_problem(task.problem, org["edu_admin"], "fixed", "已修复链接")
    assert confirm_tasks_after_patrol(sites["edu"]) == 0  # no patrol since the marking
    patrol(sites["edu"], dead(EDU, "b/c.html", on_home=False), complete=False)
    task.refresh_from_db()
    assert task.state == "open"  # an incomplete patrol proves nothing
    patrol(sites["edu"], dead(EDU, "b/c.html", on_home=False))
    task.refresh_from_db()
    assert task.state == "confirmed"
