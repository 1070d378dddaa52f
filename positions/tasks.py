"""Nightly trust of the record, for the sign-off chain alone: verify it, anchor its head outside
the database, and tell the administrators at once (an urgent reminder) when it does not verify.

Beat runs ``ideology_office.common.tasks.verify_record_chains``, which does this for every record
chain (the sign-offs and the audit trail); this task remains for running the sign-off chain alone.
Sites without beat run ``verify_signoffs --anchor`` and ``verify_audit --anchor`` from cron."""

from __future__ import annotations

from celery import shared_task

from ideology_office.accounts.roles import Role
from ideology_office.common import chain
from ideology_office.common import tasks as common_tasks


def alert_administrators(problems: list[str], *, chain_label: str = "签批记录链") -> int:
    """An urgent reminder to every administrator, once a day per chain (through the outbox)."""
    return common_tasks.alert_roles_holders(problems, chain_label=chain_label, roles=(Role.ADMIN,))


def verify_and_anchor() -> dict:
    from .chain import CHAIN_NAME

    return common_tasks.verify_and_anchor(next(c for c in chain.registered_chains() if c.name == CHAIN_NAME))


@shared_task(name="positions.verify_signoff_chain")
def verify_signoff_chain_task() -> dict:
    return verify_and_anchor()
