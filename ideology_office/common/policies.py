"""Record policies: one object per record kind answers, for every door of the product, both
"may this person do ACTION to this record" and "which records may this person see".

Each work area defines its policies in its ``permissions.py`` and registers them from ``ready()``.
Detail pages, lists, exports, ledgers, dashboard panels, the report's drill-down lists, evidence
downloads, the admin, imports and commands all ask the same policy. A record kind without a policy
is visible to nobody through the shared views, so forgetting to register one fails closed.

How refusals look (the same in every area):

* something the person may not **see** answers 404, so a guessed id tells nothing;
* an action on something they may see but may not **do** answers 403, with a Chinese page saying
  why (``PermissionDenied(reason)``), and the button is absent with the same reason beside it.
"""

from __future__ import annotations

from enum import StrEnum

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _


class Action(StrEnum):
    VIEW = "view"
    # Edit the record and add evidence to it.
    CHANGE = "change"
    # Mark the record void (作废) with a reason; it stays in every ledger.
    VOID = "void"


class RecordPolicy:
    """The rules of one record kind. Subclasses override ``visible`` and the ``can_*`` they allow;
    everything not overridden is refused."""

    #: Related rows every page of the record shows: fetched with the record in one query.
    select_related: tuple[str, ...] = ()

    def __init__(self, model: type[models.Model]):
        self.model = model

    # --- which records -------------------------------------------------------------------------
    def visible(self, user, queryset: QuerySet) -> QuerySet:
        """The part of ``queryset`` the person may see: a plain filter, one query, no per-row checks."""
        return queryset.none()

    # --- this record ---------------------------------------------------------------------------
    def can_view(self, user, record) -> bool:
        return self.visible(user, self.model._base_manager.filter(pk=record.pk)).exists()

    def can_change(self, user, record) -> bool:
        return False

    def can_void(self, user, record) -> bool:
        return not getattr(record, "is_voided", True) and self.can_change(user, record)

    def refusal(self, user, action: str, record) -> str:
        """Why the person may not do ``action``: shown on the 403 page and beside absent buttons."""
        if getattr(record, "is_voided", False):
            return _("This record was voided and can no longer be changed.")
        return _("You do not have the right to do this to this record.")

    def allows(self, user, action: str, record) -> bool:
        if not (user is not None and user.is_authenticated and user.is_active):
            return False
        check = getattr(self, f"can_{action}", None)
        return bool(check and check(user, record))


_policies: dict[str, RecordPolicy] = {}


def register_policy(model: type[models.Model], policy_class: type[RecordPolicy]) -> RecordPolicy:
    policy = policy_class(model)
    _policies[model._meta.label] = policy
    return policy


def unregister_policy(model: type[models.Model]) -> None:
    _policies.pop(model._meta.label, None)


def policy_for(model_or_record) -> RecordPolicy | None:
    model = model_or_record if isinstance(model_or_record, type) else type(model_or_record)
    return _policies.get(model._meta.label)


def registered_models() -> list[type[models.Model]]:
    return [policy.model for policy in _policies.values()]


def _queryset(model_or_queryset) -> QuerySet:
    if isinstance(model_or_queryset, QuerySet):
        return model_or_queryset
    return model_or_queryset._default_manager.all()


def visible_to(user, model_or_queryset) -> QuerySet:
    """The records of a kind (or of a queryset) that the person may see; none without a policy."""
    queryset = _queryset(model_or_queryset)
    policy = policy_for(queryset.model)
    if policy is None or user is None or not user.is_authenticated or not user.is_active:
        return queryset.none()
    return policy.visible(user, queryset)


def can(user, action: str, record: models.Model | None) -> bool:
    """May the person do ``action`` (see :class:`Action`) to ``record``? No policy, no."""
    policy = policy_for(record) if record is not None else None
    return bool(policy and policy.allows(user, action, record))


def refusal(user, action: str, record: models.Model) -> str:
    policy = policy_for(record)
    return policy.refusal(user, action, record) if policy else _("You do not have access to this page.")


def require(user, action: str, record: models.Model) -> None:
    """Raise 403 with the reason, when the person may see ``record`` but not do ``action``."""
    if not can(user, action, record):
        raise PermissionDenied(refusal(user, action, record))


def get_or_404(user, model_or_queryset, pk, *, action: str = Action.VIEW):
    """The record, if the person may see it (404 otherwise, whatever the reason) and, for another
    action, may do it (403 with the reason otherwise)."""
    queryset = _queryset(model_or_queryset)
    policy = policy_for(queryset.model)
    if policy is None:
        raise Http404
    if policy.select_related and not queryset.query.select_related:
        queryset = queryset.select_related(*policy.select_related)
    try:
        record = visible_to(user, queryset).filter(pk=pk).first()
    except (TypeError, ValueError) as error:
        raise Http404 from error
    if record is None:
        raise Http404
    if action != Action.VIEW:
        require(user, action, record)
    return record


def _own_grants(user, permission: str, model: type[models.Model]) -> QuerySet | None:
    """The django-guardian grants of ``permission`` made to this very person on records of
    ``model``; None for nobody signed in or an inactive account, who holds none."""
    from django.contrib.contenttypes.models import ContentType
    from guardian.models import UserObjectPermission

    if user is None or not user.is_authenticated or not user.is_active:
        return None
    return UserObjectPermission.objects.filter(
        user=user,
        content_type=ContentType.objects.get_for_model(model),
        permission__codename=permission.split(".", 1)[-1],
    )


def has_own_grant(user, permission: str, record: models.Model) -> bool:
    """A django-guardian grant made to this very person on this record. Deliberately not
    ``user.has_perm``: that answers yes to every superuser, and a grant (a reviewer's step, a
    responsible person's progress) is personal: nobody bypasses it. Not a grant made to a group
    either, as :func:`own_grant_pks` for a list."""
    grants = _own_grants(user, permission, type(record))
    return grants is not None and grants.filter(object_pk=str(record.pk)).exists()


def own_grant_pks(user, permission: str, model: type[models.Model]) -> QuerySet:
    """The primary keys of the records of ``model`` on which this very person holds a
    django-guardian grant (the rule of :func:`has_own_grant`, for many records), as a subquery
    for ``pk__in``. Read as integers through the grants' index: guardian's own
    ``get_objects_for_user`` compares every record's key as text, a scan of all 50,000 tasks a
    page at county scale (bench/README-load.md)."""
    from django.db.models import BigIntegerField
    from django.db.models.functions import Cast
    from guardian.models import UserObjectPermission

    grants = _own_grants(user, permission, model)
    if grants is None:
        return UserObjectPermission.objects.none().values("pk")
    return grants.annotate(record=Cast("object_pk", BigIntegerField())).values("record")


class AttachmentPolicy(RecordPolicy):
    """Evidence follows the record it belongs to: seen by whoever sees the record, voided by
    whoever may change it. Never deleted."""

    def visible(self, user, queryset):
        from django.contrib.contenttypes.models import ContentType
        from django.db.models import CharField, Q
        from django.db.models.functions import Cast

        query = Q(pk__in=[])
        for policy in list(_policies.values()):
            if policy is self:
                continue
            content_type = ContentType.objects.get_for_model(policy.model)
            owners = visible_to(user, policy.model._base_manager.all())
            if not owners.query.where and not owners.query.is_empty():
                # The person sees every record of this kind: no need to list them.
                query |= Q(content_type=content_type)
                continue
            owners = owners.annotate(key=Cast("pk", output_field=CharField()))
            query |= Q(content_type=content_type, object_id__in=owners.values("key"))
        return queryset.filter(query)

    def can_view(self, user, record):
        owner = record.record
        return owner is not None and can(user, Action.VIEW, owner)

    def can_change(self, user, record):
        owner = record.record
        return not record.is_voided and owner is not None and can(user, Action.CHANGE, owner)


# The names the evidence views and templates use.
def can_view_record(user, record) -> bool:
    return can(user, Action.VIEW, record)


def can_change_record(user, record) -> bool:
    return can(user, Action.CHANGE, record)
