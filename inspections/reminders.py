"""The reminder source of rectification: each open task's deadline (09:00 on the day) reminds its
responsible person; overdue, its responsible leader is told too (and sees it in the daily digest).
Registered in :class:`inspections.apps.InspectionsConfig`."""

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

TASK_DEADLINE = "inspections.task_deadline"
HOUR = 9


def _open_tasks():
    from . import selectors
    from .models import RectificationTask

    return selectors.active_tasks().exclude(state=RectificationTask.State.CLOSED)


def task_open_items(*, since, until, after, limit, object_ids=None) -> list[DueItem]:
    """Open tasks (not closed out, nothing of them voided) due in the window: one query, plus the
    content type (cached)."""
    from .models import RectificationTask

    first, last = date_bounds(since, until, HOUR)
    query = _open_tasks().filter(deadline__lte=last)
    if first is not None:
        query = query.filter(deadline__gte=first)
    rows = list(
        source_page(query, after=after, object_ids=object_ids).values(
            "pk", "measure", "deadline", "responsible_person_id", "responsible_leader_id"
        )[:limit]
    )
    if not rows:
        return []
    content_type_id = ContentType.objects.get_for_model(RectificationTask).pk
    items = []
    for row in rows:
        measure = row["measure"] if len(row["measure"]) <= 40 else row["measure"][:40] + "…"
        items.append(
            DueItem(
                content_type_id=content_type_id,
                object_id=str(row["pk"]),
                moment=date_moment(row["deadline"], HOUR),
                recipients=(row["responsible_person_id"],),
                escalation_recipients=(row["responsible_leader_id"],),
                title=_("Rectification task “%(measure)s”, due %(date)s")
                % {"measure": measure, "date": row["deadline"].isoformat()},
                body=_(
                    "Report the progress and submit the task for acceptance with its evidence before "
                    "the deadline; if more time is needed, ask for an extension."
                ),
                url=reverse("inspections:task_detail", args=[row["pk"]]),
            )
        )
    return items


def task_done_ids(object_ids) -> set[str]:
    """Tasks closed out or voided (or whose finding or inspection was voided): one query."""
    return ids_no_longer_open(object_ids, _open_tasks())


def sources() -> list[ReminderSource]:
    """The reminder sources this area lends (its contract declares them)."""
    return [
        ReminderSource(
            key=TASK_DEADLINE,
            label=gettext_lazy("Rectification task deadlines"),
            open_items=task_open_items,
            done_ids=task_done_ids,
        ),
    ]
