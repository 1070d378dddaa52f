from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "ideology_office.reports"
    label = "reports"
    verbose_name = _("Reports")

    def ready(self):
        from .permissions import register_policies

        register_policies()
