"""The security administrators' services: roles (三员分立 kept on every path that changes them),
password reset and unlocking. The admin calls these; so may commands."""

from __future__ import annotations

import secrets
import string

from axes.utils import reset as axes_reset
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models.signals import m2m_changed
from django.dispatch import receiver
from django.utils.translation import gettext as _

from . import roles
from .models import SecurityEvent, User
from .signin import record_event


@receiver(m2m_changed, sender=User.groups.through, dispatch_uid="accounts.services.role_separation")
def _keep_administrators_apart(sender, instance, action, reverse, pk_set, using, **kwargs):
    """Refuses, before it is written, any change that would leave someone with two administrator
    roles, whether made from the person's side (user.groups) or the group's (group.user_set)."""
    if action != "pre_add" or not pk_set:
        return
    if not reverse:
        added = set(Group.objects.using(using).filter(pk__in=pk_set).values_list("name", flat=True))
        if added & roles.ADMINISTRATOR_ROLES:
            current = set(instance.groups.using(using).values_list("name", flat=True))
            roles.check_role_separation(current | added)
        return
    if instance.name not in roles.ADMINISTRATOR_ROLES:
        return
    for person in User.objects.using(using).filter(pk__in=pk_set):
        current = set(person.groups.values_list("name", flat=True))
        roles.check_role_separation(current | {instance.name})


def assign_roles(person: User, role_names, *, by: User | None = None) -> None:
    """Give ``person`` exactly ``role_names`` (ValidationError if two administrator roles)."""
    names = set(role_names)
    roles.check_role_separation(names)
    with transaction.atomic():
        person.groups.set(Group.objects.filter(name__in=names))
        if names & roles.ADMINISTRATOR_ROLES and not person.is_staff:
            person.is_staff = True
            person.save(update_fields=["is_staff"])
    person.__dict__.pop("_role_names", None)


def one_time_password(length: int = 14) -> str:
    """A random password meeting the rules (all four classes); the person changes it at once."""
    alphabet = string.ascii_letters + string.digits + "-_.#"
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(length))
        if (
            any(c.islower() for c in candidate)
            and any(c.isupper() for c in candidate)
            and any(c.isdigit() for c in candidate)
            and any(c in "-_.#" for c in candidate)
        ):
            return candidate


def reset_password(person: User, new_password: str | None, *, by: User, request=None) -> str:
    """The 安全管理员 sets a password; the person must change it at the next sign-in."""
    password = new_password or one_time_password()
    person.set_password(password)
    person.must_change_password = True
    person.save()
    record_event(SecurityEvent.Kind.PASSWORD_RESET, request, user=person, actor=by)
    return password


def unlock(person: User, *, by: User, request=None) -> int:
    """Clears the failed attempts that locked ``person`` out (django-axes)."""
    cleared = axes_reset(username=person.get_username())
    record_event(SecurityEvent.Kind.UNLOCKED, request, user=person, actor=by)
    return cleared


def save_sign_in_policy(record, *, by: User):
    """The 安全管理员 sets the sign-in policy (one record): checked (ValidationError with the
    reasons, nothing written), saved (the audit trail keeps old and new values) and put in force at
    once by dropping the cached copy (accounts/policy.py)."""
    from django.core.exceptions import PermissionDenied

    from . import policy
    from .models import SignInPolicy

    if not roles.is_security_admin(by):
        raise PermissionDenied(_("Only the security administrator sets the sign-in policy."))
    record.pk = SignInPolicy.SINGLETON_PK
    record.second_factor_roles = sorted(set(record.second_factor_roles or ()))
    record.full_clean()
    with transaction.atomic():
        record.save()
        transaction.on_commit(policy.invalidate)
    policy.invalidate()
    return record


def sign_in_policy_record():
    """The saved record, or an unsaved one holding the settings' defaults (for the admin form)."""
    from dataclasses import asdict

    from . import policy
    from .models import SignInPolicy

    record = SignInPolicy.objects.filter(pk=SignInPolicy.SINGLETON_PK).first()
    if record is None:
        values = asdict(policy.defaults())
        values["second_factor_roles"] = list(values["second_factor_roles"])
        record = SignInPolicy(pk=SignInPolicy.SINGLETON_PK, **values)
    return record
