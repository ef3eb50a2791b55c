"""Loading an organisation from the files an HR system exports: sites, teams, staff and equality monitoring.

The web page (`/workplace/imports/`) and the command (`mandate workplace import`) both call `import_organisation_file`.
The rules are the ledger's (`importers.py`): every row of a file (CSV or Parquet) is checked before anything is
written; a bad file is refused whole with each problem's line and field and nothing of it is written; a good
file is written in one transaction. A row is keyed by its code (site code, team code, staff id): a new key is
created, a known one updated, and the same rows imported twice change nothing.

Equality-monitoring data (special category, DPA 2018 Sch.1 para 8) has its own file and its own model
(`EqualityRecord`), kept apart from the staff record as before; the audit entry names no one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction

from mandate.platform.audit import record
from mandate.policy.errors import InputError
from mandate.workplace.importers import MAX_ERRORS, ImportRefused, Progress, _date, _rows, _text, counted
from mandate.workplace.models import (
    NATIONS,
    WEEKDAYS,
    BadgeCard,
    EqualityRecord,
    ImportBatch,
    Organisation,
    Site,
    StaffMember,
    Team,
)

ORGANISATION_KINDS = {
    "sites": "Sites (code, name, nation, desks)",
    "teams": "Teams",
    "staff": "Staff (contracts, working patterns, home sites, line managers)",
    "equality": "Equality monitoring (kept apart, for aggregate evidence only)",
}

#: kind -> (required columns, optional columns), in the order of the starter template
COLUMNS: dict[str, tuple[list[str], list[str]]] = {
    "sites": (["site_code", "name", "nation", "desks"], ["kind", "is_headquarters", "address"]),
    "teams": (["team_code", "name"], ["directorate"]),
    "staff": (["staff_id", "name", "home_site", "team", "grade", "working_days", "hours_per_day", "start_date"],
              ["end_date", "fte", "line_manager", "home_based_contract", "work_email", "card_number"]),
    "equality": (["staff_id"], ["sex", "age_band", "ethnicity", "disability", "caring_responsibilities",
                                "commute_minutes"]),
}

EXAMPLES: dict[str, list[list[str]]] = {
    "sites": [["newport", "Newport", "england-and-wales", "900", "office", "true", "Government Buildings"],
              ["edinburgh", "Edinburgh", "scotland", "60", "office", "false", ""]],
    "teams": [["prices", "Prices", "Economic Statistics"], ["census", "Census", "Population and Public Policy"]],
    "staff": [["S00001", "A. Person", "newport", "prices", "HEO", "Mon;Tue;Wed;Thu;Fri", "7.4", "2020-09-01",
               "", "1", "", "false", "a.person@example.org", "C10001"],
              ["S00002", "B. Person", "edinburgh", "census", "EO", "Mon;Tue;Wed", "7.4", "2024-01-08", "",
               "0.6", "S00001", "false", "", ""]],
    "equality": [["S00001", "Female", "35-44", "White", "no", "yes", "25"],
                 ["S00002", "", "25-34", "prefer not to say", "prefer not to say", "no", ""]],
}

NATION_CODES = {code for code, _ in NATIONS}
SITE_KINDS = {Site.OFFICE, Site.HUB}
GRADES_MAX = 16
YES, NO = {"true", "yes", "y", "1"}, {"false", "no", "n", "0", ""}


@dataclass
class OrganisationImportResult:
    kind: str
    batch: ImportBatch
    already_imported: bool
    rows: int
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def written(self) -> int:
        return self.created + self.updated


class _Check:
    """Collects problems (file, line, field) up to MAX_ERRORS."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.errors: list[InputError] = []
        self.more = False

    def fail(self, line: int, name: str, message: str) -> None:
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(InputError(message, file=self.filename, line=line, field=name))
        else:
            self.more = True

    def value(self, line: int, name: str, func: Callable[[Any], Any], raw: Any) -> Any:
        try:
            return func(raw)
        except ValueError as exc:
            self.fail(line, name, str(exc))
            return None


def _required_text(max_length: int) -> Callable[[Any], str]:
    optional = _optional_text(max_length)

    def check(raw: Any) -> str:
        text = optional(raw)
        if not text:
            raise ValueError("is empty")
        return text
    return check


def _optional_text(max_length: int) -> Callable[[Any], str]:
    def check(raw: Any) -> str:
        text = _text(raw)
        if len(text) > max_length:
            raise ValueError(f"is longer than {max_length} characters")
        if "\x00" in text:
            raise ValueError("holds a NUL character")
        return text
    return check


def _code(max_length: int) -> Callable[[Any], str]:
    def check(raw: Any) -> str:
        text = _required_text(max_length)(raw)
        if not all(c.isascii() and (c.isalnum() or c in "-_") for c in text):
            raise ValueError(f"'{text}' is not a code (letters, digits, - and _ only)")
        return text
    return check


def _boolean(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    text = _text(raw).lower()
    if text in YES:
        return True
    if text in NO:
        return False
    raise ValueError(f"'{_text(raw)}' is not true or false")


def _whole(lo: int, hi: int, *, optional: bool = False) -> Callable[[Any], int | None]:
    def check(raw: Any) -> int | None:
        text = _text(raw)
        if not text and optional:
            return None
        try:
            value = int(text)
        except ValueError:
            raise ValueError(f"'{text}' is not a whole number" if text else "is empty") from None
        if not lo <= value <= hi:
            raise ValueError(f"{value} is not from {lo:,} to {hi:,}")
        return value
    return check


def _decimal(lo: Decimal, hi: Decimal, places: int) -> Callable[[Any], Decimal]:
    def check(raw: Any) -> Decimal:
        text = _text(raw)
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"'{text}' is not a number" if text else "is empty") from None
        if not value.is_finite() or not lo <= value <= hi:
            raise ValueError(f"{text} is not from {lo} to {hi}")
        if value != round(value, places):
            raise ValueError(f"{text} has more than {places} decimal places")
        return value
    return check


_DAY_NAMES = {**{w.lower(): w for w in WEEKDAYS},
              **{n: w for n, w in zip(("monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
                                       "sunday"), WEEKDAYS, strict=True)}}


def _working_days(raw: Any) -> str:
    """"Mon;Tue;Wed" (or full names, or commas) -> "Mon;Tue;Wed", in weekday order."""
    names = [d.strip() for d in _text(raw).replace(",", ";").split(";") if d.strip()]
    if not names:
        raise ValueError("is empty; contracted days like Mon;Tue;Wed are needed")
    days: list[str] = []
    for n in names:
        day = _DAY_NAMES.get(n.lower())
        if day is None:
            raise ValueError(f"'{n}' is not a weekday (use Mon, Tue, Wed, Thu, Fri, Sat, Sun)")
        if day in days:
            raise ValueError(f"'{day}' is given twice")
        days.append(day)
    return ";".join(sorted(days, key=WEEKDAYS.index))


def _fields(obj: Any, values: dict[str, Any]) -> bool:
    """Set `values` on `obj`; True if anything changed."""
    changed = False
    for k, v in values.items():
        if getattr(obj, k) != v:
            setattr(obj, k, v)
            changed = True
    return changed


def import_organisation_file(organisation: Organisation, kind: str, filename: str, data: bytes,
                             actor: Any, progress: Progress | None = None) -> OrganisationImportResult:
    """Validate and import one file of `kind` (sites, teams, staff, equality); raise ImportRefused (nothing
    written) if any row is bad. `progress(stage, rows)` is told how far it has gone (the background job)."""
    if kind not in ORGANISATION_KINDS:
        raise ValueError(f"unknown organisation import kind {kind!r}")
    sha256 = hashlib.sha256(data).hexdigest()
    previous = ImportBatch.objects.filter(organisation=organisation, kind=kind, sha256=sha256).first()
    if previous is not None:
        return OrganisationImportResult(kind, previous, True, previous.rows, unchanged=previous.rows)
    columns, rows = _rows(filename, data)
    required, optional = COLUMNS[kind]
    missing = [c for c in required if c not in columns]
    if missing:
        raise ImportRefused([InputError(f"the header has no '{c}' column (it has: {', '.join(columns) or 'none'})",
                                        file=filename, line=1, field=c) for c in missing])
    repeated = sorted({c for c in columns if columns.count(c) > 1})
    if repeated:
        raise ImportRefused([InputError("the header names this column twice", file=filename, line=1,
                                        field=repeated[0])])
    check = _Check(filename)
    parsed = {"sites": _parse_sites, "teams": _parse_teams, "staff": _parse_staff,
              "equality": _parse_equality}[kind](organisation, counted(rows, progress), check)
    if not parsed and not check.errors:
        check.errors.append(InputError("the file has no data rows", file=filename))
    if check.errors:
        raise ImportRefused(check.errors, check.more)
    if progress is not None:
        progress(f"Writing {len(parsed)} rows", len(parsed))
    with transaction.atomic():
        result = {"sites": _write_sites, "teams": _write_teams, "staff": _write_staff,
                  "equality": _write_equality}[kind](organisation, parsed)
        created, updated, unchanged = result
        batch = ImportBatch.objects.create(
            organisation=organisation, kind=kind, filename=filename[:255], sha256=sha256, rows=len(parsed),
            written=created + updated, imported_by=getattr(actor, "username", str(actor)))
        record(actor, "import_organisation_file", "ImportBatch", batch.pk, kind=kind, filename=filename,
               sha256=sha256, rows=len(parsed), created=created, updated=updated, unchanged=unchanged)
    return OrganisationImportResult(kind, batch, False, len(parsed), created, updated, unchanged)


# -- sites ------------------------------------------------------------------------------------------------------

def _seen(check: _Check, seen: dict[str, int], key: str | None, line: int, name: str) -> bool:
    if key is None:
        return False
    if key in seen:
        check.fail(line, name, f"'{key}' is given twice (first on line {seen[key]})")
        return False
    seen[key] = line
    return True


def _parse_sites(organisation: Organisation, rows: Any, check: _Check) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    headquarters: list[int] = []
    for line, row in rows:
        code = check.value(line, "site_code", _code(32), row.get("site_code"))
        name = check.value(line, "name", _required_text(200), row.get("name"))
        nation = _text(row.get("nation")).lower()
        if nation not in NATION_CODES:
            check.fail(line, "nation", f"'{_text(row.get('nation'))}' is not one of {', '.join(sorted(NATION_CODES))}"
                       if nation else "is empty")
        desks = check.value(line, "desks", _whole(0, 1_000_000), row.get("desks"))
        kind = _text(row.get("kind")).lower() or Site.OFFICE
        if kind not in SITE_KINDS:
            check.fail(line, "kind", f"'{kind}' is not office or hub")
        hq = check.value(line, "is_headquarters", _boolean, row.get("is_headquarters"))
        address = check.value(line, "address", _optional_text(2000), row.get("address"))
        if hq:
            headquarters.append(line)
        if _seen(check, seen, code, line, "site_code") and not check.errors:
            out.append({"code": code, "name": name, "nation": nation, "desk_capacity": desks, "kind": kind,
                        "is_headquarters": bool(hq), "address": address or ""})
        if check.more:
            break
    if len(headquarters) > 1:
        check.fail(headquarters[1], "is_headquarters",
                   f"a second headquarters (the first is on line {headquarters[0]})")
    return out


def _write_sites(organisation: Organisation, rows: list[dict[str, Any]]) -> tuple[int, int, int]:
    if any(r["is_headquarters"] for r in rows):  # one headquarters: the file's replaces any other
        Site.objects.filter(organisation=organisation, is_headquarters=True).exclude(
            code__in=[r["code"] for r in rows if r["is_headquarters"]]).update(is_headquarters=False)
    return _upsert_by_code(Site, organisation, rows)


def _upsert_by_code(model: Any, organisation: Organisation, rows: list[dict[str, Any]]) -> tuple[int, int, int]:
    """Create the rows whose code is new, update those whose fields changed: (created, updated, unchanged)."""
    held = {o.code: o for o in model.objects.filter(organisation=organisation)}
    created = updated = unchanged = 0
    for r in rows:
        values = {k: v for k, v in r.items() if k != "code"}
        found = held.get(r["code"])
        if found is None:
            model.objects.create(organisation=organisation, code=r["code"], **values)
            created += 1
        elif _fields(found, values):
            found.save()
            updated += 1
        else:
            unchanged += 1
    return created, updated, unchanged


# -- teams ------------------------------------------------------------------------------------------------------

def _parse_teams(organisation: Organisation, rows: Any, check: _Check) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for line, row in rows:
        code = check.value(line, "team_code", _code(64), row.get("team_code"))
        name = check.value(line, "name", _required_text(200), row.get("name"))
        directorate = check.value(line, "directorate", _optional_text(200), row.get("directorate"))
        if _seen(check, seen, code, line, "team_code") and not check.errors:
            out.append({"code": code, "name": name, "directorate": directorate or ""})
        if check.more:
            break
    return out


def _write_teams(organisation: Organisation, rows: list[dict[str, Any]]) -> tuple[int, int, int]:
    return _upsert_by_code(Team, organisation, rows)


# -- staff ------------------------------------------------------------------------------------------------------

def _parse_staff(organisation: Organisation, rows: Any, check: _Check) -> list[dict[str, Any]]:
    sites = dict(Site.objects.filter(organisation=organisation).values_list("code", "pk"))
    teams = dict(Team.objects.filter(organisation=organisation).values_list("code", "pk"))
    held = set(StaffMember.objects.filter(organisation=organisation).values_list("staff_id", flat=True))
    cards = dict(BadgeCard.objects.filter(staff__organisation=organisation).values_list("card_number",
                                                                                      "staff__staff_id"))
    other_cards = set(BadgeCard.objects.exclude(staff__organisation=organisation).values_list("card_number",
                                                                                             flat=True))
    out: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    seen_cards: dict[str, int] = {}
    managers: list[tuple[int, str, str]] = []
    for line, row in rows:
        staff_id = check.value(line, "staff_id", _code(32), row.get("staff_id"))
        name = check.value(line, "name", _required_text(200), row.get("name"))
        site_code = _text(row.get("home_site"))
        if site_code not in sites:
            check.fail(line, "home_site", f"'{site_code}' is not a site (known: {', '.join(sorted(sites)) or 'none'}"
                       "; import the sites first)" if site_code else "is empty")
        team_code = _text(row.get("team"))
        if team_code not in teams:
            check.fail(line, "team", f"'{team_code}' is not a team (known: {', '.join(sorted(teams)) or 'none'}"
                       "; import the teams first)" if team_code else "is empty")
        contract = _contract(check, line, row)
        card = check.value(line, "card_number", _optional_text(32), row.get("card_number"))
        if card:
            if card in other_cards or (card in cards and cards[card] != staff_id):
                check.fail(line, "card_number", f"card '{card}' is already someone else's")
            elif card in seen_cards:
                check.fail(line, "card_number", f"card '{card}' is given twice (first on line {seen_cards[card]})")
            else:
                seen_cards[card] = line
        manager = _text(row.get("line_manager"))
        if manager and staff_id:
            managers.append((line, staff_id, manager))
        if _seen(check, seen, staff_id, line, "staff_id") and not check.errors:
            out.append({"staff_id": staff_id, "name": name, "home_site_id": sites[site_code],
                        "team_id": teams[team_code], **contract, "card": card or "", "manager": manager})
        if check.more:
            break
    known = held | set(seen)
    for line, staff_id, manager in managers:
        if manager == staff_id:
            check.fail(line, "line_manager", "a person cannot be their own line manager")
        elif manager not in known:
            check.fail(line, "line_manager", f"'{manager}' is neither in this file nor a member of staff already")
    return out


def _contract(check: _Check, line: int, row: dict[str, Any]) -> dict[str, Any]:
    """The contract's fields of a staff row: grade, working pattern, hours, FTE, dates, home-based, email."""
    grade = check.value(line, "grade", _required_text(GRADES_MAX), row.get("grade"))
    days = check.value(line, "working_days", _working_days, row.get("working_days"))
    hours = check.value(line, "hours_per_day", _decimal(Decimal("0.5"), Decimal("24"), 2), row.get("hours_per_day"))
    start = check.value(line, "start_date", _date, row.get("start_date"))
    end = None
    if _text(row.get("end_date")):
        end = check.value(line, "end_date", _date, row.get("end_date"))
        if end is not None and start is not None and end < start:
            check.fail(line, "end_date", f"the contract ends ({end.isoformat()}) before it starts "
                                         f"({start.isoformat()})")
    fte = None
    if _text(row.get("fte")):
        fte = check.value(line, "fte", _decimal(Decimal("0.01"), Decimal("1.5"), 3), row.get("fte"))
    elif days is not None and hours is not None:  # contracted hours over a full-time 5 x 7.4
        fte = round(Decimal(len(days.split(";"))) * hours / (Decimal(5) * Decimal("7.4")), 3)
    home_based = check.value(line, "home_based_contract", _boolean, row.get("home_based_contract"))
    email = check.value(line, "work_email", _optional_text(254), row.get("work_email"))
    if email and ("@" not in email or " " in email):
        check.fail(line, "work_email", f"'{email}' is not an email address")
    return {"grade": grade, "working_days": days, "hours_per_day": hours, "fte": fte, "start_date": start,
            "end_date": end, "home_based_contract": bool(home_based), "work_email": email or ""}


def _write_staff(organisation: Organisation, rows: list[dict[str, Any]]) -> tuple[int, int, int]:
    held = {s.staff_id: s for s in StaffMember.objects.filter(organisation=organisation)}
    created = updated = unchanged = 0
    changed_ids: set[str] = set()
    for r in rows:
        values = {k: v for k, v in r.items() if k not in ("staff_id", "card", "manager")}
        person = held.get(r["staff_id"])
        if person is None:
            person = StaffMember.objects.create(organisation=organisation, staff_id=r["staff_id"], **values)
            held[r["staff_id"]] = person
            created += 1
            changed_ids.add(r["staff_id"])
        elif _fields(person, values):
            person.save()
            changed_ids.add(r["staff_id"])
        if r["card"] and not BadgeCard.objects.filter(card_number=r["card"]).exists():
            BadgeCard.objects.create(staff=person, card_number=r["card"], issued_on=r["start_date"])
            changed_ids.add(r["staff_id"])
    for r in rows:  # line managers once everyone in the file exists
        person = held[r["staff_id"]]
        manager_pk = held[r["manager"]].pk if r["manager"] else None
        if person.line_manager_id != manager_pk:
            person.line_manager_id = manager_pk
            person.save(update_fields=["line_manager"])
            changed_ids.add(r["staff_id"])
    new = {r["staff_id"] for r in rows} & changed_ids
    updated = len(new) - created
    unchanged = len(rows) - created - updated
    return created, updated, unchanged


# -- equality monitoring ------------------------------------------------------------------------------------------

EQUALITY_FIELDS = {"sex": 16, "age_band": 16, "ethnicity": 64, "disability": 32, "caring_responsibilities": 32}


def _parse_equality(organisation: Organisation, rows: Any, check: _Check) -> list[dict[str, Any]]:
    staff = dict(StaffMember.objects.filter(organisation=organisation).values_list("staff_id", "pk"))
    out: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for line, row in rows:
        staff_id = _text(row.get("staff_id"))
        if staff_id not in staff:
            check.fail(line, "staff_id", f"'{staff_id}' is not a member of staff of {organisation.name}"
                       if staff_id else "is empty")
        values = {k: check.value(line, k, _optional_text(n), row.get(k)) for k, n in EQUALITY_FIELDS.items()}
        values["commute_minutes"] = check.value(line, "commute_minutes", _whole(0, 1440, optional=True),
                                                row.get("commute_minutes"))
        if _seen(check, seen, staff_id if staff_id in staff else None, line, "staff_id") and not check.errors:
            out.append({"staff_pk": staff[staff_id], **values})
        if check.more:
            break
    return out


def _write_equality(organisation: Organisation, rows: list[dict[str, Any]]) -> tuple[int, int, int]:
    held = {e.staff_id: e for e in EqualityRecord.objects.filter(staff__organisation=organisation)}
    created = updated = unchanged = 0
    for r in rows:
        values = {k: v for k, v in r.items() if k != "staff_pk"}
        current = held.get(r["staff_pk"])
        if current is None:
            EqualityRecord.objects.create(staff_id=r["staff_pk"], **values)
            created += 1
        elif _fields(current, values):
            current.save()
            updated += 1
        else:
            unchanged += 1
    return created, updated, unchanged


def template_csv(kind: str) -> str:
    """The starter template for `kind`: its header (required columns first) and two example rows."""
    import io

    from mandate.platform import exports

    required, optional = COLUMNS[kind]
    out = io.StringIO()
    writer = exports.csv_writer(out, lineterminator="\n")
    writer.writerow(required + optional)
    writer.writerows(EXAMPLES[kind])
    return out.getvalue()

