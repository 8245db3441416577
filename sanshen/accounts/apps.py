from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "sanshen.accounts"
    label = "accounts"
    verbose_name = "账号与安全"

    def ready(self) -> None:
        from sanshen.audit.models import register_action

        from . import checks, signals  # noqa: F401
        from .services import ACTIONS

        for value, label in ACTIONS.items():
            register_action(value, label)
