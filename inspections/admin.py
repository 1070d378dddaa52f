"""The Django admin of inspections: every save goes through the same services as the pages, so the
rules (close-out by someone other than the responsible person, 清仓见底, deadlines) hold here too.
State changes are not editable here at all; ledgers are voided, never deleted."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from ideology_office.common.admin import ConfigurationAdmin, ConfigurationInline, RecordAdmin

from . import services
from .models import (
    ChecklistItem,
    ChecklistResult,
    ChecklistTemplate,
    Extension,
    Finding,
    FindingCategory,
    Inspection,
    Mechanism,
    MechanismFinding,
    RectificationTask,
    TaskEvent,
)


@admin.register(FindingCategory)
class FindingCategoryAdmin(ConfigurationAdmin):
    list_display = ["name", "sort_order"]
    list_editable = ["sort_order"]


class ChecklistItemInline(ConfigurationInline, admin.TabularInline):
    model = ChecklistItem
    extra = 1


@admin.register(ChecklistTemplate)
class ChecklistTemplateAdmin(ConfigurationAdmin):
    parts = (ChecklistItem,)
    list_display = ["name", "is_active"]
    inlines = [ChecklistItemInline]


@admin.register(Inspection)
class InspectionAdmin(RecordAdmin):
    list_display = ["title", "source", "date", "status", "voided_at"]
    list_filter = ["source", "status"]
    search_fields = ["title"]
    date_hierarchy = "date"
    readonly_fields = ["status", "closed_at", "closed_by"]

    def get_readonly_fields(self, request, obj=None):
        # The checklist decides which results exist: fixed once the self-inspection has started.
        return [*self.readonly_fields, "checklist"] if obj else self.readonly_fields

    def save_through_service(self, request, obj, form, formsets, change):
        data = {name: form.cleaned_data[name] for name in ("source", "title", "date", "description")}
        if change:
            return services.inspection_update(inspection=obj, user=request.user, **data)
        return services.inspection_create(user=request.user, checklist=form.cleaned_data["checklist"], **data)


@admin.register(Finding)
class FindingAdmin(RecordAdmin):
    list_display = ["inspection", "number", "category", "status"]
    list_filter = ["status", "category", "inspection__source"]
    search_fields = ["description"]
    list_select_related = ["inspection", "category"]
    readonly_fields = ["number", "status", "closed_at", "closed_by"]
    actions = ["close_findings"]

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "inspection"] if obj else self.readonly_fields

    def save_through_service(self, request, obj, form, formsets, change):
        data = {name: form.cleaned_data[name] for name in ("category", "description")}
        if change:
            return services.finding_update(finding=obj, user=request.user, **data)
        return services.finding_create(inspection=form.cleaned_data["inspection"], user=request.user, **data)

    @admin.action(description=_("Close the selected findings"))
    def close_findings(self, request, queryset):
        self.run_service_each(
            request,
            queryset,
            lambda finding: services.finding_close(finding=finding, user=request.user),
            success=lambda count: _("Closed %(count)d findings.") % {"count": count},
        )


class TaskEventInline(admin.TabularInline):
    model = TaskEvent
    extra = 0
    can_delete = False
    fields = ["created_at", "kind", "actor", "note"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class ExtensionInline(admin.TabularInline):
    model = Extension
    extra = 0
    can_delete = False
    fields = ["requested_by", "original_deadline", "requested_deadline", "reason", "status", "decided_by"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(RectificationTask)
class RectificationTaskAdmin(RecordAdmin):
    list_display = ["measure_short", "responsible_person", "responsible_unit", "deadline", "state"]
    list_filter = ["state", "kind", "responsible_unit"]
    search_fields = ["measure", "finding__description"]
    list_select_related = ["responsible_person", "responsible_unit"]
    readonly_fields = ["state", "original_deadline", "progress", "closed_at", "closed_by", "close_note"]
    inlines = [TaskEventInline, ExtensionInline]

    @admin.display(description=_("rectification measure"))
    def measure_short(self, obj):
        return obj.measure[:40]

    def get_readonly_fields(self, request, obj=None):
        # The deadline moves only through an approved extension once the task exists.
        return [*self.readonly_fields, "finding", "deadline"] if obj else self.readonly_fields

    def save_through_service(self, request, obj, form, formsets, change):
        data = form.cleaned_data
        people = {
            "measure": data["measure"],
            "responsible_leader": data["responsible_leader"],
            "responsible_unit": data["responsible_unit"],
            "responsible_person": data["responsible_person"],
            "kind": data["kind"],
        }
        if change:
            return services.task_update(task=obj, user=request.user, **people)
        return services.task_create(
            finding=data["finding"], deadline=data["deadline"], user=request.user, **people
        )


@admin.register(Extension)
class ExtensionAdmin(RecordAdmin):
    list_display = ["task", "requested_by", "original_deadline", "requested_deadline", "status"]
    list_filter = ["status"]
    list_select_related = ["task", "requested_by"]
    actions = ["approve", "reject"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def _decide(self, request, queryset, approve):
        self.run_service_each(
            request,
            queryset,
            lambda extension: services.extension_decide(
                extension=extension, user=request.user, approve=approve, note=str(_("Decided in the admin"))
            ),
            success=lambda count: _("Decided %(count)d extensions.") % {"count": count},
        )

    @admin.action(description=_("Approve the selected extensions"))
    def approve(self, request, queryset):
        self._decide(request, queryset, True)

    @admin.action(description=_("Reject the selected extensions"))
    def reject(self, request, queryset):
        self._decide(request, queryset, False)


class MechanismFindingInline(admin.TabularInline):
    model = MechanismFinding
    extra = 1
    raw_id_fields = ["finding"]


@admin.register(Mechanism)
class MechanismAdmin(RecordAdmin):
    list_display = ["name", "document_number", "adopted_on"]
    search_fields = ["name", "document_number"]
    fields = services.MECHANISM_FIELDS
    inlines = [MechanismFindingInline]

    def save_through_service(self, request, obj, form, formsets, change):
        data = {name: form.cleaned_data[name] for name in services.MECHANISM_FIELDS}
        links = [
            row["finding"]
            for formset in formsets
            for row in (form.cleaned_data for form in formset.forms)
            if row and row.get("finding") and not row.get("DELETE")
        ]
        if change:
            mechanism = services.mechanism_update(mechanism=obj, user=request.user, **data)
            linked = set(mechanism.findings.values_list("pk", flat=True))
            for finding in links:
                if finding.pk not in linked:
                    services.mechanism_link(mechanism=mechanism, finding=finding, user=request.user)
            return mechanism
        return services.mechanism_create(user=request.user, findings=links, **data)


@admin.register(ChecklistResult)
class ChecklistResultAdmin(RecordAdmin):
    list_display = ["inspection", "item", "outcome", "finding"]
    list_filter = ["outcome"]
    list_select_related = ["inspection", "item", "finding"]
    readonly_fields = ["inspection", "item", "outcome", "note", "finding"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
