"""python manage.py archive_audit --user 审计管理员的登录名 [--output DIR]: export the audit entries
older than the retention period (AUDIT_RETENTION_DAYS, at least 180 days) to an Excel workbook
with a SHA-256 and a manifest, recorded in the trail. Nothing is deleted."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from ideology_office.accounts.models import User
from ideology_office.common.audit import audit_context
from ideology_office.common.audit_archive import archive_old_entries


class Command(BaseCommand):
    help = "归档超过保存期限的审计记录（Excel、SHA-256 摘要和清单；不删除任何记录），只有审计管理员可以执行。"

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, help="审计管理员的登录名")
        parser.add_argument("--output", metavar="DIR", help="归档目录（默认 AUDIT_ARCHIVE_DIR）")

    def handle(self, *args, **options):
        user = User.objects.filter(username=options["user"], is_active=True).first()
        if user is None:
            raise CommandError(f"没有登录名为 {options['user']} 的在用账号。")
        try:
            with audit_context(user=user, label=f"{user.get_username()}（archive_audit）"):
                archive = archive_old_entries(user=user, directory=options["output"])
        except PermissionDenied as error:
            raise CommandError(f"拒绝：{error}") from error
        except ValidationError as error:
            raise CommandError("；".join(error.messages)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"已归档 {archive.entry_count} 条审计记录：{archive.file_name}，SHA-256 {archive.sha256}。"
                "记录仍保留在审计日志中。"
            )
        )
