"""The admin is one more door to the same services: every save goes through them, so a rule
refused in a page is refused here too. Ledger rows are voided in the pages, never deleted."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from ideology_office.accounts.models import OrgUnit
from ideology_office.common.admin import RecordAdmin

from . import services
from .models import (
    AgendaItem,
    Assessment,
    AssessmentScheme,
    AssessmentScore,
    DutyAssignment,
    FollowUpAction,
    LeadingGroupMembership,
    MeetingAttendance,
    OfficeMeeting,
    SchemeItem,
    WorkPriority,
)

VOID_FIELDS = ("voided_at", "voided_by", "void_reason")


@admin.register(LeadingGroupMembership)
class LeadingGroupMembershipAdmin(RecordAdmin):
    list_display = ("person", "role", "start_date", "end_date", "voided_at")
    list_filter = ("role",)
    search_fields = ("person__real_name", "person__username", "start_reason", "end_reason")
    list_select_related = ("person",)
    autocomplete_fields = ("person",)
    fields = (
        "person",
        "role",
        "start_date",
        "start_reason",
        "end_date",
        "end_reason",
        "title_at_joining",
        "section_at_joining",
        *VOID_FIELDS,
    )
    readonly_fields = ("title_at_joining", "section_at_joining", *VOID_FIELDS)

    def get_readonly_fields(self, request, obj=None):
        return (*self.readonly_fields, "person") if obj else self.readonly_fields

    def save_through_service(self, request, obj, form, formsets, change):
        data = {
            name: form.cleaned_data.get(name)
            for name in ("role", "start_date", "start_reason", "end_date", "end_reason")
        }
        data["end_reason"] = data["end_reason"] or ""
        if change:
            return services.membership_update(membership=obj, user=request.user, **data)
        return services.membership_create(person=form.cleaned_data["person"], user=request.user, **data)


class DutyAssignmentAdminForm(forms.ModelForm):
    section_choices = forms.ModelMultipleChoiceField(
        label=_("sections in charge"),
        queryset=OrgUnit.objects.filter(kind=OrgUnit.Kind.SECTION),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = DutyAssignment
        fields = ("year", "leader", "is_principal", "fields_in_charge", "duties", "letter_signed_on")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["section_choices"].initial = list(self.instance.sections.all())


@admin.register(DutyAssignment)
class DutyAssignmentAdmin(RecordAdmin):
    form = DutyAssignmentAdminForm
    list_display = ("year", "leader", "is_principal", "letter_signed_on", "voided_at")
    list_filter = ("year", "is_principal")
    search_fields = ("leader__real_name", "fields_in_charge", "duties")
    list_select_related = ("leader",)
    autocomplete_fields = ("leader",)
    readonly_fields = VOID_FIELDS

    def save_through_service(self, request, obj, form, formsets, change):
        data = {
            name: form.cleaned_data.get(name)
            for name in ("year", "leader", "is_principal", "fields_in_charge", "duties", "letter_signed_on")
        }
        return services.assignment_save(
            user=request.user,
            assignment=obj if change else None,
            sections=list(form.cleaned_data["section_choices"]),
            **data,
        )


class AgendaItemInline(admin.TabularInline):
    model = AgendaItem
    extra = 0
    fields = ("position", "kind", "title", "material")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class AttendanceInline(admin.TabularInline):
    model = MeetingAttendance
    extra = 0
    fields = ("person", "status", "absence_reason")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(OfficeMeeting)
class OfficeMeetingAdmin(RecordAdmin):
    list_display = ("date", "title", "chair", "section", "on_ideology", "voided_at")
    list_filter = ("on_ideology", "section")
    search_fields = ("title", "decisions", "place")
    date_hierarchy = "date"
    list_select_related = ("chair", "section")
    autocomplete_fields = ("chair",)
    fields = ("date", "title", "place", "chair", "section", "on_ideology", "decisions", *VOID_FIELDS)
    readonly_fields = VOID_FIELDS
    inlines = (AgendaItemInline, AttendanceInline)

    def save_through_service(self, request, obj, form, formsets, change):
        data = {
            name: form.cleaned_data.get(name)
            for name in ("date", "title", "place", "chair", "section", "on_ideology", "decisions")
        }
        if change:
            return services.meeting_update(meeting=obj, user=request.user, **data)
        return services.meeting_create(user=request.user, present=[], **data)


@admin.register(FollowUpAction)
class FollowUpActionAdmin(RecordAdmin):
    list_display = ("description", "owner", "deadline", "status", "done_on", "voided_at")
    list_filter = ("status",)
    search_fields = ("description", "owner__real_name")
    list_select_related = ("owner", "meeting")
    autocomplete_fields = ("owner", "meeting")
    fields = ("meeting", "description", "owner", "deadline", "status", "done_on", "outcome", *VOID_FIELDS)
    readonly_fields = ("status", "done_on", "outcome", *VOID_FIELDS)

    def has_change_permission(self, request, obj=None):
        # Progress is recorded on the meeting page, where the owner marks it done.
        return obj is None and super().has_change_permission(request, obj)

    def save_through_service(self, request, obj, form, formsets, change):
        data = {name: form.cleaned_data.get(name) for name in ("meeting", "description", "owner", "deadline")}
        return services.follow_up_create(user=request.user, **data)


@admin.register(WorkPriority)
class WorkPriorityAdmin(RecordAdmin):
    list_display = ("year", "position", "text", "concerns_ideology", "voided_at")
    list_filter = ("year", "concerns_ideology")
    search_fields = ("text",)
    readonly_fields = VOID_FIELDS

    def save_through_service(self, request, obj, form, formsets, change):
        data = {
            name: form.cleaned_data.get(name) for name in ("year", "position", "text", "concerns_ideology")
        }
        return services.priority_save(user=request.user, priority=obj if change else None, **data)


class SchemeItemInline(admin.TabularInline):
    model = SchemeItem
    extra = 0
    fields = ("position", "heading", "kind", "requirement", "max_points", "count_key")
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(AssessmentScheme)
class AssessmentSchemeAdmin(RecordAdmin):
    list_display = ("year", "name", "excellent_from", "good_from", "fair_from", "bonus_cap", "voided_at")
    list_filter = ("year",)
    search_fields = ("name",)
    readonly_fields = ("copied_from", *VOID_FIELDS)
    inlines = (SchemeItemInline,)

    def save_through_service(self, request, obj, form, formsets, change):
        data = {
            name: form.cleaned_data.get(name)
            for name in ("year", "name", "excellent_from", "good_from", "fair_from", "bonus_cap")
        }
        return services.scheme_save(user=request.user, scheme=obj if change else None, **data)


@admin.register(SchemeItem)
class SchemeItemAdmin(RecordAdmin):
    list_display = ("scheme", "position", "heading", "kind", "max_points", "count_key")
    list_filter = ("scheme__year", "kind")
    search_fields = ("requirement", "heading", "count_key")
    list_select_related = ("scheme",)

    def save_through_service(self, request, obj, form, formsets, change):
        data = {name: form.cleaned_data.get(name) for name in form.cleaned_data if name != "scheme"}
        return services.scheme_item_save(
            scheme=form.cleaned_data["scheme"], item=obj if change else None, user=request.user, **data
        )


class ScoreInline(admin.TabularInline):
    model = AssessmentScore
    extra = 0
    fields = (
        "item",
        "source",
        "auto_score",
        "count_note",
        "score",
        "veto_triggered",
        "reason",
        "confirmed_by",
    )
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Assessment)
class AssessmentAdmin(RecordAdmin):
    """Read-only: assessments are begun and scored on their pages, where the assessor's rules apply."""

    list_display = (
        "scheme",
        "target_kind",
        "target_unit",
        "target_person",
        "assessor",
        "status",
        "total",
        "grade",
        "voided_at",
    )
    list_filter = ("scheme__year", "target_kind", "status", "grade")
    search_fields = ("target_unit__name", "target_person__real_name")
    list_select_related = ("scheme", "target_unit", "target_person", "assessor")
    inlines = (ScoreInline,)

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in Assessment._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
