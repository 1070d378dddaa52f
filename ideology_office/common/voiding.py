"""Voiding (作废) any record kind through one flow: the shared page, the ``{% void_action %}`` tag on
every record page and the admin's "void the selected records" action all ask the record's policy
(``can_void``) and write through :func:`~ideology_office.common.services.record_void`.

Evidence files are judged by the record they belong to: whoever may change that record may void
its files (as on the record's evidence panel).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import models
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from . import policies
from .forms import VoidForm, apply_service_error, refusal_text
from .models import Attachment, VoidableModel
from .services import record_void


class RecordVoidForm(VoidForm):
    """The reason is required, with the product's own words when it is missing."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].error_messages["required"] = gettext_lazy("Give a reason for voiding.")


# --- who may void what ---------------------------------------------------------------------------
def _attachment_owner(attachment: Attachment):
    model = attachment.content_type.model_class()
    if model is None:
        return None
    try:
        return model._base_manager.get(pk=attachment.object_id)
    except (ObjectDoesNotExist, ValueError, ValidationError):
        return None


def is_voidable(model_or_record) -> bool:
    model = model_or_record if isinstance(model_or_record, type) else type(model_or_record)
    return issubclass(model, VoidableModel)


def can_see(user, record) -> bool:
    if isinstance(record, Attachment):
        owner = _attachment_owner(record)
        return owner is not None and policies.can_view_record(user, owner)
    return policies.can_view_record(user, record)


def can_void(user, record) -> bool:
    """May the person void ``record``: its policy's ``can_void`` (for an evidence file: may they change
    the record it belongs to). A voided record cannot be voided again."""
    if not is_voidable(record) or record.is_voided:
        return False
    if isinstance(record, Attachment):
        owner = _attachment_owner(record)
        return owner is not None and policies.can_change_record(user, owner)
    return policies.can(user, policies.Action.VOID, record)


def void_refusal(user, record) -> str:
    """Why the person may not void ``record`` (Chinese, shown on the 403 page and in the admin)."""
    if getattr(record, "is_voided", False):
        return _("This record was already voided.")
    if isinstance(record, Attachment):
        owner = _attachment_owner(record)
        if owner is None:
            return _("You do not have access to this page.")
        return policies.refusal(user, policies.Action.CHANGE, owner)
    return policies.refusal(user, policies.Action.VOID, record)


def record_label(record) -> str:
    return f"{record._meta.verbose_name}“{record}”"


def void_url(record) -> str:
    content_type = ContentType.objects.get_for_model(record)
    return reverse("common:record_void", args=[content_type.pk, record.pk])


# --- the shared page -----------------------------------------------------------------------------
def _record_or_404(user, content_type_id, object_id):
    """The record, if it is of a voidable kind and the person may see it; 404 otherwise, whatever
    the reason, so a guessed id tells nothing."""
    content_type = get_object_or_404(ContentType, pk=content_type_id)
    model = content_type.model_class()
    if model is None or not is_voidable(model):
        raise Http404
    if model is Attachment:
        try:
            record = Attachment.objects.select_related("content_type").get(pk=object_id)
        except (Attachment.DoesNotExist, ValueError, ValidationError) as error:
            raise Http404 from error
        if not can_see(user, record):
            raise Http404
        return record
    return policies.get_or_404(user, model, object_id)


def _safe_next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def _record_url(record, fallback: str) -> str:
    """The page to return to: the record's own (an evidence file's: its record's), else ``fallback``."""
    target = _attachment_owner(record) if isinstance(record, Attachment) else record
    url = target.get_absolute_url() if hasattr(target, "get_absolute_url") else ""
    return url or fallback or "/"


@require_http_methods(["GET", "POST"])
def record_void_page(request, content_type_id, object_id):
    """Void one record with a reason: GET shows the form, POST voids through ``record_void`` and
    returns to the record's page. Not visible: 404; visible but not the person's to void: 403 with
    the reason; already voided: said so, nothing written."""
    record = _record_or_404(request.user, content_type_id, object_id)
    next_url = _safe_next(request)
    back = _record_url(record, next_url)
    if record.is_voided:
        messages.info(request, _("This record was already voided."))
        return HttpResponseRedirect(back)
    if not can_void(request.user, record):
        raise PermissionDenied(void_refusal(request.user, record))
    form = RecordVoidForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            record_void(record=record, user=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("Voided %(record)s.") % {"record": record_label(record)})
            return HttpResponseRedirect(back)
    title = _("Void %(record)s") % {"record": record_label(record)}
    return render(
        request,
        "common/record_void.html",
        {
            "form": form,
            "record": record,
            "record_label": record_label(record),
            "title": title,
            "next": next_url,
            "back": back,
            "crumbs": [(str(record), back), (_("Void"), None)],
        },
    )


# --- the admin action ----------------------------------------------------------------------------
def void_records(*, records, user, reason: str) -> tuple[list[models.Model], list[tuple[models.Model, str]]]:
    """Void each of ``records`` the person may void, each through ``record_void``; the others are
    returned with the reason they were refused. Used by the admin's bulk action."""
    done, refused = [], []
    for record in records:
        if not can_void(user, record):
            refused.append((record, void_refusal(user, record)))
            continue
        try:
            done.append(record_void(record=record, user=user, reason=reason))
        except ValidationError as error:
            refused.append((record, refusal_text(error)))
    return done, refused
