from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AuditConfig(AppConfig):
    name = "sanshen.audit"
    label = "audit"
    verbose_name = "审计日志"

    def ready(self) -> None:
        from . import checks, signals  # noqa: F401
        from .protection import after_migrate

        post_migrate.connect(after_migrate, dispatch_uid="sanshen.audit.after_migrate")
