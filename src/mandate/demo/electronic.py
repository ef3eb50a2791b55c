"""Demo hook for electronic ballots: one counted (its record verifiable with `mandate record verify`) and one
open, so that a newcomer can vote as the demo `member` (their credential message is in the development mail
folder, var/mail, and on the demo-only page /union/demo/vote/ when MANDATE_DEMO=1).

Both run through the real services, dated from today: the Permissible Means of Voting Order is recorded as a
deployment records it (`mandate law commence`, in the data folder, if it is not recorded there yet); the
trustees (the scrutineer, `trustee` and `trustee2`, two of three to decrypt) and the credential authority are
played here in-process with the crypto engine's own code, each holding its own secrets, and hand the server
only what the record publishes. Their secrets are forgotten when the demo is loaded: the open ballot's count
needs new trustees' shares, which the demo cannot give (say so on the page).

Small electorates (the two smallest PCS workplaces) keep the demo's load time to seconds.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from mandate.crypto import group
from mandate.crypto.ballot import ElectionContext, encrypt_ballot
from mandate.crypto.credentials import CredentialAuthority, VoterCredential, sign_credential_list
from mandate.crypto.keygen import Trustee
from mandate.crypto.tally import decryption_share, share_context

TRUSTEES = ["scrutineer", "trustee", "trustee2"]
THRESHOLD = 2
OPEN_CODE = "ons-e-2026"
COUNTED_CODE = "ons-e-2026-pilot"


def _record_the_order(today: date) -> None:
    """The Order recorded as commenced in the demo's data folder, as `mandate law commence` would, unless a
    record of it is there already."""
    from django.conf import settings

    from mandate.law import recorded

    path = Path(settings.DATA_DIR) / recorded.RECORDS_FILE
    existing = recorded.loads(path.read_text(encoding="utf-8")) if path.exists() else []
    if any(r.id == "EBALLOT_ORDER" for r in existing):
        return
    rc = recorded.RecordedCommencement(
        id="EBALLOT_ORDER", si_number="2026/1234", in_force=min(date(2026, 9, 1), today - timedelta(days=60)),
        url="https://www.legislation.gov.uk/uksi/2026/1234/made", recorded_by="mandate demo",
        recorded_at=datetime.now(UTC).isoformat(timespec="seconds"), note="Recorded by the demo (illustrative).")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(recorded.dumps([*existing, rc]), encoding="utf-8")


def _trustee_accounts() -> None:
    from django.contrib.auth import get_user_model

    from mandate.platform.models import RoleAssignment

    users = get_user_model().objects
    if not users.filter(username="trustee2").exists():
        template = users.get(username="trustee")
        user = users.create_user("trustee2", email="trustee2@example.org")
        user.password = template.password  # the demo's one published password
        user.save(update_fields=["password"])
        RoleAssignment.objects.create(user=user, role="trustee", scope="pcs")


class _People:
    """The trustees and the credential authority, each with their own secrets (in this process only)."""

    def __init__(self) -> None:
        self.authority = CredentialAuthority()
        self.trustees = [Trustee(i, THRESHOLD) for i in range(1, len(TRUSTEES) + 1)]
        self.credentials: dict[str, VoterCredential] = {}

    def ceremony(self, election: Any) -> None:
        from mandate.union.electronic import services as es
        from mandate.union.models import RecordEvent

        eh = bytes.fromhex(RecordEvent.objects.get(election=election, seq=0).hash)
        for t in self.trustees:
            es.upload_trustee_message(election, {"trustee": t.index, "commitment": t.commit(eh).hex()},
                                      actor=TRUSTEES[t.index - 1])
        for t in self.trustees:
            coeffs, proof = t.reveal(eh)
            es.upload_trustee_message(election, {"trustee": t.index, "coefficients": [c.hex() for c in coeffs],
                                                 "proof": proof.to_json()}, actor=TRUSTEES[t.index - 1])
        for s in self.trustees:
            for r in self.trustees:
                r.receive(s.index, s.commitments, s.share_for(r.index))
        for t in self.trustees:
            t.finish(len(self.trustees))
        election.refresh_from_db()

    def credentials_for(self, election: Any) -> None:
        from mandate.union.electronic import services as es

        electors = election.ballot.electors.select_related("unit").order_by("membership_number")
        self.credentials = self.authority.issue([(e.membership_number, es.unit_id(e.unit)) for e in electors])
        entries = self.authority.public_list()
        sig = sign_credential_list(self.authority.secret, self.authority.public, bytes.fromhex(election.fingerprint),
                                   entries)
        es.upload_credentials(election, {"entries": [{"credential": e.credential.hex(), "unit": e.unit}
                                                     for e in entries], "signature": sig.to_json()},
                              actor="scrutineer")

    def decrypt(self, election: Any) -> None:
        from mandate.crypto.ballot import parse_point
        from mandate.crypto.elgamal import Ciphertext
        from mandate.union.electronic import record as rec
        from mandate.union.electronic import services as es
        from mandate.union.models import RecordEvent

        tally = rec.payload_of(RecordEvent.objects.get(election=election, kind="encrypted_tally"))
        fp, pk = bytes.fromhex(election.fingerprint), bytes.fromhex(election.public_key)
        for t in self.trustees[:THRESHOLD]:
            assert t.key_share is not None
            vk = group.base_mul(t.key_share.reveal())
            shares = []
            for item in tally["tallies"]:
                ct = Ciphertext(parse_point(item["alpha"], allow_identity=True),
                                parse_point(item["beta"], allow_identity=True))
                d, proof = decryption_share(t.key_share, vk, ct,
                                            share_context(fp, pk, t.index, item["unit"], item["question"]))
                shares.append({"unit": item["unit"], "question": item["question"], "share": d.hex(),
                               "proof": proof.to_json()})
            es.upload_trustee_message(election, {"trustee": t.index, "shares": shares}, actor=TRUSTEES[t.index - 1])


def _ballot(union: Any, dispute: Any, employer: Any, workplace: Any, *, code: str, title: str, opening: date,
            closing: date) -> Any:
    from mandate.union import ballots as svc
    from mandate.union import services

    b = svc.create_ballot(
        union, dispute, code=code, title=title, opening_day=opening, closing_day=closing, employers=[employer],
        workplaces=[workplace], voting_method="electronic",
        questions={"strike": {}, "action_short_of_strike": {
            "action_types": "Refusing to comply with individual attendance targets\nOvertime ban"}},
        scrutineer_name="Civica Election Services", scrutineer_username="scrutineer",
        caller="The General Secretary or the National Executive Committee of PCS", actor="demo")
    svc.freeze_electorate(b, actor="demo")
    services.issue_notices(b, sent_on=opening - timedelta(days=14), received_on=opening - timedelta(days=12),
                           actor="demo", today=opening)
    return b


def _election(ballot: Any, people: _People, today: date) -> Any:
    from mandate.union.electronic import services as es

    return es.create_election(
        ballot, trustees=TRUSTEES, threshold=THRESHOLD, credential_authority=people.authority.public.hex(),
        security_assessment="Civica Election Services: security assessment of mandate e-ballots (illustrative)",
        security_assessment_by="Civica Election Services", security_assessment_on=today - timedelta(days=45),
        personal_channels_only=True, actor="demo")


def build(*, seed: int, union: Any, dispute: Any, employer: Any) -> dict[str, Any]:
    """Both electronic ballots of PCS at the ONS; returns what the summary may print."""
    from django.contrib.auth import get_user_model
    from django.db.models import Count

    from mandate.union import services
    from mandate.union.models import Workplace
    from mandate.union.voting import delivery

    if get_user_model().objects.filter(username__in=TRUSTEES[:2]).count() < 2:
        return {}  # the demo's accounts are made first; without them (a partial build) there are no trustees
    today = date.today()
    _record_the_order(today)
    _trustee_accounts()
    rng = random.Random(seed)
    sites = list(Workplace.objects.filter(employer=employer).annotate(n=Count("members")).filter(n__gt=0)
                 .order_by("n", "code")[:2])
    if len(sites) < 2:
        return {}
    small, smaller = sites[1], sites[0]

    # ---- counted: a pilot ballot that closed a fortnight ago, counted, its record verified
    people = _People()
    counted = _ballot(union, dispute, employer, smaller, code=COUNTED_CODE,
                      title=f"PCS ONS {smaller.name}: electronic pilot ballot on individual attendance reports",
                      opening=today - timedelta(days=30), closing=today - timedelta(days=16))
    e = _election(counted, people, today)
    people.ceremony(e)
    people.credentials_for(e)
    services.record_credentials_sent(counted, actor="demo")
    services.open_ballot(counted, actor="demo", today=counted.opening_day)
    ctx = ElectionContext(bytes.fromhex(e.fingerprint), bytes.fromhex(e.public_key),
                          tuple(q.kind for q in counted.questions.order_by("pk")))
    voters = sorted(people.credentials)
    for number in voters:
        if rng.random() < 0.62:  # turnout
            votes = {"strike": int(rng.random() < 0.7), "action_short_of_strike": int(rng.random() < 0.85)}
            ballot, _ = encrypt_ballot(ctx, people.credentials[number], votes)
            _cast_on(counted, e, ballot.to_json())
    services.close_ballot(counted, actor="scrutineer", today=counted.closing_day + timedelta(days=1))
    people.decrypt(e)
    services.count(counted, actor="scrutineer", today=counted.closing_day + timedelta(days=1))

    # ---- open: voting now, until twelve days from today; every member's credential sent by mail or SMS
    people = _People()
    open_ballot = _ballot(union, dispute, employer, small, code=OPEN_CODE,
                          title=f"PCS ONS {small.name}: electronic ballot on individual attendance reports",
                          opening=today - timedelta(days=2), closing=today + timedelta(days=12))
    e2 = _election(open_ballot, people, today)
    people.ceremony(e2)
    people.credentials_for(e2)
    delivery.deliver(open_ballot, [(n, group.encode_scalar(c.secret.reveal()).hex())
                                   for n, c in sorted(people.credentials.items())], actor="scrutineer")
    services.record_credentials_sent(open_ballot, actor="demo")
    services.open_ballot(open_ballot, actor="demo")
    return {"counted": counted, "open": open_ballot, "electors": len(voters), "verified": e.verification}


def _cast_on(ballot: Any, election: Any, ballot_json: dict[str, Any]) -> None:
    """A member's ballot of the pilot, which closed before the demo was loaded: checked exactly as the booth's
    (signature, proofs, credential on the list, fingerprint) and appended; only the check that voting is open
    today is left out, as the ballots are the pilot's past ones."""
    from mandate.union.electronic import record as rec
    from mandate.union.electronic import services as es

    obj, _parsed, unit, code = es._check(election, ballot_json)
    rec.append_event(election, "ballot", {"ballot": obj, "tracking_code": code}, unit=unit)
