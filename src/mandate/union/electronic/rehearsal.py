"""An electronic ballot's election set up in one process, the trustees and the credential authority played by
the crypto engine's own code here: for rehearsals, benchmarks and tests of what comes after the set-up (the
booth, casting, the count). A real ballot never does this: each trustee makes their key share on their own
device and the credential authority keeps its credentials (docs/e-ballots.md); the server only appends what they
publish. What this writes to the record is exactly what those people would publish."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mandate.crypto import group
from mandate.crypto.ballot import ElectionContext
from mandate.crypto.credentials import CredentialAuthority, VoterCredential, sign_credential_list
from mandate.crypto.hashing import PROTOCOL
from mandate.crypto.keygen import Trustee, election_public_key, run_dkg, verification_key


@dataclass
class Rehearsal:
    election: Any
    ctx: ElectionContext
    trustees: list[Trustee]  # each holding their key share (here, in this process)
    authority: CredentialAuthority
    credentials: dict[str, VoterCredential]  # membership number -> the member's credential


def set_up(ballot: Any, election_id: str, *, trustees: int = 3, threshold: int = 2) -> Rehearsal:
    """The election of `ballot` (its electorate frozen): manifest, key generation, election key and the signed
    credential list, appended to its record through the one append service."""
    from mandate.union.electronic import record as rec
    from mandate.union.models import Election, ListedCredential

    authority = CredentialAuthority()
    election = Election.objects.create(ballot=ballot, election_id=election_id, trustees=trustees,
                                       threshold=threshold, credential_authority=authority.public.hex())
    manifest = {"protocol": PROTOCOL, "group": "ristretto255", "generator": group.GENERATOR.hex(),
                "election_id": election_id, "title": ballot.title,
                "questions": [{"id": q.kind, "text": q.text} for q in ballot.questions.order_by("kind")],
                "units": [{"id": f"unit-{u.pk}", "name": u.name} for u in ballot.units.order_by("pk")],
                "trustees": trustees, "threshold": threshold, "credential_authority": authority.public.hex()}
    first = rec.append_event(election, "election", manifest)
    people, commits, reveals = run_dkg(trustees, threshold, bytes.fromhex(first.hash))
    for t, c in zip(people, commits, strict=True):
        rec.append_event(election, "dkg_commit", {"trustee": t.index, "commitment": c.hex()})
    for t, (coefficients, proof) in zip(people, reveals, strict=True):
        rec.append_event(election, "dkg_reveal", {"trustee": t.index, "coefficients": [c.hex() for c in coefficients],
                                                  "proof": proof.to_json()})
    everyone = [c for c, _ in reveals]
    pk = election_public_key(everyone)
    key = rec.append_event(election, "election_key", {"public_key": pk.hex(), "verification_keys": [
        {"trustee": t.index, "key": verification_key(everyone, t.index).hex()} for t in people]})
    Election.objects.filter(pk=election.pk).update(fingerprint=key.hash, public_key=pk.hex())
    election.refresh_from_db()
    electors = list(ballot.electors.order_by("membership_number"))
    issued = authority.issue([(e.membership_number, f"unit-{e.unit_id}") for e in electors])
    entries = authority.public_list()
    signature = sign_credential_list(authority.secret, authority.public, bytes.fromhex(key.hash), entries)
    ev = rec.append_event(election, "credentials", {
        "entries": [{"credential": e.credential.hex(), "unit": e.unit} for e in entries],
        "signature": signature.to_json()})
    ListedCredential.objects.bulk_create([ListedCredential(election=election, credential=e.credential.hex(),
                                                           unit=e.unit, seq=ev.seq) for e in entries], batch_size=2000)
    ctx = ElectionContext(bytes.fromhex(key.hash), pk, tuple(m["id"] for m in manifest["questions"]))
    return Rehearsal(election, ctx, people, authority, issued)
