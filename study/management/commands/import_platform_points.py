from ...models import ImportJob
from ._importing import ImportCommand


class Command(ImportCommand):
    help = "从学习平台导出的 Excel（.xlsx）或 CSV 文件导入学习积分；任何一行有错则全部不写入并列出所有错误。"
    kind = ImportJob.Kind.PLATFORM_POINTS
