"""The Notices received page against bad input and the wrong role."""

from __future__ import annotations

import io

import pytest
from tests.conftest import TEST_PASSWORD

from mandate.workplace.models import ReceivedPackage, SenderKey

pytestmark = pytest.mark.django_db


def test_bad_input_and_roles(employer_org, client, make_user):
    make_user("hr_admin", "ons", username="hr")
    client.login(username="hr", password=TEST_PASSWORD)
    assert client.get("/workplace/received/").status_code == 200
    long_name = client.post("/workplace/received/sender-keys/", {"sender_name": "P" * 10_000, "public_key": "ab" * 32})
    assert long_name.status_code == 400 and SenderKey.objects.count() == 0
    nul = client.post("/workplace/received/sender-keys/", {"sender_name": "PCS\x00", "public_key": "ab" * 32})
    assert nul.status_code == 400
    junk = io.BytesIO(b"%PDF-1.7 not a package")
    junk.name = "x.json"
    refused = client.post("/workplace/received/import/", {"file": junk, "received_on": "2026-11-19"})
    assert refused.status_code == 400 and "not JSON" in refused.content.decode()
    no_date = io.BytesIO(b"{}")
    no_date.name = "x.json"
    assert client.post("/workplace/received/import/", {"file": no_date, "received_on": "19/13/2026"}).status_code == 400
    assert ReceivedPackage.objects.count() == 0
    client.logout()
    make_user("staff_member", "ons", username="staff")
    client.login(username="staff", password=TEST_PASSWORD)
    assert client.get("/workplace/received/").status_code == 403
    make_user("union_official", "pcs", username="official")
    client.logout()
    client.login(username="official", password=TEST_PASSWORD)
    assert client.get("/workplace/received/").status_code == 403
