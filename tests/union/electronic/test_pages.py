"""The electronic ballot's pages: the set-up with the rulebook's conditions, the members who cannot be reached (page
and CSV), a trustee's page and upload (a secret file refused, nothing appended), turnout as counts only, and the
public bulletin board (no sign-in): tracking codes, counts, head, the record's download, a tracking code checked."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from tests.union.electronic.helpers import People, electronic_ballot, record_the_order

from mandate.crypto.ballot import ElectionContext
from mandate.union import services
from mandate.union.electronic import record as rec
from mandate.union.electronic import services as es
from mandate.union.electronic.models import Election, RecordEvent

pytestmark = pytest.mark.django_db(transaction=True)
TRUSTEES = ["civica", "t2", "t3"]


@pytest.fixture
def world(union_org, make_user, settings, tmp_path: Path) -> dict[str, Any]:
    settings.DATA_DIR = tmp_path
    record_the_order(tmp_path)
    users = {"official": make_user("union_official", scope="pcs", username="official"),
             "civica": make_user("scrutineer", scope="pcs", username="civica"),
             "member": make_user("member", scope="pcs", username="member")}
    for t in TRUSTEES[1:]:
        users[t] = make_user("trustee", scope="pcs", username=t)
    b = electronic_ballot(union_org, members=4, scrutineer_username="civica")
    return {"ballot": b, "users": users, "people": People(3, 2)}


def _form(people: People) -> dict[str, str]:
    return {"trustees": "\n".join(TRUSTEES), "threshold": "2", "credential_authority": people.authority.public.hex(),
            "security_assessment": "SA-7", "security_assessment_by": "Civica",
            "security_assessment_on": (date.today() - timedelta(days=3)).isoformat(), "personal_channels_only": "on"}


def test_set_up_conditions_and_unreachable(client, world) -> None:
    b, users, people = world["ballot"], world["users"], world["people"]
    lost = b.electors.select_related("member").first().member
    lost.personal_email, lost.mobile = "", ""
    lost.save()
    client.force_login(users["official"])
    page = client.get(reverse("union:election", args=[b.pk])).content.decode()
    assert "1 member of the electorate has no personal email or mobile" in page
    assert "Not yet met:</strong> a personal email address or mobile number for every member" in page
    response = client.post(reverse("union:election", args=[b.pk]), _form(people), follow=True)
    assert "The conditions for electronic voting are not met" in response.content.decode()
    assert not Election.objects.exists()
    listing = client.get(reverse("union:election_unreachable", args=[b.pk])).content.decode()
    assert lost.membership_number in listing
    csv_text = client.get(reverse("union:election_unreachable", args=[b.pk]) + "?format=csv").content.decode()
    assert csv_text.splitlines()[1].startswith(lost.membership_number)
    lost.mobile = "07700 900111"
    lost.save()
    form = {**_form(people), "security_assessment_on": (date.today() + timedelta(days=3)).isoformat()}
    assert "not for a future date" in client.post(reverse("union:election", args=[b.pk]), form).content.decode()
    client.post(reverse("union:election", args=[b.pk]), _form(people))
    e = Election.objects.get()
    assert (e.trustees, e.threshold, e.length) == (3, 2, 1)
    client.post(reverse("union:election", args=[b.pk]), _form(people))  # twice: one record
    assert Election.objects.count() == 1 and RecordEvent.objects.count() == 1
    client.force_login(users["member"])
    assert client.get(reverse("union:election", args=[b.pk])).status_code == 403


def test_trustee_pages_upload_and_the_public_board(client, world) -> None:
    b, users, people = world["ballot"], world["users"], world["people"]
    client.force_login(users["official"])
    client.post(reverse("union:election", args=[b.pk]), _form(people))
    e = Election.objects.get()
    eh = bytes.fromhex(RecordEvent.objects.get(election=e, seq=0).hash)
    url = reverse("union:trustee", args=[b.pk])
    client.force_login(users["t2"])
    page = client.get(url).content.decode()
    assert "mandate trustee keygen --record record.jsonl --index 2" in page and "trustee-2.secret" in page
    secret = SimpleUploadedFile("trustee-2.secret", b'{"mandate_secret": "mandate trustee secret", "public": {}, '
                                                    b'"secret": {"k": {"secret": "c", "scalar": "' + b"1" * 64 + b'"}}}')
    page = client.post(url, {"file": secret}, follow=True).content.decode()
    assert "This is a secret file" in page and RecordEvent.objects.count() == 1
    wrong = SimpleUploadedFile("commit-3.json", json.dumps(people.commit(3, eh)).encode())
    assert "you are trustee 2" in client.post(url, {"file": wrong}, follow=True).content.decode()
    for i, t in enumerate(TRUSTEES, 1):
        client.force_login(users[t])
        client.post(url, {"file": SimpleUploadedFile(f"commit-{i}.json", json.dumps(people.commit(i, eh)).encode())})
    client.force_login(users["t2"])
    assert "mandate trustee reveal --record record.jsonl --secret trustee-2.secret" in client.get(url).content.decode()
    for i, t in enumerate(TRUSTEES, 1):
        client.force_login(users[t])
        client.post(url, {"file": SimpleUploadedFile(f"reveal-{i}.json", json.dumps(people.reveal(i, eh)).encode())})
    e.refresh_from_db()
    assert e.fingerprint
    people.exchange_shares()
    electors = list(b.electors.select_related("unit"))
    listed = people.issue([(x.membership_number, es.unit_id(x.unit)) for x in electors], bytes.fromhex(e.fingerprint))
    client.force_login(users["civica"])
    page = client.post(url, {"file": SimpleUploadedFile("credentials.json", json.dumps(listed).encode())},
                       follow=True).content.decode()
    assert "The signed list is in the record" in page
    client.force_login(users["official"])
    client.post(reverse("union:ballot_action", args=[b.pk, "credentials-sent"]))
    services.open_ballot(b)
    ctx = ElectionContext(bytes.fromhex(e.fingerprint), bytes.fromhex(e.public_key), ("strike", "action_short_of_strike"))
    receipts = [es.check_and_append_ballot(e, people.vote(ctx, x.membership_number, {"strike": 1,
                                                                                      "action_short_of_strike": 0}))
                for x in electors[:3]]
    turnout = client.get(reverse("union:turnout", args=[b.pk])).content.decode()
    assert f"3 of {len(electors)} members have voted" in turnout
    client.logout()
    board = reverse("board:board", args=["pcs", b.code])
    page = client.get(board).content.decode()
    e.refresh_from_db()
    assert e.head in page and receipts[1].tracking_code in page and "3 ballots in the record" in page
    found = client.get(board, {"code": receipts[0].tracking_code.upper()}).content.decode()
    assert "Found:" in found
    assert "Not found" in client.get(board, {"code": "ab" * 32}).content.decode()
    assert "That is not a tracking code" in client.get(board, {"code": "nonsense"}).content.decode()
    download = client.get(reverse("board:record", args=["pcs", b.code]))
    assert b"".join(download.streaming_content).decode() == rec.record_text(e)
    assert client.get(reverse("board:board", args=["pcs", "nope"])).status_code == 404
