"""What the two workspace engines share (desk demand in `capacity`, team anchor days in `anchor_days`): the
weekdays they plan, desks per site and weekday, where a record came from, and a strict CSV reader whose errors
name the file, the line and the field (as `InputError` does for the attendance engine's inputs).

Pure Python, no Django. The CSV contract of both commands is in docs/policy.md ("Desks and anchor days").
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from mandate.policy.errors import InputError

#: The weekdays the workspace engines plan, Monday (0) to Friday (4).
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri")
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
_DAY_LOOKUP = {d.lower(): i for i, d in enumerate(DAYS)}
_WEEKEND = ("sat", "sun")
_TRUE = ("true", "yes", "1")
_FALSE = ("false", "no", "0", "")


@dataclass(frozen=True)
class Where:
    """Where a record came from: a file and its line (CSV, the header being line 1), or a table and its row."""

    file: str
    line: int
    unit: str = "line"

    def error(self, message: str, field: str | None = None) -> InputError:
        return InputError(message, file=self.file, line=self.line, field=field, unit=self.unit)


def where_of(origin: Where | None, default_file: str, index: int) -> Where:
    """The record's own origin, or (records built in code) the 1-based row in the named sequence."""
    return origin if origin is not None else Where(default_file, index + 1, "row")


@dataclass(frozen=True)
class SiteDesks:
    """The desks a site has on each weekday, Monday to Friday."""

    site_code: str
    desks: tuple[int, int, int, int, int]
    where: Where | None = field(default=None, compare=False, repr=False)

    @classmethod
    def every_day(cls, site_code: str, desks: int) -> SiteDesks:
        return cls(site_code, (desks,) * 5)


def check_desks(desks: Sequence[SiteDesks], file: str = "desks") -> dict[str, SiteDesks]:
    """Validate desks given in code (the reader checks the same) and index them by site code."""
    out: dict[str, SiteDesks] = {}
    for i, s in enumerate(desks):
        w = where_of(s.where, file, i)
        if not s.site_code.strip():
            raise w.error("the site code is empty", "site_code")
        if s.site_code in out:
            raise w.error(f"the site code {s.site_code!r} appears more than once", "site_code")
        if len(s.desks) != 5:
            raise w.error("give the desks for each weekday, Monday to Friday", "desks")
        for d, n in zip(DAYS, s.desks, strict=True):
            if not isinstance(n, int) or isinstance(n, bool) or n < 0:
                raise w.error(f"{n!r} is not a number of desks (a whole number, 0 or more)", d.lower())
        out[s.site_code] = s
    return out


# --- reading CSV files ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Row:
    """One line of a CSV file: its values by column (trimmed; absent optional columns read as empty)."""

    where: Where
    values: dict[str, str]

    def get(self, column: str) -> str:
        return self.values.get(column, "")

    def error(self, message: str, column: str | None = None) -> InputError:
        value = self.values.get(column, "") if column else ""
        if value and "empty" not in message:
            message = f"{value!r} {message}"
        return self.where.error(message, column)

    def text(self, column: str, what: str) -> str:
        value = self.get(column)
        if not value:
            raise self.error(f"{what} is empty", column)
        return value

    def integer(self, column: str, *, low: int, high: int | None = None, default: int | None = None,
                what: str = "a whole number") -> int:
        value = self.get(column)
        if not value and default is not None:
            return default
        bounds = f"from {low} to {high}" if high is not None else f"{low} or more"
        try:
            number = int(value)
        except ValueError:
            number = None
        if number is None or number < low or (high is not None and number > high):
            raise self.error(f"is not {what} ({bounds})" if value else f"is empty: give {what} ({bounds})", column)
        return number

    def probability(self, column: str) -> float:
        value = self.get(column)
        try:
            p = float(value)
        except ValueError:
            p = math.nan
        if not (0.0 <= p <= 1.0):  # also refuses NaN
            raise self.error("is not a probability from 0 to 1" if value else "the probability is empty", column)
        return p

    def flag(self, column: str) -> bool:
        value = self.get(column).lower()
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
        raise self.error("must be true or false", column)

    def date(self, column: str) -> dt.date:
        value = self.get(column)
        try:
            if len(value) != 10:
                raise ValueError(value)
            return dt.date.fromisoformat(value)
        except ValueError:
            raise self.error("is not a valid date (use YYYY-MM-DD, for example 2026-10-01)" if value
                             else "the date is empty", column) from None

    def weekdays(self, column: str, *, weekend: bool, required: bool) -> frozenset[int]:
        """A list like `Mon;Tue;Wed` as weekday numbers (Monday 0). With `weekend`, Sat and Sun are accepted
        and left out (the engines plan Monday to Friday); otherwise they are refused."""
        value = self.get(column)
        names = [n.strip().lower() for n in value.split(";") if n.strip()]
        if not names:
            if required:
                raise self.error("the list of days is empty (list them like Mon;Tue;Wed)", column)
            return frozenset()
        days = set()
        for n in names:
            if n in _DAY_LOOKUP:
                days.add(_DAY_LOOKUP[n])
            elif weekend and n in _WEEKEND:
                continue
            elif n in _WEEKEND:
                raise self.error("names a weekend day: anchor days are Monday to Friday (Mon;Tue;Wed;Thu;Fri)",
                                 column)
            else:
                raise self.error("is not a list of weekdays like Mon;Tue;Wed", column)
        return frozenset(days)


def read_csv(path: str | Path, *, required: Sequence[str], optional: Sequence[str] = (),
             ignored: Sequence[str] = (), refused: Mapping[str, str] | None = None) -> Iterator[Row]:
    """Read a UTF-8 CSV file whose first line names the columns, yielding its rows.

    The header must name every `required` column; it may name `optional` ones (absent: read as empty) and
    `ignored` ones (accepted and not read, so that a file made for another command can be reused). A column in
    `refused` is refused with its own message, any other column with the accepted ones listed; so are a column
    named twice and a line with more or fewer fields than the header. Blank lines are skipped. Errors are
    `InputError` naming the file, the line and the field.
    """
    p = Path(path)
    name = p.name
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise InputError("no such file", file=str(p)) from None
    except OSError as exc:
        raise InputError(f"cannot read the file ({exc.strerror})", file=str(p)) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise InputError("is not UTF-8 text", file=name, line=line) from None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    accepted = (*required, *optional, *ignored)
    try:
        header = next(reader, None)
        if header is None or not any(h.strip() for h in header):
            raise InputError("the file is empty: its first line must name the columns ("
                             + ",".join(required) + ")", file=name, line=1)
        columns = [h.strip() for h in header]
        seen: set[str] = set()
        for c in columns:
            if c in seen:
                raise InputError("the column is named twice", file=name, line=1, field=c)
            seen.add(c)
            if refused and c in refused:
                raise InputError(refused[c], file=name, line=1, field=c)
            if c not in accepted:
                raise InputError("is not a column of this file (accepted columns: " + ", ".join(accepted) + ")",
                                 file=name, line=1, field=c)
        for c in required:
            if c not in seen:
                raise InputError("the column is missing (required columns: " + ", ".join(required) + ")",
                                 file=name, line=1, field=c)
        last = reader.line_num
        for fields in reader:
            start, last = last + 1, reader.line_num
            if not fields or (len(fields) == 1 and not fields[0].strip()):
                continue
            if len(fields) != len(columns):
                more = "more" if len(fields) > len(columns) else "fewer"
                raise InputError(f"the line has {len(fields)} fields, {more} than the {len(columns)} columns "
                                 "of the header", file=name, line=start)
            yield Row(Where(name, start), {c: v.strip() for c, v in zip(columns, fields, strict=True)
                                           if c not in ignored})
    except csv.Error as exc:
        raise InputError(f"is not a readable CSV file ({exc})", file=name, line=reader.line_num) from None


def read_desks(path: str | Path) -> list[SiteDesks]:
    """The desks file: `site_code,desks` and optionally `mon,tue,wed,thu,fri`, a weekday's own number of desks
    (for example a floor closed on Fridays); an empty weekday cell means `desks`."""
    out: list[SiteDesks] = []
    seen: dict[str, int] = {}
    for row in read_csv(path, required=("site_code", "desks"), optional=tuple(d.lower() for d in DAYS)):
        site = row.text("site_code", "the site code")
        if site in seen:
            raise row.error(f"appears more than once (first on line {seen[site]})", "site_code")
        seen[site] = row.where.line
        every = row.integer("desks", low=0, what="a number of desks")
        per_day = tuple(row.integer(d.lower(), low=0, default=every, what="a number of desks") for d in DAYS)
        out.append(SiteDesks(site, (per_day[0], per_day[1], per_day[2], per_day[3], per_day[4]), row.where))
    return out
