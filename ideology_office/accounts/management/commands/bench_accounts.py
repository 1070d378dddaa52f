"""``python manage.py bench_accounts --password …``: lets the load test (bench/load.py) sign in as
the synthetic people of ``seed_demo --scale N``, whose passwords are otherwise unusable.

Sets one password on the synthetic people only (user names ``scale-…``), and gives those whose
roles require a second factor a TOTP device with a known key (``--totp-key``), so the load test
computes their codes. Refuses, writing nothing, when the database holds no synthetic data, when
the password breaks the password rules, and under production-like settings (DEBUG off) unless
``--allow-production-settings`` says this is a copy made for benchmarking. Every changed account
is an entry of the audit trail, done by "bench_accounts".
"""

import re

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from ideology_office.accounts.services import enable_bench_sign_in
from ideology_office.common.audit import audit_context

HEX_KEY = re.compile(r"[0-9a-fA-F]{40}")


class Command(BaseCommand):
    help = "为压测（bench/load.py）给模拟人员（scale- 开头）统一设置密码，并为须用动态口令的人绑定已知密钥的动态口令。"

    def add_arguments(self, parser):
        parser.add_argument("--password", required=True, help="模拟人员的统一密码（须符合口令规则）。")
        parser.add_argument(
            "--totp-key",
            required=True,
            help="动态口令密钥，40 位十六进制数字（20 字节）；压测据此计算六位动态口令。",
        )
        parser.add_argument(
            "--allow-production-settings",
            action="store_true",
            help="在生产设置（DEBUG 关闭）下也运行：仅用于压测用的数据库副本。",
        )

    def handle(self, *args, password, totp_key, allow_production_settings=False, **options):
        if not settings.DEBUG and not allow_production_settings:
            raise CommandError(
                "当前是生产设置（DEBUG 关闭），未作任何改动。本命令只用于压测用的数据库副本；"
                "确认后加 --allow-production-settings 再运行。"
            )
        if not HEX_KEY.fullmatch(totp_key or ""):
            raise CommandError("动态口令密钥须为 40 位十六进制数字（20 字节），未作任何改动。")
        try:
            validate_password(password)
        except ValidationError as error:
            reasons = "；".join(message.rstrip("。.") for message in error.messages)
            raise CommandError(f"密码不符合口令规则：{reasons}。未作任何改动。") from error
        try:
            with audit_context(label="bench_accounts"):
                done = enable_bench_sign_in(password=password, totp_key=totp_key.lower())
        except ValueError as error:
            raise CommandError(
                "数据库中没有模拟人员（用户名以 scale- 开头），未作任何改动。本命令只为 "
                "seed_demo --scale N 生成的模拟人员设置密码，请先生成规模数据。"
            ) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"已为 {done['people']:,} 名模拟人员设置压测密码，"
                f"为其中 {done['devices']:,} 名须用动态口令的人绑定了压测用动态口令（名称 bench）。"
            )
        )
