import datetime as dt
import re
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from sanshen.review.archive import (
    build_monthly_archive,
    decided_items,
    self_inspection,
    self_inspection_csv,
    self_inspection_docx,
)
from sanshen.review.models import Item
from sanshen.units.models import Unit


def _month(value: str) -> tuple[int, int]:
    m = re.fullmatch(r"(\d{4})-(\d{1,2})", value or "")
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise CommandError("月份格式为 YYYY-MM，例如 2026-10。")
    return int(m.group(1)), int(m.group(2))


class Command(BaseCommand):
    help = "生成单位的月度审核记录归档（zip：审核表、定稿正文、清单、自检自查报告、SHA256SUMS），每月25日前报送。"

    def add_arguments(self, parser) -> None:
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument("--unit", type=int, help="单位 ID")
        target.add_argument("--all-units", action="store_true", help="所有当月有办结稿件的单位（定时任务用）")
        parser.add_argument("--month", help="YYYY-MM；默认上个月")
        parser.add_argument(
            "--self-inspection", action="store_true", help="只生成自检自查报告（CSV 和 .docx），不生成归档"
        )
        parser.add_argument("-o", "--output", default=".", help="输出目录（默认当前目录）")

    def handle(self, *args, **options) -> None:
        if options["month"]:
            year, month = _month(options["month"])
        else:
            last = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
            year, month = last.year, last.month
        out = Path(options["output"])
        out.mkdir(parents=True, exist_ok=True)
        if options["all_units"]:
            ids = Item.objects.values_list("unit_id", flat=True).distinct()
            units = [
                u for u in Unit.objects.filter(pk__in=ids).order_by("path") if decided_items(u, year, month).exists()
            ]
        else:
            try:
                units = [Unit.objects.get(pk=options["unit"])]
            except Unit.DoesNotExist as exc:
                raise CommandError(f"没有 ID 为 {options['unit']} 的单位。") from exc
        for unit in units:
            if options["self_inspection"]:
                report = self_inspection(unit, year, month)
                stem = out / f"self-inspection-{unit.pk}-{year:04d}-{month:02d}"
                stem.with_suffix(".csv").write_text("\ufeff" + self_inspection_csv(report), encoding="utf-8")
                stem.with_suffix(".docx").write_bytes(self_inspection_docx(report))
                self.stdout.write(f"{unit.name}：{stem}.csv, {stem}.docx")
                continue
            path = out / f"review-archive-{unit.pk}-{year:04d}-{month:02d}.zip"
            path.write_bytes(build_monthly_archive(unit, year, month))
            self.stdout.write(f"{unit.name}：{path}")
        what = "自检自查报告" if options["self_inspection"] else "归档"
        self.stdout.write(f"共生成 {len(units)} 个{what}（{year}年{month}月）。")
