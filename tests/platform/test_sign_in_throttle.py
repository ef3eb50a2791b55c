"""Sign-in and password-reset throttling (django-axes): lockout per account and per address, every failure in
the audit log, a clear lockout page with a 4xx status."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.utils import timezone

from mandate.platform.models import AuditEntry

PASSWORD = "correct-horse-battery-staple"  # tests/conftest.py's TEST_PASSWORD


def _sign_in(client, username: str, password: str, address: str = "192.0.2.10"):  # type: ignore[no-untyped-def]
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


def _signed_in(client) -> bool:  # type: ignore[no-untyped-def]
    return "_auth_user_id" in client.session


@pytest.mark.django_db
def test_fifty_wrong_passwords_lock_the_account_and_the_right_one_is_refused_until_the_cool_off(
        client, make_user) -> None:
    make_user("staff_member", username="alice")
    statuses = [_sign_in(client, "alice", f"wrong-{i}").status_code for i in range(50)]
    limit = settings.AXES_FAILURE_LIMIT
    assert statuses[:limit - 1] == [200] * (limit - 1)  # the form again, with its error
    assert set(statuses[limit:]) == {429}, statuses
    response = _sign_in(client, "alice", PASSWORD)
    assert response.status_code == 429 and not _signed_in(client)
    page = response.content.decode()
    assert "Too many attempts" in page and "even with the" in page and "15 minutes" in page
    assert "site.css" in page  # the site's own styled page, not a bare text response

    # every failure is in the audit log, with the account and address, never the password
    failures = AuditEntry.objects.filter(action="sign_in.failed", object_id="alice")
    assert failures.count() == 51
    assert failures.first().detail["address"] == "192.0.2.10"
    assert AuditEntry.objects.filter(action="sign_in.locked_out").exists()
    logged = json.dumps(list(AuditEntry.objects.values_list("detail", flat=True)))
    assert "wrong-" not in logged and PASSWORD not in logged

    # the cool-off over (the attempts aged past it), the right password works again
    AccessAttempt.objects.update(attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - dt.timedelta(seconds=1))
    response = _sign_in(client, "alice", PASSWORD)
    assert response.status_code == 302 and _signed_in(client)


@pytest.mark.django_db
def test_the_lock_is_per_account_and_per_address(client, make_user) -> None:
    make_user("staff_member", username="alice")
    make_user("staff_member", username="bob")
    make_user("staff_member", username="carol")
    for i in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(client, "alice", f"wrong-{i}", address="192.0.2.10")
    # per account: alice is locked from any address
    assert _sign_in(client, "alice", PASSWORD, address="198.51.100.7").status_code == 429
    # per address (as configured, AXES_LOCKOUT_PARAMETERS): another account from the locked address is refused
    assert _sign_in(client, "bob", PASSWORD, address="192.0.2.10").status_code == 429
    assert not _signed_in(client)
    # another account from another address signs in
    assert _sign_in(client, "carol", PASSWORD, address="198.51.100.7").status_code == 302
    assert _signed_in(client)


@pytest.mark.django_db
def test_a_success_before_the_limit_resets_the_count(client, make_user) -> None:
    make_user("staff_member", username="alice")
    for _ in range(2):
        for i in range(settings.AXES_FAILURE_LIMIT - 1):
            assert _sign_in(client, "alice", f"wrong-{i}").status_code == 200
        assert _sign_in(client, "alice", PASSWORD).status_code == 302
        client.post("/accounts/logout/")


@pytest.mark.django_db
def test_password_reset_requests_are_throttled_per_address_and_per_email(client, make_user) -> None:
    user = make_user("staff_member", username="alice")
    user.email = "alice@example.org"
    user.save()
    limit = settings.MANDATE_RESET_LIMIT
    for _ in range(limit):
        response = client.post("/accounts/password/reset/", {"email": "alice@example.org"}, REMOTE_ADDR="192.0.2.1")
        assert response.status_code == 302
    response = client.post("/accounts/password/reset/", {"email": "alice@example.org"}, REMOTE_ADDR="192.0.2.1")
    assert response.status_code == 429 and "password reset requests" in response.content.decode()
    # the same e-mail address from another address: refused too (per e-mail address)
    response = client.post("/accounts/password/reset/", {"email": "ALICE@example.org"}, REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 429
    # another e-mail address from another address is served
    response = client.post("/accounts/password/reset/", {"email": "bob@example.org"}, REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 302
    logged = json.dumps(list(AuditEntry.objects.values_list("detail", flat=True)))
    assert "alice@example.org" not in logged.lower()
    assert AuditEntry.objects.filter(action="password_reset.refused").count() == 2


@pytest.mark.django_db
def test_a_sign_in_without_a_request_is_not_throttled(make_user) -> None:
    from django.contrib.auth import authenticate

    make_user("staff_member", username="alice")
    for _ in range(10):
        assert authenticate(username="alice", password="wrong") is None
    assert authenticate(username="alice", password=PASSWORD) is not None


@pytest.mark.django_db
def test_an_administrator_unlocks_an_account(client, make_user) -> None:
    from django.core.management import call_command

    make_user("staff_member", username="alice")
    for i in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(client, "alice", f"wrong-{i}")
    assert _sign_in(client, "alice", PASSWORD).status_code == 429
    call_command("axes_reset_username", "alice", verbosity=0)
    assert _sign_in(client, "alice", PASSWORD).status_code == 302
