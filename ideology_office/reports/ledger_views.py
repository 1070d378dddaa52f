"""The ledgers page for inspectors: every ledger of a period with its number of records, each
downloadable as Excel, and all of them at once as a .zip with the index of their evidence files.

A ledger small enough (``LEDGER_EXPORT_ROW_THRESHOLD`` records) downloads at once; "download all"
and a larger ledger are written by a worker (``services.ledger_export_request``): the person
follows a progress bar on the job's page, the inbox says when the file is ready, and the file is
kept a day in the private storage, for its requester only."""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from ideology_office.common.downloads import XLSX_CONTENT_TYPE, ZIP_CONTENT_TYPE, download
from ideology_office.common.exports import export_rows
from ideology_office.common.policies import visible_to
from ideology_office.common.query_params import DateInRangeField
from ideology_office.common.spreadsheets import xlsx_response

from .ledgers import ledger_for, ledgers
from .models import LedgerExport
from .permissions import access_ledger_export, can_read_reports
from .services import ledger_export_request, ledger_export_runs_in_background


class LedgerPeriodForm(forms.Form):
    start = DateInRangeField(
        label=gettext_lazy("start date"),
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )
    end = DateInRangeField(
        label=gettext_lazy("end date"),
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            self.add_error("end", _("The end date comes before the start date."))
        return cleaned


def _require_reader(user) -> None:
    if not can_read_reports(user):
        raise PermissionDenied


def _period_form(request) -> LedgerPeriodForm:
    """The period asked for, or this calendar year."""
    if "start" in request.GET or "end" in request.GET:
        return LedgerPeriodForm(request.GET)
    year = timezone.localdate().year
    return LedgerPeriodForm({"start": datetime.date(year, 1, 1), "end": datetime.date(year, 12, 31)})


def _crumbs():
    return [(_("Annual work report"), reverse("reports:annual_figures")), (_("Work ledgers"), None)]


def _recent_exports(user):
    """The person's downloads written in the background that are still kept (one query)."""
    return list(
        visible_to(user, LedgerExport)
        .exclude(status=LedgerExport.Status.EXPIRED)
        .order_by("-created_at", "-pk")[:10]
    )


def _page(request, form: LedgerPeriodForm, *, status: int = 200):
    rows, period_query = [], ""
    if form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        period_query = urlencode({"start": start.isoformat(), "end": end.isoformat()})
        rows = []
        for ledger in ledgers():
            counts = ledger.counts(start, end)
            background = ledger_export_runs_in_background(ledger.key, counts["total"])
            rows.append({"ledger": ledger, **counts, "background": background})
    return render(
        request,
        "reports/ledgers.html",
        {
            "form": form,
            "rows": rows,
            "period_query": period_query,
            "exports": _recent_exports(request.user),
            "threshold": settings.LEDGER_EXPORT_ROW_THRESHOLD,
            "crumbs": _crumbs(),
        },
        status=status,
    )


@require_GET
def ledger_list(request):
    _require_reader(request.user)
    return _page(request, _period_form(request))


@require_GET
def ledger_download(request, key):
    _require_reader(request.user)
    ledger = ledger_for(key)
    if ledger is None:
        raise Http404
    form = _period_form(request)
    if not form.is_valid():
        return _page(request, form, status=400)
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    if ledger_export_runs_in_background(key, ledger.counts(start, end)["total"]):
        # Too many records to be written within a request: the page offers the background job.
        messages.info(
            request,
            _("%(ledger)s has too many records to download at once; use “Prepare download”.")
            % {"ledger": ledger.title},
        )
        return redirect(f"{reverse('reports:ledger_list')}?{request.GET.urlencode()}")
    return xlsx_response(ledger.filename(start, end), [ledger.sheet(start, end)])


@require_POST
def ledger_export_create(request):
    """Ask for a download written in the background: every ledger ("all") or a large one."""
    _require_reader(request.user)
    key = request.POST.get("ledger", "")
    form = LedgerPeriodForm(request.POST)
    if not form.is_valid():
        return _page(request, form, status=400)
    try:
        job = ledger_export_request(
            user=request.user,
            ledger_key=key,
            start=form.cleaned_data["start"],
            end=form.cleaned_data["end"],
            base_url=request.build_absolute_uri("/"),
        )
    except ValidationError as error:
        for message in error.messages:
            form.add_error(None, message)
        return _page(request, form, status=400)
    return redirect(job)


@require_GET
def ledger_export_detail(request, pk):
    """The job's page: a progress bar polled by htmx until the file is ready (or failed)."""
    job = access_ledger_export(request.user, pk)
    context = {
        "job": job,
        "crumbs": [*_crumbs()[:1], (_("Work ledgers"), reverse("reports:ledger_list")), (str(job), None)],
    }
    if request.htmx:
        return render(request, "reports/ledger_export.html#progress", context)
    return render(request, "reports/ledger_export.html", context)


@require_GET
def ledger_export_download(request, pk):
    """The file of a finished job, to its requester only (the download audit records it)."""
    job = access_ledger_export(request.user, pk)
    if job.status != LedgerExport.Status.DONE or not job.file:
        return redirect(job)
    try:
        handle = job.file.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    content_type = ZIP_CONTENT_TYPE if job.is_all else XLSX_CONTENT_TYPE
    return export_rows(download(handle, job.filename, content_type, private=True), job.rows_done)
