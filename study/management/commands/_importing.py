"""What the two import commands share: read the file, run the pipeline, list every error.

``--user`` names the person the import is done for (their login name): the pipeline then applies
that person's rights exactly as on the import page: rows may create only what they may create
and update only the records they may change. Without it the command runs as the system (the
server's operator loading a ledger), recorded in the audit trail under the command's label."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from ideology_office.common.audit import audit_context

from ...imports import import_file


class ImportCommand(BaseCommand):
    kind = ""

    def add_arguments(self, parser):
        parser.add_argument("file", help="要导入的 .xlsx 或 .csv 文件。")
        parser.add_argument("--dry-run", action="store_true", help="只检查，不写入。")
        parser.add_argument(
            "--user",
            help="以此登录名的人员身份导入，按其权限检查每一行（只能新建、修改其有权新建、修改的记录）。",
        )

    def handle(self, *args, file, dry_run=False, user=None, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"找不到文件：{path}")
        person = self._person(user) if user else None
        data = path.read_bytes()
        with audit_context(user=person, label=f"{self.kind} import"):
            result = import_file(self.kind, data, path.name, user=person, dry_run=dry_run)
        if not result.ok:
            for error in result.errors:
                self.stderr.write(str(error))
            raise CommandError(f"共 {len(result.errors)} 处错误，未写入任何数据。")
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
