"""Sign-in events for the audit trail: sign-in, sign-out, failed sign-in, lockout, unlock, idle
timeout, password change and reset, and second factor enrolment, each with the address and the
browser. Each is a :class:`SecurityEvent` row, an audited model: creating it writes its entry of
the audit trail through ``common.audit`` (no entry is written here by hand)."""

from __future__ import annotations

import time

from axes.helpers import get_client_ip_address
from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from ideology_office.common.audit import audit_context

from .models import SecurityEvent, User

Kind = SecurityEvent.Kind

# The moment of the last request, kept in the session: set at sign-in here, read by the idle
# time-out in middleware.py (which imports this module, never the other way).
LAST_SEEN_KEY = "accounts_last_seen"


def client_address(request) -> str | None:
    if request is None:
        return None
    try:
        return get_client_ip_address(request) or None
    except Exception:  # noqa: BLE001 - an address we cannot read is recorded as unknown
        return request.META.get("REMOTE_ADDR") or None


_SELF = object()


def record_event(kind: str, request=None, *, user=None, username: str = "", actor=_SELF) -> SecurityEvent:
    """Record one event about ``user`` (or the name that was entered), done by ``actor``: the
    person themselves unless given (e.g. the 安全管理员 who reset a password; None: nobody signed
    in, as for a failed sign-in)."""
    if actor is _SELF:
        actor = user
    address = client_address(request)
    agent = request.headers.get("user-agent", "")[:300] if request is not None else ""
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    with audit_context(user=actor, remote_addr=address, label="" if actor else (username or "anonymous")):
        return SecurityEvent.objects.create(
            kind=kind,
            user=user,
            username=(user.get_username() if user is not None else username)[:150],
            actor_label=(actor.get_username() if actor is not None else username or "anonymous")[:150],
            remote_addr=address,
            user_agent=agent,
        )


@receiver(user_logged_in, dispatch_uid="accounts.signin.logged_in")
def _logged_in(sender, request, user, **kwargs):
    if request is None:
        return
    if hasattr(request, "session"):
        request.session[LAST_SEEN_KEY] = time.time()
    # A sign-in over the web always has an address; the test client's force_login() has none.
    if request.META.get("REMOTE_ADDR"):
        record_event(Kind.LOGIN, request, user=user)


@receiver(user_logged_out, dispatch_uid="accounts.signin.logged_out")
def _logged_out(sender, request, user, **kwargs):
    if user is not None and not getattr(request, "_idle_timeout", False):
        record_event(Kind.LOGOUT, request, user=user)


@receiver(user_login_failed, dispatch_uid="accounts.signin.login_failed")
def _login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))
    known = User.objects.filter(username=username).first()
    record_event(Kind.LOGIN_FAILED, request, user=known, username=username, actor=None)


@receiver(user_locked_out, dispatch_uid="accounts.signin.locked_out")
def _locked_out(sender, request, username, ip_address, **kwargs):
    known = User.objects.filter(username=username).first()
    record_event(Kind.LOCKED_OUT, request, user=known, username=username or "", actor=None)
