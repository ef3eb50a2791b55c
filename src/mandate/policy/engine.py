"""The attendance engine: DuckDB over Arrow or Parquet inputs.

Per person and period it counts, on the person's contracted working days only (within their start and end
dates), each day once, with this precedence: attended (a counted presence signal) > credited (an absence the
policy credits) > excluded (an absence or bank holiday the policy leaves out of the denominator, or a day of
exemption) > not attended. Then

    required = working days - excluded;   percent = (attended + credited) / required x 100.

The local date of a signal is its Europe/London calendar date (GMT in winter, BST in summer), whatever offset
the timestamp carries.
"""

# ruff: noqa: S608  -- SQL is assembled only from validated policy enums, dates, numbers and internal names;
# user-supplied values reach DuckDB as data (tables), never as SQL text.
from __future__ import annotations

import datetime as dt
import math
import os
from dataclasses import dataclass, field
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from mandate.dates import human_date
from mandate.policy import calendar as cal
from mandate.policy.config import Policy, PolicyVersion, weekday_mask
from mandate.policy.errors import PolicyError
from mandate.policy.inputs import Dataset, DayIndex, register
from mandate.policy.summer_time import (
    EPOCH,
    US_DAY,
    US_HOUR,
    day_index_sql,
    local_date_sql,
    local_midnight_us,
)

_US_DAY, _US_HOUR, _EPOCH = US_DAY, US_HOUR, EPOCH


def _lit_list(values: tuple[str, ...] | list[str]) -> str:
    if not values:
        return "(NULL)"
    return "(" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + ")"


def _d(x: dt.date) -> str:
    return f"DATE '{x.isoformat()}'"


@dataclass
class Result:
    """Figures of one policy over one range. Tables are Arrow; `organisation` is the whole range."""

    policy: Policy
    start: dt.date
    end: dt.date
    unit: str
    people: pa.Table
    teams: pa.Table
    sites: pa.Table
    organisation_periods: pa.Table
    organisation: dict[str, Any]
    site_weekly: pa.Table
    purposes: pa.Table
    notes: list[str] = field(default_factory=list)

    def to_json_dict(self, ndigits: int = 2) -> dict[str, Any]:
        """The `--json` document (ISO dates, percentages rounded to `ndigits`)."""
        return {
            "policy": self.policy.name,
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "unit": self.unit,
            "people": _rows(self.people, ndigits),
            "organisation": _clean(self.organisation, ndigits),
            "organisation_periods": _rows(self.organisation_periods, ndigits),
            "teams": _rows(self.teams, ndigits),
            "sites": _rows(self.sites, ndigits),
            "site_weekly": _rows(self.site_weekly, ndigits),
            "purposes": _rows(self.purposes, ndigits),
            "notes": self.notes,
        }


def _clean(row: dict[str, Any], nd: int) -> dict[str, Any]:
    out = {}
    for k, v in row.items():
        if isinstance(v, dt.date):
            v = v.isoformat()
        elif isinstance(v, float):
            v = None if math.isnan(v) else round(v, nd)
        out[k] = v
    return out


def _rows(t: pa.Table, nd: int) -> list[dict[str, Any]]:
    return [_clean(r, nd) for r in t.to_pylist()]


def connect(threads: int | None = None, memory_limit: str | None = None) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(config={"threads": threads or os.cpu_count() or 1})
    if memory_limit:
        con.execute(f"SET memory_limit = '{memory_limit}'")
    con.execute("SET preserve_insertion_order = false")
    con.execute("SET enable_progress_bar = false")
    return con


class _Run:
    """One computation: a connection with the inputs registered and the calendar tables built."""

    def __init__(self, con: duckdb.DuckDBPyConnection, data: Dataset, policy: Policy,
                 start: dt.date, end: dt.date):
        self.periods = cal.periods(policy, start, end)
        # `start` is the first day of the range asked for; the run's own calendar starts earlier where a
        # rolling window reaches back before it (its days count in that window, never in the range's totals)
        self.range_start = start
        start = min([start, *(p.start for p in self.periods)])
        cal.check_covered(start, end)
        self.con, self.policy, self.start, self.end = con, policy, start, end
        lo_us, hi_us = self.us_bounds()
        register(con, data, DayIndex(self.ndays, self.di_sql, lo_us, hi_us, _d(start)))
        self.range_pids: dict[int, int] = {}  # version number -> pid of its whole-segment pseudo-period
        extra: list[cal.Period] = []
        if any(p.version.period == "rolling_weeks" for p in self.periods):
            n = len(self.periods)
            for s, e, v in policy.segments(self.range_start, end):
                extra.append(cal.Period(n + len(extra), s, e, v))
        self.all_periods = self.periods + extra
        self.extra_pids = {p.index for p in extra}
        con.register("_periods", pa.table({
            "pid": [p.index for p in self.all_periods],
            "pstart": [p.start for p in self.all_periods],
            "pend": [p.end for p in self.all_periods],
            "vnum": [p.version.number for p in self.all_periods],
        }))
        con.execute("CREATE OR REPLACE TABLE periods AS SELECT * FROM _periods")
        self.site_codes = sorted({r[0] for r in con.execute("SELECT site_code FROM sites").fetchall()})
        known = set(self.site_codes)
        self.purpose_tables: list[str] = []
        self.pp_parts: list[pa.Table] = []
        self.pp: pa.Table = _PP_SCHEMA.empty_table()
        self.people_out: pa.Table = pa.table({"staff_id": pa.array([], pa.string())})
        for v in policy.versions:
            unknown = sorted(set(v.sites) - known)
            if unknown:
                raise PolicyError(f"'{unknown[0]}' is not a site (the sites are: {', '.join(sorted(known))})",
                                  key=f"sites.{unknown[0]}", source=policy.source,
                                  version=v.number if len(policy.versions) > 1 else None)
        con.execute(f"""CREATE OR REPLACE TABLE cal AS SELECT CAST(d AS DATE) AS d, isodow(d) - 1 AS dow
            FROM range({_d(start)}, {_d(end + dt.timedelta(days=1))}, INTERVAL 1 DAY) t(d)""")
        con.execute("CREATE OR REPLACE TABLE pdays AS SELECT p.pid, c.d, c.dow FROM periods p "
                    "JOIN cal c ON c.d BETWEEN p.pstart AND p.pend")
        bh = [(n, d, t) for n in cal.NATIONS for d, t in cal.bank_holidays(n).items() if start <= d <= end]
        con.register("_bh", pa.table({"nation": [x[0] for x in bh], "d": pa.array([x[1] for x in bh], pa.date32()),
                                      "title": [x[2] for x in bh]}))
        con.execute("CREATE OR REPLACE TABLE bh AS SELECT * FROM _bh")
        self.ld = local_date_sql("ts", start.year - 1, end.year + 1)

    # -- the de-duplicated signal table (fast path) ----------------------------------------------------------
    @property
    def ndays(self) -> int:
        return (self.end - self.start).days + 1

    def di_sql(self, col: str) -> str:
        """Day index (0 = `start`) of the Europe/London date of a TIMESTAMPTZ column."""
        return day_index_sql(col, self.start, self.start.year - 1, self.end.year + 1)

    def us_bounds(self) -> tuple[int, int]:
        """Epoch microseconds of local midnight at the start of `start` and of the day after `end`."""
        return local_midnight_us(self.start), local_midnight_us(self.end + dt.timedelta(days=1))

    def fast_person_rows(self, v: PolicyVersion) -> None:
        """Insert into `pp` the rows of version `v` using per-person day bitstrings (days unit only)."""
        n = self.ndays
        zero = "'" + "0" * n + "'::BIT"
        pids = self.version_pids(v)
        home = "JOIN people p ON p.sid = x.sid AND p.home_site = x.site_code" if v.count_sites == "home" else ""
        att = (f"SELECT x.sid, bit_or(x.b) AS b FROM presence_days x {home} "
               f"WHERE x.source IN {_lit_list(v.count)} AND x.b IS NOT NULL GROUP BY ALL")

        def agg(select: str) -> str:
            return f"SELECT sid, bitstring_agg(di, 0, {n - 1}) AS b FROM ({select}) WHERE di BETWEEN 0 AND {n - 1} GROUP BY sid"

        credit = (f"SELECT sid, bit_or(b) AS b FROM absence_days WHERE kind IN {_lit_list(v.credit)} "
                  "AND b IS NOT NULL GROUP BY sid")
        kinds = tuple(k for k in v.exclude if k != "bank_holiday")
        excl_parts = [f"SELECT sid, b FROM absence_days WHERE kind IN {_lit_list(kinds)} AND b IS NOT NULL",
                      agg(f"SELECT p.sid, CAST(c.d - {_d(self.start)} AS INTEGER) AS di FROM adjustments a "
                          f"JOIN people p USING (staff_id) JOIN cal c ON c.d BETWEEN a.from_date "
                          f"AND coalesce(a.to_date, DATE '9999-12-31') WHERE a.exempt")]
        if "bank_holiday" in v.exclude:
            excl_parts.append(f"""SELECT p.sid, nb.b FROM people p JOIN sites s ON s.site_code = p.home_site
                JOIN (SELECT nation, bitstring_agg(CAST(d - {_d(self.start)} AS INTEGER), 0, {n - 1}) AS b
                      FROM bh GROUP BY nation) nb ON nb.nation = s.nation""")
        excl = " UNION ALL ".join(excl_parts)
        mask = self.mask_sql(v)
        people = self.con.sql(f"""
            WITH att AS ({att}),
            cre AS ({credit}),
            exc AS (SELECT sid, bit_or(b) AS b FROM ({excl}) GROUP BY sid),
            combos AS (
                SELECT DISTINCT {mask} AS working_mask, coalesce(p.start_date, DATE '0001-01-01') AS s,
                       coalesce(p.end_date, DATE '9999-12-31') AS e FROM people p
            ),
            wb AS (
                SELECT c.working_mask, c.s, c.e,
                       coalesce(bitstring_agg(CAST(cal.d - {_d(self.start)} AS INTEGER), 0, {n - 1})
                                FILTER (WHERE ((c.working_mask >> cal.dow) & 1) = 1 AND cal.d BETWEEN c.s AND c.e),
                                {zero}) AS b
                FROM combos c, cal GROUP BY ALL
            ),
            pw AS (
                SELECT p.*, wb.b AS w FROM people p JOIN wb ON wb.working_mask = {mask}
                  AND wb.s = coalesce(p.start_date, DATE '0001-01-01') AND wb.e = coalesce(p.end_date, DATE '9999-12-31')
            ),
            x AS (
                SELECT pw.staff_id, pw.team, pw.home_site, pw.working_mask, {self.hpd_sql(v, 'pw')} AS hpd, pw.w,
                       coalesce(att.b, {zero}) AS ab, coalesce(cre.b, {zero}) AS cb, coalesce(exc.b, {zero}) AS xb
                FROM pw LEFT JOIN att ON att.sid = pw.sid LEFT JOIN cre ON cre.sid = pw.sid
                LEFT JOIN exc ON exc.sid = pw.sid
            )
            SELECT staff_id, team, home_site, working_mask, hpd, CAST(w AS BLOB) AS w, CAST(ab & w AS BLOB) AS a,
                   CAST(cb & ~ab & w AS BLOB) AS c, CAST(xb & ~ab & ~cb & w AS BLOB) AS x
            FROM x ORDER BY staff_id""").to_arrow_table()
        spans = [((p.start - self.start).days, (p.end - self.start).days)
                 for p in self.all_periods if p.index in pids]
        counts = {k: _span_counts(people.column(k), n, spans) for k in ("w", "a", "c", "x")}
        person, period = np.nonzero(counts["w"] > 0)  # person-major: rows come out by staff_id, then period
        take = pa.array(person)
        cols = {k: people.column(k).take(take) for k in ("staff_id", "team", "home_site", "working_mask", "hpd")}
        self.pp_parts.append(pa.table({
            "pid": pa.array(np.asarray(pids, dtype=np.int32)[period]),
            "staff_id": cols["staff_id"], "team": cols["team"], "home_site": cols["home_site"],
            "working_mask": cols["working_mask"].cast(pa.int32()), "hours_per_day": cols["hpd"].cast(pa.float64()),
            **{name: pa.array(counts[k][person, period].astype(np.int64))
               for k, name in (("w", "working_days"), ("a", "attended_days"), ("c", "credited_days"),
                               ("x", "excluded_days"))},
            "attended_hours": pa.array(np.zeros(len(person))),
        }, schema=_PP_SCHEMA))

    # -- building blocks ------------------------------------------------------------------------------------
    def version_pids(self, v: PolicyVersion) -> list[int]:
        return [p.index for p in self.all_periods if p.version.number == v.number]

    def bounds(self, v: PolicyVersion) -> tuple[dt.date, dt.date]:
        ps = [p for p in self.all_periods if p.version.number == v.number]
        return min(p.start for p in ps), max(p.end for p in ps)

    def day_sql(self, v: PolicyVersion, staff_filter: str = "") -> str:
        """SQL selecting one row per (staff_id, d) with an event: prio 1 attended, 2 credited, 3 excluded,
        the attended hours, the purpose, and a reason."""
        lo, hi = self.bounds(v)
        lo_us = ((lo - _EPOCH).days - 1) * _US_DAY
        hi_us = ((hi - _EPOCH).days + 2) * _US_DAY
        home_join = "JOIN people hp ON hp.staff_id = x.staff_id AND hp.home_site = x.site_code" \
            if v.count_sites == "home" else ""
        allowed = _lit_list(v.purposes)
        if v.pro_rata:
            hpd = "p.hours_per_day"
        else:
            hpd = f"{v.standard_hours_per_day}"
        having = "HAVING bool_or(has_p)" if v.purpose_required else ""
        sf = f"AND staff_id IN (SELECT staff_id FROM {staff_filter})" if staff_filter else ""
        sfx = f"AND x.staff_id IN (SELECT staff_id FROM {staff_filter})" if staff_filter else ""
        presence = f"""
            sig AS (
                SELECT x.staff_id, x.site_code, {self.ld.replace('ts', 'x.ts')} AS d, epoch_us(x.ts) AS u,
                       x.purpose, x.source
                FROM presence x {home_join}
                WHERE x.source IN {_lit_list(v.count)} AND epoch_us(x.ts) >= {lo_us} AND epoch_us(x.ts) < {hi_us} {sfx}
            ),
            psite AS (
                SELECT staff_id, site_code, d, min(u) AS u0, max(u) AS u1,
                       bool_or(coalesce(purpose IN {allowed}, false)) AS has_p,
                       min(purpose) FILTER (WHERE purpose IN {allowed}) AS purpose,
                       string_agg(DISTINCT source, '+' ORDER BY source) AS sources
                FROM sig WHERE d BETWEEN {_d(lo)} AND {_d(hi)} GROUP BY staff_id, site_code, d
            ),
            pday AS (
                SELECT staff_id, d, min(purpose) AS purpose,
                       string_agg(sources || ' at ' || site_code, '; ' ORDER BY site_code) AS what
                FROM psite GROUP BY staff_id, d {having}
            )"""
        if v.unit == "hours":
            presence += f""",
            iv AS (
                SELECT staff_id, d, u0, u1, max(u1) OVER (PARTITION BY staff_id, d ORDER BY u0, u1
                       ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev
                FROM psite {"WHERE (staff_id, d) IN (SELECT staff_id, d FROM pday)" if v.purpose_required else ""}
            ),
            isl AS (
                SELECT staff_id, d, u0, u1, sum(CASE WHEN prev IS NULL OR u0 > prev THEN 1 ELSE 0 END)
                       OVER (PARTITION BY staff_id, d ORDER BY u0, u1 ROWS UNBOUNDED PRECEDING) AS g FROM iv
            ),
            span AS (
                SELECT staff_id, d, sum(b - a) / {float(_US_HOUR)} AS span_h FROM
                (SELECT staff_id, d, g, min(u0) AS a, max(u1) AS b FROM isl GROUP BY staff_id, d, g)
                GROUP BY staff_id, d
            ),
            pday_h AS (
                SELECT pd.staff_id, pd.d, pd.purpose, pd.what,
                    CASE WHEN s.span_h = 0 THEN {"%s" % (hpd if v.single_signal == "contracted_day" else "0.0")}
                         ELSE {"least(s.span_h, " + hpd + ")" if v.cap_at_contracted_day else "s.span_h"} END AS hours
                FROM pday pd JOIN span s USING (staff_id, d) JOIN people p ON p.staff_id = pd.staff_id
            )"""
            att = "SELECT staff_id, d, 1 AS prio, hours, purpose, what AS reason FROM pday_h"
        else:
            att = "SELECT staff_id, d, 1 AS prio, NULL::DOUBLE AS hours, purpose, what AS reason FROM pday"
        parts = [att]
        if v.credit:
            parts.append(f"SELECT staff_id, date, 2, NULL, NULL, kind FROM absences WHERE kind IN "
                         f"{_lit_list(v.credit)} AND date BETWEEN {_d(lo)} AND {_d(hi)} {sf}")
        kinds = tuple(k for k in v.exclude if k != "bank_holiday")
        if kinds:
            parts.append(f"SELECT staff_id, date, 3, NULL, NULL, kind FROM absences WHERE kind IN "
                         f"{_lit_list(kinds)} AND date BETWEEN {_d(lo)} AND {_d(hi)} {sf}")
        if "bank_holiday" in v.exclude:
            parts.append(f"SELECT p.staff_id, bh.d, 3, NULL, NULL, 'bank_holiday: ' || bh.title FROM people p "
                         f"JOIN sites s ON s.site_code = p.home_site JOIN bh ON bh.nation = s.nation "
                         f"WHERE bh.d BETWEEN {_d(lo)} AND {_d(hi)} {sf.replace('staff_id', 'p.staff_id', 1)}")
        parts.append(f"SELECT a.staff_id, c.d, 3, NULL, NULL, 'adjustment: exempt' FROM adjustments a "
                     f"JOIN cal c ON c.d BETWEEN a.from_date AND coalesce(a.to_date, DATE '9999-12-31') "
                     f"WHERE a.exempt AND c.d BETWEEN {_d(lo)} AND {_d(hi)} {sf.replace('staff_id', 'a.staff_id', 1)}")
        union = "\n UNION ALL ".join(parts)
        return f"""WITH {presence},
            ev AS ({union}),
            day AS (
                SELECT staff_id, d, min(prio) AS prio, max(hours) FILTER (WHERE prio = 1) AS hours,
                       max(purpose) FILTER (WHERE prio = 1) AS purpose,
                       arg_min(reason, prio::VARCHAR || reason) AS reason  -- ties (leave on a bank holiday): the first by name, every run
                FROM ev GROUP BY staff_id, d
            )"""

    def mask_sql(self, v: PolicyVersion, alias: str = "p") -> str:
        return f"{alias}.working_mask" if v.pro_rata else str(weekday_mask(v.standard_week))

    def hpd_sql(self, v: PolicyVersion, alias: str = "p") -> str:
        return f"{alias}.hours_per_day" if v.pro_rata else str(float(v.standard_hours_per_day))

    # -- per person ----------------------------------------------------------------------------------------
    def person_table(self, slow: bool = False) -> None:
        """Register `pp` (Arrow): one row per person and period (and pseudo-period) with their counts."""
        seen: set[int] = set()
        for p in self.all_periods:
            v = p.version
            if v.number in seen:
                continue
            seen.add(v.number)
            pids = self.version_pids(v)
            lo, hi = self.bounds(v)
            mask = self.mask_sql(v)
            if v.unit == "days" and not v.purpose_required and not slow:
                self.fast_person_rows(v)
            else:
                self.slow_person_rows(v, pids, lo, hi, mask)
            if v.purpose_led:
                self.purpose_rows(v, pids, mask)
        pp = pa.concat_tables(self.pp_parts) if self.pp_parts else _PP_SCHEMA.empty_table()
        self.con.register("pp", pp)
        self.pp = pp

    def slow_person_rows(self, v: PolicyVersion, pids: list[int], lo: dt.date, hi: dt.date, mask: str) -> None:
        """Insert into `pp` the rows of version `v` from one row per person-day event (any unit)."""
        self.pp_parts.append(self.con.sql(f"""
            {self.day_sql(v)},
            combos AS (
                SELECT DISTINCT {mask} AS working_mask, greatest(coalesce(p.start_date, {_d(lo)}), {_d(lo)}) AS s,
                       least(coalesce(p.end_date, {_d(hi)}), {_d(hi)}) AS e FROM people p
            ),
            cw AS (
                SELECT c.working_mask, c.s, c.e, pd.pid, count(*) AS w
                FROM combos c JOIN pdays pd ON pd.d BETWEEN c.s AND c.e
                WHERE pd.pid IN ({", ".join(map(str, pids))}) AND ((c.working_mask >> pd.dow) & 1) = 1
                GROUP BY ALL
            ),
            pw AS (
                SELECT p.staff_id, p.team, p.home_site, p.working_mask, p.hours_per_day, cw.pid, cw.w
                FROM people p JOIN cw ON cw.working_mask = {mask}
                  AND cw.s = greatest(coalesce(p.start_date, {_d(lo)}), {_d(lo)})
                  AND cw.e = least(coalesce(p.end_date, {_d(hi)}), {_d(hi)})
            ),
            wday AS (
                SELECT day.staff_id, pd.pid, day.prio, day.hours, day.purpose
                FROM day JOIN people p ON p.staff_id = day.staff_id
                JOIN pdays pd ON pd.d = day.d
                WHERE pd.pid IN ({", ".join(map(str, pids))}) AND (({mask} >> pd.dow) & 1) = 1
                  AND day.d >= coalesce(p.start_date, DATE '0001-01-01')
                  AND day.d <= coalesce(p.end_date, DATE '9999-12-31')
            ),
            agg AS (
                SELECT staff_id, pid, count(*) FILTER (WHERE prio = 1) AS a, count(*) FILTER (WHERE prio = 2) AS c,
                       count(*) FILTER (WHERE prio = 3) AS x, sum(hours) FILTER (WHERE prio = 1) AS ah
                FROM wday GROUP BY staff_id, pid
            )
            SELECT pw.pid, pw.staff_id, pw.team, pw.home_site, pw.working_mask, {self.hpd_sql(v, 'pw')},
                   pw.w, coalesce(agg.a, 0), coalesce(agg.c, 0), coalesce(agg.x, 0), coalesce(agg.ah, 0.0)
            FROM pw LEFT JOIN agg ON agg.staff_id = pw.staff_id AND agg.pid = pw.pid""").to_arrow_table()
            .rename_columns(_PP_SCHEMA.names).cast(_PP_SCHEMA))

    def purpose_rows(self, v: PolicyVersion, pids: list[int], mask: str) -> None:
        self.purpose_tables.append(f"purpose_days_{v.number}")
        self.con.execute(f"""CREATE OR REPLACE TABLE purpose_days_{v.number} AS
            {self.day_sql(v)}
            SELECT pd.pid, coalesce(day.purpose, '(none recorded)') AS purpose, count(*) AS days
            FROM day JOIN people p ON p.staff_id = day.staff_id JOIN pdays pd ON pd.d = day.d
            WHERE day.prio = 1 AND pd.pid IN ({", ".join(map(str, pids))}) AND (({mask} >> pd.dow) & 1) = 1
              AND day.d >= coalesce(p.start_date, DATE '0001-01-01')
              AND day.d <= coalesce(p.end_date, DATE '9999-12-31')
            GROUP BY ALL""")


_PP_SCHEMA = pa.schema([("pid", pa.int32()), ("staff_id", pa.string()), ("team", pa.string()),
                        ("home_site", pa.string()), ("working_mask", pa.int32()), ("hours_per_day", pa.float64()),
                        ("working_days", pa.int64()), ("attended_days", pa.int64()), ("credited_days", pa.int64()),
                        ("excluded_days", pa.int64()), ("attended_hours", pa.float64())])


def _site_targets(run: _Run) -> pa.Table:
    """Target per (pid, site_code): a fixed site target, one derived from desks, or the policy target."""
    rows = run.con.execute("SELECT pid, home_site, sum(bit_count(working_mask)) FROM pp GROUP BY ALL").fetchall()
    demand = {(pid, site): int(n) for pid, site, n in rows}
    sites = run.site_codes
    pids, codes, targets, derived = [], [], [], []
    for p in run.all_periods:
        v = p.version
        for s in sites:
            rule = v.sites.get(s)
            t = v.target_percent
            how = "policy"
            if rule is not None and rule.target_percent is not None:
                t, how = rule.target_percent, "site"
            elif rule is not None and rule.desks is not None:
                need = demand.get((p.index, s), 0)
                if need > 0:
                    raw = 100.0 * rule.desks * len(v.standard_week) / need
                    step = v.capacity_round_to
                    t = min(v.target_percent, math.floor(raw / step + 1e-9) * step)
                how = "capacity"
            pids.append(p.index)
            codes.append(s)
            targets.append(float(t))
            derived.append(how)
    return pa.table({"pid": pa.array(pids, pa.int32()), "site_code": codes, "target_percent": targets,
                     "target_basis": derived})


_SUMS = """sum(working_days)::BIGINT AS working_days, sum(excluded_days)::BIGINT AS excluded_days,
    sum(required_days)::BIGINT AS required_days, sum(attended_days)::BIGINT AS attended_days,
    sum(credited_days)::BIGINT AS credited_days,
    sum(required_hours) AS required_hours, sum(attended_hours) AS attended_hours,
    sum(excluded_hours) AS excluded_hours, sum(credited_hours) AS credited_hours, count(*) AS people,
    count(*) FILTER (WHERE target_met) AS people_meeting_target"""


def compute(data: Dataset, policy: Policy, start: dt.date, end: dt.date, *, threads: int | None = None,
            memory_limit: str | None = None, site_weekly: bool = True) -> Result:
    """Compute `policy` over [start, end] (inclusive) for everyone in `data`."""
    con = connect(threads, memory_limit)
    try:
        run = _Run(con, data, policy, start, end)
        run.person_table()
        con.register("_site_targets", _site_targets(run))
        units = {p.version.unit for p in run.periods}
        unit = units.pop() if len(units) == 1 else "mixed"
        vt = pa.table({
            "vnum": [v.number for v in policy.versions],
            "v_unit": [v.unit for v in policy.versions],
            "v_target": [v.target_percent for v in policy.versions],
            "v_target_of": [v.target_of for v in policy.versions],
        })
        con.register("_versions", vt)
        # person rows with targets: one sorted pass to Arrow; the aggregates below read that Arrow table (no second copy in DuckDB)
        people_all = con.sql("""
            WITH base AS (
                SELECT pp.*, pr.pstart, pr.pend, v.v_unit, v.v_target_of, st.target_percent AS site_target,
                       ad.adj
                FROM pp JOIN periods pr USING (pid) JOIN _versions v USING (vnum)
                JOIN _site_targets st ON st.pid = pp.pid AND st.site_code = pp.home_site
                LEFT JOIN (
                    SELECT a.staff_id, pr2.pid, min(a.adjusted_percent) AS adj FROM adjustments a
                    JOIN periods pr2 ON a.from_date <= pr2.pend AND coalesce(a.to_date, DATE '9999-12-31') >= pr2.pstart
                    WHERE a.adjusted_percent IS NOT NULL GROUP BY ALL
                ) ad ON ad.staff_id = pp.staff_id AND ad.pid = pp.pid
            ), figs AS (
                SELECT *, working_days - excluded_days AS required_days,
                       CASE WHEN adj IS NOT NULL THEN least(adj, site_target) ELSE site_target END AS target_percent,
                       adj IS NOT NULL AS adjusted_expectation,
                       (working_days - excluded_days) * hours_per_day AS required_hours,
                       excluded_days * hours_per_day AS excluded_hours,
                       credited_days * hours_per_day AS credited_hours
                FROM base
            )
            SELECT pid, staff_id, team, home_site, pstart AS period_start, pend AS period_end, working_days,
                   required_days, attended_days, excluded_days, credited_days,
                   required_hours, attended_hours, excluded_hours, credited_hours,
                   CASE WHEN v_unit = 'hours' THEN
                        CASE WHEN required_hours > 0 THEN 100.0 * (attended_hours + credited_hours) / required_hours END
                   ELSE CASE WHEN required_days > 0 THEN 100.0 * (attended_days + credited_days) / required_days END
                   END AS percent,
                   target_percent, adjusted_expectation,
                   CASE WHEN v_target_of <> 'person' OR required_days = 0 THEN NULL
                        WHEN v_unit = 'hours' THEN
                             (attended_hours + credited_hours) * 100.0 >= target_percent * required_hours - 1e-9
                        ELSE (attended_days + credited_days) * 100.0 >= target_percent * required_days - 1e-9
                   END AS target_met, v_target_of AS target_of, v_unit AS unit
            FROM figs ORDER BY staff_id, period_start, period_end""").to_arrow_table()
        con.register("people_out", people_all)
        run.people_out = people_all

        def agg(key: str, target_sql: str, level: str, target_join: str = "") -> str:
            # A group's row is judged against the target only if the target is that group's (a team row
            # under a team target, ...); under a person target the group counts the people meeting theirs,
            # under a shared one nobody has a target of their own, so that count is empty.
            return f"""
                WITH g AS (
                    SELECT o.pid, {key} {_SUMS}, any_value(o.unit) AS unit FROM people_out o GROUP BY ALL
                ), t AS (
                    SELECT g.* REPLACE (CASE WHEN v.v_target_of = 'person' THEN g.people_meeting_target END
                                        AS people_meeting_target),
                        {target_sql} AS target_percent, v.v_target_of AS target_of,
                        CASE WHEN unit = 'hours' THEN
                             CASE WHEN required_hours > 0 THEN 100.0 * (attended_hours + credited_hours) / required_hours END
                        ELSE CASE WHEN required_days > 0 THEN 100.0 * (attended_days + credited_days) / required_days END
                        END AS percent
                    FROM g JOIN periods pr ON pr.pid = g.pid JOIN _versions v ON v.vnum = pr.vnum {target_join}
                )
                SELECT t.*, pr.pstart AS period_start, pr.pend AS period_end,
                       CASE WHEN percent IS NULL OR target_of <> '{level}' THEN NULL
                            ELSE percent >= target_percent - 1e-9 END AS target_met
                FROM t JOIN periods pr ON pr.pid = t.pid"""

        real = ", ".join(str(p.index) for p in run.periods)
        order = "ORDER BY period_start, period_end"
        teams = con.sql(f"SELECT * EXCLUDE (pid) FROM ({agg('o.team,', 'v.v_target', 'team')}) "
                            f"WHERE pid IN ({real}) {order}, team").to_arrow_table()
        site_sql = agg("o.home_site AS site_code,", "st.target_percent", "site",
                       "JOIN _site_targets st ON st.pid = g.pid AND st.site_code = g.site_code")
        sites = con.sql(f"SELECT * EXCLUDE (pid) FROM ({site_sql}) WHERE pid IN ({real}) {order}, site_code"
                            ).to_arrow_table()
        org_all = con.sql(f"SELECT * FROM ({agg('', 'v.v_target', 'organisation')}) {order}").to_arrow_table()
        org_rows = org_all.to_pylist()
        org_periods = pa.Table.from_pylist([r for r in org_rows if r["pid"] not in run.extra_pids],
                                           schema=org_all.schema).drop_columns(["pid"])
        overall = _overall(run, org_rows)
        people = people_all
        if run.extra_pids:
            extra = pa.array(sorted(run.extra_pids), people.schema.field("pid").type)
            people = people.filter(pc.invert(pc.is_in(people.column("pid"), value_set=extra)))
        people = people.drop_columns(["pid"])
        weekly = _site_weekly(run) if site_weekly else pa.table({})
        purposes = _purposes(run)
        notes: list[str] = []
        if run.start < start:
            weeks = sorted({p.version.rolling_weeks for p in run.periods if p.version.rolling_weeks})
            notes.append(f"Rolling windows of {' or '.join(map(str, weeks))} weeks reach back before the period "
                         f"chosen: the first one starts on {human_date(run.start)}, so its figures count days "
                         f"from then; the totals for the whole period count {human_date(start)} to "
                         f"{human_date(end)} only.")
        if unit == "days":
            hours_cols = ["required_hours", "attended_hours", "excluded_hours", "credited_hours"]
            people = people.drop_columns(hours_cols)
            teams = teams.drop_columns(hours_cols)
            sites = sites.drop_columns(hours_cols)
            org_periods = org_periods.drop_columns(hours_cols)
            overall = {k: v for k, v in overall.items() if k not in hours_cols}
        return Result(policy, start, end, unit, people, teams, sites, org_periods, overall, weekly, purposes,
                      notes)
    finally:
        con.close()


def _overall(run: _Run, org_rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The organisation over the whole range: each day once (sum of calendar periods, or of the whole-segment
    pseudo-periods for rolling windows). Target: the version in force on the last day."""
    if run.extra_pids:
        rows = [r for r in org_rows if r["pid"] in run.extra_pids]
    else:
        rows = [r for r in org_rows if r["pid"] not in run.extra_pids]
    keys = ["working_days", "excluded_days", "required_days", "attended_days", "credited_days",
            "required_hours", "attended_hours", "excluded_hours", "credited_hours"]
    tot: dict[str, Any] = {k: sum((r[k] or 0) for r in rows) for k in keys}
    v = run.policy.version_on(run.end)
    if v.unit == "hours":
        pct = 100.0 * (tot["attended_hours"] + tot["credited_hours"]) / tot["required_hours"] \
            if tot["required_hours"] else None
    else:
        pct = 100.0 * (tot["attended_days"] + tot["credited_days"]) / tot["required_days"] \
            if tot["required_days"] else None
    for k in keys[:5]:
        tot[k] = int(tot[k])
    people = run.people_out.column("staff_id")
    return {"percent": pct, "target_percent": v.target_percent, "target_of": v.target_of,
            "target_met": None if pct is None or v.target_of != "organisation" else pct >= v.target_percent - 1e-9,
            "people": pc.count_distinct(people).as_py() if len(people) else 0, **tot}


_POPCOUNT = np.array([bin(i).count("1") for i in range(256)], dtype=np.uint8)


def _span_counts(col: pa.ChunkedArray, n: int, spans: list[tuple[int, int]]) -> np.ndarray:
    """Set bits of each bit string (DuckDB BIT of `n` bits, cast to BLOB) within each span of day indices
    [a, b] (inclusive): an int array of shape (rows, spans).

    Whole bytes are counted from a running total of per-byte popcounts; the partial bytes at each end of a span
    are masked. A BLOB of a BIT holds the bits first to last, padded at the front to whole bytes."""
    width = (n + 7) // 8
    pad = width * 8 - n
    arr = col.combine_chunks()
    rows = len(arr)
    out = np.zeros((rows, len(spans)), dtype=np.int32)
    if rows == 0:
        return out
    off_type = np.int64 if pa.types.is_large_binary(arr.type) else np.int32
    offsets = np.frombuffer(arr.buffers()[1], dtype=off_type)[arr.offset: arr.offset + rows + 1]
    if not (np.diff(offsets) == width).all():
        raise AssertionError("bit strings of unequal length")
    data = np.frombuffer(arr.buffers()[2], dtype=np.uint8)[offsets[0]: offsets[0] + rows * width]
    by = data.reshape(rows, width).copy()
    by[:, 0] &= 0xFF >> pad  # never count the padding
    pop = _POPCOUNT[by]
    run = np.zeros((rows, width + 1), dtype=np.int32)
    np.cumsum(pop, axis=1, dtype=np.int32, out=run[:, 1:])
    for k, (a, b) in enumerate(spans):
        ga, gb = a + pad, b + pad
        ja, jb = ga // 8, gb // 8
        head = (0xFF >> (ga % 8)) & 0xFF
        tail = (0xFF << (7 - gb % 8)) & 0xFF
        if ja == jb:
            out[:, k] = _POPCOUNT[by[:, ja] & (head & tail)]
        else:
            out[:, k] = (_POPCOUNT[by[:, ja] & head].astype(np.int32) + _POPCOUNT[by[:, jb] & tail]
                         + run[:, jb] - run[:, ja + 1])
    return out


def _site_weekly(run: _Run) -> pa.Table:
    """Per site and calendar week: average daily number of individuals present at the site (counted signals of
    the version in force that day), over the site's open days (the policy's standard week, less the bank
    holidays of the site's nation), as a percentage of the site's headcount (people based there whose contract
    covers part of the week)."""
    con, start, end = run.con, run.start, run.end
    opens = []
    day_src: list[tuple[int, str]] = []
    for i in range((end - start).days + 1):
        d = start + dt.timedelta(days=i)
        v = run.policy.version_on(d)
        day_src += [(i, c) for c in v.count]
        if d >= run.range_start and (weekday_mask(v.standard_week) >> d.weekday()) & 1:
            opens.append(d)  # the weeks of the range asked for, not the days a rolling window reaches back to
    con.register("_open", pa.table({"d": pa.array(opens, pa.date32())}))
    counts = _site_day_counts(run, day_src)
    con.register("_site_day", counts)
    return con.sql(f"""
        WITH open_days AS (
            SELECT s.site_code, o.d, o.d - CAST(isodow(o.d) - 1 AS INTEGER) AS week_start FROM sites s, _open o
            WHERE NOT EXISTS (SELECT 1 FROM bh WHERE bh.nation = s.nation AND bh.d = o.d)
        ), sig AS (
            SELECT site_code, {_d(start)} + di AS d, n FROM _site_day
        ), daily AS (
            SELECT od.site_code, od.week_start, od.d, coalesce(sig.n, 0) AS individuals
            FROM open_days od LEFT JOIN sig ON sig.site_code = od.site_code AND sig.d = od.d
        ), wk AS (
            SELECT site_code, week_start, count(*) AS open_days, sum(individuals) AS person_days,
                   sum(individuals) / count(*) AS average_daily_individuals,
                   min(d) AS first_day, max(d) AS last_day
            FROM daily GROUP BY ALL
        ), hc AS (
            SELECT wk.site_code, wk.week_start, count(p.staff_id) AS headcount
            FROM wk LEFT JOIN people p ON p.home_site = wk.site_code
              AND coalesce(p.start_date, DATE '0001-01-01') <= wk.last_day
              AND coalesce(p.end_date, DATE '9999-12-31') >= wk.first_day
            GROUP BY ALL
        )
        SELECT wk.site_code, wk.week_start, wk.open_days, wk.average_daily_individuals, hc.headcount,
               CASE WHEN hc.headcount > 0 THEN 100.0 * wk.average_daily_individuals / hc.headcount END
                   AS percent_of_headcount
        FROM wk JOIN hc USING (site_code, week_start) ORDER BY site_code, week_start""").to_arrow_table()


def _site_day_counts(run: _Run, day_src: list[tuple[int, str]]) -> pa.Table:
    """Per site and day of the range, the number of distinct people with a signal there that the version in
    force that day counts: `(site_code, di, n)`.

    `presence_days` holds one bit string of days per person, site and source. DuckDB ORs them into one bit
    string per person and site (masking each source to the days on which it counts); the per-day column sums
    of those bit strings are then taken with NumPy, one `bincount` per byte of the bit strings."""
    con, n = run.con, run.ndays
    masks: dict[str, list[str]] = {}
    for i, src in day_src:
        masks.setdefault(src, ["0"] * n)[i] = "1"
    sites = run.site_codes
    empty = pa.table({"site_code": pa.array([], pa.string()), "di": pa.array([], pa.int32()),
                      "n": pa.array([], pa.int64())})
    if not masks or not sites:
        return empty
    con.register("_src_mask", pa.table({"source": list(masks), "m": ["".join(m) for m in masks.values()]}))
    con.register("_site_idx", pa.table({"site_code": sites, "k": pa.array(range(len(sites)), pa.int32())}))
    t = con.sql("""SELECT any_value(si.k) AS k, CAST(bit_or(x.b & CAST(m.m AS BIT)) AS BLOB) AS b
        FROM presence_days x JOIN _src_mask m USING (source) JOIN _site_idx si USING (site_code)
        WHERE x.b IS NOT NULL GROUP BY x.sid, x.site_code""").to_arrow_table()
    if t.num_rows == 0:
        return empty
    width = (n + 7) // 8
    col = t.column("b").combine_chunks()
    off_type = np.int64 if pa.types.is_large_binary(col.type) else np.int32
    offsets = np.frombuffer(col.buffers()[1], dtype=off_type)[col.offset: col.offset + len(col) + 1]
    if not (np.diff(offsets) == width).all():
        raise AssertionError("bit strings of unequal length")
    data = np.frombuffer(col.buffers()[2], dtype=np.uint8)[offsets[0]: offsets[0] + len(col) * width]
    by_byte = np.ascontiguousarray(data.reshape(len(col), width).T)  # width x rows
    key = t.column("k").to_numpy().astype(np.int64) * 256
    hist = np.stack([np.bincount(key + by_byte[j], minlength=len(sites) * 256) for j in range(width)])
    bits = (np.arange(256)[:, None] >> np.arange(7, -1, -1)[None, :]) & 1  # value -> its 8 bits, first bit first
    per_day = np.einsum("jsv,vb->sjb", hist.reshape(width, len(sites), 256), bits).reshape(len(sites), width * 8)
    per_day = per_day[:, width * 8 - n:]  # a bit string of n bits is padded at the front to whole bytes
    return pa.table({"site_code": np.repeat(np.array(sites, dtype=object), n),
                     "di": pa.array(np.tile(np.arange(n, dtype=np.int32), len(sites))),
                     "n": pa.array(per_day.reshape(-1).astype(np.int64))})


def _purposes(run: _Run) -> pa.Table:
    tables = run.purpose_tables
    if not tables:
        return pa.table({"period_start": pa.array([], pa.date32()), "period_end": pa.array([], pa.date32()),
                         "purpose": pa.array([], pa.string()), "days": pa.array([], pa.int64())})
    union = " UNION ALL ".join(f"SELECT * FROM {t}" for t in tables)
    real = ", ".join(str(p.index) for p in run.periods)
    return run.con.sql(f"""SELECT pr.pstart AS period_start, pr.pend AS period_end, u.purpose, u.days
        FROM ({union}) u JOIN periods pr USING (pid) WHERE u.pid IN ({real})
        ORDER BY period_start, period_end, purpose""").to_arrow_table()


def explain(data: Dataset, policy: Policy, start: dt.date, end: dt.date, staff_ids: list[str]) -> pa.Table:
    """Every contracted working day of the given people in [start, end], with its status (`attended`,
    `credited`, `excluded` or `not_attended`), the reason, the attended hours and the purpose. The counts of
    each status per period are exactly those `compute` reports."""
    con = connect()
    try:
        run = _Run(con, data, policy, start, end)
        con.register("_sel_arrow", pa.table({"staff_id": pa.array(list(staff_ids), pa.string())}))
        con.execute("CREATE TABLE _sel AS SELECT DISTINCT staff_id FROM _sel_arrow")
        parts = []
        for s, e, v in policy.segments(start, end):
            mask = run.mask_sql(v)
            day = run.day_sql(v, staff_filter="_sel")
            counted = _lit_list(v.count)
            parts.append(f"""{day},
                grid AS (
                    SELECT p.staff_id, c.d FROM people p JOIN _sel USING (staff_id) JOIN cal c
                      ON c.d BETWEEN greatest({_d(s)}, coalesce(p.start_date, {_d(s)}))
                                 AND least({_d(e)}, coalesce(p.end_date, {_d(e)}))
                    WHERE (({mask} >> c.dow) & 1) = 1
                ),
                other AS (
                    SELECT x.staff_id, {run.ld.replace('ts', 'x.ts')} AS d,
                           string_agg(DISTINCT x.source || ' at ' || x.site_code, '; ') AS what
                    FROM presence x JOIN _sel USING (staff_id)
                    WHERE x.source NOT IN {counted} OR x.source = 'booking' GROUP BY ALL
                )
                SELECT g.staff_id, g.d AS date,
                       CASE day.prio WHEN 1 THEN 'attended' WHEN 2 THEN 'credited' WHEN 3 THEN 'excluded'
                            ELSE 'not_attended' END AS status,
                       CASE WHEN day.prio IS NOT NULL THEN day.reason
                            WHEN o.what IS NOT NULL THEN 'no counted presence (not counted by this policy: '
                                 || o.what || ')'
                            ELSE 'no counted presence' END AS reason,
                       day.hours AS hours, day.purpose AS purpose, {v.number} AS policy_version
                FROM grid g LEFT JOIN day ON day.staff_id = g.staff_id AND day.d = g.d
                LEFT JOIN other o ON o.staff_id = g.staff_id AND o.d = g.d""")
        frames = [con.sql(q).to_arrow_table() for q in parts]
        out = pa.concat_tables(frames) if frames else pa.table({})
        return out.sort_by([("staff_id", "ascending"), ("date", "ascending")])
    finally:
        con.close()


@dataclass
class Comparison:
    """Two policies over the same data and range."""

    a: Result
    b: Result
    people: pa.Table  # per person, whole range: percent and periods met under each policy

    def to_json_dict(self, ndigits: int = 2) -> dict[str, Any]:
        return {"a": self.a.to_json_dict(ndigits), "b": self.b.to_json_dict(ndigits),
                "people": _rows(self.people, ndigits)}


def compare(data: Dataset, policy_a: Policy, policy_b: Policy, start: dt.date, end: dt.date,
            **kwargs: Any) -> Comparison:
    """Compute two policies side by side over the same data, with a per-person summary of both."""
    a = compute(data, policy_a, start, end, **kwargs)
    b = compute(data, policy_b, start, end, **kwargs)
    con = duckdb.connect()
    try:
        con.register("pa_", a.people)
        con.register("pb_", b.people)
        q = """
            WITH x AS (SELECT staff_id, any_value(team) AS team, any_value(home_site) AS home_site,
                        count(*) AS periods, count(*) FILTER (WHERE target_met) AS periods_met,
                        avg(percent) AS mean_percent FROM {t} GROUP BY staff_id)
            """
        people = con.sql(
            q.format(t="pa_").replace("WITH x", "WITH xa") + ", " + q.format(t="pb_").replace("WITH x AS", "xb AS")
            + """SELECT coalesce(xa.staff_id, xb.staff_id) AS staff_id, coalesce(xa.team, xb.team) AS team,
                   coalesce(xa.home_site, xb.home_site) AS home_site,
                   xa.mean_percent AS mean_percent_a, xa.periods AS periods_a, xa.periods_met AS periods_met_a,
                   xb.mean_percent AS mean_percent_b, xb.periods AS periods_b, xb.periods_met AS periods_met_b
                FROM xa FULL JOIN xb ON xa.staff_id = xb.staff_id ORDER BY staff_id""").to_arrow_table()
    finally:
        con.close()
    return Comparison(a, b, people)
