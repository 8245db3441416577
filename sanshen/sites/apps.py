from django.apps import AppConfig


class SitesConfig(AppConfig):
    name = "sanshen.sites"
    label = "sites"
    verbose_name = "网站巡检"

    def ready(self) -> None:
        from sanshen.audit.models import register_action
        from sanshen.audit.tracking import track
        from sanshen.web import demo

        from .demo import load_demo_sites
        from .models import Column, Site

        register_action("sites_mark_problem", "巡检问题处理")
        register_action("sites_patrol", "发起巡检")
        register_action("sites_ack_alert", "告警确认")
        track(Site)
        track(Column, unit=lambda obj: obj.site.unit_id, exclude=("latest_date", "last_seen", "item_count",
                                                                  "undated_items"))
        if load_demo_sites not in demo.EXTRA_STEPS:
            demo.EXTRA_STEPS.append(load_demo_sites)
        from . import tasks  # noqa: F401  (registers the patrol tasks with the Celery app)
