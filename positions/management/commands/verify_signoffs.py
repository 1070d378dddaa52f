"""python manage.py verify_signoffs: recompute the keyed sign-off chain and name every row forged,
changed, inserted, removed or renumbered since it was written, and every item whose state the chain
does not support. Exits non-zero when anything is wrong, so a cron job or CI notices.

``--anchors DIR`` also checks the anchors there (every anchored row must still have its hash);
``--digest X`` checks that the anchor with digest X (printed on a review form) is there and holds;
``--anchor`` writes a new anchor of the head after a successful verification.
``--processes N`` walks the chain in N parts at once (default: the machine's cores, at most 4);
the result is the same as one pass's (``positions.selectors.verify_signoff_chain``)."""

import argparse
import os
import time

from django.core.management.base import BaseCommand, CommandError

from ideology_office.common import anchors
from positions.chain import CHAIN_NAME
from positions.models import SignOffChainHead
from positions.selectors import verify_signoff_chain


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"进程数应为正整数，而不是“{text}”。")
    return value


class Command(BaseCommand):
    help = "核验“三审三校”签批记录链：发现被伪造、改动、插入、删除或截断的记录时列出并以非零状态退出。"
    # A cron job's verification of the record needs no check of the project's configuration
    # (a second or two of start-up at county scale, see bench/README-signoffs.md).
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument("--anchors", metavar="DIR", help="同时核对此目录中的锚点文件")
        parser.add_argument("--digest", help="核对摘要为此值的锚点（审签单、台账页脚上印的摘要）")
        parser.add_argument("--anchor", action="store_true", help="核验通过后把当前链头写入锚点文件")
        parser.add_argument(
            "--processes",
            type=_positive,
            default=min(4, os.cpu_count() or 1),
            help="分段并行核验所用的进程数（默认为本机处理器核数，至多 4）",
        )

    def handle(self, *args, **options):
        started = time.perf_counter()
        directory = options["anchors"] or (anchors.anchor_dir() if options["digest"] else None)
        result = verify_signoff_chain(
            anchors_dir=directory, digest=options["digest"], processes=options["processes"]
        )
        seconds = time.perf_counter() - started
        if result.problems:
            self.stderr.write(f"首个问题：{result.problems[0]}")
            for problem in result.problems:
                self.stderr.write(problem)
            raise CommandError(f"签批记录链核验未通过：发现 {len(result.problems)} 处问题。")
        self.stdout.write(
            self.style.SUCCESS(
                f"签批记录链完整：共 {result.rows} 条记录，未发现伪造、改动或删除（用时 {seconds:.2f} 秒）。"
            )
        )
        if options["anchor"]:
            head = SignOffChainHead.objects.filter(pk=1).first()
            anchor = anchors.write_anchor(
                CHAIN_NAME,
                head.last_sequence if head else 0,
                head.last_hash if head else anchors.GENESIS_HASH,
            )
            self.stdout.write(f"已写入锚点：#{anchor.sequence}，摘要 {anchor.digest}")
