"""A meeting's first-agenda study links to the same study in the study ledger."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from ideology_office.accounts.roles import Role
from responsibility import services
from responsibility.models import AgendaItem
from study.models import StudySession
from tests.factories import UserFactory
from tests.study.factories import SessionFactory

from .factories import OfficeMeetingFactory

MEETING_DAY = datetime.date(2023, 3, 10)


@pytest.fixture
def meeting(db):
    meeting = OfficeMeetingFactory(date=MEETING_DAY, on_ideology=True)
    services.agenda_item_add(
        meeting=meeting,
        kind=AgendaItem.Kind.FIRST_TOPIC,
        title="学习总书记重要讲话",
        material="重要讲话",
        user=None,
    )
    services.agenda_item_add(
        meeting=meeting, kind=AgendaItem.Kind.ORDINARY, title="研究工作", material="", user=None
    )
    return meeting


def first_agenda_session(**overrides):
    fields = {
        "kind": StudySession.Kind.FIRST_AGENDA,
        "first_agenda_venue": "office_meeting",
        "date": MEETING_DAY,
        "topic": "第一议题：学习重要讲话",
    }
    return SessionFactory(**{**fields, **overrides})


@pytest.mark.django_db
def test_the_first_agenda_item_links_to_the_study_held_at_the_meeting(meeting):
    session = first_agenda_session()
    item = meeting.agenda_items.get(position=1)
    services.agenda_item_link_study_session(item=item, session=session, user=None)
    item.refresh_from_db()
    assert item.study_session == session
    assert list(session.office_meeting_agenda_items.all()) == [item]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "overrides",
    [
        {"date": MEETING_DAY + datetime.timedelta(days=1)},
        {"first_agenda_venue": "central_group"},
        {"kind": StudySession.Kind.CENTRAL_GROUP, "first_agenda_venue": ""},
    ],
    ids=["another day", "held at the central group", "not a first-agenda study"],
)
def test_a_session_that_is_not_this_meetings_study_is_refused(meeting, overrides):
    session = first_agenda_session(**overrides)
    item = meeting.agenda_items.get(position=1)
    with pytest.raises(ValidationError) as error:
        services.agenda_item_link_study_session(item=item, session=session, user=None)
    assert "2023-03-10" in error.value.message_dict["study_session"][0]
    item.refresh_from_db()
    assert item.study_session is None


@pytest.mark.django_db
def test_an_ordinary_item_cannot_be_linked(meeting):
    with pytest.raises(ValidationError) as error:
        services.agenda_item_link_study_session(
            item=meeting.agenda_items.get(position=2), session=first_agenda_session(), user=None
        )
    assert error.value.message_dict["study_session"] == ["只有第一议题学习议题才能关联学习台账。"]


@pytest.mark.django_db
def test_the_meeting_page_links_the_study_and_only_its_recorder_may_link(client, meeting, leader, staff):
    session = first_agenda_session()
    head = UserFactory(roles=[Role.SECTION_HEAD], section=meeting.section)
    url = reverse(
        "responsibility:agenda_item_link_study", args=[meeting.pk, meeting.agenda_items.get(position=1).pk]
    )

    client.force_login(staff)
    assert client.post(url, {"study_session": session.pk}).status_code in (403, 404)

    client.force_login(head)
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert "关联学习台账" in page
    response = client.post(url, {"study_session": session.pk}, follow=True)
    assert "已将第一议题学习关联到学习台账" in response.content.decode()
    assert f'href="{session.get_absolute_url()}"' in response.content.decode()


@pytest.mark.django_db
def test_with_nothing_to_link_the_page_says_how_to_fill_the_list(client, meeting):
    head = UserFactory(roles=[Role.SECTION_HEAD], section=meeting.section)
    client.force_login(head)
    page = client.get(meeting.get_absolute_url()).content.decode()
    # No empty drop-down: the reason and the way to fill it instead.
    assert 'name="study_session"' not in page
    assert 'data-testid="study-link-empty"' in page
    assert "2023-03-10" in page and reverse("study:session_create") in page
    first_agenda_session()
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert 'name="study_session"' in page
    assert 'data-testid="study-link-empty"' not in page
