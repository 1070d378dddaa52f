"""Who may see and do what in the positions work area. One place answers every such question."""

from __future__ import annotations

from django.db.models import Q
from django.http import Http404
from guardian.shortcuts import get_user_perms

from ideology_office.accounts.roles import Role
from ideology_office.common.access import register_record_policy

from .models import ContentItem, PhysicalUpdate, Platform, PublicityTask, SignOff

STEP_PERMISSIONS = {
    SignOff.Step.FIRST: "sign_first",
    SignOff.Step.SECOND: "sign_second",
    SignOff.Step.FINAL: "sign_final",
    SignOff.Step.LEADER: "sign_leader",
}


def is_manager(user) -> bool:
    """Leaders and administrators oversee every position."""
    return user.is_authenticated and (user.has_role(Role.LEADER) or user.has_role(Role.ADMIN))


def has_any_role(user) -> bool:
    return user.is_authenticated and bool(user.role_names)


def visible_items_filter(user) -> Q:
    """Items a person may see: their own, those they review or reviewed, those of the platforms they
    are responsible for, those of their section when they head it; everything for managers."""
    if is_manager(user):
        return Q()
    query = Q(author=user) | Q(assignments__reviewer=user) | Q(platform__responsible_person=user)
    if user.has_role(Role.SECTION_HEAD) and user.section_id:
        query |= Q(author__section_id=user.section_id)
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
    return user.is_authenticated and (
        item.platform.responsible_person_id == user.pk or user.has_role(Role.ADMIN)
    )


def has_step_grant(user, item: ContentItem, step: str) -> bool:
    """A guardian grant made to this very person on this item. Deliberately not ``user.has_perm``:
    that answers yes to every superuser, and there is no bypass of the review."""
    codename = STEP_PERMISSIONS.get(step)
    if codename is None or not user.is_authenticated or not user.is_active:
        return False
    return get_user_perms(user, item).filter(codename=codename).exists()


def can_manage_platform(user, platform: Platform) -> bool:
    return is_manager(user) or platform.responsible_person_id == user.pk


def can_record_physical_update(user, platform: Platform) -> bool:
    return platform.is_physical and can_manage_platform(user, platform)


def can_view_physical_update(user, update: PhysicalUpdate) -> bool:
    return has_any_role(user)


def can_change_physical_update(user, update: PhysicalUpdate) -> bool:
    return not update.is_voided and can_manage_platform(user, update.platform)


def can_plan_tasks(user) -> bool:
    return is_manager(user) or (user.is_authenticated and user.has_role(Role.SECTION_HEAD))


def can_complete_task(user, task: PublicityTask) -> bool:
    return task.owner_id == user.pk or is_manager(user)


def access_item(user, pk) -> ContentItem:
    """The item, if the person may see it; 404 otherwise, so a guessed id tells nothing."""
    item = (
        visible_items(user, ContentItem.objects.select_related("platform__responsible_person", "author"))
        .filter(pk=pk)
        .first()
    )
    if item is None:
        raise Http404
    return item


def access_platform(user, pk) -> Platform:
    if not has_any_role(user):
        raise Http404
    platform = Platform.objects.select_related("responsible_person").filter(pk=pk).first()
    if platform is None:
        raise Http404
    return platform


def access_physical_update(user, pk) -> PhysicalUpdate:
    update = (
        PhysicalUpdate.objects.select_related("platform", "approved_by", "created_by").filter(pk=pk).first()
    )
    if update is None or not can_view_physical_update(user, update):
        raise Http404
    return update


def access_task(user, pk) -> PublicityTask:
    if not has_any_role(user):
        raise Http404
    task = PublicityTask.objects.select_related("key_date", "owner").filter(pk=pk).first()
    if task is None:
        raise Http404
    return task


def register_policies() -> None:
    register_record_policy(ContentItem, can_view=can_view_item, can_change=can_edit_item)
    register_record_policy(
        PhysicalUpdate, can_view=can_view_physical_update, can_change=can_change_physical_update
    )
