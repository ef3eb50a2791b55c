"""Signed packages: how a statutory document crosses from one installation to the other.

The union and the employer run separate installations. A document the union sends (a notice of industrial
action, of ballot, a result) travels as a **package**: one JSON file holding the PDF (base64), its SHA-256,
a machine-readable ``facts`` object (the figures and dates the statute requires, never a member's name), the
signer's Ed25519 public key and a detached signature over the canonical bytes of everything but the PDF itself
(the PDF is bound by its hash). The employer answers with a signed **acknowledgement of receipt** naming the
package's digest and the date received, which the union imports as its proof of receipt.

Signatures are libsodium's ``crypto_sign_detached`` / ``crypto_sign_verify_detached`` (Ed25519), from the
libsodium that rbcl bundles and initialises (the same library as :mod:`mandate.crypto.group`), called through
ctypes because rbcl wraps only the ristretto255 functions. This module imports no wing: each wing stores its
own keys and passes them in.
"""

from __future__ import annotations

import base64
import binascii
import ctypes
import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import date
from typing import Any

from rbcl._sodium import _sodium as _lib  # the libsodium that rbcl bundles and has initialised

PACKAGE_FORMAT = "mandate-package/1"
RECEIPT_FORMAT = "mandate-receipt/1"
PUBLIC_KEY_BYTES = 32
SEED_BYTES = 32
SIGNATURE_BYTES = 64
MAX_PACKAGE_BYTES = 20 * 1024 * 1024
_PACKAGE_KEYS = {"format", "kind", "title", "issuer", "facts", "pdf_sha256", "pdf", "public_key", "signature"}
_RECEIPT_KEYS = {"format", "package_sha256", "received_on", "recipient", "nonce", "public_key", "signature"}

assert _lib.crypto_sign_publickeybytes() == PUBLIC_KEY_BYTES
assert _lib.crypto_sign_seedbytes() == SEED_BYTES
assert _lib.crypto_sign_bytes() == SIGNATURE_BYTES


class PackageRefused(ValueError):
    """A package or an acknowledgement that cannot be accepted; the message says why, for a person."""


# ---- Ed25519 through libsodium --------------------------------------------------------------------------------
def new_seed() -> bytes:
    return secrets.token_bytes(SEED_BYTES)


def _keypair(seed: bytes) -> tuple[bytes, bytes]:
    if len(seed) != SEED_BYTES:
        raise ValueError("an Ed25519 seed is 32 bytes")
    pk = ctypes.create_string_buffer(PUBLIC_KEY_BYTES)
    sk = ctypes.create_string_buffer(64)
    if _lib.crypto_sign_seed_keypair(pk, sk, seed) != 0:  # pragma: no cover - libsodium never fails here
        raise RuntimeError("crypto_sign_seed_keypair failed")
    return pk.raw, sk.raw


def public_key(seed: bytes) -> bytes:
    return _keypair(seed)[0]


def sign(message: bytes, seed: bytes) -> bytes:
    _, sk = _keypair(seed)
    sig = ctypes.create_string_buffer(SIGNATURE_BYTES)
    if _lib.crypto_sign_detached(sig, None, message, ctypes.c_ulonglong(len(message)), sk) != 0:  # pragma: no cover
        raise RuntimeError("crypto_sign_detached failed")
    return sig.raw


def verify(message: bytes, signature: bytes, key: bytes) -> bool:
    if len(signature) != SIGNATURE_BYTES or len(key) != PUBLIC_KEY_BYTES:
        return False
    return _lib.crypto_sign_verify_detached(signature, message, ctypes.c_ulonglong(len(message)), key) == 0


def fingerprint(key: bytes) -> str:
    """A short form of a public key for people to compare by telephone: 8 groups of 4 hex digits of its SHA-256."""
    h = hashlib.sha256(key).hexdigest()[:32].upper()
    return " ".join(h[i:i + 4] for i in range(0, 32, 4))


def parse_public_key(text: str) -> bytes:
    """A public key as shown on the signer's page (64 hex digits; spaces allowed), or PackageRefused."""
    cleaned = "".join(text.split())
    try:
        key = bytes.fromhex(cleaned)
    except ValueError:
        raise PackageRefused("A public key is 64 hexadecimal digits (0-9, a-f).") from None
    if len(key) != PUBLIC_KEY_BYTES:
        raise PackageRefused(f"A public key is 64 hexadecimal digits; this has {len(cleaned)}.")
    return key


def canonical(obj: Any) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


# ---- packages -------------------------------------------------------------------------------------------------
def _signed_part(body: dict[str, Any]) -> bytes:
    return PACKAGE_FORMAT.encode() + b"\n" + canonical(
        {k: body[k] for k in ("format", "kind", "title", "issuer", "facts", "pdf_sha256", "public_key")})


def make_package(*, kind: str, title: str, issuer: str, facts: dict[str, Any], pdf: bytes, seed: bytes) -> bytes:
    """The signed package, as the bytes of its JSON file."""
    body: dict[str, Any] = {"format": PACKAGE_FORMAT, "kind": kind, "title": title, "issuer": issuer,
                            "facts": facts, "pdf_sha256": hashlib.sha256(pdf).hexdigest(),
                            "public_key": public_key(seed).hex()}
    body["signature"] = sign(_signed_part(body), seed).hex()
    body["pdf"] = base64.b64encode(pdf).decode("ascii")
    return json.dumps(body, sort_keys=True, ensure_ascii=False, indent=1).encode("utf-8")


@dataclass(frozen=True)
class VerifiedPackage:
    kind: str
    title: str
    issuer: str
    facts: dict[str, Any]
    pdf: bytes
    pdf_sha256: str
    public_key: bytes
    digest: str  # SHA-256 of the signed part and the signature: what an acknowledgement names

    @property
    def signer_fingerprint(self) -> str:
        return fingerprint(self.public_key)


def _load_json(raw: bytes | str, what: str, limit: int = MAX_PACKAGE_BYTES) -> dict[str, Any]:
    if isinstance(raw, str):
        raw = raw.encode("utf-8")
    if len(raw) > limit:
        raise PackageRefused(f"This file is larger than any {what} ({len(raw):,} bytes).")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise PackageRefused(f"This file is not a {what}: it is not JSON text.") from None
    if not isinstance(data, dict):
        raise PackageRefused(f"This file is not a {what}: it is not a JSON object.")
    return data


def _hex(data: dict[str, Any], key: str, length: int, what: str) -> bytes:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise PackageRefused(f"The {what} is unsigned: it has no {key.replace('_', ' ')}.")
    try:
        out = bytes.fromhex(value)
    except ValueError:
        raise PackageRefused(f"The {what}'s {key.replace('_', ' ')} is not hexadecimal.") from None
    if len(out) != length:
        raise PackageRefused(f"The {what}'s {key.replace('_', ' ')} has the wrong length.")
    return out


def _has_nul(value: Any) -> bool:
    """A NUL character anywhere in a JSON value's strings or keys (PostgreSQL text cannot hold one)."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def open_package(raw: bytes | str, trusted: dict[bytes, str]) -> VerifiedPackage:
    """Verify a package against ``trusted`` (public key -> who it belongs to) and return its contents.

    Refused, with the reason: not a package; unsigned; signed by a key not recorded as trusted; a signature
    that does not verify (the facts or the signed fields were changed); a PDF whose hash is not the one signed."""
    data = _load_json(raw, "signed package")
    if data.get("format") != PACKAGE_FORMAT:
        raise PackageRefused(f"This file is not a signed package of this system (format {PACKAGE_FORMAT}).")
    missing = sorted(_PACKAGE_KEYS - {"signature", "public_key"} - set(data))
    if missing:
        raise PackageRefused(f"The package is incomplete: it has no {', '.join(missing)}.")
    extra = sorted(set(data) - _PACKAGE_KEYS)
    if extra:
        raise PackageRefused(f"The package has fields a signed package never has: {', '.join(extra)}.")
    key = _hex(data, "public_key", PUBLIC_KEY_BYTES, "package")
    signature = _hex(data, "signature", SIGNATURE_BYTES, "package")
    if key not in trusted:
        raise PackageRefused(f"The package is signed by a key that is not recorded here (fingerprint "
                             f"{fingerprint(key)}). Record the sender's public key, checked with them, first.")
    if not isinstance(data["facts"], dict) or not all(isinstance(data[k], str) for k in ("kind", "title", "issuer")):
        raise PackageRefused("The package's facts or names are malformed.")
    if _has_nul([data[k] for k in ("kind", "title", "issuer", "facts")]):
        raise PackageRefused("The package's facts contain a NUL character, which no document has.")
    if not verify(_signed_part(data), signature, key):
        raise PackageRefused(f"The signature does not verify with {trusted[key]}'s key: the package was changed "
                             f"after it was signed, or was not signed by them.")
    try:
        pdf = base64.b64decode(str(data["pdf"]), validate=True)
    except (binascii.Error, ValueError):
        raise PackageRefused("The package's PDF is not valid base64: the file was damaged.") from None
    if hashlib.sha256(pdf).hexdigest() != data["pdf_sha256"]:
        raise PackageRefused("The PDF in the package is not the one that was signed (its SHA-256 differs): "
                             "the document was changed after signing.")
    if not pdf.startswith(b"%PDF-"):
        raise PackageRefused("The signed document is not a PDF.")
    digest = hashlib.sha256(_signed_part(data) + signature).hexdigest()
    return VerifiedPackage(kind=data["kind"], title=data["title"], issuer=data["issuer"], facts=data["facts"],
                           pdf=pdf, pdf_sha256=data["pdf_sha256"], public_key=key, digest=digest)


def package_digest(raw: bytes | str) -> str:
    """The digest an acknowledgement of this package names (no verification: for the sender's own copy)."""
    data = _load_json(raw, "signed package")
    return hashlib.sha256(_signed_part(data) + bytes.fromhex(data["signature"])).hexdigest()


# ---- acknowledgements of receipt -----------------------------------------------------------------------------
def _receipt_part(body: dict[str, Any]) -> bytes:
    return RECEIPT_FORMAT.encode() + b"\n" + canonical(
        {k: body[k] for k in ("format", "package_sha256", "received_on", "recipient", "nonce", "public_key")})


def make_receipt(*, package_sha256: str, received_on: date, recipient: str, seed: bytes) -> bytes:
    body: dict[str, Any] = {"format": RECEIPT_FORMAT, "package_sha256": package_sha256,
                            "received_on": received_on.isoformat(), "recipient": recipient,
                            "nonce": secrets.token_hex(16), "public_key": public_key(seed).hex()}
    body["signature"] = sign(_receipt_part(body), seed).hex()
    return json.dumps(body, sort_keys=True, ensure_ascii=False, indent=1).encode("utf-8")


@dataclass(frozen=True)
class VerifiedReceipt:
    package_sha256: str
    received_on: date
    recipient: str
    nonce: str
    public_key: bytes
    digest: str  # SHA-256 of the whole signed acknowledgement: one import per acknowledgement


def open_receipt(raw: bytes | str, trusted: dict[bytes, str]) -> VerifiedReceipt:
    data = _load_json(raw, "acknowledgement of receipt", limit=64 * 1024)
    if data.get("format") != RECEIPT_FORMAT:
        raise PackageRefused(f"This file is not an acknowledgement of receipt (format {RECEIPT_FORMAT}).")
    missing = sorted(_RECEIPT_KEYS - {"signature", "public_key"} - set(data))
    if missing or not all(isinstance(data[k], str) for k in _RECEIPT_KEYS - {"signature", "public_key"}):
        raise PackageRefused("The acknowledgement is incomplete or malformed.")
    if set(data) - _RECEIPT_KEYS:
        raise PackageRefused("The acknowledgement has fields an acknowledgement never has.")
    key = _hex(data, "public_key", PUBLIC_KEY_BYTES, "acknowledgement")
    signature = _hex(data, "signature", SIGNATURE_BYTES, "acknowledgement")
    if key not in trusted:
        raise PackageRefused(f"The acknowledgement is signed by a key that is not recorded here (fingerprint "
                             f"{fingerprint(key)}). Record the employer's public key, checked with them, first.")
    if not verify(_receipt_part(data), signature, key):
        raise PackageRefused(f"The signature does not verify with {trusted[key]}'s key: the acknowledgement was "
                             f"changed after it was signed.")
    try:
        received = date.fromisoformat(data["received_on"])
    except ValueError:
        raise PackageRefused("The acknowledgement's date of receipt is not a date.") from None
    return VerifiedReceipt(package_sha256=data["package_sha256"], received_on=received, recipient=data["recipient"],
                           nonce=data["nonce"], public_key=key,
                           digest=hashlib.sha256(_receipt_part(data) + signature).hexdigest())
