"""The reminder sources of study, registered in :class:`study.apps.StudyConfig`:

* ``study.material_waiting``: an important speech or document not studied by any session
  ``STUDY_MATERIAL_WAIT_DAYS`` (default 7, when the study page marks it red) after its issue: the
  section heads, who organise their sections' study and record the sessions; the office leaders
  as escalation recipients. Done once a session studies it (or it is voided).
* ``study.points_below_threshold``: a points bulletin was published: everyone below their
  threshold in it (as of the day it was published), one item per bulletin. Done if voided.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import Sum
from django.db.models.functions import TruncMonth
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

MATERIAL_WAITING = "study.material_waiting"
POINTS_BELOW_THRESHOLD = "study.points_below_threshold"
HOUR = 9


def material_wait() -> datetime.timedelta:
    return datetime.timedelta(days=settings.STUDY_MATERIAL_WAIT_DAYS)


# Materials not yet studied -------------------------------------------------------------------


def _not_studied():
    from .models import StudyMaterial, StudySession

    studied = StudySession.materials.through.objects.filter(studysession__voided_at__isnull=True).values(
        "studymaterial_id"
    )
    return StudyMaterial.objects.active().exclude(pk__in=studied)


def material_open_items(*, since, until, after, limit, object_ids=None) -> list[DueItem]:
    """Materials no session studied whose waiting time ends in the window: three queries (the
    materials, the section heads, the leaders)."""
    from .models import StudyMaterial

    wait = material_wait()
    first, last = date_bounds(since, until, HOUR)
    query = _not_studied().filter(issued_on__lte=last - wait)
    if first is not None:
        query = query.filter(issued_on__gte=first - wait)
    rows = list(
        source_page(query, after=after, object_ids=object_ids).values("pk", "title", "issued_on")[:limit]
    )
    if not rows:
        return []
    organisers = role_user_ids(Role.SECTION_HEAD)
    leaders = role_user_ids(Role.LEADER)
    content_type_id = ContentType.objects.get_for_model(StudyMaterial).pk
    return [
        DueItem(
            content_type_id=content_type_id,
            object_id=str(row["pk"]),
            moment=date_moment(row["issued_on"] + wait, HOUR),
            recipients=organisers or leaders,
            escalation_recipients=leaders,
            title=_("“%(title)s” (issued %(date)s) has not been studied yet")
            % {"title": row["title"], "date": row["issued_on"].isoformat()},
            body=_(
                "Study it as the first agenda item of the next office meeting, central group study "
                "or party branch meeting, and record the session with this material."
            ),
            url=reverse("study:material_detail", args=[row["pk"]]),
        )
        for row in rows
    ]


def material_done_ids(object_ids) -> set[str]:
    """Materials studied by a session, or voided: one query."""
    return ids_no_longer_open(object_ids, _not_studied())


# Points below the threshold ------------------------------------------------------------------


def _published_bulletins():
    from .models import PointsBulletin

    return PointsBulletin.objects.active().filter(published_at__isnull=False)


def _below_threshold(bulletins: list[dict]) -> dict[int, tuple[int, ...]]:
    """For each bulletin, the people below their threshold in its month and platform, by the rule
    of :func:`study.selectors.points_ranking_people` as of the day it was published. Three
    queries for the whole batch: the points, the thresholds, everyone's roles."""
    from django.db.models import Q

    from ideology_office.common.dates import month_bounds

    from .models import PointsEntry
    from .selectors import _counted_days, daily_minimum, threshold_minimums

    condition = Q()
    for bulletin in bulletins:
        first, last = month_bounds(bulletin["month"])
        condition |= Q(platform_id=bulletin["platform_id"], date__gte=first, date__lte=last)
    totals = {
        (row["platform_id"], row["month"], row["person_id"]): row["total"]
        for row in PointsEntry.objects.filter(condition)
        .annotate(month=TruncMonth("date"))
        .values("platform_id", "month", "person_id")
        .annotate(total=Sum("points"))
        .order_by()
    }
    minimums = threshold_minimums()
    roles: dict[int, list[str]] = {}
    for user_id, role in (
        get_user_model()
        .groups.through.objects.filter(user__is_active=True)
        .values_list("user_id", "group__name")
    ):
        roles.setdefault(user_id, []).append(role)
    below = {}
    for bulletin in bulletins:
        month = bulletin["month"].replace(day=1)
        days = _counted_days(month, timezone.localdate(bulletin["published_at"]))
        # The bulletin's own platform's thresholds: nobody is below on a platform that sets none.
        minimum_of = {
            user_id: minimum
            for user_id, names in roles.items()
            if (minimum := daily_minimum(names, minimums, bulletin["platform_id"])) is not None
        }
        below[bulletin["pk"]] = tuple(
            sorted(
                user_id
                for user_id, minimum in minimum_of.items()
                if totals.get((bulletin["platform_id"], month, user_id), 0) < minimum * days
            )
        )
    return below


def points_open_items(*, since, until, after, limit, object_ids=None) -> list[DueItem]:
    """Bulletins published in the window, each to the people below their threshold: four queries
    (the bulletins, then :func:`_below_threshold`)."""
    from .models import PointsBulletin

    query = _published_bulletins().filter(published_at__lte=until)
    if since is not None:
        query = query.filter(published_at__gte=since)
    rows = list(
        source_page(query, after=after, object_ids=object_ids).values(
            "pk", "month", "platform_id", "platform__name", "published_at"
        )[:limit]
    )
    if not rows:
        return []
    below = _below_threshold(rows)
    content_type_id = ContentType.objects.get_for_model(PointsBulletin).pk
    return [
        DueItem(
            content_type_id=content_type_id,
            object_id=str(row["pk"]),
            moment=row["published_at"],
            recipients=below[row["pk"]],
            title=_("Points bulletin of %(month)s (%(platform)s): your points are below the requirement")
            % {"month": f"{row['month']:%Y-%m}", "platform": row["platform__name"]},
            body=_("See the bulletin for your points and the requirement, and keep up your daily study."),
            url=reverse("study:bulletin_detail", args=[row["pk"]]),
        )
        for row in rows
    ]


def points_done_ids(object_ids) -> set[str]:
    """Bulletins voided (a published bulletin is never withdrawn otherwise): one query."""
    return ids_no_longer_open(object_ids, _published_bulletins())


def sources() -> list[ReminderSource]:
    """The reminder sources this area lends (its contract declares them)."""
    return [
        ReminderSource(
            key=MATERIAL_WAITING,
            label=gettext_lazy("Study materials not yet studied"),
            open_items=material_open_items,
            done_ids=material_done_ids,
            in_digest=False,
        ),
        ReminderSource(
            key=POINTS_BELOW_THRESHOLD,
            label=gettext_lazy("Learning points below the threshold"),
            open_items=points_open_items,
            done_ids=points_done_ids,
            in_digest=False,
        ),
    ]
