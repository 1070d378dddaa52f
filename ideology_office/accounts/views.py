import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.http import require_POST
from django.views.generic import FormView
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import SecurityEvent
from .signin import record_event


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    """Logs out (POST only, as Django requires) and says so on the login page."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.info(request, _("You have logged out."))
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    """The person's own password change; it also ends a forced change (new or reset account, or an
    expired password) and is recorded with the address and browser."""

    template_name = "registration/password_change.html"

    def get_success_url(self):
        return reverse("accounts:password_change_done")

    def form_valid(self, form):
        form.user.must_change_password = False
        response = super().form_valid(form)
        record_event(SecurityEvent.Kind.PASSWORD_CHANGED, self.request, user=form.user)
        return response


def _safe_next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse(settings.LOGIN_REDIRECT_URL)


class TokenForm(forms.Form):
    token = forms.CharField(
        label=gettext_lazy("Six-digit code"),
        max_length=8,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def __init__(self, *args, device=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.device = device

    def clean_token(self):
        token = self.cleaned_data["token"].strip().replace(" ", "")
        if self.device is None or not self.device.verify_token(token):
            raise forms.ValidationError(_("The code is wrong or has expired."), code="wrong_token")
        return token


class OtpSetupView(FormView):
    """Enrolment of an authenticator app: a QR code (SVG drawn here, no outside service) and the
    key, then one code from the app confirms it."""

    template_name = "accounts/otp_setup.html"
    form_class = TokenForm

    def dispatch(self, request, *args, **kwargs):
        confirmed = request.user.totpdevice_set.filter(confirmed=True).exists()
        # A second device only after passing the first one in this session.
        if confirmed and not request.user.is_verified():
            return redirect(f"{reverse('accounts:otp_verify')}?{request.GET.urlencode()}")
        return super().dispatch(request, *args, **kwargs)

    def get_device(self) -> TOTPDevice:
        device = self.request.user.totpdevice_set.filter(confirmed=False).first()
        if device is None:
            device = TOTPDevice.objects.create(
                user=self.request.user, name=_("Authenticator"), confirmed=False
            )
        return device

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "device": self.get_device()}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        device = kwargs.get("form", context["form"]).device
        svg = segno.make(device.config_url, error="m").svg_inline(scale=5, omitsize=False)
        context.update(qr_svg=mark_safe(svg), secret=_b32(device), next=_safe_next(self.request))  # noqa: S308
        return context

    def form_valid(self, form):
        device = form.device
        device.confirmed = True
        device.save()
        otp_login(self.request, device)
        record_event(SecurityEvent.Kind.OTP_ENROLLED, self.request, user=self.request.user)
        messages.success(self.request, _("The second factor is set up: sign-ins now ask for its code."))
        return redirect(_safe_next(self.request))


def _b32(device) -> str:
    from base64 import b32encode

    key = b32encode(device.bin_key).decode()
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


class OtpVerifyView(FormView):
    """The code of the enrolled authenticator, asked once per sign-in."""

    template_name = "accounts/otp_verify.html"
    form_class = TokenForm

    def dispatch(self, request, *args, **kwargs):
        if not request.user.totpdevice_set.filter(confirmed=True).exists():
            return redirect(f"{reverse('accounts:otp_setup')}?{request.GET.urlencode()}")
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        device = self.request.user.totpdevice_set.filter(confirmed=True).first()
        return {**super().get_form_kwargs(), "device": device}

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "next": _safe_next(self.request)}

    def form_invalid(self, form):
        record_event(SecurityEvent.Kind.OTP_FAILED, self.request, user=self.request.user)
        return super().form_invalid(form)

    def form_valid(self, form):
        otp_login(self.request, form.device)
        record_event(SecurityEvent.Kind.OTP_VERIFIED, self.request, user=self.request.user)
        return redirect(_safe_next(self.request))


class KeepAliveView(View):
    """ "Stay signed in" on the idle warning: the request itself counts as activity."""

    def post(self, request):
        return HttpResponse(status=204)


keepalive = require_POST(KeepAliveView.as_view())
