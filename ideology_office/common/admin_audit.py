"""The audit trail in the admin, for the 审计管理员 only (三员分立): read, filter by person, time
range, kind of record and record, export as Excel (the export is itself recorded), and archive the
entries older than the retention period. Nobody adds, changes or deletes an entry here."""

from __future__ import annotations

import datetime
import io

from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ideology_office.accounts import roles

from .audit import MASK, audit_context
from .audit_archive import archive_old_entries, archived_before, retention_days, write_workbook
from .downloads import XLSX_CONTENT_TYPE, download
from .trail import AuditArchive, AuditEntry


class AuditTrailAdmin(admin.ModelAdmin):
    """A part of the audit trail: read by the 审计管理员 only (三员分立), written by nobody here."""

    def has_module_permission(self, request):
        return roles.may_read_audit(request.user)

    def has_view_permission(self, request, obj=None):
        return roles.may_read_audit(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class TimeRangeFilter(admin.ListFilter):
    """Entries from one day to another (both included, local dates)."""

    title = gettext_lazy("time range")
    template = "admin/common/time_range_filter.html"
    parameters = ("since", "until")

    def __init__(self, request, params, model, model_admin):
        super().__init__(request, params, model, model_admin)
        for name in self.parameters:
            if name in params:
                value = params.pop(name)
                self.used_parameters[name] = value[-1] if isinstance(value, list) else value
        self.preserved = [
            (name, value)
            for name, values in request.GET.lists()
            if name not in (*self.parameters, "p")
            for value in values
        ]

    def has_output(self):
        return True

    def expected_parameters(self):
        return list(self.parameters)

    def _day(self, name):
        value = self.used_parameters.get(name)
        if not value:
            return None
        day = parse_date(value)
        if day is None:
            raise IncorrectLookupParameters(_("“%(value)s” is not a date.") % {"value": value})
        return day

    def queryset(self, request, queryset):
        since, until = self._day("since"), self._day("until")
        zone = timezone.get_current_timezone()
        if since is not None:
            queryset = queryset.filter(timestamp__gte=datetime.datetime.combine(since, datetime.time(), zone))
        if until is not None:
            end = datetime.datetime.combine(until + datetime.timedelta(days=1), datetime.time(), zone)
            queryset = queryset.filter(timestamp__lt=end)
        return queryset

    def choices(self, changelist):
        yield {
            "since": self.used_parameters.get("since", ""),
            "until": self.used_parameters.get("until", ""),
            "preserved": self.preserved,
        }


class ArchivedFilter(admin.SimpleListFilter):
    title = gettext_lazy("archived")
    parameter_name = "archived"

    def lookups(self, request, model_admin):
        return [("yes", _("Archived")), ("no", _("Not archived"))]

    def queryset(self, request, queryset):
        cutoff = archived_before()
        if self.value() == "yes":
            return queryset.filter(timestamp__lt=cutoff) if cutoff else queryset.none()
        if self.value() == "no" and cutoff:
            return queryset.filter(timestamp__gte=cutoff)
        return queryset


def _field_label(model, name: str) -> str:
    if model is None:
        return name
    for field in model._meta.get_fields():
        if getattr(field, "attname", None) == name or field.name == name:
            return str(getattr(field, "verbose_name", name))
    return {"grant": _("grant"), "revoke": _("revoke")}.get(name, name)


def _value(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, list):
        return "、".join(_value(item) for item in value) or "—"
    if value is True:
        return _("Yes")
    if value is False:
        return _("No")
    return str(value)


@admin.register(AuditEntry)
class AuditEntryAdmin(AuditTrailAdmin):
    """The audit trail, read-only for everyone: nobody adds, changes or deletes an entry."""

    list_display = ("timestamp", "who", "action", "is_bulk", "content_type", "object_pk", "object_repr")
    list_filter = (
        TimeRangeFilter,
        ("actor", admin.RelatedOnlyFieldListFilter),
        "content_type",
        "action",
        "is_bulk",
        ArchivedFilter,
    )
    search_fields = ("actor_label", "actor__real_name", "object_pk", "object_repr")
    date_hierarchy = "timestamp"
    list_select_related = ("content_type", "actor")
    fields = (
        "timestamp",
        "who",
        "actor_label",
        "remote_addr",
        "action",
        "is_bulk",
        "content_type",
        "object_pk",
        "object_repr",
        "changes_table",
        "sequence",
        "chain_hash",
        "archived",
    )
    readonly_fields = fields
    show_full_result_count = False
    actions = ["export_excel"]

    class Media:
        css = {"all": ("css/admin-audit.css",)}

    @admin.display(description=gettext_lazy("who"), ordering="actor__real_name")
    def who(self, entry):
        # The real name (姓名) of the person; the login name as recorded when there is none.
        actor = entry.actor if entry.actor_id else None
        return (actor.real_name if actor is not None else "") or entry.actor_label

    @admin.display(description=gettext_lazy("archived"), boolean=True)
    def archived(self, entry):
        cutoff = archived_before()
        return bool(cutoff and entry.timestamp < cutoff)

    @admin.display(description=gettext_lazy("changes"))
    def changes_table(self, entry):
        """Old → new for a change; the values for a creation or deletion; a summary for a batch."""
        changes = entry.changes or {}
        model = entry.content_type.model_class() if entry.content_type_id else None
        if "rows" in changes and "source" in changes:
            return format_html(
                '<p class="audit-summary">{}</p>',
                _("%(count)s rows from “%(source)s”")
                % {"count": changes.get("count"), "source": changes.get("source")},
            )
        if not changes:
            return "—"
        if entry.action == AuditEntry.Action.UPDATE:
            rows = format_html_join(
                "",
                "<tr><th scope='row'>{}</th><td>{}</td><td>{}</td></tr>",
                (
                    (
                        _field_label(model, name),
                        _value(value[0]) if isinstance(value, list) and len(value) == 2 else MASK,
                        _value(value[1]) if isinstance(value, list) and len(value) == 2 else _value(value),
                    )
                    for name, value in changes.items()
                ),
            )
            return format_html(
                '<table class="audit-changes"><thead><tr><th scope="col">{}</th><th scope="col">{}</th>'
                '<th scope="col">{}</th></tr></thead><tbody>{}</tbody></table>',
                _("changed field"),
                _("old value"),
                _("new value"),
                rows,
            )
        rows = format_html_join(
            "",
            "<tr><th scope='row'>{}</th><td>{}</td></tr>",
            ((_field_label(model, name), _value(value)) for name, value in changes.items()),
        )
        return format_html(
            '<table class="audit-changes"><thead><tr><th scope="col">{}</th><th scope="col">{}</th></tr>'
            "</thead><tbody>{}</tbody></table>",
            _("changed field"),
            _("value"),
            rows,
        )

    def get_actions(self, request):
        from ideology_office.accounts.audit_export import export_audit_entries

        actions = super().get_actions(request)
        if roles.may_read_audit(request.user):
            actions["export_audit_entries"] = self.get_action(export_audit_entries)
        else:
            actions.pop("export_excel", None)
        return actions

    @admin.action(description=gettext_lazy("Export the selected entries (Excel)"))
    def export_excel(self, request, queryset):
        if not roles.may_read_audit(request.user):
            raise PermissionDenied
        from ideology_office.accounts.audit_export import record_export

        buffer = io.BytesIO()
        count = write_workbook(queryset, buffer)
        record_export(request, count=count, kind="xlsx")
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
        return download(buffer.getvalue(), f"audit-{stamp}.xlsx", XLSX_CONTENT_TYPE, private=True)


@admin.register(AuditArchive)
class AuditArchiveAdmin(AuditTrailAdmin):
    """The archives of the trail, and the 审计管理员's button to archive what is past retention."""

    list_display = (
        "created_at",
        "created_by",
        "cutoff",
        "entry_count",
        "first_sequence",
        "last_sequence",
        "file_name",
        "sha256",
    )
    readonly_fields = [field.name for field in AuditArchive._meta.fields]
    change_list_template = "admin/common/auditarchive/change_list.html"

    def get_urls(self):
        return [
            path(
                "archive/", self.admin_site.admin_view(self.archive_view), name="common_auditarchive_archive"
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "retention_days": retention_days()}
        return super().changelist_view(request, extra_context)

    def archive_view(self, request):
        if not roles.may_read_audit(request.user):
            raise PermissionDenied
        target = reverse("admin:common_auditarchive_changelist")
        if request.method != "POST":
            return HttpResponseRedirect(target)
        try:
            with audit_context(user=request.user, remote_addr=request.META.get("REMOTE_ADDR")):
                archive = archive_old_entries(user=request.user)
        except ValidationError as error:
            self.message_user(request, "；".join(error.messages), messages.WARNING)
        else:
            self.message_user(
                request,
                _("%(count)s entries archived to %(name)s (SHA-256 %(sha)s); they stay in the trail.")
                % {"count": archive.entry_count, "name": archive.file_name, "sha": archive.sha256},
                messages.SUCCESS,
            )
        return HttpResponseRedirect(target)
