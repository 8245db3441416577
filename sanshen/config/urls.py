"""URL configuration. Later apps add their pages here."""

from django.contrib import admin
from django.urls import include, path

from sanshen.api.api import api

admin.site.site_header = "三审 · 管理后台"
admin.site.site_title = "三审"
admin.site.index_title = "管理"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("sanshen.accounts.urls")),
    path("", include("sanshen.web.urls")),
    path("api/v1/", api.urls),
    path("api-tokens/", include("sanshen.api.urls")),
    path("check/", include("sanshen.checks.urls")),
    path("review/", include("sanshen.review.urls")),
    path("review/", include("sanshen.review.urls_downloads")),
    path("sites/", include("sanshen.sites.urls")),
    path("inspection/", include("sanshen.inspection.urls")),
]
