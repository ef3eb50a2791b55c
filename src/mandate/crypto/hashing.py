"""Unambiguous encodings and domain-separated hashes (Fiat-Shamir challenges, fingerprints, tracking codes).

Every hash input is a *frame*: the domain-separation tag then each item, each written as its length
(4 bytes, unsigned big-endian) followed by its bytes. Items are byte strings; helpers turn the other kinds
into bytes:

* text: UTF-8;  * integer: 8 bytes unsigned big-endian;  * point: its 32-byte canonical encoding;
* scalar: 32 bytes little-endian, reduced;  * nested hash: its raw digest bytes.

``hash_bytes(tag, *items)`` = SHA-512(frame); ``hash_to_scalar`` reduces that 64-byte digest, read
little-endian, modulo the group order. docs/record-format.md is the normative description.
"""

from __future__ import annotations

import hashlib
import struct

from mandate.crypto.group import GROUP_NAME, ORDER, encode_scalar

PROTOCOL = "mandate/v1"

# Domain-separation tags: one per use, never reused.
TAG_DCP = PROTOCOL + "/dcp01"
TAG_DECRYPTION = PROTOCOL + "/decryption-share"
TAG_SCHNORR_POK = PROTOCOL + "/schnorr-pok"
TAG_BALLOT_CONTENT = PROTOCOL + "/ballot-content"
TAG_BALLOT_SIGNATURE = PROTOCOL + "/ballot-signature"
TAG_TRACKING_CODE = PROTOCOL + "/tracking-code"
TAG_DKG_COMMIT = PROTOCOL + "/dkg-commit"
TAG_CREDENTIAL_LIST = PROTOCOL + "/credential-list"
TAG_CREDENTIAL_LIST_SIGNATURE = PROTOCOL + "/credential-list-signature"
TAG_EVENT = PROTOCOL + "/event"
TAG_POSTAL_VOTES = PROTOCOL + "/postal-votes"
TAG_POSTAL_VOTES_SIGNATURE = PROTOCOL + "/postal-votes-signature"

_U32 = struct.Struct(">I")


def u64(n: int) -> bytes:
    """An integer item: 8 bytes, unsigned big-endian."""
    if n < 0 or n >= 1 << 64:
        raise ValueError("integer item out of range")
    return n.to_bytes(8, "big")


def text(s: str) -> bytes:
    return s.encode("utf-8")


def scalar(k: int) -> bytes:
    return encode_scalar(k)


def frame(tag: str, items: tuple[bytes, ...] | list[bytes]) -> bytes:
    """The exact bytes that are hashed: framed tag, then each framed item."""
    t = tag.encode("utf-8")
    pack = _U32.pack
    parts = [pack(len(t)), t]
    append = parts.append
    for item in items:
        if type(item) is not bytes and not isinstance(item, bytes | bytearray):
            raise TypeError("hash items must be bytes")
        append(pack(len(item)))
        append(item)
    return b"".join(parts)


def hash_bytes(tag: str, *items: bytes) -> bytes:
    """SHA-512 over the frame: 64 bytes."""
    return hashlib.sha512(frame(tag, items)).digest()


def hash_to_scalar(tag: str, *items: bytes) -> int:
    """SHA-512 over the frame, read little-endian, reduced modulo the group order."""
    return int.from_bytes(hashlib.sha512(frame(tag, items)).digest(), "little") % ORDER


def challenge_context(election_fingerprint: bytes, election_key: bytes) -> tuple[bytes, bytes, bytes]:
    """The items a challenge bound to an election and its key starts with, after its tag: ``(GROUP, FP, PK)``
    (docs/record-format.md sections 3.1 and 3.3: the 0/1 proofs and the decryption shares' proofs)."""
    return (text(GROUP_NAME), election_fingerprint, election_key)
