"""Who may see or change a record that carries evidence files.

Each work area registers, in its ``permissions.py``, a policy for each of its models that can
carry attachments. A record type without a policy is visible to nobody through the shared views,
so forgetting to register one fails closed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import models

Check = Callable[[models.Model, models.Model], bool]


@dataclass(frozen=True)
class RecordPolicy:
    can_view: Check
    can_change: Check


_policies: dict[str, RecordPolicy] = {}


def register_record_policy(model: type[models.Model], *, can_view: Check, can_change: Check) -> None:
    _policies[model._meta.label] = RecordPolicy(can_view=can_view, can_change=can_change)


def _policy_for(record: models.Model) -> RecordPolicy | None:
    return _policies.get(type(record)._meta.label)


def can_view_record(user, record: models.Model | None) -> bool:
    policy = _policy_for(record) if record is not None else None
    return bool(user.is_authenticated and policy and policy.can_view(user, record))


def can_change_record(user, record: models.Model | None) -> bool:
    policy = _policy_for(record) if record is not None else None
    return bool(user.is_authenticated and policy and policy.can_change(user, record))
