"""The annual report's pages: the figures on one page (each linking to its records) and the Word
download, both for the period chosen in the same small form."""

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from ideology_office.common.downloads import DOCX_CONTENT_TYPE, download
from ideology_office.common.fragments import Deferred, fragment_context

from .document import ReportTemplateError, default_template_bytes
from .drilldown import page_of_rows
from .figures import DEFAULT_FOCUS_TAGS, annual_figures
from .forms import ReportPeriodForm
from .permissions import can_manage_report_templates, can_read_reports
from .selectors import annual_report_bytes


def _require_reader(user) -> None:
    if not can_read_reports(user):
        raise PermissionDenied


def _period_form(request) -> ReportPeriodForm:
    year = timezone.localdate().year
    data = request.GET if "since" in request.GET or "until" in request.GET else None
    initial = {"since": year - 2, "until": year, "focus_tags": "、".join(DEFAULT_FOCUS_TAGS)}
    return ReportPeriodForm(data or initial)


def _docx_response(content: bytes, filename: str) -> FileResponse:
    return download(content, filename, DOCX_CONTENT_TYPE)


def _figures_page(request, form, *, report=None, figures_key="", status=200, template_error=None):
    template = "reports/annual_figures.html#figures" if request.htmx else "reports/annual_figures.html"
    context = {
        "form": form,
        "report": report,
        # A cached page of figures is only reused for the same period and focus (see the template).
        "figures_key": figures_key,
        "template_error": template_error,
        "crumbs": [(_("Annual work report"), None)],
        **fragment_context(),
    }
    return render(request, template, context, status=status)


@require_GET
def annual_figures_view(request):
    """The figures are counted lazily: only when the page of these years is not cached since the
    last write (common/fragments.py)."""
    _require_reader(request.user)
    form = _period_form(request)
    if not form.is_valid():
        return _figures_page(request, form)
    since, until = form.cleaned_data["since"], form.cleaned_data["until"]
    tags = form.focus_tag_list() or DEFAULT_FOCUS_TAGS
    report = Deferred(lambda: annual_figures(since=since, until=until, focus_tags=tags))
    return _figures_page(request, form, report=report, figures_key=f"{since}-{until}-{'、'.join(tags)}")


@require_GET
def figure_records_view(request):
    """The records one figure of the report counts (or is computed from), for the same period and
    focus topics: as many rows as the figure says, for a reader who may see them all."""
    _require_reader(request.user)
    form = _period_form(request)
    if not form.is_valid():
        return _figures_page(request, form, status=400)
    tags = form.focus_tag_list() or DEFAULT_FOCUS_TAGS
    report = annual_figures(
        since=form.cleaned_data["since"], until=form.cleaned_data["until"], focus_tags=tags
    )
    key = request.GET.get("figure", "")
    if key not in report.records:
        return HttpResponseBadRequest(_("No such figure."))
    figure, records = report.figures[key], report.records[key]
    total, page_obj = page_of_rows(
        request.user,
        records.queryset,
        date_field=records.date_field,
        via=records.via,
        page=request.GET.get("page", 1),
    )
    back = reverse("reports:annual_figures") + "?" + report.period_query()
    context = {
        "figure": figure,
        "report": report,
        "total": total,
        "hidden": figure.value - total if figure.counts and figure.value > total else 0,
        "page_obj": page_obj,
        "period": _("%(since)d–%(until)d") % {"since": report.since, "until": report.until},
        "crumbs": [(_("Annual work report"), back), (str(figure.label), None)],
    }
    return render(request, "reports/figure_records.html", context)


@require_GET
def annual_report_download(request):
    _require_reader(request.user)
    form = _period_form(request)
    if not form.is_valid():
        return _figures_page(request, form, status=400)
    since, until = form.cleaned_data["since"], form.cleaned_data["until"]
    try:
        content = annual_report_bytes(since=since, until=until, focus_tags=form.focus_tag_list() or None)
    except ReportTemplateError as error:
        # Only a template uploaded before a change of the figures can fail here: say so.
        return _figures_page(request, form, status=409, template_error=str(error))
    return _docx_response(content, f"annual-report-{since}-{until}.docx")


@require_GET
def default_template_download(request):
    if not (can_manage_report_templates(request.user) or can_read_reports(request.user)):
        raise PermissionDenied
    return _docx_response(default_template_bytes(), "annual-report-template.docx")
