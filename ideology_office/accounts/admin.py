"""The admin of people, sections and role groups.

**No escalation through the admin.** The 管理员 role runs the admin, but holding it is not holding
everything: only a superuser grants or removes ``is_superuser`` or ``is_staff``, changes a person's
own model permissions (``user_permissions``) or a role group's permissions, and edits a superuser's
account. For everyone else those fields are read-only in the form, and the save refuses them again
(a crafted POST does not get past :meth:`UserAdmin.save_model`). People are deactivated, never
deleted; a section or unit is deleted only while nothing refers to it.

django-guardian registers no admin pages of its own; should anything register its object
permission models, :func:`_read_only_for_non_superusers` keeps those pages read-only too.
"""

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from .models import OrgUnit, User

# What only a superuser may change on a person: these are the powers themselves.
PRIVILEGED_USER_FIELDS = ("is_superuser", "is_staff", "user_permissions")


def _is_referenced(obj) -> bool:
    """Whether any row points at ``obj`` through a foreign key, one-to-one or many-to-many.
    (Audit entries and attachments refer to records generically and do not count.)"""
    for relation in obj._meta.related_objects:
        related = relation.related_model._base_manager
        if related.filter(**{relation.field.name: obj}).exists():
            return True
    return False


@admin.register(OrgUnit)
class OrgUnitAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "parent", "code", "sort_order", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "short_name", "code")
    list_select_related = ("parent",)
    autocomplete_fields = ("parent",)

    def get_actions(self, request):
        # The bulk delete would cascade past the check below: units are deleted one at a time.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def has_delete_permission(self, request, obj=None):
        if obj is not None and _is_referenced(obj):
            return False
        return super().has_delete_permission(request, obj)


class _NoEscalationFormMixin:
    """For a non-superuser: the privileged fields are read-only, so they are not in the form; should
    one come in anyway, the form refuses it."""

    def clean(self):
        cleaned_data = super().clean()
        if any(name in self.fields and name in self.changed_data for name in PRIVILEGED_USER_FIELDS):
            raise ValidationError(
                _("Only a superuser may grant or remove superuser or staff status or permissions."),
                code="not_superuser",
            )
        return cleaned_data


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "real_name", "section", "title", "phone", "is_active", "is_staff")
    list_filter = ("is_active", "is_staff", "is_superuser", "groups", "section")
    search_fields = ("username", "real_name", "phone")
    list_select_related = ("section",)
    autocomplete_fields = ("section",)
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Person"), {"fields": ("real_name", "section", "title", "phone", "email")}),
        (
            _("Roles and permissions"),
            {"fields": ("is_active", "groups", "is_staff", "is_superuser", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {"classes": ("wide",), "fields": ("username", "real_name", "section", "password1", "password2")},
        ),
    )

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            readonly += [name for name in PRIVILEGED_USER_FIELDS if name not in readonly]
        return readonly

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if request.user.is_superuser:
            return form
        return type(form.__name__, (_NoEscalationFormMixin, form), {})

    def has_change_permission(self, request, obj=None):
        # A superuser's account (its password and roles included) is a superuser's to change.
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        # People are deactivated, never deleted: their records keep naming them.
        return False

    def save_model(self, request, obj, form, change):
        if not request.user.is_superuser:
            original = User.objects.filter(pk=obj.pk).first() if change else None
            if original is not None and original.is_superuser:
                raise PermissionDenied
            was_superuser = original.is_superuser if original is not None else False
            was_staff = original.is_staff if original is not None else False
            if obj.is_superuser != was_superuser or obj.is_staff != was_staff:
                raise PermissionDenied
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        if not request.user.is_superuser and "user_permissions" in form.cleaned_data:
            raise PermissionDenied
        super().save_related(request, form, formsets, change)


def _read_only_for_non_superusers(admin_class: type[admin.ModelAdmin]) -> type[admin.ModelAdmin]:
    """The admin class, narrowed so that only a superuser adds, changes or deletes; anyone else
    with the view permission reads."""

    class ReadOnlyForNonSuperusers(admin_class):
        def has_add_permission(self, request, *args, **kwargs):
            return request.user.is_superuser and super().has_add_permission(request, *args, **kwargs)

        def has_change_permission(self, request, obj=None):
            return request.user.is_superuser and super().has_change_permission(request, obj)

        def has_delete_permission(self, request, obj=None):
            return request.user.is_superuser and super().has_delete_permission(request, obj)

    ReadOnlyForNonSuperusers.__name__ = ReadOnlyForNonSuperusers.__qualname__ = admin_class.__name__
    return ReadOnlyForNonSuperusers


class RoleGroupAdmin(_read_only_for_non_superusers(DjangoGroupAdmin)):
    """The role groups. 管理员 reads them (auth.view_group / change_group) but does not change
    them: adding a permission to its own group would give it any power it liked."""


admin.site.unregister(Group)
admin.site.register(Group, RoleGroupAdmin)


def _guard_object_permission_admins() -> None:
    """Whatever registered guardian's object permission models (nothing does today) is narrowed
    to read-only for non-superusers: a grant is made by the services that assign people."""
    from guardian.models import GroupObjectPermission, UserObjectPermission

    for model in (UserObjectPermission, GroupObjectPermission):
        registered = admin.site._registry.get(model)
        if registered is not None:
            admin.site.unregister(model)
            admin.site.register(model, _read_only_for_non_superusers(type(registered)))


_guard_object_permission_admins()
