"""Voter credentials from a credential authority kept apart from the ballot server.

The authority issues each voter a signing key (a secret scalar x; the public credential is xG), keeps the
link between voters and credentials to itself, and publishes the list of public credentials with their ballot
unit, sorted by credential so that the order says nothing about who holds which, signed with its own Schnorr key.
The ballot server never holds a signing key, so it cannot add a ballot that verifies. Ballots are signed with
the voter's key (see :mod:`mandate.crypto.ballot`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from mandate.crypto import group
from mandate.crypto.hashing import (
    TAG_CREDENTIAL_LIST,
    TAG_CREDENTIAL_LIST_SIGNATURE,
    hash_bytes,
    text,
    u64,
)
from mandate.crypto.proofs import ChallengeResponse, schnorr_prove, schnorr_verify
from mandate.crypto.secrets import Secret, random_secret_scalar


@dataclass(frozen=True, slots=True)
class VoterCredential:
    """What the authority hands one voter: the signing key (secret) and the public credential."""

    secret: Secret
    public: bytes
    unit: str


@dataclass(frozen=True, slots=True)
class PublicCredential:
    credential: bytes
    unit: str


def credential_list_digest(fingerprint: bytes, entries: Sequence[PublicCredential]) -> bytes:
    items: list[bytes] = [fingerprint, u64(len(entries))]
    for e in entries:
        items.append(e.credential)
        items.append(text(e.unit))
    return hash_bytes(TAG_CREDENTIAL_LIST, *items)


def sign_credential_list(
    authority_secret: Secret, authority_public: bytes, fingerprint: bytes, entries: Sequence[PublicCredential]
) -> ChallengeResponse:
    digest = credential_list_digest(fingerprint, entries)
    return schnorr_prove(
        TAG_CREDENTIAL_LIST_SIGNATURE, authority_secret, authority_public, (text(group.GROUP_NAME), fingerprint, digest)
    )


def verify_credential_list(
    authority_public: bytes, fingerprint: bytes, entries: Sequence[PublicCredential], signature: ChallengeResponse
) -> bool:
    digest = credential_list_digest(fingerprint, entries)
    return schnorr_verify(
        TAG_CREDENTIAL_LIST_SIGNATURE, authority_public, signature, (text(group.GROUP_NAME), fingerprint, digest)
    )


@dataclass
class CredentialAuthority:
    """The credential authority: a party separate from the ballot server."""

    secret: Secret = field(default_factory=lambda: random_secret_scalar("credential authority key"))
    public: bytes = b""
    _issued: dict[str, VoterCredential] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if not self.public:
            self.public = group.base_mul(self.secret.reveal())

    def issue(self, voters: Iterable[tuple[str, str]]) -> dict[str, VoterCredential]:
        """Issue one credential per (voter id, ballot unit); returns voter id -> credential (private)."""
        out: dict[str, VoterCredential] = {}
        for voter_id, unit in voters:
            if voter_id in self._issued:
                raise ValueError(f"voter {voter_id!r} already has a credential")
            x = random_secret_scalar("voter signing key")
            cred = VoterCredential(x, group.base_mul(x.reveal()), unit)
            self._issued[voter_id] = cred
            out[voter_id] = cred
        return out

    def public_list(self) -> list[PublicCredential]:
        return sorted(
            (PublicCredential(c.public, c.unit) for c in self._issued.values()), key=lambda e: e.credential
        )
