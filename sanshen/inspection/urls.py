from django.urls import path

from . import annual_views, views

app_name = "inspection"

urlpatterns = [
    path("", views.inspection_list, name="list"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("<int:pk>/", views.inspection_detail, name="detail"),
    path("<int:pk>/edit/", views.inspection_edit, name="edit"),
    path("<int:pk>/spot/", views.spot_add, name="spot"),
    path("<int:pk>/spots/<int:spot_pk>/screenshot/", views.spot_screenshot, name="screenshot"),
    path("<int:pk>/close/", views.inspection_close, name="close"),
    path("<int:pk>/bulletin.<str:fmt>", views.bulletin_download, name="bulletin"),
    path("<int:pk>/sites/<int:entry_pk>/", views.entry_scorecard, name="entry"),
    path("sites/<int:site_pk>/score/", views.site_scorecard, name="site_score"),
    path("tasks/", views.task_list, name="tasks"),
    path("tasks/<int:pk>/answer/", views.task_answer, name="answer"),
    path("tasks/<int:pk>/confirm/", views.task_confirm, name="confirm"),
    path("tasks/<int:pk>/evidence/", views.task_evidence, name="evidence"),
    path("indicators/", views.indicators, name="indicators"),
    path("indicators/versions/<int:version_pk>/", views.indicator_version, name="indicator_version"),
    path("calendar/", views.calendar, name="calendar"),
    path("annual/", annual_views.annual_list, name="annual"),
    path("annual/sites/<int:site_pk>/<int:year>/", annual_views.annual_site, name="annual_site"),
    path("annual/sites/<int:site_pk>/<int:year>/import/", annual_views.annual_import, name="annual_import"),
    path("annual/sites/<int:site_pk>/<int:year>/publish/", annual_views.annual_publish, name="annual_publish"),
    path("annual/sites/<int:site_pk>/<int:year>/report.<str:fmt>", annual_views.annual_download,
         name="annual_download"),
]
