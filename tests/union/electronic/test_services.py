"""An electronic ballot through the server's services: the election made from the ballot, the key ceremony and the
credentials uploaded and checked, ballots checked and appended (refusals with their reasons), the close, the
decryption shares (a wrong one named), the count through the rulebook and the verifier over the record."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from tests.union.electronic.helpers import People, electronic_ballot, record_the_order

from mandate.crypto.ballot import ElectionContext
from mandate.crypto.verifier import verify_record
from mandate.union import services
from mandate.union.electronic import record as rec
from mandate.union.electronic import services as es
from mandate.union.electronic.models import Election, RecordEvent
from mandate.union.errors import BallotError
from mandate.union.models import Mandate, UnitResult

pytestmark = pytest.mark.django_db(transaction=True)
Q = ("strike", "action_short_of_strike")


@pytest.fixture
def data_dir(settings, tmp_path: Path) -> Path:
    settings.DATA_DIR = tmp_path
    record_the_order(tmp_path)
    return tmp_path


@pytest.fixture
def accounts(make_user) -> list[Any]:
    return [make_user("scrutineer", scope="pcs", username="civica")] + [
        make_user("trustee", scope="pcs", username=f"trustee{i}") for i in range(2, 6)]


def _election(union_org: Any, people: People, members: int = 6) -> Election:
    b = electronic_ballot(union_org, members=members, scrutineer_username="civica")
    return es.create_election(b, trustees=["civica", "trustee2", "trustee3", "trustee4", "trustee5"][:people.n],
                              threshold=people.k, credential_authority=people.authority.public.hex(),
                              security_assessment="Assessment by Civica, ref SA-2026-11", security_assessment_by="Civica",
                              security_assessment_on=date.today() - timedelta(days=20), personal_channels_only=True,
                              actor="official")


def _ceremony(e: Election, people: People) -> None:
    eh = bytes.fromhex(RecordEvent.objects.get(election=e, seq=0).hash)
    for i in range(1, people.n + 1):
        es.upload_trustee_message(e, people.commit(i, eh), actor=f"{'civica' if i == 1 else f'trustee{i}'}")
    for i in range(1, people.n + 1):
        es.upload_trustee_message(e, people.reveal(i, eh))
    people.exchange_shares()
    e.refresh_from_db()


def _ctx(e: Election) -> ElectionContext:
    return ElectionContext(bytes.fromhex(e.fingerprint), bytes.fromhex(e.public_key), Q)


def test_a_whole_ballot_through_the_services(union_org, accounts, data_dir: Path, tmp_path: Path, client) -> None:
    people = People(5, 3)
    e = _election(union_org, people)
    manifest = rec.payload_of(RecordEvent.objects.get(election=e, seq=0))
    assert [q["text"] for q in manifest["questions"]] == list(e.ballot.questions.order_by("pk").values_list("text", flat=True))
    assert manifest["trustees"] == 5 and manifest["threshold"] == 3
    _ceremony(e, people)
    assert e.fingerprint and RecordEvent.objects.filter(election=e, kind="election_key").count() == 1
    electors = list(e.ballot.electors.select_related("unit"))
    members = [(x.membership_number, es.unit_id(x.unit)) for x in electors]
    es.upload_credentials(e, people.issue(members, bytes.fromhex(e.fingerprint)), actor="civica")
    services.record_credentials_sent(e.ballot, actor="official")
    services.open_ballot(e.ballot, actor="official")
    ctx = _ctx(e)
    votes = [(1, 1), (1, 0), (0, 0), (1, 1)]
    for (m, _), (s, a) in zip(members, votes, strict=False):
        receipt = es.check_and_append_ballot(e, people.vote(ctx, m, {"strike": s, "action_short_of_strike": a}))
        assert len(receipt.tracking_code) == 64 and not receipt.replaces_earlier
    # member 0 re-votes No/No: the last counts
    again = es.check_and_append_ballot(e, people.vote(ctx, members[0][0], {"strike": 0, "action_short_of_strike": 0}))
    assert again.replaces_earlier
    ballot, reveal = people.challenge(ctx, members[4][0], {"strike": 1, "action_short_of_strike": 1})
    assert es.check_and_append_challenge(e, ballot, reveal).kind == "challenge"
    turnout = es.turnout(e)
    assert [(t["entitled"], t["credentials"], t["voted"]) for t in turnout] == [(len(electors), len(electors), 4)]
    services.close_ballot(e.ballot, actor="civica", today=e.ballot.closing_day + timedelta(days=1))
    tally = rec.payload_of(RecordEvent.objects.get(election=e, kind="encrypted_tally"))
    fp, pk = bytes.fromhex(e.fingerprint), bytes.fromhex(e.public_key)
    with pytest.raises(es.ElectronicError, match="trustee 2's decryption share .* trustee 2 published a wrong share"):
        es.upload_trustee_message(e, people.decrypt(2, fp, pk, tally, wrong=True), actor="trustee2")
    for j in (1, 3, 5):
        es.upload_trustee_message(e, people.decrypt(j, fp, pk, tally))
    assert es.result_figures(e) == {
        es.unit_id(electors[0].unit): {"strike": {"yes": 2, "no": 2, "ballots": 4},
                                       "action_short_of_strike": {"yes": 1, "no": 3, "ballots": 4}}}
    services.count(e.ballot, actor="civica")
    e.refresh_from_db()
    assert e.verification["ok"] and e.verification["head"] == e.head
    by_kind = {r.question.kind: r for r in UnitResult.objects.filter(unit__ballot=e.ballot)}
    assert (by_kind["strike"].voted, by_kind["strike"].yes, by_kind["strike"].no) == (4, 2, 2)
    assert not by_kind["action_short_of_strike"].supported
    assert Mandate.objects.filter(ballot=e.ballot, kind="strike").exists() == by_kind["strike"].supported
    path = tmp_path / "record.jsonl"
    path.write_text(rec.record_text(e), encoding="ascii")
    report = verify_record(path, workers=1)
    assert report.ok and report.verified is not None
    assert report.verified.ballots.counted == 4 and report.verified.ballots.challenged == 1
    after = e.ballot.closing_day + timedelta(days=1)
    docs = services.issue_results(e.ballot, sent_on=after, today=after, actor="official")
    members = next(d for d in docs if d.kind == "s231-result")
    report_doc = services.issue_report(e.ballot, sent_on=after, today=after, actor="civica")
    for html in (members.html, report_doc.html):
        assert e.fingerprint in html and e.head in html and "Every check passed" in html
    assert "Ballots cast: 5; counted (the last of each member's): 4" in report_doc.html
    board = client.get(f"/board/pcs/{e.ballot.code}/").content.decode()  # the public board, signed out
    assert "The result, decrypted" in board and "verified</strong>" in board
    assert f"<td>{electors[0].unit.name}</td><td>Action short of a strike</td><td class=\"num\">1</td>" in board


def test_ballots_refused_with_the_reason(union_org, accounts, data_dir: Path) -> None:
    people = People(3, 2)
    e = _election(union_org, people)
    _ceremony(e, people)
    electors = list(e.ballot.electors.select_related("unit"))
    members = [(x.membership_number, es.unit_id(x.unit)) for x in electors]
    es.upload_credentials(e, people.issue(members[:5], bytes.fromhex(e.fingerprint)))
    ctx = _ctx(e)
    early = people.vote(ctx, members[0][0], {"strike": 1, "action_short_of_strike": 1})
    with pytest.raises(es.BallotRefused) as refused:
        es.check_and_append_ballot(e, early)
    assert refused.value.reason == "not_open"
    services.record_credentials_sent(e.ballot)
    services.open_ballot(e.ballot)
    es.check_and_append_ballot(e, early)
    with pytest.raises(es.BallotRefused) as refused:  # the same ballot again
        es.check_and_append_ballot(e, early)
    assert refused.value.reason == "replayed"
    outsider = People(1, 1)
    outsider.credentials.update(outsider.authority.issue([("X", members[0][1])]))
    with pytest.raises(es.BallotRefused) as refused:
        es.check_and_append_ballot(e, outsider.vote(ctx, "X", {"strike": 1, "action_short_of_strike": 1}))
    assert refused.value.reason == "unknown_credential"
    other = ElectionContext(bytes(32), ctx.public_key, Q)
    with pytest.raises(es.BallotRefused) as refused:
        es.check_and_append_ballot(e, people.vote(other, members[1][0], {"strike": 1, "action_short_of_strike": 1}))
    assert refused.value.reason == "other_election"
    tampered = people.vote(ctx, members[1][0], {"strike": 1, "action_short_of_strike": 1})
    tampered["answers"][0], tampered["answers"][1] = tampered["answers"][1], tampered["answers"][0]
    with pytest.raises(es.BallotRefused) as refused:
        es.check_and_append_ballot(e, tampered)
    assert refused.value.reason == "questions"
    forged = people.vote(ctx, members[1][0], {"strike": 1, "action_short_of_strike": 1})
    forged["signature"]["c"] = people.vote(ctx, members[1][0], {"strike": 1, "action_short_of_strike": 1})["signature"]["c"]
    with pytest.raises(es.BallotRefused) as refused:
        es.check_and_append_ballot(e, forged)
    assert refused.value.reason == "signature"
    for junk in ("not json", b"\xff", "[]", '{"election": 1}'):
        with pytest.raises(es.BallotRefused) as refused:
            es.check_and_append_ballot(e, junk)
        assert refused.value.reason == "malformed"
    assert RecordEvent.objects.filter(election=e, kind="ballot").count() == 1


def test_uploads_checked_and_secrets_refused(union_org, accounts, make_user, data_dir: Path) -> None:
    official = make_user("union_official", scope="pcs", username="official")
    people = People(3, 2)
    e = _election(union_org, people)
    eh = bytes.fromhex(RecordEvent.objects.get(election=e, seq=0).hash)
    secret_file = '{"mandate_secret": "mandate trustee secret", "public": {}, "secret": {"a": {"secret": "x", ' \
                  '"scalar": "' + "11" * 32 + '"}}}'
    with pytest.raises(es.SecretUploadRefused, match="secret file"):
        es.upload_trustee_message(e, secret_file, actor="trustee2")
    with pytest.raises(es.SecretUploadRefused):
        es.upload_trustee_message(e, {"trustee": 1, "commitment": {"secret": "k", "scalar": "00" * 32}})
    with pytest.raises(es.ElectronicError, match="you are trustee 2"):
        es.upload_trustee_message(e, people.commit(3, eh), actor="trustee2")
    with pytest.raises(BallotError, match="Only one of this ballot's trustees"):
        es.upload_trustee_message(e, people.commit(3, eh), actor=official)
    es.upload_trustee_message(e, people.commit(1, eh))
    with pytest.raises(es.ElectronicError, match="in the record already"):
        es.upload_trustee_message(e, people.commit(1, eh))
    with pytest.raises(es.ElectronicError, match="waiting for trustee 2, trustee 3"):
        es.upload_trustee_message(e, people.reveal(1, eh))
    es.upload_trustee_message(e, people.commit(2, eh))
    es.upload_trustee_message(e, people.commit(3, eh))
    bad = people.reveal(2, eh)
    bad["coefficients"] = people.reveal(3, eh)["coefficients"]
    with pytest.raises(es.ElectronicError, match="trustee 2's reveal does not match"):
        es.upload_trustee_message(e, bad)
    for i in (1, 2, 3):
        es.upload_trustee_message(e, people.reveal(i, eh))
    e.refresh_from_db()
    wrong = People(1, 1).issue([("M1", es.unit_id(e.ballot.units.get()))], bytes.fromhex(e.fingerprint))
    with pytest.raises(es.ElectronicError, match="does not verify against the credential authority"):
        es.upload_credentials(e, wrong)
    before = RecordEvent.objects.filter(election=e).count()
    assert before == 1 + 3 + 3 + 1
    text = rec.record_text(e)
    assert "scalar" not in text and "mandate_secret" not in text


def test_a_credential_reissued_after_publication_is_revoked(union_org, accounts, data_dir: Path) -> None:
    from mandate.crypto.credentials import sign_credential_list

    people = People(3, 2)
    e = _election(union_org, people)
    _ceremony(e, people)
    electors = list(e.ballot.electors.select_related("unit"))
    members = [(x.membership_number, es.unit_id(x.unit)) for x in electors]
    es.upload_credentials(e, people.issue(members, bytes.fromhex(e.fingerprint)), actor="civica")
    services.record_credentials_sent(e.ballot)
    services.open_ballot(e.ballot)
    ctx = _ctx(e)
    lost, voted = members[0][0], members[1][0]
    es.check_and_append_ballot(e, people.vote(ctx, voted, {"strike": 1, "action_short_of_strike": 1}))
    old = people.credentials[lost].public.hex()
    fp = bytes.fromhex(e.fingerprint)
    # the authority re-issues: a list of the new credential alone, signed; the old one named to revoke
    new = People(1, 1)
    new.credentials.update(new.authority.issue([(lost, members[0][1])]))
    entries = new.authority.public_list()
    listed = {"entries": [{"credential": x.credential.hex(), "unit": x.unit} for x in entries],
              "signature": sign_credential_list(people.authority.secret, people.authority.public, fp, entries).to_json()}
    with pytest.raises(es.ElectronicError, match="names the credentials it revokes"):
        es.upload_credentials(e, listed, actor="civica")
    with pytest.raises(es.ElectronicError, match="already cast a ballot"):
        es.upload_credentials(e, listed, actor="civica", revoke=[people.credentials[voted].public.hex()])
    es.upload_credentials(e, listed, actor="civica", revoke=[old])
    with pytest.raises(es.BallotRefused) as refused:
        es.check_and_append_ballot(e, people.vote(ctx, lost, {"strike": 1, "action_short_of_strike": 1}))
    assert refused.value.reason == "revoked_credential"
    es.check_and_append_ballot(e, new.vote(ctx, lost, {"strike": 0, "action_short_of_strike": 1}))
    with pytest.raises(es.ElectronicError, match="in the record already"):  # the same list twice
        es.upload_credentials(e, listed, actor="civica", revoke=[old])
    assert [(t["credentials"], t["voted"]) for t in es.turnout(e)] == [(len(electors), 2)]


def test_notices_cannot_be_withdrawn_once_the_record_has_begun(union_org, accounts, data_dir: Path) -> None:
    e = _election(union_org, People(3, 2))
    with pytest.raises(BallotError, match="election record has begun"):
        services.withdraw_notices(e.ballot, reason="The closing day was wrong")
    e.ballot.refresh_from_db()
    assert e.ballot.stage == "notices_issued"
