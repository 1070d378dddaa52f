"""What the two import commands share: read the file, run the pipeline, list every error."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ideology_office.common.audit import audit_context

from ...imports import import_file


class ImportCommand(BaseCommand):
    kind = ""

    def add_arguments(self, parser):
        parser.add_argument("file", help="要导入的 .xlsx 或 .csv 文件。")
        parser.add_argument("--dry-run", action="store_true", help="只检查，不写入。")

    def handle(self, *args, file, dry_run=False, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"找不到文件：{path}")
        data = path.read_bytes()
        with audit_context(label=f"{self.kind} import"):
            result = import_file(self.kind, data, path.name, user=None, dry_run=dry_run)
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
