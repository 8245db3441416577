"""保密审查级数 as data per route: the planned route, the route editor's rules and page, and the
审核表 with one secrecy block per level."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from docx import Document

from sanshen.accounts.testing import login
from sanshen.units.models import Role

CLEAN = "关于做好2026年春季学期学生资助工作的通知。各学校要按时完成资助资金发放。"


@pytest.fixture
def org(tree, make_user, settings):
    from sanshen.review.defaults import seed_default_routes
    from sanshen.review.models import RouteStepTemplate, RouteTemplate

    settings.SANSHEN_2FA_REQUIRED_ROLES = ()
    settings.SANSHEN_SECRECY_STEPS = 1
    seed_default_routes(RouteTemplate, RouteStepTemplate)
    edu = tree["edu"]
    return {
        **tree,
        "editor": make_user("editor", (edu, Role.EDITOR), full_name="王拟稿"),
        "head": make_user("head", (edu, Role.SECTION_HEAD), full_name="李科长"),
        "secrecy": make_user("secrecy", (edu, Role.SECRECY_REVIEWER), full_name="赵保密"),
        "secrecy2": make_user("secrecy2", (edu, Role.SECRECY_REVIEWER), full_name="钱保密"),
        "deputy": make_user("deputy", (edu, Role.DEPUTY_LEADER), full_name="孙分管"),
        "supervisor": make_user("supervisor", (tree["qilin"], Role.SUPERVISOR), full_name="郑监管"),
    }


def _route(category="work_news"):
    from sanshen.review.models import RouteTemplate

    return RouteTemplate.objects.get(category=category)


def _labels(org, category="work_news"):
    from sanshen.review import services

    item = services.create_item(org["editor"], org["edu"], title="标题", body=CLEAN, category=category)
    return [p.label for p in services.planned_route(item)]


def test_route_levels_override_the_setting(org, settings):
    from sanshen.review import routes, services

    route = _route()
    assert route.secrecy_levels is None and services.secrecy_step_count(route) == 1
    assert _labels(org) == ["科室初审", "保密审查", "分管领导终审"]

    routes.set_secrecy_levels(route, org["supervisor"], 2)
    route.refresh_from_db()
    assert route.secrecy_levels == 2 and services.secrecy_step_count(route) == 2
    assert _labels(org) == ["科室初审", "保密审查（第1级）", "保密审查（第2级）", "分管领导终审"]
    # Other routes keep the default; the default follows the setting.
    settings.SANSHEN_SECRECY_STEPS = 3
    assert _labels(org, "policy").count("保密审查（第3级）") == 1
    assert _labels(org).count("保密审查（第2级）") == 1 and "保密审查（第3级）" not in _labels(org)

    routes.set_secrecy_levels(route, org["supervisor"], None)
    route.refresh_from_db()
    assert route.secrecy_levels is None and services.secrecy_step_count(route) == 3


def test_zero_levels_allow_a_route_without_secrecy_and_back(org):
    from sanshen.audit.models import AuditEntry
    from sanshen.review import routes

    route = _route()
    secrecy = route.steps.get(kind="secrecy")
    with pytest.raises(ValidationError, match="保密审查"):
        routes.delete_step(secrecy, org["supervisor"])

    routes.set_secrecy_levels(route, org["supervisor"], 0)
    assert _labels(org) == ["科室初审", "分管领导终审"]  # the step is there but expands to nothing
    routes.delete_step(route.steps.get(kind="secrecy"), org["supervisor"])
    route.refresh_from_db()
    assert routes.route_problems(route) == []

    # Levels above 0 again need a secrecy step: refused and rolled back.
    with pytest.raises(ValidationError, match="保密审查"):
        routes.set_secrecy_levels(route, org["supervisor"], 2)
    route.refresh_from_db()
    assert route.secrecy_levels == 0
    with pytest.raises(ValidationError, match="0 到 5"):
        routes.set_secrecy_levels(route, org["supervisor"], 9)
    with pytest.raises(PermissionDenied):
        routes.set_secrecy_levels(route, org["head"], 1)

    changes = [e.after for e in AuditEntry.objects.filter(action="review_route_change").order_by("seq")]
    assert [c["change"] for c in changes] == ["secrecy_levels", "delete_step"]  # refused changes leave none
    assert changes[0]["data"] == {"secrecy_levels": 0, "effective": 0}


def test_route_editor_sets_levels(org):
    c = login(Client(), org["supervisor"])
    route = _route()
    html = c.get(reverse("review:routes")).content.decode()
    assert 'id="secrecy-work_news"' in html and "保存级数" in html

    url = reverse("review:route_secrecy", args=[route.pk])
    response = c.post(url, {f"sec{route.pk}-levels": "2"}, follow=True)
    assert "保密审查级数已设为 2 级" in response.content.decode()
    route.refresh_from_db()
    assert route.secrecy_levels == 2

    # Out of range: the form says so, nothing changes.
    response = c.post(url, {f"sec{route.pk}-levels": "7"})
    assert response.status_code == 400
    route.refresh_from_db()
    assert route.secrecy_levels == 2

    # Blank: back to the default.
    c.post(url, {f"sec{route.pk}-levels": ""})
    route.refresh_from_db()
    assert route.secrecy_levels is None

    # Only supervisors.
    assert login(Client(), org["head"]).post(url, {f"sec{route.pk}-levels": "0"}).status_code == 403
    route.refresh_from_db()
    assert route.secrecy_levels is None


def test_review_form_has_one_secrecy_block_per_level(org):
    """Seed 000's form carries two secrecy levels: a route with 2 levels gives two blocks in
    route order, each with its own reviewer, opinion and date."""
    from sanshen.review import routes, services
    from sanshen.review.formdata import build_form_data
    from sanshen.review.formdoc import render_docx

    routes.set_secrecy_levels(_route(), org["supervisor"], 2)
    item = services.create_item(org["editor"], org["edu"], title="学生资助通知", body=CLEAN, category="work_news")
    services.submit(item, org["editor"])
    for name, opinion in (("head", "同意。"), ("secrecy", "一级审查不涉密。"), ("secrecy2", "二级审查不涉密。")):
        item.refresh_from_db()
        (step,) = [s for s in services.current_steps(item) if services.can_decide(s, org[name])]
        services.decide(step, org[name], "approve", opinion, item.latest_revision(), proofread=True)

    data = build_form_data(item)
    blocks = data.secrecy_steps
    assert [b.name for b in blocks] == ["保密审查（第1级）", "保密审查（第2级）"]
    assert [(b.reviewer, b.opinion) for b in blocks] == [("赵保密", "一级审查不涉密。"), ("钱保密", "二级审查不涉密。")]
    doc = Document(io.BytesIO(render_docx(data)))
    text = "\n".join(cell.text for table in doc.tables for row in table.rows for cell in row.cells)
    for needle in ("保密审查（第1级）", "保密审查（第2级）", "一级审查不涉密。", "二级审查不涉密。", "钱保密"):
        assert needle in text
