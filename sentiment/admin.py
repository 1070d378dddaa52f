"""The admin: configuration (limits, holidays, patterns, matrices) edited directly; records go
through the same services as the pages, so their rules hold here too."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from ideology_office.common.admin import ConfigurationAdmin, ConfigurationInline, RecordAdmin
from ideology_office.common.privacy import PersonalDataAdminMixin

from . import services
from .models import (
    CalendarDay,
    DutyLogEntry,
    DutyRoster,
    DutyShift,
    Handover,
    InformationReport,
    OpinionIncident,
    OpinionReview,
    RiskItem,
    RiskMatrix,
    RiskMatrixCell,
    RotationMember,
    RotationPattern,
    SeverityTimeLimit,
    ShiftReassignment,
    ShiftSwap,
)


@admin.register(SeverityTimeLimit)
class SeverityTimeLimitAdmin(ConfigurationAdmin):
    list_display = ["severity", "report_within_minutes", "handle_within_minutes"]


@admin.register(CalendarDay)
class CalendarDayAdmin(ConfigurationAdmin):
    list_display = ["date", "kind", "name"]
    list_filter = ["kind"]
    date_hierarchy = "date"
    search_fields = ["name"]


class RotationMemberInline(ConfigurationInline, admin.TabularInline):
    model = RotationMember
    extra = 0
    autocomplete_fields = ["person"]


@admin.register(RotationPattern)
class RotationPatternAdmin(ConfigurationAdmin):
    parts = (RotationMember,)
    list_display = ["name", "start_time", "shift_hours", "is_active"]
    inlines = [RotationMemberInline]


class RiskMatrixCellInline(ConfigurationInline, admin.TabularInline):
    model = RiskMatrixCell
    extra = 0


@admin.register(RiskMatrix)
class RiskMatrixAdmin(ConfigurationAdmin):
    parts = (RiskMatrixCell,)
    list_display = ["name", "likelihood_levels", "impact_levels", "is_current"]
    inlines = [RiskMatrixCellInline]


@admin.register(OpinionIncident)
class OpinionIncidentAdmin(RecordAdmin):
    list_display = ["found_at", "severity", "field", "status", "reported_at", "handled_at", "voided_at"]
    list_filter = ["severity", "field", "status", "source"]
    search_fields = ["summary"]
    date_hierarchy = "found_at"
    autocomplete_fields = ["handled_by"]
    readonly_fields = ["status", "report_limit_minutes", "handle_limit_minutes"]

    def save_through_service(self, request, obj, form, formsets, change):
        data = {key: form.cleaned_data[key] for key in services.INCIDENT_FIELDS if key in form.cleaned_data}
        if change:
            return services.incident_update(incident=obj, user=request.user, **data)
        return services.incident_create(user=request.user, **data)

    def has_delete_permission(self, request, obj=None):
        return False


class DutyShiftInline(admin.TabularInline):
    model = DutyShift
    extra = 0
    fields = ["start", "end", "officer", "leader", "phone"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(DutyRoster)
class DutyRosterAdmin(RecordAdmin):
    list_display = ["month", "status", "pattern", "published_at", "published_by"]
    list_filter = ["status"]
    readonly_fields = ["status"]
    inlines = [DutyShiftInline]
    actions = ["publish"]

    @admin.action(description=_("Publish the selected rosters"))
    def publish(self, request, queryset):
        self.run_service_each(
            request,
            queryset,
            lambda roster: services.roster_publish(roster=roster, user=request.user),
            success=lambda count: _("Published %(count)d rosters.") % {"count": count},
        )


@admin.register(DutyShift)
class DutyShiftAdmin(PersonalDataAdminMixin, RecordAdmin):
    list_display = ["start", "end", "officer", "leader", "phone", "roster"]
    list_filter = ["roster__status"]
    date_hierarchy = "start"
    readonly_fields = ["roster", "start", "end", "officer", "leader", "phone"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(RecordAdmin):
    """Records written by the duty pages: read here, never edited behind the services' back."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ShiftSwap)
class ShiftSwapAdmin(ReadOnlyAdmin):
    list_display = ["shift", "requested_by", "counterpart", "status", "decided_by", "decided_at"]
    list_filter = ["status"]
    actions = ["approve"]

    def has_change_permission(self, request, obj=None):
        return obj is None and super(ReadOnlyAdmin, self).has_change_permission(request, obj)

    @admin.action(description=_("Approve the selected swaps"))
    def approve(self, request, queryset):
        self.run_service_each(
            request,
            queryset,
            lambda swap: services.shift_swap_approve(swap=swap, user=request.user),
            success=lambda count: _("Approved %(count)d swaps.") % {"count": count},
        )


@admin.register(ShiftReassignment)
class ShiftReassignmentAdmin(ReadOnlyAdmin):
    list_display = ["shift", "duty", "previous_person", "new_person", "reason", "created_by"]


@admin.register(Handover)
class HandoverAdmin(ReadOnlyAdmin):
    list_display = ["shift", "written_by", "accepted_by", "accepted_at"]


@admin.register(DutyLogEntry)
class DutyLogEntryAdmin(ReadOnlyAdmin):
    list_display = ["at", "shift", "content", "created_by"]


@admin.register(InformationReport)
class InformationReportAdmin(ReadOnlyAdmin):
    list_display = ["sent_at", "recipient", "shift", "created_by", "voided_at"]
    search_fields = ["recipient", "content"]


class RiskItemInline(admin.TabularInline):
    model = RiskItem
    extra = 0
    fields = ["issue", "field", "likelihood", "impact", "level", "owner", "status"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(OpinionReview)
class OpinionReviewAdmin(RecordAdmin):
    list_display = ["__str__", "held_on", "matrix", "voided_at"]
    list_filter = ["year", "quarter"]
    readonly_fields = ["year", "quarter", "matrix"]
    fields = ["year", "quarter", "held_on", "matrix", "reviewed", "conclusions"]
    inlines = [RiskItemInline]

    def has_add_permission(self, request):
        # A review needs its attendees and the carry-over of risks: recorded on the review page.
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_through_service(self, request, obj, form, formsets, change):
        return services.review_update(
            review=obj,
            user=request.user,
            held_on=form.cleaned_data["held_on"],
            reviewed=form.cleaned_data["reviewed"],
            conclusions=form.cleaned_data["conclusions"],
            attendees=list(obj.attendees.all()),
        )


@admin.register(RiskItem)
class RiskItemAdmin(RecordAdmin):
    list_display = ["issue", "review", "likelihood", "impact", "level", "status"]
    list_filter = ["status", "level", "field"]
    readonly_fields = ["review", "level"]
    fields = [
        "review",
        "issue",
        "field",
        "likelihood",
        "impact",
        "level",
        "owner",
        "response_plan",
        "measures",
        "status",
    ]
    autocomplete_fields = ["owner"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_through_service(self, request, obj, form, formsets, change):
        data = {key: form.cleaned_data[key] for key in services.RISK_FIELDS if key in form.cleaned_data}
        return services.risk_update(risk=obj, user=request.user, **data)
