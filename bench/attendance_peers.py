"""Two real peers of the attendance engine, for `bench/attendance.py peers`: Polars, and one hand-written DuckDB
SQL query. Each computes what the engine reports per person and period (and, under a team target, per team and
period) for a days-unit policy with calendar-month periods, from the bench's Parquet files, as an analyst fluent
in that tool would write it: no bit strings, no precomputed tables.

The rules are the engine's (src/mandate/policy/engine.py): a person's contracted working days within their start
and end dates; each day once, attended (a counted signal, its Europe/London date) > credited (an absence the
policy credits) > excluded (an absence or bank holiday of the home site's nation the policy leaves out) > not
attended; required = working - excluded; percent = (attended + credited) / required x 100; a person (or team)
meets the target when (attended + credited) x 100 >= target x required.

`bench/attendance.py peers` and `tests/policy/test_peers.py` hold both peers to the engine's figures.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from importlib import resources

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: The columns compared with the engine, per person-period and per team-period.
PERSON_COLS = ("staff_id", "period_start", "working_days", "required_days", "attended_days", "excluded_days",
               "credited_days", "percent", "target_met")
TEAM_COLS = ("team", "period_start", "working_days", "required_days", "attended_days", "excluded_days",
             "credited_days", "people", "percent", "target_met")


@dataclass(frozen=True)
class Rules:
    """The part of a one-version, days-unit, monthly policy the peers need."""

    count: tuple[str, ...]
    credit: tuple[str, ...]
    exclude: tuple[str, ...]
    target_percent: float
    target_of: str  # "person" or "team" (the peers do those two)

    @classmethod
    def of(cls, policy: object) -> Rules:
        (v,) = policy.versions  # type: ignore[attr-defined]
        if v.unit != "days" or v.period != "month" or v.sites or v.target_of not in ("person", "team") \
                or not v.pro_rata or v.count_sites != "any":
            raise ValueError("the peers do one-version, days-unit, monthly person or team policies only")
        return cls(tuple(v.count), tuple(v.credit), tuple(v.exclude), float(v.target_percent), v.target_of)


def bank_holidays() -> list[tuple[str, dt.date]]:
    snap = json.loads(resources.files("mandate.policy").joinpath("data/bank-holidays.json").read_text("utf-8"))
    return [(n, dt.date.fromisoformat(e["date"])) for n, v in snap.items() for e in v["events"]]


# -- Polars ----------------------------------------------------------------------------------------------------
def compute_polars(d: str, start: dt.date, end: dt.date, rules: Rules):
    """Per person-month figures (and per team-month under a team target) with Polars' lazy engine.
    Returns (people, teams or None) as Polars DataFrames."""
    import polars as pl

    excl_kinds = [k for k in rules.exclude if k != "bank_holiday"]
    weekday_bit = pl.col("d").dt.weekday().replace_strict({i + 1: 1 << i for i in range(7)}, return_dtype=pl.Int64)
    mask = pl.lit(0)
    for i, name in enumerate(DAYS):
        mask = mask + pl.when(pl.col("wd").list.contains(name)).then(1 << i).otherwise(0)
    people = (pl.scan_parquet(f"{d}/people.parquet")
              .with_columns(wd=pl.col("working_days").str.to_lowercase().str.split(";").list.eval(
                  pl.element().str.strip_chars()))
              .select("staff_id", "team", "home_site", mask.alias("mask"),
                      pl.col("start_date").fill_null(start).alias("sd"), pl.col("end_date").fill_null(end).alias("ed")))
    sites = pl.scan_parquet(f"{d}/sites.parquet").select("site_code", "nation")

    att = (pl.scan_parquet(f"{d}/presence.parquet")
           .filter(pl.col("source").is_in(rules.count))
           .select("staff_id", pl.col("timestamp").dt.convert_time_zone("Europe/London").dt.date().alias("d"))
           .unique().with_columns(prio=pl.lit(1, pl.Int8)))
    absn = pl.scan_parquet(f"{d}/absences.parquet").select("staff_id", pl.col("date").alias("d"), "kind")
    parts = [att,
             absn.filter(pl.col("kind").is_in(rules.credit)).select("staff_id", "d", prio=pl.lit(2, pl.Int8)),
             absn.filter(pl.col("kind").is_in(excl_kinds)).select("staff_id", "d", prio=pl.lit(3, pl.Int8))]
    if "bank_holiday" in rules.exclude:
        bh = pl.LazyFrame(bank_holidays(), schema={"nation": pl.String, "d": pl.Date}, orient="row")
        parts.append(people.join(sites, left_on="home_site", right_on="site_code").join(bh, on="nation")
                     .select("staff_id", "d", prio=pl.lit(3, pl.Int8)))
    day = (pl.concat(parts).filter(pl.col("d").is_between(start, end))
           .group_by("staff_id", "d").agg(pl.col("prio").min())
           .join(people.select("staff_id", "mask", "sd", "ed"), on="staff_id")
           .filter(((pl.col("mask") & weekday_bit) != 0)
                   & pl.col("d").is_between(pl.col("sd"), pl.col("ed")))
           .group_by("staff_id", pl.col("d").dt.month_start().alias("period_start"))
           .agg(attended_days=(pl.col("prio") == 1).sum(), credited_days=(pl.col("prio") == 2).sum(),
                excluded_days=(pl.col("prio") == 3).sum()))

    cal = pl.LazyFrame({"d": pl.date_range(start, end, "1d", eager=True)})
    combos = people.select("mask", "sd", "ed").unique()
    working = (combos.join(cal, how="cross")
               .filter(((pl.col("mask") & weekday_bit) != 0)
                       & pl.col("d").is_between(pl.col("sd"), pl.col("ed")))
               .group_by("mask", "sd", "ed", pl.col("d").dt.month_start().alias("period_start"))
               .agg(working_days=pl.len()))
    counts = ["attended_days", "credited_days", "excluded_days"]
    out = (people.join(working, on=["mask", "sd", "ed"])
           .join(day, on=["staff_id", "period_start"], how="left")
           .with_columns([pl.col(c).fill_null(0).cast(pl.Int64) for c in counts]
                         + [pl.col("working_days").cast(pl.Int64)])
           .with_columns(required_days=pl.col("working_days") - pl.col("excluded_days")))
    pct = pl.when(pl.col("required_days") > 0).then(
        100.0 * (pl.col("attended_days") + pl.col("credited_days")) / pl.col("required_days"))
    met = (pl.col("attended_days") + pl.col("credited_days")) * 100.0 \
        >= rules.target_percent * pl.col("required_days") - 1e-9
    out = out.with_columns(percent=pct)
    if rules.target_of == "person":
        out = out.with_columns(target_met=pl.when(pl.col("required_days") > 0).then(met))
        return out.select(PERSON_COLS).sort("staff_id", "period_start").collect(), None
    out = out.with_columns(target_met=pl.lit(None, pl.Boolean))
    t_pct = rules.target_percent
    people_out, teams = pl.collect_all([
        out.select(PERSON_COLS).sort("staff_id", "period_start"),
        out.group_by("team", "period_start").agg(
            [pl.col(c).sum() for c in ("working_days", "required_days", "attended_days", "excluded_days",
                                       "credited_days")] + [pl.len().alias("people")])
        .with_columns(percent=pct)
        .with_columns(target_met=pl.when(pl.col("required_days") > 0).then(pl.col("percent") >= t_pct - 1e-9))
        .select(TEAM_COLS).sort("team", "period_start")])
    return people_out, teams


# -- DuckDB, one hand-written query ----------------------------------------------------------------------------
def _lit(values: tuple[str, ...] | list[str]) -> str:
    return "(" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + ")" if values else "(NULL)"


def duckdb_sql(d: str, start: dt.date, end: dt.date, rules: Rules) -> str:
    """The person-month query (a `team_sql` wraps it for team figures)."""
    s, e = f"DATE '{start.isoformat()}'", f"DATE '{end.isoformat()}'"
    mask = " + ".join(f"CASE WHEN list_contains(wd, '{n}') THEN {1 << i} ELSE 0 END" for i, n in enumerate(DAYS))
    excl = [k for k in rules.exclude if k != "bank_holiday"]
    bh_rows = ", ".join(f"('{n}', DATE '{x.isoformat()}')" for n, x in bank_holidays() if start <= x <= end)
    bh = f"""UNION ALL SELECT p.staff_id, b.d, 3 FROM p JOIN read_parquet('{d}/sites.parquet') s
                ON s.site_code = p.home_site JOIN (VALUES {bh_rows}) b(nation, d) ON b.nation = s.nation""" \
        if "bank_holiday" in rules.exclude and bh_rows else ""
    t = rules.target_percent
    met = f"(attended_days + credited_days) * 100.0 >= {t} * required_days - 1e-9"
    return f"""
        WITH p AS (
            SELECT staff_id, team, home_site, {mask} AS mask, coalesce(start_date, {s}) AS sd,
                   coalesce(end_date, {e}) AS ed
            FROM (SELECT *, list_transform(string_split(lower(working_days), ';'), lambda x: trim(x)) AS wd
                  FROM read_parquet('{d}/people.parquet'))
        ), ev AS (
            SELECT DISTINCT staff_id, CAST(timezone('Europe/London', "timestamp") AS DATE) AS d, 1 AS prio
            FROM read_parquet('{d}/presence.parquet') WHERE source IN {_lit(rules.count)}
            UNION ALL SELECT staff_id, "date", 2 FROM read_parquet('{d}/absences.parquet')
                WHERE kind IN {_lit(rules.credit)}
            UNION ALL SELECT staff_id, "date", 3 FROM read_parquet('{d}/absences.parquet') WHERE kind IN {_lit(excl)}
            {bh}
        ), day AS (
            SELECT staff_id, d, min(prio) AS prio FROM ev WHERE d BETWEEN {s} AND {e} GROUP BY staff_id, d
        ), cnt AS (
            SELECT day.staff_id, CAST(date_trunc('month', d) AS DATE) AS period_start,
                   count(*) FILTER (WHERE prio = 1) AS a, count(*) FILTER (WHERE prio = 2) AS c,
                   count(*) FILTER (WHERE prio = 3) AS x
            FROM day JOIN p USING (staff_id)
            WHERE ((p.mask >> (isodow(d) - 1)) & 1) = 1 AND d BETWEEN p.sd AND p.ed GROUP BY ALL
        ), combos AS (SELECT DISTINCT mask, sd, ed FROM p
        ), wd AS (
            SELECT mask, sd, ed, CAST(date_trunc('month', c.d) AS DATE) AS period_start, count(*) AS w
            FROM combos, (SELECT CAST(range AS DATE) AS d FROM range({s}, {e} + 1, INTERVAL 1 DAY)) c
            WHERE ((mask >> (isodow(c.d) - 1)) & 1) = 1 AND c.d BETWEEN sd AND ed GROUP BY ALL
        ), figs AS (
            SELECT p.staff_id, p.team, wd.period_start, wd.w AS working_days,
                   wd.w - coalesce(cnt.x, 0) AS required_days, coalesce(cnt.a, 0) AS attended_days,
                   coalesce(cnt.x, 0) AS excluded_days, coalesce(cnt.c, 0) AS credited_days
            FROM p JOIN wd USING (mask, sd, ed)
            LEFT JOIN cnt ON cnt.staff_id = p.staff_id AND cnt.period_start = wd.period_start
        ), people AS (
            SELECT *, CASE WHEN required_days > 0 THEN 100.0 * (attended_days + credited_days) / required_days
                      END AS percent,
                   {f"CASE WHEN required_days > 0 THEN {met} END" if rules.target_of == "person"
                    else "NULL::BOOLEAN"} AS target_met
            FROM figs
        )"""


def compute_duckdb(d: str, start: dt.date, end: dt.date, rules: Rules):
    """Per person-month figures (and per team-month under a team target) as Arrow tables: one query, and for
    teams a second one over the first one's result."""
    import duckdb

    con = duckdb.connect()
    try:
        q = duckdb_sql(d, start, end, rules)
        people = con.sql(f"{q} SELECT {', '.join(PERSON_COLS)}, team FROM people ORDER BY staff_id, period_start"
                         ).to_arrow_table()
        if rules.target_of != "team":
            return people.drop_columns(["team"]), None
        t = rules.target_percent
        con.register("people_rows", people)
        teams = con.sql(f"""WITH g AS (
                SELECT team, period_start, sum(working_days) AS working_days, sum(required_days) AS required_days,
                       sum(attended_days) AS attended_days, sum(excluded_days) AS excluded_days,
                       sum(credited_days) AS credited_days, count(*) AS people FROM people_rows GROUP BY ALL)
            SELECT *, CASE WHEN required_days > 0 THEN 100.0 * (attended_days + credited_days) / required_days
                      END AS percent,
                   CASE WHEN required_days > 0 THEN 100.0 * (attended_days + credited_days) / required_days
                        >= {t} - 1e-9 END AS target_met
            FROM g ORDER BY team, period_start""").to_arrow_table()
        return people.drop_columns(["team"]), teams
    finally:
        con.close()
