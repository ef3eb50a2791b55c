"""Reading the record's lines, and the record's shape rules (docs/record-format.md section 5.1) as the checks
use them:

* a JSON object with a repeated key is refused (:func:`parse_event_line`, and the fast path's scanner, both with
  ``record.unique_object``);
* every payload and every object in it has exactly its listed keys, a keyed list holds each key once and a
  sorted list is sorted (:mod:`mandate.crypto.shape`, re-exported here);

each raising :class:`FormatError`, which the caller reports under the check of the event that holds the list.
"""

from __future__ import annotations

import json
from typing import Any

from mandate.crypto import group
from mandate.crypto.ballot import parse_bytes32, parse_scalar
from mandate.crypto.proofs import ChallengeResponse
from mandate.crypto.record import EVENT_TYPES, RepeatedKeyError, event_hash, unique_object
from mandate.crypto.shape import (
    FormatError,
    a_list,
    ascending,
    exact,
    int_key,
    keyed,
    text_key,
    unit_question,
)

EVENT_KEYS = frozenset(("seq", "type", "parent", "hash", "payload"))


class _FloatInRecord(ValueError):
    pass


def _refuse_float(written: str) -> Any:
    raise _FloatInRecord(f"a number with a fraction or exponent ({written[:20]}): the record holds integers only")


# json.loads with the record's rules on numbers (no floats) and objects (no repeated key)
EVENT_DECODER = json.JSONDecoder(parse_float=_refuse_float, object_pairs_hook=unique_object)


def parse_event_line(line: bytes) -> tuple[dict[str, Any] | None, bytes | None, str | None]:
    """Returns (event, recomputed hash, error)."""
    try:
        ev = EVENT_DECODER.decode(line.decode(json.detect_encoding(line), "surrogatepass"))
    except (_FloatInRecord, RepeatedKeyError) as exc:
        return None, None, str(exc)
    except (ValueError, UnicodeDecodeError) as exc:
        return None, None, f"not JSON ({exc.__class__.__name__})"
    if not isinstance(ev, dict) or set(ev) != EVENT_KEYS:
        return None, None, "an event has exactly: seq, type, parent, hash, payload"
    seq, type_ = ev["seq"], ev["type"]
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0 or type_ not in EVENT_TYPES:
        return None, None, "bad seq or unknown event type"
    if not isinstance(ev["payload"], dict):
        return None, None, "payload must be an object"
    try:
        parent = parse_bytes32(ev["parent"])
        parse_bytes32(ev["hash"])
        computed = event_hash(seq, type_, parent, ev["payload"])
    except (group.DecodeError, ValueError, TypeError) as exc:
        return None, None, f"bad parent, hash or payload ({exc})"
    return ev, computed, None


def challenge_response(obj: Any, what: str) -> ChallengeResponse:
    """A Schnorr or Chaum-Pedersen proof ``{"c", "v"}``: exactly those keys, each a canonical scalar in lower-case
    hex (section 1)."""
    p = exact(obj, ("c", "v"), what)
    return ChallengeResponse(parse_scalar(p["c"]), parse_scalar(p["v"]))


__all__ = ["EVENT_DECODER", "EVENT_KEYS", "FormatError", "a_list", "ascending", "challenge_response", "exact",
           "int_key", "keyed", "parse_event_line", "text_key", "unit_question"]
