from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResponsibilityConfig(AppConfig):
    """What this area lends to the shared floor (policies, countable records, report figures,
    ledgers, dashboard panels, reminders, navigation, demo and scale data) is declared in
    ``contract.py``, which ``ideology_office.common.contracts`` discovers."""

    name = "responsibility"
    verbose_name = _("Responsibility")
