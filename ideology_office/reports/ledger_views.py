"""The ledgers page for inspectors: every ledger of a period with its number of records, each
downloadable as Excel, and all of them at once as a .zip with the index of their evidence files."""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from ideology_office.common.downloads import ZIP_CONTENT_TYPE, download
from ideology_office.common.query_params import DateInRangeField
from ideology_office.common.spreadsheets import xlsx_response

from .ledgers import archive_filename, ledger_for, ledgers, ledgers_zip
from .permissions import can_read_reports


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


def _page(request, form: LedgerPeriodForm, *, status: int = 200):
    rows, period_query = [], ""
    if form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        period_query = urlencode({"start": start.isoformat(), "end": end.isoformat()})
        rows = [{"ledger": ledger, **ledger.counts(start, end)} for ledger in ledgers()]
    return render(
        request,
        "reports/ledgers.html",
        {"form": form, "rows": rows, "period_query": period_query, "crumbs": _crumbs()},
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
    return xlsx_response(ledger.filename(start, end), [ledger.sheet(start, end)])


@require_GET
def ledger_download_all(request):
    _require_reader(request.user)
    form = _period_form(request)
    if not form.is_valid():
        return _page(request, form, status=400)
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    return download(
        ledgers_zip(start, end, absolute_url=request.build_absolute_uri),
        archive_filename(start, end),
        ZIP_CONTENT_TYPE,
    )
