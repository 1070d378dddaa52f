"""The permanent audit trail: who created, changed or deleted what, and when.

Audit libraries hook Django's model signals, which ``bulk_create()`` and ``QuerySet.update()``
never send; our ledgers are written in bulk by imports, so the trail is kept here instead:

* single-object saves and deletes (including cascades and ``QuerySet.delete()``) through signals;
* ``bulk_create()`` and ``update()`` (which ``bulk_update()`` also goes through) by
  :class:`AuditedQuerySet`, the default manager's queryset of every :class:`AuditedModel`.

Who acted comes from :func:`audit_context`: the web middleware sets it for each request, and
commands and tasks set it around their work. Without one, the entry is labelled "system".

Beyond a row's own fields, the trail keeps:

* **many-to-many changes** (``m2m_changed``) of audited models, and of the role groups' permissions:
  one "update" entry on the record per ``add``/``remove``/``clear`` as
  ``{"<field>": [old ids sorted, new ids sorted]}`` (``set()`` is a remove and an add, so two
  entries). This is how role changes (``User.groups``) and permission changes show;
* **django-guardian grants and revokes** on single records (the object permission rows, created one
  by one or by guardian's bulk paths, and deleted): an "update" entry on the *target record* as
  ``{"grant": [None, "<grantee>:<codename>"]}`` or ``{"revoke": ["<grantee>:<codename>", None]}``,
  where the grantee is the username, or ``group:<name>`` for a group grant.

**Secrets never enter the trail.** A field is recorded as changed but its values are replaced by
:data:`MASK` in create, update and delete entries (bulk paths included) when its name is in
:data:`MASKED_FIELDS`, ends with one of :data:`MASKED_SUFFIXES`, or is listed in the model's
``audit_secret_fields`` (e.g. the calendar feed token). Give a new secret such a name or list it.

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

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models.fields.files import FieldFile
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.dispatch import receiver
from django.utils.translation import gettext as _

from . import audit_chain
from .trail import AuditEntry, canonical_changes

# Fields whose changes say nothing about the record itself.
IGNORED_FIELDS = frozenset({"updated_at", "last_login"})
# Fields recorded as changed, but never with their values: secrets, such as passwords, the calendar
# feed token, keys, webhook and one-time-password secrets. A model may name more of its fields in
# ``audit_secret_fields``.
MASKED_FIELDS = frozenset(
    {
        "password",
        "token",
        "secret",
        "api_key",
        "secret_key",
        "private_key",
        "access_key",
        "otp_secret",
        "totp_secret",
        "webhook_secret",
        "signing_key",
    }
)
MASKED_SUFFIXES = ("_password", "_token", "_secret", "_api_key", "_secret_key", "_private_key")
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


def _is_secret_name(name: str) -> bool:
    return name in MASKED_FIELDS or name.endswith(MASKED_SUFFIXES)


def secret_fields(model: type[models.Model]) -> frozenset[str]:
    """The names and attnames of ``model``'s fields whose values the trail never holds."""
    cached = model.__dict__.get("_audit_secret_names")
    if cached is not None:
        return cached
    listed = set(getattr(model, "audit_secret_fields", ()))
    names = set()
    for field in model._meta.concrete_fields:
        if field.name in listed or field.attname in listed or _is_secret_name(field.name):
            names.update({field.name, field.attname})
    names = frozenset(names | listed)
    model._audit_secret_names = names
    return names


def _masked(model: type[models.Model], values: dict[str, Any]) -> dict[str, Any]:
    secrets = secret_fields(model)
    return {name: (MASK if name in secrets else value) for name, value in values.items()}


def _diff(model: type[models.Model], before: dict[str, Any], after: dict[str, Any]) -> dict[str, list]:
    secrets = secret_fields(model)
    changes = {}
    for name, new_value in after.items():
        if name not in before:
            continue
        old_value = before[name]
        if old_value != new_value:
            changes[name] = [MASK, MASK] if name in secrets else [old_value, new_value]
    return changes


def _build_entry(instance_or_model, pk, action: str, changes: dict, *, is_bulk: bool, text: str):
    model = instance_or_model if isinstance(instance_or_model, type) else type(instance_or_model)
    content_type = ContentType.objects.get_for_model(model, for_concrete_model=True)
    return _entry_for(content_type, pk, action, changes, is_bulk=is_bulk, text=text)


def _entry_for(content_type, pk, action: str, changes: dict, *, is_bulk: bool, text: str):
    actor = current_actor()
    return AuditEntry(
        content_type=content_type,
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
    if entries:
        AuditEntry.objects.using(using).bulk_create(entries, batch_size=500)
        # Chained right after the commit (see ideology_office.common.trail).
        audit_chain.seal_after_commit(using)


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
    secrets = secret_fields(model)
    if secrets & set(key_fields):
        rows = [
            (
                row[0],
                *(
                    MASK if name in secrets else value
                    for name, value in zip(key_fields, row[1:], strict=True)
                ),
            )
            for row in rows
        ]
    pks = [pk for pk in next(zip(*rows, strict=True)) if pk is not None]
    if pks:
        text += f" · #{min(pks)}–#{max(pks)}"
    changes = {
        "source": str(batch.source),
        "count": len(rows),
        "fields": [str(name) for name in (model._meta.pk.attname, *key_fields)],
        # [[id, key…], …], already as the database gives JSON back.
        "rows": _json_rows(rows),
    }
    entry = _build_entry(model, None, "create", changes, is_bulk=True, text=text)
    # Its content MAC need not re-encode the listing to see it as the database will give it back.
    entry.changes_canonical = True
    _write_entries([entry], using)


# Types a JSON text gives back as they are.
_JSON_NATIVE = frozenset({str, int, float, bool, type(None)})


def _json_rows(rows: list[tuple]) -> list[list]:
    """The rows as lists of values as the database gives them back from JSON (a date as its ISO
    text, ...), column by column: a column of JSON's own types is kept as it is, any other goes
    once through the field's JSON encoder. A batch of an import lists up to some 6,000 rows."""
    columns = list(zip(*rows, strict=True))
    for position, column in enumerate(columns):
        if not set(map(type, column)) <= _JSON_NATIVE:
            columns[position] = canonical_changes(column)
    return list(map(list, zip(*columns, strict=True)))


def _chunks(items: list, size: int = 500) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class AuditedQuerySet(models.QuerySet):
    """A queryset whose bulk writes leave an audit entry per affected row (per batch of created
    rows inside :func:`summarised_audit`)."""

    def bulk_create(self, objs, *args, **kwargs):
        from . import rollups

        objs = list(objs)
        with transaction.atomic(using=self.db, savepoint=False):
            created = super().bulk_create(objs, *args, **kwargs)
            rollups.created(self.model, [obj.pk for obj in created], using=self.db)
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
                    _masked(self.model, _snapshot_from_instance(obj)),
                    is_bulk=True,
                    text=str(obj),
                )
                for obj in created
            ]
            _write_entries(entries, self.db)
        return created

    def bulk_update(self, objs, fields, *args, **kwargs):
        from . import rollups

        objs = list(objs)
        with (
            transaction.atomic(using=self.db, savepoint=False),
            rollups.changing(self.model, [obj.pk for obj in objs], using=self.db),
        ):
            return super().bulk_update(objs, fields, *args, **kwargs)

    def update(self, **kwargs):
        from . import rollups

        with transaction.atomic(using=self.db, savepoint=False):
            pks = list(self.values_list("pk", flat=True)) if rollups.watched(self.model) else []
            with rollups.changing(self.model, pks, using=self.db):
                return self._audited_update(**kwargs)

    def _audited_update(self, **kwargs):
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
            # The record's label: its natural key (e.g. a session's kind, date and topic), read in
            # the same query as the new values, so an entry says which record changed.
            key_fields = list(getattr(model, "audit_natural_key", ()))
            width = len(attnames)
            for pks in _chunks(list(before)):
                for row in plain.filter(pk__in=pks).values_list("pk", *attnames, *key_fields):
                    after = dict(zip(attnames, row[1 : 1 + width], strict=True))
                    changes = _diff(model, before[row[0]], after)
                    if changes:
                        label = " · ".join(
                            str(value) for value in row[1 + width :] if value not in (None, "")
                        )
                        entries.append(
                            _build_entry(model, row[0], "update", changes, is_bulk=True, text=label)
                        )
            _write_entries(entries, self.db)
        return count


class AuditedManager(models.Manager.from_queryset(AuditedQuerySet)):
    pass


class AuditedModel(models.Model):
    """Every create, update and delete of a subclass is kept in the audit trail."""

    # Attribute names that identify a row to a person (e.g. kind, date and topic of a study
    # session); a summarising entry lists them beside each row's id.
    audit_natural_key: tuple[str, ...] = ()
    # Fields holding secrets beyond those named like one (see MASKED_FIELDS): recorded as
    # changed, never with their values.
    audit_secret_fields: tuple[str, ...] = ()

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
            instance, instance.pk, "create", _masked(sender, after), is_bulk=False, text=str(instance)
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
        _masked(sender, _snapshot_from_instance(instance)),
        is_bulk=is_bulk,
        text=str(instance),
    )
    _write_entries([entry], using)


# Many-to-many changes -------------------------------------------------------------------------

# Models outside the product whose many-to-many changes are kept all the same: a role group's
# permissions are the powers of everyone holding the role.
M2M_AUDITED_MODELS = frozenset({"auth.group"})


def _is_audited_m2m(model) -> bool:
    return _is_audited(model) or (isinstance(model, type) and model._meta.label_lower in M2M_AUDITED_MODELS)


def _m2m_field(source_model: type[models.Model], through) -> models.ManyToManyField | None:
    for field in source_model._meta.many_to_many:
        if field.remote_field.through is through:
            return field
    return None


def _m2m_ids(field: models.ManyToManyField, source_pks, using: str) -> dict[Any, set]:
    """For each record of the field's model in ``source_pks``, the ids it is linked to. One query."""
    through = field.remote_field.through
    source_name, target_name = field.m2m_field_name(), field.m2m_reverse_field_name()
    ids: dict[Any, set] = {pk: set() for pk in source_pks}
    rows = through._base_manager.using(using).filter(**{f"{source_name}__in": list(source_pks)})
    for source_pk, target_pk in rows.values_list(source_name, target_name):
        ids.setdefault(source_pk, set()).add(target_pk)
    return ids


def _sorted_ids(ids: set) -> list:
    return sorted(ids, key=lambda value: (str(type(value)), value))


@receiver(m2m_changed, dispatch_uid="audit.record_m2m")
def _record_m2m(sender, instance, action, reverse, model, pk_set, using, **kwargs):
    """One "update" entry per affected record and change: ``{field: [old ids, new ids]}``.

    ``instance.field.add(…)`` changes ``instance``; from the other side
    (``group.user_set.add(user)``) each record in ``pk_set`` changes (every linked one on a clear)."""
    source_model = model if reverse else type(instance)
    if not _is_audited_m2m(source_model):
        return
    field = _m2m_field(source_model, sender)
    if field is None:
        return
    key = (field.model._meta.label_lower, field.name, reverse)
    remembered = instance.__dict__.setdefault("_audit_m2m_before", {})
    if action in ("pre_add", "pre_remove", "pre_clear"):
        if not reverse:
            source_pks = [instance.pk]
        elif pk_set is not None:
            source_pks = list(pk_set)
        else:
            # A clear from the other side changes every record linked to ``instance``.
            through = field.remote_field.through
            source_pks = list(
                through._base_manager.using(using)
                .filter(**{field.m2m_reverse_field_name(): instance.pk})
                .values_list(field.m2m_field_name(), flat=True)
            )
        remembered[key] = _m2m_ids(field, source_pks, using) if source_pks else {}
        return
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    before = remembered.pop(key, None)
    if not before:
        return
    after = _m2m_ids(field, before.keys(), using)
    changed = [pk for pk in before if before[pk] != after.get(pk, set())]
    if not changed:
        return
    if reverse:
        records = source_model._base_manager.using(using).in_bulk(changed)
    else:
        records = {instance.pk: instance}
    entries = [
        _build_entry(
            source_model,
            pk,
            "update",
            {field.name: [_sorted_ids(before[pk]), _sorted_ids(after.get(pk, set()))]},
            is_bulk=reverse and len(changed) > 1,
            text=str(records.get(pk, "")),
        )
        for pk in changed
    ]
    _write_entries(entries, using)


# django-guardian grants on single records -------------------------------------------------------


def _grant_target(row) -> tuple[Any, str]:
    """The content type id and pk of the record a guardian object permission row is about."""
    if hasattr(row, "object_pk"):
        return row.content_type_id, str(row.object_pk)
    target_model = row._meta.get_field("content_object").related_model
    return ContentType.objects.get_for_model(target_model).pk, str(row.content_object_id)


def _grantee_label(row, *, names: dict | None = None) -> str:
    if hasattr(row, "user_id"):
        key, load = ("user", row.user_id), lambda: row.user.get_username()
    else:
        key, load = ("group", row.group_id), lambda: f"group:{row.group.name}"
    if names is None:
        return load()
    if key not in names:
        names[key] = load()
    return names[key]


def _grant_entries(rows: list, change: str, using: str, *, is_bulk: bool) -> list:
    """Entries on each grant's target record: ``{"grant": [None, "<grantee>:<codename>"]}`` or
    ``{"revoke": ["<grantee>:<codename>", None]}``."""
    from django.contrib.auth.models import Permission

    if not rows:
        return []
    codenames = dict(
        Permission.objects.using(using)
        .filter(pk__in={row.permission_id for row in rows})
        .values_list("pk", "codename")
    )
    names: dict = {}
    targets = [_grant_target(row) for row in rows]
    texts: dict[tuple, str] = {}
    for content_type_id in {content_type_id for content_type_id, _pk in targets}:
        target_model = ContentType.objects.get_for_id(content_type_id).model_class()
        if target_model is None:
            continue
        wanted = [pk for type_id, pk in targets if type_id == content_type_id]
        for pk, record in target_model._base_manager.using(using).in_bulk(wanted).items():
            texts[(content_type_id, str(pk))] = str(record)
    entries = []
    for row, (content_type_id, object_pk) in zip(rows, targets, strict=True):
        label = f"{_grantee_label(row, names=names)}:{codenames.get(row.permission_id, row.permission_id)}"
        value = [None, label] if change == "grant" else [label, None]
        entries.append(
            _entry_for(
                ContentType.objects.get_for_id(content_type_id),
                object_pk,
                "update",
                {change: value},
                is_bulk=is_bulk,
                text=texts.get((content_type_id, object_pk), ""),
            )
        )
    return entries


def _record_grant(sender, instance, created, raw, using, **kwargs):
    if created:
        _write_entries(_grant_entries([instance], "grant", using, is_bulk=False), using)


def _record_revoke(sender, instance, using, origin=None, **kwargs):
    # guardian's remove_perm() deletes through QuerySet.delete(), which sends this per row.
    _write_entries(_grant_entries([instance], "revoke", using, is_bulk=origin is not instance), using)


class GrantAuditQuerySet(models.QuerySet):
    """The queryset of guardian's object permission managers: its ``bulk_create()`` (what
    ``assign_perm()`` uses for several records or several people) records each grant made."""

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        with transaction.atomic(using=self.db, savepoint=False):
            existing = self._existing_grants(objs)
            created = super().bulk_create(objs, *args, **kwargs)
            new = [obj for obj in created if self._grant_key(obj) not in existing]
            _write_entries(_grant_entries(new, "grant", self.db, is_bulk=True), self.db)
        return created

    @staticmethod
    def _grant_key(row) -> tuple:
        grantee = row.user_id if hasattr(row, "user_id") else row.group_id
        return (row.permission_id, grantee, *_grant_target(row))

    def _existing_grants(self, objs: list) -> set:
        """The grants among ``objs`` that already exist (``ignore_conflicts`` skips them)."""
        if not objs:
            return set()
        keys = {self._grant_key(obj) for obj in objs}
        grantee = "user_id" if hasattr(objs[0], "user_id") else "group_id"
        query = self.model._base_manager.using(self.db).filter(
            permission_id__in={key[0] for key in keys}, **{f"{grantee}__in": {key[1] for key in keys}}
        )
        if hasattr(objs[0], "object_pk"):
            query = query.filter(object_pk__in={key[3] for key in keys})
        return {self._grant_key(row) for row in query} & keys


def _audit_grants(*grant_models) -> None:
    for grant_model in grant_models:
        post_save.connect(
            _record_grant, sender=grant_model, dispatch_uid=f"audit.grant.{grant_model._meta.label}"
        )
        post_delete.connect(
            _record_revoke, sender=grant_model, dispatch_uid=f"audit.revoke.{grant_model._meta.label}"
        )
        manager_class = type(grant_model._default_manager)
        if not issubclass(manager_class._queryset_class, GrantAuditQuerySet):
            manager_class._queryset_class = type(
                "GrantAudit" + manager_class._queryset_class.__name__,
                (GrantAuditQuerySet, manager_class._queryset_class),
                {},
            )


def _install_grant_audit() -> None:
    from django.apps import apps

    # Once guardian's models are loaded (nothing happens without guardian installed).
    apps.lazy_model_operation(
        _audit_grants, ("guardian", "userobjectpermission"), ("guardian", "groupobjectpermission")
    )


_install_grant_audit()


def past_values(record: models.Model, attname: str) -> set:
    """Every value ``record``'s field ``attname`` has held according to the audit trail (creation
    and each change), for rules that must be judged from history rather than the current field,
    such as separation of duties. One query."""
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


def record_entry(record: models.Model, action: str, changes: dict, *, text: str = "") -> None:
    """One entry about ``record`` written by the trail's own writer, for a model that is not an
    :class:`AuditedModel` (e.g. an audit archive, which the trail itself records)."""
    using = record._state.db or "default"
    _write_entries(
        [_build_entry(record, record.pk, action, changes, is_bulk=False, text=text or str(record))], using
    )
