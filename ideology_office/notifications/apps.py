from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "ideology_office.notifications"
    label = "notifications"
    verbose_name = _("Reminders")

    def ready(self):
        from .permissions import register_policies

        register_policies()
