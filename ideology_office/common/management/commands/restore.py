from django.core.management.base import BaseCommand, CommandError

from ideology_office.common.backup import BackupError, backup_counts, backup_restore, backup_verify


class Command(BaseCommand):
    help = "从备份目录恢复数据库和佐证材料；清单校验不通过时拒绝恢复，不做任何改动。"

    def add_arguments(self, parser):
        parser.add_argument("path", help="backup 命令生成的备份子目录")
        parser.add_argument("--yes", action="store_true", help="确认用备份覆盖当前数据库和佐证材料")
        parser.add_argument("--check", action="store_true", help="只校验备份，不恢复")

    def handle(self, *args, path, yes, check, **options):
        try:
            manifest = backup_verify(path)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"清单校验通过：{len(manifest['parts'])} 个文件，备份于 {manifest['created_at']}。")
        if check:
            return
        if not yes:
            raise CommandError("恢复会覆盖当前数据库和全部佐证材料；确认后加 --yes 再运行。")
        try:
            counts = backup_restore(path)
        except (BackupError, OSError) as error:
            raise CommandError(f"恢复失败：{error}") from error
        expected = backup_counts(path)
        differing = {
            label: (expected.get(label), count)
            for label, count in counts.items()
            if expected.get(label) != count
        }
        if differing:
            raise CommandError(f"恢复后记录数与备份时不同：{differing}")
        self.stdout.write(f"恢复完成：{sum(counts.values())} 行记录，与备份时一致。")
