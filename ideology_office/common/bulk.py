"""Inserting many rows at once, for imports: PostgreSQL's COPY where the database is PostgreSQL,
``bulk_create()`` elsewhere (SQLite in development and tests).

Rows are given as tuples of attribute values (``section_id``, not ``section``), never as model
instances: building, say, 300,000 instances and compiling them into INSERTs costs several times
more than the database's own work. Fields that are not given get their default (``created_at``,
``updated_at``: now), as ``bulk_create()`` would give them, evaluated once per call: give any
field whose default must differ from row to row. The primary key comes from the table's sequence
unless given.

Audited models are written only inside :func:`~ideology_office.common.audit.summarised_audit`:
each call then leaves one summarising audit entry listing the rows' ids and natural keys.
"""

from __future__ import annotations

import datetime
import io
import operator
import re
from collections.abc import Callable, Sequence

from django.db import connections, models
from django.db.models.fields import AutoFieldMixin
from django.utils import timezone

from . import audit, rollups

# COPY's text format: a tab between columns, \N for NULL, and these characters escaped.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_NULL = "\\N"
# Types whose str() is already what COPY reads (str(date) is its ISO form, and so on).
_PLAIN_TYPES = frozenset(
    {
        "AutoField",
        "BigAutoField",
        "SmallAutoField",
        "IntegerField",
        "BigIntegerField",
        "SmallIntegerField",
        "PositiveIntegerField",
        "PositiveBigIntegerField",
        "PositiveSmallIntegerField",
        "DateField",
        "TimeField",
        "DecimalField",
        "UUIDField",
    }
)
_TEXT_TYPES = frozenset({"CharField", "TextField", "SlugField", "EmailField", "URLField"})


def _text(value) -> str:
    return _NULL if value is None else value.translate(_COPY_ESCAPES)


def _plain(value) -> str:
    return _NULL if value is None else str(value)


def _boolean(value) -> str:
    return _NULL if value is None else ("t" if value else "f")


# Characters a text column must escape in COPY's text format (searched once per column).
_NEEDS_ESCAPE = re.compile(r"[\\\t\n\r]")


def _converter(field: models.Field, connection) -> Callable[[object], str]:
    """A function giving a value of ``field`` as COPY text (one call per value: kept small)."""
    target = field.target_field if field.is_relation else field
    kind = target.get_internal_type()
    if kind in _PLAIN_TYPES:
        return _plain
    if kind in _TEXT_TYPES:
        return _text
    if kind == "BooleanField":
        return _boolean

    def convert(value) -> str:
        # Anything else (moments, JSON, …) is prepared by the field, as for an INSERT.
        if value is None:
            return _NULL
        prepared = field.get_db_prep_save(value, connection)
        if hasattr(prepared, "getquoted"):  # psycopg2's Json adapter
            prepared = prepared.dumps(prepared.adapted)
        return _NULL if prepared is None else str(prepared).translate(_COPY_ESCAPES)

    return convert


def _column_text(values: tuple, convert: Callable[[object], str]) -> Sequence[str]:
    """One column of a batch as COPY text. The usual columns are converted at C speed: ids,
    numbers, dates and times without NULLs by ``str``, and text with nothing to escape as it is
    (one search over the whole column says so); the rest value by value."""
    if convert is _plain and None not in values:
        return list(map(str, values))
    if convert is _text and None not in values and set(map(type, values)) == {str}:
        if not _NEEDS_ESCAPE.search("".join(values)):
            return values
    return list(map(convert, values))


def _default(field: models.Field, now: datetime.datetime):
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return now
    return field.get_default()


def insert_rows(
    model: type[models.Model],
    fields: tuple[str, ...] | list[str],
    rows: Sequence[Sequence],
    *,
    return_pks: bool = False,
    using: str = "default",
) -> list | None:
    """Insert ``rows`` (values in the order of the attribute names ``fields``) into ``model``'s
    table. Returns the new primary keys in the order of ``rows`` if ``return_pks`` (or if the
    model is audited, whose summarising entry lists them), else None."""
    if not rows:
        return [] if return_pks else None
    audited = issubclass(model, audit.AuditedModel)
    summarised = rollups.watched(model)
    pks = _write(
        model, fields, rows, want_pks=return_pks or audited or summarised, audited=audited, using=using
    )
    if audited:
        audit.record_batch(model, _audit_listing(model, fields, pks, rows), using=using)
    if summarised:
        # The batch's summary buckets, recounted in the same transaction (one cost per batch).
        rollups.created(model, pks, using=using, fields=fields, rows=rows)
    return pks if return_pks else None


def _write(model, fields, rows, *, want_pks: bool, audited: bool, using: str) -> list:
    """Write the rows (COPY on PostgreSQL, bulk_create elsewhere); their primary keys when
    ``want_pks`` or the table gives them anyway."""
    given = _given_fields(model, fields, rows, audited=audited)
    pk_field = model._meta.pk
    pk_given = pk_field.attname in fields
    missing = [
        field
        for field in model._meta.concrete_fields
        if field.attname not in fields and field is not pk_field
    ]
    now = timezone.now()
    constants = [_default(field, now) for field in missing]
    connection = connections[using]
    if connection.vendor == "postgresql":
        pks = _copy(model, given, missing, constants, rows, want_pks and not pk_given, connection)
    else:
        pks = _bulk_create(model, given, missing, constants, rows, using)
    if pk_given:
        index = list(fields).index(pk_field.attname)
        pks = [row[index] for row in rows]
    return pks


def _given_fields(model, fields, rows, *, audited: bool) -> list[models.Field]:
    """The model fields named by ``fields``, once the batch is known to be writable as given."""
    meta = model._meta
    if audited and audit.current_batch() is None:
        raise RuntimeError(f"Bulk inserts of {meta.label} must be inside audit.summarised_audit().")
    by_attname = {field.attname: field for field in meta.concrete_fields}
    given = [by_attname[name] for name in fields]
    if set(map(len, rows)) != {len(given)}:
        raise ValueError(f"Every row must have one value for each of {list(fields)}.")
    if meta.pk.attname not in fields and not isinstance(meta.pk, AutoFieldMixin):
        raise ValueError(f"{meta.label}'s primary key has no sequence: give it among the fields.")
    return given


def _audit_listing(model, fields, pks, rows) -> list[tuple]:
    """(pk, *natural key) per row for the summarising audit entry. The natural key must be among
    the fields given."""
    keys = [fields.index(name) for name in model.audit_natural_key]
    if not keys:
        return [(pk,) for pk in pks]
    key_of = operator.itemgetter(*keys)
    if len(keys) == 1:
        return [(pk, key_of(row)) for pk, row in zip(pks, rows, strict=True)]
    return [(pk, *key_of(row)) for pk, row in zip(pks, rows, strict=True)]


def _copy(model, given, missing, constants, rows, want_pks, connection) -> list | None:
    meta = model._meta
    quote = connection.ops.quote_name
    columns = [field.column for field in given] + [field.column for field in missing]
    pks = None
    with connection.cursor() as cursor:
        if want_pks:
            # Take the keys from the table's own sequence, one query for the whole batch.
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [meta.db_table, meta.pk.column])
            sequence = cursor.fetchone()[0]
            if sequence is None:
                raise RuntimeError(f"{meta.label} has no sequence for its primary key.")
            cursor.execute("SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [sequence, len(rows)])
            pks = [row[0] for row in cursor.fetchall()]
            columns.insert(0, meta.pk.column)
        text = _copy_text(given, missing, constants, rows, pks, connection)
        if "\x00" in text:
            raise ValueError("A text value cannot contain NUL (0x00) characters.")
        buffer = io.StringIO(text)
        statement = "COPY {} ({}) FROM STDIN".format(
            quote(meta.db_table), ", ".join(quote(column) for column in columns)
        )
        raw = cursor.cursor
        if hasattr(raw, "copy_expert"):  # psycopg2
            raw.copy_expert(statement, buffer, size=1 << 20)
        else:  # psycopg 3
            with raw.copy(statement) as copy:
                copy.write(buffer.getvalue())
    return pks


def _copy_text(given, missing, constants, rows, pks, connection) -> str:
    """The batch in COPY's text format, built column by column (a column's values are of one
    type: each column is converted by one map instead of a call per value and row)."""
    columns = [
        _column_text(values, _converter(field, connection))
        for field, values in zip(given, zip(*rows, strict=True), strict=True)
    ]
    if pks is not None:
        columns.insert(0, list(map(str, pks)))
    tail = "".join(
        "\t" + _converter(field, connection)(value) for field, value in zip(missing, constants, strict=True)
    )
    lines = map("\t".join, zip(*columns, strict=True)) if columns else [""] * len(rows)
    end = tail + "\n"
    return end.join(lines) + end


def _bulk_create(model, given, missing, constants, rows, using) -> list:
    names = [field.attname for field in given] + [field.attname for field in missing]
    objects = [model(**dict(zip(names, (*row, *constants), strict=True))) for row in rows]
    # The base manager: no audited bulk_create, the caller's one summarising entry stands for all.
    created = model._base_manager.using(using).bulk_create(objects)
    return [obj.pk for obj in created]
