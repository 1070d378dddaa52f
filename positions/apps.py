from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PositionsConfig(AppConfig):
    """What this area lends to the shared floor (policies, countable records, report figures,
    ledgers, dashboard panels, reminders, navigation, demo and scale data) is declared in
    ``contract.py``, which ``ideology_office.common.contracts`` discovers."""

    name = "positions"
    verbose_name = _("Positions")

    def ready(self):
        # Everything else this area lends to the shared floor is declared in contract.py.
        _schedule_chain_verification()


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
