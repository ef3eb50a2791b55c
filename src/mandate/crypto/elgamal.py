"""Exponential ElGamal over ristretto255: a message m is encrypted as (g^r, h^r g^m).

Additive notation in code: ``alpha = r*G``, ``beta = r*H + m*G``. Ciphertexts add component-wise, so the sum of
encryptions is an encryption of the sum. Decryption yields ``m*G``; the small integer m is then recovered by
baby-step giant-step (:func:`mandate.crypto.tally.discrete_log`).
"""

from __future__ import annotations

from dataclasses import dataclass

from mandate.crypto import group
from mandate.crypto.secrets import Secret, random_secret_scalar


@dataclass(frozen=True, slots=True)
class Ciphertext:
    alpha: bytes
    beta: bytes

    def __add__(self, other: Ciphertext) -> Ciphertext:
        return Ciphertext(group.add(self.alpha, other.alpha), group.add(self.beta, other.beta))

    def __sub__(self, other: Ciphertext) -> Ciphertext:
        return Ciphertext(group.sub(self.alpha, other.alpha), group.sub(self.beta, other.beta))

    def to_json(self) -> dict[str, str]:
        return {"alpha": self.alpha.hex(), "beta": self.beta.hex()}


ZERO = Ciphertext(group.IDENTITY, group.IDENTITY)


@dataclass(frozen=True, slots=True)
class KeyPair:
    secret: Secret
    public: bytes


def generate_keypair() -> KeyPair:
    x = random_secret_scalar("elgamal secret key")
    return KeyPair(x, group.base_mul(x.reveal()))


def encrypt(public_key: bytes, m: int, nonce: Secret | None = None) -> tuple[Ciphertext, Secret]:
    """Encrypt the small integer m; returns the ciphertext and its nonce (kept secret by the caller)."""
    r = nonce if nonce is not None else random_secret_scalar("encryption nonce")
    rv = r.reveal()
    alpha = group.base_mul(rv)
    beta = group.add(group.mul(rv, public_key), group.base_mul(m))
    return Ciphertext(alpha, beta), r


def decrypt_to_point(secret_key: Secret, ct: Ciphertext) -> bytes:
    """m*G for the ciphertext (test and tally use: individual ballots are never decrypted)."""
    return group.sub(ct.beta, group.mul(secret_key.reveal(), ct.alpha))


def sum_ciphertexts(cts: list[Ciphertext]) -> Ciphertext:
    acc = ZERO
    for ct in cts:
        acc = acc + ct
    return acc
