"""python manage.py annual_report --since 2021 --until 2023 --output report.docx"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from ideology_office.reports.document import ReportTemplateError
from ideology_office.reports.forms import ReportPeriodForm
from ideology_office.reports.selectors import annual_report_bytes


class Command(BaseCommand):
    help = "Write the annual work report (Word) for a period, every figure counted from the records."

    def add_arguments(self, parser):
        parser.add_argument("--since", required=True, help="first year, e.g. 2021")
        parser.add_argument("--until", required=True, help="last year, e.g. 2023")
        parser.add_argument("--output", required=True, help="the .docx file to write")
        parser.add_argument(
            "--focus-tags", default="", help="topic tags counted apart, e.g. 意识形态,网络安全"
        )

    def handle(self, *args, since, until, output, focus_tags, **options):
        form = ReportPeriodForm({"since": since, "until": until, "focus_tags": focus_tags})
        if not form.is_valid():
            messages = [
                f"{form.fields[name].label}：{' '.join(errors)}" for name, errors in form.errors.items()
            ]
            raise CommandError("；".join(str(message) for message in messages))
        path = Path(output)
        if path.suffix.lower() != ".docx":
            raise CommandError(_("The output file must end in .docx."))
        if not path.parent.exists():
            raise CommandError(_("The folder %(folder)s does not exist.") % {"folder": path.parent})
        try:
            content = annual_report_bytes(
                since=form.cleaned_data["since"],
                until=form.cleaned_data["until"],
                focus_tags=form.focus_tag_list() or None,
            )
        except ReportTemplateError as error:
            raise CommandError(str(error)) from error
        # Written whole in one step: a failed run leaves no half-written report behind.
        temporary = path.with_name(f".{path.name}.part")
        temporary.write_bytes(content)
        temporary.replace(path)
        self.stdout.write(_("Report written to %(path)s.") % {"path": path})
