"""Builders for electronic-ballot tests: an electronic ballot taken through the real services, and the trustees and
the credential authority played in-process with the crypto engine's own code (each holding its secrets; only what
the record publishes is handed to the server)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from mandate.crypto.ballot import ElectionContext, encrypt_ballot, reveal_json
from mandate.crypto.credentials import CredentialAuthority, VoterCredential, sign_credential_list
from mandate.crypto.keygen import Trustee
from mandate.crypto.tally import decryption_share, share_context
from mandate.law import recorded

AUTHORITY_KEY_DAY = date(2026, 12, 1)


def record_the_order(data_dir: Path, in_force: date | None = None) -> None:
    """`mandate law commence` as a deployment records the Permissible Means of Voting Order 2026."""
    rc = recorded.RecordedCommencement(
        id="EBALLOT_ORDER", si_number="2026/1234", in_force=in_force or date.today() - timedelta(days=60),
        url="https://www.legislation.gov.uk/uksi/2026/1234/made", recorded_by="A. Official",
        recorded_at=datetime(2026, 12, 4, 10, tzinfo=UTC).isoformat())
    path = data_dir / recorded.RECORDS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(recorded.dumps([rc]), encoding="utf-8")


def electronic_ballot(union: Any, *, members: int = 6, code: str = "eb", scrutineer_username: str = "",
                      opening: date | None = None, closing: date | None = None, counts: dict[str, int] | None = None,
                      ) -> Any:
    """An electronic ballot of the ONS, open today (opened 5 days ago, closing in 5), its electorate frozen and
    its notices received on time: at 'Notices issued'."""
    from tests.union.helpers import register_csv

    from mandate.union import ballots as svc
    from mandate.union import services
    from mandate.union.models import Dispute, Employer
    from mandate.union.register import import_register

    today = date.today()
    opening = opening or today - timedelta(days=5)
    closing = closing or today + timedelta(days=5)
    import_register(union, register_csv(counts or {"newport": members}, seed=3, start=7000))
    ons = Employer.objects.get(code="ons")
    dispute, _ = Dispute.objects.get_or_create(union=union, code="d", defaults={
        "title": "Attendance", "matters": "40%", "opened_on": date(2024, 4, 1)})
    wanted = list(counts or {"newport": 1})
    b = svc.create_ballot(union, dispute, code=code, title="Electronic ballot", opening_day=opening,
                          closing_day=closing, employers=[ons], questions={"strike": {}, "action_short_of_strike": {}},
                          scrutineer_name="Civica", scrutineer_username=scrutineer_username,
                          voting_method="electronic", workplaces=list(ons.workplaces.filter(code__in=wanted)))
    svc.freeze_electorate(b)
    services.issue_notices(b, sent_on=opening - timedelta(days=12), received_on=opening - timedelta(days=10))
    return b


@dataclass
class People:
    """The trustees and the credential authority, each on 'their own machine' (this object)."""

    n: int
    k: int
    authority: CredentialAuthority = field(default_factory=CredentialAuthority)
    trustees: list[Trustee] = field(default_factory=list)
    credentials: dict[str, VoterCredential] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.trustees = [Trustee(i, self.k) for i in range(1, self.n + 1)]

    def commit(self, i: int, election_hash: bytes) -> dict[str, Any]:
        return {"trustee": i, "commitment": self.trustees[i - 1].commit(election_hash).hex()}

    def reveal(self, i: int, election_hash: bytes) -> dict[str, Any]:
        coeffs, proof = self.trustees[i - 1].reveal(election_hash)
        return {"trustee": i, "coefficients": [c.hex() for c in coeffs], "proof": proof.to_json()}

    def exchange_shares(self) -> None:
        for s in self.trustees:
            for r in self.trustees:
                assert r.receive(s.index, s.commitments, s.share_for(r.index))
        for t in self.trustees:
            t.finish(self.n)

    def issue(self, members: list[tuple[str, str]], fingerprint: bytes) -> dict[str, Any]:
        self.credentials.update(self.authority.issue(members))
        entries = self.authority.public_list()
        sig = sign_credential_list(self.authority.secret, self.authority.public, fingerprint, entries)
        return {"entries": [{"credential": e.credential.hex(), "unit": e.unit} for e in entries],
                "signature": sig.to_json()}

    def vote(self, ctx: ElectionContext, member: str, votes: dict[str, int]) -> dict[str, Any]:
        ballot, _ = encrypt_ballot(ctx, self.credentials[member], votes)
        return ballot.to_json()

    def challenge(self, ctx: ElectionContext, member: str, votes: dict[str, int]) -> tuple[dict[str, Any], Any]:
        ballot, secrets = encrypt_ballot(ctx, self.credentials[member], votes)
        return ballot.to_json(), reveal_json(ballot, secrets)

    def decrypt(self, j: int, fingerprint: bytes, public_key: bytes, tally: dict[str, Any], *,
                wrong: bool = False) -> dict[str, Any]:
        from mandate.crypto import group
        from mandate.crypto.ballot import parse_point
        from mandate.crypto.elgamal import Ciphertext

        t = self.trustees[j - 1]
        assert t.key_share is not None
        vk = group.base_mul(t.key_share.reveal())
        shares = []
        for item in tally["tallies"]:
            ct = Ciphertext(parse_point(item["alpha"], allow_identity=True),
                            parse_point(item["beta"], allow_identity=True))
            d, proof = decryption_share(t.key_share, vk, ct, share_context(fingerprint, public_key, j, item["unit"],
                                                                           item["question"]))
            if wrong:
                d = group.add(d, group.GENERATOR)
            shares.append({"unit": item["unit"], "question": item["question"], "share": d.hex(),
                           "proof": proof.to_json()})
        return {"trustee": j, "shares": shares}
