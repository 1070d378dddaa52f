from celery import shared_task

from ideology_office.common.audit import audit_context


@shared_task(name="study.tasks.run_import_job")
def run_import_job(job_id: int) -> str:
    """Run one large spreadsheet import through the pipeline; the job row carries the progress."""
    from .imports import import_job_run
    from .models import ImportJob

    creator = ImportJob.objects.select_related("created_by").get(pk=job_id).created_by
    with audit_context(user=creator, label="" if creator else "study import job"):
        job = import_job_run(job_id)
    return job.status
