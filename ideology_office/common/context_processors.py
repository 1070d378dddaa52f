from django.conf import settings

from .navigation import navigation_for


def navigation(request):
    user = getattr(request, "user", None)
    match = getattr(request, "resolver_match", None)
    return {
        "nav_items": navigation_for(user) if user is not None else [],
        "nav_active": match.namespace if match else "",
        "site_title": settings.SITE_TITLE,
        "organisation_name": settings.ORGANISATION_NAME,
        # Filled in by the reminders issue (the in-app inbox); the badge is hidden while zero.
        "inbox_unread_count": 0,
    }
