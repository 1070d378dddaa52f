"""The Django admin of the positions work area. It goes through the same services as the pages:
it cannot sign, publish, edit approved text around the review, or change a sign-off."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from ideology_office.common.admin import ConfigurationAdmin, RecordAdmin

from . import services
from .models import (
    ContentItem,
    ContentRevision,
    KeyDate,
    PhysicalUpdate,
    Platform,
    PlatformReviewer,
    Publication,
    PublicityTask,
    ReviewAssignment,
    SignOff,
)


class ReadOnlyAdmin(RecordAdmin):
    """Shown for reference only: these rows are written by the review services alone."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Platform)
class PlatformAdmin(ConfigurationAdmin):
    parts = (PlatformReviewer,)

    list_display = ["name", "kind", "responsible_person", "max_unchanged_days", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name"]
    autocomplete_fields = ["responsible_person"]

    def save_through_service(self, request, obj, form, formsets, change):
        if change:
            data = {
                name: form.cleaned_data[name]
                for name in services.PLATFORM_FIELDS
                if name in form.cleaned_data
            }
            return services.platform_update(platform=obj, user=request.user, **data)
        return services.platform_save(platform=obj, user=request.user)


class ContentItemAdminForm(forms.ModelForm):
    body = forms.CharField(label=_("Content"), widget=forms.Textarea)

    class Meta:
        model = ContentItem
        fields = ["title", "sensitivity"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.current_revision_id:
            self.fields["body"].initial = self.instance.current_revision.body


@admin.register(PlatformReviewer)
class PlatformReviewerAdmin(ConfigurationAdmin):
    """Adding or removing a default reviewer sets the step's list through ``platform_reviewers_set``."""

    list_display = ["platform", "step", "reviewer"]
    list_filter = ["platform", "step"]
    autocomplete_fields = ["reviewer"]

    def has_change_permission(self, request, obj=None):
        # A row is added or removed, never turned into another: that keeps the service's checks whole.
        return obj is None and super().has_change_permission(request, obj)

    def save_through_service(self, request, obj, form, formsets, change):
        data = form.cleaned_data
        current = [
            row.reviewer
            for row in PlatformReviewer.objects.filter(platform=data["platform"], step=data["step"])
        ]
        services.platform_reviewers_set(
            platform=data["platform"],
            step=data["step"],
            reviewers=[*current, data["reviewer"]],
            user=request.user,
        )
        return PlatformReviewer.objects.get(
            platform=data["platform"], step=data["step"], reviewer=data["reviewer"]
        )

    def delete_model(self, request, obj):
        remaining = [
            row.reviewer
            for row in PlatformReviewer.objects.filter(platform=obj.platform, step=obj.step).exclude(
                pk=obj.pk
            )
        ]
        services.platform_reviewers_set(
            platform=obj.platform, step=obj.step, reviewers=remaining, user=request.user
        )

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(ContentItem)
class ContentItemAdmin(RecordAdmin):
    """Editing here saves a new revision through ``content_item_edit``, which voids sign-offs and
    restarts the review like any other edit. Items are drafted on the work-area pages (the author
    is the person drafting); status, step and revisions are never edited directly."""

    form = ContentItemAdminForm
    list_display = ["title", "platform", "author", "status", "current_step", "review_round", "updated_at"]
    list_filter = ["status", "platform", "sensitivity"]
    search_fields = ["title"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (obj is None or obj.is_editable)

    def save_through_service(self, request, obj, form, formsets, change):
        data = form.cleaned_data
        return services.content_item_edit(
            item=obj,
            user=request.user,
            title=data["title"],
            body=data["body"],
            sensitivity=data["sensitivity"],
        )


@admin.register(SignOff)
class SignOffAdmin(ReadOnlyAdmin):
    list_display = ["sequence", "item", "step", "decision", "signer_name", "signed_at", "content_sha256"]
    list_filter = ["step", "decision"]
    search_fields = ["item__title", "signer_name"]


@admin.register(ContentRevision)
class ContentRevisionAdmin(ReadOnlyAdmin):
    list_display = ["item", "number", "title", "sha256", "created_at"]


@admin.register(ReviewAssignment)
class ReviewAssignmentAdmin(ReadOnlyAdmin):
    list_display = ["item", "step", "reviewer", "is_active", "created_at", "ended_at"]
    list_filter = ["step", "is_active"]


@admin.register(Publication)
class PublicationAdmin(ReadOnlyAdmin):
    list_display = ["item", "published_at", "published_by", "url", "post_id"]


@admin.register(PhysicalUpdate)
class PhysicalUpdateAdmin(ReadOnlyAdmin):
    """Recorded on the position's page, where the photo is required; shown here for reference."""

    list_display = ["platform", "start_date", "end_date", "approved_by", "voided_at"]
    list_filter = ["platform"]


@admin.register(KeyDate)
class KeyDateAdmin(ConfigurationAdmin):
    list_display = [
        "name",
        "calendar",
        "month",
        "day",
        "days_before",
        "days_after",
        "is_sensitive",
        "is_active",
    ]
    list_filter = ["calendar", "is_sensitive", "is_active"]

    def save_through_service(self, request, obj, form, formsets, change):
        if change:
            data = {
                name: form.cleaned_data[name]
                for name in services.KEY_DATE_FIELDS
                if name in form.cleaned_data
            }
            return services.key_date_update(key_date=obj, user=request.user, **data)
        return services.key_date_save(key_date=obj, user=request.user)


@admin.register(PublicityTask)
class PublicityTaskAdmin(ReadOnlyAdmin):
    list_display = ["title", "key_date", "year", "owner", "deadline", "status"]
    list_filter = ["year", "status", "key_date"]
