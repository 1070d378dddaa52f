"""The admin of the shared floor, and the two bases every work area's admin builds on:

* :class:`RecordAdmin` for business records and evidence: never deleted, by anyone (superusers
  included); voided with a reason through the "void the selected records" action, which asks each
  record's policy; and only the rows the person may see, as on the pages.
* :class:`ConfigurationAdmin` for configuration rows (tags, categories, checklists, limits...):
  deleted only while no record refers to them; the delete is kept in the audit trail like any other.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.template.response import TemplateResponse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import policies, voiding
from .admin_audit import AuditEntryAdmin, AuditTrailAdmin  # noqa: F401  (registered there)
from .models import Attachment


# --- business records ------------------------------------------------------------------------------
class VoidSelectedForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason for voiding"),
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        max_length=500,
        error_messages={"required": gettext_lazy("Give a reason for voiding.")},
    )


class RecordAdmin(admin.ModelAdmin):
    """Business records and evidence in the admin: no hard delete for anyone (related rows shown
    inline cannot be removed either), voiding with a reason as the only way to take a record out
    of use, and only the records the person's policy lets them see."""

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if policies.policy_for(queryset.model) is not None:
            queryset = policies.visible_to(request.user, queryset)
        return queryset

    def get_inline_instances(self, request, obj=None):
        inlines = super().get_inline_instances(request, obj)
        for inline in inlines:
            # What a record holds (attendance, speeches, linked findings...) is part of the record.
            inline.can_delete = False
        return inlines

    def has_void_permission(self, request):
        return voiding.is_voidable(self.model) and self.has_view_permission(request)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if self.actions is not None and self.has_void_permission(request):
            actions["void_selected"] = (
                type(self).void_selected,
                "void_selected",
                _("Void the selected records"),
            )
        return actions

    def void_selected(self, request, queryset):
        """Ask for the reason on an intermediate page, then void each record the person may void;
        the refused ones are named with the policy's reason."""
        form = VoidSelectedForm(request.POST if request.POST.get("apply") else None)
        if form.is_bound and form.is_valid():
            done, refused = voiding.void_records(
                records=list(queryset), user=request.user, reason=form.cleaned_data["reason"]
            )
            if done:
                self.message_user(
                    request,
                    _("Voided %(count)d records.") % {"count": len(done)},
                    messages.SUCCESS,
                )
            for record, reason in refused:
                self.message_user(
                    request,
                    _("Not voided: %(record)s: %(reason)s") % {"record": record, "reason": reason},
                    messages.ERROR,
                )
            return None
        opts = self.model._meta
        return TemplateResponse(
            request,
            "admin/void_selected_confirmation.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Void the selected records"),
                "subtitle": None,
                "opts": opts,
                "model_name": capfirst(opts.verbose_name_plural),
                "queryset": queryset,
                "form": form,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                "media": self.media,
            },
        )


# --- configuration ---------------------------------------------------------------------------------
def references(obj: models.Model, *, parts: tuple[type[models.Model], ...] = ()) -> list[tuple[str, int]]:
    """The rows that refer to ``obj`` as (kind, count), one query per kind of relation. Rows of the
    ``parts`` models (a checklist's items, a matrix's cells) are part of ``obj`` itself: what refers
    to them counts instead."""
    found: list[tuple[str, int]] = []
    for relation in obj._meta.get_fields(include_hidden=True):
        if not (relation.is_relation and relation.auto_created and not relation.concrete):
            continue
        related_model = relation.related_model
        if related_model is None or getattr(relation, "field", None) is None:
            continue
        if related_model._meta.auto_created:
            # The hidden through table of a many-to-many: the relation seen from the other side
            # is listed on its own (as ``many_to_many``).
            continue
        rows = related_model._base_manager.filter(**{relation.field.name: obj})
        if related_model in parts:
            for part in rows:
                found.extend(references(part))
            continue
        count = rows.count()
        if count:
            found.append((str(related_model._meta.verbose_name_plural), count))
    return found


def reference_refusal(obj: models.Model, found: list[tuple[str, int]]) -> str:
    listed = "、".join(f"{kind} {count}" for kind, count in found)
    return _("“%(record)s” cannot be deleted: records refer to it (%(references)s).") % {
        "record": obj,
        "references": listed,
    }


class ConfigurationInlineFormSet(forms.BaseInlineFormSet):
    """Removing a part of a configuration row (a checklist item, a matrix cell) is refused while
    a record refers to it."""

    def clean(self):
        super().clean()
        for form in self.forms:
            if not (form.instance.pk and self.can_delete and self._should_delete_form(form)):
                continue
            found = references(form.instance)
            if found:
                raise ValidationError(reference_refusal(form.instance, found))


class ConfigurationInline:
    """Mixin for inlines holding the parts of a configuration row."""

    formset = ConfigurationInlineFormSet


class ConfigurationAdmin(admin.ModelAdmin):
    """Configuration rows: deleted only while no record refers to them. ``parts`` names the models
    whose rows belong to the configuration row and go with it (e.g. a checklist's items)."""

    parts: tuple[type[models.Model], ...] = ()

    def references(self, obj) -> list[tuple[str, int]]:
        return references(obj, parts=self.parts)

    def has_delete_permission(self, request, obj=None):
        return self._may_delete_this_kind(request, obj) and (obj is None or not self.references(obj))

    def _may_delete_this_kind(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj)

    def delete_view(self, request, object_id, extra_context=None):
        # Refused with the reason (which records refer to it) rather than a bare "not allowed".
        obj = self.get_object(request, object_id)
        if obj is not None and self._may_delete_this_kind(request, obj):
            found = self.references(obj)
            if found:
                raise PermissionDenied(reference_refusal(obj, found))
        return super().delete_view(request, object_id, extra_context)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            found = self.references(obj)
            if found:
                raise PermissionDenied(reference_refusal(obj, found))
        super().delete_queryset(request, queryset)


# --- the shared floor ------------------------------------------------------------------------------


# The audit trail's admin (AuditTrailAdmin, AuditEntryAdmin, AuditArchiveAdmin) is in admin_audit.


@admin.register(Attachment)
class AttachmentAdmin(RecordAdmin):
    """Evidence files: voided (by whoever may change the record they belong to), never deleted, so a
    stored file is never left without its row."""

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


# Third-party records (second-factor devices) shown the product's way.
from . import admin_third_party  # noqa: E402, F401
