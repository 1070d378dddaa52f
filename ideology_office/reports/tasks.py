"""Background work of the reports app: ledger downloads too large to be written in a request."""

from celery import shared_task

from ideology_office.common.audit import audit_context


@shared_task(name="reports.run_ledger_export")
def run_ledger_export(job_id: int, base_url: str = "") -> str:
    """Write one requested download (a ledger or the .zip of all); the job row carries the
    progress, and the requester's inbox hears when it is ready. Idempotent (acks_late)."""
    from .models import LedgerExport
    from .services import ledger_export_run

    requester = LedgerExport.objects.select_related("requested_by").filter(pk=job_id).first()
    if requester is None:
        return "gone"
    with audit_context(user=requester.requested_by):
        job = ledger_export_run(job_id, base_url)
    return job.status if job is not None else "finished already"


@shared_task(name="reports.expire_ledger_exports")
def expire_ledger_exports() -> int:
    """Hourly (beat entry ``ledger-exports-expire``): delete the files past their day."""
    from .services import ledger_exports_expire

    return ledger_exports_expire()
