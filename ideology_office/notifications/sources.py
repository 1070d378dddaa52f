"""Reminder sources: the kinds of record that have dates people must be reminded of.

Each work area declares its sources in its contract (``<app>/contract.py``: ``reminder_sources``,
with their default rules) under a stable key that reminder rules store as data
(``inspections.task_deadline``); ``register_source`` adds one by hand (tests). A source answers two questions, in batches
so the planner's queries stay bounded however many records are open:

* ``open_items(since=, until=, after=, limit=)``: open (not done) records whose moment lies in
  ``[since, until]`` (``since`` None: no lower bound, for overdue repeats), ordered by primary key
  and starting after the key ``after``, at most ``limit`` of them, as :class:`DueItem`. One or two
  queries per call, whatever ``limit`` is.
* ``done_ids(object_ids)``: which of these record ids are done (closed, voided, shift over), so
  that pending reminders for them are cancelled. One query.

For a date deadline the source decides the hour (for example 09:00 local on the day).

A source whose records are not "overdue work" (a duty shift about to start, a key date coming up)
says ``in_digest=False``: the leaders' daily digest lists only deadlines that were missed.
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
    # Listed in the leaders' daily digest of overdue items (deadlines and time limits only).
    in_digest: bool = True


_registry: dict[str, ReminderSource] = {}


def register_source(source: ReminderSource) -> None:
    _registry[source.key] = source


def unregister_source(key: str) -> None:
    _registry.pop(key, None)


def _all_sources() -> dict[str, ReminderSource]:
    """The contracts' sources and those registered by hand (which win on the same key)."""
    from ideology_office.common.contracts import contracts

    found = {
        item.key: item
        for contract in contracts()
        if contract.reminder_sources is not None
        for item in contract.reminder_sources()
    }
    found.update(_registry)
    return found


def source(key: str) -> ReminderSource | None:
    return _registry.get(key) or _all_sources().get(key)


def sources() -> list[ReminderSource]:
    return sorted(_all_sources().values(), key=lambda item: item.key)


def date_moment(day: datetime.date, hour: int = 9, minute: int = 0) -> datetime.datetime:
    """The aware moment of a date deadline: ``hour`` o'clock local time on that day."""
    from ideology_office.common.dates import local_moment

    return local_moment(day, datetime.time(hour, minute))


def date_bounds(
    since: datetime.datetime | None, until: datetime.datetime, hour: int = 9
) -> tuple[datetime.date | None, datetime.date]:
    """The first and last day whose :func:`date_moment` at ``hour`` lies in ``[since, until]``
    (first None when ``since`` is None): the moment window of a source turned into a filter on a
    date field, exactly."""
    from django.utils import timezone

    shift = datetime.timedelta(hours=hour)
    last = timezone.localtime(until - shift).date()
    if since is None:
        return None, last
    start = timezone.localtime(since - shift)
    first = start.date() if start.time() == datetime.time(0) else start.date() + datetime.timedelta(days=1)
    return first, last


def role_user_ids(*roles: str) -> tuple[int, ...]:
    """The active people holding any of these roles (one query), for recipients and escalation."""
    from django.contrib.auth import get_user_model

    return tuple(get_user_model().objects.with_role(*roles).order_by("pk").values_list("pk", flat=True))


def ids_no_longer_open(object_ids, still_open) -> set[str]:
    """The ``done_ids`` answer of most sources: which of ``object_ids`` are not among the records
    of ``still_open`` (the source's queryset of open records) any more. One query."""
    ids = {int(pk) for pk in object_ids}
    open_ids = set(still_open.filter(pk__in=ids).values_list("pk", flat=True))
    return {str(pk) for pk in ids - open_ids}


def source_page(query, *, after, object_ids, pk_of: Callable[[str], int | None] = int):
    """The batch of an ``open_items`` call, the same way for every source: only ``object_ids``
    when given, the records after the key ``after``, in key order (the caller cuts ``[:limit]``).
    ``pk_of`` reads a record id from a key (None: names no record)."""
    if object_ids is not None:
        query = query.filter(pk__in=[pk for pk in map(pk_of, object_ids) if pk is not None])
    if after is not None:
        query = query.filter(pk__gt=pk_of(after) or 0)
    return query.order_by("pk")
