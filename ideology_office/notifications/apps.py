from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "ideology_office.notifications"
    label = "notifications"
    verbose_name = _("Reminders")

    def ready(self):
        from .defaults import create_default_rules_after_migrate
        from .permissions import register_policies

        register_policies()
        # The default rules come from the work areas' contracts, created once their tables exist.
        post_migrate.connect(
            create_default_rules_after_migrate, sender=self, dispatch_uid="notifications.default_rules"
        )
