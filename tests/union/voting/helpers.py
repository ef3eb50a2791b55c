"""An open electronic ballot for the member's side's tests: a frozen electorate, an election record set up by
the crypto engine (3 trustees' key generation, threshold 2, the election key, the credential authority's signed
list), each member's credential held here as the credential authority would deliver it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from mandate.crypto import group
from mandate.crypto.ballot import ElectionContext, encrypt_ballot, reveal_json
from mandate.crypto.credentials import CredentialAuthority, VoterCredential

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
    from tests.union.helpers import lifecycle_ballot

    from mandate.union.electronic import rehearsal
    from mandate.union.models import Ballot

    today = date.today()
    ballot = lifecycle_ballot(union, members=members, code=code, stage="setup", opening=today - timedelta(days=1),
                              closing=today + timedelta(days=5))
    # The method and the stage are set directly: these tests are of the booth and the casting, not of the
    # set-up (tests/union/electronic/ and the browser journey take a ballot through the real steps).
    Ballot.objects.filter(pk=ballot.pk).update(voting_method="electronic", stage="open", status="open")
    ballot.refresh_from_db()
    made = rehearsal.set_up(ballot, f"{union.code}/{code}")
    return Open(ballot, made.election, made.ctx, made.credentials, made.trustees, made.authority)
