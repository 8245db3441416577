"""Publication, the outgoing webhook to a unit's CMS, and withdrawal/deletion requests.

Publication (002 第十二条): an approved item is published by the unit's 网站管理员 or 信息员,
who records the URL; the item becomes 已发布.

Webhook: every active `WebhookEndpoint` of the item's unit gets a `WebhookDelivery` per event
(item.approved, item.published, item.withdrawn). `deliver_due()` POSTs the due ones with
    X-Sanshen-Event, X-Sanshen-Delivery, X-Sanshen-Timestamp (Unix seconds) and
    X-Sanshen-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>
A 2xx answer delivers it; anything else is retried after BACKOFF * 2**(attempts-1) seconds
(capped at MAX_BACKOFF) until MAX_ATTEMPTS, then the delivery is given up. Every attempt is kept
as a `WebhookAttempt`. The `review_webhooks` command (or a Celery task) calls `deliver_due()`.

Withdrawal/deletion (002 第十四条): a published item is taken down only through a
`WithdrawRequest` approved by the unit's 主要领导 or 分管领导 (never the requester). Approved,
the item becomes 已撤回; for 删除 too nothing leaves the database.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import time

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from sanshen.audit.models import register_action
from sanshen.audit.services import jsonable, record
from sanshen.units.models import Role
from sanshen.units.services import has_role

from .models import (
    DeliveryState,
    Item,
    Publication,
    RequestState,
    Status,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WithdrawKind,
    WithdrawRequest,
)

__all__ = [
    "PUBLISHER_ROLES",
    "WITHDRAW_APPROVER_ROLES",
    "decide_withdraw",
    "deliver_due",
    "enqueue_event",
    "may_decide_withdraw",
    "may_publish",
    "may_request_withdraw",
    "may_retry",
    "publish",
    "request_withdraw",
    "retry_delivery",
    "sign",
    "verify_signature",
    "withdraw_requests_to_decide",
]

PUBLISHER_ROLES = (Role.SITE_ADMIN, Role.EDITOR)
WITHDRAW_APPROVER_ROLES = (Role.PRINCIPAL_LEADER, Role.DEPUTY_LEADER)
SIGNATURE_HEADER = "X-Sanshen-Signature"
TIMESTAMP_HEADER = "X-Sanshen-Timestamp"


def _conf(name: str, default):
    return getattr(settings, name, default)


def backoff_seconds(attempts: int) -> float:
    """Wait after the `attempts`-th failed attempt."""
    base = float(_conf("SANSHEN_WEBHOOK_BACKOFF", 60))
    cap = float(_conf("SANSHEN_WEBHOOK_MAX_BACKOFF", 6 * 3600))
    return min(cap, base * 2 ** max(0, attempts - 1))


def max_attempts() -> int:
    return int(_conf("SANSHEN_WEBHOOK_MAX_ATTEMPTS", 8))


# Publication --------------------------------------------------------------------------------


def publish(item: Item, user, url: str) -> Publication:
    url = (url or "").strip()
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError as exc:
        raise ValidationError("请填写有效的发布网址（http 或 https）。") from exc
    with transaction.atomic():
        item = Item.objects.select_for_update().get(pk=item.pk)
        if not has_role(user, item.unit, *PUBLISHER_ROLES):
            raise PermissionDenied("只有本单位的网站管理员或信息员可以发布稿件。")
        if item.status != Status.APPROVED:
            raise ValidationError(f"稿件{item.get_status_display()}，只有审核通过的稿件才能发布。")
        now = timezone.now()
        publication = Publication.objects.create(
            item=item,
            url=url,
            published_by=user,
            published_at=now,
            revision_number=item.latest_revision().number,
        )
        item.status = Status.PUBLISHED
        item.save()
        record(
            "review_publish",
            actor=user,
            obj=item,
            before={"status": Status.APPROVED},
            after={"status": item.status, "url": url, "revision": publication.revision_number},
        )
        enqueue_event(item, "item.published")
    return publication


# Webhook ------------------------------------------------------------------------------------


def event_payload(item: Item, event: str, extra: dict | None = None) -> dict:
    revision = item.latest_revision()
    publication = Publication.objects.filter(item_id=item.pk).first()
    data = {
        "event": event,
        "occurred_at": timezone.now().isoformat(),
        "item": {
            "id": item.pk,
            "title": item.title,
            "unit": item.unit_id,
            "category": item.category,
            "status": item.status,
            "revision": revision.number if revision else None,
            "content_hash": revision.content_hash if revision else None,
            "url": publication.url if publication else None,
        },
    }
    if extra:
        data.update(extra)
    return jsonable(data)


def enqueue_event(item: Item, event: str, extra: dict | None = None) -> list[WebhookDelivery]:
    """One pending delivery per active endpoint of the item's unit (in the caller's transaction)."""
    endpoints = list(WebhookEndpoint.objects.filter(unit_id=item.unit_id, active=True))
    if not endpoints:
        return []
    payload = event_payload(item, event, extra)
    now = timezone.now()
    return [
        WebhookDelivery.objects.create(endpoint=ep, item=item, event=event, payload=payload, next_attempt_at=now)
        for ep in endpoints
    ]


def body_bytes(payload: dict) -> bytes:
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify_signature(secret: str, timestamp: str, body: bytes, signature: str, *, tolerance: int = 300) -> bool:
    """What a receiver does: the HMAC matches and the timestamp is within `tolerance` seconds."""
    try:
        age = abs(time.time() - int(timestamp))
    except (TypeError, ValueError):
        return False
    return age <= tolerance and hmac.compare_digest(sign(secret, timestamp, body), signature or "")


def _claim(delivery: WebhookDelivery, now: dt.datetime) -> bool:
    # A conditional update so two runners never send the same attempt.
    lease = now + dt.timedelta(seconds=float(_conf("SANSHEN_WEBHOOK_TIMEOUT", 10)) + 60)
    return bool(
        WebhookDelivery.objects.filter(pk=delivery.pk, state=DeliveryState.PENDING, attempts=delivery.attempts).update(
            attempts=F("attempts") + 1, next_attempt_at=lease
        )
    )


def sending_now(delivery: WebhookDelivery, now: dt.datetime | None = None) -> bool:
    """A runner has claimed an attempt (`_claim` counts it before sending, `deliver_due` logs it
    after) and its lease has not run out: sending it again now would post it twice."""
    now = now or timezone.now()
    return (delivery.state == DeliveryState.PENDING and delivery.next_attempt_at > now
            and delivery.attempts > delivery.attempt_log.count())


def _attempt(delivery: WebhookDelivery, client) -> tuple[int | None, str, int]:
    body = body_bytes(delivery.payload)
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "Sanshen-Webhook/1",
        "X-Sanshen-Event": delivery.event,
        "X-Sanshen-Delivery": str(delivery.pk),
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: sign(delivery.endpoint.secret, timestamp, body),
    }
    started = time.monotonic()
    try:
        response = client.post(delivery.endpoint.url, content=body, headers=headers)
    except Exception as exc:  # network errors of any kind are a failed attempt
        return None, f"{type(exc).__name__}: {exc}"[:2000], int((time.monotonic() - started) * 1000)
    elapsed = int((time.monotonic() - started) * 1000)
    if 200 <= response.status_code < 300:
        return response.status_code, "", elapsed
    return response.status_code, f"HTTP {response.status_code}: {response.text[:500]}", elapsed


def deliver_due(
    now: dt.datetime | None = None, *, limit: int = 100, client=None, only: list[int] | None = None
) -> dict[str, int]:
    """Send the deliveries that are due (only those with ids in `only`, when given); returns
    counts of delivered, retried and failed."""
    import httpx

    now = now or timezone.now()
    due = WebhookDelivery.objects.filter(state=DeliveryState.PENDING, next_attempt_at__lte=now, endpoint__active=True)
    if only is not None:
        due = due.filter(pk__in=only)
    due = list(due.select_related("endpoint").order_by("next_attempt_at", "id")[:limit])
    counts = {"delivered": 0, "retried": 0, "failed": 0}
    own_client = client is None
    if own_client:
        client = httpx.Client(timeout=float(_conf("SANSHEN_WEBHOOK_TIMEOUT", 10)), follow_redirects=False)
    try:
        for delivery in due:
            if not _claim(delivery, now):
                continue
            number = delivery.attempts + 1
            status, error, elapsed = _attempt(delivery, client)
            at = timezone.now()
            with transaction.atomic():
                WebhookAttempt.objects.create(
                    delivery=delivery, number=number, at=at, status=status, error=error, duration_ms=elapsed
                )
                fields = {"last_status": status, "last_error": error}
                if not error:
                    fields.update(state=DeliveryState.DELIVERED, delivered_at=at)
                    counts["delivered"] += 1
                elif number >= max_attempts():
                    fields.update(state=DeliveryState.FAILED)
                    counts["failed"] += 1
                else:
                    fields.update(next_attempt_at=now + dt.timedelta(seconds=backoff_seconds(number)))
                    counts["retried"] += 1
                WebhookDelivery.objects.filter(pk=delivery.pk).update(**fields)
    finally:
        if own_client:
            client.close()
    return counts


# Withdrawal and deletion --------------------------------------------------------------------


def request_withdraw(item: Item, user, kind: str, reason: str) -> WithdrawRequest:
    reason = (reason or "").strip()
    if kind not in WithdrawKind.values:
        raise ValidationError("申请类型只能是撤回或删除。")
    if not reason:
        raise ValidationError("撤回或删除须说明理由（第十四条）。")
    with transaction.atomic():
        item = Item.objects.select_for_update().get(pk=item.pk)
        if item.status != Status.PUBLISHED:
            raise ValidationError("只有已发布的稿件才能申请撤回或删除。")
        if not (user.pk == item.drafter_id or has_role(user, item.unit, *PUBLISHER_ROLES)):
            raise PermissionDenied("只有拟稿人或本单位的网站管理员、信息员可以申请撤回或删除。")
        if item.withdraw_requests.filter(state=RequestState.PENDING).exists():
            raise ValidationError("该稿件已有待审批的撤回/删除申请。")
        req = WithdrawRequest.objects.create(item=item, kind=kind, reason=reason, requested_by=user)
        record(
            "review_withdraw_request",
            actor=user,
            obj=item,
            after={"request": req.pk, "kind": kind, "reason": reason},
        )
    return req


def decide_withdraw(req: WithdrawRequest, user, approve: bool, opinion: str = "") -> WithdrawRequest:
    opinion = (opinion or "").strip()
    with transaction.atomic():
        req = WithdrawRequest.objects.select_for_update().select_related("item").get(pk=req.pk)
        item = Item.objects.select_for_update().get(pk=req.item_id)
        if req.state != RequestState.PENDING:
            raise ValidationError("该申请已审批。")
        if user.pk == req.requested_by_id:
            raise PermissionDenied("申请人不能审批自己的撤回/删除申请。")
        if not has_role(user, item.unit, *WITHDRAW_APPROVER_ROLES):
            raise PermissionDenied("只有本单位的主要领导或分管领导可以审批撤回/删除申请。")
        if not approve and not opinion:
            raise ValidationError("不同意须填写审批意见。")
        if approve and item.status != Status.PUBLISHED:
            raise ValidationError(f"稿件{item.get_status_display()}，不能撤回。")
        req.state = RequestState.APPROVED if approve else RequestState.REJECTED
        req.decided_by = user
        req.decided_at = timezone.now()
        req.opinion = opinion
        req.save()
        before = item.status
        if approve:
            item.status = Status.WITHDRAWN
            item.save()
            enqueue_event(item, "item.withdrawn", {"request": {"id": req.pk, "kind": req.kind, "reason": req.reason}})
        record(
            "review_withdraw_decision",
            actor=user,
            obj=item,
            before={"status": before},
            after={"status": item.status, "request": req.pk, "kind": req.kind, "state": req.state, "opinion": opinion},
        )
    return req


register_action("review_webhook_retry", "推送立即重试")


# For the pages (who may do what; the functions above enforce the same rules) ----------------


def _usable(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def may_publish(user, item: Item) -> bool:
    return _usable(user) and item.status == Status.APPROVED and has_role(user, item.unit, *PUBLISHER_ROLES)


def may_request_withdraw(user, item: Item) -> bool:
    return (
        _usable(user)
        and item.status == Status.PUBLISHED
        and (user.pk == item.drafter_id or has_role(user, item.unit, *PUBLISHER_ROLES))
        and not item.withdraw_requests.filter(state=RequestState.PENDING).exists()
    )


def may_decide_withdraw(user, req: WithdrawRequest) -> bool:
    return (
        _usable(user)
        and req.state == RequestState.PENDING
        and user.pk != req.requested_by_id
        and has_role(user, req.item.unit_id, *WITHDRAW_APPROVER_ROLES)
    )


def withdraw_requests_to_decide(user):
    """Pending requests `user` may approve or reject: items of units where the user is 主要领导
    or 分管领导, not the user's own requests."""
    from sanshen.units.services import units_with_role

    if not _usable(user):
        return WithdrawRequest.objects.none()
    return (
        WithdrawRequest.objects.filter(
            state=RequestState.PENDING, item__unit__in=units_with_role(user, *WITHDRAW_APPROVER_ROLES)
        )
        .exclude(requested_by=user)
        .select_related("item", "item__unit", "requested_by")
        .order_by("requested_at", "id")
    )


def may_retry(user, item: Item) -> bool:
    """The unit's 网站管理员/信息员, or a 监管员 at or above the unit."""
    return _usable(user) and (
        has_role(user, item.unit, *PUBLISHER_ROLES) or has_role(user, item.unit, Role.SUPERVISOR, inherited=True)
    )


def retry_delivery(delivery: WebhookDelivery, user, *, client=None) -> WebhookDelivery:
    """立即重试: a pending or given-up delivery is made due now and sent at once (this one only).
    A given-up delivery gets one more attempt; failing again gives it up again."""
    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update().select_related("item", "endpoint").get(pk=delivery.pk)
        if not may_retry(user, delivery.item):
            raise PermissionDenied("只有本单位的网站管理员、信息员或上级监管员可以重试推送。")
        if delivery.state == DeliveryState.DELIVERED:
            raise ValidationError("该推送已送达，无需重试。")
        if not delivery.endpoint.active:
            raise ValidationError("推送地址已停用，不能重试。")
        if sending_now(delivery):
            raise ValidationError("该推送正在发送中，请稍后刷新查看结果。")
        before = {"state": delivery.state, "attempts": delivery.attempts}
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            state=DeliveryState.PENDING, next_attempt_at=timezone.now()
        )
    counts = deliver_due(client=client, only=[delivery.pk])
    delivery.refresh_from_db()
    record(
        "review_webhook_retry",
        actor=user,
        obj=delivery.item,
        before=before,
        after={"delivery": delivery.pk, "state": delivery.state, "attempts": delivery.attempts, "counts": counts},
    )
    return delivery
