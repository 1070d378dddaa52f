"""The admin saves through the services: a rule refused in a page is refused here too."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from responsibility import services
from responsibility.models import (
    AssessmentScheme,
    LeadingGroupMembership,
    OfficeMeeting,
    SchemeItem,
    WorkPriority,
)

from .factories import OfficeMeetingFactory, leader_user, scheme_with_items

D = datetime.date


@pytest.fixture
def superuser(db):
    from tests.factories import UserFactory

    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.mark.django_db
def test_every_admin_page_opens(client, superuser, info_section):
    OfficeMeetingFactory()
    scheme_with_items(items=[{"requirement": "r", "max_points": Decimal(10)}])
    client.force_login(superuser)
    for model in (
        "leadinggroupmembership",
        "dutyassignment",
        "officemeeting",
        "followupaction",
        "workpriority",
        "assessmentscheme",
        "schemeitem",
        "assessment",
    ):
        assert client.get(reverse(f"admin:responsibility_{model}_changelist")).status_code == 200, model
    for model in (
        "leadinggroupmembership",
        "dutyassignment",
        "officemeeting",
        "workpriority",
        "assessmentscheme",
        "schemeitem",
    ):
        assert client.get(reverse(f"admin:responsibility_{model}_add")).status_code == 200, model
    meeting = OfficeMeeting.objects.get()
    assert (
        client.get(reverse("admin:responsibility_officemeeting_change", args=[meeting.pk])).status_code == 200
    )


@pytest.mark.django_db
def test_a_second_group_leader_is_refused_in_the_admin_too(client, superuser, chief):
    services.membership_create(
        person=chief, role="leader", start_date=D(2021, 1, 1), start_reason="成立", user=None
    )
    other = leader_user()
    client.force_login(superuser)
    response = client.post(
        reverse("admin:responsibility_leadinggroupmembership_add"),
        {
            "person": other.pk,
            "role": "leader",
            "start_date": "2023-01-01",
            "start_reason": "调整",
            "end_reason": "",
        },
        follow=True,
    )
    assert "任何时候只能有一名组长" in response.content.decode()
    assert LeadingGroupMembership.objects.count() == 1


@pytest.mark.django_db
def test_the_admin_adds_a_work_priority_through_the_service(client, superuser):
    client.force_login(superuser)
    response = client.post(
        reverse("admin:responsibility_workpriority_add"),
        {"year": "2023", "position": "1", "text": "意识形态工作", "concerns_ideology": "on"},
    )
    assert response.status_code == 302
    priority = WorkPriority.objects.get()
    assert priority.created_by == superuser


@pytest.mark.django_db
def test_an_incomplete_rule_is_refused_in_the_admin(client, superuser):
    scheme = scheme_with_items()
    client.force_login(superuser)
    client.post(
        reverse("admin:responsibility_schemeitem_add"),
        {
            "scheme": scheme.pk,
            "position": "1",
            "heading": "一",
            "kind": "scored",
            "requirement": "r",
            "max_points": "10",
            "deduction_rule": "",
            "count_key": "responsibility.office_meeting",
            "count_filters": "{}",
            "count_mode": "",
            "count_required": "",
            "count_period": "",
            "points_per_miss": "",
        },
        follow=True,
    )
    assert not SchemeItem.objects.exists()
    assert AssessmentScheme.objects.count() == 1


@pytest.mark.django_db
def test_ledger_rows_cannot_be_deleted_in_the_admin(client, superuser):
    meeting = OfficeMeetingFactory()
    client.force_login(superuser)
    assert (
        client.get(reverse("admin:responsibility_officemeeting_delete", args=[meeting.pk])).status_code == 403
    )
