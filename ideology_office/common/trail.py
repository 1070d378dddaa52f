"""The audit trail's own rows: entries, the chain head and the archives, and what an entry's keyed
hashes cover. Written by :mod:`ideology_office.common.audit` (which imports this module; this
module imports nothing of it, so the dependency goes one way: models → audit → trail).

**The chain.** Each entry carries, from the moment it is written, an ``entry_mac``: HMAC-SHA256
under the chain key (never in the database, see :mod:`.anchors`) of its content — time, actor,
address, action, record type and id, the record's label and the changes, as one canonical JSON
array. Right after the writing transaction commits, :func:`.audit_chain.seal_pending` gives each
new entry the next ``sequence`` under the lock of the chain head and its ``chain_hash`` = HMAC of
the previous entry's chain hash, the sequence and the entry's MAC. Chaining after the commit keeps
the head lock to a few milliseconds and out of every business transaction (which would otherwise
all queue behind one lock, and deadlock with their own row locks); a row inserted behind the
application's back has no valid MAC and is never chained. ``verify_audit`` walks the chain.
"""

from __future__ import annotations

import datetime
import functools
import hmac
import ipaddress
import json

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .anchors import GENESIS_HASH, chain_key

AUDIT_CHAIN_NAME = "audit"

# The columns an entry's MAC covers, in order (then the stored MAC and chain fields).
PAYLOAD_COLUMNS = (
    "timestamp",
    "actor_id",
    "actor_label",
    "remote_addr",
    "action",
    "is_bulk",
    "content_type_id",
    "object_pk",
    "object_repr",
    "changes",
)


@functools.lru_cache(maxsize=4096)
def _address(value) -> str:
    """The address as text the same way whatever the database gives back (inet or text)."""
    if not value:
        return ""
    try:
        return str(ipaddress.ip_address(str(value).split("/")[0]))
    except ValueError:
        return str(value)


def canonical_changes(changes):
    """The changes as the database gives them back: through the field's JSON encoder."""
    return json.loads(json.dumps(changes, cls=DjangoJSONEncoder))


# One encoder, built once: the payload is encoded for every entry written and verified.
_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
_UTC = datetime.UTC


def entry_payload(values) -> str:
    """``values`` in PAYLOAD_COLUMNS order as one unambiguous JSON text (keys sorted). The changes
    as the database gives them back (see :func:`canonical_changes`)."""
    timestamp, actor_id, label, address, action, is_bulk, type_id, pk, text, changes = values
    return _ENCODER.encode(
        [
            timestamp.astimezone(_UTC).isoformat(),
            actor_id,
            label,
            _address(address) if address else "",
            action,
            bool(is_bulk),
            type_id,
            pk,
            text,
            changes,
        ]
    )


def entry_mac(values, key: bytes | None = None) -> str:
    return hmac.digest(key or chain_key(), entry_payload(values).encode(), "sha256").hex()


def link_hash(previous_hash: str, sequence: int, mac: str, key: bytes | None = None) -> str:
    return hmac.digest(key or chain_key(), f"{previous_hash}\n{sequence}|{mac}".encode(), "sha256").hex()


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("The audit trail is append-only.")

    def delete(self):
        raise PermissionError("The audit trail is append-only.")

    def bulk_update(self, *args, **kwargs):
        raise PermissionError("The audit trail is append-only.")

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        key = chain_key()
        for obj in objs:
            obj.seal_content(key)
        return super().bulk_create(objs, *args, **kwargs)

    def chained(self):
        return self.filter(sequence__isnull=False)


class AuditEntry(models.Model):
    """One create, update or delete of one row; written by :mod:`ideology_office.common.audit`."""

    class Action(models.TextChoices):
        CREATE = "create", _("created")
        UPDATE = "update", _("changed")
        DELETE = "delete", _("deleted")

    timestamp = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        # The entry keeps what was recorded, even if the person is deleted one day (the id is
        # covered by the entry's MAC, so it is never set to NULL afterwards).
        on_delete=models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,
    )
    actor_label = models.CharField(_("who (as recorded)"), max_length=150)
    remote_addr = models.GenericIPAddressField(_("address"), null=True, blank=True)
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    is_bulk = models.BooleanField(_("bulk write"), default=False)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, verbose_name=_("record type"))
    object_pk = models.CharField(_("record id"), max_length=64, db_index=True)
    object_repr = models.CharField(_("record"), max_length=200, blank=True)
    changes = models.JSONField(_("changes"), default=dict, encoder=DjangoJSONEncoder)
    # The chain (see the module's note): the MAC is written with the entry, the rest when chained.
    entry_mac = models.CharField(_("content MAC"), max_length=64, blank=True, editable=False)
    sequence = models.PositiveBigIntegerField(_("sequence"), null=True, unique=True, editable=False)
    previous_hash = models.CharField(_("previous chain hash"), max_length=64, blank=True, editable=False)
    chain_hash = models.CharField(_("chain hash"), max_length=64, blank=True, editable=False)

    objects = AuditEntryQuerySet.as_manager()

    # Set on an entry whose changes are already as the database gives JSON back (lists, dates as
    # text: an import's summarising entry): its MAC is then computed without a round trip.
    changes_canonical = False

    class Meta:
        app_label = "common"
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")
        ordering = ["-timestamp", "-pk"]
        indexes = [models.Index(fields=["content_type", "object_pk"], name="common_audit_record")]
        default_permissions = ("view",)

    def __str__(self):
        # Local time, as everywhere on the page (the field shows local time too).
        moment = timezone.localtime(self.timestamp)
        return f"{moment:%Y-%m-%d %H:%M} {self.actor_label} {self.get_action_display()} {self.object_repr}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("The audit trail is append-only.")
        self.seal_content()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The audit trail is append-only.")

    def payload_values(self) -> tuple:
        values = [getattr(self, name) for name in PAYLOAD_COLUMNS]
        if not self.changes_canonical:
            values[-1] = canonical_changes(self.changes)
        return tuple(values)

    def seal_content(self, key: bytes | None = None) -> None:
        if self.timestamp is None:
            self.timestamp = timezone.now()
        self.entry_mac = entry_mac(self.payload_values(), key)


class AuditChainHead(models.Model):
    """The tip of the audit chain: the row locked to chain new entries, and the witness of the
    last one (without it, deleting the newest entries would leave an intact shorter chain)."""

    last_sequence = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)

    class Meta:
        app_label = "common"
        verbose_name = _("audit chain head")
        verbose_name_plural = _("audit chain head")
        default_permissions = ()

    def __str__(self):
        return f"#{self.last_sequence}"


class AuditArchive(models.Model):
    """One archiving of the entries older than the retention period by the 审计管理员: the
    exported workbook's SHA-256 and manifest. Archived entries stay in the table (the chain stays
    whole and the database refuses DELETE); entries older than the newest archive's cutoff are
    marked archived on the audit page."""

    created_at = models.DateTimeField(_("archived at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("archived by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    cutoff = models.DateTimeField(_("entries before"))
    entry_count = models.PositiveIntegerField(_("entries"))
    first_sequence = models.PositiveBigIntegerField(_("first sequence"), null=True, blank=True)
    last_sequence = models.PositiveBigIntegerField(_("last sequence"), null=True, blank=True)
    file_name = models.CharField(_("file name"), max_length=200)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    manifest = models.JSONField(_("manifest"), default=dict, encoder=DjangoJSONEncoder)

    class Meta:
        app_label = "common"
        verbose_name = _("audit archive")
        verbose_name_plural = _("audit archives")
        ordering = ["-created_at", "-pk"]
        default_permissions = ("view",)

    def __str__(self):
        return self.file_name
