from django.http import Http404

from .models import InboxMessage


def can_view_message(user, message: InboxMessage) -> bool:
    # A reminder is personal: only its recipient sees it, administrators included.
    return message.recipient_id == user.pk


def access_message(user, pk) -> InboxMessage:
    message = InboxMessage.objects.filter(pk=pk).first() if str(pk).isdigit() else None
    if message is None or not can_view_message(user, message):
        raise Http404
    return message
