"""The replaceable Word template of the annual report (the figures are never stored: they are
computed from the records each time, figures.py), and the ledger downloads written in the
background."""

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ideology_office.common.models import BaseModel, evidence_storage


class ReportTemplate(BaseModel):
    """A Word template uploaded by an admin. The newest active one is used; with none, the
    built-in template (document.py)."""

    name = models.CharField(_("name"), max_length=100)
    file = models.FileField(_("Word template (.docx)"), upload_to="report-templates/%Y/")
    note = models.TextField(_("remarks"), blank=True)
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("report template")
        verbose_name_plural = _("report templates")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return self.name


def ledger_export_path(instance, filename):
    # A random stored name in the private storage; the Chinese name is kept in the row.
    return f"ledger-exports/{timezone.localdate():%Y/%m}/{uuid.uuid4().hex}{PurePosixPath(filename).suffix}"


class LedgerExport(models.Model):
    """A ledger (or every ledger as a .zip) written in the background for the person who asked.

    The file lives in the private ``evidence`` storage (never under a public URL) and is served
    only to its requester through the download view, which the download audit records. It is
    kept for ``LEDGER_EXPORT_KEEP_HOURS`` (a day) and then deleted by the beat task
    ``reports.expire_ledger_exports``. Not a business record: the row is not in the audit trail
    (its progress is written every few thousand rows); its download is (``DataExport``).
    """

    ALL = "all"

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Being written")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired")

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.CASCADE, related_name="+"
    )
    #: A ledger's key, or "all": every ledger and the evidence index in one .zip.
    ledger = models.CharField(_("ledger"), max_length=50)
    start = models.DateField(_("start date"))
    end = models.DateField(_("end date"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    rows_done = models.PositiveIntegerField(_("rows written"), default=0)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    file = models.FileField(
        _("file"), storage=evidence_storage, upload_to=ledger_export_path, max_length=255, blank=True
    )
    filename = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size (bytes)"), default=0)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("requested at"), default=timezone.now, editable=False)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("kept until"), db_index=True)

    class Meta:
        verbose_name = _("ledger download")
        verbose_name_plural = _("ledger downloads")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return self.filename

    def get_absolute_url(self):
        return reverse("reports:ledger_export", args=[self.pk])

    @property
    def is_all(self) -> bool:
        return self.ledger == self.ALL

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED, self.Status.EXPIRED)

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.rows_total:
            return 0
        return min(99, self.rows_done * 100 // self.rows_total)
