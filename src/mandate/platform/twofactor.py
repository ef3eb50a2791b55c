"""Two-factor sign-in: a time-based one-time code (TOTP, RFC 6238, through django-otp) after the password.

Which roles require it: MANDATE_REQUIRE_2FA_ROLES (union officials, scrutineers, trustees and HR
administrators by default), changed per role by an administrator (TwoFactorRequirement in the admin);
none at all in the demo (MANDATE_DEMO=1), whose sign-in page says so. An account holding a role that requires
it is sent to `/accounts/two-factor/` after the password: to enrol (a QR code for an authenticator app, made
here with segno, then a first code to confirm it) or, once enrolled, to type the current code.
"""

from __future__ import annotations

from base64 import b32encode
from typing import Any

import segno
from django import forms
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from mandate.platform.audit import record
from mandate.platform.roles import login_only, user_roles

DEVICE_NAME = "Authenticator app"


def required_roles() -> set[str]:
    """The roles whose accounts must use two-factor sign-in now."""
    from mandate.platform.models import TwoFactorRequirement

    if settings.MANDATE_DEMO:
        return set()
    roles = set(settings.MANDATE_REQUIRE_2FA_ROLES)
    for role, required in TwoFactorRequirement.objects.values_list("role", "required"):
        (roles.add if required else roles.discard)(role)
    return roles


def requires_second_factor(user: Any) -> bool:
    """Whether the account must use a second factor: a role that requires it, or a superuser (who can change
    every account in the admin) wherever MANDATE_REQUIRE_2FA_SUPERUSERS is on (production; not the demo)."""
    if getattr(user, "is_superuser", False) and settings.MANDATE_REQUIRE_2FA_SUPERUSERS and not settings.MANDATE_DEMO:
        return True
    held = user_roles(user)
    return bool(held) and bool(set(held) & required_roles())


def needs_second_factor(request: HttpRequest) -> bool:
    """Signed in, required to use a second factor, and not verified with one in this session."""
    user = request.user
    if not user.is_authenticated or getattr(user, "is_verified", lambda: False)():  # set by OTPMiddleware
        return False
    return requires_second_factor(user)


class CodeForm(forms.Form):
    otp_token = forms.CharField(label="Six-digit code", min_length=6, max_length=8,
                                widget=forms.TextInput(attrs={"autocomplete": "one-time-code",
                                                              "inputmode": "numeric"}))

    def clean_otp_token(self) -> str:
        token = self.cleaned_data["otp_token"].replace(" ", "")
        if not token.isdigit():
            raise forms.ValidationError("Enter the digits your authenticator app shows.")
        return token


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return settings.LOGIN_REDIRECT_URL


def qr_svg_data_uri(text: str) -> str:
    """A QR code of `text` as an SVG data: address (the page's CSP allows data: images, nothing external)."""
    return segno.make(text, error="m").svg_data_uri(scale=5, border=2)


@login_only
def two_factor(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator app (QR code, then a first code), or type the current code."""
    user = request.user
    confirmed = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    device = confirmed or TOTPDevice.objects.filter(user=user, confirmed=False).first() or \
        TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    enrolling = confirmed is None
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid() and device.verify_token(form.cleaned_data["otp_token"]):
            if enrolling:
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                record(user, "two_factor.enrolled", "Account", user.get_username())
            otp_login(request, device)
            record(user, "two_factor.verified", "Account", user.get_username())
            return redirect(_next(request))
        record(user, "two_factor.failed", "Account", user.get_username(), enrolling=enrolling)
        if form.is_valid():
            form.add_error("otp_token", "That code is not right, or has expired: type the code shown now.")
        status = 400
    context: dict[str, Any] = {"form": form, "enrolling": enrolling, "next": _next(request),
                               "required": requires_second_factor(user)}
    if enrolling:
        context["qr"] = qr_svg_data_uri(device.config_url)
        context["secret"] = b32encode(device.bin_key).decode()
    return render(request, "registration/two_factor.html", context, status=status)


class SignInView(auth_views.LoginView):
    """Django's sign-in page, saying when the demo has switched two-factor sign-in off."""

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["demo_without_two_factor"] = settings.MANDATE_DEMO
        return context
