from . import policy


def sign_in_policy(request):
    """The idle timeout, for the warning that static/js/idle-timeout.js shows before it ends."""
    rules = policy.current()
    return {
        "idle_timeout_seconds": rules.idle_timeout_minutes * 60,
        "idle_warning_seconds": rules.idle_warning_seconds,
    }
