"""Reads of the positions work area, for pages, the dashboard and reminders."""

from __future__ import annotations

import contextlib
import datetime
import difflib
import heapq
import multiprocessing
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from operator import itemgetter

from django.db.models import Count, Exists, Max, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from ideology_office.common.dates import moment_filter
from ideology_office.common.filters import filter_void_state

from .models import (
    ContentItem,
    ContentRevision,
    KeyDate,
    PhysicalUpdate,
    Platform,
    Publication,
    PublicityTask,
    ReviewAssignment,
    SignOff,
    SignOffChainHead,
    content_digest,
)
from .permissions import visible_items

Status = ContentItem.Status


def content_item_list(*, user):
    return visible_items(user, ContentItem.objects.select_related("platform", "author", "current_revision"))


def content_item_list_for_author(*, user):
    return ContentItem.objects.filter(author=user).select_related("platform", "current_revision")


def review_queue_for_user(*, user):
    """Items waiting for this person's signature at their current step: one plain query over the
    person's active assignments (no scan of every grant in the table). Left out, as
    ``permissions.sign_standing`` refuses them: items they wrote or edited, and items whose other
    review they signed in this round (nobody signs two of the reviews)."""
    wrote = ContentRevision.objects.filter(item=OuterRef("pk"), created_by=user)
    signed_another = SignOff.objects.filter(
        item=OuterRef("pk"),
        review_round=OuterRef("review_round"),
        signer=user,
        decision=SignOff.Decision.APPROVE,
        step__in=[SignOff.Step.FIRST, SignOff.Step.SECOND, SignOff.Step.FINAL],
    ).exclude(step=OuterRef("current_step"))
    # EXISTS rather than a join: no DISTINCT over every column of the page and of its count.
    assigned_now = ReviewAssignment.objects.filter(
        item=OuterRef("pk"), reviewer=user, is_active=True, step=OuterRef("current_step")
    )
    return (
        ContentItem.objects.filter(Exists(assigned_now), status=Status.IN_REVIEW)
        .exclude(author=user)
        .exclude(Exists(wrote))
        .exclude(Exists(signed_another))
        .select_related("platform", "author")
        .order_by("step_entered_at", "pk")
    )


def content_item_detail(*, item_id: int) -> ContentItem:
    return (
        ContentItem.objects.select_related(
            "platform__responsible_person", "author", "current_revision", "approved_revision"
        )
        .prefetch_related(
            Prefetch(
                "revisions", queryset=ContentRevision.objects.select_related("created_by").order_by("-number")
            ),
            Prefetch("signoffs", queryset=SignOff.objects.select_related("revision").order_by("sequence")),
            Prefetch(
                "assignments",
                queryset=item_assignments_queryset(),
            ),
        )
        .get(pk=item_id)
    )


def item_assignments_queryset():
    return ReviewAssignment.objects.filter(is_active=True).select_related("reviewer").order_by("step", "pk")


def publication_for(item: ContentItem):
    from .models import Publication

    return (
        Publication.objects.filter(item=item)
        .select_related("revision", "published_by")
        .prefetch_related("actions__acted_by")
        .first()
    )


def review_counts_by_step() -> dict[str, int]:
    """How many items wait at each review step (every step listed, zeros included): one query."""
    rows = (
        ContentItem.objects.filter(status=Status.IN_REVIEW)
        .values("current_step")
        .annotate(total=Count("pk"))
        .order_by()
    )
    counts = {str(step): 0 for step in SignOff.REVIEW_STEPS}
    for row in rows:
        counts[row["current_step"]] = row["total"]
    return counts


def items_waiting_longer_than(*, hours: int, now: datetime.datetime | None = None):
    """Items that have waited at their current review step for more than ``hours``."""
    now = now or timezone.now()
    return (
        ContentItem.objects.filter(
            status=Status.IN_REVIEW, step_entered_at__lt=now - datetime.timedelta(hours=hours)
        )
        .select_related("platform", "author")
        .order_by("step_entered_at")
    )


def revision_diff(old: ContentRevision | None, new: ContentRevision) -> list[dict]:
    """Line-by-line differences between two revisions (title first), for a plain table."""
    old_lines = [old.title, *old.body.splitlines()] if old else []
    new_lines = [new.title, *new.body.splitlines()]
    rows: list[dict[str, str]] = []
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    for tag, a_start, a_end, b_start, b_end in matcher.get_opcodes():
        if tag == "equal":
            rows.extend({"kind": "same", "old": line, "new": line} for line in old_lines[a_start:a_end])
            continue
        olds = old_lines[a_start:a_end]
        news = new_lines[b_start:b_end]
        for index in range(max(len(olds), len(news))):
            old_line = olds[index] if index < len(olds) else None
            new_line = news[index] if index < len(news) else None
            kind = (
                "changed"
                if old_line is not None and new_line is not None
                else ("added" if old_line is None else "removed")
            )
            rows.append({"kind": kind, "old": old_line or "", "new": new_line or ""})
    return rows


def review_ledger(*, start: datetime.date, end: datetime.date):
    """Every sign-off of the period, in chain order, for the Excel ledger."""
    return (
        # Local midnights, not ``signed_at__date``: no time zone conversion per row.
        SignOff.objects.filter(
            **moment_filter("signed_at", start, end),
        )
        .select_related("item__platform", "revision")
        .order_by("sequence")
    )


# Sign-off chain -------------------------------------------------------------------------------


def review_ledger_rows(signoffs: QuerySet[SignOff]) -> Iterator[list]:
    """The review ledger's rows: the sign-off's sequence number, platform, title, step, decision,
    signer, post, time, opinion, revision, content hash, chain hash. Read as plain values and
    with the steps' and decisions' labels translated once, not per row: a county's year has
    150,000 signatures."""
    steps = {value: str(label) for value, label in SignOff.Step.choices}
    decisions = {value: str(label) for value, label in SignOff.Decision.choices}
    columns = signoffs.values_list(
        "sequence",
        "item__platform__name",
        "item__title",
        "step",
        "decision",
        "signer_name",
        "signer_title",
        "signed_at",
        "opinion",
        "revision__number",
        "content_sha256",
        "chain_hash",
    )
    for sequence, platform, title, step, decision, *rest in columns.iterator(chunk_size=2000):
        yield [sequence, platform, title, steps.get(step, step), decisions.get(decision, decision), *rest]


def _chain_rows_sql(lower: int | None = None, upper: int | None = None) -> str:
    """The sign-offs and publications of the chain in one SELECT ordered by sequence, in the layout
    of ``positions.chain.verify_rows``: every value as text, exactly as ``str()`` gives it (integers
    in decimal, NULL as ``None`` through COPY), the time in UTC as ``datetime.isoformat()`` writes it
    (no fraction when it is zero). ``lower``, ``upper``: only the sequences in that range (each
    bound included; None: open)."""

    def within(column: str) -> str:
        bounds = [f"{column} >= {int(lower)}"] if lower is not None else []
        bounds += [f"{column} <= {int(upper)}"] if upper is not None else []
        return " AND ".join(bounds) or "true"

    def moment(column: str) -> str:
        return (
            f"replace(to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"+00:00\"'),"
            " '.000000+', '+')"
        )

    signoff, publication = SignOff._meta.db_table, Publication._meta.db_table
    item, revision = ContentItem._meta.db_table, ContentRevision._meta.db_table
    return f"""
        SELECT s.sequence, 's', {moment("s.signed_at")}, s.review_round = i.review_round,
            s.content_sha256 = r.sha256, s.revision_id IS NOT DISTINCT FROM i.approved_revision_id,
            s.item_id::text, i.platform_id::text, s.revision_id::text,
            r.title, s.content_sha256, s.review_round::text, s.step, s.decision, s.opinion,
            s.signer_id::text, s.signer_name, s.signer_title, s.previous_hash, s.chain_hash
        FROM {signoff} s JOIN {item} i ON i.id = s.item_id JOIN {revision} r ON r.id = s.revision_id
        WHERE {within("s.sequence")}
        UNION ALL
        SELECT p.sequence, 'p', {moment("p.published_at")}, false, true, false, 'publication', p.item_id::text,
            i.platform_id::text, p.revision_id::text, r.title, p.content_sha256, p.published_by_id::text,
            p.url, p.post_id, NULL, NULL, NULL, p.previous_hash, p.chain_hash
        FROM {publication} p JOIN {item} i ON i.id = p.item_id JOIN {revision} r ON r.id = p.revision_id
        WHERE p.sequence IS NOT NULL AND {within("p.sequence")}
        ORDER BY 1"""  # noqa: S608 - names from the models


@contextlib.contextmanager
def _chain_walk(processes: int, key: bytes, last_head: float, chunk_size: int):
    """Yields a function that gives the chain walked in parts (``positions.chain.walk_rows``), in
    sequence order. One process: the whole chain, walked when asked. More: as many ranges of
    sequences, each walked at once by a forked process that reads through a connection of its own
    in this transaction's snapshot; the function waits for them."""
    from django.db import connection

    from .chain import walk_rows

    if processes <= 1:
        yield lambda: [walk_rows(_chain_rows(chunk_size), last_head, key=key)]
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_export_snapshot(), GREATEST("  # noqa: S608 - names from the models
            f"(SELECT max(sequence) FROM {SignOff._meta.db_table}),"
            f" (SELECT max(sequence) FROM {Publication._meta.db_table}))"
        )
        snapshot_id, top = cursor.fetchone()
    starts = [1 + (top or 0) * index // processes for index in range(1, processes)]
    ranges = list(zip([None, *starts], [start - 1 for start in starts] + [None], strict=True))
    params = connection.get_connection_params()
    # Forked: the children have the code and settings loaded, and never touch this process's
    # connection (each opens its own; a forked child leaves by os._exit, closing nothing).
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=processes, mp_context=context) as pool:
        futures = [
            pool.submit(_walk_chain_range, params, snapshot_id, lower, upper, last_head, key)
            for lower, upper in ranges
        ]
        yield lambda: [future.result() for future in futures]


def _walk_chain_range(params: dict, snapshot_id: str, lower, upper, last_head: float, key: bytes):
    """In a child process: the chain's rows from ``lower`` to ``upper`` walked, read in the
    parent's snapshot ``snapshot_id``."""
    import psycopg2

    from ideology_office.common.chain import copy_rows

    from .chain import walk_rows

    raw = psycopg2.connect(**params)
    try:
        raw.set_session(isolation_level="REPEATABLE READ", readonly=True)
        with raw.cursor() as cursor:
            cursor.execute("SET TRANSACTION SNAPSHOT %s", [snapshot_id])
            cursor.execute("SET LOCAL jit = off")
        return walk_rows(copy_rows(_chain_rows_sql(lower, upper), raw=raw), last_head, key=key)
    finally:
        raw.close()


def _chain_rows(chunk_size: int):
    """The chain's rows for ``verify_rows``: on PostgreSQL streamed by COPY (text, no per-value
    conversion); elsewhere (SQLite in tests and development) the two tables merged by sequence."""
    from django.db import connection

    from ideology_office.common.chain import copy_rows

    from .chain import PUBLICATION_ROW_COLUMNS, ROW_COLUMNS, publication_stream_row, signoff_stream_row

    if connection.vendor == "postgresql":
        return copy_rows(_chain_rows_sql())
    signoffs = (
        signoff_stream_row(
            row[:-3],
            current=row[-3] == row[6],
            binding_ok=row[-2] == row[5],
            of_approved_revision=row[-1] == row[3],
        )
        for row in SignOff.objects.order_by("sequence")
        .values_list(*ROW_COLUMNS, "item__review_round", "revision__sha256", "item__approved_revision_id")
        .iterator(chunk_size=chunk_size)
    )
    publications = (
        publication_stream_row(row)
        for row in Publication.objects.filter(sequence__isnull=False)
        .order_by("sequence")
        .values_list(*PUBLICATION_ROW_COLUMNS)
        .iterator(chunk_size=chunk_size)
    )
    return heapq.merge(signoffs, publications, key=itemgetter(0))


class _ByItem:
    """``get(item_id)`` over rows ordered by item id (their first value), asked in increasing item
    order: the publications read alongside the items, one row in memory at a time."""

    def __init__(self, rows) -> None:
        self.rows = iter(rows)
        self.row = next(self.rows, None)

    def get(self, item_id):
        while self.row is not None and self.row[0] < item_id:
            self.row = next(self.rows, None)
        return self.row if self.row is not None and self.row[0] == item_id else None


def verify_signoff_chain(
    *, anchors_dir=None, digest: str | None = None, chunk_size: int = 5000, processes: int = 1
):
    """The whole chain verified in one streamed pass (see ``positions.chain``): a Verification
    whose problems name the first bad row first. ``anchors_dir``: also check the anchors there;
    ``digest``: also check that an anchor with this digest (or its first characters) is there.

    Everything is read in one consistent snapshot, streamed: the chain once in sequence order (its
    hashes, links, each sign-off's revision binding and each item's current round, see
    ``walk_rows``), the signed revisions' texts, then the items with their publications in item
    order. Memory holds the approvals of each item's current round, not the rows.

    ``processes`` > 1 (PostgreSQL, outside a transaction): the chain is cut into that many ranges
    of sequences, each walked by a process of its own in the same snapshot (exported to it, as
    ``pg_dump --jobs`` does), while this one reads the revisions' texts and the items (their rounds
    checked once the parts are in: ``ItemChecks``); the parts are then joined (``join_rows``), their
    seams checked, into the same result as one pass."""
    from django.db import connection

    from ideology_office.common.chain import snapshot

    parallel = processes > 1 and connection.vendor == "postgresql" and not connection.in_atomic_block
    with snapshot():
        return _verify_signoff_chain(
            anchors_dir=anchors_dir,
            digest=digest,
            chunk_size=chunk_size,
            processes=processes if parallel else 1,
        )


def _verify_signoff_chain(*, anchors_dir, digest, chunk_size: int, processes: int):
    from ideology_office.common import anchors
    from ideology_office.common.chain import check_anchor_file

    from .chain import CHAIN_NAME, PUBLICATION_COLUMNS, item_checks, join_rows

    key = anchors.chain_key()
    head = SignOffChainHead.objects.filter(pk=1).values_list("last_sequence", "last_hash").first()
    last_head = head[0] if head is not None else float("inf")
    bindings: list[int] = []
    with _chain_walk(processes, key, last_head, chunk_size) as walked_parts:
        # Meanwhile (the chain's parts walked by other processes, if any): each signed revision's
        # text still has the hash the sign-offs bind; every publication is in the chain; the items
        # and their publications checked but for their rounds, which the chain gives.
        changed_texts = [
            f"内容条目的版本 #{pk} 的正文或标题被改动（与签批时的哈希不符）。"
            for pk, title, body, sha in (
                ContentRevision.objects.filter(pk__in=SignOff.objects.values("revision_id"))
                .values_list("pk", "title", "body", "sha256")
                .order_by()
                .iterator(chunk_size=chunk_size)
            )
            if content_digest(title, body) != sha
        ]
        outside = [
            f"内容条目 #{item_id} 的发布记录不在签批链中：不是经正常程序写入的记录。"
            for item_id in Publication.objects.filter(sequence__isnull=True)
            .order_by("item_id")
            .values_list("item_id", flat=True)
            .iterator(chunk_size=chunk_size)
        ]
        items = (
            ContentItem.objects.values_list(
                "pk",
                "title",
                "status",
                "review_round",
                "sensitivity",
                "current_revision_id",
                "approved_revision_id",
                "current_revision__title",
            )
            .order_by("pk")
            .iterator(chunk_size=chunk_size)
        )
        publications = _ByItem(
            Publication.objects.values_list(*PUBLICATION_COLUMNS, "seal")
            .order_by("item_id")
            .iterator(chunk_size=chunk_size)
        )
        checks = item_checks(items, publications, key=key)
        result = join_rows(walked_parts(), head, bindings=bindings)
    result.problems.extend(changed_texts)
    for sequence in bindings:
        result.problems.append(f"签批记录 #{sequence} 所签版本的哈希与版本记录不符：版本被替换。")
    result.problems.extend(outside)
    result.problems.extend(checks.problems(result.rounds))
    if anchors_dir is not None or digest:

        def hash_at(wanted: set[int]) -> dict:
            stored = dict(SignOff.objects.filter(sequence__in=wanted).values_list("sequence", "chain_hash"))
            stored.update(
                Publication.objects.filter(sequence__in=wanted).values_list("sequence", "chain_hash")
            )
            return stored

        check_anchor_file(CHAIN_NAME, result, hash_at, anchors_dir=anchors_dir, digest=digest)
    return result


def signoff_chain_problems() -> list[str]:
    """Every problem of the chain (empty when intact); see ``verify_signoff_chain``."""
    return verify_signoff_chain().problems


@dataclass(frozen=True)
class ItemChainState:
    ok: bool
    checked_at: datetime.datetime
    problems: tuple[str, ...] = ()


def item_chain_state(item: ContentItem) -> ItemChainState:
    """The item's own sign-offs and publication checked against the key and its state: one query."""
    from ideology_office.common.anchors import chain_key

    from .chain import fold_round, item_problems, link_hash, publication_link_hash

    key = chain_key()
    rows = list(
        ContentItem.objects.filter(pk=item.pk).values_list(
            "signoffs__sequence",
            "platform_id",
            "signoffs__revision_id",
            "signoffs__revision__title",
            "signoffs__content_sha256",
            "signoffs__review_round",
            "signoffs__step",
            "signoffs__decision",
            "signoffs__opinion",
            "signoffs__signer_id",
            "signoffs__signer_name",
            "signoffs__signer_title",
            "signoffs__signed_at",
            "signoffs__previous_hash",
            "signoffs__chain_hash",
            "signoffs__revision__body",
            "signoffs__revision__sha256",
            "current_revision__title",
            "publication__revision_id",
            "publication__revision__title",
            "publication__content_sha256",
            "publication__published_by_id",
            "publication__url",
            "publication__post_id",
            "publication__published_at",
            "publication__seal",
            "publication__sequence",
            "publication__previous_hash",
            "publication__chain_hash",
        )
    )
    problems = []
    state = 0
    publication = None
    current_title = None
    for row in rows:
        current_title = row[17]
        if row[18] is not None and publication is None:
            publication = (item.pk, row[1], *row[18:25], row[25])
            sequence, previous, stored = row[26:29]
            if sequence is None:
                problems.append(f"内容条目 #{item.pk} 的发布记录不在签批链中：不是经正常程序写入的记录。")
            elif publication_link_hash(previous, (sequence, *publication[:-1]), key) != stored:
                problems.append(f"发布记录 #{sequence} 的链哈希无效：该记录被伪造或改动。")
        if row[0] is None:
            continue
        sequence = row[0]
        values = (sequence, item.pk, *row[1:13])
        if link_hash(row[13], values, key) != row[14]:
            problems.append(f"签批记录 #{sequence} 的链哈希无效：该记录被伪造或改动。")
        if row[4] != row[16] or content_digest(row[3], row[15]) != row[16]:
            problems.append(f"签批记录 #{sequence} 所签版本的内容被改动。")
        if row[5] == item.review_round:
            state = fold_round(state, row[6], row[7], row[2] == item.approved_revision_id)
    items = [
        (
            item.pk,
            item.title,
            item.status,
            item.review_round,
            item.sensitivity,
            item.current_revision_id,
            item.approved_revision_id,
            current_title,
        )
    ]
    problems += item_problems(items, {item.pk: state}, {item.pk: publication} if publication else {}, key=key)
    return ItemChainState(ok=not problems, checked_at=timezone.now(), problems=tuple(problems))


# Physical positions and key dates -------------------------------------------------------------


def physical_positions_with_last_change():
    return (
        Platform.objects.filter(kind__in=Platform.PHYSICAL_KINDS, is_active=True)
        .select_related("responsible_person")
        .annotate(
            last_changed=Max(
                "physical_updates__start_date", filter=Q(physical_updates__voided_at__isnull=True)
            )
        )
        .order_by("name")
    )


def physical_positions_freshness(today: datetime.date) -> dict[int, Platform]:
    """Every active physical position by id, each with ``last_changed`` (None if never),
    ``days_unchanged`` (None if never) and ``is_stale`` (unchanged longer than its limit, or never
    recorded). One query."""
    positions = {}
    for platform in physical_positions_with_last_change():
        platform.days_unchanged = (
            None if platform.last_changed is None else (today - platform.last_changed).days
        )
        platform.is_stale = (
            platform.days_unchanged is None or platform.days_unchanged > platform.max_unchanged_days
        )
        positions[platform.pk] = platform
    return positions


def stale_physical_positions(today: datetime.date) -> list[Platform]:
    """Physical positions whose content has stayed unchanged longer than their limit (or that
    never had any recorded), each with ``last_changed`` and ``days_unchanged`` (None if never)."""
    # is_stale is set on each platform by physical_positions_freshness(), not a model field.
    freshness = physical_positions_freshness(today).values()
    return [platform for platform in freshness if platform.is_stale]  # type: ignore[attr-defined]


def physical_update_list(*, platform: Platform | None = None):
    query = PhysicalUpdate.objects.select_related("platform", "approved_by", "created_by")
    if platform is not None:
        query = query.filter(platform=platform)
    return query


@dataclass
class KeyDateOccurrence:
    key_date: KeyDate
    date: datetime.date
    window_start: datetime.date
    window_end: datetime.date
    tasks: list = field(default_factory=list)

    @property
    def is_in_window(self) -> bool:
        return self.window_start <= timezone.localdate() <= self.window_end


def upcoming_key_dates(today: datetime.date, days: int = 30) -> list[KeyDateOccurrence]:
    """Key dates whose window (days before to days after) meets the next ``days`` days, soonest
    first, each with its publicity tasks of that year. Two queries, however many dates."""
    horizon = today + datetime.timedelta(days=days)
    occurrences = []
    for key_date in KeyDate.objects.filter(is_active=True):
        for year in (today.year - 1, today.year, today.year + 1):
            try:
                day = key_date.occurrence(year)
            except ValueError:
                continue
            start = day - datetime.timedelta(days=key_date.days_before)
            end = day + datetime.timedelta(days=key_date.days_after)
            if start <= horizon and end >= today:
                occurrences.append(KeyDateOccurrence(key_date, day, start, end))
    if occurrences:
        wanted = Q()
        for occurrence in occurrences:
            wanted |= Q(key_date=occurrence.key_date, year=occurrence.date.year)
        tasks: dict[tuple[int, int], list[PublicityTask]] = {}
        for task in PublicityTask.objects.active().filter(wanted).select_related("owner"):
            tasks.setdefault((task.key_date_id, task.year), []).append(task)
        for occurrence in occurrences:
            occurrence.tasks = tasks.get((occurrence.key_date.pk, occurrence.date.year), [])
    return sorted(occurrences, key=lambda occurrence: (occurrence.date, occurrence.key_date.name))


def key_dates_for_year(year: int) -> list[tuple[KeyDate, datetime.date | None]]:
    rows = []
    for key_date in KeyDate.objects.filter(is_active=True):
        try:
            rows.append((key_date, key_date.occurrence(year)))
        except ValueError:
            rows.append((key_date, None))
    return sorted(rows, key=lambda row: (row[1] or datetime.date.max, row[0].name))


def publicity_task_list(*, year: int | None = None, state: str = "active"):
    """The publicity tasks (of ``year``): the valid ones, or (``state``) the voided ones or all."""
    query = filter_void_state(PublicityTask.objects.all(), state).select_related(
        "key_date", "owner", "platform"
    )
    if year is not None:
        query = query.filter(year=year)
    return query
