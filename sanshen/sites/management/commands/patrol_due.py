"""Run the patrols and availability probes that are due, once. Idempotent: a site patrolled
since its last slot, or probed within its interval, is skipped (cron or a timer can call this
every few minutes; Celery beat takes it over later)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from sanshen.audit.context import audit_context
from sanshen.sites import services


class Command(BaseCommand):
    help = "执行到期的网站巡检和可用性探测（运行一次）。"

    def add_arguments(self, parser):
        parser.add_argument("--probes-only", action="store_true", help="只做可用性探测")
        parser.add_argument("--patrols-only", action="store_true", help="只做巡检")
        parser.add_argument("--dry-run", action="store_true", help="只列出到期的网站，不执行")

    def handle(self, *args, probes_only=False, patrols_only=False, dry_run=False, **options):
        probes = [] if patrols_only else services.due_probes()
        patrols = [] if probes_only else services.due_patrols()
        if dry_run:
            for site in probes:
                self.stdout.write(f"探测：{site.name} {site.home_url}")
            for site in patrols:
                self.stdout.write(f"巡检：{site.name} {site.home_url}")
            return
        with audit_context(username="命令行:patrol_due"):
            for site in probes:
                probe = services.probe_site(site)
                self.stdout.write(f"探测 {site.name}：{'正常' if probe.ok else '失败 ' + probe.error}"
                                  f"（{probe.elapsed_ms} 毫秒）")
            for site in patrols:
                run = services.run_patrol_now(site, None)
                self.stdout.write(f"巡检 {site.name}：{run.get_state_display()}，{run.pages_crawled} 个页面，"
                                  f"{run.problems_found} 个问题" + (f"，{run.error}" if run.error else ""))
        self.stdout.write(self.style.SUCCESS(f"完成：探测 {len(probes)} 个网站，巡检 {len(patrols)} 个网站。"))
