"""British Summer Time, in one place: Europe/London's offset as integer arithmetic on epoch microseconds.

The attendance engine works on TIMESTAMPTZ columns in DuckDB with integer arithmetic rather than a time-zone
conversion per row (a year of a large organisation's swipes is tens of millions of rows). The rule it needs is
the one in force since 1996 (the Summer Time Order 2002 and the EU directive it follows): summer time runs
from 01:00 UTC on the last Sunday of March to 01:00 UTC on the last Sunday of October, one hour ahead of UTC;
the rest of the year Europe/London is UTC. `tests/policy/test_summer_time.py` holds these functions and the
SQL they build to `zoneinfo`'s answer, weighted to the hours around the changeovers.
"""

from __future__ import annotations

import datetime as dt

US_DAY = 86_400_000_000
US_HOUR = 3_600_000_000
EPOCH = dt.date(1970, 1, 1)


def last_sunday(year: int, month: int) -> dt.date:
    """The last Sunday of `month` in `year`."""
    last = dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)
    return last - dt.timedelta(days=(last.weekday() + 1) % 7)


def summer_time(first_year: int, last_year: int) -> list[tuple[int, int]]:
    """Each year's British Summer Time as a half-open range of epoch microseconds, from 01:00 UTC on the last
    Sunday of March to 01:00 UTC on the last Sunday of October."""
    return [((last_sunday(y, 3) - EPOCH).days * US_DAY + US_HOUR,
             (last_sunday(y, 10) - EPOCH).days * US_DAY + US_HOUR)
            for y in range(first_year, last_year + 1)]


def in_summer_time_sql(us: str, first_year: int, last_year: int) -> str:
    """SQL, true when the epoch microseconds `us` (an SQL expression) fall in summer time of those years."""
    return "(" + " OR ".join(f"({us} >= {a} AND {us} < {b})" for a, b in summer_time(first_year, last_year)) + ")"


def offset_us(us: int) -> int:
    """Europe/London's offset from UTC, in microseconds, at the instant `us` (epoch microseconds)."""
    year = (EPOCH + dt.timedelta(microseconds=us)).year
    return US_HOUR if any(a <= us < b for a, b in summer_time(year, year)) else 0


def local_date(us: int) -> dt.date:
    """The Europe/London calendar date of the instant `us` (epoch microseconds)."""
    return EPOCH + dt.timedelta(days=(us + offset_us(us)) // US_DAY)


def local_midnight_us(day: dt.date) -> int:
    """Epoch microseconds of the start of `day` in Europe/London (00:00 local time is never in a changeover
    hour, since both changeovers happen at 01:00 UTC)."""
    utc_midnight = (day - EPOCH).days * US_DAY
    return utc_midnight - offset_us(utc_midnight - US_HOUR)


def local_date_sql(col: str, first_year: int, last_year: int) -> str:
    """SQL for the Europe/London calendar date of a TIMESTAMPTZ column, in integer arithmetic (fast); exact
    for instants in `first_year`..`last_year`."""
    us = f"epoch_us({col})"
    return (f"(DATE '1970-01-01' + CAST(({us} + CASE WHEN {in_summer_time_sql(us, first_year, last_year)} "
            f"THEN {US_HOUR} ELSE 0 END) // {US_DAY} AS INTEGER))")


def day_index_sql(col: str, first_day: dt.date, first_year: int, last_year: int) -> str:
    """SQL for the day number (0 = `first_day`) of the Europe/London date of a TIMESTAMPTZ column; exact for
    instants in `first_year`..`last_year` from 1970. Only a time from 23:00 UTC can fall on the next local day,
    and only in summer time, so the range test is made only for those."""
    us = f"epoch_us({col})"
    return (f"CAST({us} // {US_DAY} + (CASE WHEN {us} % {US_DAY} >= {23 * US_HOUR} AND "
            f"{in_summer_time_sql(us, first_year, last_year)} THEN 1 ELSE 0 END) - {(first_day - EPOCH).days} "
            "AS INTEGER)")
