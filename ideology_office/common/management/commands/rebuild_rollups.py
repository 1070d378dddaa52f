"""Rebuild the summary tables (``common.rollups``) from the live records, in one transaction."""

import time

from django.core.management.base import BaseCommand, CommandError

from ideology_office.common import rollups


class Command(BaseCommand):
    help = "从台账记录重建工作台和汇报使用的汇总表（一个事务）；--check 只核对不改写。"

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, help="只重建这一年的汇总（无日期的汇总总是全部重建）。")
        parser.add_argument("--metric", action="append", help="只重建这一项汇总（可重复）。")
        parser.add_argument("--check", action="store_true", help="核对汇总表与记录是否一致，不改写。")

    def handle(self, *args, year=None, metric=None, check=False, **options):
        known = {item.key for item in rollups.specs()}
        unknown = set(metric or ()) - known
        if unknown:
            raise CommandError(
                f"没有这些汇总：{'、'.join(sorted(unknown))}。可用：{'、'.join(sorted(known))}。"
            )
        if check:
            found = rollups.mismatches(metric)
            for key, rows in found.items():
                for bucket, kept, counted in rows[:20]:
                    self.stdout.write(f"{key} {bucket}：汇总表 {kept}，记录 {counted}")
            if found:
                raise CommandError(f"汇总表与记录不一致：{'、'.join(found)}。请运行 rebuild_rollups。")
            self.stdout.write(self.style.SUCCESS("汇总表与记录一致。"))
            return
        started = time.perf_counter()
        done = rollups.rebuild(metric, year=year)
        for key, count in done.items():
            self.stdout.write(f"  {key}：{count:,} 个分组")
        self.stdout.write(self.style.SUCCESS(f"汇总表已重建，用时 {time.perf_counter() - started:.1f} 秒。"))
