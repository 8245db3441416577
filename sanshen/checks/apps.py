from django.apps import AppConfig


class ChecksConfig(AppConfig):
    name = "sanshen.checks"
    label = "checks"
    verbose_name = "在线检查"

    def ready(self) -> None:
        from sanshen.audit.models import register_action

        register_action("content_check", "内容检查")
