"""The publication, withdrawal, archive, route-editor and skip pages (views_manage) through
Django's test client, with the services underneath: permissions by unit, validation, audit."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sanshen.accounts.testing import login
from sanshen.units.models import Role
from tests.platform.test_review_publishing import SECRET, receiver  # noqa: F401 - fixture used by name

CLEAN = "关于做好2026年春季学期学生资助工作的通知。各学校要按时完成资助资金发放。"


@pytest.fixture
def org(tree, make_user):
    from sanshen.review.defaults import seed_default_routes
    from sanshen.review.models import RouteStepTemplate, RouteTemplate

    seed_default_routes(RouteTemplate, RouteStepTemplate)
    edu = tree["edu"]
    return {
        **tree,
        "editor": make_user("editor", (edu, Role.EDITOR), full_name="王拟稿"),
        "head": make_user("head", (edu, Role.SECTION_HEAD), full_name="李科长"),
        "secrecy": make_user("secrecy", (edu, Role.SECRECY_REVIEWER), full_name="赵保密"),
        "deputy": make_user("deputy", (edu, Role.DEPUTY_LEADER), full_name="钱分管"),
        "principal": make_user("principal", (edu, Role.PRINCIPAL_LEADER), full_name="孙局长"),
        "webadmin": make_user("webadmin", (edu, Role.SITE_ADMIN), full_name="周管理"),
        "supervisor": make_user("supervisor", (tree["qilin"], Role.SUPERVISOR), full_name="郑监管"),
        "z_supervisor": make_user("z_supervisor", (tree["zhanyi"], Role.SUPERVISOR)),
        "z_admin": make_user("z_admin", (tree["zhanyi_edu"], Role.SITE_ADMIN)),
    }


def _c(user) -> Client:
    return login(Client(), user)


def _text(response) -> str:
    return response.content.decode()


def _item(org, category="work_news", submit=True):
    from sanshen.review import services

    item = services.create_item(org["editor"], org["edu"], title="学生资助通知", body=CLEAN, category=category)
    if submit:
        services.submit(item, org["editor"])
    item.refresh_from_db()
    return item


def _approve_all(item, org, names=("head", "secrecy", "deputy")):
    from sanshen.review import services

    for name in names:
        item.refresh_from_db()
        steps = [s for s in services.current_steps(item) if services.can_decide(s, org[name])]
        for step in steps:
            services.decide(step, org[name], "approve", f"同意（{org[name]}）", item.latest_revision(), proofread=True)
    item.refresh_from_db()
    return item


def _audits(action):
    from sanshen.audit.models import AuditEntry

    return AuditEntry.objects.filter(action=action).order_by("seq")


# Route editor -------------------------------------------------------------------------------


def _route(category="policy"):
    from sanshen.review.models import RouteTemplate

    return RouteTemplate.objects.get(category=category)


def _step_post(step, **changes):
    data = {
        "order": step.order,
        "kind": step.kind,
        "label": step.label,
        "role": step.role,
        "scope": step.scope,
        "min_importance": step.min_importance,
        "deadline_hours": step.deadline_hours,
        **changes,
    }
    topics = data.pop("topics", step.topics)
    out = {f"st{step.pk}-{k}": v for k, v in data.items()}
    out[f"st{step.pk}-topics"] = topics
    return out


def test_route_editor_only_for_supervisors(org):
    for name in ("editor", "webadmin", "principal"):
        assert _c(org[name]).get(reverse("review:routes")).status_code == 403
    page = _c(org["supervisor"]).get(reverse("review:routes"))
    html = _text(page)
    assert page.status_code == 200
    for label in ("工作动态", "政策文件", "保密审查", "主要领导终审", "添加环节"):
        assert label in html
    assert 'id="secrecy-levels">1<' in html
    # A non-supervisor posting directly is refused too.
    step = _route().steps.get(kind="final")
    response = _c(org["webadmin"]).post(reverse("review:route_step_delete", args=[step.pk]))
    assert response.status_code == 403
    assert _route().steps.filter(pk=step.pk).exists()


def test_route_editor_validation_keeps_final_and_secrecy(org):
    from sanshen.review.models import RouteStepTemplate

    c = _c(org["supervisor"])
    route = _route()
    final = route.steps.get(kind="final")
    secrecy = route.steps.get(kind="secrecy")
    before = _audits("review_route_change").count()

    # The 终审 cannot become a 复审: the route would have no 终审.
    response = c.post(reverse("review:route_step_edit", args=[final.pk]), _step_post(final, kind="second"))
    assert response.status_code == 400 and "终审" in _text(response)
    final.refresh_from_db()
    assert final.kind == "final"

    # The secrecy step cannot go while secrecy levels are configured.
    response = c.post(reverse("review:route_step_delete", args=[secrecy.pk]), follow=True)
    assert "保密审查" in _text(response) and "未能删除" in _text(response)
    assert RouteStepTemplate.objects.filter(pk=secrecy.pk).exists()

    # Nothing but escalation after the 终审.
    response = c.post(
        reverse("review:route_step_add", args=[route.pk]),
        {
            f"new{route.pk}-order": 55,
            f"new{route.pk}-kind": "second",
            f"new{route.pk}-role": Role.DEPUTY_LEADER,
            f"new{route.pk}-scope": "item",
            f"new{route.pk}-deadline_hours": 24,
        },
    )
    assert response.status_code == 400 and "终审之后只能有上级审核环节" in _text(response)

    # 会审 goes with the 会审部门 scope.
    response = c.post(
        reverse("review:route_step_add", args=[route.pk]),
        {
            f"new{route.pk}-order": 45,
            f"new{route.pk}-kind": "joint",
            f"new{route.pk}-role": Role.SECTION_HEAD,
            f"new{route.pk}-scope": "item",
            f"new{route.pk}-deadline_hours": 24,
        },
    )
    assert response.status_code == 400 and "会审部门" in _text(response)
    assert _audits("review_route_change").count() == before  # refused changes leave no entry

    # A valid step is added, with an audit entry naming the supervisor.
    response = c.post(
        reverse("review:route_step_add", args=[route.pk]),
        {
            f"new{route.pk}-order": 15,
            f"new{route.pk}-kind": "second",
            f"new{route.pk}-label": "办公室核稿",
            f"new{route.pk}-role": Role.SECTION_HEAD,
            f"new{route.pk}-scope": "item",
            f"new{route.pk}-min_importance": "major",
            f"new{route.pk}-topics": ["bidding"],
            f"new{route.pk}-joint_units": [org["office"].pk],
            f"new{route.pk}-deadline_hours": 12,
        },
    )
    assert response.status_code == 302
    added = route.steps.get(label="办公室核稿")
    assert added.order == 15 and added.min_importance == "major" and added.topics == ["bidding"]
    assert added.deadline_hours == 12 and list(added.joint_units.all()) == [org["office"]]
    entry = _audits("review_route_change").last()
    assert entry.actor == org["supervisor"] and entry.after["change"] == "add_step"
    assert entry.after["data"]["label"] == "办公室核稿"
    # The tracked model change is on record too.
    from sanshen.audit.models import AuditEntry

    assert AuditEntry.objects.filter(object_type__icontains="routesteptemplate", actor=org["supervisor"]).exists()

    # Edit it; then move it up past 科室初审 (10 ↔ 15).
    response = c.post(reverse("review:route_step_edit", args=[added.pk]), _step_post(added, deadline_hours=36))
    assert response.status_code == 302
    added.refresh_from_db()
    assert added.deadline_hours == 36
    assert _audits("review_route_change").last().before["deadline_hours"] == 12
    first = route.steps.get(kind="first")
    c.post(reverse("review:route_step_move", args=[added.pk]), {"direction": "up"})
    added.refresh_from_db()
    first.refresh_from_db()
    assert (added.order, first.order) == (10, 15)
    assert _audits("review_route_change").last().after["change"] == "move_up"

    # Delete it.
    c.post(reverse("review:route_step_delete", args=[added.pk]))
    assert not route.steps.filter(pk=added.pk).exists()
    assert _audits("review_route_change").last().after["change"] == "delete_step"


def test_inactive_route_may_be_reworked_and_is_checked_on_activation(org):
    c = _c(org["supervisor"])
    route = _route("work_news")
    c.post(reverse("review:route_active", args=[route.pk]), {"active": "0"})
    route.refresh_from_db()
    assert route.is_active is False
    assert _audits("review_route_change").last().after["change"] == "deactivate"
    # While inactive, items of the category cannot be submitted.
    from django.core.exceptions import ValidationError

    from sanshen.review import services

    item = _item(org, submit=False)
    with pytest.raises(ValidationError):
        services.submit(item, org["editor"])

    secrecy = route.steps.get(kind="secrecy")
    response = c.post(reverse("review:route_step_delete", args=[secrecy.pk]))
    assert response.status_code == 302 and not route.steps.filter(kind="secrecy").exists()
    page = _text(c.get(reverse("review:routes")))
    assert "须保留至少一个无条件的保密审查环节" in page
    response = c.post(reverse("review:route_active", args=[route.pk]), {"active": "1"}, follow=True)
    assert "未能启用" in _text(response)
    route.refresh_from_db()
    assert route.is_active is False


def test_route_with_zero_secrecy_levels_may_drop_secrecy(org, settings):
    settings.SANSHEN_SECRECY_STEPS = 0
    from sanshen.review import routes

    route = _route("work_news")
    routes.delete_step(route.steps.get(kind="secrecy"), org["supervisor"])
    assert routes.route_problems(route) == []


def test_missing_route_created_from_default(org):
    from sanshen.review.models import RouteTemplate

    RouteTemplate.objects.filter(category="reprint").delete()
    c = _c(org["supervisor"])
    assert "按默认流程创建" in _text(c.get(reverse("review:routes")))
    c.post(reverse("review:route_create"), {"category": "reprint"})
    route = RouteTemplate.objects.get(category="reprint")
    assert route.steps.filter(kind="final").exists()
    assert _audits("review_route_change").last().after["change"] == "create_default"


# Skipping a step ----------------------------------------------------------------------------


def test_supervisor_skips_a_step_with_reason(org):
    from sanshen.review import archive
    from sanshen.review.formdata import build_form_data
    from sanshen.review.formdoc import render_docx
    from sanshen.review.models import ReviewStep

    item = _item(org)
    (head_step,) = [s for s in ReviewStep.objects.filter(item=item) if s.kind == "first"]
    url = reverse("review:skip_step", args=[item.pk, head_step.pk])
    page = _text(_c(org["supervisor"]).get(reverse("review:item", args=[item.pk])))
    assert "跳过审核环节（监管员）" in page and url in page
    # Not for the reviewers themselves, nor a supervisor of another district (item not visible).
    assert url not in _text(_c(org["head"]).get(reverse("review:item", args=[item.pk])))
    response = _c(org["head"]).post(url, {f"skip{head_step.pk}-reason": "岗位空缺"}, follow=True)
    assert "未能跳过" in _text(response)
    assert _c(org["z_supervisor"]).post(url, {f"skip{head_step.pk}-reason": "岗位空缺"}).status_code == 404
    # A reason is required.
    response = _c(org["supervisor"]).post(url, {f"skip{head_step.pk}-reason": " "}, follow=True)
    assert "未能跳过" in _text(response)
    head_step.refresh_from_db()
    assert head_step.state == "pending"

    response = _c(org["supervisor"]).post(url, {f"skip{head_step.pk}-reason": "科室负责人岗位空缺"}, follow=True)
    assert "已跳过" in _text(response)
    head_step.refresh_from_db()
    assert head_step.state == "skipped" and head_step.skip_reason == "科室负责人岗位空缺"
    assert head_step.decided_by == org["supervisor"] and head_step.decided_at
    entry = _audits("review_skip").last()
    assert entry.actor == org["supervisor"] and entry.after["reason"] == "科室负责人岗位空缺"
    # The next step opened as after a pass.
    item.refresh_from_db()
    from sanshen.review import services

    (current,) = services.current_steps(item)
    assert current.kind == "secrecy" and current.deadline is not None
    html = _text(_c(org["editor"]).get(reverse("review:item", args=[item.pk])))
    assert "已跳过：科室负责人岗位空缺" in html

    _approve_all(item, org, names=("secrecy", "deputy"))
    assert item.status == "approved"
    now = timezone.localtime()
    report = archive.self_inspection(org["edu"], now.year, now.month)
    (row,) = report.skipped
    assert "科室负责人岗位空缺" in row["detail"] and row["who"] == str(org["supervisor"])
    from tests.platform.test_browser_review import _docx_text

    text = _docx_text(render_docx(build_form_data(item)))
    assert "（已跳过：科室负责人岗位空缺）" in text and "跳过人：郑监管" in text


def test_skipping_the_last_pending_step_approves(org):
    from sanshen.review import routes, services

    item = _item(org)
    _approve_all(item, org, names=("head", "secrecy"))
    (last,) = services.current_steps(item)
    routes.skip_step(last, org["supervisor"], "分管领导岗位空缺，经请示跳过")
    item.refresh_from_db()
    assert item.status == "approved"


def test_return_to_an_earlier_step_clears_a_skip(org):
    """A step skipped, then reopened by a 退回 to a step before it, is pending again with no
    stale skip reason, 跳过人 or time; the skip stays in the audit log."""
    from sanshen.review import routes, services
    from sanshen.review.formdata import build_form_data
    from sanshen.review.models import StepState

    item = _item(org, category="policy")  # 科室初审 → 保密审查 → 分管领导复审 → 主要领导终审
    _approve_all(item, org, names=("head",))
    (secrecy,) = services.current_steps(item)
    routes.skip_step(secrecy, org["supervisor"], "保密审查员出差，经请示跳过")
    item.refresh_from_db()
    (deputy_step,) = services.current_steps(item)
    head_order = item.steps.get(round=item.round, kind="first").order
    services.decide(deputy_step, org["deputy"], "return", "请科室重新核实数据。", back_to=head_order)

    secrecy.refresh_from_db()
    assert secrecy.state == StepState.PENDING
    assert (secrecy.skip_reason, secrecy.decided_by, secrecy.decided_at) == ("", None, None)
    assert not any(b.skipped for b in build_form_data(item).steps)
    assert _audits("review_skip").last().after["reason"] == "保密审查员出差，经请示跳过"

    # The route runs again from 科室初审, and the secrecy reviewer now decides for real.
    _approve_all(item, org, names=("head", "secrecy"))
    secrecy.refresh_from_db()
    assert secrecy.state == StepState.PASSED and secrecy.decided_by == org["secrecy"] and secrecy.skip_reason == ""


# Publication and webhook deliveries ---------------------------------------------------------


def test_publish_page_records_url_and_lists_attempts_with_retry(org, receiver):  # noqa: F811
    from sanshen.review import publishing
    from sanshen.review.models import WebhookDelivery, WebhookEndpoint

    failing = receiver((500,))
    ep = WebhookEndpoint(unit=org["edu"], url=failing.url, secret=SECRET)
    ep.full_clean()
    ep.save()
    item = _approve_all(_item(org), org)
    assert item.status == "approved"
    url = reverse("review:publish", args=[item.pk])

    # Only the unit's 网站管理员/信息员 get the form; others see the page without it.
    assert 'id="publish-form"' not in _text(_c(org["deputy"]).get(url))
    assert _c(org["z_admin"]).get(url).status_code == 404
    item_page = _text(_c(org["webadmin"]).get(reverse("review:item", args=[item.pk])))
    assert "记录发布网址" in item_page and url in item_page
    page = _c(org["webadmin"]).get(url)
    assert 'id="publish-form"' in _text(page)
    response = _c(org["webadmin"]).post(url, {"url": "javascript:alert(1)"})
    assert response.status_code == 400 and "有效的发布网址" in _text(response)
    response = _c(org["webadmin"]).post(url, {"url": "https://www.example.gov.cn/a/1.html"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == "published"

    publishing.deliver_due()
    deliveries = list(WebhookDelivery.objects.filter(item=item).order_by("id"))
    assert [d.event for d in deliveries] == ["item.approved", "item.published"]
    assert all(d.attempts == 1 and d.state == "pending" for d in deliveries)
    html = _text(_c(org["webadmin"]).get(url))
    assert "https://www.example.gov.cn/a/1.html" in html and "周管理" in html
    assert html.count("HTTP 500") == 2 and html.count("立即重试") == 2 and "毫秒" in html

    # A reviewer without a publishing role cannot retry.
    retry = reverse("review:retry_delivery", args=[item.pk, deliveries[1].pk])
    response = _c(org["deputy"]).post(retry, follow=True)
    assert "未能重试" in _text(response)
    # The site admin retries one delivery: only that one is sent, at once.
    failing.codes = [200]
    response = _c(org["webadmin"]).post(retry, follow=True)
    assert "已重试推送" in _text(response)
    for d in deliveries:
        d.refresh_from_db()
    assert deliveries[1].state == "delivered" and deliveries[1].attempts == 2
    assert deliveries[0].state == "pending" and deliveries[0].attempts == 1
    assert [a.status for a in deliveries[1].attempt_log.order_by("number")] == [500, 200]
    assert _audits("review_webhook_retry").last().actor == org["webadmin"]
    html = _text(_c(org["webadmin"]).get(url))
    assert html.count("立即重试") == 1 and "已送达" in html and "第2次" in html


def test_given_up_delivery_gets_one_more_attempt(org, receiver, settings):  # noqa: F811
    from sanshen.review import publishing
    from sanshen.review.models import WebhookDelivery, WebhookEndpoint

    settings.SANSHEN_WEBHOOK_MAX_ATTEMPTS = 1
    r = receiver((503,))
    WebhookEndpoint.objects.create(unit=org["edu"], url=r.url, secret=SECRET)
    item = _approve_all(_item(org), org)
    publishing.deliver_due()
    (d,) = WebhookDelivery.objects.filter(item=item)
    assert d.state == "failed"
    publishing.retry_delivery(d, org["supervisor"])
    d.refresh_from_db()
    assert d.state == "failed" and d.attempts == 2
    r.codes = [204]
    publishing.retry_delivery(d, org["webadmin"])
    d.refresh_from_db()
    assert d.state == "delivered" and d.attempts == 3


def test_retry_is_refused_while_a_runner_is_sending_the_same_delivery(org, receiver):  # noqa: F811
    import datetime as dt

    from django.core.exceptions import ValidationError

    from sanshen.review import publishing
    from sanshen.review.models import WebhookDelivery, WebhookEndpoint

    r = receiver((500,))
    WebhookEndpoint.objects.create(unit=org["edu"], url=r.url, secret=SECRET)
    item = _approve_all(_item(org), org)
    (d,) = WebhookDelivery.objects.filter(item=item)
    # A runner has claimed the attempt and is posting it (counted, not yet logged).
    assert publishing._claim(d, timezone.now())
    d.refresh_from_db()
    assert publishing.sending_now(d)
    with pytest.raises(ValidationError, match="正在发送中"):
        publishing.retry_delivery(d, org["webadmin"])
    assert len(r.received) == 0 and d.attempt_log.count() == 0
    # The runner died without logging it: once its lease runs out, the retry sends it (once).
    WebhookDelivery.objects.filter(pk=d.pk).update(next_attempt_at=timezone.now() - dt.timedelta(seconds=1))
    d.refresh_from_db()
    assert not publishing.sending_now(d)
    r.codes = [200]
    publishing.retry_delivery(d, org["webadmin"])
    d.refresh_from_db()
    assert d.state == "delivered" and len(r.received) == 1 and d.attempt_log.count() == 1


# Withdrawal requests ------------------------------------------------------------------------


def test_withdraw_request_flow_through_pages(org):
    from sanshen.review import publishing
    from sanshen.review.models import Item, WithdrawRequest

    item = _approve_all(_item(org), org)
    publishing.publish(item, org["webadmin"], "https://www.example.gov.cn/a/2.html")
    item_url = reverse("review:item", args=[item.pk])
    editor = _c(org["editor"])
    assert 'id="withdraw-form"' in _text(editor.get(item_url))
    assert 'id="withdraw-form"' not in _text(_c(org["head"]).get(item_url))
    response = editor.post(reverse("review:request_withdraw", args=[item.pk]), {"kind": "withdraw", "reason": ""})
    assert not WithdrawRequest.objects.exists()
    response = editor.post(
        reverse("review:request_withdraw", args=[item.pk]),
        {"kind": "withdraw", "reason": "数据有误需更正"},
        follow=True,
    )
    assert "已提交" in _text(response)
    req = WithdrawRequest.objects.get()
    assert 'id="withdraw-history"' in _text(response) and "数据有误需更正" in _text(response)

    # The leaders see it to decide (with a count in the navigation); the drafter and the site admin do not.
    assert "撤稿申请（1）" in _text(_c(org["principal"]).get(reverse("home")))
    assert "撤稿申请（1）" not in _text(editor.get(reverse("home")))
    page = _text(_c(org["principal"]).get(reverse("review:withdrawals")))
    assert 'id="withdraw-pending">1<' in page and "数据有误需更正" in page
    assert reverse("review:decide_withdrawal", args=[req.pk]) in page
    assert 'id="withdraw-pending">0<' in _text(editor.get(reverse("review:withdrawals")))
    assert 'id="withdraw-pending">0<' in _text(_c(org["webadmin"]).get(reverse("review:withdrawals")))
    decide = reverse("review:decide_withdrawal", args=[req.pk])
    response = _c(org["webadmin"]).post(decide, {f"w{req.pk}-approve": "1"}, follow=True)
    assert "未能保存审批" in _text(response)
    assert _c(org["z_admin"]).post(decide, {f"w{req.pk}-approve": "1"}).status_code == 404
    # 不同意 needs an opinion.
    response = _c(org["deputy"]).post(decide, {f"w{req.pk}-approve": "0"}, follow=True)
    assert "不同意须填写审批意见" in _text(response)
    response = _c(org["deputy"]).post(decide, {f"w{req.pk}-approve": "0", f"w{req.pk}-opinion": "更正即可，不必撤回"})
    req.refresh_from_db()
    assert req.state == "rejected" and req.decided_by == org["deputy"]

    # A second request, for deletion, approved by the principal.
    editor.post(reverse("review:request_withdraw", args=[item.pk]), {"kind": "delete", "reason": "重复发布"})
    req2 = WithdrawRequest.objects.get(state="pending")
    _c(org["principal"]).post(
        reverse("review:decide_withdrawal", args=[req2.pk]), {f"w{req2.pk}-approve": "1", f"w{req2.pk}-opinion": "同意"}
    )
    item = Item.objects.get(pk=item.pk)
    assert item.status == "withdrawn"
    html = _text(editor.get(item_url))
    assert "更正即可，不必撤回" in html and "重复发布" in html and "已同意" in html and "不同意" in html
    assert 'id="withdraw-form"' not in html
    records = _text(_c(org["principal"]).get(reverse("review:withdrawals")))
    assert "重复发布" in records and "数据有误需更正" in records
    assert _audits("review_withdraw_decision").count() == 2


# Archive ------------------------------------------------------------------------------------


def test_archive_page_permissions(org):
    for name in ("editor", "head", "secrecy"):
        assert _c(org[name]).get(reverse("review:archive")).status_code == 403
    page = _text(_c(org["principal"]).get(reverse("review:archive")))
    assert org["edu"].name in page and org["town"].name not in page
    sup = _text(_c(org["supervisor"]).get(reverse("review:archive")))
    for unit in ("qilin", "edu", "town", "office"):
        assert re.search(f'value="{org[unit].pk}"( selected)?>{org[unit].name}</option>', sup)
    assert f">{org['zhanyi_edu'].name}</option>" not in sup
    # A unit outside the user's reach is not found, page or download.
    params = {"unit": org["zhanyi_edu"].pk, "year": 2026, "month": 1}
    assert _c(org["supervisor"]).get(reverse("review:archive"), params).status_code == 404
    assert _c(org["principal"]).get(reverse("review:archive_download"), params).status_code == 404
    other = {"unit": org["town"].pk, "year": 2026, "month": 1, "format": "zip"}
    assert _c(org["principal"]).get(reverse("review:archive_download"), other).status_code == 404
    assert _c(org["editor"]).get(reverse("review:archive_download"), other).status_code == 403


def test_archive_page_counts_and_downloads_are_audited(org):
    from sanshen.review import publishing

    item = _approve_all(_item(org), org)
    publishing.publish(item, org["webadmin"], "https://www.example.gov.cn/a/3.html")
    now = timezone.localtime()
    params = {"unit": org["edu"].pk, "year": now.year, "month": now.month}
    c = _c(org["supervisor"])
    page = _text(c.get(reverse("review:archive"), params))
    assert 'id="archive-decided">1<' in page and "本月发布信息" in page and "已发布 1" in page

    response = c.get(reverse("review:archive_download"), {**params, "format": "zip"})
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert f"items/{item.pk}/form.docx" in names and "SHA256SUMS" in names
    entry = _audits("review_archive").last()
    assert entry.actor == org["supervisor"] and entry.after["items"] == 1

    csv = c.get(reverse("review:archive_download"), {**params, "format": "csv"})
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    text = csv.content.decode("utf-8-sig")
    assert "本月发布信息（1）" in text and "https://www.example.gov.cn/a/3.html" in text
    docx = c.get(reverse("review:archive_download"), {**params, "format": "docx"})
    assert docx.status_code == 200 and docx.content[:2] == b"PK"
    entries = list(_audits("review_self_inspection"))
    assert [e.after["format"] for e in entries] == ["csv", "docx"]
    assert all(e.actor == org["supervisor"] for e in entries)
    assert c.get(reverse("review:archive_download"), {**params, "format": "exe"}).status_code == 404


# Navigation ---------------------------------------------------------------------------------


def test_nav_entries_by_role(org):
    home = reverse("home")
    sup = _text(_c(org["supervisor"]).get(home))
    assert "审核流程设置" in sup and "月度归档" in sup
    principal = _text(_c(org["principal"]).get(home))
    assert "撤稿申请" in principal and "月度归档" in principal and "审核流程设置" not in principal
    editor = _text(_c(org["head"]).get(home))
    assert "月度归档" not in editor and "审核流程设置" not in editor
