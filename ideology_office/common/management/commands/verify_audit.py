"""python manage.py verify_audit: chain any entry still waiting, then walk the keyed audit chain and
name every entry forged, changed, inserted, removed or renumbered since it was written. Exits
non-zero when anything is wrong, so a cron job or CI notices.

``--anchors DIR`` also checks the anchors there (every anchored entry must still have its hash);
``--digest X`` checks that the anchor with digest X is there and holds; ``--anchor`` writes a new
anchor of the head after a successful verification."""

import time

from django.core.management.base import BaseCommand, CommandError

from ideology_office.common import anchors
from ideology_office.common.audit_chain import audit_head, seal_pending, verify_audit_chain
from ideology_office.common.trail import AUDIT_CHAIN_NAME


class Command(BaseCommand):
    help = "核验审计日志链：发现被伪造、改动、插入、删除或截断的审计记录时列出并以非零状态退出。"

    def add_arguments(self, parser):
        parser.add_argument("--anchors", metavar="DIR", help="同时核对此目录中的锚点文件")
        parser.add_argument("--digest", help="核对摘要为此值的锚点")
        parser.add_argument("--anchor", action="store_true", help="核验通过后把当前链头写入锚点文件")
        parser.add_argument("--no-seal", action="store_true", help="不先为等待入链的记录入链，只核验")

    def handle(self, *args, **options):
        started = time.perf_counter()
        if not options["no_seal"]:
            seal_pending()
        directory = options["anchors"] or (anchors.anchor_dir() if options["digest"] else None)
        result = verify_audit_chain(anchors_dir=directory, digest=options["digest"])
        seconds = time.perf_counter() - started
        if result.problems:
            self.stderr.write(f"首个问题：{result.problems[0]}")
            for problem in result.problems:
                self.stderr.write(problem)
            raise CommandError(f"审计日志链核验未通过：发现 {len(result.problems)} 处问题。")
        self.stdout.write(
            self.style.SUCCESS(
                f"审计日志链完整：共 {result.rows} 条记录，未发现伪造、改动或删除（用时 {seconds:.2f} 秒）。"
            )
        )
        if options["anchor"]:
            anchor = anchors.write_anchor(AUDIT_CHAIN_NAME, *audit_head())
            self.stdout.write(f"已写入锚点：#{anchor.sequence}，摘要 {anchor.digest}")
