"""Purposeful need: why people came in on their office days, and how many office days had a purpose.

- A member of staff records the purpose of their own office days from My attendance (`record_purpose`,
  `remove_purpose`); only days on which the ledger holds a counted presence of theirs (a badge swipe or a
  booking check-in) are office days.
- HR imports purposes from a CSV or Parquet file (`import_purposes_file`), under the ledger's rules: every row
  checked first, a bad file refused whole with its line and field named and nothing written, the same rows
  again changing nothing.
- The report (`purpose_report`) counts office days with and without a purpose per team, per home site and
  for the organisation. It is never a list of people: it returns group totals only, and every group goes
  through the one disclosure rule (`workplace/disclosure.py`).

An office day here is what the policy engine calls an attended day (`mandate.policy.explain`, status
`attended`), so that the report's office days are the figure pages' attended days. Its purpose is the one the
person (or HR's file) recorded, or else the purpose of a desk booking that day, or none.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction

from mandate.dates import human_date
from mandate.platform.audit import record
from mandate.policy import InputError, PolicyError, explain
from mandate.workplace.disclosure import Disclosure
from mandate.workplace.figures import FigureError, dataset_for
from mandate.workplace.importers import MAX_ERRORS, ImportRefused, _date, _rows, _text
from mandate.workplace.models import (
    DAY_PURPOSES,
    NOTE_MAX,
    AttendancePolicy,
    ImportBatch,
    OfficeDayPurpose,
    Organisation,
    PresenceRecord,
    StaffMember,
)
from mandate.workplace.organisation_import import OrganisationImportResult

LONDON = ZoneInfo("Europe/London")
PURPOSE_LABELS = dict(DAY_PURPOSES)
COUNTED_SOURCES = (PresenceRecord.BADGE, PresenceRecord.CHECKIN)  # a booking never checked in is no office day
COLUMNS = (["staff_id", "date", "purpose"], ["note"])
EXAMPLE_ROWS = [["S00001", "2026-10-06", "team_anchor_day", ""],
                ["S00002", "2026-10-07", "other", "Visit from the regional hub"]]


class PurposeRefused(ValueError):
    """A purpose cannot be recorded for that day; the message says why, for the page."""


def office_days(staff: StaffMember, start: dt.date, end: dt.date) -> list[dt.date]:
    """The days of [start, end] (local dates, Europe/London) on which the ledger holds a counted presence of
    `staff`: a badge swipe or a booking check-in."""
    return sorted(_office_days({staff.pk}, start, end).get(staff.pk, set()))


def ledger_purposes(staff: StaffMember, start: dt.date, end: dt.date) -> dict[dt.date, str]:
    """The purpose a desk booking (or swipe) in the ledger gave each of the person's days, where it gave one."""
    lo = dt.datetime.combine(start, dt.time(0), tzinfo=LONDON)
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(0), tzinfo=LONDON)
    out: dict[dt.date, str] = {}
    for stamp, purpose in PresenceRecord.objects.filter(
            staff=staff, source__in=COUNTED_SOURCES, timestamp__gte=lo, timestamp__lt=hi).exclude(
            purpose="").order_by("timestamp").values_list("timestamp", "purpose"):
        out.setdefault(stamp.astimezone(LONDON).date(), purpose)
    return out


def _office_days(staff_pks: set[int], start: dt.date, end: dt.date) -> dict[int, set[dt.date]]:
    lo = dt.datetime.combine(start, dt.time(0), tzinfo=LONDON)
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(0), tzinfo=LONDON)
    out: dict[int, set[dt.date]] = {}
    for staff_pk, stamp in PresenceRecord.objects.filter(
            staff_id__in=staff_pks, source__in=COUNTED_SOURCES, timestamp__gte=lo, timestamp__lt=hi
    ).values_list("staff_id", "timestamp"):
        out.setdefault(staff_pk, set()).add(stamp.astimezone(LONDON).date())
    return out


def _clean_note(note: str) -> str:
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise PurposeRefused(f"Keep the note to {NOTE_MAX} characters (it has {len(note)}).")
    if "\x00" in note:
        raise PurposeRefused("The note holds a character that cannot be kept.")
    return note


def record_purpose(staff: StaffMember, day: dt.date, purpose: str, note: str, actor: Any) -> tuple[
        OfficeDayPurpose, bool]:
    """Record (or change) the purpose of one of the person's own office days; (record, created). The same
    purpose and note again change nothing. Raises PurposeRefused."""
    if purpose not in PURPOSE_LABELS:
        raise PurposeRefused("Choose a purpose from the list.")
    note = _clean_note(note)
    if day not in office_days(staff, day, day):
        raise PurposeRefused(f"You were not in an office on {human_date(day)} according to the ledger "
                             "(no badge swipe or booking check-in), so there is no office day to describe.")
    with transaction.atomic():
        held, created = OfficeDayPurpose.objects.select_for_update().get_or_create(
            staff=staff, date=day, defaults={"purpose": purpose, "note": note, "source": OfficeDayPurpose.STAFF,
                                             "recorded_by": _actor(actor)})
        changed = created
        if not created and (held.purpose, held.note) != (purpose, note):
            held.purpose, held.note, held.source = purpose, note, OfficeDayPurpose.STAFF
            held.recorded_by = _actor(actor)
            held.save()
            changed = True
        if changed:  # whose day, never what it was for
            record(actor, "record_office_day_purpose", "StaffMember", staff.staff_id, date=day)
    return held, created


def remove_purpose(staff: StaffMember, day: dt.date, actor: Any) -> bool:
    """Remove the purpose of one of the person's own days; False if none was recorded."""
    deleted, _ = OfficeDayPurpose.objects.filter(staff=staff, date=day).delete()
    if deleted:
        record(actor, "remove_office_day_purpose", "StaffMember", staff.staff_id, date=day)
    return bool(deleted)


def _actor(actor: Any) -> str:
    return getattr(actor, "username", None) or str(actor)


# -- HR's import ----------------------------------------------------------------------------------------------

def PurposeImportResult(*args: Any, **kwargs: Any) -> OrganisationImportResult:
    """A purposes import's result: the organisation imports' own result, of kind "purposes"."""
    return OrganisationImportResult("purposes", *args, **kwargs)


def import_purposes_file(organisation: Organisation, filename: str, data: bytes, actor: Any) -> OrganisationImportResult:
    """Validate and import a file of purposes (`staff_id`, `date`, `purpose`, optional `note`); raise
    ImportRefused (nothing written) if any row is bad. A row is keyed by person and date: a new one is
    added, a known one updated (the person's own entry is replaced by HR's), the same one again unchanged."""
    sha256 = hashlib.sha256(data).hexdigest()
    previous = ImportBatch.objects.filter(organisation=organisation, kind="purposes", sha256=sha256).first()
    if previous is not None:
        return PurposeImportResult(previous, True, previous.rows, unchanged=previous.rows)
    columns, rows = _rows(filename, data)
    missing = [c for c in COLUMNS[0] if c not in columns]
    if missing:
        raise ImportRefused([InputError(f"the header has no '{c}' column (it has: {', '.join(columns) or 'none'})",
                                        file=filename, line=1, field=c) for c in missing])
    parsed = _parse(organisation, filename, rows)
    created = updated = unchanged = 0
    counts: Counter[str] = Counter()
    with transaction.atomic():
        batch = ImportBatch.objects.create(organisation=organisation, kind="purposes", filename=filename[:255],
                                           sha256=sha256, rows=len(parsed), imported_by=_actor(actor))
        current = {(o.staff_id, o.date): o for o in OfficeDayPurpose.objects.select_for_update().filter(
            staff_id__in={p[1] for p in parsed}, date__in={p[2] for p in parsed})}
        new = []
        for _, pk, day, purpose, note in parsed:
            counts[purpose] += 1
            held_one = current.get((pk, day))
            if held_one is None:
                new.append(OfficeDayPurpose(staff_id=pk, date=day, purpose=purpose, note=note,
                                            source=OfficeDayPurpose.IMPORT, recorded_by=_actor(actor), batch=batch))
            elif (held_one.purpose, held_one.note) != (purpose, note):
                held_one.purpose, held_one.note, held_one.source = purpose, note, OfficeDayPurpose.IMPORT
                held_one.recorded_by, held_one.batch = _actor(actor), batch
                held_one.save()
                updated += 1
            else:
                unchanged += 1
        OfficeDayPurpose.objects.bulk_create(new, batch_size=5000)
        created = len(new)
        batch.written = created + updated
        batch.save(update_fields=["written"])
        record(actor, "import_purposes_file", "ImportBatch", batch.pk, filename=filename, sha256=sha256,
               rows=len(parsed), created=created, updated=updated, unchanged=unchanged)
    return PurposeImportResult(batch, False, len(parsed), created, updated, unchanged, dict(counts))


def _parse(organisation: Organisation, filename: str, rows: Any) -> list[tuple[int, int, dt.date, str, str]]:
    """Every row checked (and every date an office day of its person); raises ImportRefused."""
    staff = dict(StaffMember.objects.filter(organisation=organisation).values_list("staff_id", "pk"))
    errors: list[InputError] = []
    more = False

    def fail(line: int, name: str, message: str) -> None:
        nonlocal more
        if len(errors) < MAX_ERRORS:
            errors.append(InputError(message, file=filename, line=line, field=name))
        else:
            more = True

    parsed: list[tuple[int, int, dt.date, str, str]] = []
    seen: dict[tuple[int, dt.date], int] = {}
    for line, row in rows:
        staff_id = _text(row.get("staff_id"))
        pk = staff.get(staff_id)
        if pk is None:
            fail(line, "staff_id", f"'{staff_id}' is not a member of staff of {organisation.name}" if staff_id
                 else "is empty")
        try:
            day: dt.date | None = _date(row.get("date"))
        except ValueError as exc:
            fail(line, "date", str(exc))
            day = None
        purpose = _text(row.get("purpose"))
        if purpose not in PURPOSE_LABELS:
            fail(line, "purpose", f"'{purpose}' is not a purpose (use {', '.join(PURPOSE_LABELS)})" if purpose
                 else "is empty")
        try:
            note = _clean_note(_text(row.get("note")))
        except PurposeRefused:
            fail(line, "note", f"is longer than {NOTE_MAX} characters or holds a NUL character")
            note = ""
        if pk is not None and day is not None:
            if (pk, day) in seen:
                fail(line, "date", f"{staff_id} on {day.isoformat()} is given twice (first on line "
                                   f"{seen[(pk, day)]})")
            else:
                seen[(pk, day)] = line
                parsed.append((line, pk, day, purpose, note))
        if more:
            break
    if not parsed and not errors:
        errors.append(InputError("the file has no data rows", file=filename))
    if parsed and not errors:  # only office days: a day the ledger holds no counted presence for is refused
        for line, message in _not_office_days(parsed, {v: k for k, v in staff.items()}):
            fail(line, "date", message)
    if errors:
        raise ImportRefused(errors, more)
    return parsed


def _not_office_days(parsed: list[tuple[int, int, dt.date, str, str]], names: dict[int, str]) -> list[
        tuple[int, str]]:
    held = _office_days({p[1] for p in parsed}, min(p[2] for p in parsed), max(p[2] for p in parsed))
    return [(line, f"the ledger holds no badge swipe or booking check-in of {names[pk]} on {day.isoformat()}: "
                   "import the ledger first, or leave the day out")
            for line, pk, day, _, _ in parsed if day not in held.get(pk, set())]


def template_csv() -> str:
    import io

    from mandate.platform import exports

    out = io.StringIO()
    writer = exports.csv_writer(out, lineterminator="\n")
    writer.writerow(COLUMNS[0] + COLUMNS[1])
    writer.writerows(EXAMPLE_ROWS)
    return out.getvalue()


# -- the report ---------------------------------------------------------------------------------------------

@dataclass
class PurposeReport:
    organisation: dict[str, Any]
    teams: list[dict[str, Any]]
    sites: list[dict[str, Any]]
    purposes: list[tuple[str, str]]  # (code, label) in the order of the columns


def _blank(people: int) -> dict[str, Any]:
    return {"people": people, "office_days": 0, "with_purpose": 0, "without_purpose": 0,
            **{f"purpose_{k}": 0 for k in PURPOSE_LABELS}}


def _share(row: dict[str, Any]) -> dict[str, Any]:
    days = row["office_days"]
    return {**row, "percent_with_purpose": 100.0 * row["with_purpose"] / days if days else None}


def purpose_report(organisation: Organisation, policy: AttendancePolicy, start: dt.date, end: dt.date,
                   rule: Disclosure, staff_ids: list[str] | None = None) -> PurposeReport:
    """Office days with and without a purpose in [start, end], per team, per home site and for everyone
    chosen (the organisation, or `staff_ids`: a manager's reports), as totals only, under `rule`.
    Raises FigureError."""
    people = StaffMember.objects.filter(organisation=organisation, start_date__lte=end).exclude(end_date__lt=start)
    if staff_ids is not None:
        people = people.filter(staff_id__in=staff_ids)
    who = {sid: (pk, team, site) for sid, pk, team, site in people.values_list(
        "staff_id", "pk", "team__code", "home_site__code")}
    try:
        days = explain(dataset_for(organisation, start, end, sorted(who)), policy.parsed(), start, end,
                       sorted(who)) if who else None
    except (PolicyError, InputError, ValueError) as exc:
        raise FigureError(str(exc)) from exc
    recorded = {(pk, d): p for pk, d, p in OfficeDayPurpose.objects.filter(
        staff__in=[v[0] for v in who.values()], date__gte=start, date__lte=end).values_list("staff_id", "date",
                                                                                           "purpose")}
    team_people = Counter(v[1] for v in who.values())
    site_people = Counter(v[2] for v in who.values())
    org = _blank(len(who))
    teams = {t: _blank(n) for t, n in team_people.items()}
    sites = {s: _blank(n) for s, n in site_people.items()}
    if days is not None:
        for sid, day, status, booked in zip(days.column("staff_id").to_pylist(), days.column("date").to_pylist(),
                                            days.column("status").to_pylist(), days.column("purpose").to_pylist(),
                                            strict=True):
            if status != "attended":
                continue
            pk, team, site = who[sid]
            purpose = recorded.get((pk, day)) or booked
            for row in (org, teams[team], sites[site]):
                row["office_days"] += 1
                if purpose:
                    row["with_purpose"] += 1
                    row[f"purpose_{purpose}"] += 1
                else:
                    row["without_purpose"] += 1
    team_names = dict(organisation.teams.values_list("code", "name"))
    site_names = dict(organisation.sites.values_list("code", "name"))
    team_rows = rule.groups(_share({"team": t, "name": team_names.get(t, t), **r}) for t, r in teams.items())
    site_rows = rule.groups(_share({"site_code": s, "name": site_names.get(s, s), **r}) for s, r in sites.items())
    whole = rule.group(_share({"name": "Your reports", **org})) if staff_ids is not None else _share(
        {"name": organisation.name, **org, "withheld": False})
    return PurposeReport(whole, sorted(team_rows, key=lambda r: r["name"]), sorted(site_rows, key=lambda r: r["name"]),
                         list(PURPOSE_LABELS.items()))
