from django.conf import settings


def sign_in_policy(request):
    """The idle timeout, for the warning that static/js/idle-timeout.js shows before it ends."""
    return {
        "idle_timeout_seconds": settings.SESSION_IDLE_TIMEOUT_MINUTES * 60,
        "idle_warning_seconds": settings.SESSION_IDLE_WARNING_SECONDS,
    }
