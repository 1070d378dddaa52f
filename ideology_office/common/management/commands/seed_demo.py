"""python manage.py seed_demo: a fictional county office to try the product with.

People come first (``accounts.demo``), then each work area's ``demo`` as its contract declares it
(``<app>/contract.py``), in the order of INSTALLED_APPS, so people exist before the records that
name them. Idempotent: what exists is left as it is, and a second run changes nothing.

``--scale N`` (N > 1) then adds a county's worth of synthetic records in bulk, proportional to N
(:mod:`ideology_office.common.scale`); a second run finds them and adds nothing.
"""

import os
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from ideology_office.accounts import demo as people_demo
from ideology_office.common import rollups
from ideology_office.common import scale as scale_data
from ideology_office.common.audit import audit_context
from ideology_office.common.contracts import contracts

PEOPLE = "accounts"


class Command(BaseCommand):
    help = "创建演示用的虚构县委办公室数据（可重复运行，不会重复创建）。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--password",
            help="给新建的演示账号统一设置此密码（默认每人随机生成）。",
        )
        parser.add_argument(
            "--only",
            default="",
            help="只生成这些应用的演示数据（逗号分隔的应用标签，如 accounts,study）；人员（accounts）总是先生成。",
        )
        parser.add_argument(
            "--logins-file",
            default=str(settings.BASE_DIR / "var" / "demo_logins.txt"),
            help="新建账号的登录名和密码追加写入此文件（仅本机可读），默认 var/demo_logins.txt。",
        )
        parser.add_argument(
            "--scale",
            default="1",
            help="数据规模 N（不小于 1 的整数）：1 为办公室演示数据；大于 1 时再按 N 批量生成县域规模的模拟数据"
            "（N=100 约 300 个股室、1 万人、200 万条学习与积分记录、5 万项整改任务、20 万条信息）。",
        )

    def handle(self, *args, password=None, logins_file=None, only="", scale="1", **options):
        if password is not None and len(password) < 10:
            raise CommandError("演示密码至少需要 10 个字符。")
        scale = self._scale(scale)
        if scale > 1 and only:
            raise CommandError("--scale 大于 1 时不能与 --only 同时使用：规模数据需要全部演示数据。")
        seeded = [(PEOPLE, people_demo.seed)] + [
            (contract.label, contract.demo) for contract in contracts() if contract.demo is not None
        ]
        wanted = {label.strip() for label in only.split(",") if label.strip()}
        unknown = wanted - {label for label, _seed in seeded}
        if unknown:
            raise CommandError(f"没有这些应用的演示数据：{'、'.join(sorted(unknown))}。")
        if wanted:
            seeded = [(label, seed) for label, seed in seeded if label in wanted | {PEOPLE}]
        created_logins = []
        # The summaries are rebuilt once at the end, in the same transaction (rollups.deferred).
        with audit_context(label="seed_demo"), transaction.atomic(), rollups.deferred():
            for label, seed in seeded:
                result = seed(password=password, log=self.stdout.write)
                if label == PEOPLE:
                    created_logins = result
        if not created_logins:
            self.stdout.write(self.style.SUCCESS("演示数据已是最新，未作任何改动。"))
        else:
            self._save_logins(created_logins, Path(logins_file))
            self.stdout.write(
                self.style.SUCCESS(f"新建演示账号 {len(created_logins)} 个（密码只显示这一次）：")
            )
            for username, login_password, real_name, roles in created_logins:
                self.stdout.write(f"  {username:<14} {login_password:<16} {real_name}（{roles}）")
        if scale > 1:
            self._seed_scale(scale)

    def _scale(self, value) -> int:
        text = str(value).strip()
        if isinstance(value, bool) or not text.isdecimal() or int(text) < 1:
            raise CommandError(f"--scale 必须是不小于 1 的整数（收到“{value}”）。")
        return int(text)

    def _seed_scale(self, scale: int) -> None:
        present = scale_data.present()
        if present["sections"] or present["people"]:
            self.stdout.write(
                self.style.SUCCESS(
                    f"规模数据已存在（{present['sections']:,} 个模拟股室、{present['people']:,} 名模拟人员），"
                    f"未重复生成。"
                )
            )
            return
        self.stdout.write(f"生成规模数据（--scale {scale}）：")
        started = time.perf_counter()
        with audit_context(label="seed_demo"), transaction.atomic(), rollups.deferred():
            scale_data.generate(
                scale_data.Sizes.for_scale(scale), source=f"seed_demo --scale {scale}", log=self.stdout.write
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"规模数据（--scale {scale}）已生成，用时 {time.perf_counter() - started:.1f} 秒。"
            )
        )

    def _save_logins(self, logins, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # A new file is created readable by its owner only; an existing one (or a device such as
        # /dev/null) keeps its mode: the command never changes the permissions of a path it is given.
        descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(descriptor, "a", encoding="utf-8") as handle:
            for username, login_password, real_name, roles in logins:
                handle.write(f"{username}\t{login_password}\t{real_name}\t{roles}\n")
        self.stdout.write(f"登录名和密码已保存到 {path}（仅本机可读）。")
