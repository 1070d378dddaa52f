"""The 审计管理员's export of the audit trail (actions of the audit trail's admin page): the
selected entries as CSV here, as Excel in ``ideology_office.common.admin_audit``; every export is
itself recorded (:func:`record_export`)."""

import csv
import io
import json

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ideology_office.common.downloads import CSV_CONTENT_TYPE, download

from . import roles
from .models import SecurityEvent
from .signin import record_event


@admin.action(description=gettext_lazy("Export the selected entries (CSV)"))
def export_audit_entries(modeladmin, request, queryset):
    if not roles.may_read_audit(request.user):
        raise PermissionDenied
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    buffer = io.StringIO()
    buffer.write("\ufeff")  # Excel opens UTF-8 with a byte order mark
    writer = csv.writer(buffer)
    writer.writerow(
        [
            _("time"),
            _("who"),
            _("address"),
            _("action"),
            _("record type"),
            _("record id"),
            _("record"),
            _("changes"),
        ]
    )
    count = 0
    for entry in queryset.select_related("content_type").order_by("timestamp", "pk").iterator():
        writer.writerow(
            [
                timezone.localtime(entry.timestamp).isoformat(),
                entry.actor_label,
                entry.remote_addr or "",
                entry.action,
                f"{entry.content_type.app_label}.{entry.content_type.model}",
                entry.object_pk,
                entry.object_repr,
                json.dumps(entry.changes, ensure_ascii=False, default=str),
            ]
        )
        count += 1
    record_export(request, count=count, kind="csv")
    return download(buffer.getvalue().encode(), f"audit-{stamp}.csv", CSV_CONTENT_TYPE)


def record_export(request, *, count: int, kind: str) -> None:
    """The export is itself in the trail: a sign-in event "audit trail exported" (with address
    and browser) and its audit entry."""
    record_event(SecurityEvent.Kind.AUDIT_EXPORTED, request, user=request.user)
