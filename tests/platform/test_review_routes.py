"""Routes built from the route templates for every category, importance and topic."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from sanshen.units.models import Role

THREE_LEVEL = ["科室初审", "保密审查", "分管领导复审", "主要领导终审"]
TWO_LEVEL = ["科室初审", "保密审查", "分管领导终审"]
ADMIN_FIRST = ["网站信息管理员初审", "保密审查", "分管领导终审"]


@pytest.fixture
def editor(tree, make_user):
    from sanshen.review.defaults import seed_default_routes
    from sanshen.review.models import RouteStepTemplate, RouteTemplate

    seed_default_routes(RouteTemplate, RouteStepTemplate)
    return make_user("editor", (tree["edu"], Role.EDITOR))


def _route(tree, editor, **kw):
    from sanshen.review import services

    kw.setdefault("importance", "normal")
    item = services.create_item(editor, tree["edu"], title="标题", body="正文内容。", **kw)
    return [(p.label, p.role, p.unit.name) for p in services.planned_route(item)]


@pytest.mark.parametrize(
    ("category", "labels"),
    [
        ("work_news", TWO_LEVEL),
        ("notice", THREE_LEVEL),
        ("policy", THREE_LEVEL),
        ("key_area", THREE_LEVEL),
        ("reprint", ADMIN_FIRST),
        ("interaction", ADMIN_FIRST),
    ],
)
@pytest.mark.parametrize("importance", ["normal", "major", "critical"])
@pytest.mark.parametrize("topics", [[], ["bidding"], ["disaster", "opinion"]])
def test_route_for_every_combination(tree, editor, category, labels, importance, topics):
    extra = (
        {"source": "reprint", "source_name": "新华社", "source_url": "https://www.news.cn/"}
        if (category == "reprint")
        else {}
    )
    route = _route(
        tree,
        editor,
        category=category,
        importance=importance,
        topics=topics,
        joint_units=[tree["town"], tree["zhanyi_edu"]],
        **extra,
    )
    expected = list(labels)
    if topics:
        expected[-1:-1] = ["会审（越州镇）", "会审（沾益区教育体育局）"]
    if importance in ("major", "critical"):
        expected.append("县/区分管领导审核")
    if importance == "critical":
        expected.append("政府主要领导审核")
    assert [label for label, _, _ in route] == expected
    units = {label: unit for label, _, unit in route}
    assert units[labels[0]] == "麒麟区教育体育局"
    if importance != "normal":
        assert units["县/区分管领导审核"] == "麒麟区"
    if importance == "critical":
        assert units["政府主要领导审核"] == "曲靖市"


def test_roles_of_policy_route(tree, editor):
    route = _route(tree, editor, category="policy")
    assert [role for _, role, _ in route] == [
        Role.SECTION_HEAD,
        Role.SECRECY_REVIEWER,
        Role.DEPUTY_LEADER,
        Role.PRINCIPAL_LEADER,
    ]
    route = _route(tree, editor, category="interaction")
    assert route[0][1] == Role.SITE_ADMIN


@pytest.mark.parametrize(
    ("count", "expected"), [(0, []), (1, ["保密审查"]), (2, ["保密审查（第1级）", "保密审查（第2级）"])]
)
def test_secrecy_step_count(tree, editor, settings, count, expected):
    settings.SANSHEN_SECRECY_STEPS = count
    route = _route(tree, editor, category="work_news")
    assert [label for label, _, _ in route] == ["科室初审", *expected, "分管领导终审"]


def test_routes_are_data(tree, editor, make_user):
    """A supervisor's edit of a template changes the routes built afterwards."""
    from sanshen.review import services
    from sanshen.review.models import RouteStepTemplate, RouteTemplate, StepKind

    template = RouteTemplate.objects.get(category="work_news")
    RouteStepTemplate.objects.create(
        template=template, order=45, kind=StepKind.SECOND, label="办公室主任复核", role=Role.SITE_ADMIN
    )
    joint = RouteStepTemplate.objects.get(template=template, kind=StepKind.JOINT)
    joint.joint_units.add(tree["town"])
    route = _route(tree, editor, category="work_news", topics=["bidding"])
    assert [label for label, _, _ in route] == [
        "科室初审",
        "保密审查",
        "会审（越州镇）",
        "办公室主任复核",
        "分管领导终审",
    ]
    template.is_active = False
    template.save()
    item = services.create_item(editor, tree["edu"], title="标题", body="正文。", category="work_news")
    with pytest.raises(ValidationError, match="没有启用的审核流程"):
        services.planned_route(item)


def test_district_falls_back_to_top_unit(tree, make_user):
    """A city department has no 县/区 above it: its 重大 step goes to the city."""
    from sanshen.review import services
    from sanshen.review.defaults import seed_default_routes
    from sanshen.review.models import RouteStepTemplate, RouteTemplate
    from sanshen.units.models import Unit

    seed_default_routes(RouteTemplate, RouteStepTemplate)
    dept = Unit.objects.create(name="曲靖市教育体育局", kind=Unit.Kind.DEPARTMENT, parent=tree["city"])
    user = make_user("city_editor", (dept, Role.EDITOR))
    item = services.create_item(user, dept, title="标题", body="正文。", category="policy", importance="major")
    assert services.planned_route(item)[-1].unit == tree["city"]


def test_seed_command_is_idempotent(db):
    from django.core.management import call_command

    from sanshen.review.models import RouteTemplate

    call_command("review_seed_routes")
    call_command("review_seed_routes")
    assert RouteTemplate.objects.count() == 6
