import secrets

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from sanshen.review.models import WebhookEndpoint
from sanshen.review.publishing import deliver_due
from sanshen.units.models import Unit


class Command(BaseCommand):
    help = (
        "发送到期的 Webhook 推送（失败的按指数退避重试），由定时任务周期运行；"
        "--add UNIT_ID URL 登记单位的推送地址并生成签名密钥，--disable ID 停用。"
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--limit", type=int, default=100, help="本次最多发送的条数")
        parser.add_argument("--add", nargs=2, metavar=("UNIT_ID", "URL"), help="登记推送地址")
        parser.add_argument("--disable", type=int, metavar="ID", help="停用推送地址")
        parser.add_argument("--list", action="store_true", help="列出推送地址")

    def handle(self, *args, **options) -> None:
        if options["add"]:
            unit_id, url = options["add"]
            try:
                unit = Unit.objects.get(pk=int(unit_id))
            except (ValueError, Unit.DoesNotExist) as exc:
                raise CommandError(f"没有 ID 为 {unit_id} 的单位。") from exc
            endpoint = WebhookEndpoint(unit=unit, url=url, secret=secrets.token_urlsafe(32))
            try:
                endpoint.full_clean()
            except ValidationError as exc:
                raise CommandError("；".join(exc.messages)) from exc
            endpoint.save()
            self.stdout.write(f"已登记推送地址 {endpoint.pk}：{unit.name} → {url}")
            self.stdout.write(f"签名密钥（请交给接收方，仅显示一次）：{endpoint.secret}")
            return
        if options["disable"]:
            if not WebhookEndpoint.objects.filter(pk=options["disable"]).update(active=False):
                raise CommandError(f"没有 ID 为 {options['disable']} 的推送地址。")
            self.stdout.write(f"已停用推送地址 {options['disable']}。")
            return
        if options["list"]:
            for ep in WebhookEndpoint.objects.select_related("unit"):
                self.stdout.write(f"{ep.pk}\t{'启用' if ep.active else '停用'}\t{ep.unit.name}\t{ep.url}")
            return
        counts = deliver_due(limit=options["limit"])
        self.stdout.write(f"送达 {counts['delivered']} 条，待重试 {counts['retried']} 条，放弃 {counts['failed']} 条。")
