"""Writes of the reports app: the Word template, and the ledger downloads written in the
background (figures are computed, never written)."""

from __future__ import annotations

import datetime
import logging
import tempfile
from pathlib import PurePosixPath
from urllib.parse import urljoin

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ideology_office.common.spreadsheets import write_workbook

from .document import ReportTemplateError, render_report
from .figures import annual_figures
from .ledgers import archive_filename, counting_rows, ledger_for, ledgers, write_ledgers_zip
from .models import LedgerExport, ReportTemplate

logger = logging.getLogger(__name__)

MAX_TEMPLATE_BYTES = 5 * 1024 * 1024


def report_template_validate(uploaded_file) -> bytes:
    """The template's bytes if it is a .docx of sane size that renders with this year's figures;
    otherwise a ValidationError whose message tells the admin what to fix."""
    if PurePosixPath(uploaded_file.name).suffix.lower() != ".docx":
        raise ValidationError(_("Upload a Word document saved as .docx."), code="extension")
    if uploaded_file.size > MAX_TEMPLATE_BYTES:
        raise ValidationError(
            _("The template is larger than %(size)d MB.") % {"size": MAX_TEMPLATE_BYTES // 1024 // 1024},
            code="size",
        )
    content = uploaded_file.read()
    uploaded_file.seek(0)
    year = timezone.localdate().year
    try:
        render_report(annual_figures(since=year, until=year), content)
    except ReportTemplateError as error:
        raise ValidationError(str(error), code="render") from error
    return content


def report_template_upload(*, name: str, uploaded_file, user, note: str = "") -> ReportTemplate:
    """Store a new template and make it the one in use (the previous ones stay, inactive)."""
    report_template_validate(uploaded_file)
    template = ReportTemplate(name=name.strip(), note=note.strip(), active=True, created_by=user)
    template.full_clean(exclude=["file"])
    with transaction.atomic():
        for previous in ReportTemplate.objects.select_for_update().filter(active=True):
            previous.active = False
            previous.save(update_fields=["active", "updated_at"])
        template.file.save(PurePosixPath(uploaded_file.name).name, uploaded_file, save=False)
        stored_name, storage = template.file.name, template.file.storage
        try:
            template.save()
        except Exception:
            if stored_name:
                storage.delete(stored_name)
            raise
    return template


# Ledger downloads written in the background ---------------------------------------------------

# The job's row is updated once per this many rows written (not per row).
LEDGER_EXPORT_PROGRESS_EVERY = 5000
LEDGER_EXPORT_RUN_TASK = "reports.run_ledger_export"


def ledger_export_threshold() -> int:
    """A single ledger with more records than this in the period is written in the background."""
    return settings.LEDGER_EXPORT_ROW_THRESHOLD


def ledger_export_runs_in_background(ledger_key: str, total: int) -> bool:
    """ "Download all" always; one ledger when its records pass the threshold."""
    return ledger_key == LedgerExport.ALL or total > ledger_export_threshold()


def _export_filename(ledger_key: str, start, end) -> str:
    ledger = ledger_for(ledger_key)
    if ledger is None:
        return archive_filename(start, end)
    return ledger.filename(start, end)


def _enqueue(job_id: int, base_url: str) -> None:
    """Send the job to a worker, after the commit; a broker that cannot be reached fails the job
    with the reason, rather than the page (the person sees it on the job's page)."""
    from ideology_office.celery import app as celery_app

    try:
        celery_app.send_task(
            LEDGER_EXPORT_RUN_TASK,
            args=[job_id, base_url],
            queue=settings.LEDGER_EXPORT_QUEUE,
            retry=False,
            ignore_result=True,
        )
    except Exception:  # noqa: BLE001 - any broker failure: the job says so
        logger.exception("ledger export %s: the job could not be queued", job_id)
        LedgerExport.objects.filter(pk=job_id, status=LedgerExport.Status.QUEUED).update(
            status=LedgerExport.Status.FAILED,
            error=_("The background service cannot be reached; please try again later."),
            finished_at=timezone.now(),
        )


@transaction.atomic
def ledger_export_request(*, user, ledger_key: str, start, end, base_url: str = "") -> LedgerExport:
    """A job writing one ledger (its key) or every ledger ("all") of the period for ``user``,
    queued once the transaction commits. Bad input is refused with a Chinese reason and nothing
    is written. ``base_url`` makes the evidence index's links absolute (the site's address)."""
    if ledger_key != LedgerExport.ALL and ledger_for(ledger_key) is None:
        raise ValidationError(_("There is no such ledger."), code="ledger")
    if start is None or end is None or end < start:
        raise ValidationError(_("The end date comes before the start date."), code="period")
    now = timezone.now()
    job = LedgerExport.objects.create(
        requested_by=user,
        ledger=ledger_key,
        start=start,
        end=end,
        filename=_export_filename(ledger_key, start, end),
        created_at=now,
        expires_at=now + datetime.timedelta(hours=settings.LEDGER_EXPORT_KEEP_HOURS),
    )
    transaction.on_commit(lambda: _enqueue(job.pk, base_url))
    return job


class _Progress:
    """Counts rows as they are written and saves the count on the job every few thousand."""

    def __init__(self, job_id: int, every: int):
        self.job_id, self.every = job_id, every
        self.done = self.saved = 0

    def __call__(self, rows: int) -> None:
        self.done += rows
        if self.done - self.saved >= self.every:
            self.save()

    def save(self) -> None:
        LedgerExport.objects.filter(pk=self.job_id).update(rows_done=self.done)
        self.saved = self.done


def _claim(job_id: int) -> LedgerExport | None:
    """The job, marked running, unless it is finished already (a task delivered twice, or
    again after a worker died: acks_late) or gone."""
    with transaction.atomic():
        job = LedgerExport.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.is_finished:
            return None
        job.status, job.started_at, job.rows_done = LedgerExport.Status.RUNNING, timezone.now(), 0
        chosen = ledgers() if job.is_all else [ledger for ledger in [ledger_for(job.ledger)] if ledger]
        job.rows_total = sum(ledger.counts(job.start, job.end)["total"] for ledger in chosen)
        job.save(update_fields=["status", "started_at", "rows_done", "rows_total"])
        return job


def _write(job: LedgerExport, handle, progress: _Progress, base_url: str) -> None:
    if job.is_all:
        write_ledgers_zip(
            handle, job.start, job.end, absolute_url=lambda path: urljoin(base_url, path), progress=progress
        )
        return
    ledger = ledger_for(job.ledger)
    if ledger is None:
        raise LookupError(job.ledger)
    sheet = ledger.sheet(job.start, job.end)
    sheet.rows = counting_rows(sheet.rows, progress)
    write_workbook(handle, [sheet])


def ledger_export_run(job_id: int, base_url: str = "") -> LedgerExport | None:
    """Write the job's file (streaming, into a temporary file, then into the private storage),
    saving the progress every few thousand rows; tell the requester in the inbox when it is ready,
    or why it failed. Idempotent: a finished job is left as it is."""
    job = _claim(job_id)
    if job is None:
        return None
    progress = _Progress(job.pk, LEDGER_EXPORT_PROGRESS_EVERY)
    try:
        with tempfile.TemporaryFile() as handle:
            _write(job, handle, progress, base_url or settings.REMINDER_SITE_URL)
            handle.seek(0, 2)
            size = handle.tell()
            handle.seek(0)
            job.file.save(job.filename, File(handle), save=False)
    except Exception as error:  # noqa: BLE001 - any failure: the job and the inbox say why
        logger.exception("ledger export %s failed", job.pk)
        job.status = LedgerExport.Status.FAILED
        job.error = _(
            "The file could not be written (%(reason)s). Please ask again or contact the administrator."
        ) % {"reason": error.__class__.__name__}
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "error", "finished_at"])
        _tell_requester(job)
        return job
    job.status, job.size, job.rows_done = LedgerExport.Status.DONE, size, progress.done
    job.finished_at = timezone.now()
    with transaction.atomic():
        job.save(update_fields=["status", "file", "size", "rows_done", "finished_at"])
        _tell_requester(job)
    return job


def _tell_requester(job: LedgerExport) -> None:
    """One inbox message: the file is ready (with its link), or it failed and why."""
    from ideology_office.notifications.services import notice_send

    if job.status == LedgerExport.Status.DONE:
        title = _("Your download is ready: %(name)s") % {"name": job.filename}
        body = _("Kept until %(time)s; download it from this link.") % {
            "time": f"{timezone.localtime(job.expires_at):%Y-%m-%d %H:%M}"
        }
    else:
        title = _("Your download could not be written: %(name)s") % {"name": job.filename}
        body = job.error
    notice_send(
        recipient=job.requested_by,
        title=title[:200],
        body=body,
        url=job.get_absolute_url(),
        dedup_key=f"ledger-export:{job.pk}:{job.status}",
    )


def ledger_exports_expire(*, now: datetime.datetime | None = None) -> int:
    """Delete the files of the downloads past their day (and of jobs that never finished within
    it) and mark them expired; the rows stay as a short history. Returns how many expired."""
    now = now or timezone.now()
    expired = 0
    stale = LedgerExport.objects.filter(expires_at__lte=now).exclude(status=LedgerExport.Status.EXPIRED)
    for job in stale.iterator(chunk_size=200):
        if job.file:
            job.file.delete(save=False)
        job.status, job.file = LedgerExport.Status.EXPIRED, ""
        job.save(update_fields=["status", "file"])
        expired += 1
    return expired
