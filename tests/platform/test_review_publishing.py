"""Publication, the signed webhook (against a real HTTP server on loopback) and withdrawal requests."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import http.server
import io
import json
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from sanshen.units.models import Role

CLEAN = "关于做好2026年春季学期学生资助工作的通知。各学校要按时完成资助资金发放。"
SECRET = "cms-shared-secret-2026"


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
        "outsider": make_user("outsider", (tree["zhanyi_edu"], Role.SITE_ADMIN)),
    }


def approved_item(org):
    from sanshen.review import services

    item = services.create_item(org["editor"], org["edu"], title="学生资助通知", body=CLEAN, category="work_news")
    services.submit(item, org["editor"])
    for name in ("head", "secrecy", "deputy"):
        item.refresh_from_db()
        (step,) = [s for s in services.current_steps(item) if services.can_decide(s, org[name])]
        services.decide(step, org[name], "approve", "同意", item.latest_revision(), proofread=True)
    item.refresh_from_db()
    assert item.status == "approved"
    return item


class Receiver:
    """A loopback HTTP server recording what it receives; answers with `codes` in turn."""

    def __init__(self, codes=(200,)):
        self.codes = list(codes)
        self.received: list[tuple[dict, bytes]] = []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                code = receiver.codes.pop(0) if len(receiver.codes) > 1 else receiver.codes[0]
                self.send_response(code)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    servers = []

    def make(codes=(200,)):
        r = Receiver(codes)
        servers.append(r)
        return r

    yield make
    for r in servers:
        r.close()


def _endpoint(org, url):
    from sanshen.review.models import WebhookEndpoint

    ep = WebhookEndpoint(unit=org["edu"], url=url, secret=SECRET)
    ep.full_clean()
    ep.save()
    return ep


def _verify(headers: dict, body: bytes) -> bool:
    ts = headers["x-sanshen-timestamp"]
    expected = "sha256=" + hmac.new(SECRET.encode(), ts.encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, headers["x-sanshen-signature"])


def test_publish_records_url_and_audits(org):
    from sanshen.audit.models import AuditEntry
    from sanshen.review import publishing
    from sanshen.review.models import Publication

    item = approved_item(org)
    with pytest.raises(PermissionDenied):
        publishing.publish(item, org["outsider"], "https://www.example.gov.cn/a/1.html")
    with pytest.raises(PermissionDenied):
        publishing.publish(item, org["deputy"], "https://www.example.gov.cn/a/1.html")
    with pytest.raises(ValidationError):
        publishing.publish(item, org["webadmin"], "javascript:alert(1)")
    pub = publishing.publish(item, org["webadmin"], "https://www.example.gov.cn/a/1.html")
    item.refresh_from_db()
    assert item.status == "published"
    assert pub.url == "https://www.example.gov.cn/a/1.html" and pub.published_at and pub.revision_number == 1
    entry = AuditEntry.objects.get(action="review_publish", object_id=str(item.pk))
    assert entry.after["url"] == pub.url and entry.actor_id == org["webadmin"].pk
    with pytest.raises(ValidationError):
        publishing.publish(item, org["webadmin"], "https://www.example.gov.cn/a/2.html")
    assert Publication.objects.filter(item=item).count() == 1


def test_only_approved_items_are_published(org):
    from sanshen.review import publishing, services

    item = services.create_item(org["editor"], org["edu"], title="草稿", body=CLEAN, category="work_news")
    with pytest.raises(ValidationError):
        publishing.publish(item, org["editor"], "https://www.example.gov.cn/a/1.html")


def test_webhook_signed_events_reach_loopback_server(org, receiver):
    from sanshen.review import publishing
    from sanshen.review.models import WebhookAttempt, WebhookDelivery

    server = receiver()
    _endpoint(org, server.url)
    item = approved_item(org)  # approval queues item.approved
    publishing.publish(item, org["webadmin"], "https://www.example.gov.cn/a/1.html")
    assert list(WebhookDelivery.objects.order_by("id").values_list("event", flat=True)) == [
        "item.approved",
        "item.published",
    ]
    counts = publishing.deliver_due()
    assert counts == {"delivered": 2, "retried": 0, "failed": 0}
    assert len(server.received) == 2
    for headers, body in server.received:
        assert _verify(headers, body)
        assert headers["content-type"].startswith("application/json")
    events = [json.loads(body) for _, body in server.received]
    assert [e["event"] for e in events] == ["item.approved", "item.published"]
    assert events[1]["item"]["id"] == item.pk and events[1]["item"]["url"].endswith("/a/1.html")
    assert events[0]["item"]["title"] == "学生资助通知"
    # A tampered body does not verify.
    headers, body = server.received[0]
    assert not _verify(headers, body.replace(b"approved", b"rejected"))
    assert publishing.verify_signature(SECRET, headers["x-sanshen-timestamp"], body, headers["x-sanshen-signature"])
    assert not publishing.verify_signature(
        "wrong-secret-0000", headers["x-sanshen-timestamp"], body, headers["x-sanshen-signature"]
    )
    old = str(int(headers["x-sanshen-timestamp"]) - 3600)  # a replayed old message
    assert not publishing.verify_signature(SECRET, old, body, publishing.sign(SECRET, old, body))
    assert all(d.state == "delivered" and d.attempts == 1 for d in WebhookDelivery.objects.all())
    assert WebhookAttempt.objects.filter(status=200).count() == 2
    assert publishing.deliver_due() == {"delivered": 0, "retried": 0, "failed": 0}


def test_failing_endpoint_is_retried_with_backoff(org, receiver, settings):
    from sanshen.review import publishing
    from sanshen.review.models import WebhookAttempt, WebhookDelivery

    settings.SANSHEN_WEBHOOK_BACKOFF = 60
    server = receiver(codes=(500, 503, 200))
    _endpoint(org, server.url)
    approved_item(org)
    (delivery,) = WebhookDelivery.objects.all()
    t0 = timezone.now()
    assert publishing.deliver_due(t0) == {"delivered": 0, "retried": 1, "failed": 0}
    delivery.refresh_from_db()
    assert delivery.attempts == 1 and delivery.last_status == 500 and "500" in delivery.last_error
    assert delivery.next_attempt_at == t0 + dt.timedelta(seconds=60)
    # Not due yet.
    assert publishing.deliver_due(t0 + dt.timedelta(seconds=59)) == {"delivered": 0, "retried": 0, "failed": 0}
    t1 = t0 + dt.timedelta(seconds=61)
    assert publishing.deliver_due(t1)["retried"] == 1
    delivery.refresh_from_db()
    assert delivery.attempts == 2 and delivery.last_status == 503
    assert delivery.next_attempt_at == t1 + dt.timedelta(seconds=120)
    assert publishing.deliver_due(t1 + dt.timedelta(seconds=121))["delivered"] == 1
    delivery.refresh_from_db()
    assert delivery.state == "delivered" and delivery.attempts == 3 and delivery.last_error == ""
    log = list(WebhookAttempt.objects.filter(delivery=delivery).values_list("number", "status"))
    assert log == [(1, 500), (2, 503), (3, 200)]
    assert len(server.received) == 3 and all(_verify(h, b) for h, b in server.received)


def test_unreachable_endpoint_gives_up_after_max_attempts(org, settings):
    import socket

    from sanshen.review import publishing
    from sanshen.review.models import WebhookAttempt, WebhookDelivery

    settings.SANSHEN_WEBHOOK_MAX_ATTEMPTS = 2
    settings.SANSHEN_WEBHOOK_TIMEOUT = 2
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    _endpoint(org, f"http://127.0.0.1:{port}/hook")
    approved_item(org)
    now = timezone.now()
    assert publishing.deliver_due(now)["retried"] == 1
    assert publishing.deliver_due(now + dt.timedelta(hours=1))["failed"] == 1
    (delivery,) = WebhookDelivery.objects.all()
    assert delivery.state == "failed" and delivery.last_status is None and delivery.last_error
    assert WebhookAttempt.objects.filter(delivery=delivery).count() == 2
    assert publishing.deliver_due(now + dt.timedelta(days=1))["failed"] == 0


def test_backoff_grows_and_is_capped(settings):
    from sanshen.review.publishing import backoff_seconds

    settings.SANSHEN_WEBHOOK_BACKOFF = 30
    settings.SANSHEN_WEBHOOK_MAX_BACKOFF = 200
    assert [backoff_seconds(n) for n in (1, 2, 3, 4, 5)] == [30, 60, 120, 200, 200]


def test_review_webhooks_command(org, receiver):
    from django.core.management import call_command

    from sanshen.review.models import WebhookDelivery

    server = receiver()
    _endpoint(org, server.url)
    approved_item(org)
    call_command("review_webhooks")
    assert WebhookDelivery.objects.get().state == "delivered"
    assert len(server.received) == 1


def test_review_webhooks_command_manages_endpoints(org):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    from sanshen.review.models import WebhookEndpoint

    out = io.StringIO()
    call_command("review_webhooks", "--add", str(org["edu"].pk), "https://cms.example.gov.cn/hook", stdout=out)
    ep = WebhookEndpoint.objects.get()
    assert ep.active and ep.unit == org["edu"] and len(ep.secret) >= 32 and ep.secret in out.getvalue()
    with pytest.raises(CommandError):
        call_command("review_webhooks", "--add", str(org["edu"].pk), "ftp://cms.example.gov.cn/hook")
    call_command("review_webhooks", "--disable", str(ep.pk), stdout=io.StringIO())
    ep.refresh_from_db()
    assert not ep.active


def test_withdraw_request_reviewed_by_leader(org, receiver):
    from sanshen.audit.models import AuditEntry
    from sanshen.review import publishing
    from sanshen.review.models import Item, WebhookDelivery

    item = approved_item(org)
    with pytest.raises(ValidationError):  # not published yet
        publishing.request_withdraw(item, org["webadmin"], "withdraw", "数据有误")
    publishing.publish(item, org["webadmin"], "https://www.example.gov.cn/a/1.html")
    with pytest.raises(ValidationError):
        publishing.request_withdraw(item, org["webadmin"], "withdraw", "  ")
    with pytest.raises(PermissionDenied):
        publishing.request_withdraw(item, org["outsider"], "withdraw", "数据有误")
    server = receiver()
    _endpoint(org, server.url)
    req = publishing.request_withdraw(item, org["webadmin"], "delete", "统计数据有误，须删除后重发")
    with pytest.raises(ValidationError):
        publishing.request_withdraw(item, org["webadmin"], "withdraw", "再次申请")
    with pytest.raises(PermissionDenied):  # 科室负责人 is not a leader
        publishing.decide_withdraw(req, org["head"], True, "同意")
    item.refresh_from_db()
    assert item.status == "published"
    with pytest.raises(ValidationError):
        publishing.decide_withdraw(req, org["deputy"], False, "")
    req = publishing.decide_withdraw(req, org["deputy"], True, "同意删除")
    assert req.state == "approved" and req.decided_by == org["deputy"] and req.decided_at
    item = Item.objects.get(pk=item.pk)  # still in the database
    assert item.status == "withdrawn"
    assert item.revisions.count() == 1 and item.publication.url.endswith("/a/1.html")
    with pytest.raises(ValidationError):
        publishing.decide_withdraw(req, org["principal"], True, "同意")
    assert AuditEntry.objects.filter(action="review_withdraw_request", object_id=str(item.pk)).count() == 1
    entry = AuditEntry.objects.get(action="review_withdraw_decision", object_id=str(item.pk))
    assert entry.after["status"] == "withdrawn" and entry.after["kind"] == "delete"
    delivery = WebhookDelivery.objects.get(event="item.withdrawn")
    assert delivery.payload["request"]["kind"] == "delete"
    publishing.deliver_due()
    assert json.loads(server.received[0][1])["item"]["status"] == "withdrawn"


def test_requester_cannot_approve_own_request(org, make_user):
    from sanshen.review import publishing

    item = approved_item(org)
    publishing.publish(item, org["webadmin"], "https://www.example.gov.cn/a/1.html")
    boss = make_user("boss", (org["edu"], Role.SITE_ADMIN), (org["edu"], Role.PRINCIPAL_LEADER))
    req = publishing.request_withdraw(item, boss, "withdraw", "时机不当")
    with pytest.raises(PermissionDenied):
        publishing.decide_withdraw(req, boss, True, "同意")
    req = publishing.decide_withdraw(req, org["principal"], False, "不同意，内容无误")
    item.refresh_from_db()
    assert req.state == "rejected" and item.status == "published"
