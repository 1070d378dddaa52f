"""The one vocabulary for "who is this person in the office". Every role question in the product
goes through the functions below; no work area reads groups or ``is_superuser`` itself.

Roles are Django groups (created by migration 0002); a person may hold several.

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
    """A person with no role sees the dashboard and a hint to ask an administrator, nothing else."""
    return bool(role_names(user))


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


def may_use_admin(user) -> bool:
    """The Django admin is for administrators (``is_staff`` as well as the role)."""
    return bool(is_admin(user) and user.is_staff)


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


# Model permissions each role receives on every migrate; work-area issues add their models here.
# 管理员 runs the Django admin: every permission of the product's own apps.
PRODUCT_APP_LABELS = (
    "accounts",
    "common",
    "responsibility",
    "study",
    "positions",
    "sentiment",
    "inspections",
    "notifications",
    "reports",
)
ROLE_MODEL_PERMISSIONS: dict[str, list[str]] = {
    Role.ADMIN: [f"{label}.*" for label in PRODUCT_APP_LABELS] + ["auth.view_group", "auth.change_group"],
    Role.LEADER: [],
    Role.SECTION_HEAD: [],
    Role.STAFF: [],
    Role.INSPECTOR: [],
}


def sync_role_permissions(sender=None, apps=None, using="default", **kwargs):
    """Give each role group exactly the model permissions listed above (idempotent)."""
    from django.apps import apps as global_apps
    from django.contrib.auth.models import Group, Permission

    # post_migrate fires once per app, and each app's permissions are created by its own signal:
    # only after the last app are they all there.
    if sender is None or sender is not list(global_apps.get_app_configs())[-1]:
        return
    for role, patterns in ROLE_MODEL_PERMISSIONS.items():
        group, _ = Group.objects.using(using).get_or_create(name=role)
        wanted = Permission.objects.using(using).none()
        for pattern in patterns:
            app_label, codename = pattern.split(".", 1)
            query = Permission.objects.using(using).filter(content_type__app_label=app_label)
            if codename != "*":
                query = query.filter(codename=codename)
            wanted = wanted | query
        group.permissions.set(wanted)
