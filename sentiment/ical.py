"""A person's duty shifts as an iCalendar feed (RFC 5545) that phone calendars subscribe to, written
by the ``icalendar`` library: it escapes text (commas, semicolons, new lines), folds lines at 75
octets without splitting a UTF-8 character and ends them in CRLF.

Times are written in UTC (the ``Z`` form), which every client reads without a VTIMEZONE block and
shows in its own zone.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from ideology_office.common.privacy import phone_for

from .models import DutyShift

PRODUCT_ID = "-//ideology-office//duty roster//ZH"


def _host() -> str:
    host = settings.ALLOWED_HOSTS[0] if settings.ALLOWED_HOSTS else "*"
    return "ideology-office" if host == "*" else host


def _event(shift: DutyShift, *, person, stamp: datetime.datetime, host: str) -> Event:
    role = _("Duty officer") if shift.officer_id == person.pk else _("Leader on duty")
    event = Event()
    event.add("uid", f"duty-shift-{shift.pk}-{person.pk}@{host}")
    event.add("dtstamp", stamp)
    event.add("dtstart", shift.start.astimezone(datetime.UTC))
    event.add("dtend", shift.end.astimezone(datetime.UTC))
    event.add("summary", _("Duty: %(role)s") % {"role": role})
    event.add(
        "description",
        _("Duty officer: %(officer)s %(phone)s; leader on duty: %(leader)s")
        % {
            "officer": shift.officer.get_full_name(),
            # The feed's reader is its owner: their own duty phone, others' by the one rule.
            "phone": phone_for(shift.phone, person, owner=shift.officer_id),
            "leader": shift.leader.get_full_name(),
        },
    )
    return event


def shifts_ics(*, person, shifts: Iterable[DutyShift]) -> str:
    calendar = Calendar()
    calendar.add("version", "2.0")
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", _("Duty shifts of %(name)s") % {"name": person.get_full_name()})
    stamp = timezone.now().astimezone(datetime.UTC).replace(microsecond=0)
    host = _host()
    for shift in shifts:
        calendar.add_component(_event(shift, person=person, stamp=stamp, host=host))
    return calendar.to_ical().decode("utf-8")
