"""检查考核总览 (the supervisor's dashboard) and its SVG charts: live scores, trend sparklines from
closed inspections, vetoes and warnings, problems per week by type, units with overdue tasks;
only the supervised subtree; CSP-safe markup (no inline script or style attributes)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sanshen.accounts.testing import login
from tests.platform.inspection_helpers import EDU, column, dead, make_org, make_sites, patrol, wording

TZ = timezone.get_current_timezone()


@pytest.fixture
def org(tree, make_user):
    return make_org(tree, make_user)


@pytest.fixture
def sites(org):
    return make_sites(org)


def client(user) -> Client:
    return login(Client(), user)


def no_inline_code(html: str) -> None:
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline script"
    assert " style=" not in html and "<style" not in html, "inline style"


@pytest.fixture
def closed(org, sites):
    """A closed 2026 Q3 inspection: the education bureau fails (严重表述错误), its task overdue."""
    from sanshen.inspection.models import RectificationTask
    from sanshen.inspection.services import close_inspection, open_inspection

    day = dt.date(2026, 9, 21)
    patrol(sites["edu"], dead(EDU, "a.html"), wording(EDU), columns=[column(EDU, "工作动态", day)],
           when=dt.datetime.combine(day, dt.time(9), tzinfo=TZ))
    inspection = open_inspection(org["supervisor"], 2026, 3)
    inspection = close_inspection(org["supervisor"], inspection, bulletin_date=dt.date(2026, 9, 28),
                                  now=dt.datetime(2026, 9, 28, 9, tzinfo=TZ))
    RectificationTask.objects.filter(site=sites["edu"]).update(deadline=timezone.localdate() - dt.timedelta(days=3))
    return inspection


def test_svg_helpers_escape_and_use_presentation_attributes():
    from sanshen.inspection import svg

    spark = svg.sparkline([80, None, 55, 92], label="<b>x</b>")
    assert spark.startswith("<svg") and "polyline" in spark and spark.count("<circle") == 3
    assert "&lt;b&gt;" in spark and "<b>" not in spark and "style=" not in spark
    assert 'fill="#D55E00"' in spark  # 55 is under the pass line
    assert svg.sparkline([]) == "" and svg.sparkline([None]) == ""
    bars = svg.stacked_bars(["11-02", "11-09"], [("链接不可用", [3, 0]), ("内容<问题>", [1, 2])])
    assert bars.count("<rect") == 3 + 2  # three bars + two legend keys
    assert "内容&lt;问题&gt;" in bars and "style=" not in bars
    assert ">4<" in bars  # the stacked total above the first week
    h = svg.hbars([("教育体育局", 3), ("越州镇", 1)])
    assert "教育体育局" in h and h.count("<rect") == 2
    assert svg.hbars([]) == ""


def test_dashboard_for_the_supervisor(org, sites, closed):
    url = reverse("inspection:dashboard")
    response = client(org["supervisor"]).get(url)
    assert response.status_code == 200
    html = response.content.decode()
    no_inline_code(html)
    # Every active site of 麒麟区, none outside it, not the retired one.
    for key in ("portal", "edu", "town"):
        assert f'data-site="{sites[key].pk}"' in html
    assert f'data-site="{sites["zhanyi"].pk}"' not in html and f'data-site="{sites["retired"].pk}"' not in html
    assert 'id="site-count">3<' in html
    # The failing site: today's veto (the wording error is still open), its trend from Q3.
    row = html[html.index(f'data-site="{sites["edu"].pk}"'):]
    row = row[:row.index("</tr>")]
    assert "严重表述错误" in row and "不合格" in row
    assert '<svg class="ins-spark"' in row and "2026Q3 0" in row
    # Problems by week: the two problems of the patrol are in the chart when within 12 weeks.
    recent = timezone.localdate() - dt.date(2026, 9, 21) < dt.timedelta(weeks=11)
    assert ('<svg class="ins-chart"' in html) == recent or "近 12 周巡检没有发现新问题" in html
    # The overdue education bureau task.
    assert 'id="overdue-table"' in html and org["edu"].name in html[html.index('id="overdue-units"'):]
    # The nav entry.
    assert "检查总览" in html


def test_problems_by_week_counts_recent_problems(org, sites):
    from sanshen.inspection.dashboard import problems_by_week, supervised_sites, week_start

    today = timezone.localdate()
    patrol(sites["edu"], dead(EDU, "a.html"), dead(EDU, "b.html"), wording(EDU),
           when=dt.datetime.combine(today, dt.time(9), tzinfo=TZ))
    patrol(sites["zhanyi"], dead("https://jyj.zhanyi.gov.example/", "x.html"),
           when=dt.datetime.combine(today, dt.time(9), tzinfo=TZ))
    starts, counts = problems_by_week(supervised_sites(org["supervisor"]), today)
    assert len(starts) == 12 and starts[-1] == week_start(today)
    assert counts["dead_link"][-1] == 2 and counts["content"][-1] == 1  # not the other district's
    html = client(org["supervisor"]).get(reverse("inspection:dashboard")).content.decode()
    assert '<svg class="ins-chart"' in html and "链接不可用" in html and "内容问题" in html


def test_dashboard_is_for_supervisors_only(org, sites):
    assert client(org["edu_admin"]).get(reverse("inspection:dashboard")).status_code == 403
    html = client(org["outside_supervisor"]).get(reverse("inspection:dashboard")).content.decode()
    assert sites["zhanyi"].name in html and sites["edu"].name not in html


def test_site_detail_links_to_its_score(org, sites):
    html = client(org["edu_admin"]).get(reverse("sites:detail", args=[sites["edu"].pk])).content.decode()
    assert reverse("inspection:site_score", args=[sites["edu"].pk]) in html


def test_overdue_units_leave_out_answered_tasks(org, sites, closed):
    from sanshen.inspection.dashboard import overdue_units, supervised_sites
    from sanshen.inspection.models import RectificationTask, TaskState

    today = timezone.localdate()
    ranked = overdue_units(supervised_sites(org["supervisor"]), today)
    tasks = RectificationTask.objects.filter(site=sites["edu"])
    assert ranked == [(org["edu"], tasks.count())]
    tasks.update(state=TaskState.ANSWERED)
    assert overdue_units(supervised_sites(org["supervisor"]), today) == []
    tasks.update(state=TaskState.ESCALATED)
    assert overdue_units(supervised_sites(org["supervisor"]), today) == [(org["edu"], tasks.count())]
