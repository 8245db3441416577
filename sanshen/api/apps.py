from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "sanshen.api"
    label = "api"
    verbose_name = "接口与令牌"

    def ready(self) -> None:
        from sanshen.audit.models import register_action

        register_action("api_token_create", "创建接口令牌")
        register_action("api_token_revoke", "撤销接口令牌")
