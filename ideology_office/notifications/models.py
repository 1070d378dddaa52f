"""Reminders: rules (data), the outbox of planned reminders, the delivery log and the in-app inbox.

Rules and preferences are edited by people and inherit :class:`BaseModel` (audit trail). The
outbox, the delivery log and the inbox are written by the machine in bulk and are themselves the
log of what happened; auditing every status change of every reminder would double each write and
bury the audit trail, so they are plain models with their own timestamps and no update path
outside the services.
"""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ideology_office.common.models import BaseModel

from .offsets import parse_offsets


class Channel(models.TextChoices):
    INBOX = "inbox", _("In-app inbox")
    EMAIL = "email", _("Email")
    WEBHOOK = "webhook", _("Group robot (WeCom / DingTalk)")


def parse_channels(text: str) -> list[str]:
    names = [part.strip() for part in (text or "").split(",") if part.strip()]
    unknown = [name for name in names if name not in Channel.values]
    if unknown:
        raise ValidationError(
            _("Unknown channel: %(names)s. Use inbox, email, webhook.") % {"names": ", ".join(unknown)}
        )
    # The inbox is always on: it is the channel that cannot fail.
    return [Channel.INBOX, *[name for name in Channel.values if name in names and name != Channel.INBOX]]


class ReminderRule(BaseModel):
    key = models.CharField(
        _("key"),
        max_length=80,
        unique=True,
        validators=[RegexValidator(r"^[a-z0-9_]+\.[a-z0-9_.]+$", _("Use lower-case letters, digits, dots."))],
        help_text=_("Stable identifier, e.g. inspections.task_deadline."),
    )
    source = models.CharField(
        _("source"),
        max_length=80,
        help_text=_("The registered source whose records this rule reminds of."),
    )
    name = models.CharField(_("name"), max_length=100)
    offsets = models.CharField(
        _("when"),
        max_length=200,
        blank=True,
        help_text=_("Offsets from the date, comma separated: -7d,-3d,-1d,0d or -12h,-1h or +30m."),
    )
    overdue_every_days = models.PositiveSmallIntegerField(
        _("repeat when overdue every (days)"),
        null=True,
        blank=True,
        help_text=_("Empty: no repeat once the date has passed."),
    )
    escalate_after_days = models.PositiveSmallIntegerField(
        _("escalate after (days overdue)"),
        null=True,
        blank=True,
        help_text=_("Also remind the responsible leader after this many days overdue. Empty: never."),
    )
    channels = models.CharField(
        _("channels"), max_length=60, default="inbox,email", help_text=_("inbox, email, webhook")
    )
    urgent = models.BooleanField(_("urgent"), default=False, help_text=_("Sent even in quiet hours."))
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("reminder rule")
        verbose_name_plural = _("reminder rules")
        ordering = ["key"]

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        try:
            parsed = parse_offsets(self.offsets)
        except ValidationError as error:
            errors["offsets"] = error
        else:
            if not parsed and self.overdue_every_days is None and self.escalate_after_days is None:
                errors["offsets"] = ValidationError(_("Give at least one offset, a repeat or an escalation."))
        try:
            self.channels = ",".join(parse_channels(self.channels))
        except ValidationError as error:
            errors["channels"] = error
        if self.overdue_every_days == 0:
            errors["overdue_every_days"] = ValidationError(_("Repeat at least every 1 day."))
        if errors:
            raise ValidationError(errors)

    @property
    def channel_list(self) -> list[str]:
        return parse_channels(self.channels)


class ReminderPreference(BaseModel):
    """A person's choice of channels, for one rule or (rule empty) for everything, and quiet hours
    (read from the row without a rule)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="reminder_preferences",
    )
    rule = models.ForeignKey(
        ReminderRule, verbose_name=_("rule"), on_delete=models.CASCADE, null=True, blank=True
    )
    email = models.BooleanField(_("by email"), default=True)
    webhook = models.BooleanField(_("by group robot"), default=True)
    quiet_start = models.TimeField(_("quiet hours from"), null=True, blank=True)
    quiet_end = models.TimeField(_("quiet hours until"), null=True, blank=True)

    class Meta:
        verbose_name = _("reminder preference")
        verbose_name_plural = _("reminder preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "rule"], name="notifications_pref_user_rule"),
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(rule=None), name="notifications_pref_user_default"
            ),
        ]

    def __str__(self):
        return f"{self.user} {self.rule or '*'}"

    def clean(self):
        if (self.quiet_start is None) != (self.quiet_end is None):
            raise ValidationError(_("Give both ends of the quiet hours, or neither."))


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("waiting")
    SENDING = "sending", _("sending")
    SENT = "sent", _("sent")
    RETRY = "retry", _("failed, will retry")
    FAILED = "failed", _("failed, gave up")
    CANCELLED = "cancelled", _("cancelled")
    # A channel's earlier send may have arrived (its process died before recording the outcome)
    # and the channel is set to wait for an administrator rather than risk a second copy.
    HELD = "held", _("held: outcome unknown")


class ReminderKind(models.TextChoices):
    BEFORE = "before", _("before the date")
    OVERDUE = "overdue", _("overdue")
    ESCALATION = "escalation", _("escalation")
    DIGEST = "digest", _("daily digest")
    # A message about something the person started (a download written in the background).
    NOTICE = "notice", _("notice")


class OutboxItem(models.Model):
    """One logical reminder to one person. ``dedup_key`` is unique: planning twice is a no-op."""

    dedup_key = models.CharField(_("dedup key"), max_length=255, unique=True)
    rule = models.ForeignKey(
        ReminderRule, verbose_name=_("rule"), on_delete=models.PROTECT, null=True, blank=True
    )
    kind = models.CharField(_("kind"), max_length=12, choices=ReminderKind)
    content_type = models.ForeignKey(
        ContentType, verbose_name=_("record type"), on_delete=models.PROTECT, null=True, blank=True
    )
    object_id = models.CharField(_("record id"), max_length=64, blank=True)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="+"
    )
    moment = models.DateTimeField(_("due at"), null=True, blank=True)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    channels = models.CharField(_("channels"), max_length=60)
    urgent = models.BooleanField(_("urgent"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=OutboxStatus, default=OutboxStatus.PENDING)
    send_at = models.DateTimeField(_("planned for"))
    next_attempt_at = models.DateTimeField(_("next attempt at"))
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    claimed_by = models.CharField(_("claimed by"), max_length=100, blank=True)
    sent_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    allow_duplicate = models.BooleanField(
        _("resend allowed"),
        default=False,
        help_text=_("An administrator asked to send held channels again, accepting a possible duplicate."),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("outbox reminder")
        verbose_name_plural = _("reminder outbox")
        ordering = ["-send_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="notif_outbox_due"),
            models.Index(fields=["content_type", "object_id", "status"], name="notif_outbox_record"),
        ]

    def __str__(self):
        return self.title

    @property
    def _key_digest(self) -> str:
        import hashlib

        return hashlib.sha256(self.dedup_key.encode()).hexdigest()[:32]

    def channel_key(self, channel: str) -> str:
        """The key of this reminder on one channel, the same for every attempt: a copy sent again
        after a crash carries it too, so the receiving side (and a person) can recognise it."""
        return f"reminder.{self._key_digest}.{channel}"

    @property
    def message_id(self) -> str:
        """The e-mail Message-ID: one per reminder and channel, the same for every attempt (short
        enough not to be folded)."""
        return f"<{self._key_digest}.{Channel.EMAIL}@{settings.REMINDER_MESSAGE_ID_DOMAIN}>"

    @property
    def webhook_key(self) -> str:
        return self.channel_key(Channel.WEBHOOK)


class DeliveryStatus(models.TextChoices):
    # Committed before the network call: a row still "attempting" after its process died is a send
    # whose outcome nobody recorded; the next attempt turns it into "unknown".
    ATTEMPTING = "attempting", _("sending")
    SENT = "sent", _("sent")
    UNKNOWN = "unknown", _("outcome unknown")
    FAILED = "failed", _("failed")
    SKIPPED = "skipped", _("skipped")


# Delivery statuses of a send that may have reached the recipient (counted as sends).
MAYBE_SENT = (DeliveryStatus.ATTEMPTING, DeliveryStatus.SENT, DeliveryStatus.UNKNOWN)


class Delivery(models.Model):
    """One attempt of one channel for one reminder: written ("attempting", committed) before the
    network call and updated with its outcome after it, so every send is in the log, including
    one whose process died before it could record the outcome."""

    item = models.ForeignKey(
        OutboxItem, verbose_name=_("reminder"), on_delete=models.CASCADE, related_name="deliveries"
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel)
    status = models.CharField(_("result"), max_length=10, choices=DeliveryStatus)
    attempt = models.PositiveSmallIntegerField(_("attempt"))
    key = models.CharField(
        _("message key"), max_length=255, blank=True, help_text=_("E-mail Message-ID or robot message key.")
    )
    possible_duplicate = models.BooleanField(
        _("possible duplicate"),
        default=False,
        help_text=_("Sent again after an attempt whose outcome is unknown: it may have arrived twice."),
    )
    worker = models.CharField(_("sent by"), max_length=100, blank=True)
    detail = models.TextField(_("detail"), blank=True)
    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(_("outcome recorded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("delivery log")
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.item_id} {self.channel} {self.status}"


class InboxMessage(models.Model):
    """A reminder in a person's in-app inbox. One per outbox row at most (exactly-once)."""

    item = models.OneToOneField(
        OutboxItem, verbose_name=_("reminder"), on_delete=models.CASCADE, related_name="inbox_message"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    urgent = models.BooleanField(_("urgent"), default=False)
    created_at = models.DateTimeField(_("received at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("inbox message")
        verbose_name_plural = _("inbox messages")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notif_inbox_unread")]

    def __str__(self):
        return self.title
