from django.urls import path

from . import views

app_name = "sites"

urlpatterns = [
    path("", views.site_list, name="list"),
    path("new/", views.site_new, name="new"),
    path("alerts/", views.alert_queue, name="alerts"),
    path("alerts/<int:pk>/ack/", views.alert_ack, name="alert_ack"),
    path("<int:pk>/", views.site_detail, name="detail"),
    path("<int:pk>/columns/add/", views.column_add, name="column_add"),
    path("<int:pk>/columns/<int:column_pk>/", views.column_correct, name="column"),
    path("<int:pk>/problems/", views.problems, name="problems"),
    path("<int:pk>/problems/<int:problem_pk>/mark/", views.problem_mark, name="mark"),
    path("<int:pk>/problems/export.<str:fmt>", views.problems_export, name="export"),
    path("<int:pk>/patrol/", views.patrol_start, name="patrol"),
    path("runs/<int:run_pk>/", views.run_page, name="run"),
    path("runs/<int:run_pk>/progress/", views.run_progress, name="run_progress"),
    path("runs/<int:run_pk>/cancel/", views.run_cancel, name="run_cancel"),
]
