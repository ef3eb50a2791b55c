"""The election record: an append-only, hash-chained event log exported as JSON Lines.

Each line is one event ``{"seq": n, "type": t, "parent": p, "hash": h, "payload": {...}}``. The event hash is
``H("mandate/v1/event", u64(seq), text(type), parent, canonical(payload))[:32]`` where ``parent`` is the
previous event's hash (32 zero bytes for the first event) and ``canonical`` is the payload serialised as JSON
with sorted keys, no whitespace and ASCII-only escapes. The head hash (the last event's) is what gets
published while voting runs; a later record extends an earlier one when it holds the earlier head at the same
position with an unbroken chain up to it. See docs/record-format.md.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from mandate.crypto.hashing import TAG_EVENT, hash_bytes, text, u64
from mandate.crypto.secrets import Secret, SecretLeakError

GENESIS_PARENT = bytes(32)

EVENT_TYPES = (
    "election",
    "dkg_commit",
    "dkg_reveal",
    "election_key",
    "credentials",
    "ballot",
    "challenge",
    "end_of_voting",
    "postal_votes",
    "encrypted_tally",
    "decryption_share",
    "result",
)


def _refuse_secret(obj: object) -> Any:
    if isinstance(obj, Secret):
        raise SecretLeakError("a secret value cannot go into the record")
    raise TypeError(f"not JSON-serialisable: {type(obj).__name__}")


def canonical_json(payload: Any) -> bytes:
    """Sorted keys, no whitespace, ASCII with \\u escapes; integers only (no floats)."""
    return json.dumps(
        payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False, default=_refuse_secret
    ).encode("ascii")


def event_hash(seq: int, type_: str, parent: bytes, payload: Any) -> bytes:
    return hash_bytes(TAG_EVENT, u64(seq), text(type_), parent, canonical_json(payload))[:32]


@dataclass(frozen=True, slots=True)
class Event:
    seq: int
    type: str
    parent: bytes
    payload: Any
    hash: bytes

    def to_line(self) -> str:
        body = {
            "seq": self.seq,
            "type": self.type,
            "parent": self.parent.hex(),
            "hash": self.hash.hex(),
            "payload": self.payload,
        }
        return json.dumps(body, separators=(",", ":"), ensure_ascii=True, allow_nan=False, default=_refuse_secret)


class RecordWriter:
    """Appends events to a record file, each naming its parent; nothing is ever rewritten."""

    def __init__(self, fh: IO[str]) -> None:
        self._fh = fh
        self.head = GENESIS_PARENT
        self.seq = 0

    def append(self, type_: str, payload: Any) -> Event:
        if type_ not in EVENT_TYPES:
            raise ValueError(f"unknown event type {type_!r}")
        h = event_hash(self.seq, type_, self.head, payload)
        ev = Event(self.seq, type_, self.head, payload, h)
        self._fh.write(ev.to_line() + "\n")
        self.head = h
        self.seq += 1
        return ev


def read_lines(path: Path) -> list[bytes]:
    """The record's lines (raw bytes, without line ends); a missing final newline is kept as a line."""
    data = path.read_bytes()
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return lines


class RepeatedKeyError(ValueError):
    """A JSON object in the record that gives one key twice (section 5: refused, since a reader would otherwise
    keep one of the two values silently)."""


def unique_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """``object_pairs_hook`` for reading the record: the object, or RepeatedKeyError if a key is repeated."""
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for k, _ in pairs:
            if k in seen:
                raise RepeatedKeyError(f"a JSON object gives the key {k[:40]!r} twice")
            seen.add(k)
    return obj
