from django import template

from ideology_office.common import voiding
from ideology_office.common.filters import VOID_CHOICES, void_state

register = template.Library()


@register.inclusion_tag("components/void_action.html", takes_context=True)
def void_action(context, record, compact=False):
    """The 作废 action of ``record`` for those who may void it (a collapsible reason form posting to
    the shared void page; ``compact``: a small button leading to that page, for table rows), and the
    "voided · reason · who · when" notice once it is voided."""
    request = context["request"]
    may_void = voiding.can_void(request.user, record)
    return {
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "record": record,
        "may_void": may_void,
        "url": voiding.void_url(record) if may_void else "",
        "compact": compact,
    }


@register.inclusion_tag("components/void_state_links.html", takes_context=True)
def void_state_links(context):
    """Links to show the valid, the voided or all records of a list that has no filter form
    (the ``state`` query parameter, as in the filter forms); other parameters are kept."""
    request = context["request"]
    current = void_state(request)
    links = []
    for value, label in VOID_CHOICES:
        query = request.GET.copy()
        query["state"] = value
        query.pop("page", None)
        links.append({"label": label, "url": f"?{query.urlencode()}", "active": value == current})
    return {"links": links}
