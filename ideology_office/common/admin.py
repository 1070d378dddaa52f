"""The admin of the shared floor, and the bases every work area's admin builds on:

* :class:`ServiceAdminMixin`, the admin-to-service bridge (in the style of HackSoft's Django
  styleguide): the change form's save, its inlines and the admin actions go through the app's
  services. A refusal (the service's ValidationError or PermissionDenied) is shown on the form
  (or, for an action, with ``message_user``) and nothing is written.

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
from django.db import models, transaction
from django.template.response import TemplateResponse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import policies, voiding
from .admin_audit import AuditEntryAdmin, AuditTrailAdmin  # noqa: F401  (registered there)
from .forms import apply_service_error, refusal_text
from .models import Attachment


# --- the admin-to-service bridge -------------------------------------------------------------------
class ServiceRefused(Exception):
    """A service refused an admin save: raised through the admin's transaction so that nothing of
    the save survives, then the form is shown again with the refusal on it."""

    def __init__(self, error: ValidationError):
        super().__init__(error)
        self.error = error


def as_validation_error(error: ValidationError | PermissionDenied) -> ValidationError:
    if isinstance(error, ValidationError):
        return error
    return ValidationError(str(error) or _("You may not do this."), code="forbidden")


class ServiceAdminMixin:
    """The admin as one more door to the services.

    A change form is saved by :meth:`save_through_service` (given the form and its inline
    formsets), which calls the app's create/update services and returns the saved record; the
    default saves as Django would, for models whose rules all live in the model. When the service
    refuses, the whole save is rolled back and the same form is shown again, the refusal under
    the fields it names (the rest above the form), with what was typed kept.

    Admin actions call :meth:`run_service_each`: the service once per selected record, each in
    its own savepoint; the done ones are counted and each refusal is named with its reasons."""

    def save_through_service(self, request, obj, form, formsets, change):
        super().save_model(request, obj, form, change)
        super().save_related(request, form, formsets, change)
        return obj

    def save_model(self, request, obj, form, change):
        # The record and its inlines are written together by the service, in save_related.
        pass

    def save_related(self, request, form, formsets, change):
        obj = form.instance
        try:
            with transaction.atomic():
                saved = self.save_through_service(request, obj, form, formsets, change)
        except (ValidationError, PermissionDenied) as error:
            raise ServiceRefused(as_validation_error(error)) from error
        for formset in formsets:
            # Inlines the service wrote itself were never saved by their formset; the change
            # message reads these lists.
            for name in ("new_objects", "changed_objects", "deleted_objects"):
                if not hasattr(formset, name):
                    setattr(formset, name, [])
        if saved is not None and saved is not obj:
            obj.pk = saved.pk
            obj._state.adding = False
            form.instance = saved

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ServiceRefused as refused:
            # The admin's transaction is rolled back; the same POST is shown again, its form
            # carrying the refusal (see get_form), so the service is not called a second time.
            request._service_refusal = refused.error
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        refusal = getattr(request, "_service_refusal", None)
        saved_by_service = type(self).save_through_service is not ServiceAdminMixin.save_through_service

        class ServiceForm(form_class):
            def validate_unique(self):
                # Where a service saves, it checks duplicates and constraints itself, in Chinese
                # and naming the clash; the model's generic message would come first otherwise.
                if not saved_by_service:
                    super().validate_unique()

            def _post_clean(self):
                super()._post_clean()
                if refusal is not None:
                    apply_service_error(self, refusal)

        return ServiceForm

    def run_service_each(self, request, queryset, action, *, success) -> None:
        """Run ``action(record)`` (a service call) for each selected record; report how many were
        done (``success`` takes the count) and each refusal as "record：reason；reason"."""
        done = 0
        for record in queryset:
            try:
                with transaction.atomic():
                    action(record)
            except (ValidationError, PermissionDenied) as error:
                self.message_user(
                    request,
                    _("Not done: %(record)s: %(reason)s") % {"record": record, "reason": refusal_text(error)},
                    messages.ERROR,
                )
            else:
                done += 1
        if done:
            self.message_user(request, success(done), messages.SUCCESS)


class VoidedListFilter(admin.SimpleListFilter):
    """Every admin list of a voidable record kind filters on 已作废 the same way."""

    title = gettext_lazy("voided")
    parameter_name = "voided"

    def lookups(self, request, model_admin):
        return [("no", _("No")), ("yes", _("Yes"))]

    def queryset(self, request, queryset):
        if self.value() in ("no", "yes"):
            return queryset.filter(voided_at__isnull=self.value() == "no")
        return queryset


# --- business records ------------------------------------------------------------------------------
class VoidSelectedForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason for voiding"),
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        max_length=500,
        error_messages={"required": gettext_lazy("Give a reason for voiding.")},
    )


class RecordAdmin(ServiceAdminMixin, admin.ModelAdmin):
    """Business records and evidence in the admin: saved through the services, no hard delete for
    anyone (related rows shown inline cannot be removed either), voiding with a reason as the only
    way to take a record out of use, and only the records the person's policy lets them see."""

    def has_delete_permission(self, request, obj=None):
        return False

    def get_list_filter(self, request):
        list_filter = list(super().get_list_filter(request))
        if voiding.is_voidable(self.model) and VoidedListFilter not in list_filter:
            list_filter.append(VoidedListFilter)
        return list_filter

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


class ConfigurationAdmin(ServiceAdminMixin, admin.ModelAdmin):
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
    list_filter = ("content_type", "mime_type")
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
