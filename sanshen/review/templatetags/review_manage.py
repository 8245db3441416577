"""`{% review_item_extras item user as extras %}`: what the item page shows of publication,
withdrawal requests and step skipping (kept out of views.py so the blocks stay separate)."""

from __future__ import annotations

from django import template

from .. import publishing, routes
from ..models import ReviewStep, StepState, WebhookDelivery

register = template.Library()


@register.simple_tag
def review_item_extras(item, user) -> dict:
    from ..views_manage import SkipForm, WithdrawRequestForm

    requests = list(item.withdraw_requests.select_related("requested_by", "decided_by").order_by("requested_at", "id"))
    pending = ReviewStep.objects.filter(item=item, round=item.round, state=StepState.PENDING).order_by("order", "id")
    skip = [
        {"step": s, "form": SkipForm(prefix=f"skip{s.pk}")}
        for s in pending.select_related("item", "item__unit")
        if routes.can_skip(s, user)
    ]
    deliveries = WebhookDelivery.objects.filter(item=item).count()
    publication = publishing.Publication.objects.filter(item=item).select_related("published_by").first()
    return {
        "publication": publication,
        "may_publish": publishing.may_publish(user, item),
        "deliveries": deliveries,
        "show_publish": bool(publication or deliveries or publishing.may_publish(user, item)),
        "withdraw_requests": requests,
        "withdraw_form": WithdrawRequestForm() if publishing.may_request_withdraw(user, item) else None,
        "skip_forms": skip,
    }
