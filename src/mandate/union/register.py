"""Membership register: import from CSV (validated whole first, then written in bulk) and export.

The CSV format (UTF-8, a header line, one member a line, any column order):

    membership_number  required, unique in the file
    name               required
    personal_email     optional; if given, a well-formed address (a non-ASCII local part and an IDN
                       domain are taken, RFC 6531)
    mobile             optional
    home_address       required (voting papers are posted there, s.230(2))
    employer           required: the code of an employer the union has recorded
    workplace          required: the code of a workplace of that employer
    job_category       required
    overseas           optional: yes/no, true/false, 1/0 (blank is no)
    join_date          required: ISO 8601 date, e.g. 2019-04-01

A column not in this list is refused, not dropped: the error names it and lists the accepted columns, so
data a file carries (a branch, a second address) is never lost unseen. A column named twice and a line with
more fields than the header are refused too. A file with any bad line is refused whole, every bad line named;
nothing is half-imported. Re-importing updates the members already on the register (matched by membership
number) and adds the new ones; with `mark_missing_left=True` a member absent from the file is marked as
having left on the import day.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import IO, Any, cast

from django.core.exceptions import ValidationError
from django.db import transaction

from mandate.platform import exports, inputs
from mandate.platform.audit import record
from mandate.union.emails import validate_personal_email
from mandate.union.models import Member, Union, Workplace

COLUMNS = ["membership_number", "name", "personal_email", "mobile", "home_address", "employer", "workplace",
           "job_category", "overseas", "join_date"]
REQUIRED = ["membership_number", "name", "home_address", "employer", "workplace", "job_category", "join_date"]
TRUE = {"yes", "y", "true", "1"}
FALSE = {"no", "n", "false", "0", ""}
# The plain addresses nearly every register holds (ASCII dot-atom local part, ASCII domain labels, a letters-only
# top-level domain), all of which the personal-email validator accepts, checked by one compiled pattern: the
# validator costs about 10 us an address, a second for 150,000 members. Anything else goes to the validator
# (internationalised addresses too, RFC 6531), so what is accepted is exactly what it accepts.
_validate_email = validate_personal_email
_PLAIN_EMAIL = re.compile(r"[A-Za-z0-9_%+-]{1,64}(?:\.[A-Za-z0-9_%+-]{1,64})*"
                          r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}")


def _check_email(email: str) -> None:
    """Raise ValidationError unless the personal-email validator accepts ``email``."""
    if len(email) <= 254 and _PLAIN_EMAIL.fullmatch(email):
        return
    _validate_email(email)

# The fields checked against the model for each line, in this order (the employer and workplace are relations,
# checked against the union's own; the email by the personal-email check).
CHECKED = ["membership_number", "name", "mobile", "home_address", "job_category", "overseas", "joined_on", "left_on"]
_FIELDS = ["name", "personal_email", "mobile", "home_address", "employer_id", "workplace_id", "job_category",
           "overseas", "joined_on", "left_on"]


@dataclass
class LineError:
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.column}: {self.message}" if self.column else f"line {self.line}: {self.message}"


class RegisterImportError(Exception):
    """The file was refused whole; `errors` names every bad line."""

    def __init__(self, errors: list[LineError]):
        self.errors = errors
        super().__init__(f"register refused: {len(errors)} problem(s); first: {errors[0]}")


@dataclass
class ImportReport:
    rows: int
    created: int
    updated: int
    unchanged: int
    marked_left: int
    errors: list[LineError] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def csv_records(text: str) -> tuple[list[str], Iterator[tuple[int, dict[str | None, Any]]]]:
    """The header and (line, record) pairs of CSV text, the line being where the record starts in the file
    (a quoted value may span lines, so counting records would drift). Fields beyond the header are kept under
    the key None, as csv.DictReader does; blank lines are skipped."""
    lines = text.split("\n")
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]

    def records() -> Iterator[tuple[int, dict[str | None, Any]]]:
        before = reader.line_num
        for row in reader:
            start = before + 1
            while start < reader.line_num and not lines[start - 1].strip("\r"):
                start += 1  # blank lines DictReader skipped
            yield start, row
            before = reader.line_num

    return header, records()


def _header_errors(header: list[str]) -> list[LineError]:
    """Problems with the header line: a required column missing, a column this import does not know (refused
    rather than dropped, so no data is lost unseen) or a column named twice."""
    errors: list[LineError] = []
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        errors.append(LineError(1, "", "the header lacks column(s): " + ", ".join(missing)))
    unknown = [name or f"(unnamed column {i})" for i, name in enumerate(header, 1) if name not in COLUMNS]
    if unknown:
        errors.append(LineError(1, "", f"the header has column(s) the register does not take: {', '.join(unknown)}. "
                                       f"Remove or rename them; the accepted columns are {', '.join(COLUMNS)}"))
    twice = sorted({name for name in header if name in COLUMNS and header.count(name) > 1}, key=COLUMNS.index)
    if twice:
        errors.append(LineError(1, "", "the header names column(s) more than once: " + ", ".join(twice)))
    return errors


def _parse(union: Union, rows: Iterable[tuple[int, dict[str | None, Any]]], header: list[str]) -> tuple[list[dict[str, Any]], list[LineError]]:
    errors = _header_errors(header)
    if errors:
        return [], errors
    workplaces = {(w.employer.code, w.code): (w.employer_id, w.pk)
                  for w in Workplace.objects.filter(employer__union=union).select_related("employer")}
    employer_codes = {emp for emp, _ in workplaces} | set(union.employers.values_list("code", flat=True))
    seen: dict[str, int] = {}
    parsed: list[dict[str, Any]] = []
    keys: dict[str, str] = {}  # the header's names as written -> stripped, once
    yes_no = TRUE | FALSE
    unescape = exports.unescape_cell
    fromisoformat = date.fromisoformat
    # every value against its Member field (length, characters, date range) before anything is written (the
    # email is checked on its own, internationalised addresses taken: the model field's own validator is
    # Django's, which refuses a non-ASCII local part); the field checks worked out once for the whole file
    check = inputs.checker(Member, CHECKED, columns={"joined_on": "join_date"})
    for number, record_ in rows:
        if record_.get(None):
            extra = len(record_[None])
            errors.append(LineError(number, "", f"{extra} more field{'s' if extra > 1 else ''} than the header "
                                                f"has columns (a value with a comma in it needs quotes)"))
            continue
        row = {}
        for k, v in record_.items():
            if k is not None:
                v = v.strip() if v else ""
                row[keys.get(k) or keys.setdefault(k, k.strip())] = unescape(v) if v[:1] == "'" else v
        get = row.get
        bad: list[LineError] = []
        for column in REQUIRED:
            if not get(column):
                bad.append(LineError(number, column, "missing"))
        mnum = get("membership_number", "")
        if mnum:
            if mnum in seen:
                bad.append(LineError(number, "membership_number", f"{mnum} is duplicated (first on line {seen[mnum]})"))
            else:
                seen[mnum] = number
        email = get("personal_email", "")
        if email:
            try:
                _check_email(email)
            except ValidationError:
                bad.append(LineError(number, "personal_email", f"{email!r} is not a valid email address"))
        joined = None
        if get("join_date"):
            try:
                joined = fromisoformat(row["join_date"])
            except ValueError:
                bad.append(LineError(number, "join_date", f"{row['join_date']!r} is not a date (use YYYY-MM-DD)"))
        overseas_text = get("overseas", "").lower()
        if overseas_text not in yes_no:
            bad.append(LineError(number, "overseas", f"{row['overseas']!r} is not yes or no"))
        emp, wp = get("employer", ""), get("workplace", "")
        workplace = workplaces.get((emp, wp))
        if emp and emp not in employer_codes:
            bad.append(LineError(number, "employer", f"unknown employer {emp!r}"))
        elif emp and wp and workplace is None:
            bad.append(LineError(number, "workplace", f"unknown workplace {wp!r} for employer {emp!r}"))
        if bad:
            errors += bad
            continue
        assert workplace is not None
        name, mobile, address, category = row["name"], get("mobile", ""), row["home_address"], row["job_category"]
        overseas = overseas_text in TRUE
        checked = check((mnum, name, mobile, address, category, overseas, joined, None), number)
        if checked:
            errors.extend(LineError(number, p.field, p.message) for p in checked)
            continue
        parsed.append({
            "membership_number": mnum, "name": name, "personal_email": email, "mobile": mobile,
            "home_address": address, "employer_id": workplace[0], "workplace_id": workplace[1],
            "job_category": category, "overseas": overseas, "joined_on": joined, "left_on": None,
        })
    if not parsed and not errors:
        errors.append(LineError(1, "", "the file holds no members"))
    return parsed, errors


def import_register(union: Union, source: IO[str] | str, actor: Any = None, *, mark_missing_left: bool = False,
                    today: date | None = None, batch_size: int = 5000, insert_method: str = "auto") -> ImportReport:
    """Validate the whole file, then create and update members in bulk inside one transaction.

    The transaction first locks the union's row, so two imports for one union (a double-clicked upload, two
    officials at once) run one after the other: the second finds the members the first added and changes
    nothing, instead of failing on the unique membership number or adding them twice."""
    text = source if isinstance(source, str) else source.read()
    if text.startswith("\ufeff"):
        text = text[1:]
    try:
        problem = inputs.csv_text_refusal(text)
        if problem:
            raise inputs.InputRefused([problem])
        header, records = csv_records(text)
        parsed, errors = _parse(union, inputs.guard_csv(records), header)
    except inputs.InputRefused as refused:  # a file the csv module cannot read: named, not a traceback
        parsed, errors = [], [LineError(p.line or 1, p.field, p.message) for p in refused.problems]
    if errors:
        record(actor, "register.import_refused", "Union", union.code, problems=len(errors),
               first_lines=[e.line for e in errors[:20]])
        raise RegisterImportError(errors)
    today = today or date.today()
    with transaction.atomic():
        Union.objects.select_for_update().filter(pk=union.pk).values_list("pk", flat=True).first()
        existing = {row[0]: row[1:] for row in
                    Member.objects.filter(union=union).values_list("membership_number", "pk", *_FIELDS).iterator(chunk_size=20000)}
        to_create: list[dict[str, Any]] = []
        to_update: list[Member] = []
        unchanged = 0
        for row in parsed:
            current = existing.pop(row["membership_number"], None)
            if current is None:
                to_create.append(row)
            elif tuple(current[1:]) != tuple(row[name] for name in _FIELDS):
                to_update.append(Member(pk=current[0], union=union, **row))
            else:
                unchanged += 1
        _insert_many(union, to_create, batch_size, insert_method)
        if to_update:
            Member.objects.bulk_update(to_update, _FIELDS, batch_size=1000)
        marked_left = 0
        if mark_missing_left:
            left_at = 1 + _FIELDS.index("left_on")
            gone = [values[0] for values in existing.values() if values[left_at] is None]
            for start in range(0, len(gone), 900):
                marked_left += Member.objects.filter(pk__in=gone[start:start + 900]).update(left_on=today)
        report = ImportReport(len(parsed), len(to_create), len(to_update), unchanged, marked_left)
        record(actor, "register.imported", "Union", union.code, rows=report.rows, created=report.created,
               updated=report.updated, unchanged=report.unchanged, marked_left=report.marked_left)
    return report


INSERT_COLUMNS = ["union_id", "branch_id", "membership_number", "name", "personal_email", "mobile", "home_address",
                  "employer_id", "workplace_id", "job_category", "overseas", "joined_on", "left_on"]


def _insert_many(union: Union, rows: list[dict[str, Any]], batch_size: int, method: str = "auto") -> None:
    """Insert new members straight from the validated rows, without a model instance per row: on PostgreSQL
    with COPY (psycopg 3's ``cursor.copy()``, one stream for the whole file: about 3x the driver's
    executemany, which sends a prepared INSERT per row), elsewhere with one prepared INSERT run by the driver's
    executemany (sqlite3 runs it in C; several times faster than bulk_create, which builds a model instance per
    row and on SQLite splits the work into batches of about 70 rows, the 999-parameter cap). ``method``
    ("copy" or "executemany") chooses for the benchmark; either runs inside the caller's transaction."""
    from django.db import connection

    known = {cast(str, f.column) for f in Member._meta.concrete_fields if not f.primary_key}  # concrete: a column
    assert known == set(INSERT_COLUMNS), f"Member's columns changed: {sorted(known ^ set(INSERT_COLUMNS))}"
    if method == "auto":
        method = "copy" if connection.vendor == "postgresql" else "executemany"
    table = connection.ops.quote_name(Member._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in INSERT_COLUMNS)
    with connection.cursor() as cursor:
        if method == "copy":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for r in rows:
                    copy.write_row((union.pk, None, r["membership_number"], r["name"], r["personal_email"],
                                    r["mobile"], r["home_address"], r["employer_id"], r["workplace_id"],
                                    r["job_category"], r["overseas"], r["joined_on"], None))
            return
        sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(INSERT_COLUMNS))})"  # noqa: S608
        adapt = connection.ops.adapt_datefield_value
        for start in range(0, len(rows), batch_size):
            cursor.executemany(sql, [
                (union.pk, None, r["membership_number"], r["name"], r["personal_email"], r["mobile"],
                 r["home_address"], r["employer_id"], r["workplace_id"], r["job_category"], r["overseas"],
                 adapt(r["joined_on"]), None) for r in rows[start:start + batch_size]])


def export_register(union: Union, out: IO[str], actor: Any = None, *, include_left: bool = False) -> int:
    """Write the register in the import format; returns the number of members written."""
    writer = exports.csv_writer(out)  # formulas escaped (OWASP CSV injection)
    writer.writerow(COLUMNS)
    members = Member.objects.filter(union=union).select_related("employer", "workplace").order_by("membership_number")
    if not include_left:
        members = members.filter(left_on__isnull=True)
    count = 0
    for m in members.iterator(chunk_size=5000):
        writer.writerow([m.membership_number, m.name, m.personal_email, m.mobile, m.home_address, m.employer.code,
                         m.workplace.code, m.job_category, "yes" if m.overseas else "no", m.joined_on.isoformat()])
        count += 1
    record(actor, "register.exported", "Union", union.code, members=count)
    return count
