from django.urls import path

from . import downloads, views, views_manage

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
    path("<int:pk>/files/<int:file_pk>/remove/", views.remove_attachment, name="remove_attachment"),
    # Publication, withdrawal, archive, route editor and skipping (views_manage).
    path("<int:pk>/publish/", views_manage.publish_page, name="publish"),
    path("<int:pk>/deliveries/<int:delivery_pk>/retry/", views_manage.retry_delivery, name="retry_delivery"),
    path("<int:pk>/withdraw/", views_manage.request_withdraw, name="request_withdraw"),
    path("<int:pk>/steps/<int:step_pk>/skip/", views_manage.skip_step, name="skip_step"),
    path("withdrawals/", views_manage.withdrawals, name="withdrawals"),
    path("withdrawals/<int:req_pk>/decide/", views_manage.decide_withdrawal, name="decide_withdrawal"),
    path("archive/", views_manage.archive_page, name="archive"),
    path("archive/download/", views_manage.archive_download, name="archive_download"),
    path("routes/", views_manage.routes_index, name="routes"),
    path("routes/create/", views_manage.route_create, name="route_create"),
    path("routes/<int:template_pk>/active/", views_manage.route_active, name="route_active"),
    path("routes/<int:template_pk>/secrecy/", views_manage.route_secrecy, name="route_secrecy"),
    path("routes/<int:template_pk>/steps/add/", views_manage.route_step_add, name="route_step_add"),
    path("routes/steps/<int:step_pk>/", views_manage.route_step_edit, name="route_step_edit"),
    path("routes/steps/<int:step_pk>/delete/", views_manage.route_step_delete, name="route_step_delete"),
    path("routes/steps/<int:step_pk>/move/", views_manage.route_step_move, name="route_step_move"),
]
