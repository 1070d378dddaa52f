"""The Django admin of the study area. Saves go through the services; imports through the study
import pipeline (django-import-export's admin pages, with our formats and resources underneath)."""

from django import forms
from django.contrib import admin
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportMixin

from ideology_office.common.admin import ConfigurationAdmin, RecordAdmin

from . import permissions, services
from .models import (
    Attendance,
    ImportJob,
    LearningPlatform,
    PointsBulletin,
    PointsEntry,
    PointsThreshold,
    ReadingClass,
    Speech,
    StudyMaterial,
    StudySession,
    Tag,
)
from .resources import PipelineCSV, PipelineXLSX, PlatformPointsResource, StudyRecordsResource


class PipelineImportMixin(ImportMixin):
    """django-import-export's upload, preview and confirm pages, reading and writing through
    the study pipeline: same caps, same checks, same Chinese errors, same bulk writes."""

    formats = [PipelineXLSX, PipelineCSV]
    # The confirmation step would re-read the file; the pipeline already checks everything
    # before writing, so the admin imports in one step and shows every error if any.
    skip_import_confirm = True

    def add_data_read_fail_error_to_form(self, form, e):
        form.add_error("import_file", str(e))


class VoidedFilter(admin.SimpleListFilter):
    title = _("voided")
    parameter_name = "voided"

    def lookups(self, request, model_admin):
        return [("no", _("No")), ("yes", _("Yes"))]

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.filter(voided_at__isnull=True)
        if self.value() == "yes":
            return queryset.filter(voided_at__isnull=False)
        return queryset


class AttendanceInline(admin.TabularInline):
    model = Attendance
    extra = 0
    autocomplete_fields = ["person"]
    fields = ["person", "status", "absence_reason"]


class SpeechInline(admin.TabularInline):
    model = Speech
    extra = 0
    autocomplete_fields = ["speaker"]
    fields = ["order", "speaker", "content"]


class ServiceCheckedForm(forms.ModelForm):
    """An admin form that also runs the service's checks (duplicates and the rules between fields),
    so an admin save is refused with the same Chinese message as the page."""

    service_check = None

    def validate_unique(self):
        # The service's own check first: its message names the duplicate in Chinese, where the
        # database constraint's generic message would not.
        if self.service_check is not None:
            try:
                type(self).service_check(self.instance)
            except ValidationError as error:
                self._update_errors(error)
                return
        super().validate_unique()


class ServiceSaveMixin:
    def save_model(self, request, obj, form, change):
        obj.created_by = obj.created_by or request.user
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request, obj=None):
        # Records are voided with a reason, never deleted.
        return False


class StudySessionAdminForm(ServiceCheckedForm):
    service_check = staticmethod(services.session_validate)


class StudyMaterialAdminForm(ServiceCheckedForm):
    service_check = staticmethod(services.material_validate)


@admin.register(StudySession)
class StudySessionAdmin(PipelineImportMixin, ServiceSaveMixin, RecordAdmin):
    resource_classes = [StudyRecordsResource]

    def has_import_permission(self, request):
        return permissions.can_import_study_records(request.user)

    list_display = ["date", "kind", "topic", "section", "first_agenda_venue", "voided_at"]
    list_filter = ["kind", "section", VoidedFilter]
    search_fields = ["topic", "place"]
    date_hierarchy = "date"
    list_select_related = ["section"]
    autocomplete_fields = ["host", "recorder", "materials", "tags"]
    inlines = [AttendanceInline, SpeechInline]
    readonly_fields = ["voided_at", "voided_by", "void_reason"]
    form = StudySessionAdminForm

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for instance in instances:
            instance.created_by = instance.created_by or request.user
            instance.full_clean()
            instance.save()
        for instance in formset.deleted_objects:
            instance.delete()
        formset.save_m2m()


@admin.register(StudyMaterial)
class StudyMaterialAdmin(ServiceSaveMixin, RecordAdmin):
    list_display = ["title", "kind", "issued_on", "source", "voided_at"]
    list_filter = ["kind", VoidedFilter]
    search_fields = ["title", "source"]
    date_hierarchy = "issued_on"
    form = StudyMaterialAdminForm


class TagActionForm(ActionForm):
    target = forms.CharField(label=_("merge into the tag"), required=False, max_length=30)


@admin.register(Tag)
class TagAdmin(ConfigurationAdmin):
    """Tags in use cannot be deleted (ConfigurationAdmin); they are renamed on their change page
    (recorded in the audit trail) or merged into another with the action below."""

    search_fields = ["name"]
    list_display = ["name", "session_count"]
    action_form = TagActionForm
    actions = ["merge_tags"]

    def get_queryset(self, request):
        from django.db.models import Count

        return super().get_queryset(request).annotate(session_total=Count("sessions"))

    @admin.display(description=_("sessions"), ordering="session_total")
    def session_count(self, obj):
        return obj.session_total

    @admin.action(description=_("Merge the selected tags into the tag named below"))
    def merge_tags(self, request, queryset):
        from django.contrib import messages

        name = (request.POST.get("target") or "").strip()
        target = Tag.objects.filter(name=name).first()
        if target is None:
            self.message_user(request, _("Name an existing tag to merge into."), messages.ERROR)
            return
        moved = services.tag_merge(sources=list(queryset), target=target, user=request.user)
        self.message_user(
            request,
            _("Merged into %(tag)s: %(count)d sessions retagged.") % {"tag": target.name, "count": moved},
            messages.SUCCESS,
        )


@admin.register(ReadingClass)
class ReadingClassAdmin(ServiceSaveMixin, RecordAdmin):
    list_display = ["title", "section", "start_date", "end_date", "voided_at"]
    list_select_related = ["section"]


@admin.register(LearningPlatform)
class LearningPlatformAdmin(ConfigurationAdmin):
    list_display = ["name", "code"]


@admin.register(PointsEntry)
class PointsEntryAdmin(PipelineImportMixin, RecordAdmin):
    resource_classes = [PlatformPointsResource]

    def has_import_permission(self, request):
        return permissions.can_import_points(request.user)

    list_display = ["date", "period", "platform", "person", "points"]
    list_filter = ["platform", "period"]
    search_fields = ["person__real_name", "person__username"]
    list_select_related = ["platform", "person"]
    date_hierarchy = "date"
    autocomplete_fields = ["person"]

    def save_model(self, request, obj, form, change):
        obj.created_by = obj.created_by or request.user
        obj.full_clean()
        super().save_model(request, obj, form, change)


@admin.register(PointsThreshold)
class PointsThresholdAdmin(ConfigurationAdmin):
    list_display = ["platform", "role", "daily_minimum"]
    list_filter = ["platform"]
    list_select_related = ["platform"]

    def save_model(self, request, obj, form, change):
        services.threshold_set(
            platform=obj.platform, role=obj.role, daily_minimum=obj.daily_minimum, user=request.user
        )


@admin.register(PointsBulletin)
class PointsBulletinAdmin(RecordAdmin):
    list_display = ["month", "platform", "published_at", "voided_at"]
    list_select_related = ["platform"]
    readonly_fields = ["published_at", "published_by"]

    def save_model(self, request, obj, form, change):
        if change:
            obj.full_clean()
            super().save_model(request, obj, form, change)
            return
        created = services.bulletin_create(
            user=request.user, month=obj.month, platform=obj.platform, note=obj.note
        )
        obj.pk = created.pk

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ImportJob)
class ImportJobAdmin(RecordAdmin):
    list_display = [
        "created_at",
        "kind",
        "original_name",
        "status",
        "processed_rows",
        "total_rows",
        "created_by",
    ]
    list_filter = ["kind", "status"]
    readonly_fields = [field.name for field in ImportJob._meta.fields]

    def has_add_permission(self, request):
        return False
