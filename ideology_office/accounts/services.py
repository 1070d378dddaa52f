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

from ideology_office.common.audit import record_entry

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


# The load test (bench/load.py) -------------------------------------------------------------------

BENCH_DEVICE_NAME = "bench"


@transaction.atomic
def enable_bench_sign_in(*, password: str, totp_key: str) -> dict[str, int]:
    """Lets the load test sign in as the synthetic people of ``seed_demo --scale N`` (user names
    ``scale-…``) and nobody else: one password for all of them (set once, as a fresh password,
    not to be changed at the next sign-in), and for those whose roles require a second factor a
    confirmed TOTP device named "bench" with the hex ``totp_key``, so the load test computes their
    codes. Every changed account is an entry of the audit trail (the password masked), made in the
    caller's audit context. Raises ValueError when the database holds no synthetic people.

    Only for a copy of the database made for benchmarking: ``manage.py bench_accounts`` is the
    one caller, and it refuses production-like settings unless told otherwise."""
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from ideology_office.common.scale import PREFIX

    from .policy import current

    people = User.objects.filter(username__startswith=PREFIX)
    if not people.exists():
        raise ValueError("no synthetic people")
    updated = people.update(
        password=make_password(password), password_changed_at=timezone.now(), must_change_password=False
    )
    required = set(current().second_factor_roles)
    second_factor = list(people.filter(groups__name__in=required).distinct().values_list("pk", flat=True))
    TOTPDevice.objects.filter(user_id__in=second_factor, name=BENCH_DEVICE_NAME).delete()
    devices = TOTPDevice.objects.bulk_create(
        TOTPDevice(user_id=pk, name=BENCH_DEVICE_NAME, key=totp_key, confirmed=True) for pk in second_factor
    )
    # django-otp's devices are not audited models: each one is recorded here (never its key).
    for device in devices:
        record_entry(
            device,
            "create",
            {"user": [None, device.user_id], "name": [None, BENCH_DEVICE_NAME], "confirmed": [None, True]},
            text=f"{BENCH_DEVICE_NAME} · {device.user_id}",
        )
    return {"people": updated, "devices": len(second_factor)}
