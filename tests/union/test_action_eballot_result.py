"""The s.231A result of an electronic ballot, end to end: the ballot runs through the real services (the key
ceremony, credentials, ballots, close, decryption, count); its result package names the election record's
fingerprint and head hash; the employer's installation imports it and, given the public record the union
publishes, the verifier confirms in the employer's words that turnout and the majority per unit are what the
result says. A result altered before signing is caught by the same check."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from tests.union.electronic.helpers import People, electronic_ballot, record_the_order

from mandate.crypto.ballot import ElectionContext
from mandate.platform import exchange as ex
from mandate.union import action as act
from mandate.union import action_documents as docs
from mandate.union import services
from mandate.union.electronic import record as rec
from mandate.union.electronic import services as es
from mandate.union.electronic.models import RecordEvent
from mandate.workplace import received as wp
from mandate.workplace import received_record

pytestmark = pytest.mark.django_db(transaction=True)
Q = ("strike", "action_short_of_strike")


def _counted_eballot(union_org: Any, make_user: Any) -> Any:
    make_user("scrutineer", scope="pcs", username="civica")
    for i in (2, 3):
        make_user("trustee", scope="pcs", username=f"trustee{i}")
    people = People(3, 2)
    b = electronic_ballot(union_org, members=6, scrutineer_username="civica")
    e = es.create_election(b, trustees=["civica", "trustee2", "trustee3"], threshold=2,
                           credential_authority=people.authority.public.hex(),
                           security_assessment="Assessment by Civica", security_assessment_by="Civica",
                           security_assessment_on=date.today() - timedelta(days=20), personal_channels_only=True,
                           actor="official")
    eh = bytes.fromhex(RecordEvent.objects.get(election=e, seq=0).hash)
    for i in (1, 2, 3):
        es.upload_trustee_message(e, people.commit(i, eh))
    for i in (1, 2, 3):
        es.upload_trustee_message(e, people.reveal(i, eh))
    people.exchange_shares()
    e.refresh_from_db()
    members = [(x.membership_number, es.unit_id(x.unit)) for x in e.ballot.electors.select_related("unit")]
    es.upload_credentials(e, people.issue(members, bytes.fromhex(e.fingerprint)), actor="civica")
    services.record_credentials_sent(e.ballot, actor="official")
    services.open_ballot(e.ballot, actor="official")
    ctx = ElectionContext(bytes.fromhex(e.fingerprint), bytes.fromhex(e.public_key), Q)
    for (m, _), (s, a) in zip(members, [(1, 1), (1, 0), (1, 0), (0, 0)], strict=False):
        es.check_and_append_ballot(e, people.vote(ctx, m, {"strike": s, "action_short_of_strike": a}))
    services.close_ballot(e.ballot, actor="civica", today=e.ballot.closing_day + timedelta(days=1))
    tally = rec.payload_of(RecordEvent.objects.get(election=e, kind="encrypted_tally"))
    for j in (1, 3):
        es.upload_trustee_message(e, people.decrypt(j, bytes.fromhex(e.fingerprint), bytes.fromhex(e.public_key),
                                                    tally))
    services.count(e.ballot, actor="civica")
    after = e.ballot.closing_day + timedelta(days=1)
    services.issue_results(e.ballot, sent_on=after, today=after, actor="official")
    e.refresh_from_db()
    return e


def test_the_employer_checks_an_eballots_result_from_the_record(union_org, employer_org, make_user, settings,
                                                                tmp_path: Path):
    settings.DATA_DIR = tmp_path
    record_the_order(tmp_path)
    e = _counted_eballot(union_org, make_user)
    assert docs.election_record_of(e.ballot) == {"election_id": e.election_id, "fingerprint": e.fingerprint,
                                                 "head": e.head, "length": e.length, "method": "electronic"}
    result = next(doc for doc, *_ in docs.packageable(union_org) if doc.kind == "s231a-result")
    package = bytes(docs.package_document(union_org, result).package)
    wp.record_sender_key(employer_org, "PCS", act.public_key_of(union_org)[0])
    got = wp.import_package(employer_org, package, received_on=date.today(), expected_kind="s231a-result")
    assert got.facts["election_record"]["head"] == e.head
    record = tmp_path / "record.jsonl"
    record.write_text(rec.record_text(e), encoding="ascii")
    finding = received_record.check_result(got.facts, record, opening=e.ballot.opening_day)
    assert finding.ok, finding.lines
    text = "\n".join(finding.lines)
    entitled = e.ballot.electors.count()
    assert (f"the record proves 4 votes cast, as the result says; of the {entitled} entitled that is "
            f"{100 * 4 / entitled:.1f}%, so the turnout threshold of 50% was {'met' if 8 >= entitled else 'not met'}"
            in text)
    assert "Strike: 3 Yes and 1 No in the record, as the result says: a majority voted Yes" in text
    assert "Action short of a strike: 1 Yes and 3 No in the record, as the result says: no majority" in text
    # a result whose figures were altered before signing: the record disagrees
    altered = {**got.facts, "units": [{**u, "questions": {**u["questions"], "strike": {
        **u["questions"]["strike"], "yes": 4, "no": 0}}} for u in got.facts["units"]]}
    wrong = received_record.check_result(altered, record, opening=e.ballot.opening_day)
    assert not wrong.ok and "They disagree" in "\n".join(wrong.lines)
    # the record must be the one the result names: an earlier head is refused
    short = tmp_path / "short.jsonl"
    short.write_text("".join(rec.record_text(e).splitlines(keepends=True)[:-1]), encoding="ascii")
    assert not received_record.check_result(got.facts, short).ok
    assert ex.open_package(package, {bytes.fromhex(act.public_key_of(union_org)[0]): "PCS"}).kind == "s231a-result"
