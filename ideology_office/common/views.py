"""Evidence files: upload to a record, download, void. Access follows the owning record."""

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import Http404, HttpResponsePermanentRedirect, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.templatetags.static import static
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from .downloads import download
from .forms import AttachmentUploadForm, VoidForm
from .models import Attachment
from .navigation import WORK_AREAS_BY_KEY
from .policies import Action, can, can_view_record, require
from .services import attachment_add, record_void

logger = logging.getLogger(__name__)


def _record_or_404(content_type: ContentType, object_id):
    model = content_type.model_class()
    if model is None:
        raise Http404
    try:
        return model._base_manager.get(pk=object_id)
    except (ObjectDoesNotExist, ValueError, ValidationError) as error:
        raise Http404 from error


def _access_attachment(user, pk, *, change: bool) -> Attachment:
    """The attachment, if the person may see (or change) its record; 404 otherwise, so that a
    guessed id tells nothing about what exists."""
    attachment = get_object_or_404(Attachment.objects.select_related("content_type"), pk=pk)
    if not can(user, Action.VIEW, attachment):
        raise Http404
    if change:
        require(user, Action.CHANGE, attachment)
    return attachment


def _back_to(request, record):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseRedirect(target)
    if hasattr(record, "get_absolute_url"):
        return HttpResponseRedirect(record.get_absolute_url())
    return HttpResponseRedirect("/")


@require_GET
def attachment_download(request, pk):
    attachment = _access_attachment(request.user, pk, change=False)
    try:
        handle = attachment.file.open("rb")
    except (OSError, ValueError):
        # The row says the file exists but the store has lost it (a restore without the media
        # folder, a disk fault): say so plainly instead of failing, and leave a trace to act on.
        logger.warning(
            "Evidence file missing from storage: attachment %s (%r) of %s.%s #%s, stored as %r",
            attachment.pk,
            attachment.original_name,
            attachment.content_type.app_label,
            attachment.content_type.model,
            attachment.object_id,
            attachment.file.name,
        )
        return render(request, "common/attachment_missing.html", {"attachment": attachment}, status=404)
    return download(handle, attachment.original_name, attachment.mime_type, private=True)


@require_POST
def attachment_upload(request, content_type_id, object_id):
    content_type = get_object_or_404(ContentType, pk=content_type_id)
    record = _record_or_404(content_type, object_id)
    if not can_view_record(request.user, record):
        raise Http404
    require(request.user, Action.CHANGE, record)
    form = AttachmentUploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            attachment = attachment_add(
                record=record,
                uploaded_file=form.cleaned_data["file"],
                user=request.user,
                description=form.cleaned_data["description"],
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, _("The file was not saved: %(reason)s") % {"reason": message})
        else:
            messages.success(
                request, _("Saved the evidence file “%(name)s”.") % {"name": attachment.original_name}
            )
    else:
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, _("The file was not saved: %(reason)s") % {"reason": message})
    return _back_to(request, record)


@require_POST
def attachment_void(request, pk):
    attachment = _access_attachment(request.user, pk, change=True)
    form = VoidForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a reason for voiding."))
        return _back_to(request, attachment.record)
    try:
        record_void(record=attachment, user=request.user, reason=form.cleaned_data["reason"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("Voided the evidence file “%(name)s”.") % {"name": attachment.original_name}
        )
    return _back_to(request, attachment.record)


def work_area_index(request, area_key: str):
    """The landing page of one work area, until that area's own issue gives it its records."""
    area = WORK_AREAS_BY_KEY[area_key]
    return render(request, "components/work_area_index.html", {"area": area, "crumbs": [(area.label, None)]})


@login_not_required
@require_GET
def favicon(request):
    # Browsers ask for /favicon.ico on pages that name no icon (the admin's). Resolved per request
    # because the hashed static name exists only after collectstatic.
    return HttpResponsePermanentRedirect(static("favicon.svg"))
