"""Reading the record's lines, and the record's general shape rules (docs/record-format.md section 5.1), each
written once here and called wherever the rule applies:

* a JSON object with a repeated key is refused (:func:`parse_event_line`, and the fast path's scanner);
* every payload and every object in it has exactly its listed keys (:func:`exact`);
* a list keyed by something (a unit and a question, a trustee, a credential, an id) holds each key once
  (:func:`keyed`): a later entry never silently replaces an earlier one;
* a list said to be sorted is sorted, strictly, which also makes its keys unique (:func:`ascending`).

Each raises :class:`FormatError`; the caller reports it under the check of the event that holds the list.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import Any, TypeVar

from mandate.crypto import group
from mandate.crypto.ballot import parse_bytes32, parse_scalar
from mandate.crypto.proofs import ChallengeResponse
from mandate.crypto.record import EVENT_TYPES, RepeatedKeyError, event_hash, unique_object

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")

EVENT_KEYS = frozenset(("seq", "type", "parent", "hash", "payload"))


class FormatError(ValueError):
    """A payload that does not follow the record format's shape rules."""


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


def exact(obj: Any, keys: Iterable[str], what: str, optional: Iterable[str] = ()) -> dict[str, Any]:
    """``obj`` as an object with exactly ``keys`` (and any of ``optional``), or FormatError."""
    need, may = frozenset(keys), frozenset(optional)
    if not isinstance(obj, dict) or not need <= obj.keys() <= need | may:
        extra = f" (and optionally {', '.join(sorted(may))})" if may else ""
        raise FormatError(f"{what} has exactly: {', '.join(sorted(need))}{extra}")
    return obj


def a_list(obj: Any, what: str) -> list[Any]:
    if not isinstance(obj, list):
        raise FormatError(f"{what} must be a list")
    return obj


def _shown(key: Any) -> str:
    return ", ".join(map(str, key)) if isinstance(key, tuple) else str(key)


def keyed(items: Iterable[T], key: Callable[[T], K], what: str) -> dict[K, T]:
    """Index a keyed list: each key once, or FormatError naming the key given twice (wherever the two entries are
    in the list: a repeated key is refused, never resolved by position)."""
    out: dict[K, T] = {}
    for item in items:
        k = key(item)
        if k in out:
            raise FormatError(f"{what}: {_shown(k)[:80]} is given twice")
        out[k] = item
    return out


def ascending(keys: Sequence[Any], what: str) -> None:
    """A sorted list: strictly ascending keys, or FormatError."""
    for a, b in zip(keys, keys[1:], strict=False):
        if not a < b:
            raise FormatError(f"{what} must be in ascending order, each once ({_shown(b)[:80]} after "
                              f"{_shown(a)[:80]})")


def text_key(obj: Any, what: str) -> str:
    """A key that is text (a unit's or a question's id)."""
    if not isinstance(obj, str):
        raise FormatError(f"{what} must be text")
    return obj


def int_key(obj: Any, what: str) -> int:
    """A key that is an integer (a trustee's number; JSON true is not 1)."""
    if type(obj) is not int:
        raise FormatError(f"{what} must be an integer, not {obj!r:.40}")
    return obj


def unit_question(obj: dict[str, Any], what: str) -> tuple[str, str]:
    return text_key(obj["unit"], f"{what}'s unit"), text_key(obj["question"], f"{what}'s question")


def challenge_response(obj: Any, what: str) -> ChallengeResponse:
    """A Schnorr or Chaum-Pedersen proof ``{"c", "v"}``: exactly those keys, each a canonical scalar in lower-case
    hex (section 1)."""
    p = exact(obj, ("c", "v"), what)
    return ChallengeResponse(parse_scalar(p["c"]), parse_scalar(p["v"]))
