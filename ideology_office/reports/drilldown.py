"""The records behind a figure, as the reader may see them: what a figure's link opens.

A figure of the annual report or of the dashboard is computed from one queryset; its link opens a
list of that same queryset, narrowed by the record policies (``visible_to``), so that the list's
count is the figure whenever the reader may see every record counted (leaders, inspectors and
administrators may). Records without a policy of their own are seen through the record they belong
to (a sign-off through its content item); configuration and points entries, which have none, only
by those who see the whole office.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Paginator
from django.db.models import QuerySet

from ideology_office.accounts import roles
from ideology_office.common.policies import policy_for, visible_to

PAGE_SIZE = 50


def visible_records(user, queryset: QuerySet, via: str = "") -> QuerySet:
    if via:
        related = queryset.model._meta.get_field(via).related_model
        return queryset.filter(**{f"{via}__in": visible_to(user, related).values("pk")})
    if policy_for(queryset.model) is None:
        return queryset if roles.sees_office_wide(user) else queryset.none()
    return visible_to(user, queryset)


@dataclass
class Row:
    text: str
    url: str
    date: object


def _value(record, path: str):
    value = record
    for part in path.split("__"):
        value = getattr(value, part, None)
        if value is None:
            return None
    return value


def _url(record, via: str) -> str:
    target = _value(record, via) if via else record
    get_url = getattr(target, "get_absolute_url", None)
    try:
        return get_url() if get_url else ""
    except Exception:  # a record kind whose page needs more than its id  # noqa: BLE001
        return ""


def page_of_rows(user, queryset: QuerySet, *, date_field: str = "", via: str = "", page=1):
    """(total visible, page object whose object_list is rows) for ``queryset`` as ``user`` sees it."""
    records = visible_records(user, queryset, via)
    if via:
        records = records.select_related(via)
    ordering = [f"-{date_field}", "-pk"] if date_field else ["pk"]
    paginator = Paginator(records.order_by(*ordering), PAGE_SIZE)
    page_obj = paginator.get_page(page)
    page_obj.object_list = [
        Row(str(record), _url(record, via), _value(record, date_field) if date_field else None)
        for record in page_obj.object_list
    ]
    return paginator.count, page_obj
