"""The review pages through Django's test client: drafting, the queue, deciding, permissions."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sanshen.accounts.testing import login
from sanshen.units.models import Role

CLEAN = "关于做好2026年春季学期学生资助工作的通知。各学校要按时完成资助资金发放。"
ID_NUMBER = "110101199003077571"
# The ID number is a veto privacy finding, and so is the slip in the political phrase.
LEAKY = f"联系人身份证号{ID_NUMBER}。\n深入学习贯彻习近平新时代中国特色社会主意思想。"
MASKED = "联系人身份证号110101********7571。\n深入学习贯彻习近平新时代中国特色社会主义思想。"


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
        "outsider": make_user("outsider", (tree["zhanyi_edu"], Role.EDITOR), (tree["zhanyi_edu"], Role.SECTION_HEAD)),
        "supervisor": make_user("supervisor", (tree["qilin"], Role.SUPERVISOR)),
    }


def _client(user) -> Client:
    return login(Client(), user)


def _new(client, unit, title="学生资助通知", body=CLEAN, **extra):
    data = {
        "unit": unit.pk,
        "title": title,
        "body": body,
        "category": "policy",
        "importance": "normal",
        "source": "original",
        **extra,
    }
    return client.post(reverse("review:new"), data)


def _item(org, body=CLEAN, title="学生资助通知", submit=True):
    from sanshen.review import services

    item = services.create_item(org["editor"], org["edu"], title=title, body=body, category="policy")
    if submit:
        services.submit(item, org["editor"])
    item.refresh_from_db()
    return item


def _decide_url(item, user):
    from sanshen.review import services

    (step,) = [s for s in services.current_steps(item) if services.can_decide(s, user)]
    return step, reverse("review:decide", args=[item.pk, step.pk])


def test_pages_need_login(client, org):
    for name in ("review:mine", "review:new", "review:queue", "review:overview"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/accounts/" in response["Location"]


def test_drafter_flow_blocked_by_veto_then_masked_and_submitted(org):
    from sanshen.review.models import Item

    c = _client(org["editor"])
    page = c.get(reverse("review:new"))
    assert page.status_code == 200 and "csrfmiddlewaretoken" in page.content.decode()

    response = _new(c, org["edu"], body=LEAKY)
    item = Item.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("review:item", args=[item.pk])
    html = c.get(response["Location"]).content.decode()
    assert 'class="hl sev-veto"' in html and ID_NUMBER in html  # the ID number highlighted
    assert "sev-veto" in html and "否决项" in html
    assert re.search(r'id="submit-button" disabled', html)

    # Posting anyway is refused by the service.
    response = c.post(reverse("review:submit", args=[item.pk]), follow=True)
    assert "未能提交" in response.content.decode()
    item.refresh_from_db()
    assert item.status == "draft"

    # A new revision with the number masked and the phrase corrected.
    response = c.post(reverse("review:revise", args=[item.pk]), {"title": "学生资助通知", "body": MASKED})
    assert response.status_code == 302
    html = c.get(reverse("review:item", args=[item.pk])).content.decode()
    assert ID_NUMBER not in html
    assert "第2版" in html and 'id="submit-button"' in html and 'id="submit-button" disabled' not in html
    assert "rv-del" in html and "rv-ins" in html  # diff of 1 → 2 shown

    response = c.post(reverse("review:submit", args=[item.pk]), follow=True)
    assert "已提交审核" in response.content.decode()
    item.refresh_from_db()
    assert item.status == "in_review"

    mine = c.get(reverse("review:mine")).content.decode()
    assert "学生资助通知" in mine and "审核中" in mine and "科室初审" in mine


def test_new_item_reprint_needs_source(org):
    c = _client(org["editor"])
    response = _new(c, org["edu"], source="reprint")
    assert response.status_code == 200
    html = response.content.decode()
    assert "转载信息须注明来源名称" in html


def test_reviewer_approves_with_proofread_checkbox(org):
    from sanshen.review.models import Decision

    item = _item(org)
    c = _client(org["head"])
    html = c.get(reverse("review:item", args=[item.pk])).content.decode()
    assert "我已校对当前版本" in html and "审核：科室初审" in html
    step, url = _decide_url(item, org["head"])
    prefix = f"s{step.pk}-"

    # Without the checkbox: refused, nothing recorded.
    response = c.post(url, {prefix + "action": "approve", prefix + "opinion": "同意", prefix + "revision": 1})
    assert response.status_code == 400
    assert "我已校对当前版本" in response.content.decode()
    assert not Decision.objects.exists()

    response = c.post(
        url,
        {
            prefix + "action": "approve",
            prefix + "proofread": "on",
            prefix + "opinion": "同意发布",
            prefix + "revision": 1,
        },
    )
    assert response.status_code == 302
    decision = Decision.objects.get()
    assert decision.user == org["head"] and decision.proofread and decision.action == "approve"
    html = c.get(reverse("review:item", args=[item.pk])).content.decode()
    assert "同意发布" in html and str(org["head"]) in html and "通过" in html
    assert "审核：" not in html  # the next step is not theirs


def test_return_to_drafter_needs_opinion(org):
    item = _item(org)
    c = _client(org["head"])
    step, url = _decide_url(item, org["head"])
    prefix = f"s{step.pk}-"
    response = c.post(url, {prefix + "action": "return", prefix + "revision": 1})
    assert response.status_code == 400 and "须填写审核意见" in response.content.decode()
    response = c.post(url, {prefix + "action": "return", prefix + "opinion": "请补充发放时间", prefix + "revision": 1})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == "returned"


def test_drafter_sees_no_decision_form_and_cannot_post_one(org):
    from sanshen.review.models import Decision, ReviewStep

    item = _item(org)
    c = _client(org["editor"])
    html = c.get(reverse("review:item", args=[item.pk])).content.decode()
    assert "我已校对当前版本" not in html and "提交审核决定" not in html
    step = ReviewStep.objects.filter(item=item).order_by("order").first()
    prefix = f"s{step.pk}-"
    response = c.post(
        reverse("review:decide", args=[item.pk, step.pk]),
        {prefix + "action": "approve", prefix + "proofread": "on", prefix + "revision": 1},
        follow=True,
    )
    assert "未能保存审核决定" in response.content.decode()
    assert not Decision.objects.exists()


def test_other_unit_gets_404(org):
    item = _item(org)
    c = _client(org["outsider"])
    assert c.get(reverse("review:item", args=[item.pk])).status_code == 404
    assert c.post(reverse("review:submit", args=[item.pk])).status_code == 404
    assert c.post(reverse("review:revise", args=[item.pk]), {"title": "x", "body": "y"}).status_code == 404
    assert c.post(reverse("review:override", args=[item.pk]), {"reason": "x"}).status_code == 404
    step, _ = _decide_url(item, org["head"])
    assert c.post(reverse("review:decide", args=[item.pk, step.pk]), {}).status_code == 404
    assert "学生资助通知" not in c.get(reverse("review:queue")).content.decode()


def test_hostile_title_and_body_are_escaped(org):
    title = '<script>alert("t")</script>'
    body = '<img src=x onerror=alert(1)>\n"><b>粗体</b>'
    item = _item(org, body=body, title=title, submit=False)
    for user, url in ((org["editor"], reverse("review:item", args=[item.pk])), (org["editor"], reverse("review:mine"))):
        html = _client(user).get(url).content.decode()
        assert "<script>alert" not in html and "<img src=x" not in html and "<b>粗体" not in html
        assert "&lt;script&gt;" in html
    # The diff escapes too.
    from sanshen.review import services

    services.add_revision(item, org["editor"], title=title, body=body + "\n<i>新增</i>")
    html = _client(org["editor"]).get(reverse("review:item", args=[item.pk])).content.decode()
    assert "<i>新增" not in html and "&lt;i&gt;新增" in html


def test_queue_counts_and_overdue(org):
    from sanshen.review.models import ReviewStep

    first = _item(org, title="第一篇")
    _item(org, title="第二篇")
    _item(org, title="草稿不入队", submit=False)
    ReviewStep.objects.filter(item=first, state="pending", deadline__isnull=False).update(
        deadline=timezone.now() - dt.timedelta(hours=1)
    )
    html = _client(org["head"]).get(reverse("review:queue")).content.decode()
    assert 'id="queue-total">2<' in html and 'id="queue-overdue">1<' in html
    assert "第一篇" in html and "第二篇" in html and "草稿不入队" not in html and "已超时" in html
    # The secrecy reviewer's step is not open yet.
    html = _client(org["secrecy"]).get(reverse("review:queue")).content.decode()
    assert 'id="queue-total">0<' in html
    # The supervisor's overview counts across units.
    html = _client(org["supervisor"]).get(reverse("review:overview")).content.decode()
    assert "麒麟区教育体育局" in html and 'id="overview-overdue">1<' in html
    assert _client(org["editor"]).get(reverse("review:overview")).status_code == 403


def test_reviewer_overrides_veto_with_reason(org):
    item = _item(org, body=LEAKY, submit=False)
    c = _client(org["head"])
    html = c.get(reverse("review:item", args=[item.pk])).content.decode()
    assert "放行否决项" in html
    assert c.post(reverse("review:override", args=[item.pk]), {"reason": "  "}).status_code == 400
    response = c.post(reverse("review:override", args=[item.pk]), {"reason": "原文引用，确认无误"})
    assert response.status_code == 302
    html = c.get(reverse("review:item", args=[item.pk])).content.decode()
    assert "放行否决项" not in html and "原文引用，确认无误" in html
    editor = _client(org["editor"])
    response = editor.post(reverse("review:submit", args=[item.pk]), follow=True)
    assert "已提交审核" in response.content.decode()


def test_nav_shows_review_section(org):
    html = _client(org["editor"]).get(reverse("review:mine")).content.decode()
    assert "信息发布审核" in html and "待我审核" in html and "审核总览" not in html


def test_nav_personal_tokens_for_review_roles(org):
    mine = reverse("api-tokens-mine")
    for name in ("head", "secrecy"):
        html = _client(org[name]).get(reverse("review:queue")).content.decode()
        assert "我的个人令牌" in html and f'href="{mine}"' in html
        assert "接口令牌<" not in html  # the unit tokens stay for admins and supervisors
    html = _client(org["editor"]).get(reverse("review:mine")).content.decode()
    assert "我的个人令牌" not in html
    # On its own page the entry is the highlighted one.
    html = _client(org["head"]).get(mine).content.decode()
    assert f'<a href="{mine}" class="active" aria-current="page">我的个人令牌</a>' in html
    assert html.count('aria-current="page"') == 1


def test_return_to_earlier_step(org):
    from sanshen.review import services

    item = _item(org)
    step, _ = _decide_url(item, org["head"])
    services.decide(step, org["head"], "approve", "同意", item.latest_revision(), proofread=True)
    item.refresh_from_db()
    c = _client(org["secrecy"])
    html = c.get(reverse("review:item", args=[item.pk])).content.decode()
    assert "退回至" in html and f'value="{step.order}">科室初审' in html
    step2, url2 = _decide_url(item, org["secrecy"])
    p = f"s{step2.pk}-"
    response = c.post(
        url2, {p + "action": "return", p + "back_to": step.order, p + "opinion": "请科室再核", p + "revision": 1}
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == "in_review"
    assert [s.pk for s in services.current_steps(item)] == [step.pk]


def test_diff_between_any_two_revisions(org):
    from sanshen.review import services

    item = _item(org, body="第一行\n第二行", submit=False)
    services.add_revision(item, org["editor"], title=item.title, body="第一行\n第二行改")
    services.add_revision(item, org["editor"], title=item.title, body="第一行\n第二行改\n第三行")
    c = _client(org["editor"])
    html = c.get(reverse("review:item", args=[item.pk])).content.decode()
    assert "第2版 → 第3版" in html and "+ 第三行" in html
    html = c.get(reverse("review:item", args=[item.pk]), {"a": 1, "b": 3}).content.decode()
    assert "第1版 → 第3版" in html and "− 第二行" in html and "+ 第三行" in html
    html = c.get(reverse("review:item", args=[item.pk]), {"a": 1, "b": 2}).content.decode()
    assert "第1版 → 第2版" in html and '<ins class="rv-ins">改</ins>' in html
    assert c.get(reverse("review:item", args=[item.pk]), {"a": "x", "b": 99}).status_code == 200
