"""k-of-n trustee key generation: a Pedersen distributed key generation with commit-then-reveal.

Each trustee i (1..n) picks a random polynomial f_i of degree k-1 over the scalars, with coefficient
commitments A_{i,l} = a_{i,l} G. Phase 1: every trustee publishes the hash of its commitments (so that a
rushing trustee, who speaks last, cannot choose its polynomial after seeing the others'). Phase 2: every trustee
reveals its commitments with a Schnorr proof of knowledge of a_{i,0}; anyone checks each reveal against its
commitment. Phase 3: trustee i sends f_i(j) to trustee j privately; j checks f_i(j) G == sum_l j^l A_{i,l}.
Trustee j's key share is x_j = sum_i f_i(j); its public verification key X_j = x_j G is computable by anyone
from the commitments, and the election public key is PK = sum_i A_{i,0}.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from mandate.crypto import group
from mandate.crypto.group import GROUP_NAME, ORDER
from mandate.crypto.hashing import TAG_DKG_COMMIT, TAG_SCHNORR_POK, hash_bytes, text, u64
from mandate.crypto.proofs import ChallengeResponse, schnorr_prove, schnorr_verify
from mandate.crypto.secrets import Secret, random_secret_scalar


def commitment_hash(manifest_hash: bytes, trustee: int, threshold: int, coefficients: Sequence[bytes]) -> bytes:
    """The 32-byte commitment a trustee publishes before revealing its coefficient commitments."""
    return hash_bytes(
        TAG_DKG_COMMIT, text(GROUP_NAME), manifest_hash, u64(trustee), u64(threshold), *coefficients
    )[:32]


def pok_items(manifest_hash: bytes, trustee: int) -> tuple[bytes, ...]:
    return (text(GROUP_NAME), manifest_hash, u64(trustee))


def verify_pok(manifest_hash: bytes, trustee: int, a0: bytes, proof: ChallengeResponse) -> bool:
    return schnorr_verify(TAG_SCHNORR_POK, a0, proof, pok_items(manifest_hash, trustee))


def eval_commitments(coefficients: Sequence[bytes], j: int) -> bytes:
    """sum_l j^l A_l: the public image f(j) G of a committed polynomial."""
    acc = group.IDENTITY
    power = 1
    for a in coefficients:
        acc = group.add(acc, group.mul(power, a))
        power = (power * j) % ORDER
    return acc


def verification_key(all_coefficients: Sequence[Sequence[bytes]], j: int) -> bytes:
    return group.sum_points([eval_commitments(c, j) for c in all_coefficients])


def election_public_key(all_coefficients: Sequence[Sequence[bytes]]) -> bytes:
    return group.sum_points([c[0] for c in all_coefficients])


@dataclass
class Trustee:
    """One trustee's side of the key generation (its secrets never leave this object)."""

    index: int
    threshold: int
    _coefficients: list[Secret] = field(default_factory=list, repr=False)
    commitments: list[bytes] = field(default_factory=list)
    _received: dict[int, Secret] = field(default_factory=dict, repr=False)
    key_share: Secret | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if not self._coefficients:
            self._coefficients = [random_secret_scalar("polynomial coefficient") for _ in range(self.threshold)]
            self.commitments = [group.base_mul(a.reveal()) for a in self._coefficients]

    def commit(self, manifest_hash: bytes) -> bytes:
        return commitment_hash(manifest_hash, self.index, self.threshold, self.commitments)

    def reveal(self, manifest_hash: bytes) -> tuple[list[bytes], ChallengeResponse]:
        proof = schnorr_prove(
            TAG_SCHNORR_POK, self._coefficients[0], self.commitments[0], pok_items(manifest_hash, self.index)
        )
        return list(self.commitments), proof

    def share_for(self, j: int) -> Secret:
        """f_i(j), to be sent to trustee j over a private channel."""
        acc = 0
        for a in reversed(self._coefficients):
            acc = (acc * j + a.reveal()) % ORDER
        return Secret("key share contribution", acc)

    def receive(self, sender: int, sender_commitments: Sequence[bytes], share: Secret) -> bool:
        """Check a share against the sender's published commitments; keep it if it is right."""
        if group.base_mul(share.reveal()) != eval_commitments(sender_commitments, self.index):
            return False
        self._received[sender] = share
        return True

    def finish(self, n: int) -> bytes:
        if sorted(self._received) != list(range(1, n + 1)):
            raise ValueError("a share from every trustee is needed")
        x = sum(s.reveal() for s in self._received.values()) % ORDER
        self.key_share = Secret("trustee key share", x)
        return group.base_mul(x)


def run_dkg(n: int, k: int, manifest_hash: bytes) -> tuple[list[Trustee], list[bytes], list[tuple[list[bytes], ChallengeResponse]]]:
    """Run the whole key generation in one process (simulator, tests). Returns the trustees, their phase-1
    commitments and their phase-2 reveals."""
    if not 1 <= k <= n:
        raise ValueError("need 1 <= threshold <= trustees")
    trustees = [Trustee(i, k) for i in range(1, n + 1)]
    commits = [t.commit(manifest_hash) for t in trustees]
    reveals = [t.reveal(manifest_hash) for t in trustees]
    for sender in trustees:
        for receiver in trustees:
            if not receiver.receive(sender.index, sender.commitments, sender.share_for(receiver.index)):
                raise RuntimeError("a key share did not match its commitments")
    for t in trustees:
        t.finish(n)
    return trustees, commits, reveals
