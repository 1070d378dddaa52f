"""The reminder sources of public-opinion work, registered in
:class:`sentiment.apps.SentimentConfig`:

* ``sentiment.duty_shift_start``: a shift of a published roster is about to start: its duty
  officer and leader on duty. Not planned once the shift has started; done once it is over.
* ``sentiment.handover_not_accepted``: a shift ended and its handover is not accepted yet: the
  incoming duty officer (who must accept it) and the incoming leader on duty, and the outgoing
  officer while the handover is not even written. Done once accepted.
* ``sentiment.quarter_without_review``: the current or next quarter ends without a (non-voided)
  quarterly opinion review: the office leaders, who convene it, and whoever recorded the latest
  review (usually the section that organises them). The item is the quarter ("2026Q4"), not a row.
* ``sentiment.incident_over_limit``: an incident not reported (or reported, not handled) by its
  time limit: whoever recorded it and whoever is named to handle it; the leaders at once (urgent).
"""

from __future__ import annotations

import datetime

from django.contrib.contenttypes.models import ContentType
from django.db.models import (
    Case,
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    Q,
    Value,
    When,
)
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ideology_office.accounts.roles import Role
from ideology_office.common.dates import quarter_bounds, quarter_of
from ideology_office.notifications.sources import (
    DueItem,
    ReminderSource,
    date_bounds,
    date_moment,
    ids_no_longer_open,
    role_user_ids,
    source_page,
)

DUTY_SHIFT_START = "sentiment.duty_shift_start"
HANDOVER_NOT_ACCEPTED = "sentiment.handover_not_accepted"
QUARTER_WITHOUT_REVIEW = "sentiment.quarter_without_review"
INCIDENT_OVER_LIMIT = "sentiment.incident_over_limit"
QUARTER_HOUR = 9


def _fmt(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%m-%d %H:%M")


def _ids(*values) -> tuple[int, ...]:
    return tuple(sorted({value for value in values if value is not None}))


def _short(text: str, length: int = 30) -> str:
    return text if len(text) <= length else text[:length] + "…"


def _content_type_id(model) -> int:
    return ContentType.objects.get_for_model(model).pk


# Duty shift start ----------------------------------------------------------------------------


def _published_shifts():
    from .models import DutyRoster, DutyShift

    return DutyShift.objects.filter(roster__status=DutyRoster.Status.PUBLISHED)


def shift_open_items(*, since, until, after, limit, object_ids=None) -> list[DueItem]:
    """Shifts of published rosters starting in the window that have not started yet (a reminder
    that a shift starts is no use once it has): one query."""
    from .models import DutyShift

    query = _published_shifts().filter(start__lte=until, start__gt=timezone.now())
    if since is not None:
        query = query.filter(start__gte=since)
    rows = list(
        source_page(query, after=after, object_ids=object_ids).values(
            "pk",
            "start",
            "end",
            "phone",
            "officer_id",
            "leader_id",
            "officer__real_name",
            "leader__real_name",
        )[:limit]
    )
    if not rows:
        return []
    content_type_id = _content_type_id(DutyShift)
    return [
        DueItem(
            content_type_id=content_type_id,
            object_id=str(row["pk"]),
            moment=row["start"],
            recipients=_ids(row["officer_id"], row["leader_id"]),
            title=_("Duty shift from %(start)s to %(end)s")
            % {"start": _fmt(row["start"]), "end": _fmt(row["end"])},
            body=_("Duty officer: %(officer)s; leader on duty: %(leader)s; duty phone: %(phone)s.")
            % {
                "officer": row["officer__real_name"],
                "leader": row["leader__real_name"],
                "phone": row["phone"] or "—",
            },
            url=reverse("sentiment:shift_detail", args=[row["pk"]]),
        )
        for row in rows
    ]


def shift_done_ids(object_ids) -> set[str]:
    """Shifts over (or no longer on a published roster): one query."""
    return ids_no_longer_open(object_ids, _published_shifts().filter(end__gt=timezone.now()))


# Handover not accepted -----------------------------------------------------------------------


def _handovers_waiting():
    return _published_shifts().filter(Q(handover__isnull=True) | Q(handover__accepted_at__isnull=True))


def handover_open_items(*, since, until, after, limit, object_ids=None) -> list[DueItem]:
    """Shifts that ended in the window with their handover not accepted (the item is the outgoing
    shift; its moment the change of shift): two queries, the second for the incoming shifts."""
    from .models import DutyShift

    query = _handovers_waiting().filter(end__lte=until)
    if since is not None:
        query = query.filter(end__gte=since)
    rows = list(
        source_page(query, after=after, object_ids=object_ids).values(
            "pk", "end", "officer_id", "leader_id", "handover__pk"
        )[:limit]
    )
    if not rows:
        return []
    incoming = {
        row["start"]: row
        for row in _published_shifts()
        .filter(start__in={row["end"] for row in rows})
        .values("pk", "start", "officer_id", "leader_id")
    }
    leaders = role_user_ids(Role.LEADER)
    content_type_id = _content_type_id(DutyShift)
    items = []
    for row in rows:
        following = incoming.get(row["end"])
        written = row["handover__pk"] is not None
        if following is not None:
            recipients = _ids(following["officer_id"], following["leader_id"])
        else:
            # Nobody is rostered after this shift: its own leader on duty sees to it.
            recipients = _ids(row["leader_id"])
        if not written:
            recipients = _ids(row["officer_id"], *recipients)
        title = (
            _("The handover of the change of shift at %(time)s is not accepted yet")
            if written
            else _("The handover of the change of shift at %(time)s is not written yet")
        ) % {"time": _fmt(row["end"])}
        body = (
            _("The incoming duty officer accepts the handover on the page of their shift.")
            if written
            else _("The outgoing duty officer writes the open items, then the incoming one accepts them.")
        )
        # The incoming officer accepts on their own shift's page; the outgoing one writes on theirs.
        shown = following["pk"] if written and following is not None else row["pk"]
        items.append(
            DueItem(
                content_type_id=content_type_id,
                object_id=str(row["pk"]),
                moment=row["end"],
                recipients=recipients,
                escalation_recipients=leaders,
                title=title,
                body=body,
                url=reverse("sentiment:shift_detail", args=[shown]),
            )
        )
    return items


def handover_done_ids(object_ids) -> set[str]:
    """Outgoing shifts whose handover was accepted: one query."""
    return ids_no_longer_open(object_ids, _handovers_waiting())


# Quarter without review ----------------------------------------------------------------------


def quarter_key(year: int, quarter: int) -> str:
    return f"{year}Q{quarter}"


def _parse_quarter(key: str) -> tuple[int, int] | None:
    year, _sep, quarter = str(key).partition("Q")
    if not (year.isdigit() and quarter in ("1", "2", "3", "4")):
        return None
    return int(year), int(quarter)


def _quarters_in(since, until) -> list[tuple[int, int, datetime.date]]:
    """The quarters whose last day (09:00) lies in the window, among the quarter the window starts
    in and the next one only: (year, quarter, last day)."""
    first, last = date_bounds(since, until, QUARTER_HOUR)
    year, quarter = quarter_of(first or last)
    found = []
    for _step in range(2):
        last_day = quarter_bounds(year, quarter)[1]
        if (first is None or last_day >= first) and last_day <= last:
            found.append((year, quarter, last_day))
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
    return found


def quarter_open_items(*, since, until, after, limit, object_ids=None) -> list[DueItem]:
    """The current or next quarter ending in the window with no review held: three queries (the
    reviews of those quarters, the latest review's recorder, the leaders)."""
    from .models import OpinionReview

    wanted = set(object_ids) if object_ids is not None else None
    quarters = [
        (year, quarter, last_day)
        for year, quarter, last_day in _quarters_in(since, until)
        if (wanted is None or quarter_key(year, quarter) in wanted)
        and (after is None or quarter_key(year, quarter) > str(after))
    ]
    if not quarters:
        return []
    condition = Q()
    for year, quarter, _last_day in quarters:
        condition |= Q(year=year, quarter=quarter)
    held = set(OpinionReview.objects.active().filter(condition).values_list("year", "quarter"))
    quarters = [row for row in quarters if (row[0], row[1]) not in held][:limit]
    if not quarters:
        return []
    latest_recorder = (
        OpinionReview.objects.active()
        .exclude(created_by=None)
        .order_by("-year", "-quarter", "-pk")
        .values_list("created_by_id", flat=True)
        .first()
    )
    leaders = role_user_ids(Role.LEADER)
    content_type_id = _content_type_id(OpinionReview)
    return [
        DueItem(
            content_type_id=content_type_id,
            object_id=quarter_key(year, quarter),
            moment=date_moment(last_day, QUARTER_HOUR),
            recipients=_ids(*leaders, latest_recorder),
            escalation_recipients=leaders,
            title=_("The opinion review of %(year)s Q%(quarter)s has not been held yet")
            % {"year": year, "quarter": quarter},
            body=_(
                "The quarter ends on %(date)s; one opinion analysis and review meeting is held each quarter."
            )
            % {"date": last_day.isoformat()},
            url=reverse("sentiment:review_create"),
        )
        for year, quarter, last_day in quarters
    ]


def quarter_done_ids(object_ids) -> set[str]:
    """Quarters whose review was held (and keys that name no quarter): one query."""
    from .models import OpinionReview

    parsed = {key: _parse_quarter(key) for key in object_ids}
    done = {key for key, value in parsed.items() if value is None}
    valid = [value for value in parsed.values() if value is not None]
    if valid:
        condition = Q()
        for year, quarter in valid:
            condition |= Q(year=year, quarter=quarter)
        held = set(OpinionReview.objects.active().filter(condition).values_list("year", "quarter"))
        done |= {key for key, value in parsed.items() if value in held}
    return done


# Incident over its time limit ----------------------------------------------------------------


def _after_minutes(field: str):
    minutes = ExpressionWrapper(
        Cast(field, IntegerField()) * Value(datetime.timedelta(minutes=1), output_field=DurationField()),
        output_field=DurationField(),
    )
    return ExpressionWrapper(F("found_at") + minutes, output_field=DateTimeField())


def _incidents_over_time():
    """Incidents not handled, each with the limit it is now measured against: reporting while
    not reported, handling once reported."""
    from .models import OpinionIncident

    Status = OpinionIncident.Status
    return (
        OpinionIncident.objects.active()
        .filter(status__in=[Status.FOUND, Status.REPORTED], handled_at__isnull=True)
        .alias(
            limit_at=Case(
                When(status=Status.FOUND, then=_after_minutes("report_limit_minutes")),
                default=_after_minutes("handle_limit_minutes"),
                output_field=DateTimeField(),
            )
        )
    )


def incident_open_items(*, since, until, after, limit, object_ids=None) -> list[DueItem]:
    """Incidents whose current time limit falls in the window: two queries (the incidents, the
    leaders)."""
    from .models import OpinionIncident

    query = _incidents_over_time().filter(limit_at__lte=until)
    if since is not None:
        query = query.filter(limit_at__gte=since)
    rows = list(
        source_page(query, after=after, object_ids=object_ids).values(
            "pk",
            "summary",
            "status",
            "found_at",
            "report_limit_minutes",
            "handle_limit_minutes",
            "created_by_id",
            "handled_by_id",
        )[:limit]
    )
    if not rows:
        return []
    leaders = role_user_ids(Role.LEADER)
    content_type_id = _content_type_id(OpinionIncident)
    items = []
    for row in rows:
        reporting = row["status"] == OpinionIncident.Status.FOUND
        minutes = row["report_limit_minutes"] if reporting else row["handle_limit_minutes"]
        moment = row["found_at"] + datetime.timedelta(minutes=minutes)
        values = {"summary": _short(row["summary"]), "time": _fmt(moment)}
        title = (
            _("Opinion incident “%(summary)s” was due to be reported by %(time)s")
            if reporting
            else _("Opinion incident “%(summary)s” was due to be handled by %(time)s")
        ) % values
        items.append(
            DueItem(
                content_type_id=content_type_id,
                object_id=str(row["pk"]),
                moment=moment,
                # Whoever recorded it, and whoever is named to handle it; the leaders if nobody is.
                recipients=_ids(row["created_by_id"], row["handled_by_id"]) or leaders,
                escalation_recipients=leaders,
                title=title,
                body=_("Record the time it was reported and handled, and the measures taken."),
                url=reverse("sentiment:incident_detail", args=[row["pk"]]),
            )
        )
    return items


def incident_done_ids(object_ids) -> set[str]:
    """Incidents handled or voided: one query."""
    return ids_no_longer_open(object_ids, _incidents_over_time())


def sources() -> list[ReminderSource]:
    """The reminder sources this area lends (its contract declares them)."""
    return [
        ReminderSource(key=key, label=label, open_items=open_items, done_ids=done_ids, in_digest=in_digest)
        for key, label, open_items, done_ids, in_digest in (
            (
                DUTY_SHIFT_START,
                gettext_lazy("Duty shifts about to start"),
                shift_open_items,
                shift_done_ids,
                False,
            ),
            (
                HANDOVER_NOT_ACCEPTED,
                gettext_lazy("Handovers not accepted"),
                handover_open_items,
                handover_done_ids,
                False,
            ),
            (
                QUARTER_WITHOUT_REVIEW,
                gettext_lazy("Quarters without an opinion review"),
                quarter_open_items,
                quarter_done_ids,
                False,
            ),
            (
                INCIDENT_OVER_LIMIT,
                gettext_lazy("Opinion incidents over their time limit"),
                incident_open_items,
                incident_done_ids,
                True,
            ),
        )
    ]
