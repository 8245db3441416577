from django.urls import path

from . import views

urlpatterns = [
    path("", views.token_index, name="api-tokens"),
    path("mine/", views.personal_tokens, name="api-tokens-mine"),
    path("mine/<int:token_id>/revoke/", views.personal_revoke, name="api-token-mine-revoke"),
    path("units/<int:unit_id>/", views.unit_tokens, name="api-tokens-unit"),
    path("units/<int:unit_id>/<int:token_id>/revoke/", views.revoke, name="api-token-revoke"),
]
