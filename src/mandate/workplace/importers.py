"""Ledger imports: badge exports, desk bookings with check-ins, absences and official-business declarations.

Every file, CSV or Parquet, is validated row by row before anything is written. A bad file is refused whole,
with each problem's line (CSV: the file's line, the header being line 1; Parquet: the 1-based row) and field
named, as the policy engine's `InputError` does; nothing of it is written. A good file is written in one
transaction with `bulk_create` in batches. The same file (by SHA-256) imported again changes nothing.

Column layouts (extra columns are ignored):

- badge: `card_number` (or `staff_id`), `site_code`, `timestamp` (ISO 8601 with a UTC offset).
  A card that matches nobody's badge on that date is kept as an unmatched swipe (visitors, lost cards), never
  guessed at; an unknown `staff_id` is an error.
- bookings: `staff_id`, `site_code`, `date`, `checked_in_at` (ISO 8601 with offset, empty if the person never
  checked in), optional `purpose`. A booking without check-in is kept and never counts as presence.
- absences: `staff_id`, `date`, `kind` (annual_leave, sickness, special_leave, training, official_business).
- official_business: `staff_id`, `date`.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction

from mandate.platform import inputs
from mandate.platform.audit import record
from mandate.policy.errors import InputError
from mandate.workplace.models import (
    PURPOSES,
    Absence,
    BadgeCard,
    ImportBatch,
    Organisation,
    PresenceRecord,
    Site,
    StaffMember,
)

BATCH_SIZE = 5000
MAX_ERRORS = 20
LONDON = ZoneInfo("Europe/London")
KINDS = {k: v for k, v in ImportBatch.KINDS if k in ("badge", "bookings", "absences", "official_business")}
ABSENCE_KINDS = {k for k, _ in Absence.KINDS}
PURPOSE_CODES = {k for k, _ in PURPOSES}
REQUIRED = {
    "badge": ["site_code", "timestamp"],
    "bookings": ["staff_id", "site_code", "date", "checked_in_at"],
    "absences": ["staff_id", "date", "kind"],
    "official_business": ["staff_id", "date"],
}


class ImportRefused(Exception):
    """The file was refused whole; `errors` are the engine's InputErrors (file, line, field, message)."""

    def __init__(self, errors: list[InputError], more: bool = False) -> None:
        self.errors = errors
        self.more = more
        super().__init__("; ".join(str(e) for e in errors) + (" (and more)" if more else ""))


@dataclass
class ImportResult:
    batch: ImportBatch
    already_imported: bool
    rows: int
    written: int
    unmatched: int = 0
    counts: dict[str, int] = field(default_factory=dict)


def _rows(filename: str, data: bytes) -> tuple[list[str], Iterator[tuple[int, dict[str, Any]]]]:
    """(columns, iterator of (line, row)) for a CSV or Parquet file."""
    if filename.lower().endswith(".parquet") or data[:4] == b"PAR1":
        import pyarrow as pa
        import pyarrow.parquet as pq

        try:
            table = pq.read_table(io.BytesIO(data))
        except (pa.ArrowInvalid, OSError) as exc:
            raise ImportRefused([InputError(f"not a readable Parquet file ({exc})", file=filename)]) from exc

        def parquet_rows() -> Iterator[tuple[int, dict[str, Any]]]:
            n = 0
            for batch in table.to_batches(max_chunksize=BATCH_SIZE):
                try:
                    rows = batch.to_pylist()
                except (OverflowError, ValueError, pa.ArrowException) as exc:  # a date beyond Python's
                    raise ImportRefused([InputError(f"a value in rows {n + 1} to {n + batch.num_rows} is out of "
                                                    f"range ({exc})", file=filename, line=n + 1)]) from exc
                for row in rows:
                    n += 1
                    yield n, row

        return list(table.column_names), parquet_rows()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportRefused([InputError("the file is not UTF-8 text (save it as CSV UTF-8)", file=filename)]) from exc
    refusal = inputs.csv_text_refusal(text)
    if refusal is not None:
        raise ImportRefused([InputError(refusal.message, file=filename, line=refusal.line)])
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        columns = [c.strip() for c in (reader.fieldnames or [])]
    except csv.Error as exc:
        raise ImportRefused([InputError(f"the header cannot be read as CSV ({exc})", file=filename, line=1)]) from exc
    reader.fieldnames = columns

    def csv_rows() -> Iterator[tuple[int, dict[str, Any]]]:
        try:
            for line, row in inputs.guard_csv((reader.line_num, row) for row in reader):
                if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
                    continue  # a blank line
                yield line, row
        except inputs.InputRefused as exc:
            raise ImportRefused([InputError(p.message, file=filename, line=p.line) for p in exc.problems]) from exc

    return columns, csv_rows()


def _text(value: Any) -> str:
    if value is None:
        return ""
    return str(value).strip()


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        raise ValueError("must be a date like 2026-10-01, not a date and time")
    if isinstance(value, dt.date):
        return inputs.in_range(value)
    text = _text(value)
    if not text:
        raise ValueError("is empty; a date like 2026-10-01 is needed")
    try:
        if len(text) != 10:
            raise ValueError
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"'{text}' is not a date like 2026-10-01") from None
    return inputs.in_range(day)


def _timestamp(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        stamp = value
    else:
        text = _text(value)
        if not text:
            raise ValueError("is empty; a date and time like 2026-10-01T08:30:00+01:00 is needed")
        try:
            stamp = dt.datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(f"'{text}' is not an ISO 8601 date and time like 2026-10-01T08:30:00+01:00") from None
    if stamp.tzinfo is None or stamp.utcoffset() is None:
        raise ValueError("needs a UTC offset, like 2026-10-01T08:30:00+01:00 or ...Z")
    return inputs.in_range(stamp)


T = TypeVar("T")
Progress = Callable[[str, int], None]


class _Validator:
    def __init__(self, organisation: Organisation, kind: str, filename: str) -> None:
        self.organisation = organisation
        self.kind = kind
        self.filename = filename
        self.errors: list[InputError] = []
        self.more = False
        self.staff = dict(StaffMember.objects.filter(organisation=organisation).values_list("staff_id", "pk"))
        self.sites = dict(Site.objects.filter(organisation=organisation).values_list("code", "pk"))
        self.cards: dict[str, list[tuple[dt.date, dt.date | None, int]]] = {}
        if kind == "badge":
            for number, issued, withdrawn, staff_pk in BadgeCard.objects.filter(
                    staff__organisation=organisation).values_list("card_number", "issued_on", "withdrawn_on",
                                                                  "staff_id"):
                self.cards.setdefault(number, []).append((issued, withdrawn, staff_pk))

    def fail(self, line: int, field_name: str, message: str) -> None:
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(InputError(message, file=self.filename, line=line, field=field_name))
        else:
            self.more = True

    def check(self, line: int, field_name: str, func: Callable[[Any], T], value: Any) -> T | None:
        try:
            return func(value)
        except ValueError as exc:
            self.fail(line, field_name, str(exc))
            return None

    def staff_pk(self, line: int, value: Any) -> int | None:
        code = _text(value)
        if code not in self.staff:
            self.fail(line, "staff_id", f"'{code}' is not a member of staff of {self.organisation.name}"
                      if code else "is empty")
            return None
        return self.staff[code]

    def site_pk(self, line: int, value: Any) -> int | None:
        code = _text(value)
        if code not in self.sites:
            known = ", ".join(sorted(self.sites))
            self.fail(line, "site_code", f"'{code}' is not a site (known: {known})" if code else "is empty")
            return None
        return self.sites[code]

    def card_holder(self, number: str, day: dt.date) -> int | None:
        for issued, withdrawn, staff_pk in self.cards.get(number, []):
            if issued <= day and (withdrawn is None or day <= withdrawn):
                return staff_pk
        return None


def _presence_key(o: Any) -> tuple[Any, ...]:
    return (o.staff_id, o.card_number, o.site_id, o.timestamp.astimezone(dt.UTC), o.source)


def _new_presence(organisation: Organisation, objects: list[PresenceRecord]) -> list[PresenceRecord]:
    """The records not held yet, once each: a record is known by its identity (staff or card, site, time,
    source), not by the file's bytes, so a file exported again (CRLF, another order, other columns) adds
    nothing. The database's unique constraint holds the same rule."""
    if not objects:
        return objects
    stamps = [o.timestamp for o in objects]
    held = {(staff, card, site, ts.astimezone(dt.UTC), source) for staff, card, site, ts, source in
            PresenceRecord.objects.filter(organisation=organisation, timestamp__gte=min(stamps),
                                          timestamp__lte=max(stamps))
            .values_list("staff_id", "card_number", "site_id", "timestamp", "source")}
    out = []
    for o in objects:
        key = _presence_key(o)
        if key not in held:
            held.add(key)
            out.append(o)
    return out


def counted(rows: Iterator[tuple[int, dict[str, Any]]], progress: Progress | None,
            stage: str = "Checking the rows") -> Iterator[tuple[int, dict[str, Any]]]:
    """The rows, telling `progress(stage, rows so far)` every 2,000 rows (a background job's progress)."""
    n = 0
    for item in rows:
        yield item
        n += 1
        if progress is not None and n % 2000 == 0:
            progress(stage, n)


def import_file(organisation: Organisation, kind: str, filename: str, data: bytes, actor: Any,
                progress: Progress | None = None) -> ImportResult:
    """Validate and import one file; raise ImportRefused (nothing written) if any row is bad. `progress(stage,
    rows)` is told how far the check has gone (the import's background job)."""
    if kind not in KINDS:
        raise ValueError(f"unknown import kind {kind!r}")
    sha256 = hashlib.sha256(data).hexdigest()
    previous = ImportBatch.objects.filter(organisation=organisation, kind=kind, sha256=sha256).first()
    if previous is not None:
        return ImportResult(previous, True, previous.rows, 0, previous.unmatched)

    columns, rows = _rows(filename, data)
    required = list(REQUIRED[kind])
    if kind == "badge" and "card_number" not in columns and "staff_id" not in columns:
        raise ImportRefused([InputError("the header needs a card_number or a staff_id column", file=filename,
                                        line=1, field="card_number")])
    missing = [c for c in required if c not in columns]
    if missing:
        raise ImportRefused([InputError(f"the header has no '{c}' column (it has: {', '.join(columns) or 'none'})",
                                        file=filename, line=1, field=c) for c in missing])

    v = _Validator(organisation, kind, filename)
    objects: list[Any] = []
    unmatched = 0
    n_rows = 0
    seen_absences: set[tuple[int, dt.date, str]] = set()
    by_card = kind == "badge" and "card_number" in columns
    for line, row in counted(rows, progress):
        n_rows += 1
        made = len(objects)
        for p in inputs.cell_problems(row, line):  # every cell: size, NUL, control characters
            v.fail(line, p.field, p.message)
        if kind == "badge":
            site = v.site_pk(line, row.get("site_code"))
            stamp = v.check(line, "timestamp", _timestamp, row.get("timestamp"))
            staff = None
            card = ""
            if by_card:
                card = _text(row.get("card_number"))
                if not card:
                    v.fail(line, "card_number", "is empty")
                elif stamp is not None:
                    staff = v.card_holder(card, stamp.astimezone(LONDON).date())
                    unmatched += staff is None
            else:
                staff = v.staff_pk(line, row.get("staff_id"))
            # a value that failed its check is None and left an error, so no object is made from it
            if not v.errors and site is not None and stamp is not None:
                objects.append(PresenceRecord(organisation=organisation, staff_id=staff, card_number=card,
                                              site_id=site, timestamp=stamp, source=PresenceRecord.BADGE))
        elif kind == "bookings":
            staff = v.staff_pk(line, row.get("staff_id"))
            site = v.site_pk(line, row.get("site_code"))
            day = v.check(line, "date", _date, row.get("date"))
            raw_checkin = row.get("checked_in_at")
            checkin = None
            if _text(raw_checkin):
                checkin = v.check(line, "checked_in_at", _timestamp, raw_checkin)
                if checkin is not None and day is not None and checkin.astimezone(LONDON).date() != day:
                    v.fail(line, "checked_in_at", f"the check-in is not on the booking's date ({day.isoformat()})")
            purpose = _text(row.get("purpose"))
            if purpose and purpose not in PURPOSE_CODES:
                v.fail(line, "purpose", f"'{purpose}' is not one of {', '.join(sorted(PURPOSE_CODES))}")
            if not v.errors and site is not None and day is not None:
                if checkin is not None:
                    stamp, source = checkin, PresenceRecord.CHECKIN
                else:  # a booking without check-in: kept, dated at noon, never presence
                    stamp = dt.datetime.combine(day, dt.time(12), tzinfo=LONDON)
                    source = PresenceRecord.BOOKING
                objects.append(PresenceRecord(organisation=organisation, staff_id=staff, site_id=site,
                                              timestamp=stamp, source=source, purpose=purpose))
        else:
            staff = v.staff_pk(line, row.get("staff_id"))
            day = v.check(line, "date", _date, row.get("date"))
            if kind == "absences":
                absence_kind = _text(row.get("kind"))
                if absence_kind not in ABSENCE_KINDS:
                    v.fail(line, "kind", f"'{absence_kind}' is not one of {', '.join(sorted(ABSENCE_KINDS))}"
                           if absence_kind else "is empty")
            else:
                absence_kind = "official_business"
            if not v.errors and staff is not None and day is not None:
                key = (staff, day, absence_kind)
                if key not in seen_absences:  # the same day twice in one file is one absence
                    seen_absences.add(key)
                    objects.append(Absence(staff_id=staff, date=day, kind=absence_kind))
        if len(objects) > made:  # the record about to be written, against its model's fields
            for p in inputs.problems_of(objects[-1], line=line, columns={"timestamp": "checked_in_at"}
                                        if kind == "bookings" else None):
                v.fail(line, p.field, p.message)
        if v.more:
            break
    if n_rows == 0 and not v.errors:
        v.errors.append(InputError("the file has no data rows", file=filename))
    if v.errors:
        raise ImportRefused(v.errors, v.more)

    if kind in ("badge", "bookings"):
        objects = _new_presence(organisation, objects)
    if kind in ("absences", "official_business"):
        days = [o.date for o in objects]
        held = set(Absence.objects.filter(staff__organisation=organisation, date__gte=min(days),
                                          date__lte=max(days)).values_list("staff_id", "date", "kind"))
        objects = [o for o in objects if (o.staff_id, o.date, o.kind) not in held]
    if progress is not None:
        progress(f"Writing {len(objects)} records", n_rows)
    try:
        with transaction.atomic():
            batch = ImportBatch.objects.create(
                organisation=organisation, kind=kind, filename=filename[:255], sha256=sha256, rows=n_rows,
                written=len(objects), unmatched=unmatched, imported_by=getattr(actor, "username", str(actor)))
            for o in objects:
                o.batch = batch
            if objects:
                # ignore_conflicts: a record someone else's import wrote a moment ago stays theirs
                type(objects[0]).objects.bulk_create(objects, batch_size=BATCH_SIZE, ignore_conflicts=True)
            record(actor, "import_ledger_file", "ImportBatch", batch.pk, kind=kind, filename=filename,
                   sha256=sha256, rows=n_rows, written=len(objects), unmatched=unmatched)
    except IntegrityError:
        # the same file imported at the same moment by someone else: theirs stands, nothing changes
        previous = ImportBatch.objects.filter(organisation=organisation, kind=kind, sha256=sha256).first()
        if previous is None:
            raise
        return ImportResult(previous, True, previous.rows, 0, previous.unmatched)
    counts: dict[str, int] = {}
    for o in objects:
        label = o.source if isinstance(o, PresenceRecord) else o.kind
        counts[label] = counts.get(label, 0) + 1
    return ImportResult(batch, False, n_rows, len(objects), unmatched, counts)
