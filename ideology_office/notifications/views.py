from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import selectors, services
from .forms import PreferenceForm
from .permissions import access_message


def inbox(request):
    unread_only = request.GET.get("show") == "unread"
    page = Paginator(selectors.inbox_for(request.user, unread_only=unread_only), 20).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "notifications/inbox_list.html",
        {"page_obj": page, "unread_only": unread_only, "crumbs": [(_("Inbox"), None)]},
    )


def _safe_link(request, url: str) -> str:
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}):
        return url
    return ""


@require_POST
def message_open(request, pk):
    """Opening a reminder marks it read and goes to the record it is about. A POST (the inbox's
    title buttons): a GET, a prefetching browser or a link checker, changes nothing. E-mails and
    webhooks link to the record itself and to the inbox, never here."""
    message = access_message(request.user, pk)
    services.inbox_mark_read(message=message)
    return HttpResponseRedirect(_safe_link(request, message.url) or "/inbox/")


@require_POST
def message_read(request, pk):
    services.inbox_mark_read(message=access_message(request.user, pk))
    return redirect("notifications:inbox")


@require_POST
def read_all(request):
    count = services.inbox_mark_all_read(user=request.user)
    messages.success(request, _("%(count)d reminders marked read.") % {"count": count})
    return redirect("notifications:inbox")


def preferences(request):
    current = selectors.preferences_for(request.user)["default"]
    initial = {"email": True, "webhook": True}
    if current is not None:
        initial = {
            "email": current.email,
            "webhook": current.webhook,
            "quiet_start": current.quiet_start,
            "quiet_end": current.quiet_end,
        }
    form = PreferenceForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.preference_save(user=request.user, rule=None, **form.cleaned_data)
        messages.success(request, _("Your reminder settings were saved."))
        return redirect("notifications:inbox")
    crumbs = [(_("Inbox"), "/inbox/"), (_("Reminder settings"), None)]
    return render(request, "notifications/preference_form.html", {"form": form, "crumbs": crumbs})
