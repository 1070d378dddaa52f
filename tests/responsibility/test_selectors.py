import datetime

import pytest

from ideology_office.common.services import record_void
from responsibility import selectors, services
from responsibility.models import LeadingGroupMembership
from tests.factories import OrgUnitFactory, UserFactory

from .factories import FollowUpActionFactory, WorkPriorityFactory, leader_user, scheme_with_items, section

D = datetime.date


def member(person, role=LeadingGroupMembership.Role.MEMBER, start=None):
    return services.membership_create(
        person=person, role=role, start_date=start or D(2021, 1, 15), start_reason="成立", user=None
    )


@pytest.mark.django_db
def test_the_group_on_a_past_date_is_shown_as_it_was(chief):
    old = member(UserFactory(real_name="旧成员"))
    services.membership_end(membership=old, end_date=D(2022, 12, 31), reason="调离", user=None)
    leader = member(chief, role=LeadingGroupMembership.Role.LEADER)
    new = member(UserFactory(real_name="新成员"), start=D(2023, 1, 1))
    assert selectors.leading_group_on(D(2022, 6, 1)) == [leader, old]
    assert selectors.leading_group_on(D(2023, 6, 1)) == [leader, new]


@pytest.mark.django_db
def test_the_group_needs_adjustment_when_a_member_leaves_or_changes_post(chief, django_assert_num_queries):
    leaving = member(UserFactory(real_name="离职者"))
    promoted = member(UserFactory(real_name="提拔者", title="科员"))
    moved = member(UserFactory(real_name="调股者"))
    member(chief, role=LeadingGroupMembership.Role.LEADER)
    with django_assert_num_queries(1):
        assert selectors.leading_group_needs_adjustment() == []
    leaving.person.is_active = False
    leaving.person.save()
    promoted.person.title = "股长"
    promoted.person.save()
    moved.person.section = OrgUnitFactory()
    moved.person.save()
    flagged = selectors.leading_group_needs_adjustment()
    assert {membership.pk for membership in flagged} == {leaving.pk, promoted.pk, moved.pk}
    # Recording the change clears the flag and keeps the history.
    services.membership_record_post_change(
        membership=promoted, on=D(2024, 1, 1), reason="提拔后继续任成员", user=chief
    )
    services.membership_end(membership=leaving, end_date=D(2024, 1, 1), reason="调离", user=chief)
    services.membership_replace(
        membership=moved, successor=UserFactory(), on=D(2024, 1, 1), reason="调整", user=chief
    )
    assert selectors.leading_group_needs_adjustment() == []
    assert LeadingGroupMembership.objects.filter(person=promoted.person).count() == 2


@pytest.mark.django_db
def test_years_without_ideology_priorities():
    WorkPriorityFactory(year=2021, concerns_ideology=True)
    WorkPriorityFactory(year=2022, concerns_ideology=False)
    voided = WorkPriorityFactory(year=2023, concerns_ideology=True)
    record_void(record=voided, user=None, reason="录错")
    assert selectors.years_without_ideology_priorities([2021, 2022, 2023, 2022]) == [2022, 2023]


@pytest.mark.django_db
def test_open_follow_up_actions_for_a_user(staff):
    mine = FollowUpActionFactory(owner=staff, deadline=D(2023, 5, 1))
    earlier = FollowUpActionFactory(owner=staff, deadline=D(2023, 4, 1))
    FollowUpActionFactory(owner=staff, status="done", done_on=D(2023, 3, 1))
    FollowUpActionFactory()
    voided = FollowUpActionFactory(owner=staff)
    record_void(record=voided, user=staff, reason="重复")
    assert list(selectors.follow_up_actions_for_user(staff)) == [earlier, mine]


@pytest.mark.django_db
def test_assessments_in_progress(info_section, inspector):
    scheme = scheme_with_items(items=[{"requirement": "r", "max_points": 10}])
    running = services.assessment_create(
        scheme=scheme, target_kind="section", target_unit=info_section, assessor=inspector
    )
    other = services.assessment_create(
        scheme=scheme, target_kind="section", target_unit=section("综合股", "gen"), assessor=inspector
    )
    line = other.scores.get()
    services.score_confirm(line=line, score=10, reason="", user=inspector)
    services.assessment_complete(assessment=other, user=inspector)
    assert list(selectors.assessments_in_progress()) == [running]


def chain_data(leader_count):
    sections = [section(f"股{number}", f"s{number}") for number in range(leader_count + 1)]
    principal = leader_user(real_name="主任")
    services.assignment_save(
        year=2023,
        leader=principal,
        is_principal=True,
        sections=[],
        fields_in_charge="全面",
        duties="",
        letter_signed_on=D(2023, 2, 1),
        user=None,
    )
    for number in range(leader_count):
        services.assignment_save(
            year=2023,
            leader=leader_user(),
            is_principal=False,
            sections=[sections[number]],
            fields_in_charge="",
            duties="",
            letter_signed_on=None if number == 0 else D(2023, 2, 1),
            user=None,
        )
    return sections


@pytest.mark.parametrize("leader_count", [3, 20])
@pytest.mark.django_db
def test_the_chain_shows_gaps_in_a_fixed_number_of_queries(leader_count, django_assert_num_queries):
    sections = chain_data(leader_count)
    unassigned = leader_user(real_name="未分工")
    with django_assert_num_queries(6):
        chain = selectors.duty_chain(2023)
    assert [assignment.leader.real_name for assignment in chain.principals] == ["主任"]
    assert len(chain.in_charge) == leader_count
    assert chain.uncovered_sections == [sections[-1]]
    assert len(chain.without_letter) == 1
    assert chain.leaders_without_assignment == [unassigned]
    assert chain.has_gaps
