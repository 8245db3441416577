"""The review workflow through its services: submission, decisions, send-backs, delegation."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from sanshen.units.models import Role

CLEAN = "关于做好2026年春季学期学生资助工作的通知。各学校要按时完成资助资金发放。"
VETO = "深入学习贯彻习近平新时代中国特色社会主意思想。"


@pytest.fixture
def org(tree, make_user):
    from sanshen.review.defaults import seed_default_routes
    from sanshen.review.models import RouteStepTemplate, RouteTemplate

    # A transactional test elsewhere may have flushed the migration's rows.
    seed_default_routes(RouteTemplate, RouteStepTemplate)
    edu, qilin, city = tree["edu"], tree["qilin"], tree["city"]
    return {
        **tree,
        "editor": make_user("editor", (edu, Role.EDITOR), full_name="王拟稿"),
        "head": make_user("head", (edu, Role.SECTION_HEAD), full_name="李科长"),
        "secrecy": make_user("secrecy", (edu, Role.SECRECY_REVIEWER), full_name="赵保密"),
        "deputy": make_user("deputy", (edu, Role.DEPUTY_LEADER), full_name="钱分管"),
        "principal": make_user("principal", (edu, Role.PRINCIPAL_LEADER), full_name="孙局长"),
        "admin": make_user("admin", (edu, Role.SITE_ADMIN)),
        "district_deputy": make_user("district_deputy", (qilin, Role.DEPUTY_LEADER)),
        "city_principal": make_user("city_principal", (city, Role.PRINCIPAL_LEADER)),
        "town_head": make_user("town_head", (tree["town"], Role.SECTION_HEAD)),
        "zhanyi_head": make_user("zhanyi_head", (tree["zhanyi_edu"], Role.SECTION_HEAD)),
        "outsider": make_user("outsider", (tree["zhanyi_edu"], Role.EDITOR), (tree["zhanyi_edu"], Role.SECTION_HEAD)),
    }


def _item(org, body=CLEAN, **kw):
    from sanshen.review import services

    kw.setdefault("category", "policy")
    return services.create_item(org["editor"], org["edu"], title="学生资助通知", body=body, **kw)


def _approve(item, user, **kw):
    from sanshen.review import services

    (step,) = [s for s in services.current_steps(item) if services.can_decide(s, user)]
    return services.decide(step, user, "approve", "同意", item.latest_revision(), proofread=True, **kw)


def _fresh(item):
    item.refresh_from_db()
    return item


def test_policy_flow_four_reviewers(org):
    from sanshen.audit.models import AuditEntry
    from sanshen.review import services
    from sanshen.review.models import Decision

    item = _item(org)
    steps = services.submit(item, org["editor"])
    assert [s.label for s in steps] == ["科室初审", "保密审查", "分管领导复审", "主要领导终审"]
    item = _fresh(item)
    assert item.status == "in_review"
    assert services.current_steps(item)[0].deadline is not None
    for name in ("head", "secrecy", "deputy", "principal"):
        assert _fresh(item).status == "in_review"
        _approve(_fresh(item), org[name])
    item = _fresh(item)
    assert item.status == "approved"
    assert services.current_steps(item) == []
    decisions = list(Decision.objects.filter(item=item))
    assert [d.user.username for d in decisions] == ["head", "secrecy", "deputy", "principal"]
    assert all(d.proofread and d.revision_number == 1 for d in decisions)
    entries = AuditEntry.objects.filter(action="review_decision", object_id__in=[str(d.pk) for d in decisions])
    assert entries.count() == 4
    entry = entries.order_by("seq").first()
    assert entry.before["step_state"] == "pending" and entry.after["step_state"] == "passed"
    assert entry.unit_id == org["edu"].pk


def test_drafter_and_editors_cannot_approve(org, make_user):
    from sanshen.review import services
    from sanshen.units.models import Membership

    # The drafter also holds the first step's role: still refused.
    Membership.objects.create(user=org["editor"], unit=org["edu"], role=Role.SECTION_HEAD)
    item = _item(org)
    services.submit(item, org["editor"])
    step = services.current_steps(_fresh(item))[0]
    assert not services.can_decide(step, org["editor"])
    with pytest.raises(PermissionDenied, match="拟稿人"):
        services.decide(step, org["editor"], "approve", "", 1, proofread=True)
    # A reviewer who edits the text becomes an author and cannot approve either.
    services.add_revision(_fresh(item), org["head"], title="学生资助通知", body=CLEAN + "请抓紧。")
    with pytest.raises(PermissionDenied, match="修改过"):
        services.decide(step, org["head"], "approve", "", 2, proofread=True)


def test_stale_revision_and_missing_proofreading_refused(org):
    from sanshen.review import services

    item = _item(org)
    services.submit(item, org["editor"])
    old = _fresh(item).latest_revision()
    services.add_revision(_fresh(item), org["editor"], title="学生资助通知", body=CLEAN + "（修订）")
    step = services.current_steps(_fresh(item))[0]
    with pytest.raises(ValidationError, match="新版本"):
        services.decide(step, org["head"], "approve", "同意", old, proofread=True)
    with pytest.raises(ValidationError, match="校对"):
        services.decide(step, org["head"], "approve", "同意", _fresh(item).latest_revision())
    decision = services.decide(step, org["head"], "approve", "同意", _fresh(item).latest_revision(), proofread=True)
    assert decision.revision_number == 2


def test_veto_blocks_submission_until_override(org):
    from sanshen.audit.models import AuditEntry
    from sanshen.review import services

    item = _item(org, body=VETO)
    revision = item.latest_revision()
    assert revision.veto_findings and revision.engine_version and len(revision.content_hash) == 64
    with pytest.raises(ValidationError, match="否决项"):
        services.submit(item, org["editor"])
    with pytest.raises(PermissionDenied):
        services.override_veto(item, org["editor"], "我认为没问题")
    with pytest.raises(ValidationError, match="理由"):
        services.override_veto(item, org["head"], "  ")
    override = services.override_veto(item, org["head"], "引用原文，按原文照登")
    assert override.findings == revision.veto_findings
    assert AuditEntry.objects.filter(action="review_override", object_id=str(item.pk)).exists()
    services.submit(_fresh(item), org["editor"])
    decision = _approve(_fresh(item), org["head"])
    assert decision.override_reason == "引用原文，按原文照登"


def test_fixing_the_text_also_unblocks(org):
    from sanshen.review import services

    item = _item(org, body=VETO)
    services.add_revision(
        item, org["editor"], title="学生资助通知", body="深入学习贯彻习近平新时代中国特色社会主义思想。"
    )
    assert services.submit(_fresh(item), org["editor"])


def test_joint_review_waits_for_every_department(org):
    from sanshen.review import services

    item = _item(org, topics=["bidding"], joint_units=[org["town"], org["zhanyi_edu"]])
    steps = services.submit(item, org["editor"])
    labels = [s.label for s in steps]
    assert labels.index("会审（越州镇）") < labels.index("主要领导终审")
    for name in ("head", "secrecy", "deputy"):
        _approve(_fresh(item), org[name])
    joint = services.current_steps(_fresh(item))
    assert {s.unit for s in joint} == {org["town"], org["zhanyi_edu"]}
    assert {s.group for s in joint} == {"会审"}
    _approve(_fresh(item), org["town_head"])
    current = services.current_steps(_fresh(item))
    assert [s.unit for s in current] == [org["zhanyi_edu"]]
    assert not services.can_decide(current[0], org["principal"])
    _approve(_fresh(item), org["zhanyi_head"])
    assert services.current_steps(_fresh(item))[0].label == "主要领导终审"
    _approve(_fresh(item), org["principal"])
    assert _fresh(item).status == "approved"


def test_joint_review_needs_departments(org):
    from sanshen.review import services

    item = _item(org, topics=["personnel"])
    with pytest.raises(ValidationError, match="会审部门"):
        services.submit(item, org["editor"])


def test_send_back_to_drafter_restarts_route(org):
    from sanshen.review import services

    item = _item(org)
    services.submit(item, org["editor"])
    _approve(_fresh(item), org["head"])
    step = services.current_steps(_fresh(item))[0]
    with pytest.raises(ValidationError, match="意见"):
        services.decide(step, org["secrecy"], "return", "")
    services.decide(step, org["secrecy"], "return", "第二段涉及内部数据，请删除。")
    item = _fresh(item)
    assert item.status == "returned"
    assert services.current_steps(item) == []
    with pytest.raises(ValidationError, match="新版本"):
        services.submit(item, org["editor"])
    services.add_revision(item, org["editor"], title="学生资助通知", body=CLEAN + "（已删除内部数据）")
    steps = services.submit(_fresh(item), org["editor"])
    item = _fresh(item)
    assert item.round == 2 and steps[0].round == 2
    assert services.current_steps(item)[0].label == "科室初审"
    _approve(item, org["head"])


def test_send_back_to_earlier_step(org):
    from sanshen.review import services

    item = _item(org)
    services.submit(item, org["editor"])
    _approve(_fresh(item), org["head"])
    _approve(_fresh(item), org["secrecy"])
    step = services.current_steps(_fresh(item))[0]
    first_order = _fresh(item).steps.order_by("order").first().order
    with pytest.raises(ValidationError, match="之前"):
        services.decide(step, org["deputy"], "return", "请科室重新把关", back_to=step.order)
    services.decide(step, org["deputy"], "return", "请科室重新把关", back_to=first_order)
    item = _fresh(item)
    assert item.status == "in_review" and item.round == 1
    assert services.current_steps(item)[0].label == "科室初审"
    for name in ("head", "secrecy", "deputy", "principal"):
        _approve(_fresh(item), org[name])
    assert _fresh(item).status == "approved"
    assert item.decisions.count() == 7


def test_reject_ends_item(org):
    from sanshen.review import services

    item = _item(org)
    services.submit(item, org["editor"])
    step = services.current_steps(_fresh(item))[0]
    services.decide(step, org["head"], "reject", "不宜公开")
    item = _fresh(item)
    assert item.status == "rejected" and services.current_steps(item) == []
    with pytest.raises(ValidationError):
        services.add_revision(item, org["editor"], title="再试", body=CLEAN)
    with pytest.raises(ValidationError):
        services.submit(item, org["editor"])


def test_delegation(org, make_user):
    from sanshen.review import services
    from sanshen.review.models import Delegation

    stand_in = make_user("stand_in", (org["edu"], Role.EDITOR), full_name="周代审")
    item = _item(org)
    services.submit(item, org["editor"])
    step = services.current_steps(_fresh(item))[0]
    assert not services.can_decide(step, stand_in)
    now = timezone.now()
    # An expired delegation does not count.
    Delegation.objects.create(
        from_user=org["head"], to_user=stand_in, start=now - dt.timedelta(days=3), end=now - dt.timedelta(days=1)
    )
    with pytest.raises(PermissionDenied):
        services.decide(step, stand_in, "approve", "同意", 1, proofread=True)
    Delegation.objects.create(
        from_user=org["head"],
        to_user=stand_in,
        start=now - dt.timedelta(hours=1),
        end=now + dt.timedelta(days=1),
        reason="出差",
    )
    assert item in services.visible_items(stand_in)
    decision = services.decide(step, stand_in, "approve", "同意", 1, proofread=True)
    assert decision.user == stand_in and decision.delegated_from == org["head"]
    step.refresh_from_db()
    assert step.delegated_from == org["head"] and step.decided_by == stand_in


def test_decisions_and_revisions_are_immutable(org):
    from sanshen.review import services
    from sanshen.review.models import Decision, Revision

    item = _item(org)
    services.submit(item, org["editor"])
    decision = _approve(_fresh(item), org["head"])
    decision.opinion = "改过的意见"
    with pytest.raises(ValidationError, match="不得修改"):
        decision.save()
    with pytest.raises(ValidationError, match="不得删除"):
        decision.delete()
    with pytest.raises(ValidationError):
        Decision.objects.filter(pk=decision.pk).update(opinion="x")
    with pytest.raises(ValidationError):
        Decision.objects.filter(pk=decision.pk).delete()
    revision = Revision.objects.get(item=item)
    revision.body = "偷改正文"
    with pytest.raises(ValidationError):
        revision.save()
    assert Decision.objects.get(pk=decision.pk).opinion == "同意"


def test_unit_scoping(org):
    from sanshen.review import services

    item = _item(org)
    services.submit(item, org["editor"])
    assert item in services.visible_items(org["head"])
    assert item in services.visible_items(org["editor"])
    assert item not in services.visible_items(org["outsider"])
    step = services.current_steps(_fresh(item))[0]
    assert not services.can_decide(step, org["outsider"])
    with pytest.raises(PermissionDenied, match="不是该环节"):
        services.decide(step, org["outsider"], "approve", "同意", 1, proofread=True)
    with pytest.raises(PermissionDenied):
        services.create_item(org["outsider"], org["edu"], title="越权", body=CLEAN, category="work_news")


def test_escalation_reviewers_see_routed_items(org):
    from sanshen.review import services

    item = _item(org, importance="critical")
    services.submit(item, org["editor"])
    # Not visible through the unit tree (no supervisor role), but routed to them.
    assert item in services.visible_items(org["district_deputy"])
    assert item in services.visible_items(org["city_principal"])
    for name in ("head", "secrecy", "deputy", "principal", "district_deputy", "city_principal"):
        _approve(_fresh(item), org[name])
    assert _fresh(item).status == "approved"


def test_overdue_steps(org):
    from sanshen.review import services

    item = _item(org)
    services.submit(item, org["editor"])
    step = services.current_steps(_fresh(item))[0]
    assert step not in services.overdue_steps()
    later = timezone.now() + dt.timedelta(hours=step.deadline_hours + 1)
    assert list(services.overdue_steps(later)) == [step]
    _approve(_fresh(item), org["head"])
    assert step not in services.overdue_steps(later)


def test_reprint_needs_source(org):
    with pytest.raises(ValidationError) as err:
        _item(org, category="reprint", source="reprint", source_name="", source_url="not a url")
    assert set(err.value.message_dict) == {"source_name", "source_url"}
    item = _item(
        org, category="reprint", source="reprint", source_name="新华社", source_url="https://www.news.cn/a.html"
    )
    assert item.source_name == "新华社"


def test_diff_between_revisions(org):
    from sanshen.review import services

    item = _item(org, body="第一段。\n第二段原文。\n第三段。")
    services.add_revision(
        item, org["editor"], title="学生资助通知（修订）", body="第一段。\n第二段改文。\n第三段。\n第四段。"
    )
    r1, r2 = item.revisions.order_by("number")
    diff = services.diff_revisions(r1, r2)
    assert diff["title"] == {"old": "学生资助通知", "new": "学生资助通知（修订）"}
    tags = [h["tag"] for h in diff["hunks"]]
    assert tags == ["replace", "insert"]
    replace = diff["hunks"][0]
    assert replace["old_lines"] == ["第二段原文。"] and replace["new_lines"] == ["第二段改文。"]
    assert {"tag": "replace", "old": "原", "new": "改"} in replace["inline"][0]
    assert diff["hunks"][1]["new_lines"] == ["第四段。"]
    assert _fresh(item).title == "学生资助通知（修订）"


def test_admin_route_editing_and_read_only_record(org, client, make_user):
    from django.urls import reverse

    from sanshen.accounts.testing import login
    from sanshen.review import services
    from sanshen.review.models import Decision, RouteTemplate

    item = _item(org)
    services.submit(item, org["editor"])
    decision = _approve(_fresh(item), org["head"])
    root = make_user("root", is_superuser=True, is_staff=True)
    login(client, root)
    template = RouteTemplate.objects.get(category="policy")
    response = client.get(reverse("admin:review_routetemplate_change", args=[template.pk]))
    assert response.status_code == 200 and "主要领导终审" in response.content.decode()
    assert client.get(reverse("admin:review_decision_changelist")).status_code == 200
    assert client.post(reverse("admin:review_decision_delete", args=[decision.pk]), {"post": "yes"}).status_code == 403
    assert Decision.objects.filter(pk=decision.pk).exists()


def test_only_drafter_submits_and_only_participants_edit(org):
    from sanshen.audit.models import AuditEntry
    from sanshen.review import services

    item = _item(org)
    with pytest.raises(PermissionDenied, match="拟稿人"):
        services.submit(item, org["head"])
    with pytest.raises(PermissionDenied):
        services.add_revision(item, org["head"], title="改", body=CLEAN)
    services.submit(item, org["editor"])
    entry = AuditEntry.objects.get(action="review_submit", object_id=str(item.pk))
    assert entry.before == {"status": "draft"} and entry.after["status"] == "in_review"
    with pytest.raises(ValidationError, match="不能提交"):
        services.submit(_fresh(item), org["editor"])
    # Only the reviewers of the current step may edit during review.
    with pytest.raises(PermissionDenied):
        services.add_revision(_fresh(item), org["deputy"], title="改", body=CLEAN)


def test_drafter_cannot_approve_through_a_delegation(org):
    from sanshen.review import services
    from sanshen.review.models import Delegation
    from sanshen.units.models import Membership

    Membership.objects.create(user=org["editor"], unit=org["edu"], role=Role.SECTION_HEAD)
    now = timezone.now()
    Delegation.objects.create(from_user=org["editor"], to_user=org["admin"], start=now, end=now + dt.timedelta(days=1))
    item = _item(org)
    services.submit(item, org["editor"])
    step = services.current_steps(_fresh(item))[0]
    with pytest.raises(PermissionDenied, match="委托"):
        services.decide(step, org["admin"], "approve", "同意", 1, proofread=True)
