from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommonConfig(AppConfig):
    name = "ideology_office.common"
    label = "common"
    verbose_name = _("Common records")

    def ready(self):
        # Connect the audit trail's signal receivers.
        from . import audit  # noqa: F401
        from .models import Attachment
        from .policies import AttachmentPolicy, register_policy

        register_policy(Attachment, AttachmentPolicy)
        # Every installed app's contract.py: its policies and countable records are registered
        # now, before the first request; the rest is read from the contracts when needed.
        from .contracts import autodiscover

        autodiscover()
