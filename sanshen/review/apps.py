from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "sanshen.review"
    label = "review"
    verbose_name = "信息发布审核"

    def ready(self) -> None:
        from sanshen.audit.models import register_action
        from sanshen.audit.tracking import track

        from .models import Delegation, Item, RouteStepTemplate, RouteTemplate

        register_action("review_revision", "稿件修改")
        register_action("review_submit", "提交审核")
        register_action("review_decision", "审核决定")
        register_action("review_override", "否决项放行")
        track(Item)
        track(Delegation, unit=lambda obj: None)
        track(RouteTemplate, unit=lambda obj: None)
        track(RouteStepTemplate, unit=lambda obj: None)
