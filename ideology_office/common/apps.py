from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommonConfig(AppConfig):
    name = "ideology_office.common"
    label = "common"
    verbose_name = _("Common records")

    def ready(self):
        # Connect the audit trail's signal receivers.
        from . import audit, audit_archive, rollups  # noqa: F401  (signal receivers; the retention check)
        from .models import Attachment
        from .policies import AttachmentPolicy, register_policy

        register_policy(Attachment, AttachmentPolicy)
        # Every installed app's contract.py: its policies and countable records are registered
        # now, before the first request; the rest is read from the contracts when needed.
        from .contracts import autodiscover

        autodiscover()
        _schedule_chain_verification()

        from django.db.models.signals import post_migrate

        from .third_party import name_permissions_in_chinese

        post_migrate.connect(name_permissions_in_chinese, dispatch_uid="common.name_permissions_in_chinese")
        post_migrate.connect(rollups.fill_when_empty, sender=self, dispatch_uid="common.fill_rollups")


def _schedule_chain_verification() -> None:
    """Nightly at 2:15: verify every record chain (sign-offs, audit trail), anchor, alert."""
    from celery.schedules import crontab
    from django.conf import settings

    schedule = getattr(settings, "CELERY_BEAT_SCHEDULE", None)
    if isinstance(schedule, dict):
        schedule.setdefault(
            "record-chains-nightly",
            {
                "task": "ideology_office.common.tasks.verify_record_chains",
                "schedule": crontab(hour=2, minute=15),
            },
        )
