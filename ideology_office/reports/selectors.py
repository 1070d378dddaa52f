"""Reads of the reports app: the template in use and the report built from the records."""

from __future__ import annotations

from .document import render_report
from .figures import annual_figures
from .models import ReportTemplate


def active_template_bytes() -> bytes | None:
    template = ReportTemplate.objects.filter(active=True).order_by("-created_at", "-pk").first()
    if template is None:
        return None
    with template.file.open("rb") as handle:
        return handle.read()


def annual_report_bytes(*, since: int, until: int, focus_tags=None) -> bytes:
    """The report's .docx for the years ``since`` to ``until`` with the template in use."""
    kwargs = {"focus_tags": focus_tags} if focus_tags else {}
    return render_report(annual_figures(since=since, until=until, **kwargs), active_template_bytes())
