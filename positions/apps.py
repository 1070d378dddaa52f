from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from ideology_office.common.navigation import WORK_AREAS_BY_KEY


class PositionsConfig(AppConfig):
    name = "positions"
    verbose_name = WORK_AREAS_BY_KEY["positions"].label

    def ready(self):
        from ideology_office.common.counting import CountableRecord, register_countable

        from . import reminders
        from .models import ContentItem, PhysicalUpdate, Publication
        from .permissions import register_policies

        register_policies()
        reminders.register()
        _schedule_chain_verification()
        register_countable(
            CountableRecord(
                key="positions.content_item_published",
                label=_("Content items published"),
                queryset=lambda: Publication.objects.all(),
                date_field="published_at",
                unit_field="item__author__section",
                person_field="item__author",
            )
        )
        register_countable(
            CountableRecord(
                key="positions.content_item_reviewed",
                label=_("Content items through the final review"),
                queryset=lambda: ContentItem.objects.filter(final_approved_at__isnull=False),
                date_field="final_approved_at",
                unit_field="author__section",
                person_field="author",
            )
        )
        register_countable(
            CountableRecord(
                key="positions.physical_update",
                label=_("Physical position content changes"),
                queryset=lambda: PhysicalUpdate.objects.active(),
                date_field="start_date",
            )
        )


def _schedule_chain_verification() -> None:
    """Nightly: verify the sign-off chain, anchor its head, alert the administrators on failure
    (positions.tasks). Added to the beat schedule here, beside the task it runs."""
    from celery.schedules import crontab
    from django.conf import settings

    schedule = getattr(settings, "CELERY_BEAT_SCHEDULE", None)
    if isinstance(schedule, dict):
        schedule.setdefault(
            "signoff-chain-nightly",
            {"task": "positions.verify_signoff_chain", "schedule": crontab(hour=2, minute=15)},
        )
