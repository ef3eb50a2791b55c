"""Commencements a deployment records: a made instrument the shipped data only knows as pending.

The rulebook ships the Trade Unions (Permissible Means of Voting) Order 2026 as a *pending* commencement with
its expected date, flagged uncertain (spec §12). Once the Order is made, a deployment records it: its SI
number, the day it came into force, the address it was read at, who recorded it and when. The record is data
in the deployment's data directory (`mandate law commence`, docs/law.md); this module only checks and
converts records. It reads no file and no environment: the command line and the union wing read the file
and pass the records to the rules (:func:`mandate.law.params.parameters_with`).

Every answer that rests on a recorded commencement says so (:meth:`RecordedCommencement.note`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit

from mandate.dates import human_date

#: Where a deployment keeps its records, under its data directory (MANDATE_DATA_DIR, default ./var).
RECORDS_FILE = "law/recorded-commencements.json"
FORMAT = "mandate.law.recorded-commencements/1"
_SI = re.compile(r"^(?:S\.?I\.?\s*)?(\d{4})/(\d{1,5})$", re.IGNORECASE)


class RecordingError(ValueError):
    """A record that cannot be accepted. ``conflict``: it contradicts one already recorded (a refusal, not
    bad input)."""

    def __init__(self, message: str, conflict: bool = False) -> None:
        self.conflict = conflict
        super().__init__(message)


@dataclass(frozen=True)
class RecordedCommencement:
    """A made instrument recorded by a deployment: from ``in_force`` on, its pending event has commenced."""

    id: str
    si_number: str
    in_force: date
    url: str
    recorded_by: str
    recorded_at: str  # ISO 8601 date and time, UTC
    note: str = ""

    def same_instrument(self, other: RecordedCommencement) -> bool:
        """The facts of the instrument agree (who recorded it, when, and the note may differ)."""
        return (self.id, self.si_number, self.in_force, self.url) == (other.id, other.si_number, other.in_force,
                                                                      other.url)

    def words(self, name: str = "") -> str:
        recorded_on = self.recorded_at[:10]
        try:
            when = human_date(date.fromisoformat(recorded_on))
        except ValueError:  # pragma: no cover - checked when read
            when = recorded_on
        text = (f"{name or self.id} (SI {self.si_number}), in force from {human_date(self.in_force)}, as recorded "
                f"by {self.recorded_by} on {when} from {self.url}")
        return text + (f" ({self.note})" if self.note else "")

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "si_number": self.si_number, "in_force": self.in_force.isoformat(),
                               "url": self.url, "recorded_by": self.recorded_by, "recorded_at": self.recorded_at}
        if self.note:
            out["note"] = self.note
        return out


def si_number(text: str) -> str:
    """'SI 2026/1234', 'S.I. 2026/1234' or '2026/1234' as '2026/1234'; RecordingError otherwise."""
    found = _SI.match((text or "").strip())
    if not found:
        raise RecordingError(f"--si: {text!r} is not an SI number; write it as 2026/1234 (year/number)")
    return f"{found.group(1)}/{int(found.group(2))}"


def source_url(text: str | None) -> str:
    """The address the made instrument was read at: an http(s) address with a host."""
    if text is None or not text.strip():
        raise RecordingError("--url: missing; give the address of the made instrument, e.g. "
                             "https://www.legislation.gov.uk/uksi/2026/1234/made")
    value = text.strip()
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.netloc or any(c.isspace() for c in value):
        raise RecordingError(f"--url: {value!r} is not a web address (https://...)")
    return value


def in_force_date(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except (AttributeError, ValueError):
        raise RecordingError(f"--in-force: {text!r} is not a date written YYYY-MM-DD (e.g. 2026-09-01)") from None


def make_record(event: str, *, si: str, in_force: str | date, url: str | None, recorded_by: str,
                recorded_at: datetime, pending: dict[str, dict[str, Any]], commenced: set[str],
                note: str = "") -> RecordedCommencement:
    """Check one record against the pending commencements of the shipped data.

    ``pending``: the pending entries by id (``ParameterSet.pending_by_id()``); ``commenced``: ids the shipped
    data already commences (nothing to record). Raises RecordingError in words.
    """
    if event not in pending:
        known = ", ".join(sorted(pending)) or "none"
        if event in commenced:
            raise RecordingError(f"{event} is already commenced in the rulebook's own data: nothing to record",
                                 conflict=True)
        raise RecordingError(f"{event!r} is not a pending commencement; pending: {known}")
    if event in commenced:
        raise RecordingError(f"{event} is already commenced in the rulebook's own data: nothing to record",
                             conflict=True)
    day = in_force if isinstance(in_force, date) else in_force_date(in_force)
    number = si_number(si)
    address = source_url(url)
    who = " ".join((recorded_by or "").split())
    if not who:
        raise RecordingError("--by: missing; say who is recording the commencement")
    if len(who) > 200 or len(note) > 500:
        raise RecordingError("--by is at most 200 characters and --note at most 500")
    if any(ord(c) < 32 for c in who + note):
        raise RecordingError("--by and --note cannot hold control characters")
    entry = pending[event]
    not_before = entry.get("not_before")
    if isinstance(not_before, date) and day < not_before:
        raise RecordingError(f"--in-force: {human_date(day)} is before {human_date(not_before)} "
                             f"({entry.get('not_before_reason', 'the earliest possible day')}); check the date")
    if isinstance(not_before, date) and int(number.split("/")[0]) < not_before.year:
        raise RecordingError(f"--si: SI {number} is from before {not_before.year}, when the instrument was made")
    if recorded_at.tzinfo is None:
        raise ValueError("recorded_at must be an aware datetime (UTC)")
    return RecordedCommencement(id=event, si_number=number, in_force=day, url=address, recorded_by=who,
                                recorded_at=recorded_at.isoformat(timespec="seconds"), note=note.strip())


def add_record(existing: list[RecordedCommencement], new: RecordedCommencement
               ) -> tuple[list[RecordedCommencement], bool]:
    """(records, changed). The same instrument twice changes nothing; a different one for the same event is
    refused (RecordingError with ``conflict``), naming what is recorded."""
    for old in existing:
        if old.id == new.id:
            if old.same_instrument(new):
                return list(existing), False
            raise RecordingError(
                f"{new.id} is already recorded differently: {old.words()}. Recording it again with SI "
                f"{new.si_number}, in force from {human_date(new.in_force)}, {new.url} is refused; correct the "
                f"data file by hand if the first record was wrong", conflict=True)
    return [*existing, new], True


def dumps(records: list[RecordedCommencement]) -> str:
    return json.dumps({"format": FORMAT, "commencements": [r.as_dict() for r in records]}, indent=2,
                      ensure_ascii=False) + "\n"


def loads(text: str, where: str = "the recorded commencements") -> list[RecordedCommencement]:
    """Records from the data file's text; RecordingError naming ``where`` and the problem."""
    if "\x00" in text:
        raise RecordingError(f"{where}: holds NUL bytes, not a record of commencements")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RecordingError(f"{where}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("commencements"), list):
        raise RecordingError(f"{where}: not a record of commencements (expected format {FORMAT})")
    out: list[RecordedCommencement] = []
    for i, raw in enumerate(data["commencements"]):
        at = f"{where}, entry {i + 1}"
        if not isinstance(raw, dict):
            raise RecordingError(f"{at}: expected an object")
        try:
            fields = {k: raw[k] for k in ("id", "si_number", "in_force", "url", "recorded_by", "recorded_at")}
        except KeyError as exc:
            raise RecordingError(f"{at}: {exc.args[0]} missing") from None
        if not all(isinstance(v, str) and v for v in fields.values()):
            raise RecordingError(f"{at}: every field is a non-empty text")
        try:
            in_force = date.fromisoformat(fields["in_force"])
            datetime.fromisoformat(fields["recorded_at"])
        except ValueError:
            raise RecordingError(f"{at}: in_force or recorded_at is not an ISO 8601 date") from None
        note = raw.get("note", "")
        record = RecordedCommencement(id=fields["id"], si_number=si_number(fields["si_number"]), in_force=in_force,
                                      url=source_url(fields["url"]), recorded_by=fields["recorded_by"],
                                      recorded_at=fields["recorded_at"], note=note if isinstance(note, str) else "")
        if any(r.id == record.id for r in out):
            raise RecordingError(f"{at}: {record.id} is recorded twice")
        out.append(record)
    return out
