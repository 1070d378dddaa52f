"""The reminder sources of publishing positions, registered in
:class:`positions.apps.PositionsConfig`:

* ``positions.review_waiting``: an item has waited at its review step longer than
  ``POSITIONS_REVIEW_WAIT_HOURS`` (default 24): the step's reviewers (the item's assignments, else
  the platform's default reviewers); overdue, the office leaders. The step is part of the item's
  id ("<item>:<round>:<step>"), so a signature (the item moves on) ends that step's reminders.
* ``positions.physical_stale``: a physical position's content stayed unchanged longer than its
  limit (the same rule as :func:`positions.selectors.stale_physical_positions`): its responsible
  person. Done once a change is recorded.
* ``positions.key_date``: a publicity task planned for a key date, by its deadline: its owner.
  Done when done or voided.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ideology_office.accounts.roles import Role
from ideology_office.notifications.sources import (
    DueItem,
    ReminderSource,
    date_bounds,
    date_moment,
    ids_no_longer_open,
    role_user_ids,
    source_page,
)

REVIEW_WAITING = "positions.review_waiting"
PHYSICAL_STALE = "positions.physical_stale"
KEY_DATE = "positions.key_date"
HOUR = 9


def review_wait() -> datetime.timedelta:
    return datetime.timedelta(hours=settings.POSITIONS_REVIEW_WAIT_HOURS)


def _short(text: str, length: int = 30) -> str:
    return text if len(text) <= length else text[:length] + "…"


def _pk_of(object_id) -> int | None:
    """The item's primary key from "<item>:<round>:<step>" (or a bare primary key)."""
    head = str(object_id).split(":", 1)[0]
    return int(head) if head.isdigit() else None


# Review waiting ------------------------------------------------------------------------------


def review_key(pk: int, review_round: int, step: str) -> str:
    return f"{pk}:{review_round}:{step}"


def _in_review():
    from .models import ContentItem

    return ContentItem.objects.filter(
        status=ContentItem.Status.IN_REVIEW, step_entered_at__isnull=False
    ).exclude(current_step="")


def review_open_items(*, since, until, after, limit, object_ids=None) -> list[DueItem]:
    """Items in review that entered their step ``review_wait()`` before a moment of the window: at
    most four queries (items, their reviewers, the platforms' default reviewers when an item has
    none of its own, the leaders)."""
    from .models import ContentItem

    wait = review_wait()
    rows = _waiting_rows(since=since, until=until, after=after, limit=limit, object_ids=object_ids, wait=wait)
    if not rows:
        return []
    reviewers_of = _reviewers_of(rows)
    leaders = role_user_ids(Role.LEADER)
    content_type_id = ContentType.objects.get_for_model(ContentItem).pk
    items = []
    for row in rows:
        recipients = tuple(sorted(reviewers_of(row) - {row["author_id"]})) or leaders
        items.append(_review_due_item(row, content_type_id, wait, recipients, leaders))
    return items


def _waiting_rows(*, since, until, after, limit, object_ids, wait) -> list[dict]:
    query = _in_review().filter(step_entered_at__lte=until - wait)
    if since is not None:
        query = query.filter(step_entered_at__gte=since - wait)
    rows = list(
        source_page(query, after=after, object_ids=object_ids, pk_of=_pk_of).values(
            "pk",
            "title",
            "author_id",
            "platform_id",
            "platform__name",
            "current_step",
            "review_round",
            "step_entered_at",
        )[:limit]
    )
    if object_ids is None:
        return rows
    # A key of a step the item has left names nothing open any more.
    wanted = {str(pk) for pk in object_ids}
    return [
        row
        for row in rows
        if str(row["pk"]) in wanted
        or review_key(row["pk"], row["review_round"], row["current_step"]) in wanted
    ]


def _reviewers_of(rows):
    """A function giving a row's reviewers at its current step: the item's own, else its
    platform's default reviewers (read only for the items that have none of their own)."""
    from .models import PlatformReviewer, ReviewAssignment

    reviewers: dict[tuple[int, str], set[int]] = {}
    for item_id, step, reviewer_id in ReviewAssignment.objects.filter(
        item_id__in=[row["pk"] for row in rows], is_active=True
    ).values_list("item_id", "step", "reviewer_id"):
        reviewers.setdefault((item_id, step), set()).add(reviewer_id)
    without = {row["platform_id"] for row in rows if (row["pk"], row["current_step"]) not in reviewers}
    defaults: dict[tuple[int, str], set[int]] = {}
    if without:
        for platform_id, step, reviewer_id in PlatformReviewer.objects.filter(
            platform_id__in=without
        ).values_list("platform_id", "step", "reviewer_id"):
            defaults.setdefault((platform_id, step), set()).add(reviewer_id)

    def of(row) -> set[int]:
        step = row["current_step"]
        return reviewers.get((row["pk"], step)) or defaults.get((row["platform_id"], step), set())

    return of


def _review_due_item(row, content_type_id, wait, recipients, leaders) -> DueItem:
    from .models import Step

    step = row["current_step"]
    return DueItem(
        content_type_id=content_type_id,
        object_id=review_key(row["pk"], row["review_round"], step),
        moment=row["step_entered_at"] + wait,
        recipients=recipients,
        escalation_recipients=leaders,
        title=_("“%(title)s” has been waiting for the %(step)s since %(since)s")
        % {
            "title": _short(row["title"]),
            "step": Step(step).label,
            "since": timezone.localtime(row["step_entered_at"]).strftime("%m-%d %H:%M"),
        },
        body=_("Platform: %(platform)s. Read it and sign your opinion, or return it.")
        % {"platform": row["platform__name"]},
        url=reverse("positions:item_detail", args=[row["pk"]]),
    )


def review_done_ids(object_ids) -> set[str]:
    """Keys whose item is no longer waiting at that step of that round: one query."""
    keys = {str(key) for key in object_ids}
    pks = {pk for pk in map(_pk_of, keys) if pk is not None}
    current = {
        review_key(pk, review_round, step)
        for pk, review_round, step in _in_review()
        .filter(pk__in=pks)
        .values_list("pk", "review_round", "current_step")
    }
    return keys - current


# Physical positions not updated --------------------------------------------------------------


def _stale_since(row) -> datetime.datetime | None:
    """The moment the position's content became stale (09:00 of the first day over the limit; for
    a position with no change ever recorded, the day it was added), None if it cannot be."""
    if row["last_changed"] is None:
        return date_moment(timezone.localdate(row["created_at"]), HOUR)
    if not row["max_unchanged_days"]:
        return None
    return date_moment(row["last_changed"] + datetime.timedelta(days=row["max_unchanged_days"] + 1), HOUR)


def physical_open_items(*, since, until, after, limit, object_ids=None) -> list[DueItem]:
    """Physical positions stale in the window: two queries (the positions with their last change,
    the leaders). The moment depends on the last change, so it is computed here over the few
    physical positions after ``after``, and the batch is cut to ``limit`` afterwards."""
    from . import selectors
    from .models import Platform

    query = selectors.physical_positions_with_last_change()
    rows = source_page(query, after=after, object_ids=object_ids).values(
        "pk", "name", "location", "responsible_person_id", "max_unchanged_days", "created_at", "last_changed"
    )
    due = []
    for row in rows:
        moment = _stale_since(row)
        if moment is not None and moment <= until and (since is None or moment >= since):
            due.append((row, moment))
        if len(due) == limit:
            break
    if not due:
        return []
    leaders = role_user_ids(Role.LEADER)
    content_type_id = ContentType.objects.get_for_model(Platform).pk
    items = []
    for row, moment in due:
        if row["last_changed"] is None:
            title = _("No content change of “%(name)s” has been recorded yet") % {"name": row["name"]}
        else:
            title = _("The content of “%(name)s” has not changed since %(date)s (limit %(days)s days)") % {
                "name": row["name"],
                "date": row["last_changed"].isoformat(),
                "days": row["max_unchanged_days"],
            }
        items.append(
            DueItem(
                content_type_id=content_type_id,
                object_id=str(row["pk"]),
                moment=moment,
                recipients=(row["responsible_person_id"],),
                escalation_recipients=leaders,
                title=title,
                body=_("Update the posted content and record the change with its approval and a photo."),
                url=reverse("positions:platform_detail", args=[row["pk"]]),
            )
        )
    return items


def physical_done_ids(object_ids) -> set[str]:
    """Positions no longer stale today (or no longer in use): one query over the physical positions."""
    from . import selectors

    stale = {str(platform.pk) for platform in selectors.stale_physical_positions(timezone.localdate())}
    return {str(pk) for pk in object_ids} - stale


# Key-date publicity tasks --------------------------------------------------------------------


def _planned_tasks():
    from .models import PublicityTask

    return PublicityTask.objects.active().filter(status=PublicityTask.Status.PLANNED)


def key_date_open_items(*, since, until, after, limit, object_ids=None) -> list[DueItem]:
    """Planned publicity tasks due in the window: two queries (the tasks with their key date, the
    leaders)."""
    from .models import PublicityTask

    first, last = date_bounds(since, until, HOUR)
    query = _planned_tasks().filter(deadline__lte=last)
    if first is not None:
        query = query.filter(deadline__gte=first)
    rows = list(
        source_page(query, after=after, object_ids=object_ids).values(
            "pk", "title", "owner_id", "deadline", "year", "key_date__name"
        )[:limit]
    )
    if not rows:
        return []
    leaders = role_user_ids(Role.LEADER)
    content_type_id = ContentType.objects.get_for_model(PublicityTask).pk
    return [
        DueItem(
            content_type_id=content_type_id,
            object_id=str(row["pk"]),
            moment=date_moment(row["deadline"], HOUR),
            recipients=(row["owner_id"],),
            escalation_recipients=leaders,
            title=_("Publicity task “%(title)s” for %(key_date)s, due %(date)s")
            % {
                "title": _short(row["title"]),
                "key_date": row["key_date__name"],
                "date": row["deadline"].isoformat(),
            },
            body=_("Mark the task done once the publicity is in place."),
            url=reverse("positions:key_date_list") + f"?year={row['year']}",
        )
        for row in rows
    ]


def key_date_done_ids(object_ids) -> set[str]:
    """Tasks done or voided: one query."""
    return ids_no_longer_open(object_ids, _planned_tasks())


def sources() -> list[ReminderSource]:
    """The reminder sources this area lends (its contract declares them)."""
    return [
        ReminderSource(
            key=REVIEW_WAITING,
            label=gettext_lazy("Content items waiting for review"),
            open_items=review_open_items,
            done_ids=review_done_ids,
        ),
        ReminderSource(
            key=PHYSICAL_STALE,
            label=gettext_lazy("Physical positions not updated in time"),
            open_items=physical_open_items,
            done_ids=physical_done_ids,
            in_digest=False,
        ),
        ReminderSource(
            key=KEY_DATE,
            label=gettext_lazy("Key-date publicity tasks"),
            open_items=key_date_open_items,
            done_ids=key_date_done_ids,
            in_digest=False,
        ),
    ]
