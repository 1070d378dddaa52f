"""Writes of the positions work area. Every door (pages, admin, commands, demo) comes through here,
so the rules of 三审三校 hold whichever one is used; superusers get no way around them."""

from __future__ import annotations

import datetime
import functools
from typing import cast

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from guardian.shortcuts import assign_perm, remove_perm

from ideology_office.common.services import (
    attachment_add,
    editable_fields,
    evidence_file_validate,
    model_update,
)
from ideology_office.notifications.services import reminders_cancel_for, reminders_plan_for

from .models import (
    GENESIS_HASH,
    ContentItem,
    ContentItemView,
    ContentRevision,
    KeyDate,
    PhysicalUpdate,
    Platform,
    PlatformReviewer,
    Publication,
    PublicationAction,
    PublicityTask,
    ReviewAssignment,
    SignOff,
    SignOffChainHead,
    content_digest,
)
from .permissions import (
    STEP_PERMISSIONS,
    can_assign_reviewers,
    can_complete_task,
    can_edit_item,
    can_manage_platform,
    can_plan_tasks,
    can_publish,
    can_record_physical_update,
    has_step_grant,
    is_manager,
    item_writer_ids,
)

Status = ContentItem.Status
Step = SignOff.Step
REVIEW_STEP_VALUES = [str(step) for step in SignOff.REVIEW_STEPS]


def _moment(at: datetime.datetime | None) -> datetime.datetime:
    """When the act happened: now, or for records entered afterwards (the seed, imports of old
    ledgers) the given moment, which may not lie in the future."""
    now = timezone.now()
    if at is None:
        return now
    if at > now:
        raise ValidationError(_("A record cannot be dated in the future."), code="future")
    return at


# Platforms ------------------------------------------------------------------------------------


def _platform_validate(platform: Platform) -> None:
    steps = {platform.first_proofread_step, platform.second_proofread_step, platform.third_proofread_step}
    if not steps <= {Step.FIRST, Step.SECOND, Step.FINAL}:
        raise ValidationError(_("Proofreads can only be carried by the first, second or final review."))
    if platform.is_physical and not platform.max_unchanged_days:
        raise ValidationError(
            {
                "max_unchanged_days": _(
                    "Give the longest time content may stay unchanged on a physical position."
                )
            }
        )
    if not platform.is_physical:
        platform.max_unchanged_days = None


@transaction.atomic
def platform_save(*, platform: Platform, user) -> Platform:
    """Create or change a platform (the admin and the demo call this)."""
    if platform.pk is None:
        platform.created_by = user
    _platform_validate(platform)
    platform.full_clean()
    platform.save()
    return platform


PLATFORM_FIELDS = editable_fields(Platform)


@transaction.atomic
def platform_update(*, platform: Platform, user, **fields) -> Platform:
    """Change a platform; the same rules as :func:`platform_save`."""

    def validate(locked: Platform) -> None:
        _platform_validate(locked)
        locked.full_clean()

    locked, _changed = model_update(instance=platform, fields=PLATFORM_FIELDS, data=fields, validate=validate)
    return locked


@transaction.atomic
def platform_reviewers_set(*, platform: Platform, step: str, reviewers: list, user) -> None:
    """The default reviewers of ``step`` for new submissions on ``platform``."""
    if not can_manage_platform(user, platform):
        raise ValidationError(_("You may not set the reviewers of this platform."), code="forbidden")
    if step not in REVIEW_STEP_VALUES:
        raise ValidationError(_("Unknown review step."), code="bad_step")
    wanted = {reviewer.pk: reviewer for reviewer in reviewers}
    PlatformReviewer.objects.filter(platform=platform, step=step).exclude(reviewer_id__in=wanted).delete()
    existing = set(
        PlatformReviewer.objects.filter(platform=platform, step=step).values_list("reviewer_id", flat=True)
    )
    for pk, reviewer in wanted.items():
        if pk not in existing:
            row = PlatformReviewer(platform=platform, step=step, reviewer=reviewer, created_by=user)
            row.full_clean()
            row.save()


# Content items --------------------------------------------------------------------------------


def _lock(item: ContentItem) -> ContentItem:
    return ContentItem.objects.select_for_update().select_related("platform").get(pk=item.pk)


def _clean_text(title: str, body: str) -> tuple[str, str]:
    title = (title or "").strip()
    body = (body or "").strip()
    errors = {}
    if not title:
        errors["title"] = _("Give the title.")
    if not body:
        errors["body"] = _("Write the content.")
    if errors:
        raise ValidationError(errors)
    return title, body


def _add_revision(*, item: ContentItem, title: str, body: str, user, at=None) -> ContentRevision:
    number = (item.revisions.aggregate(last=Max("number"))["last"] or 0) + 1
    revision = ContentRevision(
        item=item,
        number=number,
        title=title,
        body=body,
        sha256=content_digest(title, body),
        created_by=user,
        created_at=_moment(at),
    )
    revision.full_clean()
    revision.save()
    return revision


@transaction.atomic
def content_item_create(
    *, platform: Platform, title: str, body: str, author, sensitivity: str = "normal", at=None
) -> ContentItem:
    """A draft with its first revision."""
    title, body = _clean_text(title, body)
    if platform.is_physical:
        raise ValidationError(
            {"platform": _("Content items are for online platforms; record physical positions as updates.")}
        )
    if not platform.is_active:
        raise ValidationError({"platform": _("This platform is no longer in use.")})
    item = ContentItem(
        platform=platform,
        title=title,
        author=author,
        sensitivity=sensitivity,
        created_by=author,
        created_at=_moment(at),
    )
    item.full_clean()
    item.save()
    item.current_revision = _add_revision(item=item, title=title, body=body, user=author, at=item.created_at)
    item.save(update_fields=["current_revision", "updated_at"])
    return item


@transaction.atomic
def content_item_edit(
    *, item: ContentItem, user, title: str, body: str, sensitivity: str | None = None, at=None
) -> ContentItem:
    """Save an edit as a new revision. An edit after any sign-off voids the round's sign-offs (a
    chain row says so) and the review restarts at 初审; published items are never edited."""
    item = _lock(item)
    if not can_edit_item(user, item):
        if not item.is_editable:
            raise ValidationError(_("A published or taken-down item cannot be edited."), code="not_editable")
        raise ValidationError(_("Only the author or a reviewer of this item may edit it."), code="forbidden")
    title, body = _clean_text(title, body)
    sensitivity = sensitivity or item.sensitivity
    if sensitivity not in ContentItem.Sensitivity.values:
        raise ValidationError({"sensitivity": _("Choose a sensitivity level.")})
    # Every item is created together with its first revision (content_item_create).
    current = cast(ContentRevision, item.current_revision)
    if current.title == title and current.body == body and sensitivity == item.sensitivity:
        return item
    signed = item.signoffs.filter(review_round=item.review_round, decision=SignOff.Decision.APPROVE)
    restart = item.status in (Status.IN_REVIEW, Status.APPROVED) and (
        signed.exists() or item.status == Status.APPROVED
    )
    if restart:
        _append_signoff(
            item=item,
            revision=current,
            step=item.current_step or Step.FINAL,
            decision=SignOff.Decision.VOID,
            opinion=_("Edited after sign-off: the sign-offs of this round no longer count."),
            signer=user,
            at=at,
        )
    item.current_revision = (
        current
        if (current.title, current.body) == (title, body)
        else _add_revision(item=item, title=title, body=body, user=user, at=at)
    )
    item.title = title
    item.sensitivity = sensitivity
    if item.status in (Status.IN_REVIEW, Status.APPROVED):
        _start_round(item, at=at)
    item.full_clean()
    item.save()
    return item


def _start_round(item: ContentItem, at=None) -> None:
    item.review_round += 1
    item.status = Status.IN_REVIEW
    item.current_step = Step.FIRST
    item.step_entered_at = _moment(at)
    item.approved_revision = None
    item.final_approved_at = None


@transaction.atomic
def content_item_submit(*, item: ContentItem, user, at=None) -> ContentItem:
    """The author sends a draft (or a returned item) to review; it starts at 初审 in a new round.
    Steps without reviewers of their own take the platform's default reviewers."""
    item = _lock(item)
    if item.author_id != user.pk:
        raise ValidationError(_("Only the author submits an item for review."), code="forbidden")
    if item.status not in (Status.DRAFT, Status.REJECTED):
        raise ValidationError(_("Only a draft or a returned item can be submitted."), code="bad_state")
    defaults: dict[str, list] = {}
    for row in PlatformReviewer.objects.filter(platform=item.platform).select_related("reviewer"):
        defaults.setdefault(row.step, []).append(row.reviewer)
    assigned = set(item.assignments.filter(is_active=True).values_list("step", flat=True))
    for step in item.required_steps:
        if step in assigned:
            continue
        reviewers = [reviewer for reviewer in defaults.get(step, []) if reviewer.pk != item.author_id]
        if not reviewers:
            raise ValidationError(
                _("No reviewer for the %(step)s: assign one to the item or to the platform.")
                % {"step": Step(step).label},
                code="no_reviewer",
            )
        for reviewer in reviewers:
            _grant(item=item, step=step, reviewer=reviewer, user=user)
    _start_round(item, at=at)
    item.save()
    return item


def _grant(*, item: ContentItem, step: str, reviewer, user) -> ReviewAssignment:
    assignment = ReviewAssignment(item=item, step=step, reviewer=reviewer, created_by=user)
    assignment.full_clean(validate_constraints=False)
    assignment.save()
    assign_perm(f"positions.{STEP_PERMISSIONS[step]}", reviewer, item)
    return assignment


@transaction.atomic
def content_item_assign_reviewers(
    *, item: ContentItem, step: str, reviewers: list, user
) -> list[ReviewAssignment]:
    """Make ``reviewers`` the reviewers of ``step`` on this item: grants for the new ones, and the
    grants of those no longer assigned removed."""
    item = _lock(item)
    if not can_assign_reviewers(user, item):
        raise ValidationError(_("You may not assign the reviewers of this item."), code="forbidden")
    if step not in item.required_steps:
        raise ValidationError(_("This item has no such review step."), code="bad_step")
    if not reviewers:
        raise ValidationError(_("Choose at least one reviewer."), code="required")
    writers = item_writer_ids(item)
    if any(reviewer.pk in writers for reviewer in reviewers):
        raise ValidationError(
            _("Someone who wrote or edited this item cannot review it: %(names)s.")
            % {"names": "、".join(str(reviewer) for reviewer in reviewers if reviewer.pk in writers)},
            code="own_item",
        )
    if item.status in (Status.PUBLISHED, Status.TAKEN_DOWN):
        raise ValidationError(_("The review of this item is over."), code="bad_state")
    wanted = {reviewer.pk: reviewer for reviewer in reviewers}
    now = timezone.now()
    for assignment in item.assignments.filter(step=step, is_active=True).select_related("reviewer"):
        if assignment.reviewer_id in wanted:
            wanted.pop(assignment.reviewer_id)
            continue
        assignment.is_active = False
        assignment.ended_at = now
        assignment.save(update_fields=["is_active", "ended_at", "updated_at"])
        remove_perm(f"positions.{STEP_PERMISSIONS[step]}", assignment.reviewer, item)
    created = [_grant(item=item, step=step, reviewer=reviewer, user=user) for reviewer in wanted.values()]
    return created


ALREADY_SIGNED = gettext_lazy("This step has already been signed by someone else.")
CHAIN_BROKEN = gettext_lazy("The sign-off chain is broken: ask an administrator to check it.")


def _chain_broken() -> ValidationError:
    return ValidationError(CHAIN_BROKEN, code="chain_broken")


def _locked_head() -> SignOffChainHead:
    """The chain head, locked; refused when the chain's tail does not match it (a row past the
    head, the head's row gone or changed, or the head itself gone while rows remain): nobody signs
    or publishes onto a chain that was tampered with, and the next row never collides with a
    forged one. The tail is the sign-offs' and the publications' together (one sequence)."""
    from .chain import PUBLICATION_ROW_COLUMNS, ROW_COLUMNS, link_hash, publication_link_hash

    head = SignOffChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        if SignOff.objects.exists() or Publication.objects.filter(sequence__isnull=False).exists():
            raise _chain_broken()
        head, _created = SignOffChainHead.objects.select_for_update().get_or_create(pk=1)
    tail = sorted(
        [
            *SignOff.objects.filter(sequence__gte=head.last_sequence)
            .order_by("sequence")
            .values_list(*ROW_COLUMNS)[:2],
            *Publication.objects.filter(sequence__gte=head.last_sequence)
            .order_by("sequence")
            .values_list(*PUBLICATION_ROW_COLUMNS)[:2],
        ],
        key=lambda row: row[0],
    )
    if head.last_sequence == 0:
        if tail:
            raise _chain_broken()
        return head
    if len(tail) != 1 or tail[0][0] != head.last_sequence:
        raise _chain_broken()
    row = tail[0]
    if len(row) == len(PUBLICATION_ROW_COLUMNS):
        valid = publication_link_hash(row[-2], row[:-2]) == row[-1]
    else:
        valid = link_hash(row[14], row[:14]) == row[15]
    if row[-1] != head.last_hash or not valid:
        raise _chain_broken()
    return head


def _append_signoff(*, item, revision, step, decision, opinion, signer, at=None) -> SignOff:
    """Append one row to the chain under the lock of its head, so rows never fork."""
    head = _locked_head()
    signed_at = _moment(at)
    last = SignOff.objects.filter(sequence=head.last_sequence).values_list("signed_at", flat=True).first()
    if last is not None and signed_at < last:
        raise ValidationError(
            _("A sign-off cannot be dated before the one recorded before it."), code="out_of_order"
        )
    row = SignOff(
        sequence=head.last_sequence + 1,
        item=item,
        revision=revision,
        content_sha256=revision.sha256,
        review_round=item.review_round,
        step=step,
        decision=decision,
        opinion=opinion,
        signer=signer,
        signer_name=signer.real_name or signer.username,
        signer_title=signer.title,
        signed_at=signed_at,
        previous_hash=head.last_hash or GENESIS_HASH,
        created_by=signer,
    )
    row.chain_hash = row.compute_chain_hash(row.previous_hash)
    try:
        row.full_clean()
    except ValidationError as error:
        if "sequence" in getattr(error, "error_dict", {}):
            raise _chain_broken() from error
        raise
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError as error:
        raise _chain_broken() from error
    head.last_sequence = row.sequence
    head.last_hash = row.chain_hash
    head.save()
    return row


def _already_signed(user, item: ContentItem) -> bool:
    """Whether a step this person was to sign is already signed in the item's current round: the
    other reviewer of the step came first."""
    signed = set(
        item.signoffs.filter(
            review_round=item.review_round, decision=SignOff.Decision.APPROVE, step__in=REVIEW_STEP_VALUES
        ).values_list("step", flat=True)
    )
    return any(has_step_grant(user, item, step) for step in signed)


@transaction.atomic
def content_item_sign(
    *, item: ContentItem, user, decision: str, opinion: str, revision_id: int | None = None, at=None
) -> list[SignOff]:
    """The reviewer of the current step approves (with the step's proofreads) or returns the item.

    The item row is locked first, so of two reviewers acting at once the second sees the step
    already signed. ``revision_id`` is the revision the reviewer read: a newer one means they
    approved text they have not seen, and nothing is signed."""
    item = _lock(item)
    opinion = (opinion or "").strip()
    _check_waiting_for(item, user)
    step = item.current_step
    _check_reviewer(item, user, step, revision_id)
    if decision not in (SignOff.Decision.APPROVE, SignOff.Decision.REJECT):
        raise ValidationError({"decision": _("Choose to approve or to return.")})
    if not opinion:
        raise ValidationError({"opinion": _("Write your opinion: every review level gives one.")})
    revision = item.current_revision
    sign = functools.partial(_append_signoff, item=item, revision=revision, signer=user, at=at)
    if decision == SignOff.Decision.REJECT:
        rows = [sign(step=step, decision=decision, opinion=opinion)]
        item.status = Status.REJECTED
        item.current_step = ""
        item.step_entered_at = None
        item.save()
        return rows
    proofread = _("Proofread with the %(step)s.") % {"step": Step(step).label}
    rows = [
        sign(step=proof, decision=decision, opinion=proofread) for proof in item.platform.proofreads_for(step)
    ]
    rows.append(sign(step=step, decision=decision, opinion=opinion))
    _advance(item, step, revision=revision, signed_at=rows[-1].signed_at)
    return rows


def _check_waiting_for(item: ContentItem, user) -> None:
    """The item waits for a review; if it no longer does because this person's step was just
    signed by the other reviewer, say so."""
    if (item.status != Status.IN_REVIEW or not item.current_step) and item.status != Status.DRAFT:
        if item.review_round and _already_signed(user, item):
            raise ValidationError(ALREADY_SIGNED, code="already_signed")
    if item.status != Status.IN_REVIEW or not item.current_step:
        raise ValidationError(_("This item is not waiting for review."), code="bad_state")


def _check_reviewer(item: ContentItem, user, step: str, revision_id: int | None) -> None:
    """This person may sign this step of the revision they read: not a writer of the item, a
    reviewer of the step, on the current revision, and no other review of this round signed."""
    if user.pk in item_writer_ids(item):
        raise ValidationError(
            _("You wrote or edited this item: you cannot review or proofread it."), code="own_item"
        )
    if not has_step_grant(user, item, step):
        if _already_signed(user, item):
            raise ValidationError(ALREADY_SIGNED, code="already_signed")
        raise ValidationError(
            _("You are not a reviewer of the %(step)s of this item.") % {"step": Step(step).label},
            code="forbidden",
        )
    if revision_id is not None and int(revision_id) != item.current_revision_id:
        raise ValidationError(
            _("The content changed while you were reading it. Read the new revision and sign again."),
            code="stale_revision",
        )
    other_reviews = (
        item.signoffs.filter(
            review_round=item.review_round,
            signer=user,
            decision=SignOff.Decision.APPROVE,
            step__in=REVIEW_STEP_VALUES,
        )
        .exclude(step=step)
        .exists()
    )
    if other_reviews:
        raise ValidationError(_("Nobody signs two of the reviews of one item."), code="two_reviews")


def _advance(item: ContentItem, step: str, *, revision, signed_at) -> None:
    """After an approval: on to the next required step, or approved when it was the last."""
    steps = item.required_steps
    position = steps.index(step)
    if position + 1 < len(steps):
        item.current_step = steps[position + 1]
        item.step_entered_at = signed_at
    else:
        item.status = Status.APPROVED
        item.current_step = ""
        item.step_entered_at = None
        item.approved_revision = revision
        item.final_approved_at = signed_at
    item.save()


def approval_problems(item: ContentItem) -> list[str]:
    """Why the item's approved revision may not be published; empty when it may."""
    problems = []
    revision = item.approved_revision
    if item.status != Status.APPROVED or revision is None:
        return [_("Only an item that passed the final review can be published.")]
    if revision.pk != item.current_revision_id:
        problems.append(_("The approved revision is not the current one."))
    if content_digest(revision.title, revision.body) != revision.sha256:
        problems.append(_("The approved revision's content does not match its hash."))
    signed = {
        row.step: row
        for row in item.signoffs.filter(review_round=item.review_round, decision=SignOff.Decision.APPROVE)
    }
    for step in item.required_steps:
        row = signed.get(step)
        if row is None:
            problems.append(_("The %(step)s is not signed.") % {"step": Step(step).label})
        elif row.revision_id != revision.pk or row.content_sha256 != revision.sha256:
            problems.append(_("The %(step)s approved another text.") % {"step": Step(step).label})
    if (
        item.signoffs.filter(review_round=item.review_round)
        .exclude(decision=SignOff.Decision.APPROVE)
        .exists()
    ):
        problems.append(_("This round of review has a return or a void."))
    return problems


@transaction.atomic
def content_item_publish(
    *,
    item: ContentItem,
    user,
    published_at: datetime.datetime | None = None,
    url: str = "",
    post_id: str = "",
) -> Publication:
    """Publish exactly the finally approved revision, after checking its signatures again."""
    item = _lock(item)
    if not can_publish(user, item):
        raise ValidationError(_("Only the person responsible for the platform publishes."), code="forbidden")
    problems = approval_problems(item)
    if problems:
        raise ValidationError(problems, code="not_approved")
    if not (url or "").strip() and not (post_id or "").strip():
        raise ValidationError({"url": _("Give the address or the post id of what was published.")})
    publication = Publication(
        item=item,
        revision=item.approved_revision,
        published_at=_moment(published_at),
        published_by=user,
        url=(url or "").strip(),
        post_id=(post_id or "").strip(),
        # approval_problems() above refuses an item without an approved revision.
        content_sha256=cast(ContentRevision, item.approved_revision).sha256,
        created_by=user,
    )
    if item.final_approved_at and publication.published_at < item.final_approved_at:
        raise ValidationError({"published_at": _("An item cannot be published before its final review.")})
    publication.full_clean()
    publication.seal = publication.compute_seal()
    # The publication takes the next place in the sign-off chain, under the head's lock.
    head = _locked_head()
    publication.sequence = head.last_sequence + 1
    publication.previous_hash = head.last_hash or GENESIS_HASH
    publication.chain_hash = publication.compute_chain_hash(publication.previous_hash)
    try:
        with transaction.atomic():
            publication.save()
    except IntegrityError as error:
        raise _chain_broken() from error
    head.last_sequence = publication.sequence
    head.last_hash = publication.chain_hash
    head.save()
    item.status = Status.PUBLISHED
    item.save(update_fields=["status", "updated_at"])
    return publication


@transaction.atomic
def publication_act(*, item: ContentItem, user, kind: str, reason: str, at=None) -> PublicationAction:
    """Take a published item down, or record a correction of it, with the reason."""
    item = _lock(item)
    if not can_publish(user, item):
        raise ValidationError(_("Only the person responsible for the platform does this."), code="forbidden")
    if item.status != Status.PUBLISHED:
        raise ValidationError(_("Only a published item can be taken down or corrected."), code="bad_state")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason.")})
    if kind not in PublicationAction.Kind.values:
        raise ValidationError({"kind": _("Choose a takedown or a correction.")})
    action = PublicationAction(
        publication=item.publication,
        kind=kind,
        reason=reason,
        acted_at=_moment(at),
        acted_by=user,
        created_by=user,
    )
    action.full_clean()
    action.save()
    if kind == PublicationAction.Kind.TAKEDOWN:
        item.status = Status.TAKEN_DOWN
        item.save(update_fields=["status", "updated_at"])
    return action


def content_item_mark_seen(*, item: ContentItem, user) -> ContentRevision | None:
    """Remember the revision the person sees now; returns the one they saw before (or None)."""
    view = ContentItemView.objects.filter(item=item, user=user).select_related("revision").first()
    previous = view.revision if view else None
    if view is None:
        ContentItemView.objects.create(item=item, user=user, revision=item.current_revision, created_by=user)
    elif view.revision_id != item.current_revision_id:
        view.revision = item.current_revision
        view.save(update_fields=["revision", "updated_at"])
    return previous


# Physical positions ---------------------------------------------------------------------------


@transaction.atomic
def physical_update_record(
    *,
    platform: Platform,
    user,
    content: str,
    start_date: datetime.date,
    approved_by,
    photo,
    end_date: datetime.date | None = None,
    note: str = "",
) -> PhysicalUpdate:
    """Record a content change of a physical position with its approval and a photo of it."""
    if not platform.is_physical:
        raise ValidationError({"platform": _("Choose a physical position.")})
    if not can_record_physical_update(user, platform):
        raise ValidationError(_("You may not record changes of this position."), code="forbidden")
    if photo is None:
        raise ValidationError({"photo": _("Add a photo of the posted content.")})
    kind = evidence_file_validate(photo)
    if not kind.mime_type.startswith("image/"):
        raise ValidationError({"photo": _("The photo must be an image.")})
    if approved_by is None:
        raise ValidationError({"approved_by": _("Name who approved the content.")})
    update = PhysicalUpdate(
        platform=platform,
        content=(content or "").strip(),
        start_date=start_date,
        end_date=end_date,
        approved_by=approved_by,
        note=(note or "").strip(),
        created_by=user,
    )
    update.full_clean()
    update.save()
    attachment_add(
        record=update, uploaded_file=photo, user=user, description=_("Photo of the posted content")
    )
    # The "not updated" reminders of the position are answered by this change (unless it was
    # an old change recorded late and the position is still stale).
    from .reminders import physical_done_ids

    if physical_done_ids([platform.pk]):
        reminders_cancel_for(platform)
    return update


# Key dates and publicity tasks ---------------------------------------------------------------


@transaction.atomic
def key_date_save(*, key_date: KeyDate, user) -> KeyDate:
    if not is_manager(user):
        raise ValidationError(_("Only leaders and administrators keep the calendar."), code="forbidden")
    if key_date.pk is None:
        key_date.created_by = user
    _key_date_validate(key_date)
    key_date.save()
    return key_date


KEY_DATE_FIELDS = editable_fields(KeyDate)


def _key_date_validate(key_date: KeyDate) -> None:
    key_date.full_clean()
    try:
        key_date.occurrence(timezone.localdate().year)
    except ValueError as error:
        raise ValidationError(_("This month and day do not make a date."), code="bad_date") from error


@transaction.atomic
def key_date_update(*, key_date: KeyDate, user, **fields) -> KeyDate:
    if not is_manager(user):
        raise ValidationError(_("Only leaders and administrators keep the calendar."), code="forbidden")
    locked, _changed = model_update(
        instance=key_date, fields=KEY_DATE_FIELDS, data=fields, validate=_key_date_validate
    )
    return locked


@transaction.atomic
def publicity_task_create(
    *, key_date: KeyDate, year: int, title: str, owner, deadline: datetime.date, user, platform=None
) -> PublicityTask:
    if not can_plan_tasks(user):
        raise ValidationError(_("You may not plan publicity tasks."), code="forbidden")
    task = PublicityTask(
        key_date=key_date,
        year=year,
        title=(title or "").strip(),
        owner=owner,
        deadline=deadline,
        platform=platform,
        created_by=user,
    )
    task.full_clean()
    if deadline > key_date.occurrence(year):
        raise ValidationError({"deadline": _("The deadline must not be after the key date.")})
    task.save()
    # A task planned close to its deadline is reminded of at once.
    from .reminders import KEY_DATE

    reminders_plan_for(source_key=KEY_DATE, object_ids=[task.pk])
    return task


@transaction.atomic
def publicity_task_complete(*, task: PublicityTask, user, at=None) -> PublicityTask:
    task = PublicityTask.objects.select_for_update().get(pk=task.pk)
    if not can_complete_task(user, task):
        raise ValidationError(_("Only the owner completes this task."), code="forbidden")
    if task.status == PublicityTask.Status.DONE:
        raise ValidationError(_("This task is already done."), code="bad_state")
    task.status = PublicityTask.Status.DONE
    task.done_at = _moment(at)
    task.save(update_fields=["status", "done_at", "updated_at"])
    reminders_cancel_for(task)
    return task
