"""The election record as rows: the one function that appends an event, and the record written out.

:func:`append_event` serialises appends per election: it takes the election's row lock first (``SELECT ... FOR
UPDATE`` on PostgreSQL; on SQLite, whose writers queue on the database's one write lock, a write to the row) and
computes the event from the head it holds, so two appends at once (two uploads, two ballots) chain one after the
other and the chain never forks. The database is the backstop: one event per number, one child per parent.

The hash of each event is :func:`mandate.crypto.record.event_hash` and each line :meth:`Event.to_line`: the
record's one implementation (docs/record-format.md section 5), never a second one here.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import F

from mandate.crypto.record import EVENT_TYPES, Event, canonical_json, event_hash, unique_object
from mandate.union.electronic.models import Election, RecordEvent

ATTEMPTS = 60


class RecordError(ValueError):
    """An event the record cannot take (an unknown kind, a payload that is not the record's JSON)."""


def lock(election: Election) -> Election:
    """Inside a transaction: the election's row, locked until the transaction ends, as it is now."""
    if connection.features.has_select_for_update:
        return Election.objects.select_for_update().get(pk=election.pk)
    Election.objects.filter(pk=election.pk).update(length=F("length"))  # SQLite: take the write lock now
    return Election.objects.get(pk=election.pk)


def _fields(kind: str, payload: dict[str, Any]) -> dict[str, str]:
    if kind not in ("ballot", "challenge"):
        return {}
    b = payload.get("ballot") or {}
    return {"tracking_code": str(payload.get("tracking_code", "")), "credential": str(b.get("credential", ""))}


def _plain(value: Any, depth: int = 0) -> None:
    """Objects, arrays, strings, integers and booleans only (docs/record-format.md section 5: no floats)."""
    if depth > 32:
        raise RecordError("the payload is nested too deeply")
    if isinstance(value, dict):
        for k, v in value.items():
            if not isinstance(k, str):
                raise RecordError("a payload's keys are strings")
            _plain(v, depth + 1)
    elif isinstance(value, list):
        for v in value:
            _plain(v, depth + 1)
    elif not isinstance(value, str | int | bool):  # bool is an int; None and floats are refused
        raise RecordError(f"a payload holds only objects, arrays, strings, integers and booleans, not "
                          f"{type(value).__name__}")


def append_locked(locked: Election, kind: str, payload: dict[str, Any], *, unit: str = "") -> RecordEvent:
    """Append to an election whose row this transaction holds locked (:func:`lock`)."""
    if kind not in EVENT_TYPES:
        raise RecordError(f"unknown event type {kind!r}")
    if not isinstance(payload, dict):
        raise RecordError("an event's payload is a JSON object")
    _plain(payload)
    try:
        text = canonical_json(payload).decode("ascii")
    except (TypeError, ValueError) as exc:
        raise RecordError(f"the payload is not the record's JSON ({exc})") from None
    parent = bytes.fromhex(locked.head)
    h = event_hash(locked.length, kind, parent, json.loads(text)).hex()
    ev = RecordEvent.objects.create(election=locked, seq=locked.length, kind=kind, parent=locked.head, hash=h,
                                    payload=text, unit=unit, **_fields(kind, payload))
    moved = Election.objects.filter(pk=locked.pk, length=locked.length, head=locked.head).update(
        length=F("length") + 1, head=h)
    if moved != 1:  # cannot happen under the lock; refuse rather than fork
        raise RecordError("the record changed while this event was appended: nothing was appended")
    locked.length, locked.head = locked.length + 1, h
    return ev


def append_event(election: Election, kind: str, payload: dict[str, Any], *, unit: str = "") -> RecordEvent:
    """Append one event to the election's record, in its own transaction (or the caller's), and return it.
    Appends to one election run one at a time; a transient lock conflict is retried."""
    nested = connection.in_atomic_block
    for attempt in range(ATTEMPTS):
        try:
            with transaction.atomic():
                ev = append_locked(lock(election), kind, payload, unit=unit)
            election.length, election.head = ev.seq + 1, ev.hash
            return ev
        except (IntegrityError, OperationalError) as error:
            if nested or attempt == ATTEMPTS - 1 or (isinstance(error, OperationalError) and not _busy(error)):
                raise
        time.sleep(min(0.5, 0.01 * (attempt + 1)))
    raise AssertionError("unreachable")


def _busy(error: Exception) -> bool:
    text = str(error).lower()
    return "locked" in text or "busy" in text or "deadlock" in text


def payload_of(ev: RecordEvent) -> Any:
    return json.loads(ev.payload, object_pairs_hook=unique_object)


def as_event(ev: RecordEvent) -> Event:
    return Event(ev.seq, ev.kind, bytes.fromhex(ev.parent), payload_of(ev), bytes.fromhex(ev.hash))


def events(election: Election, *, kinds: tuple[str, ...] | None = None) -> list[dict[str, Any]]:
    """The record's events as the crypto engine reads them (``seq``, ``type``, ``parent``, ``hash``, ``payload``),
    for :func:`mandate.crypto.ceremony.board`."""
    qs = RecordEvent.objects.filter(election=election).order_by("seq")
    if kinds is not None:
        qs = qs.filter(kind__in=kinds)
    return [{"seq": e.seq, "type": e.kind, "parent": e.parent, "hash": e.hash, "payload": payload_of(e)}
            for e in qs.iterator(chunk_size=2000)]


def lines(election: Election) -> Iterator[str]:
    """The record's lines (JSON Lines, each ending in a newline), in order, as ``mandate record verify`` reads
    them."""
    for e in RecordEvent.objects.filter(election=election).order_by("seq").iterator(chunk_size=2000):
        yield as_event(e).to_line() + "\n"


def record_text(election: Election) -> str:
    """The whole record, as ``mandate record verify`` reads it."""
    return "".join(lines(election))


def head(election: Election) -> str:
    return Election.objects.values_list("head", flat=True).get(pk=election.pk)
