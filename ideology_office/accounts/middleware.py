"""The sign-in policy (``accounts/policy.py``: the 安全管理员's record, or the settings), applied to
every request of a signed-in person:

1. **Idle timeout**: without a request for the policy's idle minutes the session ends (the page
   warns before, static/js/idle-timeout.js).
2. **Second factor**: a person holding one of the policy's second-factor roles enrols a TOTP
   device on first sign-in and enters its code on every sign-in before anything else opens.
3. **Password change**: a new or reset account (``must_change_password``) or a password older than
   the policy allows opens nothing but the password change page.
"""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from . import policy, roles
from .models import SecurityEvent
from .signin import LAST_SEEN_KEY, record_event

# Pages a person reaches before passing the second factor, and before changing a due password.
SECOND_FACTOR_PAGES = frozenset(
    {"accounts:login", "accounts:logout", "accounts:otp_setup", "accounts:otp_verify", "accounts:keepalive"}
)
PASSWORD_PAGES = SECOND_FACTOR_PAGES | {"accounts:password_change", "accounts:password_change_done"}


def _url_name(request) -> str | None:
    try:
        return resolve(request.path_info).view_name
    except Resolver404:
        return None


def _elsewhere(request, url: str):
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def needs_second_factor(user) -> bool:
    return roles.second_factor_required(user) and not user.is_verified()


def needs_password_change(user) -> bool:
    return user.must_change_password or user.password_expired()


class SignInPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with policy.for_this_request():
            return self._serve(request)

    def _serve(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or request.path_info.startswith(settings.STATIC_URL):
            return self.get_response(request)
        now = time.time()
        rules = policy.current()
        timeout = rules.idle_timeout_minutes * 60
        last_seen = request.session.get(LAST_SEEN_KEY)
        if timeout and last_seen is not None and now - last_seen > timeout:
            return self._time_out(request, user, rules.idle_timeout_minutes)
        # Written at most once a minute: the session is not saved on every request.
        if last_seen is None or now - last_seen > 60:
            request.session[LAST_SEEN_KEY] = now

        name = _url_name(request)
        if needs_second_factor(user) and name not in SECOND_FACTOR_PAGES:
            has_device = user.totpdevice_set.filter(confirmed=True).exists()
            target = reverse("accounts:otp_verify" if has_device else "accounts:otp_setup")
            return _elsewhere(request, f"{target}?{urlencode({'next': request.get_full_path()})}")
        if needs_password_change(user) and name not in PASSWORD_PAGES:
            if user.must_change_password:
                messages.warning(request, _("Please set a password of your own before you go on."))
            else:
                messages.warning(
                    request,
                    _("Your password is older than %(days)d days: please change it.")
                    % {"days": rules.password_max_age_days},
                )
            return _elsewhere(request, reverse("accounts:password_change"))
        return self.get_response(request)

    def _time_out(self, request, user, minutes):
        record_event(SecurityEvent.Kind.IDLE_TIMEOUT, request, user=user)
        request._idle_timeout = True
        path = request.get_full_path()
        logout(request)
        messages.info(
            request,
            _("You were signed out after %(minutes)d minutes without activity.") % {"minutes": minutes},
        )
        login = reverse("accounts:login")
        return _elsewhere(
            request, f"{login}?{urlencode({'next': path})}" if request.method == "GET" else login
        )
