"""The default reminder rules: one per source, as the work areas' contracts declare them
(``default_rules``). Created after every migrate (and by ``migration_data`` in tests) for each key
that has no rule yet: an existing rule, edited or switched off, is never touched."""

from __future__ import annotations

from ideology_office.common.contracts import contracts


def create_default_rules(*args, **kwargs) -> int:
    """Create the missing default rules; returns how many were created. Idempotent."""
    from .models import ReminderRule

    created = 0
    for contract in contracts():
        for rule in contract.default_rules:
            _rule, was_created = ReminderRule.objects.get_or_create(
                key=rule.key,
                defaults={
                    "source": rule.key,
                    "name": rule.name,
                    "offsets": rule.offsets,
                    "overdue_every_days": rule.overdue_every_days,
                    # 0 days: escalate as soon as it is over the limit.
                    "escalate_after_days": rule.escalate_after_days,
                    "channels": rule.channels,
                    "urgent": rule.urgent,
                    "active": True,
                },
            )
            created += was_created
    return created


def create_default_rules_after_migrate(sender, using="default", **kwargs) -> None:
    """post_migrate receiver: once, after the notifications app migrated (its table exists)."""
    if sender.label == "notifications":
        create_default_rules()
