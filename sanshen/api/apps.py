from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "sanshen.api"
    label = "api"
    verbose_name = "接口与令牌"

    def ready(self) -> None:
        from sanshen.audit.models import register_action

        register_action("api_token_create", "创建接口令牌")
        register_action("api_token_revoke", "撤销接口令牌")

        from django.db.models.signals import post_save

        from sanshen.units.models import Unit

        from .tokens import forget_tokens

        # A unit switched off takes its tokens with it (in other processes after the cache time).
        post_save.connect(lambda **kwargs: forget_tokens(), sender=Unit, weak=False, dispatch_uid="sanshen.api.unit")

        from django.conf import settings

        def _user_saved(instance, **kwargs) -> None:
            # A user disabled takes their personal tokens with them (same delay elsewhere).
            if not instance.is_active:
                forget_tokens()

        post_save.connect(_user_saved, sender=settings.AUTH_USER_MODEL, weak=False, dispatch_uid="sanshen.api.user")
