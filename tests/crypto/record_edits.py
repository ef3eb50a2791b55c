"""Reading and editing an exported record as a forger would, and the checks the verifier then fails: shared by
the verifier's and the postal votes' tests."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mandate.crypto.record import GENESIS_PARENT, event_hash
from mandate.crypto.verifier import CHECKS, verify_record

NAMES = {n: name for n, name, _ in CHECKS}


def load(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def save(events: list[dict[str, Any]], path: Path, rehash: bool = True) -> Path:
    """Write events; with rehash, recompute seq, parents and hashes as a forger would."""
    if rehash:
        parent = GENESIS_PARENT
        for n, ev in enumerate(events):
            ev["seq"], ev["parent"] = n, parent.hex()
            h = event_hash(n, ev["type"], parent, ev["payload"])
            ev["hash"] = h.hex()
            parent = h
    path.write_text("".join(json.dumps(ev) + "\n" for ev in events))
    return path


def first(events: list[dict[str, Any]], type_: str) -> int:
    """The index of the first event of that type."""
    return next(i for i, e in enumerate(events) if e["type"] == type_)


def check(n: int) -> tuple[int, str]:
    """A check as the report lists a failed one: (number, name)."""
    return (n, NAMES[n])


def failed(path: Path, **kw: Any) -> set[tuple[int, str]]:
    """The checks the verifier fails on the record (one worker); it must have reported, never stopped on an
    unexpected error."""
    rep = verify_record(path, workers=1, **kw)
    assert rep.error is None, rep.error
    return set(rep.failed())


def repeat(items: list[Any], index: int, change: Callable[[Any], Any], where: str) -> None:
    """Give a keyed list's entry ``index`` a second time, changed by ``change`` (a copy): before every entry
    (``where="first"``, so that a reader keeping the last entry would see only the right one) or after every entry
    (``"last"``)."""
    wrong = change(copy.deepcopy(items[index]))
    if where == "first":
        items.insert(0, wrong)
    else:
        items.append(wrong)
