"""A frozen broker (SIGSTOP: the port still accepts connections, nothing answers) must not hold a
web request: the form saves at once, the reminder waits in the outbox, and once Redis resumes the
sweep delivers it through a real worker. The Redis here is the test's own."""

import time
import uuid

import pytest
from django.db import connection
from django.urls import reverse

from ideology_office.notifications.models import InboxMessage, OutboxItem, OutboxStatus
from tests.conftest import service_unavailable

from .processes import child_env, publish, start_worker, stop_process, wait_for_log


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_form_save_returns_at_once_while_redis_is_frozen_and_the_reminder_goes_out_after(
    migration_data, client, inspector, leader, staff, redis_server, smtp_server, settings, tmp_path, caplog
):
    if connection.vendor != "postgresql":
        service_unavailable("PostgreSQL (DATABASE_URL) for the frozen-broker test")
    from ideology_office.celery import app
    from inspections.demo import due_within_a_day
    from inspections.models import RectificationTask
    from tests.inspections.factories import make_finding

    queue = f"test-frozen-{uuid.uuid4().hex[:8]}"
    broker = redis_server.url(3)
    settings.REMINDER_QUEUE = queue
    log_path = tmp_path / "worker.log"
    log = open(log_path, "ab")  # noqa: SIM115 - closed below
    worker = start_worker(child_env(broker_url=broker, queue=queue, smtp_port=smtp_server.port), queue, log)
    previous = app.conf.broker_url, app.conf.broker_write_url
    app.conf.broker_url = app.conf.broker_write_url = broker
    app._pool = None
    try:
        wait_for_log(log_path, "ready.")
        finding = make_finding(user=inspector)
        client.force_login(inspector)
        redis_server.freeze()
        try:
            started = time.monotonic()
            response = client.post(
                reverse("inspections:task_create", args=[finding.pk]),
                {
                    "measure": "修订舆情报送制度",
                    "responsible_leader": leader.pk,
                    "responsible_unit": staff.section.pk,
                    "responsible_person": staff.pk,
                    "deadline": due_within_a_day().isoformat(),
                    "kind": "by_deadline",
                },
            )
            elapsed = time.monotonic() - started
        finally:
            redis_server.resume()
        task = RectificationTask.objects.get(measure="修订舆情报送制度")
        assert response.status_code == 302 and response.url == task.get_absolute_url()
        assert elapsed < 2, f"the save waited {elapsed:.1f}s on the frozen broker"
        assert "broker unavailable" in caplog.text
        [row] = OutboxItem.objects.filter(object_id=str(task.pk), recipient=staff)
        assert row.status == OutboxStatus.PENDING
        # Redis is back: the next sweep (beat, every minute) asks the worker to send.
        assert publish(app, broker, queue, "notifications.send_due_reminders")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            row.refresh_from_db()
            if row.status == OutboxStatus.SENT:
                break
            time.sleep(0.2)
        assert row.status == OutboxStatus.SENT, log_path.read_text(errors="replace")[-3000:]
        assert InboxMessage.objects.filter(item=row).count() == 1
        print(f"\nform saved in {elapsed:.2f}s with Redis frozen")  # noqa: T201 - the figure, with -s
    finally:
        redis_server.resume()
        app.conf.broker_url, app.conf.broker_write_url = previous
        app._pool = None
        stop_process(worker)
        log.close()
