"""python manage.py seed_holidays [YEAR ...]: fill the holiday and 调休 table from chinese-calendar."""

from django.core.management.base import BaseCommand, CommandError

from ideology_office.common.audit import audit_context

from ...holidays import calendar_days_seed, library_years


class Command(BaseCommand):
    help = (
        "用 chinese-calendar 库补齐节假日和调休表：表中没有任何一天的年份才从库中写入，"
        "已有（含手工修改过）的年份保持不变，重复运行不会改变数据。"
    )

    def add_arguments(self, parser):
        parser.add_argument("years", nargs="*", type=int, help="只补这些年份（默认：库中所有年份）。")

    def handle(self, *args, years, **options):
        known = library_years()
        unknown = sorted(set(years) - set(known))
        if unknown:
            raise CommandError(
                f"chinese-calendar 库中没有 {'、'.join(map(str, unknown))} 年的数据"
                f"（库中为 {known[0]}—{known[-1]} 年）；请在后台“节假日和调休”中手工录入。"
            )
        with audit_context(label="seed_holidays"):
            result = calendar_days_seed(years=years or None)
        for year, count in sorted(result.filled.items()):
            self.stdout.write(f"{year} 年：写入 {count} 天。")
        if result.kept:
            self.stdout.write(f"已有数据、保持不变的年份：{'、'.join(map(str, result.kept))}。")
        if not result.filled:
            self.stdout.write("没有需要补齐的年份。")
