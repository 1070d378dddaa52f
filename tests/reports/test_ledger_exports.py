"""Ledger downloads written in the background: "download all" and a ledger over the threshold
become a job with a progress page; the file is kept a day in the private storage for its requester
only, the inbox says when it is ready (or why it failed), and a beat task deletes it after its day.
One test runs the job through a real Celery worker process (PostgreSQL)."""

import datetime
import io
import os
import subprocess
import sys
import time
import uuid
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ideology_office.accounts.models import DataExport
from ideology_office.celery import app as celery_app
from ideology_office.notifications.models import InboxMessage, OutboxItem, ReminderKind
from ideology_office.notifications.services import reminders_send_due
from ideology_office.reports import services
from ideology_office.reports.ledgers import archive_filename, ledgers
from ideology_office.reports.models import LedgerExport
from tests.conftest import service_unavailable

CREATE = reverse("reports:ledger_export_create")
PAGE = reverse("reports:ledger_list")
PERIOD = {"start": "2024-01-01", "end": "2024-12-31"}
START, END = datetime.date(2024, 1, 1), datetime.date(2024, 12, 31)


@pytest.fixture
def run_at_once(monkeypatch, django_capture_on_commit_callbacks):
    """The worker's part done in this process when the request commits."""
    monkeypatch.setattr(services, "_enqueue", services.ledger_export_run)

    def ask(client, ledger="all", params=PERIOD):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(CREATE, {**params, "ledger": ledger})
        assert response.status_code == 302, response.content.decode()[:800]
        return LedgerExport.objects.get(pk=int(response["Location"].rstrip("/").rsplit("/", 1)[1]))

    return ask


def _download(client, job):
    return client.get(reverse("reports:ledger_export_download", args=[job.pk]))


@pytest.mark.django_db
def test_download_all_is_a_job_whose_file_the_inbox_announces(client, inspector, run_at_once):
    client.force_login(inspector)
    job = run_at_once(client)

    assert job.status == LedgerExport.Status.DONE
    assert job.requested_by == inspector
    assert job.filename == archive_filename(START, END)
    assert job.expires_at - job.created_at == datetime.timedelta(hours=24)
    # In the private storage, never under a public URL.
    assert job.file.name.startswith("ledger-exports/")
    assert Path(job.file.path).is_relative_to(Path(settings.STORAGES["evidence"]["OPTIONS"]["location"]))
    assert not job.file.name.endswith(".zip") or "意识形态" not in job.file.name

    page = client.get(job.get_absolute_url()).content.decode()
    assert "已就绪" in page
    assert reverse("reports:ledger_export_download", args=[job.pk]) in page

    response = _download(client, job)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Cache-Control"] == "private, no-store"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert len(archive.namelist()) == len(ledgers()) + 1
    export = DataExport.objects.get(user=inspector)
    assert export.what == job.filename
    assert export.page == "reports:ledger_export_download"

    item = OutboxItem.objects.get(recipient=inspector)
    assert item.kind == ReminderKind.NOTICE
    assert item.url == job.get_absolute_url()
    reminders_send_due()
    message = InboxMessage.objects.get(recipient=inspector)
    assert message.title == f"下载文件已生成：{job.filename}"
    assert message.url == job.get_absolute_url()


@pytest.mark.django_db
def test_a_small_ledger_downloads_at_once_and_a_large_one_becomes_a_job(
    client, inspector, run_at_once, settings
):
    from tests.inspections.factories import make_finding, make_inspection, make_task

    inspection = make_inspection(user=inspector, date=datetime.date(2024, 5, 1))
    for number in range(3):
        finding = make_finding(user=inspector, inspection=inspection, description=f"问题{number}")
        make_task(user=inspector, finding=finding)
    client.force_login(inspector)
    direct = reverse("reports:ledger_download", args=["rectification"])
    assert client.get(direct, PERIOD).status_code == 200

    settings.LEDGER_EXPORT_ROW_THRESHOLD = 2
    page = client.get(PAGE, PERIOD).content.decode()
    assert 'data-testid="prepare-rectification"' in page
    assert f'href="{direct}?' not in page
    response = client.get(direct, PERIOD)
    assert response.status_code == 302
    assert response["Location"].startswith(PAGE)
    assert DataExport.objects.count() == 1  # the small download above; the refused one is not

    job = run_at_once(client, ledger="rectification")
    assert job.status == LedgerExport.Status.DONE
    assert job.rows_total == job.rows_done == 3
    response = _download(client, job)
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert DataExport.objects.latest("pk").row_count == 3


@pytest.mark.django_db
def test_a_job_is_its_requesters_alone(client, inspector, leader, admin_person, staff, run_at_once):
    client.force_login(inspector)
    job = run_at_once(client)
    urls = [job.get_absolute_url(), reverse("reports:ledger_export_download", args=[job.pk])]
    for other in (leader, admin_person, staff):
        client.force_login(other)
        for url in urls:
            assert client.get(url).status_code == 404, (other, url)
    client.force_login(staff)
    assert client.post(CREATE, {**PERIOD, "ledger": "all"}).status_code == 403
    client.logout()
    for url in urls:
        assert "/accounts/login/" in client.get(url)["Location"]
    missing = reverse("reports:ledger_export", args=[job.pk + 1000])
    client.force_login(inspector)
    assert client.get(missing).status_code == 404
    assert DataExport.objects.count() == 0


@pytest.mark.django_db
def test_bad_input_writes_nothing_and_is_explained_in_chinese(client, inspector, run_at_once):
    client.force_login(inspector)
    for key in ("no_such_ledger", ""):
        response = client.post(CREATE, {**PERIOD, "ledger": key})
        assert response.status_code == 400
        assert "没有这个台账。" in response.content.decode()
    response = client.post(CREATE, {"start": "2024-12-31", "end": "2024-01-01", "ledger": "all"})
    assert response.status_code == 400
    assert "结束日期早于起始日期" in response.content.decode()
    assert not LedgerExport.objects.exists()


@pytest.mark.django_db
def test_a_failure_says_why_in_chinese_on_the_page_and_in_the_inbox(
    client, inspector, run_at_once, monkeypatch
):
    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(services, "write_ledgers_zip", broken)
    client.force_login(inspector)
    job = run_at_once(client)
    assert job.status == LedgerExport.Status.FAILED
    assert job.error == "文件未能生成（OSError）。请重新申请，或联系管理员。"
    assert not job.file
    page = client.get(job.get_absolute_url()).content.decode()
    assert job.error in page
    assert _download(client, job).status_code == 302
    reminders_send_due()
    message = InboxMessage.objects.get(recipient=inspector)
    assert message.title == f"下载文件未能生成：{job.filename}"
    assert message.body == job.error


@pytest.mark.django_db
def test_a_broker_that_cannot_be_reached_fails_the_job_not_the_page(
    client, inspector, monkeypatch, django_capture_on_commit_callbacks
):
    def down(*args, **kwargs):
        raise ConnectionRefusedError

    monkeypatch.setattr(celery_app, "send_task", down)
    client.force_login(inspector)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(CREATE, {**PERIOD, "ledger": "all"})
    assert response.status_code == 302
    job = LedgerExport.objects.get()
    assert job.status == LedgerExport.Status.FAILED
    assert job.error == "后台任务服务暂时无法连接，请稍后重试。"


@pytest.mark.django_db
def test_a_task_delivered_twice_writes_the_file_once(client, inspector, run_at_once):
    client.force_login(inspector)
    job = run_at_once(client)
    name = job.file.name
    assert services.ledger_export_run(job.pk) is None
    job.refresh_from_db()
    assert job.file.name == name
    assert OutboxItem.objects.count() == 1


@pytest.mark.django_db
def test_progress_is_saved_every_few_thousand_rows_not_per_row(inspector):
    job = LedgerExport.objects.create(
        requested_by=inspector,
        ledger="all",
        start=START,
        end=END,
        filename="x.zip",
        expires_at=timezone.now(),
    )
    progress = services._Progress(job.pk, every=100)
    with CaptureQueriesContext(connection) as captured:
        for _ in range(1000):
            progress(1)
    assert len(captured) == 10
    job.refresh_from_db()
    assert job.rows_done == 1000


@pytest.mark.django_db
def test_the_progress_page_costs_a_fixed_number_of_queries(client, inspector, django_assert_max_num_queries):
    job = LedgerExport.objects.create(
        requested_by=inspector,
        ledger="all",
        start=START,
        end=END,
        filename=archive_filename(START, END),
        status=LedgerExport.Status.RUNNING,
        rows_done=2500,
        rows_total=10000,
        expires_at=timezone.now() + datetime.timedelta(days=1),
    )
    client.force_login(inspector)
    client.get(job.get_absolute_url())
    with django_assert_max_num_queries(6):
        response = client.get(job.get_absolute_url(), headers={"HX-Request": "true"})
    page = response.content.decode()
    assert 'hx-trigger="every 1s"' in page
    assert 'data-percent="25"' in page
    assert "2500 / 10000 行" in page or "2500" in page
    with django_assert_max_num_queries(12):
        full = client.get(job.get_absolute_url()).content.decode()
    assert "js/progress.js" in full


@pytest.mark.django_db
def test_files_past_their_day_are_deleted_by_the_beat_task(client, inspector, run_at_once):
    from ideology_office.reports.tasks import expire_ledger_exports

    client.force_login(inspector)
    job = run_at_once(client)
    kept = run_at_once(client)
    path = Path(job.file.path)
    assert path.exists()
    LedgerExport.objects.filter(pk=job.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))

    assert expire_ledger_exports() == 1

    job.refresh_from_db()
    assert job.status == LedgerExport.Status.EXPIRED
    assert not job.file
    assert not path.exists()
    assert Path(kept.file.path).exists()
    assert _download(client, job).status_code == 302
    assert "已删除" in client.get(job.get_absolute_url()).content.decode()
    assert expire_ledger_exports() == 0
    entry = settings.CELERY_BEAT_SCHEDULE["ledger-exports-expire"]
    assert entry["task"] == "reports.expire_ledger_exports"
    assert "reports.expire_ledger_exports" in celery_app.tasks


# A real worker -----------------------------------------------------------------------------


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_writes_the_archive_and_the_inbox_says_so(client, inspector, settings, tmp_path):
    from tests.common.test_celery_worker import broker_reachable
    from tests.notifications.processes import database_url

    if connection.vendor != "postgresql":
        service_unavailable("PostgreSQL (a worker process shares the test database)")
    if not broker_reachable():
        service_unavailable(f"Celery broker at {settings.CELERY_BROKER_URL}")
    queue = f"test-ledgers-{uuid.uuid4().hex[:8]}"
    settings.LEDGER_EXPORT_QUEUE = queue
    settings.REMINDER_QUEUE = queue
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ideology_office.settings.test",
        "DATABASE_URL": database_url(),
        "TEST_FILES_DIR": str(settings.TEST_FILES_DIR),
        "LEDGER_EXPORT_QUEUE": queue,
        "REMINDER_QUEUE": queue,
    }
    command = [sys.executable, "-m", "celery", "-A", "ideology_office", "worker", "--pool", "solo"]
    command += ["--queues", queue, "--loglevel", "INFO", "--without-gossip", "--without-mingle"]
    command += ["--hostname", f"{queue}@%h"]
    log = tmp_path / "worker.log"
    worker = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        command,
        cwd=settings.BASE_DIR,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        client.force_login(inspector)
        response = client.post(CREATE, {**PERIOD, "ledger": "all"})
        assert response.status_code == 302
        job = LedgerExport.objects.get()
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            job.refresh_from_db()
            if job.is_finished and InboxMessage.objects.filter(recipient=inspector).exists():
                break
            time.sleep(0.5)
        else:
            pytest.fail(f"the worker did not finish the job:\n{log.read_text(errors='replace')[-3000:]}")
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    assert job.status == LedgerExport.Status.DONE, job.error
    response = _download(client, job)
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert len(archive.namelist()) == len(ledgers()) + 1
    assert InboxMessage.objects.get(recipient=inspector).url == job.get_absolute_url()
