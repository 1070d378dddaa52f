"""The admin of people, sections and role groups.

**三员分立.** Person fields (name, section, post, active) are kept by the 系统管理员 (and the
business-side 管理员); roles and staff status only by the 安全管理员, who also resets passwords
(the person must change it at the next sign-in), unlocks locked accounts and clears a lost second
factor; nobody changes their own roles, and only the 安全管理员 touches an administrator's
account. A set of roles holding two administrator roles is refused by the form and, whatever the
path, by ``services`` before it is written.

**No escalation through the admin.** The 管理员 role runs the admin, but holding it is not holding
everything: only a superuser grants or removes ``is_superuser`` or ``is_staff``, changes a person's
own model permissions (``user_permissions``) or a role group's permissions, and edits a superuser's
account. For everyone else those fields are read-only in the form, and the save refuses them again
(a crafted POST does not get past :meth:`UserAdmin.save_model`). People are deactivated, never
deleted; a section or unit is deleted only while nothing refers to it.

django-guardian registers no admin pages of its own; should anything register its object
permission models, :func:`_read_only_for_non_superusers` keeps those pages read-only too.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ideology_office.common.admin import AuditTrailAdmin
from ideology_office.common.privacy import PersonalDataAdminMixin, mask_phone, sees_personal_data

from . import policy, roles
from .models import DataExport, OrgUnit, SecurityEvent, SignInPolicy, User
from .signin import record_event

# What only a superuser may change on a person: these are the powers themselves.
PRIVILEGED_USER_FIELDS = ("is_superuser", "user_permissions")
# What only the 安全管理员 (or a superuser) changes: roles and the admin's door.
ROLE_FIELDS = ("groups", "is_staff")
# What the 系统管理员 and 管理员 keep; the 安全管理员 reads them.
PERSON_FIELDS = ("username", "real_name", "section", "title", "phone", "email", "is_active")


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


class _RoleSeparationFormMixin:
    """Two administrator roles on one account are refused with the reason (三员分立)."""

    def clean_groups(self):
        groups = self.cleaned_data.get("groups")
        if groups is not None:
            roles.check_role_separation(group.name for group in groups)
        return groups


@admin.register(User)
class UserAdmin(PersonalDataAdminMixin, DjangoUserAdmin):
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

    actions = ["unlock_accounts", "clear_second_factor"]

    def get_readonly_fields(self, request, obj=None):
        readonly = [*super().get_readonly_fields(request, obj), "password_changed_at", "masked_phone"]
        user = request.user
        if user.is_superuser:
            return readonly
        readonly += [name for name in PRIVILEGED_USER_FIELDS if name not in readonly]
        if not roles.may_assign_roles(user) or (obj is not None and obj.pk == user.pk):
            readonly += [name for name in ROLE_FIELDS if name not in readonly]
        if not roles.may_manage_accounts(user):
            readonly += [name for name in (*PERSON_FIELDS, "must_change_password") if name not in readonly]
        return readonly

    @admin.display(description=_("phone"))
    def masked_phone(self, obj):
        # Only in the forms of readers who see numbers masked (get_fieldsets).
        return mask_phone(obj.phone)

    def _masks_phone(self, request) -> bool:
        """Readers who neither keep accounts nor see personal data (the 安全管理员) read the
        phone masked in the form as in the list (common/privacy.py)."""
        return not roles.may_manage_accounts(request.user) and not sees_personal_data(request.user)

    def get_fieldsets(self, request, obj=None):
        fieldsets = self._user_fieldsets(request, obj)
        if obj is None or not self._masks_phone(request) or obj.pk == request.user.pk:
            return fieldsets
        return tuple(
            (
                title,
                {
                    **options,
                    "fields": tuple("masked_phone" if f == "phone" else f for f in options["fields"]),
                },
            )
            for title, options in fieldsets
        )

    def _user_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets
        return (
            *fieldsets[:2],
            (
                _("Roles and permissions"),
                {
                    "fields": (
                        "is_active",
                        "groups",
                        "is_staff",
                        "is_superuser",
                        "user_permissions",
                        "must_change_password",
                    )
                },
            ),
            (_("Important dates"), {"fields": ("last_login", "date_joined", "password_changed_at")}),
        )

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form = type(form.__name__, (_RoleSeparationFormMixin, form), {})
        if request.user.is_superuser:
            return form
        return type(form.__name__, (_NoEscalationFormMixin, form), {})

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not roles.may_reset_passwords(request.user):
            actions.pop("unlock_accounts", None)
            actions.pop("clear_second_factor", None)
        return actions

    def has_change_permission(self, request, obj=None):
        user = request.user
        # A superuser's account (its password and roles included) is a superuser's to change.
        if obj is not None and obj.is_superuser and not user.is_superuser:
            return False
        # An administrator's account is the 安全管理员's (and a superuser's) to change.
        if (
            obj is not None
            and obj.pk != user.pk
            and roles.administrator_roles(obj)
            and not (user.is_superuser or roles.is_security_admin(user))
        ):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        # People are deactivated, never deleted: their records keep naming them.
        return False

    def save_model(self, request, obj, form, change):
        user = request.user
        if not user.is_superuser:
            original = User.objects.filter(pk=obj.pk).first() if change else None
            if original is not None and original.is_superuser:
                raise PermissionDenied
            was_superuser = original.is_superuser if original is not None else False
            was_staff = original.is_staff if original is not None else False
            if obj.is_superuser != was_superuser:
                raise PermissionDenied
            if obj.is_staff != was_staff and (
                not roles.may_assign_roles(user) or (original is not None and original.pk == user.pk)
            ):
                raise PermissionDenied
        if not change:
            # A new account signs in first with the password given here, then sets its own.
            obj.must_change_password = True
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        user = request.user
        if not user.is_superuser and "user_permissions" in form.cleaned_data:
            raise PermissionDenied
        if (
            "groups" in form.cleaned_data
            and change
            and not user.is_superuser
            and (not roles.may_assign_roles(user) or form.instance.pk == user.pk)
        ):
            raise PermissionDenied
        super().save_related(request, form, formsets, change)

    def user_change_password(self, request, id, form_url=""):
        """Only the 安全管理员 resets a password (not their own here); the person must change it at
        the next sign-in, and the reset is recorded."""
        person = self.get_object(request, id)
        if person is not None and (
            not roles.may_reset_passwords(request.user) or person.pk == request.user.pk
        ):
            raise PermissionDenied
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302 and person is not None:
            User.objects.filter(pk=person.pk).update(must_change_password=True)
            record_event(SecurityEvent.Kind.PASSWORD_RESET, request, user=person, actor=request.user)
        return response

    @admin.action(description=_("Unlock the selected accounts"))
    def unlock_accounts(self, request, queryset):
        from .services import unlock

        if not roles.may_reset_passwords(request.user):
            raise PermissionDenied
        for person in queryset:
            unlock(person, by=request.user, request=request)
        self.message_user(request, _("Unlocked: %(names)s.") % {"names": "、".join(map(str, queryset))})

    @admin.action(description=_("Clear the second factor of the selected accounts"))
    def clear_second_factor(self, request, queryset):
        from django_otp.plugins.otp_totp.models import TOTPDevice

        if not roles.may_reset_passwords(request.user):
            raise PermissionDenied
        TOTPDevice.objects.filter(user__in=queryset).delete()
        for person in queryset:
            record_event(SecurityEvent.Kind.OTP_RESET, request, user=person, actor=request.user)
        self.message_user(
            request,
            _("The second factor was cleared; they enrol a new one at their next sign-in."),
            messages.SUCCESS,
        )


@admin.register(SecurityEvent)
class SecurityEventAdmin(AuditTrailAdmin):
    """Sign-in events, read by the 审计管理员 only."""

    list_display = ("timestamp", "kind", "username", "actor_label", "remote_addr", "user_agent")
    list_filter = ("kind", "timestamp")
    search_fields = ("username", "actor_label", "remote_addr")
    date_hierarchy = "timestamp"
    readonly_fields = [field.name for field in SecurityEvent._meta.fields]


@admin.register(DataExport)
class DataExportAdmin(AuditTrailAdmin):
    """Downloads of records (common/exports.py), read by the 审计管理员 only."""

    list_display = ("timestamp", "actor_label", "what", "page", "row_count", "remote_addr")
    list_filter = ("page", "timestamp")
    search_fields = ("actor_label", "what", "page")
    date_hierarchy = "timestamp"
    readonly_fields = [field.name for field in DataExport._meta.fields]


class SignInPolicyForm(forms.ModelForm):
    second_factor_roles = forms.MultipleChoiceField(
        label=_("roles that must use a second factor"),
        choices=roles.Role.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = SignInPolicy
        fields = policy.FIELDS


@admin.register(SignInPolicy)
class SignInPolicyAdmin(admin.ModelAdmin):
    """The sign-in policy: one record, read and changed by the 安全管理员 only (三员分立); the
    other administrators and the business roles are refused. Saved through the service, which
    checks the values (a Chinese reason for each bad one), audits the change and puts it in force."""

    form = SignInPolicyForm
    fieldsets = (
        (
            _("Passwords"),
            {
                "fields": (
                    "password_min_length",
                    "password_min_classes",
                    "password_history_count",
                    "password_max_age_days",
                )
            },
        ),
        (_("Sessions"), {"fields": ("idle_timeout_minutes", "idle_warning_seconds")}),
        (_("Lockout"), {"fields": ("lockout_failure_limit", "lockout_minutes")}),
        (_("Second factor"), {"fields": ("second_factor_roles",)}),
    )

    def _allowed(self, request) -> bool:
        return roles.is_security_admin(request.user)

    def has_module_permission(self, request):
        return self._allowed(request)

    def has_view_permission(self, request, obj=None):
        return self._allowed(request)

    def has_change_permission(self, request, obj=None):
        return self._allowed(request)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_object(self, request, object_id, from_field=None):
        from .services import sign_in_policy_record

        if str(object_id) != str(SignInPolicy.SINGLETON_PK):
            return None
        return sign_in_policy_record()

    def changelist_view(self, request, extra_context=None):
        # One record: the list is its form.
        if not self._allowed(request):
            raise PermissionDenied
        return HttpResponseRedirect(
            reverse("admin:accounts_signinpolicy_change", args=[SignInPolicy.SINGLETON_PK])
        )

    def save_model(self, request, obj, form, change):
        from .services import save_sign_in_policy

        save_sign_in_policy(obj, by=request.user)


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
