"""The positions area's dashboard panels (declared in contract.py): content waiting at each review
step (each number linking to the items it counts), the key dates ahead, and each person's review
queue."""

from __future__ import annotations

from django.db.models import Sum

from ideology_office.common import rollups
from ideology_office.dashboard.selectors import ATTENTION_LIMIT, Scope, records_link

from .models import ContentItem, SignOff
from .selectors import review_queue_for_user, upcoming_key_dates


def review_waiting(scope: Scope) -> list[dict]:
    """Content waiting at each review step now (zeros included): one query, over the summary
    ``positions.review_waiting`` (the items ``items_waiting`` lists, by step and author's section)."""
    buckets = rollups.rows("positions.review_waiting", scope.sections)
    counts = dict(buckets.values_list("kind").annotate(total=Sum("count")).order_by())
    return [
        {
            "step": step,
            "label": step.label,
            "count": counts.get(step.value, 0),
            "url": records_link("waiting", scope, step=step.value),
        }
        for step in SignOff.REVIEW_STEPS
    ]


def items_waiting(scope: Scope, step: str):

    items = ContentItem.objects.filter(status=ContentItem.Status.IN_REVIEW, current_step=step)
    if scope.sections is not None:
        items = items.filter(author__section_id__in=scope.sections)
    return items


def key_dates_ahead(scope: Scope) -> list:

    return upcoming_key_dates(scope.today, days=30)[:ATTENTION_LIMIT]


def drill_waiting(scope: Scope, params):
    steps = {step.value: step.label for step in SignOff.REVIEW_STEPS}
    step = params.get("step", "")
    return (steps[step], items_waiting(scope, step), "step_entered_at", True) if step in steps else None


def my_reviews(user, today) -> list:
    return list(review_queue_for_user(user=user)[:ATTENTION_LIMIT])
