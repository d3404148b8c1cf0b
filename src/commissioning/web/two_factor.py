"""Two-step sign-in (django-otp, time-based codes from an authenticator app, RFC 6238).

Anyone may set it up (from their home page); those who read personal data or move money must
(``organisations.permissions.needs_two_factor``: finance leads, care coordinators, auditors,
administrators, and budget holders and the people linked to a personal health budget). After
their password they enter the code from their app; the first time, they set the app up by
scanning a QR code (or typing the key) and entering a code to confirm it. Until then every
page answers with a redirect to that step, and the API refuses their signed-in session (an
API token is its own credential). An administrator resets a lost device in the admin (OTP
devices), which sends the person through set-up again.

Wrong codes are throttled by django-otp (each failure doubles the wait) as well as by the
sign-in lockout (django-axes).
"""

from __future__ import annotations

from base64 import b32encode

import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from commissioning.organisations.permissions import needs_two_factor
from commissioning.ui.forms import NHSForm

DEMO_DEVICE = "Demo authenticator"
# Pages a person who has signed in with their password may open before the second step.
OPEN_BEFORE_SECOND_STEP = ("/sign-in/", "/sign-out/", "/static/", "/about-the-data/")


class CodeForm(NHSForm):
    code = forms.RegexField(
        label="Code from your authenticator app",
        regex=r"^\s*\d{6}\s*$",
        max_length=12,
        help_text="The 6 digits your app shows for the Commissioning platform, for example 123456",
        error_messages={
            "required": "Enter the 6-digit code from your authenticator app",
            "invalid": "Enter the code as 6 digits, for example 123456",
        },
    )


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or reverse("home")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return reverse("home")
    return target


def _verified(request) -> bool:
    return bool(getattr(request.user, "is_verified", lambda: False)())


def _throttled(devices) -> str | None:
    """Each wrong code doubles the wait before the next is tried (django-otp): say how long."""
    for device in devices:
        allowed, data = device.verify_is_allowed()
        if not allowed and data and data.get("locked_until"):
            until = timezone.localtime(data["locked_until"])
            return (
                f"Too many wrong codes: wait until {until:%H:%M:%S}, then enter the code "
                "your app shows then"
            )
    return None


def verify(request):
    """The second step: the code from the person's app."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    devices = list(TOTPDevice.objects.filter(user=request.user, confirmed=True))
    if not devices:
        return redirect(f"{reverse('two-factor-setup')}?next={_next(request)}")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"].strip()
        waiting = _throttled(devices)
        device = None if waiting else next((d for d in devices if d.verify_token(code)), None)
        if device is not None:
            otp_login(request, device)
            return redirect(_next(request))
        form.add_error("code", waiting or "The code is not right, or it has expired: enter the "
                                          "code your app shows now")  # fmt: skip
    demo_code = None
    if settings.DEMO:
        demo = next((d for d in devices if d.name == DEMO_DEVICE), None)
        if demo is not None:
            demo_code = f"{totp(demo.bin_key, demo.step, demo.t0, demo.digits):06d}"
    return render(
        request,
        "registration/two_factor_verify.html",
        {"form": form, "next": _next(request), "demo_code": demo_code},
    )


def setup(request):
    """Setting up the authenticator app: a new key as a QR code and as text, confirmed by a
    code from the app."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if user_has_device(request.user, confirmed=True) and not _verified(request):
        return redirect(f"{reverse('two-factor')}?next={_next(request)}")  # sign in first
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).order_by(
        "-pk"
    ).first() or TOTPDevice.objects.create(
        user=request.user, name="Authenticator app", confirmed=False
    )
    form = CodeForm(request.POST or None)
    waiting = None
    if request.method == "POST" and form.is_valid():
        waiting = _throttled([device])
        if not waiting and device.verify_token(form.cleaned_data["code"].strip()):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            TOTPDevice.objects.filter(user=request.user, confirmed=False).delete()
            otp_login(request, device)
            messages.success(request, "Two-step sign-in is set up. You will be asked for a code "
                                      "from your app each time you sign in.")  # fmt: skip
            return redirect(_next(request))
        form.add_error("code", waiting or "The code is not right: check the app shows the "
                                          "Commissioning platform and enter the code it shows "
                                          "now")  # fmt: skip
    secret = b32encode(device.bin_key).decode().rstrip("=")
    key = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    qr = segno.make(device.config_url, error="m").svg_data_uri(scale=4)
    return render(
        request,
        "registration/two_factor_setup.html",
        {"form": form, "next": _next(request), "qr": qr, "key": key,
         "required": needs_two_factor(request.user)},
    )  # fmt: skip


class TwoFactorMiddleware:
    """Those who must use two-step sign-in reach nothing but the second step until they have
    taken it (the API's session authentication refuses them too; see ``api.v1``)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        # A view hook, so it runs after the sign-in check has loaded the person's roles once.
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(OPEN_BEFORE_SECOND_STEP)
            and not request.path.startswith("/api/")
            and needs_two_factor(user)
            and not _verified(request)
        ):
            return redirect(f"{reverse('two-factor')}?next={request.get_full_path()}")
        return None
