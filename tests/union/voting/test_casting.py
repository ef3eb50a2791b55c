"""The member's side: the voting link and its one-time code, the booth page, and the casting endpoints (the
page's session with CSRF, the client's token), with every refusal a 4xx naming its reason and a double submit
giving the same receipt, never two entries."""

from __future__ import annotations

import json
import logging
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from mandate.union.models import RecordEvent, VotingCode
from mandate.union.voting import access
from tests.union.voting.helpers import Open, open_election

pytestmark = pytest.mark.django_db

YES_NO = {"action_short_of_strike": 1, "strike": 0}


@pytest.fixture
def eb(union_org, settings) -> Open:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return open_election(union_org, members=4)


def _code_from_outbox() -> str:
    match = re.search(r"is (\d{6})\.", mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return match[1]


def signed_in(eb: Open, number: str | None = None) -> tuple[Client, str]:
    """A browser (CSRF enforced) through the real link and code; returns it and the member's number."""
    elector = eb.electors[0] if number is None else next(e for e in eb.electors if e.membership_number == number)
    client = Client(enforce_csrf_checks=True)
    link = access.voting_path(eb.ballot, elector)
    page = client.get(link)
    assert page.status_code == 200
    token = page.cookies["csrftoken"].value if "csrftoken" in page.cookies else client.cookies["csrftoken"].value
    sent = client.post(link, {"action": "send", "csrfmiddlewaretoken": token})
    assert sent.status_code == 200 and b"type your code" in sent.content
    done = client.post(link, {"action": "verify", "code": _code_from_outbox(), "csrfmiddlewaretoken": token})
    assert done.status_code == 302 and done["Location"].endswith("/booth/")
    return client, elector.membership_number


def _post(client: Client, url: str, body: object, **extra: str):
    token = client.cookies["csrftoken"].value
    return client.post(url, json.dumps(body), content_type="application/json", HTTP_X_CSRFTOKEN=token, **extra)


def cast_url(eb: Open, what: str = "cast") -> str:
    return f"/vote/{eb.ballot.union.code}/{eb.ballot.code}/{what}.json"


def test_the_link_sends_a_code_to_the_personal_channel_and_opens_the_booth(eb: Open) -> None:
    client, _ = signed_in(eb)
    message = mail.outbox[-1]
    assert message.to == [eb.electors[0].member.personal_email]
    booth = client.get(f"/vote/{eb.ballot.union.code}/{eb.ballot.code}/booth/")
    assert booth.status_code == 200
    csp = booth["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "require-trusted-types-for 'script'" in csp
    html = booth.content.decode()
    from pathlib import Path

    sri = (Path(__file__).resolve().parents[3] / "build" / "booth" / "booth.js.sri").read_text().strip()
    sha = (Path(__file__).resolve().parents[3] / "build" / "booth" / "booth.js.sha256").read_text().strip()
    assert f'integrity="{sri}"' in html and sha in html
    assert "<script>" not in html and " on" not in re.sub(r"<[^>]*>", "", "")  # no inline script at all
    assert not re.search(r"<script(?![^>]*(src=|type=\"application/json\"))", html)
    for q in eb.ballot.questions.all():
        assert q.text in html
    from mandate.union import rules

    assert rules.paper_requirements(eb.ballot.opening_day)["statement"] in html


def test_the_booth_is_closed_without_the_code(eb: Open) -> None:
    client = Client()
    assert client.get(f"/vote/{eb.ballot.union.code}/{eb.ballot.code}/booth/").status_code == 403
    ballot = eb.ballot_json(eb.electors[0].membership_number, YES_NO)
    assert client.post(cast_url(eb), json.dumps({"ballot": ballot}), content_type="application/json").status_code == 403
    assert not RecordEvent.objects.filter(kind="ballot").exists()


def test_a_wrong_link_is_refused(eb: Open) -> None:
    path = access.voting_path(eb.ballot, eb.electors[0])
    assert Client().get(path[:-3] + "xx/").status_code == 404


def test_cast_receipt_double_submit_revote_and_replay(eb: Open) -> None:
    client, number = signed_in(eb)
    first = eb.ballot_json(number, YES_NO)
    r1 = _post(client, cast_url(eb), {"ballot": first})
    assert r1.status_code == 201, r1.content
    receipt = r1.json()
    from mandate.crypto.ballot import parse_ballot, tracking_code

    assert receipt["tracking_code"] == tracking_code(parse_ballot(first))
    assert receipt["replaced_earlier_ballot"] is False
    again = _post(client, cast_url(eb), {"ballot": first})  # the same ballot twice: the same receipt
    assert again.status_code == 200
    assert {k: v for k, v in again.json().items() if k != "already_received"} == {
        k: v for k, v in receipt.items() if k != "already_received"}
    assert RecordEvent.objects.filter(kind="ballot").count() == 1
    second = eb.ballot_json(number, {"action_short_of_strike": 0, "strike": 1})
    r2 = _post(client, cast_url(eb), {"ballot": second})
    assert r2.status_code == 201 and r2.json()["replaced_earlier_ballot"] is True
    replay = _post(client, cast_url(eb), {"ballot": first})  # the first again, after the re-vote
    assert replay.status_code == 409 and replay.json()["reason"] == "replay"
    assert RecordEvent.objects.filter(kind="ballot").count() == 2
    page = client.get(receipt_url := r2.json()["receipt_url"])
    assert page.status_code == 200 and r2.json()["tracking_code"] in page.content.decode()
    assert b"latest ballot of its credential" in page.content
    old = client.get(receipt_url.replace(r2.json()["tracking_code"], receipt["tracking_code"]))
    assert b"replaced it" in old.content


def test_refusals_name_their_reason(eb: Open, union_org) -> None:
    client, number = signed_in(eb)
    from mandate.crypto.ballot import ElectionContext, encrypt_ballot
    from mandate.crypto.credentials import CredentialAuthority

    stranger = CredentialAuthority().issue([("x", "unit")])["x"]
    other = ElectionContext(b"\x01" * 32, eb.ctx.public_key, eb.ctx.questions)
    cases = {
        "unknown_credential": encrypt_ballot(eb.ctx, stranger, YES_NO)[0].to_json(),
        "other_election": encrypt_ballot(other, eb.credentials[number], YES_NO)[0].to_json(),
        "malformed": {"election": "nope"},
    }
    for reason, body in cases.items():
        r = _post(client, cast_url(eb), {"ballot": body})
        assert r.status_code == 400 and r.json()["reason"] == reason, (reason, r.content)
        assert r.json()["error"]
    tampered = eb.ballot_json(number, YES_NO)
    tampered["signature"]["c"] = f"{int(tampered['signature']['c'][:2], 16) ^ 1:02x}" + tampered["signature"]["c"][2:]
    r = _post(client, cast_url(eb), {"ballot": tampered})
    assert r.status_code == 400 and r.json()["reason"] == "signature"
    big = _post(client, cast_url(eb), {"ballot": "x" * 70_000})
    assert big.status_code == 413 and big.json()["reason"] == "too_big"
    not_json = client.post(cast_url(eb), b"{", content_type="application/json",
                           HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value)
    assert not_json.status_code == 400 and not_json.json()["reason"] == "malformed"
    assert not RecordEvent.objects.filter(kind="ballot").exists()


def test_the_page_endpoint_needs_the_csrf_token(eb: Open) -> None:
    client, number = signed_in(eb)
    body = json.dumps({"ballot": eb.ballot_json(number, YES_NO)})
    assert client.post(cast_url(eb), body, content_type="application/json").status_code == 403
    assert not RecordEvent.objects.filter(kind="ballot").exists()


def test_after_the_close_nothing_is_taken(eb: Open) -> None:
    client, number = signed_in(eb)
    from mandate.union.models import Ballot

    Ballot.objects.filter(pk=eb.ballot.pk).update(stage="closed")
    r = _post(client, cast_url(eb), {"ballot": eb.ballot_json(number, YES_NO)})
    assert r.status_code == 409 and r.json()["reason"] in ("closed", "not_open")
    assert not RecordEvent.objects.filter(kind="ballot").exists()


def test_a_challenge_is_published_never_cast(eb: Open) -> None:
    client, number = signed_in(eb)
    body = eb.challenge_json(number, YES_NO)
    r = _post(client, cast_url(eb, "challenge"), body)
    assert r.status_code == 201, r.content
    assert RecordEvent.objects.filter(kind="challenge").count() == 1
    cast_it = _post(client, cast_url(eb), {"ballot": body["ballot"]})
    assert cast_it.status_code == 409 and cast_it.json()["reason"] == "challenged"
    forged = dict(body, reveal=[dict(x, vote=1 - x["vote"]) for x in body["reveal"]])
    other = eb.challenge_json(number, YES_NO)
    bad = _post(client, cast_url(eb, "challenge"), {"ballot": other["ballot"], "reveal": forged["reveal"]})
    assert bad.status_code == 400 and bad.json()["reason"] == "reveal"


def test_the_client_path_code_token_cast(eb: Open) -> None:
    api = Client(enforce_csrf_checks=True)  # no cookie: the token is the sign-in, so CSRF does not apply
    elector = eb.electors[1]
    key = access.access_key(eb.ballot, elector)
    base = f"/vote/{eb.ballot.union.code}/{eb.ballot.code}/api"
    sent = api.post(f"{base}/code.json", json.dumps({"access": key}), content_type="application/json")
    assert sent.status_code == 200 and sent.json()["channel"] == "email"
    wrong = api.post(f"{base}/verify.json", json.dumps({"access": key, "code": "000000" if _code_from_outbox() !=
                                                        "000000" else "111111"}), content_type="application/json")
    assert wrong.status_code == 400 and wrong.json()["reason"] == "wrong_code"
    ok = api.post(f"{base}/verify.json", json.dumps({"access": key, "code": _code_from_outbox()}),
                  content_type="application/json")
    token = ok.json()["token"]
    ballot = eb.ballot_json(elector.membership_number, YES_NO)
    no_token = api.post(f"{base}/cast.json", json.dumps({"ballot": ballot}), content_type="application/json")
    assert no_token.status_code == 401
    bad = api.post(f"{base}/cast.json", json.dumps({"ballot": ballot}), content_type="application/json",
                   HTTP_AUTHORIZATION="Bearer " + token[:-2] + "xx")
    assert bad.status_code == 401
    r = api.post(f"{base}/cast.json", json.dumps({"ballot": ballot}), content_type="application/json",
                 HTTP_AUTHORIZATION=f"Bearer {token}")
    assert r.status_code == 201, r.content
    assert RecordEvent.objects.filter(kind="ballot").count() == 1


def test_codes_are_rate_limited_expire_and_die_after_five_tries(eb: Open) -> None:
    elector = eb.electors[0]
    now = timezone.now()
    access.send_code(eb.ballot, elector, now=now)
    with pytest.raises(access.AccessRefused) as soon:
        access.send_code(eb.ballot, elector, now=now + timedelta(seconds=30))
    assert soon.value.status == 429 and soon.value.reason == "too_soon"
    for minute in range(1, 5):
        access.send_code(eb.ballot, elector, now=now + timedelta(minutes=minute * 2))
    with pytest.raises(access.AccessRefused) as many:
        access.send_code(eb.ballot, elector, now=now + timedelta(minutes=11))
    assert many.value.reason == "too_many_codes"
    code = _code_from_outbox()
    with pytest.raises(access.AccessRefused) as expired:
        access.check_code(eb.ballot, elector, code, now=now + timedelta(minutes=30))
    assert expired.value.reason == "expired"
    later = now + timedelta(hours=2)
    access.send_code(eb.ballot, elector, now=later)
    code = _code_from_outbox()
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(access.MAX_ATTEMPTS):
        with pytest.raises(access.AccessRefused):
            access.check_code(eb.ballot, elector, wrong, now=later)
    with pytest.raises(access.AccessRefused) as dead:
        access.check_code(eb.ballot, elector, code, now=later)  # the right code, too late
    assert dead.value.reason == "too_many_tries"
    assert not VotingCode.objects.filter(code_hash__contains=code).exists() or len(code) == 6
    assert all(code not in c.code_hash for c in VotingCode.objects.all())


def test_nothing_secret_reaches_the_logs_the_database_or_the_session(eb: Open, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    client, number = signed_in(eb)
    secret = eb.secret_hex(number)
    ballot = eb.ballot_json(number, YES_NO)
    _post(client, cast_url(eb), {"ballot": ballot})
    _post(client, cast_url(eb), {"ballot": {"election": "nope"}})
    logged = caplog.text
    assert secret not in logged and ballot["signature"]["c"] not in logged and ballot["credential"] not in logged
    from django.contrib.sessions.models import Session

    for s in Session.objects.all():
        assert secret not in json.dumps(s.get_decoded())
    from mandate.platform.models import AuditEntry

    assert all(secret not in json.dumps(a.detail) and ballot["credential"] not in json.dumps(a.detail)
               for a in AuditEntry.objects.all())
    for row in RecordEvent.objects.all():
        assert secret not in row.payload
