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
        _register_chain()


def _register_chain() -> None:
    """The sign-off chain among the record chains the nightly task verifies and anchors
    (``ideology_office.common.tasks.verify_record_chains``); a failure alerts the administrators."""
    from ideology_office.accounts.roles import Role
    from ideology_office.common.chain import RecordChain, register_chain

    from .chain import CHAIN_NAME
    from .models import SignOffChainHead
    from .selectors import verify_signoff_chain

    register_chain(
        RecordChain(
            name=CHAIN_NAME,
            label="签批记录链",
            verify=verify_signoff_chain,
            head=lambda: (
                SignOffChainHead.objects.filter(pk=1).values_list("last_sequence", "last_hash").first()
            ),
            alert_roles=(Role.ADMIN,),
        )
    )
