"""The one checker every importer runs before writing: each value against the model field it goes into.

Bad input never reaches the database unchecked, and never becomes a 500: a value too long for its column (a
40-digit mobile, a 10,000-character name, a 128 KB cell), a character no record should hold (a NUL byte, a
control character, a carriage return alone), a date or time outside the years the system deals in (a Parquet
date of year 1 or 9999), a number outside its column's range, an e-mail address that is not one, a choice not
on the list. Each problem names its line and its column in the file's own words; the importer refuses the
file whole and writes nothing.

How an importer uses it (workplace ledger imports, the union register; the returns import likewise):

    refusal = inputs.csv_text_refusal(text)               # once, on the decoded text: CR-only line endings
    for line, row in inputs.guard_csv(rows):              # a CSV the csv module cannot read: InputRefused
        for p in inputs.cell_problems(row, line):         # every cell, taken or not: NUL, control, size
            ...
        values = {...}                                    # the values about to be written, by field name
        for p in inputs.problems(Model, values, line=line, columns={"joined_on": "join_date"}):
            errors.append((p.line, p.field, p.message))   # refuse the file; write nothing

`problems_of(instance, line=...)` does the same for an unsaved model instance.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any, TypeVar

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.validators import MaxLengthValidator, ProhibitNullCharactersValidator
from django.db import models

# The years a record of this system can be about: joining dates, badge swipes, ballots.
EARLIEST = dt.date(1900, 1, 1)
LATEST = dt.date(2100, 12, 31)
# A text field without max_length (an address, a description) holds at most this many characters.
MAX_TEXT = 4000
# A cell of an imported file that no field takes (ignored columns) is still refused above this size.
MAX_CELL = 10_000
# A mobile or other phone number: E.164 has at most 15 digits.
PHONE_FIELDS = ("mobile", "phone", "telephone")
PHONE_CHARACTERS = set("0123456789+ ()-.")
MAX_PHONE_DIGITS = 15

T = TypeVar("T")
# Unicode's control characters (category Cc: U+0000-U+001F and U+007F-U+009F) but tab and line feed, and
# surrogates (Cs: U+D800-U+DFFF), which no text may hold.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


@dataclass(frozen=True)
class FieldProblem:
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line else ""
        return f"{where}{self.field}: {self.message}" if self.field else f"{where}{self.message}"


class InputRefused(ValueError):
    """The input was refused whole; `problems` name each line and field."""

    def __init__(self, problems: list[FieldProblem]) -> None:
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


def _count(n: int) -> str:
    return f"{n:,}"


def text_problem(value: str, *, multiline: bool, max_length: int | None) -> str | None:
    """What is wrong with a piece of text, in words, or None."""
    if max_length is not None and len(value) > max_length:
        return f"is {_count(len(value))} characters long; at most {_count(max_length)} are allowed"
    if "\x00" in value:
        return "holds a NUL byte (character 0), which no text may hold: the file is damaged or not text"
    cr = value.replace("\r\n", "\n").find("\r")
    if cr >= 0:
        return "holds a carriage return alone (CR-only line endings): save the file with ordinary line endings"
    if not multiline and "\n" in value:
        return "holds a line break; this field is one line"
    bad = _CONTROL.search(value)  # one C-level scan (a register's 150,000 lines: a unicodedata call a character)
    if bad:
        return f"holds the control character U+{ord(bad.group()):04X}, which no text may hold"
    return None


def _phone_problem(value: str) -> str | None:
    bad = sorted(set(value) - PHONE_CHARACTERS)
    if bad:
        return f"{value[:40]!r} is not a phone number: it holds {''.join(bad[:5])!r}"
    digits = sum(ch.isdigit() for ch in value)
    if digits > MAX_PHONE_DIGITS:
        return f"has {digits} digits; a phone number has at most {MAX_PHONE_DIGITS}"
    return None


def _date_problem(value: dt.date) -> str | None:
    day = value.date() if isinstance(value, dt.datetime) else value
    if not EARLIEST <= day <= LATEST:
        return (f"{value.isoformat()} is outside the years {EARLIEST.year} to {LATEST.year}: "
                f"check the date (a spreadsheet's blank date often comes out as year 1 or 9999)")
    return None


def in_range(value: T) -> T:
    """`value` (a date or date and time) if it lies within EARLIEST..LATEST, else ValueError in words: for the
    parsers of importers, so that an out-of-range value stops before any arithmetic on it."""
    if isinstance(value, dt.date):
        problem = _date_problem(value)
        if problem:
            raise ValueError(problem)
    return value


def _shape_problem(field: models.Field, value: Any) -> str | None:
    """Text (length, characters, phone numbers), dates and times (range, offset), NaN."""
    if isinstance(value, str):
        multiline = isinstance(field, models.TextField)
        limit = field.max_length if field.max_length is not None else (MAX_TEXT if multiline else None)
        problem = text_problem(value, multiline=multiline, max_length=limit)
        if problem is None and (field.name in PHONE_FIELDS or field.attname in PHONE_FIELDS):
            problem = _phone_problem(value)
        return problem
    if isinstance(value, dt.date):
        problem = _date_problem(value)
        if problem is None and isinstance(field, models.DateTimeField) and isinstance(value, dt.datetime) \
                and value.utcoffset() is None:
            problem = f"{value.isoformat()} has no UTC offset"
        return problem
    if isinstance(value, float) and value != value:
        return "is not a number"
    return None


def value_problem(field: models.Field, value: Any) -> str | None:
    """What is wrong with `value` for `field`, in words, or None. Relations are the importer's to check."""
    if field.is_relation:
        return None
    if value is None or value == "":
        if value is None and not field.null and not isinstance(field, models.BooleanField):
            return "is missing"
        return None
    problem = _shape_problem(field, value)
    if problem:
        return problem
    try:
        python = field.to_python(value)
        if field.choices and python not in {k for k, _ in field.flatchoices}:
            return f"{str(python)[:40]!r} is not one of {', '.join(str(k) for k, _ in field.flatchoices)}"
        field.run_validators(python)
    except ValidationError as exc:
        return " ".join(exc.messages)
    except (TypeError, ValueError, OverflowError, ArithmeticError) as exc:
        return f"cannot be stored ({exc})"
    if isinstance(python, int | Decimal) and not isinstance(python, bool) and abs(int(python)) >= 2**63:
        return f"{python} is too large for the database"
    return None


def _field(model: type[models.Model], name: str) -> models.Field:
    try:
        return model._meta.get_field(name)  # type: ignore[return-value]
    except FieldDoesNotExist:
        field = next((f for f in model._meta.concrete_fields if f.attname == name), None)
        if field is None:
            raise
        return field


# Characters that send a text to the full check (text_problem): every control character but tab, surrogates;
# a line feed too where the field is one line. Text without them, within its length, has no problem of shape.
_SUSPECT_MULTILINE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_SUSPECT_ONE_LINE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\ud800-\udfff]")
_PLAIN_PHONE = re.compile(f"[0-9+ ().-]{{0,{MAX_PHONE_DIGITS}}}")
# Validators whose refusal text_problem always gives first (a text too long, a NUL byte): not run again.
_COVERED = (MaxLengthValidator, ProhibitNullCharactersValidator)


class _FieldCheck:
    """One field's check, worked out once from the model field: for text (the bulk of every import) a length
    and one compiled scan, then the choices and the validators the field has beyond those; anything else
    (numbers, dates, text with a suspect character) through `value_problem`, the one full check, so a value
    is refused, or not, in exactly the same words either way."""

    def __init__(self, field: models.Field) -> None:
        self.field = field
        self.relation = field.is_relation  # the importer's to check (value_problem passes them too)
        self.missing = None if field.null or isinstance(field, models.BooleanField) else "is missing"
        self.boolean = type(field) is models.BooleanField and not field.validators and not field.choices
        self.date = type(field) is models.DateField and not field.validators and not field.choices
        to_python = type(field).to_python
        self.text = (not field.is_relation and isinstance(field, models.CharField | models.TextField)
                     and to_python in (models.CharField.to_python, models.TextField.to_python))
        multiline = isinstance(field, models.TextField)
        self.limit = field.max_length if field.max_length is not None else (MAX_TEXT if multiline else None)
        self.suspect = _SUSPECT_MULTILINE if multiline else _SUSPECT_ONE_LINE
        self.phone = field.name in PHONE_FIELDS or field.attname in PHONE_FIELDS
        self.choices = {k for k, _ in field.flatchoices} if field.choices else None
        self.validators = any(not isinstance(v, _COVERED) for v in field.validators)

    def __call__(self, value: Any) -> str | None:
        if self.relation:
            return None
        if value is None:
            return self.missing
        if self.boolean and type(value) is bool:
            return None
        if self.date and type(value) is dt.date:
            return _date_problem(value)
        if not self.text or not isinstance(value, str) or not value:
            return value_problem(self.field, value)
        if (self.limit is not None and len(value) > self.limit) or self.suspect.search(value) is not None:
            return value_problem(self.field, value)
        if self.phone and _PLAIN_PHONE.fullmatch(value) is None:
            return value_problem(self.field, value)
        if self.choices is not None and value not in self.choices:
            return value_problem(self.field, value)
        if self.validators:
            try:
                self.field.run_validators(value)
            except ValidationError as exc:
                return " ".join(exc.messages)
        return None


@lru_cache(maxsize=256)
def _checks(model: type[models.Model], names: tuple[str, ...]) -> tuple[_FieldCheck, ...]:
    return tuple(_FieldCheck(_field(model, name)) for name in names)


def checker(model: type[models.Model], names: Sequence[str], columns: Mapping[str, str] | None = None
            ) -> Callable[[Sequence[Any], int | None], list[FieldProblem]]:
    """`problems` for a fixed list of fields, for an importer's every row: `check(values, line)` takes the values
    in the order of `names` and returns the same problems, in the same words, as `problems` would."""
    columns = columns or {}
    fields = [(i, columns.get(name, name), check) for i, (name, check) in
              enumerate(zip(names, _checks(model, tuple(names)), strict=True)) if not check.relation]

    def check(values: Sequence[Any], line: int | None) -> list[FieldProblem]:
        found: list[FieldProblem] = []
        for i, column, one in fields:
            problem = one(values[i])
            if problem:
                found.append(FieldProblem(line, column, problem))
        return found

    return check


def problems(model: type[models.Model], values: Mapping[str, Any], *, line: int | None = None,
             columns: Mapping[str, str] | None = None) -> list[FieldProblem]:
    """Every problem of `values` (by field name or attname) for `model`; `columns` maps a field's name to
    the file's column name for the messages (by default the field's own name). The checks of a model's fields
    are worked out once (`_FieldCheck`), so an import of 150,000 lines pays for the rules of each field once."""
    found: list[FieldProblem] = []
    for check, (name, value) in zip(_checks(model, tuple(values)), values.items(), strict=True):
        problem = check(value)
        if problem:
            found.append(FieldProblem(line, (columns or {}).get(name, name), problem))
    return found


def problems_of(instance: models.Model, *, line: int | None = None,
                columns: Mapping[str, str] | None = None) -> list[FieldProblem]:
    """Every problem of an unsaved instance's own (non-relation, non-automatic) field values."""
    values = {f.name: getattr(instance, f.attname) for f in instance._meta.concrete_fields
              if not f.is_relation and not f.primary_key and not getattr(f, "auto_now_add", False)
              and not getattr(f, "auto_now", False)}
    return problems(type(instance), values, line=line, columns=columns)


def cell_problems(row: Mapping[Any, Any], line: int | None) -> list[FieldProblem]:
    """Problems of a file's raw cells, whichever columns an importer takes: size, NUL, control characters."""
    found = []
    for column, value in row.items():
        if isinstance(value, list):  # csv.DictReader's fields beyond the header
            value = ",".join(str(v) for v in value)
        if not isinstance(value, str):
            continue
        problem = text_problem(value, multiline=True, max_length=MAX_CELL)
        if problem:
            found.append(FieldProblem(line, str(column or "(no column)"), problem))
    return found


def csv_text_refusal(text: str) -> FieldProblem | None:
    """A problem of a whole CSV text that the csv module would not name well: CR-only line endings."""
    found = re.search(r"\r(?!\n)", text)
    if found is None:
        return None
    line = len(re.findall(r"\r\n|\n|\r", text[:found.start()])) + 1
    return FieldProblem(line, "", "the line ends with a carriage return alone (CR-only line endings, as old Mac "
                                  "software saves): save the file as CSV UTF-8 with ordinary line endings")


def guard_csv(rows: Iterable[T]) -> Iterator[T]:
    """Pass rows through; a CSV the csv module cannot read becomes InputRefused naming the line after the
    last good one (rows are (line, row) pairs)."""
    last = 1
    iterator = iter(rows)
    while True:
        try:
            item = next(iterator)
        except StopIteration:
            return
        except csv.Error as exc:
            raise InputRefused([FieldProblem(last + 1, "", f"the file cannot be read as CSV here ({exc})")]) from exc
        if isinstance(item, tuple) and item and isinstance(item[0], int):
            last = item[0]
        yield item


def upload_too_large(upload: Any, limit: int) -> str | None:
    """The refusal, in words, for an uploaded file over `limit` bytes (its size is known without reading it:
    Django has streamed it to a temporary file)."""
    size = getattr(upload, "size", 0) or 0
    if size > limit:
        return (f"The file is {size / 1_048_576:,.1f} MB; at most {limit / 1_048_576:,.0f} MB can be uploaded "
                f"here. Split it into smaller files and upload them one after another.")
    return None


def upload_limit(kind: str) -> int:
    """The upload limit, in bytes, of one kind of upload (settings.MANDATE_UPLOAD_LIMITS, in MB)."""
    from django.conf import settings

    return int(settings.MANDATE_UPLOAD_LIMITS[kind]) * 1024 * 1024


def upload_validator(kind: str) -> Callable[[Any], None]:
    """A FileField validator refusing a file over the limit of `kind`, in words."""
    def validate(upload: Any) -> None:
        message = upload_too_large(upload, upload_limit(kind))
        if message:
            raise ValidationError(message, code="too_large")

    return validate


def refusal_status(request: Any, form: Any, context: Mapping[str, Any] | None = None) -> int:
    """The status of a page drawn from query parameters (a period, a policy): 400 when the parameters given
    were refused (the form's errors, or an error computing from them), 200 otherwise; a first visit without
    parameters is not a refusal."""
    given = bool(getattr(request, "GET", None))
    refused = bool(form is not None and form.errors) or bool(context and context.get("error"))
    return 400 if given and refused else 200
