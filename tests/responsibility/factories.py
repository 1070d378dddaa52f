"""Records of the responsibility area for tests, written through the services where rules apply."""

import datetime
from decimal import Decimal

import factory

from ideology_office.accounts.models import OrgUnit
from ideology_office.accounts.roles import Role
from responsibility import services
from responsibility.models import FollowUpAction, OfficeMeeting, SchemeItem, WorkPriority
from tests.factories import OrgUnitFactory, UserFactory


def section(name="信息股", code="info"):
    return OrgUnitFactory(name=name, code=code, kind=OrgUnit.Kind.SECTION)


def leader_user(**kwargs):
    kwargs.setdefault("title", "副主任")
    # Leaders belong to the office itself, not to a section.
    kwargs.setdefault("section", None)
    return UserFactory(roles=[Role.LEADER], **kwargs)


class OfficeMeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OfficeMeeting

    date = datetime.date(2023, 3, 10)
    title = factory.Sequence(lambda n: f"室务会{n}")
    place = "三楼会议室"
    chair = factory.SubFactory(UserFactory)
    section = factory.SubFactory(OrgUnitFactory)
    on_ideology = False


class FollowUpActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FollowUpAction

    meeting = factory.SubFactory(OfficeMeetingFactory)
    description = factory.Sequence(lambda n: f"落实事项{n}")
    owner = factory.SubFactory(UserFactory)
    deadline = datetime.date(2023, 4, 10)


class WorkPriorityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkPriority

    year = 2023
    position = factory.Sequence(lambda n: n + 1)
    text = factory.Sequence(lambda n: f"工作要点{n}")


def scheme_with_items(*, year=2023, admin=None, items=None):
    """A scheme with the given item specs (dicts of SchemeItem fields), through the services."""
    scheme = services.scheme_save(
        year=year,
        name="考核细则",
        excellent_from=Decimal(90),
        good_from=Decimal(80),
        fair_from=Decimal(60),
        bonus_cap=Decimal(5),
        user=admin,
    )
    for spec in items or []:
        spec = {"heading": "一、组织领导", "kind": SchemeItem.Kind.SCORED, "requirement": "要求", **spec}
        services.scheme_item_save(scheme=scheme, user=admin, **spec)
    return scheme
