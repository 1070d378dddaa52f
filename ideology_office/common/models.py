"""Pieces every work area builds on: base models, evidence attachments and the audit trail."""

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.files.storage import storages
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .audit import AuditedModel, AuditedQuerySet
from .trail import AuditArchive, AuditChainHead, AuditEntry

__all__ = [
    "Attachment",
    "AuditArchive",
    "AuditChainHead",
    "AuditEntry",
    "BaseModel",
    "DecidedRequest",
    "Rollup",
    "TimeStampedModel",
    "VoidableModel",
    "VoidableQuerySet",
]


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class BaseModel(AuditedModel, TimeStampedModel):
    """The base of every record: timestamps, who created it, and a place in the audit trail."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    class Meta:
        abstract = True


class DecidedRequest(BaseModel):
    """A request someone decides on (a deadline extension, a shift swap): who decided, when and
    why. The request's own status and its decision services live with it."""

    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    class Meta:
        abstract = True


class VoidableQuerySet(AuditedQuerySet):
    def active(self):
        return self.filter(voided_at__isnull=True)

    def voided(self):
        return self.filter(voided_at__isnull=False)


class VoidableModel(BaseModel):
    """A record that ordinary users void (作废) with a reason instead of deleting.

    Voided records stay in the ledger, marked, so nothing that was recorded is ever lost.
    Void through :func:`ideology_office.common.services.record_void`.
    """

    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True, editable=False)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("voided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    void_reason = models.TextField(_("reason for voiding"), blank=True, editable=False)

    objects = VoidableQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def is_voided(self) -> bool:
        return self.voided_at is not None


def evidence_storage():
    return storages["evidence"]


def evidence_upload_path(instance, filename):
    # The stored name is random: the original name is kept in the row and only used on download.
    suffix = PurePosixPath(filename).suffix.lower()[:10]
    today = timezone.localdate()
    return f"{today:%Y/%m}/{uuid.uuid4().hex}{suffix}"


class Attachment(VoidableModel):
    """An evidence file (佐证材料) carried by any record.

    Files live in the private ``evidence`` storage and are served only by the download view,
    which checks that the person may see the record that owns the file.
    """

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, verbose_name=_("record type"))
    object_id = models.CharField(_("record id"), max_length=64)
    record = GenericForeignKey("content_type", "object_id")
    file = models.FileField(
        _("file"), storage=evidence_storage, upload_to=evidence_upload_path, max_length=255
    )
    original_name = models.CharField(_("file name"), max_length=255)
    mime_type = models.CharField(_("file type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    description = models.CharField(_("description"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="common_attachment_record")]

    def __str__(self):
        return self.original_name

    def get_absolute_url(self):
        return reverse("common:attachment_download", args=[self.pk])


class Rollup(models.Model):
    """One bucket of a work area's summary (``common.rollups``): how many records of a metric fall
    in a month, a section and a kind, with the sum of their measure and their distinct members.
    Derived data, rebuilt by ``rebuild_rollups``: not audited, never edited by hand."""

    metric = models.CharField(max_length=60)
    #: 0 for a metric without a date.
    year = models.PositiveSmallIntegerField()
    #: 1-12, 0 for a metric without a date.
    month = models.PositiveSmallIntegerField()
    #: The section's id, 0 for none (office-wide records, or a metric without sections).
    section_id = models.IntegerField(default=0)
    #: The kind (a choice value), "" for none.
    kind = models.CharField(max_length=60, default="", blank=True)
    count = models.PositiveIntegerField(default=0)
    total = models.BigIntegerField(default=0)
    uniques = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("summary bucket")
        verbose_name_plural = _("summary buckets")
        constraints = [
            models.UniqueConstraint(
                fields=["metric", "year", "month", "section_id", "kind"], name="common_rollup_bucket"
            )
        ]
        # The readers ask for the office's buckets (section -1) or some sections' of some years.
        indexes = [
            models.Index(fields=["metric", "section_id", "year", "month"], name="common_rollup_by_section")
        ]

    def __str__(self):
        return f"{self.metric} {self.year}-{self.month:02d} §{self.section_id} {self.kind}: {self.count}"
