"""The Action page's forms against bad input and the wrong role: a clear refusal, never a 500."""

from __future__ import annotations

import io
from datetime import date

import pytest
from pypdf import PdfReader
from tests.conftest import TEST_PASSWORD
from tests.union.action_helpers import counted_ballot

from mandate.union.models import ActionNotice, Mandate

pytestmark = pytest.mark.django_db


@pytest.fixture
def mandate(union_org) -> Mandate:
    b = counted_ballot(union_org, date(2026, 11, 2), date(2026, 11, 16))
    return Mandate.objects.get(ballot=b, kind="action_short_of_strike")


def _post(client, m, **over):
    data = {"mandate": m.pk, "continuous": "continuous", "days": "2026-12-01", "forms_of_action": "Overtime ban",
            "sent_on": "2026-11-18", "expected_receipt": "2026-11-19", **over}
    return client.post("/union/action/notices/new/", data)


def test_bad_input_is_refused_in_words(mandate, client, make_user):
    make_user("union_official", "pcs", username="official")
    client.login(username="official", password=TEST_PASSWORD)
    for over, words in [({"days": "x" * 10_000}, "at most 5000"), ({"days": "2026-12-01\x00"}, "Null characters"),
                        ({"forms_of_action": "ban\x00"}, "Null characters"), ({"days": "01/12/2026"}, "is not a date"),
                        ({"sent_on": "2026-02-30"}, "real date"), ({"mandate": "999999"}, "valid choice"),
                        ({"days": "2026-12-01\r2026-12-03", "continuous": "continuous"}, "one start day"),
                        ({"forms_of_action": ""}, "Name the forms")]:
        response = _post(client, mandate, **over)
        assert response.status_code == 400 and words.lower() in response.content.decode().lower(), over
    assert ActionNotice.objects.count() == 0
    ok = _post(client, mandate)
    assert ok.status_code == 302 and ActionNotice.objects.count() == 1
    again = _post(client, mandate)  # a double submit
    assert again.status_code == 302 and ActionNotice.objects.count() == 1
    n = ActionNotice.objects.get()
    pdf = client.get(f"/union/action/notices/{n.pk}.pdf")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Notice of industrial action" in text and "Overtime ban" in text and "1 December 2026" in text
    bad_key = client.post("/union/action/employer-keys/", {"employer": mandate.employer.pk, "public_key": "zz"})
    assert bad_key.status_code == 400 and "64 hexadecimal digits" in bad_key.content.decode()
    junk = io.BytesIO(b"\x00\x01 not json")
    junk.name = "ack.json"
    refused = client.post("/union/action/receipts/", {"file": junk})
    assert refused.status_code == 400 and "not JSON" in refused.content.decode()


def test_roles(mandate, client, make_user):
    make_user("branch_rep", "pcs", username="rep")
    client.login(username="rep", password=TEST_PASSWORD)
    assert client.get("/union/action/").status_code == 200
    assert _post(client, mandate).status_code == 403
    client.logout()
    make_user("hr_admin", "ons", username="hr")
    client.login(username="hr", password=TEST_PASSWORD)
    assert client.get("/union/action/").status_code == 403
