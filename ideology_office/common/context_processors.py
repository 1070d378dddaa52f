from django.conf import settings

from ideology_office.notifications.selectors import unread_count

from .navigation import navigation_for


def navigation(request):
    user = getattr(request, "user", None)
    match = getattr(request, "resolver_match", None)
    return {
        "nav_items": navigation_for(user) if user is not None else [],
        "nav_active": match.namespace if match else "",
        "site_title": settings.SITE_TITLE,
        "organisation_name": settings.ORGANISATION_NAME,
        # One count query for a signed-in person; the badge is hidden while zero.
        "inbox_unread_count": unread_count(user) if user is not None and user.is_authenticated else 0,
    }
