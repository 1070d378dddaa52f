"""The permanent audit trail: who created, changed or deleted what, and when.

Audit libraries hook Django's model signals, which ``bulk_create()`` and ``QuerySet.update()``
never send; our ledgers are written in bulk by imports, so the trail is kept here instead:

* single-object saves and deletes (including cascades and ``QuerySet.delete()``) through signals;
* ``bulk_create()`` and ``update()`` (which ``bulk_update()`` also goes through) by
  :class:`AuditedQuerySet`, the default manager's queryset of every :class:`AuditedModel`.

Who acted comes from :func:`audit_context`: the web middleware sets it for each request, and
commands and tasks set it around their work. Without one, the entry is labelled "system".
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models.fields.files import FieldFile
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

# Fields whose changes say nothing about the record itself.
IGNORED_FIELDS = frozenset({"updated_at", "last_login"})
# Fields recorded as changed, but never with their values.
MASKED_FIELDS = frozenset({"password"})
MASK = "******"
SYSTEM_LABEL = "system"


@dataclass(frozen=True)
class AuditActor:
    user_id: int | None
    label: str
    remote_addr: str | None = None


_current_actor: ContextVar[AuditActor | None] = ContextVar("audit_actor", default=None)


@contextlib.contextmanager
def audit_context(*, user=None, label: str = "", remote_addr: str | None = None) -> Iterator[AuditActor]:
    """Attribute every write inside the block to ``user`` (or to ``label`` for a command or task)."""
    if user is not None and getattr(user, "is_authenticated", False):
        actor = AuditActor(user_id=user.pk, label=label or user.get_username(), remote_addr=remote_addr)
    else:
        actor = AuditActor(user_id=None, label=label or SYSTEM_LABEL, remote_addr=remote_addr)
    token = _current_actor.set(actor)
    try:
        yield actor
    finally:
        _current_actor.reset(token)


def current_actor() -> AuditActor:
    return _current_actor.get() or AuditActor(user_id=None, label=SYSTEM_LABEL)


def _audited_fields(model: type[models.Model]) -> list[models.Field]:
    return [
        field
        for field in model._meta.concrete_fields
        if field.name not in IGNORED_FIELDS and field.attname not in IGNORED_FIELDS
    ]


def _normalise(field: models.Field, value: Any) -> Any:
    """The value as the database would give it back, so that 'changed' means changed."""
    if isinstance(value, FieldFile):
        return value.name or ""
    if value is None:
        return None
    try:
        return field.to_python(value)
    except (ValidationError, TypeError, ValueError):
        return value


def _snapshot_from_instance(instance: models.Model) -> dict[str, Any]:
    return {
        field.attname: _normalise(field, getattr(instance, field.attname))
        for field in _audited_fields(type(instance))
    }


def _masked(values: dict[str, Any]) -> dict[str, Any]:
    return {name: (MASK if name in MASKED_FIELDS else value) for name, value in values.items()}


def _diff(model: type[models.Model], before: dict[str, Any], after: dict[str, Any]) -> dict[str, list]:
    changes = {}
    for name, new_value in after.items():
        if name not in before:
            continue
        old_value = before[name]
        if old_value != new_value:
            changes[name] = [MASK, MASK] if name in MASKED_FIELDS else [old_value, new_value]
    return changes


def _build_entry(instance_or_model, pk, action: str, changes: dict, *, is_bulk: bool, text: str):
    from django.contrib.contenttypes.models import ContentType

    from .models import AuditEntry

    actor = current_actor()
    model = instance_or_model if isinstance(instance_or_model, type) else type(instance_or_model)
    return AuditEntry(
        content_type=ContentType.objects.get_for_model(model, for_concrete_model=True),
        object_pk=str(pk) if pk is not None else "",
        object_repr=text[:200],
        action=action,
        changes=changes,
        is_bulk=is_bulk,
        actor_id=actor.user_id,
        actor_label=actor.label[:150],
        remote_addr=actor.remote_addr,
    )


def _write_entries(entries: list, using: str) -> None:
    from .models import AuditEntry

    if entries:
        AuditEntry.objects.using(using).bulk_create(entries, batch_size=500)


def _chunks(items: list, size: int = 500) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class AuditedQuerySet(models.QuerySet):
    """A queryset whose bulk writes leave an audit entry per affected row."""

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        with transaction.atomic(using=self.db, savepoint=False):
            created = super().bulk_create(objs, *args, **kwargs)
            entries = [
                _build_entry(
                    obj,
                    obj.pk,
                    "create",
                    _masked(_snapshot_from_instance(obj)),
                    is_bulk=True,
                    text=str(obj),
                )
                for obj in created
            ]
            _write_entries(entries, self.db)
        return created

    def update(self, **kwargs):
        model = self.model
        fields = [model._meta.get_field(name) for name in kwargs]
        attnames = [field.attname for field in fields if field.attname not in IGNORED_FIELDS]
        if not attnames:
            return super().update(**kwargs)
        with transaction.atomic(using=self.db, savepoint=False):
            before = {
                row[0]: dict(zip(attnames, row[1:], strict=True)) for row in self.values_list("pk", *attnames)
            }
            count = super().update(**kwargs)
            entries = []
            plain = model._base_manager.using(self.db)
            for pks in _chunks(list(before)):
                for row in plain.filter(pk__in=pks).values_list("pk", *attnames):
                    after = dict(zip(attnames, row[1:], strict=True))
                    changes = _diff(model, before[row[0]], after)
                    if changes:
                        entries.append(_build_entry(model, row[0], "update", changes, is_bulk=True, text=""))
            _write_entries(entries, self.db)
        return count


class AuditedManager(models.Manager.from_queryset(AuditedQuerySet)):
    pass


class AuditedModel(models.Model):
    """Every create, update and delete of a subclass is kept in the audit trail."""

    objects = AuditedManager()

    class Meta:
        abstract = True


def _is_audited(sender) -> bool:
    return isinstance(sender, type) and issubclass(sender, AuditedModel)


@receiver(pre_save, dispatch_uid="audit.remember_before_save")
def _remember_before_save(sender, instance, raw, using, update_fields, **kwargs):
    if not _is_audited(sender) or instance._state.adding or instance.pk is None:
        instance._audit_before = None
        return
    attnames = [field.attname for field in _audited_fields(sender)]
    if update_fields is not None:
        wanted = set(update_fields)
        attnames = [
            field.attname
            for field in _audited_fields(sender)
            if field.name in wanted or field.attname in wanted
        ]
    row = (
        sender._base_manager.using(using).filter(pk=instance.pk).values(*attnames).first() if attnames else {}
    )
    instance._audit_before = row


@receiver(post_save, dispatch_uid="audit.record_save")
def _record_save(sender, instance, created, raw, using, update_fields, **kwargs):
    if not _is_audited(sender):
        return
    after = _snapshot_from_instance(instance)
    before = getattr(instance, "_audit_before", None)
    if created or before is None:
        entry = _build_entry(
            instance, instance.pk, "create", _masked(after), is_bulk=False, text=str(instance)
        )
    else:
        before = {name: _normalise(sender._meta.get_field(name), value) for name, value in before.items()}
        changes = _diff(sender, before, after)
        if not changes:
            return
        entry = _build_entry(instance, instance.pk, "update", changes, is_bulk=False, text=str(instance))
    instance._audit_before = None
    _write_entries([entry], using)


@receiver(post_delete, dispatch_uid="audit.record_delete")
def _record_delete(sender, instance, using, origin=None, **kwargs):
    if not _is_audited(sender):
        return
    # A delete that is part of a larger one (a cascade, QuerySet.delete()) is marked bulk.
    is_bulk = origin is not instance
    entry = _build_entry(
        instance,
        instance.pk,
        "delete",
        _masked(_snapshot_from_instance(instance)),
        is_bulk=is_bulk,
        text=str(instance),
    )
    _write_entries([entry], using)
