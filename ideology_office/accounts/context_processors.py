from . import policy


def sign_in_policy(request):
    """The idle timeout, for the warning that static/js/idle-timeout.js shows before it ends. Read only when a
    page draws the warning (a signed-in page): the template calls these, so other renders never ask the
    policy (nor, on a cold cache, the database)."""
    return {
        "idle_timeout_seconds": lambda: policy.current().idle_timeout_minutes * 60,
        "idle_warning_seconds": lambda: policy.current().idle_warning_seconds,
    }
