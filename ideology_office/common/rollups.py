"""Summary tables (rollups): how many records of a kind fall in each month, section and kind,
kept current by every write so that the dashboard and the report read a few hundred rows instead
of recounting millions.

A work area declares what it summarises in its contract (``rollups=(RollupSpec(...), ...)``): the
records counted (a queryset, with its "active"/not-voided filter), the date that gives the year and
month, the section, the kind, and optionally a measure summed (``total``) and a field whose
distinct values are counted (``uniques``). One table, ``common.Rollup``, holds every metric's
buckets, keyed ``(metric, year, month, section_id, kind)`` (0 and "" for none).

Keeping them current: a bucket is never incremented; it is **recomputed from the live rows** with
one grouped aggregate query, inside the write's transaction, for the buckets a write touched (the
record's bucket before and after it, so moving a date, a section or a kind, voiding or restoring
is right by construction). The hooks are in one place each:

* single saves and deletes (services, the admin, ``record_void``): the model signals below;
* bulk writes: ``AuditedQuerySet.bulk_create/bulk_update/update`` and ``common.bulk.insert_rows``
  call :func:`created` / :func:`changing` once per batch (a cost per bucket, not per row);
* a record the bucket depends on through a relation (a person moving to another section moves
  their points): a spec's ``depends``.

Concurrency: before recounting, the writer makes sure the bucket rows exist (``INSERT … ON
CONFLICT DO NOTHING``) and locks them (``SELECT … FOR UPDATE``, in key order so two writers cannot
deadlock on each other's buckets). A second transaction writing to the same bucket waits there
until the first commits; its recount, a new statement under READ COMMITTED, then sees the first
one's rows as well as its own, so no update is lost (an increment could not see a concurrent
change of date or kind; a recount can). ``rebuild`` locks the table against such writers while it
replaces everything.

``manage.py rebuild_rollups`` rebuilds from live data (``--check`` lists differences instead);
``seed_demo`` defers the per-write upkeep (:func:`deferred`) and rebuilds once at the end.
"""

from __future__ import annotations

import contextvars
import datetime
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import connections, models, transaction
from django.db.models import Count, F, Sum, Value
from django.db.models.functions import ExtractMonth, ExtractYear
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver
from django.utils import timezone

from .dates import moment_range


def _model():
    """The ``Rollup`` model, from the app registry: this module is imported by the audit layer,
    which ``common.models`` imports, so it cannot import ``common.models`` itself."""
    from django.apps import apps

    return apps.get_model("common", "Rollup")


Bucket = tuple[int, int, int, str]
Counts = tuple[int, int, int]
ZERO: Counts = (0, 0, 0)
#: The section of a metric's office-wide buckets: a metric by section also keeps, per month and
#: kind, the buckets of the whole office, so that the office's figures read a dozen rows rather
#: than add up hundreds of sections'.
ALL = -1
# Primary keys per query when finding the buckets of a batch of records.
CHUNK = 5000


@dataclass(frozen=True)
class Dependency:
    """Records of the spec reach ``model`` (``"accounts.User"``) through ``path`` (``"person"``)
    and their bucket changes when one of its ``fields`` (``("section",)``) does."""

    model: str
    path: str
    fields: tuple[str, ...]


@dataclass(frozen=True)
class RollupSpec:
    """One metric. ``queryset()`` gives the records counted (already without the voided ones);
    the other fields are lookup paths from it ("" for none): ``date_field`` a DateField or
    DateTimeField (a moment counts in its local month), ``section_field`` an id of a section,
    ``kind_field`` a text field, ``measure`` a number summed into ``total``, ``uniques`` a field
    whose distinct values are counted."""

    key: str
    queryset: Callable[[], models.QuerySet]
    date_field: str = ""
    section_field: str = ""
    kind_field: str = ""
    measure: str = ""
    uniques: str = ""
    depends: tuple[Dependency, ...] = ()
    #: "month", or "year" for buckets of whole years (month 0).
    period: str = "month"

    @property
    def model(self) -> type[models.Model]:
        return self.queryset().model


# --- the registry, from the contracts --------------------------------------------------------------
_registry_cache: tuple[tuple, dict[str, RollupSpec], dict, dict] | None = None


def _registry() -> tuple[dict[str, RollupSpec], dict, dict]:
    """({key: spec}, {model: [spec]}, {model: [(spec, dependency)]}) of every contract's rollups."""
    global _registry_cache
    from django.apps import apps

    from .contracts import contracts

    found = contracts()
    signature = tuple(id(contract) for contract in found)
    if _registry_cache is None or _registry_cache[0] != signature:
        specs = {spec.key: spec for contract in found for spec in getattr(contract, "rollups", ())}
        by_model: dict[type, list[RollupSpec]] = {}
        by_dependency: dict[type, list[tuple[RollupSpec, Dependency]]] = {}
        for spec in specs.values():
            by_model.setdefault(spec.model, []).append(spec)
            for dependency in spec.depends:
                by_dependency.setdefault(apps.get_model(dependency.model), []).append((spec, dependency))
        _registry_cache = (signature, specs, by_model, by_dependency)
    return _registry_cache[1], _registry_cache[2], _registry_cache[3]


def specs() -> list[RollupSpec]:
    return list(_registry()[0].values())


def spec(key: str) -> RollupSpec:
    return _registry()[0][key]


def specs_for(model) -> list[RollupSpec]:
    return _registry()[1].get(model, [])


def rows(
    key: str, sections: Iterable[int] | None = None, *, each_section: bool = False, using: str = "default"
) -> models.QuerySet:
    """The stored buckets of the metric ``key`` (to filter and aggregate): of the whole office
    (``sections`` None: the office-wide buckets, one per month and kind), of the ``sections``
    given, or of each section (``each_section``). A metric without sections has only the first."""
    Rollup = _model()

    buckets = Rollup.objects.using(using).filter(metric=key)
    if not spec(key).section_field:
        return buckets
    if each_section:
        return buckets.exclude(section_id=ALL)
    if sections is None:
        return buckets.filter(section_id=ALL)
    return buckets.filter(section_id__in=list(sections))


def _all_rows(key: str, using: str):
    Rollup = _model()

    return Rollup.objects.using(using).filter(metric=key)


def count(
    key: str, *, since: int, until: int, kinds: Iterable[str] | None = None, using: str = "default"
) -> int:
    """How many records of ``key`` fall in the calendar years ``since`` to ``until`` (of
    ``kinds``): one query over the summary."""
    return sum(counts_by_kind(key, since=since, until=until, kinds=kinds, using=using).values())


def counts_by_kind(
    key: str, *, since: int, until: int, kinds: Iterable[str] | None = None, using: str = "default"
) -> dict[str, int]:
    """{kind: records} of ``key`` in the calendar years ``since`` to ``until``: one query."""
    buckets = rows(key, using=using).filter(year__gte=since, year__lte=until)
    if kinds is not None:
        buckets = buckets.filter(kind__in=list(kinds))
    return dict(buckets.values_list("kind").annotate(total=Sum("count")).order_by())


# --- buckets of live records -------------------------------------------------------------------------
def _bucket_expressions(spec: RollupSpec) -> dict[str, Any]:
    fields: dict[str, Any] = {"b": Value(0)}
    if spec.date_field:
        fields["y"] = ExtractYear(spec.date_field)
        fields["m"] = ExtractMonth(spec.date_field) if spec.period == "month" else Value(0)
    if spec.section_field:
        fields["s"] = F(spec.section_field)
    if spec.kind_field:
        fields["k"] = F(spec.kind_field)
    return fields


def _key(row: dict) -> Bucket:
    return (row.get("y") or 0, row.get("m") or 0, row.get("s") or 0, str(row.get("k") or ""))


def _grouped(spec: RollupSpec, queryset) -> dict[Bucket, Counts]:
    """{bucket: (count, total, uniques)} of ``queryset``: one grouped query."""
    fields = _bucket_expressions(spec)
    aggregates: dict[str, Any] = {"n": Count("pk")}
    if spec.measure:
        aggregates["t"] = Sum(spec.measure)
    if spec.uniques:
        aggregates["u"] = Count(spec.uniques, distinct=True)
    result = {}
    for row in queryset.order_by().values(**fields).annotate(**aggregates):
        result[_key(row)] = (row["n"], row.get("t") or 0, row.get("u") or 0)
    return result


def _grouped_wide(spec: RollupSpec, queryset) -> dict[Bucket, Counts]:
    """The office-wide buckets (section ``ALL``) of ``queryset``: one grouped query."""
    office = RollupSpec(
        spec.key,
        spec.queryset,
        spec.date_field,
        "",
        spec.kind_field,
        spec.measure,
        spec.uniques,
        period=spec.period,
    )
    return {
        (year, month, ALL, kind): counts
        for (year, month, _s, kind), counts in _grouped(office, queryset).items()
    }


def _buckets_of(spec: RollupSpec, queryset) -> set[Bucket]:
    return {_key(row) for row in queryset.order_by().values(**_bucket_expressions(spec)).distinct()}


def _buckets_of_pks(spec: RollupSpec, pks: Sequence, using: str) -> set[Bucket]:
    found: set[Bucket] = set()
    pks = list(pks)
    for start in range(0, len(pks), CHUNK):
        found |= _buckets_of(spec, spec.queryset().using(using).filter(pk__in=pks[start : start + CHUNK]))
    return found


def _signature(spec: RollupSpec, pk, using: str) -> tuple | None:
    """A record's bucket with its measure and member, or None when it is not counted."""
    fields = _bucket_expressions(spec)
    if spec.measure:
        fields["mv"] = F(spec.measure)
    if spec.uniques:
        fields["uv"] = F(spec.uniques)
    row = spec.queryset().using(using).filter(pk=pk).order_by().values(**fields).first()
    return None if row is None else (_key(row), row.get("mv"), row.get("uv"))


def _is_moment(spec: RollupSpec) -> bool:
    model = spec.model
    field = None
    for part in spec.date_field.split("__"):
        field = model._meta.get_field(part)
        if field.is_relation:
            model = field.related_model
    return isinstance(field, models.DateTimeField)


def _month_end(year: int, month: int):
    from .dates import month_bounds

    return month_bounds(datetime.date(year, month, 1))[1]


def _narrowed(spec: RollupSpec, queryset, buckets: Iterable[Bucket]):
    """``queryset`` narrowed to rows that can fall in ``buckets`` (a superset: the months between
    the first and the last, their sections and kinds)."""
    buckets = list(buckets)
    if spec.date_field:
        # Month 0: the whole year (a metric by year).
        first = min((year, month or 1) for year, month, _s, _k in buckets)
        last = max((year, month or 12) for year, month, _s, _k in buckets)
        start, end = datetime.date(*first, 1), _month_end(*last)
        if _is_moment(spec):
            low, high = moment_range(start, end)
            queryset = queryset.filter(**{f"{spec.date_field}__gte": low, f"{spec.date_field}__lt": high})
        else:
            queryset = queryset.filter(**{f"{spec.date_field}__gte": start, f"{spec.date_field}__lte": end})
    if spec.section_field:
        sections = {section for _y, _m, section, _k in buckets}
        condition = models.Q(**{f"{spec.section_field}__in": sections - {0}})
        if 0 in sections:
            condition |= models.Q(**{f"{spec.section_field}__isnull": True})
        queryset = queryset.filter(condition)
    if spec.kind_field:
        queryset = queryset.filter(**{f"{spec.kind_field}__in": {kind for _y, _m, _s, kind in buckets}})
    return queryset


# --- keeping them current ------------------------------------------------------------------------
_deferred: contextvars.ContextVar[bool] = contextvars.ContextVar("rollups_deferred", default=False)


@contextmanager
def deferred(using: str = "default") -> Iterator[None]:
    """Skip the per-write upkeep inside the block and rebuild everything once at its end (a seeding
    of millions of rows: one grouped scan instead of one per batch)."""
    token = _deferred.set(True)
    try:
        yield
    finally:
        _deferred.reset(token)
    rebuild(using=using)


# While a block of collected() runs: {(database, metric): buckets} to refresh once at its end.
_collected: contextvars.ContextVar[dict | None] = contextvars.ContextVar("rollups_collected", default=None)


@contextmanager
def collected() -> Iterator[None]:
    """Gather the buckets that the writes inside the block touch and refresh each once at its end,
    still inside the caller's transaction (use it inside ``transaction.atomic()``). An import writes
    a batch at a time into the same buckets: refreshing them after every batch recounted the same
    months again and again (a 100,000-row import spent more time recounting than writing); once
    at the end costs one recount. If the block fails nothing is refreshed: its transaction is
    rolled back anyway."""
    if _collected.get() is not None:  # nested: the outer block refreshes
        yield
        return
    gathered: dict[tuple[str, str], set[Bucket]] = {}
    token = _collected.set(gathered)
    try:
        yield
    finally:
        _collected.reset(token)
    for (using, key), buckets in gathered.items():
        refresh(spec(key), buckets, using)


def refresh(spec: RollupSpec, buckets: Iterable[Bucket], using: str = "default") -> None:
    """Recompute ``buckets`` of ``spec`` from the live rows and store them, under a lock on their
    rows (see the module's docstring), and the office-wide buckets of their months and kinds: four
    or five queries whatever the number of buckets. Every writer of a month and kind thus waits for
    the others on the office-wide bucket: writes are short, and it keeps the office's figures exact."""
    Rollup = _model()

    sectioned = set(buckets)
    if not sectioned or _deferred.get():
        return
    gathering = _collected.get()
    if gathering is not None:
        gathering.setdefault((using, spec.key), set()).update(sectioned)
        return
    wide = {(year, month, ALL, kind) for year, month, _s, kind in sectioned} if spec.section_field else set()
    buckets = sorted(sectioned | wide)
    manager = Rollup.objects.using(using)
    with transaction.atomic(using=using, savepoint=False):
        _store(spec.key, [(bucket, ZERO) for bucket in buckets], using, update=False)
        if connections[using].features.has_select_for_update:
            wanted = manager.filter(
                metric=spec.key,
                year__in={bucket[0] for bucket in buckets},
                month__in={bucket[1] for bucket in buckets},
                section_id__in={bucket[2] for bucket in buckets},
                kind__in={bucket[3] for bucket in buckets},
            )
            list(wanted.select_for_update().order_by("pk").values_list("pk"))
        counted = _grouped(spec, _narrowed(spec, spec.queryset().using(using), sectioned))
        if wide:
            office = RollupSpec(
                spec.key, spec.queryset, spec.date_field, "", spec.kind_field, period=spec.period
            )
            counted |= _grouped_wide(spec, _narrowed(office, spec.queryset().using(using), wide))
        _store(spec.key, [(bucket, counted.get(bucket, ZERO)) for bucket in buckets], using, update=True)


_COLUMNS = ("metric", "year", "month", "section_id", "kind", "count", "total", "uniques")


def _store(key: str, items: list[tuple[Bucket, Counts]], using: str, *, update: bool) -> None:
    """Insert the buckets ``items`` of ``key``; an existing one keeps its counts, or takes the new
    ones if ``update``. On PostgreSQL one statement over arrays (thousands of buckets of an import
    batch cost no model instance each); elsewhere ``bulk_create``."""
    Rollup = _model()

    connection = connections[using]
    if connection.vendor != "postgresql":
        objects = [
            Rollup(metric=key, **dict(zip(_COLUMNS[1:], (*bucket, *counts), strict=True)))
            for bucket, counts in items
        ]
        options: dict[str, Any] = (
            {
                "update_conflicts": True,
                "unique_fields": list(_COLUMNS[:5]),
                "update_fields": list(_COLUMNS[5:]),
            }
            if update
            else {"ignore_conflicts": True}
        )
        Rollup.objects.using(using).bulk_create(objects, **options)
        return
    quote = connection.ops.quote_name
    action = (
        "UPDATE SET " + ", ".join(f"{quote(name)} = EXCLUDED.{quote(name)}" for name in _COLUMNS[5:])
        if update
        else "NOTHING"
    )
    columns = list(zip(*[(*bucket, *counts) for bucket, counts in items], strict=True))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(Rollup._meta.db_table)} ({', '.join(map(quote, _COLUMNS))}) "  # noqa: S608 - names only
            "SELECT %s, * FROM unnest(%s::integer[], %s::integer[], %s::integer[], %s::text[], "
            "%s::integer[], %s::bigint[], %s::integer[]) "
            f"ON CONFLICT ({', '.join(map(quote, _COLUMNS[:5]))}) DO {action}",
            [key, *(list(column) for column in columns)],
        )


def watched(model) -> bool:
    try:
        _specs, by_model, by_dependency = _registry()
    except LookupError:  # apps not ready (a migration's historical models)
        return False
    return model in by_model or model in by_dependency


def created(
    model,
    pks: Sequence,
    using: str = "default",
    *,
    fields: Sequence[str] = (),
    rows: Sequence[Sequence] = (),
) -> None:
    """Records of ``model`` were inserted in bulk: refresh the buckets they fall in. Given the
    inserted ``rows`` (values in the order of the attribute names ``fields``, as
    ``common.bulk.insert_rows`` has them), a metric whose bucket is read from the rows' own columns
    takes its buckets from them instead of asking the database (an import's batch: one query
    less each, some 4 % of a 100,000-row import)."""
    if _deferred.get() or not watched(model):
        return
    for item in specs_for(model):
        if any(pk is None for pk in pks):
            rebuild(keys=[item.key], using=using)
            continue
        buckets = _buckets_of_rows(item, fields, rows) if rows else None
        refresh(item, _buckets_of_pks(item, pks, using) if buckets is None else buckets, using)


def _buckets_of_rows(spec: RollupSpec, fields: Sequence[str], rows: Sequence[Sequence]) -> set[Bucket] | None:
    """The buckets of new rows read from their values, or None when one of the metric's bucket
    fields is not a column of the rows (a path through a relation, a field not given). A row the
    metric's queryset leaves out (a voided one) still names its bucket: the recount then finds it
    empty, which costs nothing and counts nothing."""
    model = spec.model
    positions: dict[str, int] = {}
    for part, path in (("date", spec.date_field), ("section", spec.section_field), ("kind", spec.kind_field)):
        if not path:
            continue
        try:
            field = model._meta.get_field(path)
        except FieldDoesNotExist:  # a path through a relation
            return None
        if field.attname not in fields:
            return None
        positions[part] = list(fields).index(field.attname)
    moment = bool(spec.date_field) and _is_moment(spec)
    by_month = spec.period == "month"
    found: set[Bucket] = set()
    for row in rows:
        # Named as the grouped query names them, so that _key writes the bucket as for a database row.
        values: dict[str, Any] = {}
        if "date" in positions:
            day = row[positions["date"]]
            if day is None:  # no date, no month: the row is not counted (an item not approved yet)
                continue
            if moment:
                if not isinstance(day, datetime.datetime) or timezone.is_naive(day):
                    return None
                day = timezone.localtime(day)
            elif not isinstance(day, datetime.date):
                return None
            values["y"], values["m"] = day.year, day.month if by_month else 0
        if "section" in positions:
            values["s"] = row[positions["section"]]
            if values["s"] is not None and not isinstance(values["s"], int):
                return None
        if "kind" in positions:
            values["k"] = row[positions["kind"]]
        found.add(_key(values))
    return found


@contextmanager
def changing(model, pks: Sequence, using: str = "default") -> Iterator[None]:
    """Records ``pks`` of ``model`` are changed in bulk inside the block: refresh the buckets they
    fell in before and fall in after."""
    if _deferred.get() or not watched(model) or not pks:
        yield
        return
    before = {item.key: _buckets_of_pks(item, pks, using) for item in specs_for(model)}
    yield
    for item in specs_for(model):
        refresh(item, before[item.key] | _buckets_of_pks(item, pks, using), using)


# Single saves and deletes --------------------------------------------------------------------------
@receiver(pre_save, dispatch_uid="rollups.before_save")
def _before_save(sender, instance, raw, using, update_fields, **kwargs):
    if raw or _deferred.get() or not watched(sender):
        return
    adding = instance._state.adding or instance.pk is None
    instance._rollup_before = {
        item.key: None if adding else _signature(item, instance.pk, using) for item in specs_for(sender)
    }
    instance._rollup_depends = {}
    if adding:
        return
    for item, dependency in _registry()[2].get(sender, []):
        wanted = set(dependency.fields)
        if update_fields is not None and not wanted & set(update_fields):
            continue
        stored = sender._base_manager.using(using).filter(pk=instance.pk).values(*dependency.fields).first()
        if stored is None or all(stored[name] == _value(instance, name) for name in dependency.fields):
            continue
        records = item.queryset().using(using).filter(**{dependency.path: instance.pk})
        instance._rollup_depends[item.key] = _buckets_of(item, records)


def _value(instance, name: str):
    field = instance._meta.get_field(name)
    return getattr(instance, field.attname)


@receiver(post_save, dispatch_uid="rollups.after_save")
def _after_save(sender, instance, raw, using, **kwargs):
    if raw or _deferred.get() or not watched(sender):
        return
    before = getattr(instance, "_rollup_before", None) or {}
    for item in specs_for(sender):
        old, new = before.get(item.key), _signature(item, instance.pk, using)
        if old != new:
            refresh(item, {signature[0] for signature in (old, new) if signature is not None}, using)
    for key, buckets in (getattr(instance, "_rollup_depends", None) or {}).items():
        item = spec(key)
        dependency = next(dep for dep in item.depends if dep.model == sender._meta.label)
        records = item.queryset().using(using).filter(**{dependency.path: instance.pk})
        refresh(item, buckets | _buckets_of(item, records), using)
    instance._rollup_before = instance._rollup_depends = None


@receiver(pre_delete, dispatch_uid="rollups.before_delete")
def _before_delete(sender, instance, using, **kwargs):
    if _deferred.get() or not watched(sender):
        return
    instance._rollup_before = {item.key: _signature(item, instance.pk, using) for item in specs_for(sender)}


@receiver(post_delete, dispatch_uid="rollups.after_delete")
def _after_delete(sender, instance, using, **kwargs):
    if _deferred.get() or not watched(sender):
        return
    for item in specs_for(sender):
        old = (getattr(instance, "_rollup_before", None) or {}).get(item.key)
        if old is not None:
            refresh(item, {old[0]}, using)


# --- rebuilding and checking -------------------------------------------------------------------------
def live(item: RollupSpec, year: int | None = None, using: str = "default") -> dict[Bucket, Counts]:
    """The buckets of ``item`` counted now from the live rows (of ``year``): one query."""
    queryset = item.queryset().using(using)
    if year is not None and item.date_field:
        queryset = _narrowed(
            RollupSpec(item.key, item.queryset, date_field=item.date_field),
            queryset,
            [(year, 1, 0, ""), (year, 12, 0, "")],
        )
    counted = _grouped(item, queryset)
    if item.section_field:
        counted |= _grouped_wide(item, queryset)
    return counted


def stored(item: RollupSpec, year: int | None = None, using: str = "default") -> dict[Bucket, Counts]:
    """The non-empty buckets of ``item`` as stored (of ``year``)."""
    buckets = _all_rows(item.key, using).filter(count__gt=0)
    if year is not None and item.date_field:
        buckets = buckets.filter(year=year)
    return {
        (row[0], row[1], row[2], row[3]): (row[4], row[5], row[6])
        for row in buckets.values_list("year", "month", "section_id", "kind", "count", "total", "uniques")
    }


def rebuild(
    keys: Sequence[str] | None = None, year: int | None = None, using: str = "default"
) -> dict[str, int]:
    """Replace the stored buckets (of ``keys``, of ``year``) by a recount of the live rows, in one
    transaction; returns the number of buckets per metric."""
    Rollup = _model()
    chosen = [item for item in specs() if keys is None or item.key in keys]
    done = {}
    connection = connections[using]
    with transaction.atomic(using=using):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # Writers' refreshes wait until the new buckets are in place.
                cursor.execute(f"LOCK TABLE {Rollup._meta.db_table} IN SHARE ROW EXCLUSIVE MODE")
        for item in chosen:
            counted = live(item, year if item.date_field else None, using)
            old = _all_rows(item.key, using)
            if year is not None and item.date_field:
                old = old.filter(year=year)
            old.delete()
            Rollup.objects.using(using).bulk_create(
                (
                    Rollup(
                        metric=item.key,
                        year=year_,
                        month=month,
                        section_id=section,
                        kind=kind,
                        count=count,
                        total=total,
                        uniques=uniques,
                    )
                    for (year_, month, section, kind), (count, total, uniques) in sorted(counted.items())
                ),
                batch_size=5000,
            )
            done[item.key] = len(counted)
    return done


def fill_when_empty(using: str = "default", **kwargs) -> None:
    """After ``migrate``: a database without any bucket yet (just created, or upgraded to the
    release that brought the summaries) gets them from its records."""
    Rollup = _model()

    if not Rollup.objects.using(using).exists():
        rebuild(using=using)


def mismatches(keys: Sequence[str] | None = None, using: str = "default") -> dict[str, list]:
    """{metric: [(bucket, stored, live)]} wherever the stored buckets differ from a recount."""
    found = {}
    for item in specs():
        if keys is not None and item.key not in keys:
            continue
        kept, counted = stored(item, using=using), live(item, using=using)
        differing = [
            (bucket, kept.get(bucket, ZERO), counted.get(bucket, ZERO))
            for bucket in sorted(set(kept) | set(counted))
            if kept.get(bucket, ZERO) != counted.get(bucket, ZERO)
        ]
        if differing:
            found[item.key] = differing
    return found
