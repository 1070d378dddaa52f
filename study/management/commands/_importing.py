"""What the two import commands share: read the file, run the pipeline, list every error.

``--user`` names the person the import is done for (their login name): the pipeline then applies
that person's rights exactly as on the import page: rows may create only what they may create
and update only the records they may change. Without it the command runs as the system (the
server's operator loading a ledger), recorded in the audit trail under the command's label.

``--sheet`` names the worksheet to read when the workbook has more than one sheet with data.
Whatever the file holds, the command never ends in a traceback: a refused file or row is listed
in Chinese and the command exits non-zero with nothing written."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from ideology_office.common.audit import audit_context

from ...imports import ImportRefused, check_size, import_file


class ImportCommand(BaseCommand):
    kind = ""

    def add_arguments(self, parser):
        parser.add_argument("file", help="要导入的 .xlsx 或 .csv 文件。")
        parser.add_argument("--dry-run", action="store_true", help="只检查，不写入。")
        parser.add_argument(
            "--user",
            help="以此登录名的人员身份导入，按其权限检查每一行（只能新建、修改其有权新建、修改的记录）。",
        )
        parser.add_argument("--sheet", help="工作簿有多个含数据的工作表时，要导入的工作表名称。")

    def handle(self, *args, file, dry_run=False, user=None, sheet=None, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"找不到文件：{path}")
        person = self._person(user) if user else None
        try:
            # The size is checked before the file is read into memory.
            check_size(path.stat().st_size)
            data = path.read_bytes()
        except ImportRefused as refused:
            raise CommandError(f"{refused}未写入任何数据。") from refused
        except OSError as error:
            raise CommandError(f"无法读取文件：{path}（{error.strerror or error}）") from error
        with audit_context(user=person, label=f"{self.kind} import"):
            result = import_file(self.kind, data, path.name, user=person, dry_run=dry_run, sheet=sheet)
        if result.header_row > 1:
            self.stdout.write(f"表头在第 {result.header_row} 行，其上的标题行已跳过。")
        if not result.ok:
            for error in result.errors:
                self.stderr.write(str(error))
            if result.sheets:
                self.stderr.write("可用 --sheet 指定工作表：" + "、".join(result.sheets))
            raise CommandError(f"共 {len(result.errors)} 处错误，未写入任何数据。")
        for note in result.notes:
            self.stdout.write(note)
        verb = "检查通过" if dry_run else "导入完成"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb}：共 {result.total_rows} 行，新建 {result.created}，更新 {result.updated}，未变 {result.unchanged}。"
            )
        )

    def _person(self, username: str):
        try:
            return get_user_model().objects.get(username__iexact=username)
        except get_user_model().DoesNotExist as error:
            raise CommandError(f"找不到登录名为“{username}”的人员。") from error
