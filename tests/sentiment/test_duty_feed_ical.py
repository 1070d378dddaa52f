"""The duty feed is valid RFC 5545, checked by parsing it back with the icalendar library: one
event per own shift with time-zone-aware times, Chinese text escaped and folded correctly."""

import datetime

import pytest
from django.urls import reverse
from icalendar import Calendar

from sentiment import services
from sentiment.models import DutyShift

from .factories import future_month, published_roster, staff_people


@pytest.fixture
def roster(leader):
    officers = staff_people(3)
    # Characters RFC 5545 asks to escape in TEXT values, and a name long enough to be folded.
    officers[0].real_name = "欧阳,明;远\\值班员甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥"
    officers[0].save(update_fields=["real_name"])
    published_roster(month=future_month(), leader=leader, officers=officers, leaders=[leader])
    return officers


def feed(client, person) -> str:
    token = services.duty_feed_token_for(person=person).token
    response = client.get(reverse("sentiment:duty_feed", args=[token]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Cache-Control"] == "private, no-store"
    return response.content.decode("utf-8")


def test_the_feed_parses_back_to_one_event_per_own_shift_with_aware_times(client, roster):
    officer = roster[0]
    text = feed(client, officer)
    calendar = Calendar.from_ical(text)
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["X-WR-CALNAME"]) == f"{officer.real_name}的值班安排"
    events = calendar.walk("VEVENT")
    shifts = {shift.pk: shift for shift in DutyShift.objects.filter(officer=officer)}
    assert len(events) == len(shifts) > 0
    assert len({str(event["UID"]) for event in events}) == len(events)
    for event in events:
        shift = shifts[int(str(event["UID"]).split("-")[2])]
        start, end = event.decoded("DTSTART"), event.decoded("DTEND")
        assert start.tzinfo is not None and start.utcoffset() == datetime.timedelta(0)
        assert (start, end) == (shift.start, shift.end)
        assert event.decoded("DTSTAMP").tzinfo is not None
        assert str(event["SUMMARY"]) == "值班：值班员"
        assert str(event["DESCRIPTION"]) == (
            f"值班员：{officer.real_name} {shift.phone}；带班领导：{shift.leader.real_name}"
        )


def test_the_leader_s_feed_names_the_leader_role(client, roster, leader):
    events = Calendar.from_ical(feed(client, leader)).walk("VEVENT")
    assert len(events) == DutyShift.objects.filter(leader=leader).count() > 0
    assert {str(event["SUMMARY"]) for event in events} == {"值班：带班领导"}


def test_text_is_escaped_and_lines_folded_at_75_octets_on_character_boundaries(client, roster):
    raw = feed(client, roster[0]).encode("utf-8")
    assert raw.startswith(b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:")
    assert raw.endswith(b"END:VCALENDAR\r\n")
    lines = raw.split(b"\r\n")
    assert b"\n" not in b"".join(lines)
    for line in lines:
        assert len(line) <= 75
        line.decode("utf-8")  # a fold never splits a character
    unfolded = raw.replace(b"\r\n ", b"").decode("utf-8")
    assert "欧阳\\,明\\;远\\\\值班员" in unfolded
    assert any(line.startswith(b" ") for line in lines)  # the long name was folded
