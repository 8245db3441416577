from django.contrib import admin

from .models import AccountState


@admin.register(AccountState)
class AccountStateAdmin(admin.ModelAdmin):
    list_display = ("user", "password_changed_at", "must_change_password", "dormant_flagged_at", "dormant_disabled_at")
    list_filter = ("must_change_password",)
    search_fields = ("user__username", "user__full_name")

    # Read-only here: the ledger, the password pages and `accounts_dormant` change it, and audit it.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
