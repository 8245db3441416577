from django.core.management.base import BaseCommand

from sanshen.review.defaults import seed_default_routes
from sanshen.review.models import RouteStepTemplate, RouteTemplate


class Command(BaseCommand):
    help = "为尚无审核流程的信息类别建立默认审核流程（已有流程不变）。"

    def handle(self, *args, **options) -> None:
        made = seed_default_routes(RouteTemplate, RouteStepTemplate)
        self.stdout.write(f"新建默认审核流程 {made} 个。")
