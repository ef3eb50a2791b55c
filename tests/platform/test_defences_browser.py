"""In a real headless Chromium: the lockout page after wrong passwords, and two-factor enrolment by QR code."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("MANDATE_SCREENSHOTS")  # a folder to keep screenshots in, when set


def _shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def test_wrong_passwords_end_on_the_lockout_page(login, make_user, settings) -> None:
    make_user("staff_member", username="alice")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        page = login("alice", "wrong password")
        assert "Please enter a correct username and password" in page.content()
    page = login("alice", "wrong password")
    assert page.get_by_role("heading", name="Too many attempts: wait before trying again").is_visible()
    _shot(page, "lockout")
    page = login("alice")  # the right password, refused until the cool-off
    assert "Too many attempts" in page.content() and "/accounts/login/" in page.url


def test_an_official_enrols_an_authenticator_app(login, make_user, settings, union_org) -> None:
    settings.MANDATE_REQUIRE_2FA_ROLES = ["union_official"]
    user = make_user("union_official", "pcs", username="official")
    page = login("official")
    assert "/accounts/two-factor/" in page.url
    qr = page.get_by_role("img", name="QR code to add mandate to an authenticator app")
    assert qr.is_visible() and qr.evaluate("img => img.naturalWidth") > 100  # the SVG drew
    _shot(page, "two-factor-enrol")
    device = TOTPDevice.objects.get(user=user)
    page.get_by_label("Six-digit code").fill(str(totp(device.bin_key)).zfill(6))
    page.get_by_role("button", name="Confirm and continue").click()
    page.wait_for_load_state()
    assert page.url.endswith("/union/")
