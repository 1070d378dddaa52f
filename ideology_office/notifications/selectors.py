from django.db.models import QuerySet

from .models import InboxMessage, ReminderPreference, ReminderRule
from .sources import source


def unread_count(user) -> int:
    """The navigation badge: one COUNT query on an indexed (recipient, read_at) pair."""
    return InboxMessage.objects.filter(recipient=user, read_at=None).count()


def inbox_for(user, *, unread_only: bool = False) -> QuerySet[InboxMessage]:
    messages = InboxMessage.objects.filter(recipient=user).order_by("-created_at", "-pk")
    return messages.filter(read_at=None) if unread_only else messages


def preferences_for(user) -> dict:
    """The person's default preference (or None) and their per-rule ones, keyed by rule id."""
    rows = list(ReminderPreference.objects.filter(user=user).select_related("rule"))
    return {
        "default": next((row for row in rows if row.rule_id is None), None),
        "by_rule": {row.rule_id: row for row in rows if row.rule_id is not None},
    }


def active_rules() -> list[ReminderRule]:
    """Active rules whose source is registered: the ones a person can set preferences for."""
    return [rule for rule in ReminderRule.objects.filter(active=True).order_by("key") if source(rule.source)]
