from ideology_office.common.policies import RecordPolicy, get_or_404, register_policy

from .models import InboxMessage


class InboxMessagePolicy(RecordPolicy):
    """A reminder is personal: only its recipient sees it, administrators included."""

    def visible(self, user, queryset):
        return queryset.filter(recipient=user)

    def can_change(self, user, record):
        return record.recipient_id == user.pk


def can_view_message(user, message: InboxMessage) -> bool:
    return message.recipient_id == user.pk


def access_message(user, pk) -> InboxMessage:
    return get_or_404(user, InboxMessage, pk)


def register_policies() -> None:
    register_policy(InboxMessage, InboxMessagePolicy)
