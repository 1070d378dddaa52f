"""A reminder source over the test app's Dossier (deadline date, owner, done flag), registered on
import: by the tests' conftest, and by the Celery worker the reliability test starts (-I)."""

import datetime

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType

from ideology_office.accounts.roles import Role
from ideology_office.notifications.sources import DueItem, ReminderSource, date_moment, register_source

KEY = "testapp.dossier_deadline"
HOUR = 9


def _day(moment: datetime.datetime) -> datetime.date:
    from django.utils import timezone

    return timezone.localtime(moment).date()


def open_items(*, since, until, after, limit, object_ids=None) -> list[DueItem]:
    from tests.testapp.models import Dossier

    query = Dossier.objects.active().filter(done=False, deadline__isnull=False)
    # The moment is 09:00 on the deadline day, so the window on moments becomes one on days.
    query = query.filter(deadline__lte=_day(until - datetime.timedelta(hours=HOUR)))
    if since is not None:
        query = query.filter(deadline__gte=_day(since - datetime.timedelta(hours=HOUR)))
    if object_ids is not None:
        query = query.filter(pk__in=[int(pk) for pk in object_ids])
    if after is not None:
        query = query.filter(pk__gt=int(after))
    rows = list(query.order_by("pk").values("pk", "title", "owner_id", "deadline")[:limit])
    if not rows:
        return []
    content_type_id = ContentType.objects.get_for_model(Dossier).pk
    leaders = tuple(
        get_user_model().objects.filter(groups__name=Role.LEADER, is_active=True).values_list("pk", flat=True)
    )
    items = []
    for row in rows:
        # Day granularity may return a few rows just outside the window; the planner checks exact
        # times, and keeping every row keeps the batch size honest for its paging.
        moment = date_moment(row["deadline"], HOUR)
        items.append(
            DueItem(
                content_type_id=content_type_id,
                object_id=str(row["pk"]),
                moment=moment,
                recipients=(row["owner_id"],),
                escalation_recipients=leaders,
                title=f"测试记录“{row['title']}”{row['deadline']:%m月%d日}到期",
                body="请按时办结。",
                url=f"/dossiers/{row['pk']}/",
            )
        )
    return items


def done_ids(object_ids) -> set[str]:
    from tests.testapp.models import Dossier

    ids = [int(pk) for pk in object_ids]
    open_ids = set(Dossier.objects.active().filter(pk__in=ids, done=False).values_list("pk", flat=True))
    return {str(pk) for pk in ids if pk not in open_ids}


register_source(ReminderSource(key=KEY, label="测试记录到期", open_items=open_items, done_ids=done_ids))
