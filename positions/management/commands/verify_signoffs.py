"""python manage.py verify_signoffs: recompute the sign-off chain and name every row changed or
removed since it was written. Exits non-zero when anything is wrong, so a cron job or CI notices."""

from django.core.management.base import BaseCommand, CommandError

from positions.models import SignOff
from positions.selectors import signoff_chain_problems


class Command(BaseCommand):
    help = "核验“三审三校”签批记录链：发现被改动或删除的记录时列出并以非零状态退出。"

    def handle(self, *args, **options):
        problems = signoff_chain_problems()
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            raise CommandError(f"签批记录链核验未通过：发现 {len(problems)} 处问题。")
        self.stdout.write(
            self.style.SUCCESS(f"签批记录链完整：共 {SignOff.objects.count()} 条记录，未发现改动或删除。")
        )
