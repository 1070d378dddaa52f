"""The one vocabulary for "who is this person in the office". Every role question in the product
goes through the functions below; no work area reads groups or ``is_superuser`` itself.

Roles are Django groups (created by migrations 0002 and 0005); a person may hold several.

**Three administrators (三员分立, GB/T 22239-2019 level 3).** The security functions belong to
three administrator roles, of which no account holds more than one (:func:`check_role_separation`,
enforced on every change of a person's roles):

* 系统管理员 runs accounts, organisation units, configuration, reminder rules and report templates;
* 安全管理员 assigns roles, resets passwords (the person must change it at the next sign-in) and
  unlocks locked accounts;
* 审计管理员 reads and exports the audit trail, and nothing else.

None of them opens a work area: they are not business roles. 管理员 stays the business-side
administrator of the work areas (their records, configuration rows and the admin pages of them)
and reaches none of the security functions; nor do 办公室领导, 股室负责人, 工作人员 and 督查人员.

**Superusers.** A superuser counts as holding the 管理员 role, and nothing more: it reaches what an
administrator reaches (every work area's records, the admin), but it is no bypass of the rules that
separate duties. It does not sign reviews, close out tasks or decide requests unless it also holds
the business role and, where one is needed, the per-record grant. An inactive account holds no role.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.db import models


class Role(models.TextChoices):
    # The group names are data shown to users, so they are stored in Chinese.
    ADMIN = "管理员", "管理员"
    LEADER = "办公室领导", "办公室领导"
    SECTION_HEAD = "股室负责人", "股室负责人"
    STAFF = "工作人员", "工作人员"
    INSPECTOR = "督查人员", "督查人员"
    # 三员: the administrators of the system itself (no business role).
    SYSTEM_ADMIN = "系统管理员", "系统管理员"
    SECURITY_ADMIN = "安全管理员", "安全管理员"
    AUDIT_ADMIN = "审计管理员", "审计管理员"


# The three administrators: no account holds two of them.
ADMINISTRATOR_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})
BUSINESS_ROLES = frozenset({Role.ADMIN, Role.LEADER, Role.SECTION_HEAD, Role.STAFF, Role.INSPECTOR})


# Roles that see every section's records (office-wide oversight).
OFFICE_WIDE_ROLES = frozenset({Role.ADMIN, Role.LEADER, Role.INSPECTOR})


def role_names(user) -> frozenset[str]:
    """The person's roles; a superuser also holds 管理员; anonymous and inactive people hold none."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    return user.role_names


def has_role(user, *roles: str) -> bool:
    """Whether the person holds any of ``roles``."""
    return bool(role_names(user) & set(roles))


def has_any_role(user) -> bool:
    """A person with no business role sees the dashboard and a hint to ask an administrator,
    nothing else. The three administrators hold no business role: they open no work area."""
    return bool(role_names(user) & BUSINESS_ROLES)


def is_admin(user) -> bool:
    return has_role(user, Role.ADMIN)


def is_leader(user) -> bool:
    return has_role(user, Role.LEADER)


def is_inspector(user) -> bool:
    return has_role(user, Role.INSPECTOR)


def is_section_head(user) -> bool:
    return has_role(user, Role.SECTION_HEAD)


def is_staff_member(user) -> bool:
    return has_role(user, Role.STAFF)


def sees_office_wide(user) -> bool:
    """Leaders, inspectors and administrators oversee every section."""
    return bool(role_names(user) & OFFICE_WIDE_ROLES)


def records_for_own_section(user) -> bool:
    """Staff and section heads record the work of their own section."""
    return has_role(user, Role.STAFF, Role.SECTION_HEAD) and user.section_id is not None


def headed_section_ids(user) -> frozenset[int]:
    """The sections the person heads: their own section, when they hold 股室负责人."""
    if is_section_head(user) and user.section_id:
        return frozenset({user.section_id})
    return frozenset()


def is_system_admin(user) -> bool:
    return has_role(user, Role.SYSTEM_ADMIN)


def is_security_admin(user) -> bool:
    return has_role(user, Role.SECURITY_ADMIN)


def is_audit_admin(user) -> bool:
    return has_role(user, Role.AUDIT_ADMIN)


def administrator_roles(user) -> frozenset[str]:
    """Which of the three administrator roles the person holds (at most one)."""
    return role_names(user) & ADMINISTRATOR_ROLES


def may_use_admin(user) -> bool:
    """The Django admin is for administrators (``is_staff`` as well as the role): the business-side
    管理员 and the three administrators, each seeing only its own pages there."""
    return bool((is_admin(user) or administrator_roles(user)) and user.is_staff)


def may_read_audit(user) -> bool:
    """Only the 审计管理员 reads and exports the audit trail (a superuser neither)."""
    return is_audit_admin(user)


def may_assign_roles(user) -> bool:
    """Roles and staff status are given by the 安全管理员 (and a development superuser)."""
    return is_security_admin(user) or bool(role_names(user) and user.is_superuser)


def may_reset_passwords(user) -> bool:
    """Passwords are reset, and locked accounts unlocked, by the 安全管理员 (and a development
    superuser)."""
    return may_assign_roles(user)


def may_manage_accounts(user) -> bool:
    """Accounts and organisation units are kept by the 系统管理员 and the business-side 管理员."""
    return is_system_admin(user) or is_admin(user)


def check_role_separation(names: Iterable[str]) -> None:
    """Refuse a set of roles holding two of the three administrators (三员分立)."""
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    held = sorted(set(names) & ADMINISTRATOR_ROLES)
    if len(held) > 1:
        raise ValidationError(
            _("No account may hold two administrator roles (%(roles)s): the three are kept apart.")
            % {"roles": "、".join(held)},
            code="administrator_roles_combined",
        )


def second_factor_required(user) -> bool:
    """Whether the person must sign in with a second factor (the sign-in policy's roles;
    OTP_REQUIRED_ROLES until the 安全管理员 sets them)."""
    from .policy import current

    required = set(current().second_factor_roles)
    return bool(required and role_names(user) & required)


# "Which sections does this leader lead" is answered from the dual-duty assignments, which live in
# a work area; that area registers the answer here so that this module imports none of its models.
LedSectionsProvider = Callable[[object, int | None], Iterable[int]]
_led_sections_provider: LedSectionsProvider | None = None


def register_led_sections_provider(provider: LedSectionsProvider) -> None:
    global _led_sections_provider
    _led_sections_provider = provider


def led_section_ids(user, year: int | None = None) -> frozenset[int]:
    """The sections a leader is in charge of (分管) in ``year`` (this year when None)."""
    if not is_leader(user) or _led_sections_provider is None:
        return frozenset()
    return frozenset(_led_sections_provider(user, year))


# Model permissions each role receives on every migrate. 管理员 runs the Django admin: every permission
# of the shared floor's apps and of every work area (each contract's label, added when the permissions
# are synced, so a new work area needs no line here).
SHARED_FLOOR_APP_LABELS = ("accounts", "common", "notifications", "reports")
ROLE_MODEL_PERMISSIONS: dict[str, list[str]] = {
    Role.ADMIN: [f"{label}.*" for label in SHARED_FLOOR_APP_LABELS]
    + ["auth.view_group", "auth.change_group"],
    Role.LEADER: [],
    Role.SECTION_HEAD: [],
    Role.STAFF: [],
    Role.INSPECTOR: [],
    # 三员分立: each administrator's pages in the admin.
    Role.SYSTEM_ADMIN: [
        "accounts.add_user",
        "accounts.change_user",
        "accounts.view_user",
        "accounts.add_orgunit",
        "accounts.change_orgunit",
        "accounts.view_orgunit",
        "accounts.delete_orgunit",
        "notifications.*",
        "reports.*",
        "auth.view_group",
    ],
    Role.SECURITY_ADMIN: [
        "accounts.view_user",
        "accounts.change_user",
        "accounts.view_orgunit",
        "auth.view_group",
        "axes.view_accessattempt",
        "axes.view_accesslog",
    ],
    Role.AUDIT_ADMIN: ["common.view_auditentry", "accounts.view_securityevent", "accounts.view_dataexport"],
}


def sync_role_permissions(sender=None, apps=None, using="default", **kwargs):
    """Give each role group exactly the model permissions listed above (idempotent)."""
    from django.apps import apps as global_apps
    from django.contrib.auth.models import Group, Permission

    # post_migrate fires once per app, and each app's permissions are created by its own signal:
    # only after the last app are they all there.
    if sender is None or sender is not list(global_apps.get_app_configs())[-1]:
        return
    from ideology_office.common.contracts import contracts

    work_areas = [f"{contract.label}.*" for contract in contracts()]
    for role, patterns in ROLE_MODEL_PERMISSIONS.items():
        if role == Role.ADMIN:
            patterns = [*patterns, *work_areas]
        group, _ = Group.objects.using(using).get_or_create(name=role)
        wanted = Permission.objects.using(using).none()
        for pattern in patterns:
            app_label, codename = pattern.split(".", 1)
            query = Permission.objects.using(using).filter(content_type__app_label=app_label)
            if codename != "*":
                query = query.filter(codename=codename)
            wanted = wanted | query
        group.permissions.set(wanted)
