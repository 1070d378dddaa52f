"""Writes of the reports app: only the Word template is ever written; figures are computed."""

from __future__ import annotations

from pathlib import PurePosixPath

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .document import ReportTemplateError, render_report
from .figures import annual_figures
from .models import ReportTemplate

MAX_TEMPLATE_BYTES = 5 * 1024 * 1024


def report_template_validate(uploaded_file) -> bytes:
    """The template's bytes if it is a .docx of sane size that renders with this year's figures;
    otherwise a ValidationError whose message tells the admin what to fix."""
    if PurePosixPath(uploaded_file.name).suffix.lower() != ".docx":
        raise ValidationError(_("Upload a Word document saved as .docx."), code="extension")
    if uploaded_file.size > MAX_TEMPLATE_BYTES:
        raise ValidationError(
            _("The template is larger than %(size)d MB.") % {"size": MAX_TEMPLATE_BYTES // 1024 // 1024},
            code="size",
        )
    content = uploaded_file.read()
    uploaded_file.seek(0)
    year = timezone.localdate().year
    try:
        render_report(annual_figures(since=year, until=year), content)
    except ReportTemplateError as error:
        raise ValidationError(str(error), code="render") from error
    return content


def report_template_upload(*, name: str, uploaded_file, user, note: str = "") -> ReportTemplate:
    """Store a new template and make it the one in use (the previous ones stay, inactive)."""
    report_template_validate(uploaded_file)
    template = ReportTemplate(name=name.strip(), note=note.strip(), active=True, created_by=user)
    template.full_clean(exclude=["file"])
    with transaction.atomic():
        for previous in ReportTemplate.objects.select_for_update().filter(active=True):
            previous.active = False
            previous.save(update_fields=["active", "updated_at"])
        template.file.save(PurePosixPath(uploaded_file.name).name, uploaded_file, save=False)
        stored_name, storage = template.file.name, template.file.storage
        try:
            template.save()
        except Exception:
            if stored_name:
                storage.delete(stored_name)
            raise
    return template
