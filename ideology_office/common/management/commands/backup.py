from django.core.management.base import BaseCommand, CommandError

from ideology_office.common.audit import audit_context
from ideology_office.common.backup import BackupError, backup_create


class Command(BaseCommand):
    help = "备份数据库和佐证材料，并写入带 SHA-256 的清单（manifest.json）。"

    def add_arguments(self, parser):
        parser.add_argument("--output", required=True, help="备份存放目录，每次备份在其下新建一个子目录")
        parser.add_argument("--keep", type=int, default=None, help="只保留最新的 N 份备份")

    def handle(self, *args, output, keep, **options):
        if keep is not None and keep < 1:
            raise CommandError("--keep 必须是不小于 1 的整数。")
        try:
            with audit_context(label="manage.py backup"):
                result = backup_create(output=output, keep=keep)
        except (BackupError, OSError) as error:
            raise CommandError(f"备份失败：{error}") from error
        self.stdout.write(f"备份完成：{result.path}（{result.files} 个文件，{result.bytes} 字节）")
