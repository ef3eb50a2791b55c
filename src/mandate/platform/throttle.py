"""Sign-in and password-reset throttling, and every failure in the audit log.

Sign-in attempts are counted by django-axes (settings: AXES_FAILURE_LIMIT, AXES_COOLOFF_TIME,
AXES_LOCKOUT_PARAMETERS = per account and per address). Once locked, even the right password is refused until
the cool-off ends, with the lockout page (HTTP 429). Each failed sign-in, each lockout and each password reset
request writes an audit entry naming the account tried and the address, never the password.

Password reset requests are counted from the audit log itself (per address, and per e-mail address by a keyed
hash, so the log holds no e-mail address): the database is what every app server shares.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_client_ip_address
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from mandate.platform.audit import record


class ThrottleBackend(AxesStandaloneBackend):
    """django-axes' check, for sign-ins that come through a web request. A sign-in without a request (a
    command, a test calling authenticate()) has no address to count and is not throttled here."""

    def authenticate(self, request: HttpRequest | None, username: str | None = None,
                     password: str | None = None, **kwargs: Any) -> None:
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def client_address(request: HttpRequest | None) -> str:
    if request is None:
        return ""
    return get_client_ip_address(request) or ""


def _attempted(credentials: dict[str, Any]) -> str:
    name = credentials.get("username") or ""
    return str(name)[:128]


def on_login_failed(sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None,
                    **kwargs: Any) -> None:
    """django.contrib.auth's user_login_failed: one audit entry, the account tried and the address."""
    locked = bool(request is not None and getattr(request, "axes_locked_out", False))
    record("anonymous", "sign_in.failed", "Account", _attempted(credentials), address=client_address(request),
           path=getattr(request, "path", ""), while_locked_out=locked)


def on_locked_out(sender: Any, request: HttpRequest | None = None, username: str | None = None,
                  ip_address: str | None = None, **kwargs: Any) -> None:
    """axes' user_locked_out: the moment an account or address is locked."""
    record("anonymous", "sign_in.locked_out", "Account", str(username or "")[:128],
           address=ip_address or client_address(request), cool_off_minutes=_cool_off_minutes())


def _cool_off_minutes() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds() // 60) if settings.AXES_COOLOFF_TIME else 0


def lockout_response(request: HttpRequest, reason: str) -> HttpResponse:
    return render(request, "registration/locked_out.html",
                  {"failure_limit": settings.AXES_FAILURE_LIMIT, "cooloff_timedelta": settings.AXES_COOLOFF_TIME,
                   "reason": reason}, status=429)


def email_key(email: str) -> str:
    """A keyed hash of an e-mail address: the audit log can count requests for one address without holding
    it (and a list of known addresses cannot be matched against the log without the secret key)."""
    return hmac.new(settings.SECRET_KEY.encode(), email.strip().lower().encode(), hashlib.sha256).hexdigest()


class ThrottledPasswordResetView(auth_views.PasswordResetView):
    """Django's password reset, refused (429) after MANDATE_RESET_LIMIT requests within MANDATE_RESET_WINDOW
    from one address or for one e-mail address."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        from mandate.platform.models import AuditEntry

        address = client_address(request)
        key = email_key(str(request.POST.get("email", ""))[:254])
        since = timezone.now() - settings.MANDATE_RESET_WINDOW
        recent = AuditEntry.objects.filter(action="password_reset.requested", at__gte=since)
        limit = settings.MANDATE_RESET_LIMIT
        if recent.filter(detail__address=address).count() >= limit or \
                recent.filter(detail__email_key=key).count() >= limit:
            record("anonymous", "password_reset.refused", "Account", "", address=address, email_key=key)
            return lockout_response(request, "password_reset")
        record("anonymous", "password_reset.requested", "Account", "", address=address, email_key=key)
        return super().post(request, *args, **kwargs)
