"""The record's shape rules for lists and objects (docs/record-format.md section 5.1), written once and called
wherever they apply, by the verifier and by the decoders of the record's parts (the postal votes):

* every object has exactly its listed keys (:func:`exact`);
* a list keyed by something (a unit and a question, a trustee, a credential, an id) holds each key once
  (:func:`keyed`): a later entry never silently replaces an earlier one, wherever the second entry is;
* a list said to be sorted is sorted, strictly, which also makes its keys unique (:func:`ascending`).

Each raises :class:`FormatError`, which the verifier reports under the check of the event that holds the object.
(The third rule of section 5.1, no repeated key in a JSON object, is the reader's: ``record.unique_object``.)
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import Any, TypeVar

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")


class FormatError(ValueError):
    """A payload that does not follow the record format's shape rules."""


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
