"""The verifier's fast path: one record line holding a valid ballot, checked with as little Python as possible.

:class:`BallotLineChecker` takes a raw line of the record and either returns what the verifier needs from a ballot
event that passes **every** check the slow path makes (event shape and hash input, ballot shape, canonical hex,
reduced scalars, canonical points, the election, the credential list, the signature, every 0/1 proof and the
tracking code), or returns ``None``. ``None`` means only "not proven valid here": the caller then runs the
ordinary path (:func:`mandate.crypto.verifier.events.parse_event_line` and ``check_ballot``) on the same line, which
decides and names the failed check exactly as before. The fast path therefore never accepts what the ordinary
path would reject, and never has to classify a failure itself.

Where the time goes: the commitments the verifier recomputes from a ballot's compact proofs (four per question,
and the signature's). Where the libdecaf binding is built (:mod:`mandate.crypto.libdecaf_build`), one C call
computes them all in variable time (double-base multiplications, a table of the election key's multiples): all
of it is public. Otherwise, or with ``MANDATE_VERIFY_BACKEND=libsodium``, libsodium's one-point calls do (13
variable-base and 5 fixed-base multiplications and 11 subtractions per ballot of two questions). Either way the
hashing and every comparison stay here, both libraries get the same 32-byte inputs and, where both answer, give
the same commitments, and whatever either refuses goes to the ordinary path. Around them this module

* hands the library the record's own 32-byte encodings (scalars are checked canonical, so their bytes *are* the
  encodings) and reuses output buffers, so no integer is re-encoded and no point is decoded in Python;
* with libsodium, drops the separate ``is_valid_point`` calls for alpha and beta:
  ``crypto_scalarmult_ristretto255`` and ``crypto_core_ristretto255_sub`` decode their inputs with the same
  ``ristretto255_frombytes`` and return -1 on an invalid encoding, and every alpha and beta goes through both
  (a zero scalar, where the ordinary path skips libsodium, sends the ballot to the ordinary path); the bit-255
  rejection that this libsodium lacks stays (the libdecaf glue makes it too);
* looks the credential's hex up in the published list (whose points were decoded once, at check 8);
* hashes with SHA-512 states that already hold each hash's constant prefix (``hashlib``'s ``copy``);
* reads the line with the ordinary path's rule on JSON objects (a repeated key is refused: the line goes to the
  ordinary path, which fails it);
* writes the event's canonical JSON directly from the validated strings instead of re-serialising the parsed
  payload (the hash of the result is compared with the event's own, so a difference could only send a valid
  ballot to the ordinary path, never pass an invalid one).
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import os
import struct
from collections.abc import Callable
from typing import Any

from mandate.crypto.group import GENERATOR, GROUP_NAME, ORDER
from mandate.crypto.group import _lib as _sodium
from mandate.crypto.hashing import (
    TAG_BALLOT_CONTENT,
    TAG_BALLOT_SIGNATURE,
    TAG_DCP,
    TAG_EVENT,
    TAG_TRACKING_CODE,
    challenge_context,
    frame,
    text,
)
from mandate.crypto.record import unique_object

try:  # the variable-time binding to libdecaf, where built (mandate.crypto.libdecaf_build)
    from mandate.crypto._libdecaf import ffi as _ffi  # type: ignore[import-not-found,unused-ignore]
    from mandate.crypto._libdecaf import lib as _decaf  # type: ignore[import-not-found,unused-ignore]
except ImportError:  # pragma: no cover - exercised where the binding is not built
    _ffi = _decaf = None

_smul = _sodium.crypto_scalarmult_ristretto255
_smul_base = _sodium.crypto_scalarmult_ristretto255_base
_sub = _sodium.crypto_core_ristretto255_sub
_add = _sodium.crypto_core_ristretto255_add

_L8 = struct.pack(">I", 8)
_L32 = struct.pack(">I", 32)
_L64 = struct.pack(">I", 64)
_EVENT_KEYS = frozenset(("seq", "type", "parent", "hash", "payload"))
_PAYLOAD_KEYS = frozenset(("ballot", "tracking_code"))
_BALLOT_KEYS = frozenset(("election", "credential", "answers", "signature"))
_ANSWER_KEYS = frozenset(("question", "alpha", "beta", "proof"))
_PROOF_KEYS = frozenset(("c0", "c1", "v0", "v1"))
_SIG_KEYS = frozenset(("c", "v"))
_TYPE_FRAME = struct.pack(">I", 6) + b"ballot"
_U64_LIMIT = 1 << 64

_from_bytes = int.from_bytes
_fromhex = bytes.fromhex
# the C scanner that json.loads uses, without its whitespace handling (typeshed does not list the attribute), with
# the record's rule on objects: a repeated key raises (RepeatedKeyError, a ValueError), so that the line goes to the
# ordinary path, which refuses it (check 1)
_scan: Callable[[str, int], tuple[Any, int]] = json.JSONDecoder(  # type: ignore[attr-defined]
    object_pairs_hook=unique_object).scan_once


def backend() -> str:
    """The arithmetic the fast path uses: "libdecaf" (variable time, where the binding is built) or "libsodium".
    ``MANDATE_VERIFY_BACKEND=libsodium`` forces libsodium (to compare the two)."""
    if _decaf is None or os.environ.get("MANDATE_VERIFY_BACKEND", "").lower() == "libsodium":
        return "libsodium"
    return "libdecaf"


class BallotLineChecker:
    """Per-election constants, computed once per worker, and the check of one line (see the module's notes).

    ``credentials`` maps each published credential (a point decoded at check 8) to its ballot unit. The election
    key and every credential must be 32-byte encodings (ValueError otherwise): libsodium and libdecaf read 32
    bytes from each, whatever its length.
    """

    def __init__(self, fingerprint: bytes, public_key: bytes, questions: tuple[str, ...],
                 credentials: dict[bytes, str]) -> None:
        if len(public_key) != 32 or any(len(c) != 32 for c in credentials):
            raise ValueError("the election key and the credentials must be 32-byte point encodings")
        self.fingerprint_hex = fingerprint.hex()
        self.public_key = public_key
        self.questions = questions
        self.nq = len(questions)
        self.question_frames = [_frame1(text(q)) for q in questions]
        self.credentials = {c.hex(): (c, u) for c, u in credentials.items()}
        group_name = text(GROUP_NAME)
        # frame(tag, items) is the tag's frame then each item's: a prefix of items hashes as a prefix
        self.h_content = hashlib.sha512(frame(TAG_BALLOT_CONTENT, (fingerprint,)))
        self.h_signature = hashlib.sha512(frame(TAG_BALLOT_SIGNATURE, (group_name, fingerprint)))
        self.h_dcp = hashlib.sha512(frame(TAG_DCP, challenge_context(fingerprint, public_key)))
        self.h_tracking = hashlib.sha512(frame(TAG_TRACKING_CODE, ()))
        self.h_event = hashlib.sha512(frame(TAG_EVENT, ()))
        self.count_frame = _L8 + self.nq.to_bytes(8, "big")
        # the canonical payload of a ballot event with %s for each hex string, in sorted-key order
        answer = ('{"alpha":"%s","beta":"%s","proof":{"c0":"%s","c1":"%s","v0":"%s","v1":"%s"},"question":'
                  + "%s}")
        self.canonical_template = (
            '{"ballot":{"answers":['
            + ",".join(answer % (("%s",) * 6 + (json.dumps(q, ensure_ascii=True).replace("%", "%%"),))
                       for q in questions)
            + '],"credential":"%s","election":"' + self.fingerprint_hex + '","signature":{"c":"%s","v":"%s"}},'
            + '"tracking_code":"%s"}'
        )
        self._t1 = ctypes.create_string_buffer(32)
        self._t2 = ctypes.create_string_buffer(32)
        self._t3 = ctypes.create_string_buffer(32)
        # libdecaf: the election key's table (freed with this object) and the output buffer of
        # mandate_ballot_commitments (4 commitments of 32 bytes per question, then the signature's)
        self._decaf_key = None
        if _decaf is not None and backend() == "libdecaf":
            key = _decaf.mandate_key_new(public_key)
            if key != _ffi.NULL:
                self._decaf_key = _ffi.gc(key, _decaf.mandate_key_free)
                self._decaf_out = _ffi.new("uint8_t[]", 128 * self.nq + 32)

    def check(self, line: bytes) -> tuple[Any, ...] | None:
        """For a fully valid ballot event: (seq, parent hex, hash hex, event hash, credential, unit, tracking
        code, ((alpha, beta), ...) per question). Otherwise None: let the ordinary path decide."""
        try:
            return self._check(line)
        except (ValueError, TypeError, KeyError, AttributeError, IndexError, RecursionError, StopIteration):
            return None

    def check_payload(self, payload: Any) -> tuple[bytes, str, str, tuple[tuple[bytes, bytes], ...]] | None:
        """For a fully valid ballot payload ``{"ballot": ..., "tracking_code": ...}``: (credential, unit,
        tracking code, ((alpha, beta), ...) per question). Otherwise None: let the ordinary path decide."""
        try:
            r = self._payload(payload)
        except (ValueError, TypeError, KeyError, AttributeError, IndexError, RecursionError):
            return None
        return None if r is None else r[:4]

    def _check(self, line: bytes) -> tuple[Any, ...] | None:
        text_line = line.decode("ascii")
        ev, end = _scan(text_line, 0)
        if end != len(text_line) or type(ev) is not dict or ev.keys() != _EVENT_KEYS or ev["type"] != "ballot":
            return None
        seq = ev["seq"]
        parent_hex = ev["parent"]
        claimed = ev["hash"]
        if type(seq) is not int or not 0 <= seq < _U64_LIMIT or type(parent_hex) is not str or len(parent_hex) != 64:
            return None
        parent = _fromhex(parent_hex)
        if len(parent) != 32 or parent.hex() != parent_hex:
            return None
        r = self._payload(ev["payload"])
        if r is None:
            return None
        cred, unit, tc, cts, values = r
        # the event hash over the canonical payload (sorted keys, no whitespace), written from the checked strings
        canonical = (self.canonical_template % values).encode("ascii")
        h = self.h_event.copy()
        h.update(b"".join((_L8, seq.to_bytes(8, "big"), _TYPE_FRAME, _L32, parent, _frame1(canonical))))
        computed = h.digest()[:32]
        if type(claimed) is not str or computed.hex() != claimed:
            return None  # a wrong or malformed event hash: the ordinary path names it
        return (seq, parent_hex, claimed, computed, cred, unit, tc, cts)

    def _payload(self, payload: Any) -> tuple[bytes, str, str, tuple[tuple[bytes, bytes], ...], tuple[str, ...]] | None:
        if type(payload) is not dict or payload.keys() != _PAYLOAD_KEYS:
            return None
        b = payload["ballot"]
        if type(b) is not dict or b.keys() != _BALLOT_KEYS or b["election"] != self.fingerprint_hex:
            return None
        cred_entry = self.credentials.get(b["credential"])
        answers = b["answers"]
        sig = b["signature"]
        tc = payload["tracking_code"]
        if cred_entry is None or type(answers) is not list or len(answers) != self.nq:
            return None
        if type(sig) is not dict or sig.keys() != _SIG_KEYS or type(tc) is not str:
            return None
        # every hexadecimal string of the ballot at once: each 64 digits, lower case, nothing else
        hexes: list[str] = []
        questions = self.questions
        for i, a in enumerate(answers):
            if type(a) is not dict or a.keys() != _ANSWER_KEYS or a["question"] != questions[i]:
                return None
            p = a["proof"]
            if type(p) is not dict or p.keys() != _PROOF_KEYS:
                return None
            hexes += (a["alpha"], a["beta"], p["c0"], p["c1"], p["v0"], p["v1"])
        hexes += (sig["c"], sig["v"])
        for x in hexes:
            if type(x) is not str or len(x) != 64:
                return None
        joined = "".join(hexes)
        raw = _fromhex(joined)
        if len(raw) != 32 * len(hexes) or raw.hex() != joined:
            return None
        parts = [raw[k:k + 32] for k in range(0, len(raw), 32)]
        sc, sv = parts[-2], parts[-1]
        # scalars: canonical (below the order) and non-zero (zero takes the ordinary path's identity shortcuts)
        for k in range(len(parts)):
            if k % 6 >= 2 or k >= 6 * self.nq:
                n = _from_bytes(parts[k], "little")
                if n == 0 or n >= ORDER:
                    return None
        cred, unit = cred_entry
        nq = self.nq
        content = [_L32, cred, self.count_frame]
        cts = []
        if self._decaf_key is not None:
            # one call for every commitment of the ballot (variable time: all of it is public)
            out = self._decaf_out
            if _decaf.mandate_ballot_commitments(self._decaf_key, nq, raw[:192 * nq] + cred + raw[192 * nq:], out):
                return None
            commitments = _ffi.buffer(out)[:]
        else:
            commitments = self._sodium_commitments(parts, cred)
            if commitments is None:
                return None
        for i in range(nq):
            alpha, beta, c0, c1, v0, v1 = parts[6 * i: 6 * i + 6]
            if alpha[31] & 0x80 or beta[31] & 0x80:  # RFC 9496: bit 255 is zero (libsodium ignores it)
                return None
            content += (self.question_frames[i], _L32, alpha, _L32, beta, _L32, c0, _L32, c1, _L32, v0, _L32, v1)
            a0, b0, a1, b1 = (commitments[128 * i + 32 * j: 128 * i + 32 * j + 32] for j in range(4))
            h = self.h_dcp.copy()
            h.update(b"".join((_L32, cred, self.question_frames[i], _L32, alpha, _L32, beta, _L32, a0, _L32, b0,
                               _L32, a1, _L32, b1)))
            if (_from_bytes(c0, "little") + _from_bytes(c1, "little") - _from_bytes(h.digest(), "little")) \
                    % ORDER:
                return None
            cts.append((alpha, beta))
        h = self.h_content.copy()
        h.update(b"".join(content))
        digest = h.digest()
        # the signature: a = v G - c K (computed above), then c = H(..., digest, K, a)
        h = self.h_signature.copy()
        h.update(b"".join((_L64, digest, _L32, cred, _L32, commitments[128 * nq:])))
        if _from_bytes(h.digest(), "little") % ORDER != _from_bytes(sc, "little"):
            return None
        h = self.h_tracking.copy()
        h.update(b"".join((_L64, digest, _L32, sc, _L32, sv)))
        if h.digest()[:32].hex() != tc:
            return None
        values = hexes[:-2]
        values += (b["credential"], sig["c"], sig["v"], tc)
        return cred, unit, tc, tuple(cts), tuple(values)


    def _sodium_commitments(self, parts: list[bytes], cred: bytes) -> bytes | None:
        """The same commitments as libdecaf's, with libsodium's constant-time calls (the fallback where the
        binding is not built); None where libsodium refuses an input or a result."""
        t1, t2, t3 = self._t1, self._t2, self._t3
        smul, smul_base, sub = _smul, _smul_base, _sub
        pk = self.public_key
        out = []
        for i in range(self.nq):
            alpha, beta, c0, c1, v0, v1 = parts[6 * i: 6 * i + 6]
            # libsodium decodes alpha and beta here and fails (non-zero) on an invalid encoding or the identity
            if smul_base(t1, v0) or smul(t2, c0, alpha) or sub(t3, t1, t2):
                return None
            out.append(t3.raw)
            if smul(t1, v0, pk) or smul(t2, c0, beta) or sub(t3, t1, t2):
                return None
            out.append(t3.raw)
            if smul_base(t1, v1) or smul(t2, c1, alpha) or sub(t3, t1, t2):
                return None
            out.append(t3.raw)
            if sub(t3, beta, GENERATOR) or smul(t2, c1, t3) or smul(t1, v1, pk) or sub(t3, t1, t2):
                return None
            out.append(t3.raw)
        sc, sv = parts[-2], parts[-1]
        if smul_base(t1, sv) or smul(t2, sc, cred) or sub(t3, t1, t2):
            return None
        out.append(t3.raw)
        return b"".join(out)


def _frame1(item: bytes) -> bytes:
    return struct.pack(">I", len(item)) + item


class TallyAccumulator:
    """Per (unit, question index) sums of ciphertexts, kept as libsodium encodings in reused buffers (no
    Python-level point objects); :meth:`result` gives ``{key: (alpha, beta)}``."""

    def __init__(self) -> None:
        self._acc: dict[tuple[str, int], tuple[Any, Any]] = {}

    def add(self, key: tuple[str, int], alpha: bytes, beta: bytes) -> None:
        acc = self._acc.get(key)
        if acc is None:
            acc = self._acc[key] = (ctypes.create_string_buffer(32), ctypes.create_string_buffer(32))
        # the buffers start as the identity (32 zero bytes); libsodium decodes both inputs before writing
        if _add(acc[0], acc[0], alpha) or _add(acc[1], acc[1], beta):
            raise ValueError("addition of an invalid point")

    def result(self) -> dict[tuple[str, int], tuple[bytes, bytes]]:
        return {k: (a.raw, b.raw) for k, (a, b) in self._acc.items()}
