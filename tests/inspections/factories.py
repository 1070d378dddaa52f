"""Test data for inspections, made through the services so the grants and history are real."""

import datetime
import itertools

from ideology_office.accounts.roles import Role
from inspections import services
from inspections.models import FindingCategory, Inspection

from ..factories import OrgUnitFactory, UserFactory

TOUR_DATE = datetime.date(2024, 3, 1)
_numbers = itertools.count(1)


def category(name="政治方向"):
    return FindingCategory.objects.get(name=name)


def make_inspection(*, user, title=None, date=TOUR_DATE, source=Inspection.Source.PROVINCIAL_TOUR):
    title = title or f"省委巡视反馈{next(_numbers)}"
    return services.inspection_create(source=source, title=title, date=date, user=user)


def make_finding(*, user, inspection=None, description="第一议题学习不及时", category_name="政治方向"):
    inspection = inspection or make_inspection(user=user)
    return services.finding_create(
        inspection=inspection, category=category(category_name), description=description, user=user
    )


def make_task(
    *, user, finding=None, person=None, leader=None, unit=None, deadline=None, measure="修订学习制度"
):
    finding = finding or make_finding(user=user)
    person = person or UserFactory(roles=[Role.STAFF])
    return services.task_create(
        finding=finding,
        measure=measure,
        responsible_leader=leader or UserFactory(roles=[Role.LEADER]),
        responsible_unit=unit or person.section or OrgUnitFactory(),
        responsible_person=person,
        deadline=deadline or finding.inspection.date + datetime.timedelta(days=60),
        user=user,
    )


def carry_to_acceptance(task):
    services.task_progress_add(task=task, user=task.responsible_person, note="已完成整改")
    return services.task_submit(task=task, user=task.responsible_person, note="请验收")


def close_out(task, *, verifier):
    carry_to_acceptance(task)
    return services.task_close(task=task, user=verifier, note="同意销号", evidence_reviewed=True)
