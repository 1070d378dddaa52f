"""Reminder sources: the kinds of record that have dates people must be reminded of.

Each work area registers its sources in its AppConfig.ready() under a stable key that reminder
rules store as data (``inspections.task_deadline``). A source answers two questions, in batches
so the planner's queries stay bounded however many records are open:

* ``open_items(since=, until=, after=, limit=)``: open (not done) records whose moment lies in
  ``[since, until]`` (``since`` None: no lower bound, for overdue repeats), ordered by primary key
  and starting after the key ``after``, at most ``limit`` of them, as :class:`DueItem`. One or two
  queries per call, whatever ``limit`` is.
* ``done_ids(object_ids)``: which of these record ids are done (closed, voided, shift over), so
  that pending reminders for them are cancelled. One query.

For a date deadline the source decides the hour (for example 09:00 local on the day).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.utils.functional import Promise


@dataclass(frozen=True)
class DueItem:
    content_type_id: int
    object_id: str
    moment: datetime.datetime
    recipients: tuple[int, ...]
    title: str
    body: str = ""
    url: str = ""
    escalation_recipients: tuple[int, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class ReminderSource:
    key: str
    label: str | Promise
    open_items: Callable[..., list[DueItem]]
    done_ids: Callable[[Iterable[str]], set[str]]


_registry: dict[str, ReminderSource] = {}


def register_source(source: ReminderSource) -> None:
    _registry[source.key] = source


def unregister_source(key: str) -> None:
    _registry.pop(key, None)


def source(key: str) -> ReminderSource | None:
    return _registry.get(key)


def sources() -> list[ReminderSource]:
    return sorted(_registry.values(), key=lambda item: item.key)


def date_moment(day: datetime.date, hour: int = 9, minute: int = 0) -> datetime.datetime:
    """The aware moment of a date deadline: ``hour`` o'clock local time on that day."""
    from django.utils import timezone

    naive = datetime.datetime.combine(day, datetime.time(hour, minute))
    return timezone.make_aware(naive, timezone.get_current_timezone())
