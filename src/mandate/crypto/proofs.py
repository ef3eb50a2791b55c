"""Zero-knowledge proofs, all made non-interactive with *strong* Fiat-Shamir.

Every challenge hashes its own domain-separation tag, then the caller's context items (the group name, the
election fingerprint, the election public key and whatever else binds the proof to its place, such as the
voter's credential and the question), then the whole statement, then every commitment. All proofs are stored in
compact form (challenges and responses); the verifier recomputes the commitments and then the challenge.

* :func:`prove_01` / :func:`verify_01`: disjunctive Chaum-Pedersen proof that an ElGamal ciphertext holds 0 or 1.
* :func:`prove_dleq` / :func:`verify_dleq`: Chaum-Pedersen proof of equal discrete logs (decryption shares).
* :func:`schnorr_prove` / :func:`schnorr_verify`: Schnorr proof of knowledge, which with a message among its
  items is a Schnorr signature.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from mandate.crypto import group
from mandate.crypto.elgamal import Ciphertext
from mandate.crypto.group import GENERATOR, ORDER
from mandate.crypto.hashing import TAG_DCP, TAG_DECRYPTION, hash_to_scalar
from mandate.crypto.secrets import Secret, random_secret_scalar

Items = Sequence[bytes]


@dataclass(frozen=True, slots=True)
class ZeroOneProof:
    c0: int
    c1: int
    v0: int
    v1: int

    def to_json(self) -> dict[str, str]:
        return {k: group.encode_scalar(getattr(self, k)).hex() for k in ("c0", "c1", "v0", "v1")}

    @classmethod
    def from_json(cls, obj: dict[str, str]) -> ZeroOneProof:
        return cls(*(group.decode_scalar(bytes.fromhex(obj[k])) for k in ("c0", "c1", "v0", "v1")))


@dataclass(frozen=True, slots=True)
class ChallengeResponse:
    """A compact Chaum-Pedersen or Schnorr proof: challenge c and response v."""

    c: int
    v: int

    def to_json(self) -> dict[str, str]:
        return {"c": group.encode_scalar(self.c).hex(), "v": group.encode_scalar(self.v).hex()}


# ---------------------------------------------------------------- disjunctive Chaum-Pedersen (0 or 1)


def _dcp_challenge(context: Items, ct: Ciphertext, a0: bytes, b0: bytes, a1: bytes, b1: bytes) -> int:
    return hash_to_scalar(TAG_DCP, *context, ct.alpha, ct.beta, a0, b0, a1, b1)


def prove_01(public_key: bytes, ct: Ciphertext, m: int, nonce: Secret, context: Items) -> ZeroOneProof:
    """Prove that ct = (rG, rH + mG) with m in {0, 1}, without revealing m."""
    if m not in (0, 1):
        raise ValueError("a 0/1 proof needs m in {0, 1}")
    r = nonce.reveal()
    w = random_secret_scalar("proof nonce").reveal()
    # the simulated branch's challenge and response are published as they are: random, but not secret
    c_sim = group.random_scalar()
    v_sim = group.random_scalar()
    j = 1 - m  # the simulated branch
    a_sim = group.sub(group.base_mul(v_sim), group.mul(c_sim, ct.alpha))
    beta_j = group.sub(ct.beta, group.base_mul(j))
    b_sim = group.sub(group.mul(v_sim, public_key), group.mul(c_sim, beta_j))
    a_real = group.base_mul(w)
    b_real = group.mul(w, public_key)
    if m == 0:
        c = _dcp_challenge(context, ct, a_real, b_real, a_sim, b_sim)
    else:
        c = _dcp_challenge(context, ct, a_sim, b_sim, a_real, b_real)
    c_real = (c - c_sim) % ORDER
    v_real = (w + c_real * r) % ORDER
    if m == 0:
        return ZeroOneProof(c_real, c_sim, v_real, v_sim)
    return ZeroOneProof(c_sim, c_real, v_sim, v_real)


def verify_01(public_key: bytes, ct: Ciphertext, proof: ZeroOneProof, context: Items) -> bool:
    """Check a 0/1 proof. The ciphertext's points must already be decoded (valid, alpha not identity)."""
    try:
        a0 = group.sub(group.base_mul(proof.v0), group.mul(proof.c0, ct.alpha))
        b0 = group.sub(group.mul(proof.v0, public_key), group.mul(proof.c0, ct.beta))
        a1 = group.sub(group.base_mul(proof.v1), group.mul(proof.c1, ct.alpha))
        b1 = group.sub(group.mul(proof.v1, public_key), group.mul(proof.c1, group.sub(ct.beta, GENERATOR)))
    except group.DecodeError:
        return False
    c = _dcp_challenge(context, ct, a0, b0, a1, b1)
    return (proof.c0 + proof.c1) % ORDER == c


# ---------------------------------------------------------------- Chaum-Pedersen equality of discrete logs


def prove_dleq(secret: Secret, public: bytes, base: bytes, result: bytes, context: Items) -> ChallengeResponse:
    """Prove log_G(public) == log_base(result) (a trustee's decryption share: result = x * alpha)."""
    x = secret.reveal()
    w = random_secret_scalar("proof nonce").reveal()
    a = group.base_mul(w)
    b = group.mul(w, base)
    c = hash_to_scalar(TAG_DECRYPTION, *context, base, public, result, a, b)
    return ChallengeResponse(c, (w + c * x) % ORDER)


def verify_dleq(public: bytes, base: bytes, result: bytes, proof: ChallengeResponse, context: Items) -> bool:
    try:
        a = group.sub(group.base_mul(proof.v), group.mul(proof.c, public))
        b = group.sub(group.mul(proof.v, base), group.mul(proof.c, result))
    except group.DecodeError:
        return False
    return hash_to_scalar(TAG_DECRYPTION, *context, base, public, result, a, b) == proof.c


# ---------------------------------------------------------------- Schnorr proof of knowledge / signature


def schnorr_prove(tag: str, secret: Secret, public: bytes, items: Items) -> ChallengeResponse:
    """Prove knowledge of x with public = xG; the items (context and any message) are bound into the hash."""
    x = secret.reveal()
    w = random_secret_scalar("proof nonce").reveal()
    a = group.base_mul(w)
    c = hash_to_scalar(tag, *items, public, a)
    return ChallengeResponse(c, (w + c * x) % ORDER)


def schnorr_verify(tag: str, public: bytes, proof: ChallengeResponse, items: Items) -> bool:
    try:
        a = group.sub(group.base_mul(proof.v), group.mul(proof.c, public))
    except group.DecodeError:
        return False
    return hash_to_scalar(tag, *items, public, a) == proof.c
