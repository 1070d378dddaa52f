"""Celery tasks of the reminders engine. They take no arguments, are idempotent (the outbox's
unique keys and claims make a repeat harmless) and run with acks_late (settings)."""

import logging

from celery import shared_task
from django.conf import settings

from ideology_office.common.audit import audit_context

from . import services

logger = logging.getLogger(__name__)


@shared_task(name="notifications.plan_reminders")
def plan_reminders() -> dict:
    with audit_context(label="reminders-planner"):
        result = services.reminders_plan()
    if result.created:
        send_due_reminders.apply_async(queue=settings.REMINDER_QUEUE)
    return {"created": result.created, "cancelled": result.cancelled, "skipped": result.skipped_rules}


@shared_task(name=services.SEND_DUE_TASK)
def send_due_reminders() -> dict:
    with audit_context(label="reminders-sender"):
        result = services.reminders_send_due()
    return {"sent": result.sent, "retry": result.retry, "failed": result.failed, "lost": result.lost}


@shared_task(name="notifications.reclaim_stuck_reminders")
def reclaim_stuck_reminders() -> int:
    with audit_context(label="reminders-watchdog"):
        return services.reminders_reclaim_stuck()


@shared_task(name="notifications.plan_leader_digest")
def plan_leader_digest() -> int:
    with audit_context(label="reminders-digest"):
        created = services.reminders_plan_digest()
    if created:
        send_due_reminders.apply_async(queue=settings.REMINDER_QUEUE)
    return created
