"""Homomorphic tallies, threshold decryption with proofs, Lagrange combination, baby-step giant-step.

Individual ballots are never decrypted: the ciphertexts of the counted ballots (the last ballot of each
credential) are added per ballot unit and question; k trustees each publish a decryption share
D_j = x_j alpha with a Chaum-Pedersen proof; the shares are combined with Lagrange coefficients at 0, giving
M = beta - sum_j lambda_j D_j = (yes count) G, and the count is recovered by baby-step giant-step.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from mandate.crypto import group
from mandate.crypto.elgamal import Ciphertext
from mandate.crypto.group import ORDER
from mandate.crypto.hashing import challenge_context, text, u64
from mandate.crypto.proofs import ChallengeResponse, prove_dleq, verify_dleq
from mandate.crypto.secrets import Secret


def lagrange_at_zero(indices: Sequence[int], i: int) -> int:
    """The Lagrange coefficient of trustee i for interpolation at 0 over the given trustee indices."""
    num, den = 1, 1
    for j in indices:
        if j != i:
            num = (num * j) % ORDER
            den = (den * (j - i)) % ORDER
    return (num * pow(den, -1, ORDER)) % ORDER


def share_context(fingerprint: bytes, public_key: bytes, trustee: int, unit: str, question: str) -> tuple[bytes, ...]:
    return (*challenge_context(fingerprint, public_key), u64(trustee), text(unit), text(question))


def decryption_share(
    key_share: Secret, verification_key: bytes, ct: Ciphertext, context: Sequence[bytes]
) -> tuple[bytes, ChallengeResponse]:
    d = group.mul(key_share.reveal(), ct.alpha)
    return d, prove_dleq(key_share, verification_key, ct.alpha, d, context)


def verify_share(
    verification_key: bytes, ct: Ciphertext, share: bytes, proof: ChallengeResponse, context: Sequence[bytes]
) -> bool:
    return verify_dleq(verification_key, ct.alpha, share, proof, context)


def combine(ct: Ciphertext, shares: dict[int, bytes]) -> bytes:
    """M = beta - sum lambda_j D_j over the trustees that gave shares: M = m G."""
    idx = sorted(shares)
    acc = group.IDENTITY
    for j in idx:
        acc = group.add(acc, group.mul(lagrange_at_zero(idx, j), shares[j]))
    return group.sub(ct.beta, acc)


def discrete_log(point: bytes, bound: int) -> int:
    """The m in [0, bound] with m G == point, by baby-step giant-step; ValueError if there is none."""
    if point == group.IDENTITY:
        return 0
    m = max(1, math.isqrt(bound) + 1)
    table: dict[bytes, int] = {}
    p = group.IDENTITY
    for j in range(m):
        table.setdefault(p, j)
        p = group.add(p, group.GENERATOR)
    giant = group.base_mul(m)
    gamma = point
    for i in range(m + 1):
        hit = table.get(gamma)
        if hit is not None and i * m + hit <= bound:
            return i * m + hit
        gamma = group.sub(gamma, giant)
    raise ValueError("no discrete logarithm in range")
