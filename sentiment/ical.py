"""A person's duty shifts as iCalendar text (RFC 5545) that phone calendars subscribe to.

Times are written in UTC (the ``Z`` form), which every client reads without a VTIMEZONE block;
lines end in CRLF and are folded at 75 octets without splitting a UTF-8 character.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import DutyShift


def _escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def _utc(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


def fold(line: str) -> str:
    """Fold a content line into pieces of at most 75 octets, continuation lines starting with a space."""
    pieces, current, size = [], "", 0
    for char in line:
        width = len(char.encode("utf-8"))
        limit = 75 if not pieces else 74
        if size + width > limit:
            pieces.append(current)
            current, size = "", 0
        current += char
        size += width
    pieces.append(current)
    return "\r\n ".join(pieces)


def shifts_ics(*, person, shifts: Iterable[DutyShift]) -> str:
    stamp = _utc(timezone.now())
    host = (
        settings.ALLOWED_HOSTS[0]
        if settings.ALLOWED_HOSTS and settings.ALLOWED_HOSTS[0] != "*"
        else "ideology-office"
    )
    calendar_name = _("Duty shifts of %(name)s") % {"name": person.get_full_name()}
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//ideology-office//duty roster//ZH",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "X-WR-CALNAME:" + _escape(calendar_name),
    ]
    for shift in shifts:
        role = _("Duty officer") if shift.officer_id == person.pk else _("Leader on duty")
        description = _("Duty officer: %(officer)s %(phone)s; leader on duty: %(leader)s") % {
            "officer": shift.officer.get_full_name(),
            "phone": shift.phone,
            "leader": shift.leader.get_full_name(),
        }
        summary = _("Duty: %(role)s") % {"role": role}
        lines += [
            "BEGIN:VEVENT",
            f"UID:duty-shift-{shift.pk}-{person.pk}@{host}",
            f"DTSTAMP:{stamp}",
            f"DTSTART:{_utc(shift.start)}",
            f"DTEND:{_utc(shift.end)}",
            "SUMMARY:" + _escape(summary),
            f"DESCRIPTION:{_escape(description)}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
