from django.urls import path

from . import downloads, views

app_name = "review"

urlpatterns = [
    path("", views.mine, name="mine"),
    path("new/", views.new_item, name="new"),
    path("queue/", views.queue, name="queue"),
    path("overview/", views.overview, name="overview"),
    path("<int:pk>/", views.item_page, name="item"),
    path("<int:pk>/revise/", views.revise, name="revise"),
    path("<int:pk>/submit/", views.submit_item, name="submit"),
    path("<int:pk>/steps/<int:step_pk>/decide/", views.decide_step, name="decide"),
    path("<int:pk>/override/", views.override, name="override"),
    path("<int:pk>/attachments/", views.add_attachments, name="attachments"),
    path("<int:pk>/files/<int:file_pk>/", downloads.item_file, name="file"),
]
