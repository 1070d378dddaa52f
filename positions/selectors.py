"""Reads of the positions work area, for pages, the dashboard and reminders."""

from __future__ import annotations

import datetime
import difflib
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db.models import Count, F, Max, Prefetch, Q, QuerySet
from django.utils import timezone

from ideology_office.common.filters import filter_void_state

from .models import (
    GENESIS_HASH,
    ContentItem,
    ContentRevision,
    KeyDate,
    PhysicalUpdate,
    Platform,
    PublicityTask,
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
    person's active assignments (no scan of every grant in the table)."""
    return (
        ContentItem.objects.filter(
            status=Status.IN_REVIEW,
            assignments__reviewer=user,
            assignments__is_active=True,
            assignments__step=F("current_step"),
        )
        .exclude(author=user)
        .select_related("platform", "author", "current_revision")
        .order_by("step_entered_at", "pk")
        .distinct()
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
    from .models import ReviewAssignment

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
    rows = []
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
            signed_at__gte=timezone.make_aware(datetime.datetime.combine(start, datetime.time.min)),
            signed_at__lt=timezone.make_aware(
                datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min)
            ),
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


def signoff_chain_problems() -> list[str]:
    """Recompute the chain; every row changed, removed or out of place since it was written."""
    problems = []
    previous_hash = GENESIS_HASH
    expected = 1
    revisions = {row["pk"]: row for row in ContentRevision.objects.values("pk", "title", "body", "sha256")}
    for row in SignOff.objects.order_by("sequence").iterator(chunk_size=1000):
        while expected < row.sequence:
            problems.append(f"签批记录 #{expected} 已被删除。")
            expected += 1
        if row.previous_hash != previous_hash:
            problems.append(f"签批记录 #{row.sequence} 的前一记录哈希不符（其前的记录被改动或删除）。")
        if row.compute_chain_hash(row.previous_hash) != row.chain_hash:
            problems.append(f"签批记录 #{row.sequence} 的内容被改动。")
        revision = revisions.get(row.revision_id)
        if (
            revision is None
            or row.content_sha256 != revision["sha256"]
            or content_digest(revision["title"], revision["body"]) != revision["sha256"]
        ):
            problems.append(f"签批记录 #{row.sequence} 所批准的稿件内容被改动。")
        previous_hash = row.chain_hash
        expected = row.sequence + 1
    head = SignOffChainHead.objects.filter(pk=1).first()
    if head is not None:
        while expected <= head.last_sequence:
            problems.append(f"签批记录 #{expected} 已被删除。")
            expected += 1
        if head.last_sequence == expected - 1 and head.last_hash != previous_hash and expected > 1:
            problems.append(f"签批记录 #{head.last_sequence} 与链尾记录不符。")
    return problems


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


def stale_physical_positions(today: datetime.date) -> list[Platform]:
    """Physical positions whose content has stayed unchanged longer than their limit (or that
    never had any recorded), each with ``last_changed`` and ``days_unchanged`` (None if never)."""
    stale = []
    for platform in physical_positions_with_last_change():
        if platform.last_changed is None:
            platform.days_unchanged = None
            stale.append(platform)
            continue
        platform.days_unchanged = (today - platform.last_changed).days
        if platform.days_unchanged > platform.max_unchanged_days:
            stale.append(platform)
    return stale


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
        tasks = {}
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
