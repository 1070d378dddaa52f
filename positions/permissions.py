"""Who may see and do what in the positions work area. One place answers every such question."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _

from ideology_office.accounts import roles
from ideology_office.common.policies import RecordPolicy, get_or_404, has_own_grant, register_policy

from .models import ContentItem, KeyDate, PhysicalUpdate, Platform, PublicityTask, SignOff

STEP_PERMISSIONS: dict[str, str] = {
    SignOff.Step.FIRST: "sign_first",
    SignOff.Step.SECOND: "sign_second",
    SignOff.Step.FINAL: "sign_final",
    SignOff.Step.LEADER: "sign_leader",
}


def is_manager(user) -> bool:
    """Leaders and administrators oversee every position."""
    return roles.has_role(user, roles.Role.LEADER, roles.Role.ADMIN)


has_any_role = roles.has_any_role


def visible_items_filter(user) -> Q:
    """Items a person may see: their own, those they review or reviewed, those of the platforms they
    are responsible for, those of their section when they head it; everything for managers."""
    if is_manager(user):
        return Q()
    query = Q(author=user) | Q(assignments__reviewer=user) | Q(platform__responsible_person=user)
    if roles.headed_section_ids(user):
        query |= Q(author__section_id__in=roles.headed_section_ids(user))
    return query


def visible_items(user, queryset=None):
    queryset = ContentItem.objects.all() if queryset is None else queryset
    if not has_any_role(user):
        return queryset.none()
    if is_manager(user):
        return queryset
    visible = ContentItem.objects.filter(visible_items_filter(user)).values("pk")
    return queryset.filter(pk__in=visible)


def can_view_item(user, item: ContentItem) -> bool:
    return has_any_role(user) and visible_items(user).filter(pk=item.pk).exists()


def can_edit_item(user, item: ContentItem) -> bool:
    """The author edits; so do the item's active reviewers (editing restarts the review)."""
    if not item.is_editable or not user.is_authenticated:
        return False
    return item.author_id == user.pk or item.assignments.filter(reviewer=user, is_active=True).exists()


def can_assign_reviewers(user, item_or_platform) -> bool:
    platform = item_or_platform if isinstance(item_or_platform, Platform) else item_or_platform.platform
    return is_manager(user) or platform.responsible_person_id == user.pk


def can_publish(user, item: ContentItem) -> bool:
    """The person responsible for the platform (专人负责) publishes, and administrators."""
    return item.platform.responsible_person_id == user.pk or roles.is_admin(user)


def has_step_grant(user, item: ContentItem, step: str) -> bool:
    """A guardian grant made to this very person on this item: there is no bypass of the review."""
    codename = STEP_PERMISSIONS.get(step)
    return codename is not None and has_own_grant(user, codename, item)


def item_writer_ids(item: ContentItem) -> set[int]:
    """Everyone who wrote or edited any revision of the item, its author included: judged from the
    revisions (history), so handing the item to someone else later changes nothing. One query."""
    return {item.author_id, *item.revisions.values_list("created_by_id", flat=True)}


def sign_standing(user, item: ContentItem) -> tuple[bool, str | None]:
    """(whether the person may sign the item's current step now, why not): the reason is given
    only to a reviewer of the step who may not sign, None otherwise (then there is nothing to
    explain). One look at the grant, the writers and the round's signatures, for the page that
    needs both answers."""
    if item.status != ContentItem.Status.IN_REVIEW or not item.current_step:
        return False, None
    if not has_step_grant(user, item, item.current_step):
        return False, None
    if user.pk in item_writer_ids(item):
        return False, _("You wrote or edited this item: you cannot review or proofread it.")
    if signed_another_review(user, item):
        return False, _("You signed another review of this item in this round: nobody signs two of them.")
    return True, None


def signed_another_review(user, item: ContentItem) -> bool:
    return (
        item.signoffs.filter(
            review_round=item.review_round,
            signer=user,
            decision=SignOff.Decision.APPROVE,
            step__in=[SignOff.Step.FIRST, SignOff.Step.SECOND, SignOff.Step.FINAL],
        )
        .exclude(step=item.current_step)
        .exists()
    )


def can_manage_platform(user, platform: Platform) -> bool:
    return is_manager(user) or platform.responsible_person_id == user.pk


def can_record_physical_update(user, platform: Platform) -> bool:
    return platform.is_physical and can_manage_platform(user, platform)


def can_view_physical_update(user, update: PhysicalUpdate) -> bool:
    return has_any_role(user)


def can_change_physical_update(user, update: PhysicalUpdate) -> bool:
    return not update.is_voided and can_manage_platform(user, update.platform)


def can_plan_tasks(user) -> bool:
    return is_manager(user) or roles.is_section_head(user)


def can_complete_task(user, task: PublicityTask) -> bool:
    return task.owner_id == user.pk or is_manager(user)


class ContentItemPolicy(RecordPolicy):
    select_related = ("platform__responsible_person", "author")

    def visible(self, user, queryset):
        return visible_items(user, queryset)

    def can_change(self, user, record):
        return can_edit_item(user, record)


class _PositionsLedgerPolicy(RecordPolicy):
    """Platforms, physical updates and publicity tasks are read by everyone of the office."""

    def visible(self, user, queryset):
        return queryset if has_any_role(user) else queryset.none()


class PlatformPolicy(_PositionsLedgerPolicy):
    select_related = ("responsible_person",)

    def can_change(self, user, record):
        return can_manage_platform(user, record)


class PhysicalUpdatePolicy(_PositionsLedgerPolicy):
    select_related = ("platform", "approved_by", "created_by")

    def can_change(self, user, record):
        return can_change_physical_update(user, record)

    def can_void(self, user, record):
        # Whoever manages the position: its responsible person, leaders and administrators.
        return can_change_physical_update(user, record)


class KeyDatePolicy(_PositionsLedgerPolicy):
    def can_change(self, user, record):
        return is_manager(user)


class PublicityTaskPolicy(_PositionsLedgerPolicy):
    select_related = ("key_date", "owner")

    def can_change(self, user, record):
        return not record.is_voided and can_complete_task(user, record)

    def can_void(self, user, record):
        return not record.is_voided and can_plan_tasks(user)


def access_item(user, pk) -> ContentItem:
    """The item, if the person may see it; 404 otherwise, so a guessed id tells nothing."""
    return get_or_404(user, ContentItem, pk)


def access_platform(user, pk) -> Platform:
    return get_or_404(user, Platform, pk)


def access_physical_update(user, pk) -> PhysicalUpdate:
    return get_or_404(user, PhysicalUpdate, pk)


def access_task(user, pk) -> PublicityTask:
    return get_or_404(user, PublicityTask, pk)


def register_policies() -> None:
    register_policy(ContentItem, ContentItemPolicy)
    register_policy(Platform, PlatformPolicy)
    register_policy(PhysicalUpdate, PhysicalUpdatePolicy)
    register_policy(KeyDate, KeyDatePolicy)
    register_policy(PublicityTask, PublicityTaskPolicy)
