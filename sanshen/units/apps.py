from django.apps import AppConfig


class UnitsConfig(AppConfig):
    name = "sanshen.units"
    label = "units"
    verbose_name = "单位与角色"

    def ready(self) -> None:
        from sanshen.audit import track

        from .models import Membership, Unit, User

        # Derived columns (path, depth) follow from `parent` and would only add noise.
        track(Unit, exclude=("path", "depth"), unit=lambda obj: obj.pk)
        track(Membership, action="permission_change")
        track(
            User,
            exclude=("last_login",),
            redact=("password",),
            permission_fields=("is_active", "is_staff", "is_superuser"),
        )
