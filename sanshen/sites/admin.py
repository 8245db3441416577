"""Technical administration: the registry is editable; patrol records are read-only here."""

from django.contrib import admin

from .models import Alert, Column, PatrolRun, Probe, Problem, Site


class ColumnInline(admin.TabularInline):
    model = Column
    extra = 0
    fields = ("name", "url", "update_class", "custom_days", "found_automatically", "latest_date")
    readonly_fields = ("found_automatically", "latest_date")


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ("name", "unit", "home_url", "site_code", "is_active")
    list_filter = ("is_active", "kind")
    search_fields = ("name", "home_url", "site_code", "icp")
    inlines = (ColumnInline,)


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(PatrolRun)
class PatrolRunAdmin(ReadOnly):
    list_display = ("site", "created_at", "state", "pages_crawled", "problems_found", "complete")
    list_filter = ("state",)


@admin.register(Problem)
class ProblemAdmin(ReadOnly):
    list_display = ("site", "kind", "severity", "status", "url", "last_seen_at")
    list_filter = ("kind", "severity", "status")
    search_fields = ("url", "detail")


@admin.register(Probe)
class ProbeAdmin(ReadOnly):
    list_display = ("site", "at", "ok", "elapsed_ms", "status")
    list_filter = ("ok",)


@admin.register(Alert)
class AlertAdmin(ReadOnly):
    list_display = ("site", "kind", "severity", "created_at", "acknowledged_at")
    list_filter = ("kind", "acknowledged_at")
