"""Evidence files: upload to a record, download, void. Access follows the owning record."""

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404, HttpResponsePermanentRedirect, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from .downloads import download
from .forms import AttachmentUploadForm, VoidForm, apply_service_error, form_errors_text, refusal_text
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
    return run_service(
        request,
        lambda file, description: attachment_add(
            record=record, uploaded_file=file, user=request.user, description=description
        ),
        form=AttachmentUploadForm(request.POST, request.FILES),
        back=_back_to(request, record).url,
        success=lambda attachment: (
            _("Saved the evidence file “%(name)s”.") % {"name": attachment.original_name}
        ),
        refused_prefix=_("The file was not saved: %(reason)s") % {"reason": ""},
    )


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
        messages.error(request, refusal_text(error))
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


def run_service(request, action, *, back, success, form=None, success_url=None, refused_prefix=""):
    """The action views' one shape (a button on a record's page): check the small ``form`` if
    any, run ``action`` (with the form's cleaned data as keyword arguments), show ``success``
    (a message, or a function of the action's result) and redirect — to ``success_url(result)``
    when given, else to ``back``. A refusal (the form's errors, or the service's ValidationError
    or PermissionDenied) is one error message, its reasons joined with "；", then back to ``back``.
    ``back`` is anything :func:`django.shortcuts.redirect` takes (a record, a URL, a view name)."""
    if form is not None and not form.is_valid():
        messages.error(request, refused_prefix + form_errors_text(form))
        return redirect(back)
    try:
        result = action(**form.cleaned_data) if form is not None else action()
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, refused_prefix + refusal_text(error))
        return redirect(back)
    messages.success(request, success(result) if callable(success) else success)
    return redirect(success_url(result) if success_url is not None else back)


def submit_form(request, form, save, *, success, success_url):
    """The form pages' one shape: on a POST whose ``form`` is valid, run ``save`` (the service,
    given the cleaned data as keyword arguments); a refusal is shown on the form (each reason
    under its field) and None is returned so the view shows the form again; otherwise show
    ``success`` (a message, or a function of the result) and redirect to ``success_url(result)``
    (a record, a URL or a view name; or that value itself). None too for a GET or an invalid form."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        result = save(**form.cleaned_data)
    except ValidationError as error:
        apply_service_error(form, error)
        return None
    messages.success(request, success(result) if callable(success) else success)
    return redirect(success_url(result) if callable(success_url) else success_url)


def render_form_page(request, template, form, *, title, crumbs, cancel_url="", **context):
    """Render a form page (a template extending ``components/form_page.html``) with its title,
    breadcrumbs and the page that "Cancel" goes back to."""
    return render(
        request,
        template,
        {"form": form, "title": title, "crumbs": crumbs, "cancel_url": cancel_url, **context},
    )


@require_GET
def people_choices(request):
    """The person and people selects' search (``PersonChoiceField``, ``PeopleChoiceField``): active
    people by real name, user name or section, each under their section, for anyone with a role (the
    people every form offers them). Names, posts and sections only: never a phone number."""
    from ideology_office.accounts import roles

    from .choices import search_choices
    from .forms import people_for_choice, person_label, section_heading

    if not roles.has_any_role(request.user):
        raise PermissionDenied(_("You have no role yet. Ask an administrator to assign one."))
    people = people_for_choice().only(
        "pk", "username", "real_name", "title", "section_id", "section__name", "section__sort_order"
    )
    return search_choices(
        request,
        people,
        visible=people,
        fields=("real_name", "username", "section__name"),
        label=person_label,
        group=section_heading,
        limit=PEOPLE_SEARCH_LIMIT,
    )


#: At most this many people answer one search: enough to pick from, small whatever the county.
PEOPLE_SEARCH_LIMIT = 50
