from django.core.management.base import BaseCommand

from sanshen.review.publishing import deliver_due


class Command(BaseCommand):
    help = "发送到期的 Webhook 推送（失败的按指数退避重试）；由定时任务周期运行。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--limit", type=int, default=100, help="本次最多发送的条数")

    def handle(self, *args, **options) -> None:
        counts = deliver_due(limit=options["limit"])
        self.stdout.write(f"送达 {counts['delivered']} 条，待重试 {counts['retried']} 条，放弃 {counts['failed']} 条。")
