"""Search-as-you-type for a choice among many records (the searchable select's ``data-search-url``).

A form lists only the first few records of a long choice (``ShortListModelChoiceField``) but accepts any
record the person may see; this answers the browser's search over that same visible set, so that an older
record can be found and picked too. Only what the record kind's policy shows is ever returned.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import reduce
from operator import or_

from django.db.models import Q, QuerySet
from django.http import JsonResponse

from .policies import visible_to

SEARCH_LIMIT = 20
QUERY_MAX_LENGTH = 100


def search_choices(
    request,
    queryset: QuerySet,
    *,
    fields: Iterable[str],
    label: Callable[[object], str] = str,
    group: Callable[[object], str] | None = None,
    limit: int = SEARCH_LIMIT,
    visible: QuerySet | None = None,
) -> JsonResponse:
    """``{"results": [{"value": pk, "text": label}]}`` of the visible records whose ``fields`` contain the
    words of ``?q=`` (every word somewhere), at most ``limit``; with ``group``, each also names its
    ``optgroup`` (the heading the select lists it under). An empty query answers nothing.

    ``visible``: the records the requester may see when their kind has no record policy and the
    caller has decided it (the people any form offers); otherwise the policy decides."""
    words = request.GET.get("q", "")[:QUERY_MAX_LENGTH].split()
    if not words:
        return JsonResponse({"results": []})
    if visible is None:
        visible = visible_to(request.user, queryset)
    for word in words:
        visible = visible.filter(reduce(or_, (Q(**{f"{field}__icontains": word}) for field in fields)))
    results = []
    for record in visible[:limit]:
        result = {"value": record.pk, "text": label(record)}
        if group is not None:
            result["optgroup"] = str(group(record))
        results.append(result)
    return JsonResponse({"results": results})
