"""Technical administration. Routes are editable here until the supervisor's pages exist; the
review record is read-only everywhere."""

from django.contrib import admin

from .models import (
    Decision,
    Delegation,
    Item,
    Publication,
    ReviewStep,
    Revision,
    RouteStepTemplate,
    RouteTemplate,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WithdrawRequest,
)


class RouteStepTemplateInline(admin.TabularInline):
    model = RouteStepTemplate
    extra = 0
    filter_horizontal = ("joint_units",)


@admin.register(RouteTemplate)
class RouteTemplateAdmin(admin.ModelAdmin):
    list_display = ("name", "category", "is_active", "secrecy_levels")
    inlines = (RouteStepTemplateInline,)


@admin.register(Delegation)
class DelegationAdmin(admin.ModelAdmin):
    list_display = ("from_user", "to_user", "start", "end", "reason")
    autocomplete_fields = ("from_user", "to_user")


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Item)
class ItemAdmin(ReadOnlyAdmin):
    list_display = ("title", "unit", "category", "importance", "status", "drafter", "created_at")
    list_filter = ("status", "category", "importance")
    search_fields = ("title",)


@admin.register(Revision)
class RevisionAdmin(ReadOnlyAdmin):
    list_display = ("item", "number", "author", "created_at", "engine_version")


@admin.register(ReviewStep)
class ReviewStepAdmin(ReadOnlyAdmin):
    list_display = ("item", "round", "order", "label", "unit", "state", "deadline", "decided_by")
    list_filter = ("state", "kind")


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = ("item", "step", "user", "delegated_from", "action", "revision_number", "created_at")
    list_filter = ("action",)


@admin.register(Publication)
class PublicationAdmin(ReadOnlyAdmin):
    list_display = ("item", "url", "published_by", "published_at", "revision_number")


@admin.register(WithdrawRequest)
class WithdrawRequestAdmin(ReadOnlyAdmin):
    list_display = ("item", "kind", "state", "requested_by", "requested_at", "decided_by", "decided_at")
    list_filter = ("kind", "state")


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ReadOnlyAdmin):
    list_display = ("unit", "url", "active", "created_at")
    exclude = ("secret",)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ("item", "endpoint", "event", "state", "attempts", "next_attempt_at", "last_status")
    list_filter = ("state", "event")


@admin.register(WebhookAttempt)
class WebhookAttemptAdmin(ReadOnlyAdmin):
    list_display = ("delivery", "number", "at", "status", "duration_ms")
