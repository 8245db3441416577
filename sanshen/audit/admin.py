from django.contrib import admin

from .models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only view; nothing here can add, change or delete entries."""

    list_display = ("seq", "time", "actor_username", "action_name", "object_repr", "ip")
    list_filter = ("action",)
    search_fields = ("actor_username", "object_repr", "object_id")
    date_hierarchy = "time"
    list_select_related = False

    @admin.display(description="操作", ordering="action")
    def action_name(self, obj: AuditEntry) -> str:
        return obj.action_label

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
