"""The reminder source of office meetings: each open follow-up action's deadline (09:00 on the day)
reminds its owner; overdue, the chair of the meeting that decided it is told too (and sees it in
the daily digest). Registered in :class:`responsibility.apps.ResponsibilityConfig`."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ideology_office.notifications.sources import (
    DueItem,
    ReminderSource,
    date_bounds,
    date_moment,
    ids_no_longer_open,
    source_page,
)

FOLLOW_UP_DEADLINE = "responsibility.follow_up_deadline"
HOUR = 9


def _open_actions():
    from .models import FollowUpAction

    return FollowUpAction.objects.active().filter(
        status=FollowUpAction.Status.OPEN, meeting__voided_at__isnull=True
    )


def follow_up_open_items(*, since, until, after, limit, object_ids=None) -> list[DueItem]:
    """Open follow-up actions of meetings that stand, due in the window: one query (the chair
    comes with the row), plus the content type (cached)."""
    from .models import FollowUpAction

    first, last = date_bounds(since, until, HOUR)
    query = _open_actions().filter(deadline__lte=last)
    if first is not None:
        query = query.filter(deadline__gte=first)
    rows = list(
        source_page(query, after=after, object_ids=object_ids).values(
            "pk", "description", "deadline", "owner_id", "meeting_id", "meeting__chair_id", "meeting__title"
        )[:limit]
    )
    if not rows:
        return []
    content_type_id = ContentType.objects.get_for_model(FollowUpAction).pk
    items = []
    for row in rows:
        text = row["description"] if len(row["description"]) <= 40 else row["description"][:40] + "…"
        items.append(
            DueItem(
                content_type_id=content_type_id,
                object_id=str(row["pk"]),
                moment=date_moment(row["deadline"], HOUR),
                recipients=(row["owner_id"],),
                escalation_recipients=(row["meeting__chair_id"],),
                title=_("Follow-up action “%(action)s”, due %(date)s")
                % {"action": text, "date": row["deadline"].isoformat()},
                body=_("Decided at the office meeting “%(meeting)s”. Record what was done once it is done.")
                % {"meeting": row["meeting__title"]},
                url=reverse("responsibility:meeting_detail", args=[row["meeting_id"]])
                + f"#follow-up-{row['pk']}",
            )
        )
    return items


def follow_up_done_ids(object_ids) -> set[str]:
    """Actions done or voided, or whose meeting was voided: one query."""
    return ids_no_longer_open(object_ids, _open_actions())


def sources() -> list[ReminderSource]:
    """The reminder sources this area lends (its contract declares them)."""
    return [
        ReminderSource(
            key=FOLLOW_UP_DEADLINE,
            label=gettext_lazy("Office meeting follow-up deadlines"),
            open_items=follow_up_open_items,
            done_ids=follow_up_done_ids,
        ),
    ]
