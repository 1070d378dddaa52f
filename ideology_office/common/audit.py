"""The permanent audit trail: who created, changed or deleted what, and when.

Audit libraries hook Django's model signals, which ``bulk_create()`` and ``QuerySet.update()``
never send; our ledgers are written in bulk by imports, so the trail is kept here instead:

* single-object saves and deletes (including cascades and ``QuerySet.delete()``) through signals;
* ``bulk_create()`` and ``update()`` (which ``bulk_update()`` also goes through) by
  :class:`AuditedQuerySet`, the default manager's queryset of every :class:`AuditedModel`.

Who acted comes from :func:`audit_context`: the web middleware sets it for each request, and
commands and tasks set it around their work. Without one, the entry is labelled "system".

Imports write tens of thousands of rows at once; there, one entry per created row would cost more
than the rows themselves. Inside :func:`summarised_audit` (the spreadsheet imports open it around
their writes) each bulk *create* leaves one summarising entry for the whole batch instead: who,
when, the source (the imported file's name), how many rows, and every row's id and natural key
(the model's ``audit_natural_key``). Changes and deletions inside the block are still recorded
row by row with their values, since those values are what such an entry is for.
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
from django.utils.translation import gettext as _

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


@dataclass(frozen=True)
class AuditBatch:
    source: str


_current_batch: ContextVar[AuditBatch | None] = ContextVar("audit_batch", default=None)


@contextlib.contextmanager
def summarised_audit(*, source: str) -> Iterator[AuditBatch]:
    """Inside the block, every bulk create of an audited model leaves ONE audit entry for the
    batch, naming ``source`` (e.g. the imported file) and listing each row's id and natural key,
    instead of one entry per row. Single saves, updates and deletes are recorded as always.
    Used by the spreadsheet imports; anything else writing in bulk stays row by row."""
    batch = AuditBatch(source=source or "")
    token = _current_batch.set(batch)
    try:
        yield batch
    finally:
        _current_batch.reset(token)


def current_batch() -> AuditBatch | None:
    return _current_batch.get()


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


def record_batch(model: type[models.Model], rows: list[tuple], *, using: str) -> None:
    """The one summarising entry for rows of ``model`` just created in bulk inside
    :func:`summarised_audit`. ``rows`` are ``(pk, *model.audit_natural_key values)``."""
    batch = current_batch()
    if batch is None:
        raise RuntimeError("record_batch() is only for bulk creates inside summarised_audit().")
    if not rows:
        return
    key_fields = list(getattr(model, "audit_natural_key", ()))
    text = _("%(count)s rows created in bulk from “%(source)s”") % {
        "count": len(rows),
        "source": batch.source,
    }
    pks = [row[0] for row in rows if row[0] is not None]
    if pks:
        text += f" · #{min(pks)}–#{max(pks)}"
    changes = {
        "source": batch.source,
        "count": len(rows),
        "fields": [model._meta.pk.attname, *key_fields],
        # Tuples are written as JSON lists: [[id, key…], …].
        "rows": rows,
    }
    _write_entries([_build_entry(model, None, "create", changes, is_bulk=True, text=text)], using)


def _chunks(items: list, size: int = 500) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class AuditedQuerySet(models.QuerySet):
    """A queryset whose bulk writes leave an audit entry per affected row (per batch of created
    rows inside :func:`summarised_audit`)."""

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        with transaction.atomic(using=self.db, savepoint=False):
            created = super().bulk_create(objs, *args, **kwargs)
            if current_batch() is not None:
                key_fields = getattr(self.model, "audit_natural_key", ())
                record_batch(
                    self.model,
                    [(obj.pk, *(getattr(obj, name) for name in key_fields)) for obj in created],
                    using=self.db,
                )
                return created
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

    # Attribute names that identify a row to a person (e.g. kind, date and topic of a study
    # session); a summarising entry lists them beside each row's id.
    audit_natural_key: tuple[str, ...] = ()

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


def past_values(record: models.Model, attname: str) -> set:
    """Every value ``record``'s field ``attname`` has held according to the audit trail (creation
    and each change), for rules that must be judged from history rather than the current field,
    such as separation of duties. One query."""
    from django.contrib.contenttypes.models import ContentType

    from .models import AuditEntry

    values = set()
    entries = AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(type(record)), object_pk=str(record.pk)
    ).values_list("changes", flat=True)
    for changes in entries:
        value = (changes or {}).get(attname)
        if isinstance(value, list):
            values.update(item for item in value if item is not None)
        elif value is not None:
            values.add(value)
    return values
