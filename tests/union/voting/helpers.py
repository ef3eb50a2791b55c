"""An open electronic ballot for the member's side's tests: a frozen electorate, an election record set up by
the crypto engine (3 trustees' key generation, threshold 2, the election key, the credential authority's signed
list), each member's credential held here as the credential authority would deliver it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from mandate.crypto import group
from mandate.crypto.ballot import ElectionContext, encrypt_ballot, reveal_json
from mandate.crypto.credentials import CredentialAuthority, VoterCredential, sign_credential_list
from mandate.crypto.hashing import PROTOCOL
from mandate.crypto.keygen import election_public_key, run_dkg, verification_key

QUESTIONS = ("action_short_of_strike", "strike")


@dataclass
class Open:
    ballot: Any
    election: Any
    ctx: ElectionContext
    credentials: dict[str, VoterCredential]  # membership number -> credential (the member's, delivered)
    trustees: list[Any]
    authority: CredentialAuthority

    def secret_hex(self, number: str) -> str:
        return group.encode_scalar(self.credentials[number].secret.reveal()).hex()

    def ballot_json(self, number: str, votes: dict[str, int]) -> dict[str, Any]:
        b, _ = encrypt_ballot(self.ctx, self.credentials[number], votes)
        return b.to_json()

    def challenge_json(self, number: str, votes: dict[str, int]) -> dict[str, Any]:
        b, s = encrypt_ballot(self.ctx, self.credentials[number], votes)
        return {"ballot": b.to_json(), "reveal": reveal_json(b, s)}

    @property
    def electors(self) -> list[Any]:
        return list(self.ballot.electors.select_related("member", "unit").order_by("membership_number"))


def open_election(union: Any, *, members: int = 4, code: str = "ebv") -> Open:
    from mandate.union.electronic import record as rec
    from mandate.union.models import Ballot, Election, ListedCredential
    from tests.union.helpers import lifecycle_ballot

    today = date.today()
    ballot = lifecycle_ballot(union, members=members, code=code, stage="setup", opening=today - timedelta(days=1),
                              closing=today + timedelta(days=5))
    # The method and the stage are set directly: these tests are of the booth and the casting, not of the
    # set-up (tests/union/electronic/ and the browser journey take a ballot through the real steps).
    Ballot.objects.filter(pk=ballot.pk).update(voting_method="electronic", stage="open", status="open")
    ballot.refresh_from_db()
    authority = CredentialAuthority()
    election = Election.objects.create(ballot=ballot, election_id=f"{union.code}/{code}", trustees=3, threshold=2,
                                       credential_authority=authority.public.hex())
    units = list(ballot.units.all())
    manifest = {"protocol": PROTOCOL, "group": "ristretto255", "generator": group.GENERATOR.hex(),
                "election_id": election.election_id, "title": ballot.title,
                "questions": [{"id": q.kind, "text": q.text} for q in ballot.questions.order_by("kind")],
                "units": [{"id": f"unit-{u.pk}", "name": u.name} for u in units], "trustees": 3, "threshold": 2,
                "credential_authority": authority.public.hex()}
    first = rec.append_event(election, "election", manifest)
    trustees, commits, reveals = run_dkg(3, 2, bytes.fromhex(first.hash))
    for t, c in zip(trustees, commits, strict=True):
        rec.append_event(election, "dkg_commit", {"trustee": t.index, "commitment": c.hex()})
    for t, (coefficients, proof) in zip(trustees, reveals, strict=True):
        rec.append_event(election, "dkg_reveal", {"trustee": t.index, "coefficients": [c.hex() for c in coefficients],
                                                  "proof": proof.to_json()})
    everyone = [c for c, _ in reveals]
    pk = election_public_key(everyone)
    key = rec.append_event(election, "election_key", {"public_key": pk.hex(), "verification_keys": [
        {"trustee": t.index, "key": verification_key(everyone, t.index).hex()} for t in trustees]})
    Election.objects.filter(pk=election.pk).update(fingerprint=key.hash, public_key=pk.hex())
    election.refresh_from_db()
    electors = list(ballot.electors.select_related("unit").order_by("membership_number"))
    issued = authority.issue([(e.membership_number, f"unit-{e.unit_id}") for e in electors])
    entries = authority.public_list()
    signature = sign_credential_list(authority.secret, authority.public, bytes.fromhex(key.hash), entries)
    ev = rec.append_event(election, "credentials", {
        "entries": [{"credential": e.credential.hex(), "unit": e.unit} for e in entries],
        "signature": signature.to_json()})
    ListedCredential.objects.bulk_create([ListedCredential(election=election, credential=e.credential.hex(),
                                                           unit=e.unit, seq=ev.seq) for e in entries])
    ctx = ElectionContext(bytes.fromhex(key.hash), pk, tuple(m["id"] for m in manifest["questions"]))
    return Open(ballot, election, ctx, issued, trustees, authority)
