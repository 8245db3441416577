from django.urls import path

from . import views

urlpatterns = [
    path("", views.token_index, name="api-tokens"),
    path("units/<int:unit_id>/", views.unit_tokens, name="api-tokens-unit"),
    path("units/<int:unit_id>/<int:token_id>/revoke/", views.revoke, name="api-token-revoke"),
]
