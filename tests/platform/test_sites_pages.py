"""The patrol pages through Django's test client: scope (404 for other units), editing, column
corrections, problem marks, exports, the run progress fragment and the alert queue."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

import pytest
from django.test import Client
from django.urls import reverse

from sanshen.accounts.testing import login
from sanshen.patrol.model import Column as PColumn
from sanshen.patrol.model import Kind
from sanshen.patrol.model import Problem as PProblem
from sanshen.units.models import Role

HOME = "https://www.qilin.gov.example/"


@dataclass
class Result:
    pages_crawled: int = 12
    problems: list = field(default_factory=list)
    columns: list = field(default_factory=list)
    complete: bool = True


@pytest.fixture
def org(tree, make_user):
    return {
        **tree,
        "admin": make_user("site_admin", (tree["edu"], Role.SITE_ADMIN)),
        "editor": make_user("editor", (tree["edu"], Role.EDITOR)),
        "duty": make_user("duty", (tree["edu"], Role.DUTY_OFFICER)),
        "supervisor": make_user("supervisor", (tree["qilin"], Role.SUPERVISOR)),
        "outsider": make_user("outsider", (tree["zhanyi_edu"], Role.SITE_ADMIN), (tree["zhanyi_edu"],
                                                                                 Role.DUTY_OFFICER)),
    }


@pytest.fixture
def site(org):
    from sanshen.sites import services
    from sanshen.sites.models import PatrolRun

    site = services.register_site(org["admin"], org["edu"], name="麒麟区教育体育局网站", home_url=HOME)
    run = PatrolRun.objects.create(site=site)
    services.record_patrol(site, run, Result(
        problems=[
            PProblem(Kind.DEAD_LINK, HOME + "old.html", "链接返回 HTTP 404", "high", found_on=[HOME],
                     facts={"key": "404"}),
            PProblem(Kind.CONTENT, HOME + "a.html", "个人隐私：身份证号码", "veto", found_on=[HOME + "list/"],
                     finding={"rule": "id_card", "text": "110101199003077571"}),
            PProblem(Kind.DEAD_LINK, HOME + "doc.pdf", "附件无法下载", "low", found_on=[HOME], facts={"key": "404"}),
        ],
        columns=[PColumn(HOME + "tzgg/", "通知", "news", 14)],
    ))
    return site


def _client(user) -> Client:
    return login(Client(), user)


def _urls(site):
    from sanshen.sites.models import Alert, Column, Problem

    problem = Problem.objects.filter(site=site).first()
    column = Column.objects.filter(site=site).first()
    run = site.runs.first()
    alert = Alert.objects.filter(site=site).first()
    gets = [
        reverse("sites:detail", args=[site.pk]),
        reverse("sites:problems", args=[site.pk]),
        reverse("sites:export", args=[site.pk, "csv"]),
        reverse("sites:export", args=[site.pk, "xlsx"]),
        reverse("sites:run", args=[run.pk]),
        reverse("sites:run_progress", args=[run.pk]),
    ]
    posts = [
        (reverse("sites:detail", args=[site.pk]), {"name": "x"}),
        (reverse("sites:column", args=[site.pk, column.pk]), {}),
        (reverse("sites:column_add", args=[site.pk]), {}),
        (reverse("sites:mark", args=[site.pk, problem.pk]), {"status": "fixed"}),
        (reverse("sites:patrol", args=[site.pk]), {}),
        (reverse("sites:run_cancel", args=[run.pk]), {}),
        (reverse("sites:alert_ack", args=[alert.pk]), {}),
    ]
    return gets, posts


def test_pages_need_login(client, site):
    for url in (reverse("sites:list"), reverse("sites:alerts"), reverse("sites:detail", args=[site.pk])):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/" in response["Location"]


def test_other_units_get_404_everywhere(org, site):
    from sanshen.sites.models import Problem

    client = _client(org["outsider"])
    gets, posts = _urls(site)
    for url in gets:
        assert client.get(url).status_code == 404, url
    for url, data in posts:
        assert client.post(url, data).status_code == 404, url
    assert Problem.objects.filter(status="open").count() == 3
    listing = client.get(reverse("sites:list"))
    assert listing.status_code == 200 and "麒麟区教育体育局网站" not in listing.content.decode()
    queue = client.get(reverse("sites:alerts")).content.decode()
    assert "身份证" not in queue


def test_list_shows_open_problems_and_availability(org, site):
    from sanshen.sites import services

    services.record_probe(site, True, 200, 200)
    page = _client(org["editor"]).get(reverse("sites:list")).content.decode()
    assert "麒麟区教育体育局网站" in page
    assert "否决 1" in page and "高 1" in page and "低 1" in page
    assert "100.0%" in page
    assert "登记网站" not in page  # an editor cannot register


def test_readonly_detail_for_editor_and_edit_for_admin(org, site):
    from sanshen.audit.models import AuditEntry

    url = reverse("sites:detail", args=[site.pk])
    page = _client(org["editor"]).get(url).content.decode()
    assert "（只读）" in page and 'id="site-form"' not in page and "立即巡检" not in page
    assert _client(org["editor"]).post(url, {"name": "改名"}).status_code == 403

    admin = _client(org["admin"])
    page = admin.get(url).content.decode()
    assert 'id="site-form"' in page and "通知" in page
    data = {
        "name": "麒麟区教体局网站", "home_url": HOME, "allowed_hosts": "jyj.qilin.gov.example",
        "site_code": "5303020001",
        "icp": "滇ICP备1号", "psb": "", "kind": "department", "obey_robots": "on", "cloaking": "on",
        "max_pages": "500", "max_depth": "4", "per_host_concurrency": "2", "schedule": "daily", "daily_at": "03:30",
        "every_hours": "24", "probe_minutes": "15", "is_active": "on",
    }
    response = admin.post(url, data)
    assert response.status_code == 302
    site.refresh_from_db()
    assert (site.name, site.allowed_hosts, site.max_pages, site.daily_at.hour) == (
        "麒麟区教体局网站", ["jyj.qilin.gov.example"], 500, 3)
    assert AuditEntry.objects.filter(object_type="sites.site", action="update").exists()
    bad = admin.post(url, {**data, "site_code": "12"})
    assert bad.status_code == 200 and "网站标识码应为 10 位" in bad.content.decode()


def test_register_new_site_page(org):
    from sanshen.sites.models import Site

    client = _client(org["admin"])
    assert client.get(reverse("sites:new")).status_code == 200
    response = client.post(reverse("sites:new"), {
        "unit": org["edu"].pk, "name": "新网站", "home_url": "https://new.example/", "kind": "special",
        "max_pages": "100", "max_depth": "3", "per_host_concurrency": "1", "schedule": "interval",
        "daily_at": "02:00", "every_hours": "6", "probe_minutes": "15", "is_active": "on",
    })
    site = Site.objects.get(name="新网站")
    assert response.status_code == 302 and site.unit == org["edu"] and site.every_hours == 6
    assert _client(org["editor"]).get(reverse("sites:new")).status_code == 403
    # A site admin of another unit cannot pick this unit.
    response = _client(org["outsider"]).post(reverse("sites:new"), {"unit": org["edu"].pk, "name": "偷登"})
    assert response.status_code == 200 and not Site.objects.filter(name="偷登").exists()


def test_column_correction_through_the_page(org, site):
    from sanshen.sites.models import Column

    column = Column.objects.get()
    url = reverse("sites:column", args=[site.pk, column.pk])
    prefix = f"c{column.pk}"
    assert _client(org["editor"]).post(url, {f"{prefix}-name": "x", f"{prefix}-update_class": "notice"}
                                       ).status_code == 403
    admin = _client(org["admin"])
    admin.post(url, {f"{prefix}-name": "自定义专栏", f"{prefix}-update_class": "custom"})
    column.refresh_from_db()
    assert column.update_class == "news"  # custom without days is refused
    admin.post(url, {f"{prefix}-name": "通知公告", f"{prefix}-update_class": "notice"})
    column.refresh_from_db()
    assert (column.name, column.update_class, column.corrected_by) == ("通知公告", "notice", org["admin"])
    admin.post(reverse("sites:column_add", args=[site.pk]),
               {"new-url": HOME + "rsxx/", "new-name": "人事信息", "new-update_class": "yearly"})
    assert Column.objects.filter(site=site, name="人事信息", found_automatically=False).exists()
    page = admin.get(reverse("sites:detail", args=[site.pk])).content.decode()
    assert "已校正" in page and "人事·规划计划（1年）" in page


def test_problems_page_groups_filters_and_marks(org, site):
    from sanshen.sites.models import Problem

    url = reverse("sites:problems", args=[site.pk])
    page = _client(org["editor"]).get(url).content.decode()
    assert "链接不可用" in page and "内容问题" in page and 'id="problem-total">3<' in page
    assert "已整改</button>" not in page  # an editor cannot mark
    admin = _client(org["admin"])
    page = admin.get(url, {"kind": "dead_link"}).content.decode()
    assert 'id="problem-total">2<' in page
    page = admin.get(url, {"severity": "veto"}).content.decode()
    assert 'id="problem-total">1<' in page and "110101199003077571" in page
    dead = Problem.objects.get(url=HOME + "old.html")
    mark = reverse("sites:mark", args=[site.pk, dead.pk])
    response = admin.post(mark, {"status": "fixed", "note": "已删除", "back": "kind=dead_link&x=1"})
    assert response.status_code == 302 and response["Location"].endswith("?kind=dead_link")
    dead.refresh_from_db()
    assert dead.status == "fixed" and dead.resolved_by == org["admin"]
    content = Problem.objects.get(kind="content")
    admin.post(reverse("sites:mark", args=[site.pk, content.pk]), {"status": "false_positive", "note": ""})
    content.refresh_from_db()
    assert content.status == "open"  # a false positive needs a reason
    assert _client(org["editor"]).post(mark, {"status": "open"}).status_code == 403
    dead.refresh_from_db()
    assert dead.status == "fixed"
    page = admin.get(url, {"status": "fixed"}).content.decode()
    assert 'id="problem-total">1<' in page and "重新打开" in page


def test_exports_through_the_page(org, site):
    from openpyxl import load_workbook

    client = _client(org["editor"])
    response = client.get(reverse("sites:export", args=[site.pk, "csv"]), {"kind": "dead_link"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 3 and all(r[1] == "链接不可用" for r in rows[1:])
    response = client.get(reverse("sites:export", args=[site.pk, "xlsx"]), {"status": "all"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.max_row == 4
    assert client.get(reverse("sites:export", args=[site.pk, "pdf"])).status_code == 404


def test_start_patrol_and_progress_fragment(org, site, monkeypatch):
    from sanshen.sites import services
    from sanshen.sites.models import PatrolRun

    launched = []
    monkeypatch.setattr(services, "launch_run", lambda run: launched.append(run.pk))
    assert _client(org["editor"]).post(reverse("sites:patrol", args=[site.pk])).status_code == 302
    assert not launched and not PatrolRun.objects.filter(state="queued").exists()
    admin = _client(org["admin"])
    response = admin.post(reverse("sites:patrol", args=[site.pk]))
    run = PatrolRun.objects.get(state="queued")
    assert launched == [run.pk] and response["Location"] == reverse("sites:run", args=[run.pk])
    PatrolRun.objects.filter(pk=run.pk).update(state="running", pages_crawled=30, pages_total_estimate=120)
    fragment = admin.get(reverse("sites:run_progress", args=[run.pk]))
    body = fragment.content.decode()
    assert 'hx-trigger="every 2s"' in body and 'value="25"' in body and "巡检中" in body
    assert "<html" not in body
    # A second start while one runs launches nothing new.
    admin.post(reverse("sites:patrol", args=[site.pk]))
    assert launched == [run.pk]
    admin.post(reverse("sites:run_cancel", args=[run.pk]))
    fragment = admin.get(reverse("sites:run_progress", args=[run.pk]))
    assert "hx-trigger" not in fragment.content.decode() and fragment["HX-Trigger"] == "patrol-finished"
    page = admin.get(reverse("sites:run", args=[run.pk])).content.decode()
    assert "已取消" in page and "<script>" not in page and "style=" not in page


def test_alert_queue_and_acknowledge(org, site):
    from sanshen.sites.models import Alert

    assert Alert.objects.count() == 2  # veto + high
    assert _client(org["editor"]).get(reverse("sites:alerts")).status_code == 403
    for user in ("duty", "admin", "supervisor"):
        page = _client(org[user]).get(reverse("sites:alerts")).content.decode()
        assert 'id="alert-total">2<' in page, user
    alert = Alert.objects.filter(severity="veto").get()
    duty = _client(org["duty"])
    assert duty.post(reverse("sites:alert_ack", args=[alert.pk])).status_code == 302
    alert.refresh_from_db()
    assert alert.acknowledged_by == org["duty"]
    page = duty.get(reverse("sites:alerts")).content.decode()
    assert 'id="alert-total">1<' in page and "最近已确认" in page


def test_nav_shows_patrol_entries(org, site):
    page = _client(org["duty"]).get(reverse("sites:list")).content.decode()
    assert "网站列表" in page and "值班读网" in page
    page = _client(org["editor"]).get(reverse("sites:list")).content.decode()
    assert "网站列表" in page and "值班读网" not in page
