"""Two-factor sign-in (TOTP): required per role, enrolment with a QR code, a real code from the device key."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from mandate.platform.models import AuditEntry, TwoFactorRequirement


def _code(device: TOTPDevice, drift: int = 0) -> str:
    return str(totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=drift)).zfill(
        device.digits)


@pytest.fixture
def official(make_user, settings, union_org):  # type: ignore[no-untyped-def]
    settings.MANDATE_REQUIRE_2FA_ROLES = ["union_official", "scrutineer", "trustee", "hr_admin"]
    return make_user("union_official", scope="pcs")


@pytest.mark.django_db
def test_an_official_enrols_with_a_qr_code_and_a_real_code_then_is_asked_each_session(client, official) -> None:
    client.force_login(official)
    response = client.get("/union/")
    assert response.status_code == 302 and response["Location"] == "/accounts/two-factor/?next=%2Funion%2F"
    page = client.get(response["Location"])
    text = page.content.decode()
    assert page.status_code == 200 and 'src="data:image/svg+xml' in text and "Confirm and continue" in text
    device = TOTPDevice.objects.get(user=official)
    assert not device.confirmed
    # every other page is closed until the code is typed
    assert client.get("/union/register/").status_code == 302

    wrong = str((int(_code(device)) + 1) % 1_000_000).zfill(6)
    refused = client.post("/accounts/two-factor/", {"otp_token": wrong, "next": "/union/"})
    assert refused.status_code == 400 and "not right" in refused.content.decode()
    device.refresh_from_db()
    assert not device.confirmed

    # django-otp throttles after a failure; a real authenticator waits, the test clears the delay
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0, throttling_failure_timestamp=None)
    ok = client.post("/accounts/two-factor/", {"otp_token": _code(device), "next": "/union/"})
    assert ok.status_code == 302 and ok["Location"] == "/union/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/union/").status_code == 200
    assert AuditEntry.objects.filter(action="two_factor.enrolled", object_id=official.username).exists()
    assert AuditEntry.objects.filter(action="two_factor.failed").count() == 1

    # a new session: the password alone is not enough; the page asks for the code, no new QR code
    client.logout()
    client.force_login(official)
    assert client.get("/union/").status_code == 302
    page = client.get("/accounts/two-factor/").content.decode()
    assert "data:image/svg+xml" not in page and "Type the six-digit code" in page
    # the same code twice is refused (replay); the next step's code is accepted
    assert client.post("/accounts/two-factor/", {"otp_token": _code(device)}).status_code == 400
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0, throttling_failure_timestamp=None)
    assert client.post("/accounts/two-factor/", {"otp_token": _code(device, drift=1)}).status_code == 302
    assert client.get("/union/").status_code == 200


@pytest.mark.django_db
def test_an_administrator_sets_the_requirement_per_role(client, official, make_user) -> None:
    member = make_user("member", scope="pcs")
    TwoFactorRequirement.objects.create(role="union_official", required=False)
    TwoFactorRequirement.objects.create(role="member", required=True)
    client.force_login(official)
    assert client.get("/union/").status_code == 200
    client.force_login(member)
    assert client.get("/union/").status_code == 302


@pytest.mark.django_db
def test_the_demo_switches_it_off_and_says_so(client, official, settings) -> None:
    settings.MANDATE_DEMO = True
    assert "two-factor sign-in is switched off" in client.get("/accounts/login/").content.decode()
    client.force_login(official)
    assert client.get("/union/").status_code == 200
    settings.MANDATE_DEMO = False
    client.logout()
    assert "switched off" not in client.get("/accounts/login/").content.decode()


@pytest.mark.parametrize("demo,expected", [("0", ["union_official", "scrutineer", "trustee", "hr_admin"]),
                                           ("1", [])])
def test_production_settings_require_it_for_officials_scrutineers_trustees_and_hr(demo: str, expected) -> None:
    env = {k: v for k, v in os.environ.items() if k != "MANDATE_REQUIRE_2FA_ROLES"}
    env.update(MANDATE_DEMO=demo, DJANGO_SETTINGS_MODULE="mandate.platform.settings")
    out = subprocess.run([sys.executable, "-c", "from django.conf import settings; "
                          "print(','.join(settings.MANDATE_REQUIRE_2FA_ROLES))"],
                         env=env, capture_output=True, text=True, check=True).stdout.strip()
    assert [r for r in out.split(",") if r] == expected
