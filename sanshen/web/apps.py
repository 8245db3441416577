from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "sanshen.web"
    label = "web"
    verbose_name = "界面"

    def ready(self) -> None:
        from .backup import register_actions

        register_actions()
