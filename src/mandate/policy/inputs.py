"""Input tables: people, sites, presence signals, absences and (optionally) adjusted expectations.

Each input is a CSV file, a Parquet file (chosen by extension) or an Arrow table. Validation runs inside
DuckDB, vectorised, and stops at the first bad row (smallest line), naming the file, the line and the field.
"""

# ruff: noqa: S608  -- SQL is assembled only from validated policy enums, dates, numbers and internal names;
# user-supplied values reach DuckDB as data (tables), never as SQL text.
from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv

from mandate.policy.calendar import NATIONS
from mandate.policy.config import ABSENCE_KINDS, PURPOSES, SOURCES, WEEKDAYS
from mandate.policy.errors import InputError

#: Columns each input must have (extra columns are ignored). Presence may also carry `purpose`.
COLUMNS: dict[str, tuple[str, ...]] = {
    "sites": ("site_code", "name", "nation"),
    "people": ("staff_id", "home_site", "team", "working_days", "hours_per_day", "start_date", "end_date"),
    "presence": ("staff_id", "site_code", "timestamp", "source"),
    "absences": ("staff_id", "date", "kind"),
    "adjustments": ("staff_id", "from_date", "to_date", "adjusted_percent", "exempt"),
}
OPTIONAL_COLUMNS = {"presence": ("purpose",), "adjustments": ("review_date",)}

_DATE_RE = r"^\d{4}-\d{2}-\d{2}$"
_TS_RE = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}(:?\d{2})?)$"
_counter = itertools.count()


@dataclass(frozen=True)
class DayIndex:
    """How a computation numbers the days of its range, so that the inputs can be digested in one scan.

    `ndays` days from day 0 (the range's first day); `of_ts(sql)` is the SQL day index of a TIMESTAMPTZ
    expression (its Europe/London date), `lo_us`..`hi_us` the epoch microseconds the range covers (half-open),
    and `first` the range's first day as a SQL DATE literal.
    """

    ndays: int
    of_ts: Callable[[str], str]
    lo_us: int
    hi_us: int
    first: str


@dataclass(frozen=True)
class Source:
    """One input: a name for messages, and either an Arrow table or a Parquet path."""

    name: str
    kind: str  # "csv", "parquet" or "arrow"
    table: pa.Table | None = None
    path: str | None = None

    @property
    def unit(self) -> str:
        return "line" if self.kind == "csv" else "row"


def read_source(path: str | Path, role: str) -> Source:
    """Open an input file: `.parquet` (or `.pq`) is read lazily by DuckDB; anything else is CSV."""
    p = Path(path)
    if not p.exists():
        raise InputError("no such file", file=str(p))
    if p.suffix.lower() in (".parquet", ".pq"):
        return Source(p.name, "parquet", path=str(p))
    try:
        table = pacsv.read_csv(
            p,
            read_options=pacsv.ReadOptions(autogenerate_column_names=False),
            parse_options=pacsv.ParseOptions(newlines_in_values=False),
            convert_options=pacsv.ConvertOptions(
                column_types=None, strings_can_be_null=False, auto_dict_encode=False,
                check_utf8=True, null_values=[], timestamp_parsers=[]),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        raise InputError(f"not a readable CSV file ({exc})", file=p.name) from exc
    table = table.cast(pa.schema([pa.field(n, pa.string()) for n in table.column_names]))
    return Source(p.name, "csv", table=table)


def from_arrow(table: pa.Table, name: str) -> Source:
    """Wrap an Arrow table (for example built by the web app from database records)."""
    return Source(name, "arrow", table=table)


@dataclass(frozen=True)
class Dataset:
    """The five inputs of a computation. `adjustments` may be None (no adjusted expectations)."""

    people: Source
    sites: Source
    presence: Source
    absences: Source
    adjustments: Source | None = None

    @classmethod
    def from_files(cls, *, people: str | Path, sites: str | Path, presence: str | Path,
                   absences: str | Path, adjustments: str | Path | None = None) -> Dataset:
        return cls(read_source(people, "people"), read_source(sites, "sites"),
                   read_source(presence, "presence"), read_source(absences, "absences"),
                   None if adjustments is None else read_source(adjustments, "adjustments"))

    @classmethod
    def from_tables(cls, *, people: pa.Table, sites: pa.Table, presence: pa.Table, absences: pa.Table,
                    adjustments: pa.Table | None = None) -> Dataset:
        return cls(from_arrow(people, "people"), from_arrow(sites, "sites"), from_arrow(presence, "presence"),
                   from_arrow(absences, "absences"),
                   None if adjustments is None else from_arrow(adjustments, "adjustments"))


def _raw_view(con: duckdb.DuckDBPyConnection, src: Source, role: str) -> dict[str, str]:
    """Create view raw_<role> with the source's columns plus `__rn` (line or row number); return the types."""
    view = f"raw_{role}"
    if src.kind == "parquet":
        path = str(src.path).replace("'", "''")
        con.execute(f"CREATE OR REPLACE VIEW {view} AS SELECT * EXCLUDE (file_row_number), "
                    f"file_row_number + 1 AS __rn FROM read_parquet('{path}', file_row_number = true)")
    else:
        assert src.table is not None
        first = 2 if src.kind == "csv" else 1
        t = src.table
        t = t.append_column("__rn", pa.array(range(first, first + t.num_rows), pa.int64()))
        name = f"arrow_{role}_{next(_counter)}"
        con.register(name, t)
        con.execute(f"CREATE OR REPLACE VIEW {view} AS SELECT * FROM {name}")
    types = {r[0]: r[1] for r in con.execute(f"DESCRIBE {view}").fetchall()}
    missing = [c for c in COLUMNS[role] if c not in types]
    if missing:
        raise InputError("the column is missing (expected columns: " + ", ".join(COLUMNS[role]) + ")",
                         file=src.name, line=1 if src.kind == "csv" else None, field=missing[0], unit=src.unit)
    return types


def _q(col: str) -> str:
    return '"' + col.replace('"', '""') + '"'


def _in_list(values: tuple[str, ...]) -> str:
    return "(" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + ")"


class _Checks:
    """Collects (field, bad-predicate, message) and finds the first failing row in one scan."""

    def __init__(self, con: duckdb.DuckDBPyConnection, src: Source, role: str, types: dict[str, str]):
        self.con, self.src, self.role, self.types = con, src, role, types
        self.checks: list[tuple[str, str, str]] = []

    def is_text(self, col: str) -> bool:
        return self.types.get(col, "VARCHAR") == "VARCHAR"

    def text(self, col: str) -> str:
        return f"trim(CAST({_q(col)} AS VARCHAR))"

    def add(self, field: str, bad: str, message: str) -> None:
        self.checks.append((field, bad, message))

    def nonempty(self, col: str, what: str) -> None:
        self.add(col, f"{_q(col)} IS NULL OR {self.text(col)} = ''", f"{what} is empty")

    def date(self, col: str, nullable: bool) -> str:
        """Add checks for a date column; return the typed SQL expression."""
        t = self.types[col]
        if t == "DATE":
            if not nullable:
                self.add(col, f"{_q(col)} IS NULL", "the date is empty")
            return _q(col)
        if not self.is_text(col):
            self.add(col, "TRUE", f"must be a date (YYYY-MM-DD), not a column of type {t}")
            return "NULL::DATE"
        c = self.text(col)
        empty = f"({_q(col)} IS NULL OR {c} = '')"
        bad = f"NOT ({empty}) AND (NOT regexp_full_match({c}, '{_DATE_RE}') OR TRY_CAST({c} AS DATE) IS NULL)"
        self.add(col, bad, "is not a valid date (use YYYY-MM-DD, for example 2026-10-01)")
        if not nullable:
            self.add(col, empty, "the date is empty")
        return f"CASE WHEN {empty} THEN NULL ELSE TRY_CAST({c} AS DATE) END"

    def run(self, extra_from: str = "") -> None:
        if not self.checks:
            return
        cols = ", ".join(f"min(r.__rn) FILTER (WHERE {bad})" for _f, bad, _m in self.checks)
        self.raise_first(self.con.execute(f"SELECT {cols} FROM raw_{self.role} r {extra_from}").fetchall()[0])

    def raise_first(self, row: tuple | list) -> None:
        """Given the first failing line of each check (None: no failure), raise for the earliest line (and, on
        one line, the first check)."""
        hits = [(rn, i) for i, rn in enumerate(row) if rn is not None]
        if not hits:
            return
        rn, i = min(hits)
        field, _bad, message = self.checks[i]
        value = None
        if field in self.types:
            got = self.con.execute(f"SELECT CAST({_q(field)} AS VARCHAR) FROM raw_{self.role} WHERE __rn = ?",
                                   [rn]).fetchall()
            value = got[0][0] if got else None
        if value not in (None, "") and "not" in message and "empty" not in message:
            message = f"{value!r} {message}"
        raise InputError(message, file=self.src.name, line=int(rn), field=field, unit=self.src.unit)


def _duplicates(con: duckdb.DuckDBPyConnection, src: Source, role: str, col: str, what: str) -> None:
    # The first line repeating an earlier line's value: per repeated value its second line, the smallest of them
    # (a GROUP BY, cheaper than a window over every row).
    rows = con.execute(
        f"SELECT rn, v FROM (SELECT list(__rn ORDER BY __rn)[2] AS rn, list(CAST({_q(col)} AS VARCHAR) ORDER BY __rn)[2] AS v "
        f"FROM raw_{role} GROUP BY trim(CAST({_q(col)} AS VARCHAR)) HAVING count(*) > 1) ORDER BY rn LIMIT 1"
    ).fetchall()
    if rows:
        row = rows[0]
        raise InputError(f"{what} {row[1]!r} appears more than once", file=src.name, line=int(row[0]),
                         field=col, unit=src.unit)


def _group_key(col: str) -> str:
    return f"trim(CAST(g.{_q(col)} AS VARCHAR))"


def _digest(con: duckdb.DuckDBPyConnection, ch: _Checks, role: str, table: str, keys: tuple[str, ...],
            day_sql: str, in_range: str, ndays: int, group_checks: dict[str, str], joins: str) -> None:
    """Validate one input and digest it in one scan of the file, into `table`.

    The rows are grouped by the raw values of `keys` (the person first): each group keeps the bit string of the
    days it covers (`day_sql`, a day index, where `in_range`), its first line, and the first line failing each
    row check (a malformed date or timestamp, say). Checks on the grouped values (an unknown person, site,
    source or kind) are then made on the groups, joined to the people (and sites): a group's first line is
    the first line with its values, so the first offending line is exact. After validation, `table`
    holds one row per group: `sid` (the person), the trimmed keys, and `b`, the bit string of the days (NULL
    when none falls in the range); several groups may share a person and keys (they differ in spaces only).
    """
    row_checks = [(i, bad) for i, (f, bad, _m) in enumerate(ch.checks) if f not in group_checks]
    cols = "".join(f", min(r.__rn) FILTER (WHERE {bad}) AS c{i}" for i, bad in row_checks)
    raw = ", ".join(f"r.{_q(k)}" for k in keys)
    trimmed = "".join(f", {_group_key(k)} AS {_q(k)}" for k in keys[1:])
    con.execute(f"""CREATE OR REPLACE TABLE {table} AS
        SELECT p.sid {trimmed}, g.b, g.rn
               {"".join(f", {group_checks[f]} AS g{i}" for i, (f, _b, _m) in enumerate(ch.checks) if f in group_checks)}
               {"".join(f", g.c{i}" for i, _bad in row_checks)}
        FROM (SELECT {raw}, min(r.__rn) AS rn,
                     bitstring_agg({day_sql}, 0, {ndays - 1}) FILTER (WHERE {in_range}) AS b {cols}
              FROM raw_{role} r GROUP BY ALL) g
        LEFT JOIN people p ON p.staff_id = {_group_key(keys[0])} {joins}""")
    aggs = [f"min(rn) FILTER (WHERE g{i})" if f in group_checks else f"min(c{i})"
            for i, (f, _bad, _m) in enumerate(ch.checks)]
    ch.raise_first(con.execute(f"SELECT {', '.join(aggs)} FROM {table}").fetchall()[0])


def _presence_digest(con: duckdb.DuckDBPyConnection, ch: _Checks, ts: str, days: DayIndex) -> None:
    """Validate and digest the presence signals in one scan (see `_digest`): table `presence_days (sid,
    site_code, source, b)`, per person, site and source the bit string of the days with a signal (duplicate
    swipes collapse here)."""
    group_checks = {"staff_id": "p.staff_id IS NULL", "site_code": "s.site_code IS NULL",
                    "source": f"g.source IS NULL OR {_group_key('source')} NOT IN {_in_list(SOURCES)}"}
    u = f"epoch_us({ts})"
    _digest(con, ch, "presence", "presence_days", ("staff_id", "site_code", "source"), days.of_ts(ts),
            f"{u} >= {days.lo_us} AND {u} < {days.hi_us}", days.ndays, group_checks,
            f"LEFT JOIN sites s ON s.site_code = {_group_key('site_code')}")


def _absence_digest(con: duckdb.DuckDBPyConnection, ch: _Checks, date: str, days: DayIndex) -> None:
    """Validate and digest the absences in one scan (see `_digest`): table `absence_days (sid, kind, b)`, per
    person and kind of absence the bit string of the days of the range."""
    group_checks = {"staff_id": "p.staff_id IS NULL",
                    "kind": f"g.kind IS NULL OR {_group_key('kind')} NOT IN {_in_list(ABSENCE_KINDS)}"}
    di = f"CAST({date} - {days.first} AS INTEGER)"
    _digest(con, ch, "absences", "absence_days", ("staff_id", "kind"), di, f"{di} BETWEEN 0 AND {days.ndays - 1}", days.ndays,
            group_checks, "")


def register(con: duckdb.DuckDBPyConnection, data: Dataset, days: DayIndex | None = None) -> None:
    """Validate every input and create the typed views `sites`, `people`, `presence`, `absences` and
    `adjustments` on `con`. Raises InputError at the first bad row.

    With `days`, presence and absences are each validated and digested in one scan (tables `presence_days`
    and `absence_days`, see `_presence_digest`); the row views are created as well."""
    weekdays = [w.lower() for w in WEEKDAYS]
    wd_sql = "[" + ", ".join(f"'{w}'" for w in weekdays) + "]"

    # sites
    t = _raw_view(con, data.sites, "sites")
    ch = _Checks(con, data.sites, "sites", t)
    ch.nonempty("site_code", "the site code")
    ch.add("nation", f"{ch.text('nation')} NOT IN {_in_list(NATIONS)}",
           f"is not a known nation (use {' or '.join(NATIONS[:2])}, or {NATIONS[2]})")
    ch.run()
    _duplicates(con, data.sites, "sites", "site_code", "the site code")
    con.execute("CREATE OR REPLACE VIEW sites AS SELECT trim(CAST(site_code AS VARCHAR)) AS site_code, "
                "CAST(name AS VARCHAR) AS name, trim(CAST(nation AS VARCHAR)) AS nation FROM raw_sites")

    # people
    t = _raw_view(con, data.people, "people")
    ch = _Checks(con, data.people, "people", t)
    ch.nonempty("staff_id", "the staff id")
    ch.add("home_site", "s.site_code IS NULL", "is not a site in the sites file")
    ch.nonempty("team", "the team")
    parts = f"list_filter(list_transform(string_split(lower({ch.text('working_days')}), ';'), lambda x: trim(x)), " \
            f"lambda x: x <> '')"
    ch.add("working_days", f"working_days IS NULL OR len({parts}) = 0",
           "the person has no working days (list them like Mon;Tue;Wed)")
    ch.add("working_days", f"list_bool_or(list_transform({parts}, lambda x: NOT list_contains({wd_sql}, x)))",
           "is not a list of weekdays like Mon;Tue;Wed")
    if ch.is_text("hours_per_day"):
        hpd = f"TRY_CAST({ch.text('hours_per_day')} AS DOUBLE)"
    else:
        hpd = 'CAST("hours_per_day" AS DOUBLE)'
    ch.add("hours_per_day", f"{hpd} IS NULL OR NOT isfinite({hpd}) OR {hpd} <= 0 OR {hpd} > 24",
           "is not a number of hours above 0 and at most 24")
    sd = ch.date("start_date", nullable=True)
    ed = ch.date("end_date", nullable=True)
    ch.add("end_date", f"{sd} IS NOT NULL AND {ed} IS NOT NULL AND {ed} < {sd}", "is before the start date")
    ch.run("LEFT JOIN sites s ON s.site_code = trim(CAST(r.home_site AS VARCHAR))")
    _duplicates(con, data.people, "people", "staff_id", "the staff id")
    mask = f"list_sum(list_transform(list_distinct({parts}), lambda x: 1 << (list_position({wd_sql}, x) - 1)))"
    con.execute(f"""CREATE OR REPLACE TABLE people AS SELECT
        trim(CAST(staff_id AS VARCHAR)) AS staff_id, trim(CAST(home_site AS VARCHAR)) AS home_site,
        trim(CAST(team AS VARCHAR)) AS team, CAST({mask} AS INTEGER) AS working_mask,
        {hpd} AS hours_per_day, {sd} AS start_date, {ed} AS end_date, CAST(__rn AS INTEGER) AS sid
        FROM raw_people""")

    # presence
    t = _raw_view(con, data.presence, "presence")
    ch = _Checks(con, data.presence, "presence", t)
    ch.add("staff_id", "p.staff_id IS NULL", "is not a person in the people file")
    ch.add("site_code", "s.site_code IS NULL", "is not a site in the sites file")
    tt = t["timestamp"]
    if tt.startswith("TIMESTAMP WITH TIME ZONE"):
        ts = '"timestamp"'
        ch.add("timestamp", '"timestamp" IS NULL', "the timestamp is empty")
    elif ch.is_text("timestamp"):
        c = ch.text("timestamp")
        ch.add("timestamp", f"NOT regexp_full_match({c}, '{_TS_RE}') OR TRY_CAST({c} AS TIMESTAMPTZ) IS NULL",
               "is not an ISO 8601 timestamp with a UTC offset (for example 2026-10-01T08:55:00+01:00)")
        ts = f"TRY_CAST({c} AS TIMESTAMPTZ)"
    else:
        ch.add("timestamp", "TRUE", f"must be a timestamp with a time zone, not a column of type {tt}")
        ts = "NULL::TIMESTAMPTZ"
    ch.add("source", f"source IS NULL OR {ch.text('source')} NOT IN {_in_list(SOURCES)}",
           f"is not a known source (use {', '.join(SOURCES)})")
    has_purpose = "purpose" in t
    if has_purpose:
        ch.add("purpose", f"purpose IS NOT NULL AND {ch.text('purpose')} <> '' AND "
                          f"{ch.text('purpose')} NOT IN {_in_list(PURPOSES)}",
               f"is not a known purpose (use {', '.join(PURPOSES)})")
    if days is None:
        ch.run("LEFT JOIN people p ON p.staff_id = trim(CAST(r.staff_id AS VARCHAR)) "
               "LEFT JOIN sites s ON s.site_code = trim(CAST(r.site_code AS VARCHAR))")
    else:
        _presence_digest(con, ch, ts, days)
    purpose = f"NULLIF({ch.text('purpose')}, '')" if has_purpose else "NULL::VARCHAR"
    fast = data.presence.kind != "csv" and t["staff_id"] == "VARCHAR"
    sid = '"staff_id"' if fast else 'trim(CAST("staff_id" AS VARCHAR))'
    site = '"site_code"' if fast else 'trim(CAST("site_code" AS VARCHAR))'
    src = '"source"' if fast else 'trim(CAST("source" AS VARCHAR))'
    con.execute(f"""CREATE OR REPLACE VIEW presence AS SELECT {sid} AS staff_id, {site} AS site_code,
        {ts} AS ts, {src} AS source, {purpose} AS purpose FROM raw_presence""")

    # absences
    t = _raw_view(con, data.absences, "absences")
    ch = _Checks(con, data.absences, "absences", t)
    ch.add("staff_id", "p.staff_id IS NULL", "is not a person in the people file")
    d = ch.date("date", nullable=False)
    ch.add("kind", f"kind IS NULL OR {ch.text('kind')} NOT IN {_in_list(ABSENCE_KINDS)}",
           f"is not a known kind of absence (use {', '.join(ABSENCE_KINDS)})")
    if days is None:
        ch.run("LEFT JOIN people p ON p.staff_id = trim(CAST(r.staff_id AS VARCHAR))")
    else:
        _absence_digest(con, ch, d, days)
    con.execute(f"""CREATE OR REPLACE VIEW absences AS SELECT trim(CAST(staff_id AS VARCHAR)) AS staff_id,
        {d} AS date, trim(CAST(kind AS VARCHAR)) AS kind FROM raw_absences""")

    # adjustments (optional)
    if data.adjustments is None:
        con.execute("CREATE OR REPLACE VIEW adjustments AS SELECT NULL::VARCHAR AS staff_id, "
                    "NULL::DATE AS from_date, NULL::DATE AS to_date, NULL::DOUBLE AS adjusted_percent, "
                    "NULL::BOOLEAN AS exempt WHERE FALSE")
        return
    t = _raw_view(con, data.adjustments, "adjustments")
    ch = _Checks(con, data.adjustments, "adjustments", t)
    ch.add("staff_id", "p.staff_id IS NULL", "is not a person in the people file")
    fd = ch.date("from_date", nullable=False)
    td = ch.date("to_date", nullable=True)
    ch.add("to_date", f"{td} IS NOT NULL AND {td} < {fd}", "is before the from date")
    pct_txt = ch.text("adjusted_percent")
    pct = f"TRY_CAST(NULLIF({pct_txt}, '') AS DOUBLE)"
    ch.add("adjusted_percent", f"NULLIF({pct_txt}, '') IS NOT NULL AND ({pct} IS NULL OR {pct} < 0 OR {pct} > 100)",
           "is not a percentage from 0 to 100")
    ex_txt = f"lower({ch.text('exempt')})"
    ch.add("exempt", f"coalesce({ex_txt}, '') NOT IN ('', 'true', 'false', '1', '0', 'yes', 'no')",
           "must be true or false")
    ex = f"coalesce({ex_txt}, '') IN ('true', '1', 'yes')"
    ch.add("adjusted_percent", f"({pct} IS NULL) = (NOT {ex})",
           "give either an adjusted percentage or exempt = true, not both or neither")
    ch.run("LEFT JOIN people p ON p.staff_id = trim(CAST(r.staff_id AS VARCHAR))")
    con.execute(f"""CREATE OR REPLACE VIEW adjustments AS SELECT trim(CAST(staff_id AS VARCHAR)) AS staff_id,
        {fd} AS from_date, {td} AS to_date, {pct} AS adjusted_percent, {ex} AS exempt FROM raw_adjustments""")
