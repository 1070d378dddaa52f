"""The Django admin of the study area. Saves go through the services (the shared bridge of
``common/admin.py``): sessions with their attendance and speeches, reading classes, points,
bulletins; imports through the study import pipeline (django-import-export's admin pages, with
our formats and resources underneath)."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
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


def _inline_rows(formsets, model) -> list[dict] | None:
    """The kept rows of the inline of ``model`` (None when the form has no such inline)."""
    for formset in formsets:
        if formset.model is model:
            return [
                form.cleaned_data
                for form in formset.forms
                if form.cleaned_data and not form.cleaned_data.get("DELETE")
            ]
    return None


@admin.register(StudySession)
class StudySessionAdmin(PipelineImportMixin, RecordAdmin):
    resource_classes = [StudyRecordsResource]

    def has_import_permission(self, request):
        return permissions.can_import_study_records(request.user)

    list_display = ["date", "kind", "topic", "section", "first_agenda_venue", "voided_at"]
    list_filter = ["kind", "section"]
    search_fields = ["topic", "place"]
    date_hierarchy = "date"
    list_select_related = ["section"]
    autocomplete_fields = ["host", "recorder", "materials", "tags"]
    inlines = [AttendanceInline, SpeechInline]
    readonly_fields = ["voided_at", "voided_by", "void_reason"]

    def save_through_service(self, request, obj, form, formsets, change):
        data = {
            name: form.cleaned_data[name] for name in services.SESSION_FIELDS if name in form.cleaned_data
        }
        attendance = _inline_rows(formsets, Attendance)
        speeches = _inline_rows(formsets, Speech)
        children = {
            "materials": form.cleaned_data.get("materials", ()),
            "tags": form.cleaned_data.get("tags", ()),
            "attendances": None
            if attendance is None
            else [
                services.AttendanceLine(
                    person=row["person"], status=row["status"], absence_reason=row.get("absence_reason", "")
                )
                for row in attendance
            ],
            "speeches": None
            if speeches is None
            else [
                services.SpeechLine(speaker=row["speaker"], content=row["content"])
                for row in sorted(speeches, key=lambda row: row.get("order") or 0)
            ],
        }
        if change:
            return services.session_update(session=obj, user=request.user, **children, **data)
        return services.session_create(
            user=request.user, **{k: v for k, v in children.items() if v is not None}, **data
        )


MATERIAL_FIELDS = ("title", "kind", "issued_on", "source")


@admin.register(StudyMaterial)
class StudyMaterialAdmin(RecordAdmin):
    list_display = ["title", "kind", "issued_on", "source", "voided_at"]
    list_filter = ["kind"]
    search_fields = ["title", "source"]
    date_hierarchy = "issued_on"
    fields = MATERIAL_FIELDS

    def save_through_service(self, request, obj, form, formsets, change):
        data = {name: form.cleaned_data[name] for name in MATERIAL_FIELDS}
        if change:
            return services.material_update(material=obj, user=request.user, **data)
        return services.material_create(user=request.user, **data)


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


READING_CLASS_FIELDS = ("title", "theme", "section", "start_date", "end_date")


@admin.register(ReadingClass)
class ReadingClassAdmin(RecordAdmin):
    list_display = ["title", "section", "start_date", "end_date", "voided_at"]
    list_select_related = ["section"]
    fields = READING_CLASS_FIELDS

    def save_through_service(self, request, obj, form, formsets, change):
        data = {name: form.cleaned_data[name] for name in READING_CLASS_FIELDS}
        if change:
            return services.reading_class_update(reading_class=obj, user=request.user, **data)
        # One study session per day, as on the page.
        return services.reading_class_create(user=request.user, **data)


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
    fields = services.POINTS_ENTRY_FIELDS

    def save_through_service(self, request, obj, form, formsets, change):
        data = {name: form.cleaned_data[name] for name in services.POINTS_ENTRY_FIELDS}
        return services.points_entry_save(entry=obj if change else None, user=request.user, **data)


@admin.register(PointsThreshold)
class PointsThresholdAdmin(ConfigurationAdmin):
    list_display = ["platform", "role", "daily_minimum"]
    list_filter = ["platform"]
    list_select_related = ["platform"]

    def save_through_service(self, request, obj, form, formsets, change):
        return services.threshold_set(
            platform=form.cleaned_data["platform"],
            role=form.cleaned_data["role"],
            daily_minimum=form.cleaned_data["daily_minimum"],
            user=request.user,
        )


@admin.register(PointsBulletin)
class PointsBulletinAdmin(RecordAdmin):
    list_display = ["month", "platform", "published_at", "voided_at"]
    list_select_related = ["platform"]
    fields = ["month", "platform", "note", "published_at", "published_by"]
    readonly_fields = ["published_at", "published_by"]
    actions = ["publish_bulletins"]

    def save_through_service(self, request, obj, form, formsets, change):
        data = {name: form.cleaned_data[name] for name in ("month", "platform", "note")}
        if change:
            return services.bulletin_update(bulletin=obj, user=request.user, **data)
        return services.bulletin_create(user=request.user, **data)

    @admin.action(description=_("Publish the selected bulletins"))
    def publish_bulletins(self, request, queryset):
        self.run_service_each(
            request,
            queryset,
            lambda bulletin: services.bulletin_publish(bulletin=bulletin, user=request.user),
            success=lambda count: _("Published %(count)d bulletins.") % {"count": count},
        )


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
