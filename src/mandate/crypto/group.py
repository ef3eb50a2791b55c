"""The prime-order group ristretto255 (RFC 9496), through libsodium (the `rbcl` binding).

One small interface hides the group from the rest of the engine:

* a **point** is its canonical 32-byte ristretto255 encoding (`bytes`); the identity is 32 zero bytes;
* a **scalar** is a Python `int` in ``[0, ORDER)``; scalar arithmetic is ordinary modular arithmetic.

Every point that comes from outside (a record, a ballot, a booth) must go through :func:`decode_point`, which
rejects wrong lengths and non-canonical or invalid encodings (libsodium's ``is_valid_point``), and optionally the
identity. Points produced by this module from valid points are valid by construction.
"""

from __future__ import annotations

import ctypes

from rbcl import (
    crypto_core_ristretto255_from_hash,
    crypto_core_ristretto255_is_valid_point,
    crypto_scalarmult_ristretto255,
    crypto_scalarmult_ristretto255_base,
)
from rbcl._sodium import _sodium as _lib  # the libsodium that rbcl bundles and has initialised

# rbcl's add/sub wrappers ignore libsodium's return code (an invalid operand silently gives 32 zero bytes), and
# its wrappers cost a few microseconds each in Python checks. The hot paths below call the same libsodium
# functions through rbcl's handle and check every return code.
_add = _lib.crypto_core_ristretto255_add
_sub = _lib.crypto_core_ristretto255_sub
_smul = _lib.crypto_scalarmult_ristretto255
_smul_base = _lib.crypto_scalarmult_ristretto255_base
_is_valid = _lib.crypto_core_ristretto255_is_valid_point
_buf = ctypes.create_string_buffer

#: The group's name, as the election event gives it and as every challenge hashes it (``text(GROUP_NAME)``).
GROUP_NAME = "ristretto255"
#: The order of the ristretto255 group (a prime), RFC 9496 section 4.
ORDER = 2**252 + 27742317777372353535851937790883648493
POINT_BYTES = 32
SCALAR_BYTES = 32
IDENTITY = bytes(POINT_BYTES)


class DecodeError(ValueError):
    """An encoding that is not a valid canonical group element or scalar."""


def _scalar_bytes(k: int) -> bytes:
    return (k % ORDER).to_bytes(SCALAR_BYTES, "little")


#: The standard generator (RFC 9496 section 4.4), computed once.
GENERATOR = crypto_scalarmult_ristretto255_base(_scalar_bytes(1))
assert crypto_core_ristretto255_is_valid_point(GENERATOR)
assert crypto_scalarmult_ristretto255(_scalar_bytes(2), GENERATOR) == crypto_scalarmult_ristretto255_base(
    _scalar_bytes(2)
)


def decode_point(data: object, *, allow_identity: bool = False) -> bytes:
    """Check an untrusted encoding and return it as a point, or raise :class:`DecodeError`."""
    if not isinstance(data, bytes) or len(data) != POINT_BYTES:
        raise DecodeError("a point must be 32 bytes")
    if data[31] & 0x80:
        # RFC 9496 requires s < p, so bit 255 is 0; the libsodium that rbcl bundles ignores that bit, which would
        # give every point a second encoding (and a replayed ballot a fresh tracking code).
        raise DecodeError("not a canonical ristretto255 encoding (bit 255 set)")
    if _is_valid(data) != 1:
        raise DecodeError("not a canonical ristretto255 encoding")
    if data == IDENTITY and not allow_identity:
        raise DecodeError("the identity is not allowed here")
    return data


def decode_scalar(data: object) -> int:
    """Check an untrusted 32-byte little-endian scalar: it must be canonical (strictly below the order)."""
    if not isinstance(data, bytes) or len(data) != SCALAR_BYTES:
        raise DecodeError("a scalar must be 32 bytes")
    k = int.from_bytes(data, "little")
    if k >= ORDER:
        raise DecodeError("scalar not reduced below the group order")
    return k


def encode_scalar(k: int) -> bytes:
    """The canonical 32-byte little-endian encoding of a scalar."""
    return _scalar_bytes(k)


def reduce_wide(data: bytes) -> int:
    """Reduce 64 bytes (little-endian) modulo the order, as libsodium's ``scalar_reduce``."""
    if len(data) != 64:
        raise ValueError("reduce_wide takes 64 bytes")
    return int.from_bytes(data, "little") % ORDER


def base_mul(k: int) -> bytes:
    """k times the generator (fixed-base, libsodium's precomputed tables)."""
    k %= ORDER
    if k == 0:
        return IDENTITY
    out = _buf(32)
    if _smul_base(out, _scalar_bytes(k)) != 0:
        raise DecodeError("fixed-base multiplication failed")
    return out.raw


def mul(k: int, p: bytes) -> bytes:
    """k times the point p (p must already be a valid point)."""
    k %= ORDER
    if k == 0 or p == IDENTITY:
        return IDENTITY
    out = _buf(32)
    # libsodium returns -1 for an invalid encoding of p, or for an identity result, which for a valid p and
    # a non-zero k below the prime order cannot happen.
    if _smul(out, _scalar_bytes(k), p) != 0:
        raise DecodeError("scalar multiplication of an invalid point")
    return out.raw


def add(p: bytes, q: bytes) -> bytes:
    """p + q (both valid points)."""
    if p == IDENTITY:
        return q
    if q == IDENTITY:
        return p
    out = _buf(32)
    if _add(out, p, q) != 0:
        raise DecodeError("addition of an invalid point")
    return out.raw


def sub(p: bytes, q: bytes) -> bytes:
    """p - q (both valid points)."""
    if q == IDENTITY:
        return p
    out = _buf(32)
    if _sub(out, p, q) != 0:
        raise DecodeError("subtraction of an invalid point")
    return out.raw


def from_hash(h64: bytes) -> bytes:
    """RFC 9496 one-way map from 64 uniform bytes to a point (hash-to-group)."""
    return crypto_core_ristretto255_from_hash(h64)


def sum_points(points: list[bytes]) -> bytes:
    acc = IDENTITY
    for p in points:
        acc = add(acc, p)
    return acc


def random_scalar() -> int:
    """A uniformly random non-zero scalar from the operating system's CSPRNG (``secrets``)."""
    import secrets as _secrets

    while True:
        k = int.from_bytes(_secrets.token_bytes(64), "little") % ORDER
        if k:
            return k


def inverse(k: int) -> int:
    if k % ORDER == 0:
        raise ZeroDivisionError("zero has no inverse")
    return pow(k, -1, ORDER)
