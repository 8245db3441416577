from django.urls import path

from . import views

urlpatterns = [
    path("", views.online_check, name="online-check"),
    path("masked/", views.masked_download, name="online-check-masked"),
]
