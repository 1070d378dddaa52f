from django.contrib import admin

from .models import Attachment, AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """The audit trail, read-only for everyone: nobody adds, changes or deletes an entry."""

    list_display = (
        "timestamp",
        "actor_label",
        "action",
        "is_bulk",
        "content_type",
        "object_pk",
        "object_repr",
    )
    list_filter = ("action", "is_bulk", "content_type", "timestamp")
    search_fields = ("actor_label", "object_pk", "object_repr")
    date_hierarchy = "timestamp"
    list_select_related = ("content_type",)
    readonly_fields = [field.name for field in AuditEntry._meta.fields]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    list_display = (
        "original_name",
        "content_type",
        "object_id",
        "mime_type",
        "size",
        "created_at",
        "voided_at",
    )
    list_filter = ("content_type", "mime_type", ("voided_at", admin.EmptyFieldListFilter))
    search_fields = ("original_name", "sha256", "description")
    list_select_related = ("content_type",)
    readonly_fields = [field.name for field in Attachment._meta.fields]

    def has_add_permission(self, request):
        # Files come in through the record they belong to, where their content is checked.
        return False

    def has_change_permission(self, request, obj=None):
        return False
