from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import Membership, Unit, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("unit",)


@admin.register(User)
class SanshenUserAdmin(UserAdmin):
    fieldsets = (*UserAdmin.fieldsets, ("单位信息", {"fields": ("full_name",)}))
    list_display = ("username", "full_name", "email", "is_active", "is_staff", "last_login")
    search_fields = ("username", "full_name", "email")
    inlines = (MembershipInline,)


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("indented_name", "kind", "parent", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name",)
    autocomplete_fields = ("parent",)

    @admin.display(description="名称", ordering="path")
    def indented_name(self, obj: Unit) -> str:
        return "　" * max(obj.depth - 1, 0) + obj.name


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "unit", "role", "created_at")
    list_filter = ("role",)
    search_fields = ("user__username", "user__full_name", "unit__name")
    autocomplete_fields = ("user", "unit")
