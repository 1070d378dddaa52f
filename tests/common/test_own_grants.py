"""A personal grant (a reviewer's step, a responsible person's progress) is asked of one record
(``has_own_grant``) and of a list (``own_grant_pks``) by one rule: made to this very person, who is
signed in with an active account; a group's grant, a superuser's status or a grant on another
record opens nothing."""

import pytest
from django.contrib.auth.models import AnonymousUser, Group
from guardian.shortcuts import assign_perm, remove_perm

from ideology_office.accounts.roles import Role
from ideology_office.common.policies import has_own_grant, own_grant_pks
from inspections.models import RectificationTask
from inspections.permissions import PROGRESS_PERMISSION

from ..factories import UserFactory
from ..inspections.factories import make_task

pytestmark = pytest.mark.django_db


def _both(user, task) -> tuple[bool, bool]:
    """(the one-record answer, whether the list's subquery holds the record)."""
    listed = RectificationTask.objects.filter(
        pk__in=own_grant_pks(user, PROGRESS_PERMISSION, RectificationTask)
    )
    return has_own_grant(user, PROGRESS_PERMISSION, task), listed.filter(pk=task.pk).exists()


def test_one_record_and_a_list_answer_alike(inspector):
    task, other_task = make_task(user=inspector), make_task(user=inspector)
    holder = task.responsible_person
    assert _both(holder, task) == (True, True)
    # A grant on another record, or of another permission, is not this one.
    assert _both(holder, other_task) == (False, False)
    assert not has_own_grant(holder, "inspections.change_rectificationtask", task)

    # A group's grant is nobody's own.
    member = UserFactory(roles=[Role.STAFF])
    group = Group.objects.create(name="整改协办")
    member.groups.add(group)
    assign_perm(PROGRESS_PERMISSION, group, task)
    assert _both(member, task) == (False, False)

    # A superuser holds no personal grant by status.
    chief = UserFactory(roles=[Role.ADMIN], is_superuser=True)
    assert _both(chief, task) == (False, False)

    # Nobody signed in, and an account made inactive, hold nothing.
    assert _both(AnonymousUser(), task) == (False, False)
    holder.is_active = False
    assert _both(holder, task) == (False, False)
    holder.is_active = True

    # Taken back, the grant is gone from both answers.
    remove_perm(PROGRESS_PERMISSION, holder, task)
    assert _both(holder, task) == (False, False)
