"""Mounted at /accounts/. `login` and `logout` keep their plain names (Django's LOGIN_URL
convention, used by the layout); the other pages are in the `accounts` namespace."""

from django.urls import include, path

from . import views

account_patterns = (
    [
        path("security/", views.security, name="security"),
        path("password/", views.PasswordChangeView.as_view(), name="password_change"),
        path("2fa/verify/", views.otp_verify, name="otp_verify"),
        path("2fa/setup/", views.two_factor_setup, name="two_factor_setup"),
        path("2fa/recovery-codes/", views.recovery_codes, name="recovery_codes"),
        path("2fa/disable/", views.two_factor_disable, name="two_factor_disable"),
        path("ledger/", views.ledger_view, name="ledger"),
        path("ledger/<int:pk>/action/", views.ledger_action, name="ledger_action"),
    ],
    "accounts",
)

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("", include(account_patterns)),
]
