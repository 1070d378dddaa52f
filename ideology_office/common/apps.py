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
