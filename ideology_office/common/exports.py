"""Every download of records is audited, in one place (等级保护: personal information protection).

A download is any response served as an attachment (``Content-Disposition: attachment``) to a
signed-in person: ledgers and their .zip, the duty roster, study records and bulletins, score
sheets, review forms, evidence files, the audit trail's own export. :class:`ExportAuditMiddleware`
writes one :class:`~ideology_office.accounts.models.DataExport` for each: who, from which address,
what (the file name and the page), the filters (query string and URL arguments) and the number of
rows. Creating it writes its entry of the audit trail, which only the 审计管理员 reads.

Views do nothing for it: :func:`~ideology_office.common.spreadsheets.xlsx_response` counts its rows
itself; a view serving another format may say how many records it holds with :func:`export_rows`.
A new download view is audited the day it is added (``tests/common/test_exports.py`` walks every
URL and fails on a download without its record).
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from django.http import HttpResponse

ROWS_ATTRIBUTE = "export_rows"
_FILENAME_STAR = re.compile(r"filename\*=UTF-8''([^;]+)", re.IGNORECASE)
_FILENAME = re.compile(r'filename="?([^";]+)"?', re.IGNORECASE)


def export_rows(response: HttpResponse, rows: int) -> HttpResponse:
    """Say how many records the download holds (for formats that do not count themselves)."""
    setattr(response, ROWS_ATTRIBUTE, rows)
    return response


def is_download(response) -> bool:
    return response.get("Content-Disposition", "").lower().startswith("attachment")


def download_name(response) -> str:
    disposition = response.get("Content-Disposition", "")
    found = _FILENAME_STAR.search(disposition)
    if found:
        return unquote(found.group(1))
    found = _FILENAME.search(disposition)
    return found.group(1) if found else ""


def _filters(request) -> dict:
    """The query string and the URL's own arguments (ids, year, month, ledger key)."""
    filters = {key: values if len(values) > 1 else values[0] for key, values in request.GET.lists()}
    match = getattr(request, "resolver_match", None)
    if match is not None:
        filters.update({key: str(value) for key, value in match.kwargs.items()})
    if request.method == "POST" and "_selected_action" in request.POST:
        # An admin action's download (the audit export): which rows were selected.
        filters["selected"] = request.POST.getlist("_selected_action")
    return filters


def record_export(request, response) -> None:
    """Write the record of one download served to ``request.user``."""
    from ideology_office.accounts.models import DataExport

    from .audit import audit_context

    user = request.user
    match = getattr(request, "resolver_match", None)
    page = ""
    if match is not None:
        page = match.view_name or ""
    address = request.META.get("REMOTE_ADDR") or None
    with audit_context(user=user, remote_addr=address):
        DataExport.objects.create(
            user=user,
            actor_label=user.get_username()[:150],
            remote_addr=address,
            what=(download_name(response) or request.path)[:255],
            page=page[:100],
            path=request.get_full_path()[:500],
            filters=_filters(request),
            row_count=getattr(response, ROWS_ATTRIBUTE, None),
        )


class ExportAuditMiddleware:
    """Records every download served to a signed-in person (see the module's description)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and response.status_code == 200
            and is_download(response)
        ):
            record_export(request, response)
        return response
