"""Sending one reminder through one outside channel. Each sender returns (status, detail) or raises;
the caller records the Delivery row (before and after the call). The inbox is not here: it is
written in the same transaction that marks the reminder sent (see services.reminder_deliver).

Every message carries the reminder's key for its channel (the e-mail Message-ID, the robot
message's ``Idempotency-Key`` header and a line of its text), the same on every attempt, and a copy
sent again after an attempt whose outcome is unknown says so (``duplicate``)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import smtplib
import socket
import time
import urllib.error
import urllib.parse
import urllib.request

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from .models import DeliveryStatus


class Refused(Exception):  # noqa: N818 - a refusal, not a programming error
    """The remote side answered and did not take the message: nothing was delivered."""


# Errors after which the message certainly did not arrive: the connection was never made, or the
# server answered with a refusal. Any other error (a timeout or a dropped connection after the
# message was written) leaves the outcome unknown, and a later copy is marked possible duplicate.
_NOT_DELIVERED = (
    Refused,
    ConnectionRefusedError,
    socket.gaierror,
    smtplib.SMTPResponseException,  # the server answered with an error code (incl. data refused)
    smtplib.SMTPRecipientsRefused,
    urllib.error.HTTPError,  # the robot answered with an error status
    ValueError,  # misconfigured: nothing was sent
)


def outcome_unknown(error: BaseException) -> bool:
    """Whether the message may have arrived although sending it raised ``error``."""
    if isinstance(error, _NOT_DELIVERED):
        return False
    if isinstance(error, urllib.error.URLError) and isinstance(error.reason, _NOT_DELIVERED):
        return False
    return True


def absolute_url(path: str) -> str:
    if not path or path.startswith(("http://", "https://")):
        return path
    return settings.REMINDER_SITE_URL.rstrip("/") + path


def email_message(item, *, connection=None, duplicate: bool = False) -> EmailMultiAlternatives:
    with translation.override(settings.LANGUAGE_CODE):
        context = {"item": item, "link": absolute_url(item.url), "inbox": absolute_url("/inbox/")}
        subject = render_to_string("notifications/email/reminder_subject.txt", context).strip()
        text = render_to_string("notifications/email/reminder.txt", context)
        html = render_to_string("notifications/email/reminder.html", context)
    message = EmailMultiAlternatives(
        subject=f"{settings.EMAIL_SUBJECT_PREFIX}{subject}",
        body=text,
        to=[item.recipient.email],
        # Derived from the dedup key: a resend after a crash carries the same Message-ID, so the
        # recipient's mail system can recognise it as the same message.
        headers={
            "Message-ID": item.message_id,
            "X-Reminder-Key": item.channel_key("email"),
            **({"X-Reminder-Possible-Duplicate": "yes"} if duplicate else {}),
        },
        connection=connection,
    )
    message.attach_alternative(html, "text/html")
    return message


def send_email(item, *, connection=None, duplicate: bool = False):
    if not item.recipient.email:
        return DeliveryStatus.SKIPPED, "no e-mail address"
    email_message(item, connection=connection, duplicate=duplicate).send(fail_silently=False)
    return DeliveryStatus.SENT, ""


def dingtalk_signed_url(url: str, secret: str, *, timestamp_ms: int | None = None) -> str:
    """DingTalk robot signing: sign = urlencode(base64(HMAC-SHA256(secret, "timestamp\\nsecret")))."""
    timestamp = str(timestamp_ms if timestamp_ms is not None else int(time.time() * 1000))
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest))
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}timestamp={timestamp}&sign={sign}"


def webhook_payload(item, kind: str, *, duplicate: bool = False) -> dict:
    name = item.recipient.get_full_name() or item.recipient.get_username()
    link = absolute_url(item.url)
    lines = [f"**{item.title}**", f"> {name}", item.body]
    if link:
        lines.append(f"[{link}]({link})")
    with translation.override(settings.LANGUAGE_CODE):
        # The key lets a person (or a relay in front of the robot) see that two posts are one.
        note = _("Reminder key: %(key)s") % {"key": item.webhook_key}
        if duplicate:
            note += " " + _("(sent again: it may have been posted already)")
    lines.append(note)
    text = "\n\n".join(line for line in lines if line)
    phone = getattr(item.recipient, "phone", "") or ""
    if kind == "dingtalk":
        return {
            "msgtype": "markdown",
            "markdown": {"title": item.title, "text": text + (f"\n\n@{phone}" if phone else "")},
            "at": {"atMobiles": [phone] if phone else [], "isAtAll": False},
        }
    payload = {"msgtype": "markdown", "markdown": {"content": text}}
    if phone:
        # WeCom's markdown cannot @ a mobile number; a second plain text mention does.
        payload = {"msgtype": "text", "text": {"content": text, "mentioned_mobile_list": [phone]}}
    return payload


def send_webhook(item, *, connection=None, duplicate: bool = False):
    url = settings.REMINDER_WEBHOOK_URL
    if not url:
        return DeliveryStatus.SKIPPED, "webhook not configured"
    kind = settings.REMINDER_WEBHOOK_KIND
    if kind == "dingtalk" and settings.REMINDER_WEBHOOK_SECRET:
        url = dingtalk_signed_url(url, settings.REMINDER_WEBHOOK_SECRET)
    body = json.dumps(webhook_payload(item, kind, duplicate=duplicate), ensure_ascii=False).encode()
    if not url.startswith(("https://", "http://")):
        raise ValueError("REMINDER_WEBHOOK_URL must be an http(s) URL")
    headers = {"Content-Type": "application/json; charset=utf-8", "Idempotency-Key": item.webhook_key}
    if duplicate:
        headers["X-Reminder-Possible-Duplicate"] = "yes"
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 - scheme checked above
    with urllib.request.urlopen(request, timeout=settings.REMINDER_WEBHOOK_TIMEOUT) as response:  # noqa: S310 - http(s) URL from settings
        answer = json.loads(response.read().decode() or "{}")
    # Both robots answer HTTP 200 with errcode != 0 when they refuse a message.
    if answer.get("errcode", 0) != 0:
        raise Refused(f"robot refused: {answer.get('errcode')} {answer.get('errmsg', '')}")
    return DeliveryStatus.SENT, ""


SENDERS = {"email": send_email, "webhook": send_webhook}
