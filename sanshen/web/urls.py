from django.urls import include, path

from . import views

unit_patterns = (
    [
        path("", views.unit_tree, name="tree"),
        path("<int:pk>/", views.unit_detail, name="detail"),
    ],
    "units",
)

urlpatterns = [
    path("", views.home, name="home"),
    path("units/", include(unit_patterns)),
]
