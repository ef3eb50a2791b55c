"""British Summer Time arithmetic (`mandate.policy.summer_time`) against `zoneinfo`'s Europe/London.

The instants are weighted to the changeover Sundays (the last Sunday of March and of October), within three
hours either side of 01:00 UTC, where an off-by-one-hour or off-by-one-day mistake would show; the rest are
anywhere from 1996 (when the present rule began) to 2100. The SQL the engine runs is checked in DuckDB itself.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import duckdb
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from mandate.policy.summer_time import (
    US_HOUR,
    day_index_sql,
    last_sunday,
    local_date,
    local_date_sql,
    local_midnight_us,
    offset_us,
)

LONDON = ZoneInfo("Europe/London")
UTC = dt.UTC
START = dt.datetime(1970, 1, 1, tzinfo=UTC)
YEARS = st.integers(1996, 2100)


def instant(us: int) -> dt.datetime:
    return START + dt.timedelta(microseconds=us)


def epoch_us(moment: dt.datetime) -> int:
    return (moment - START) // dt.timedelta(microseconds=1)


@st.composite
def near_a_changeover(draw: st.DrawFn, years: st.SearchStrategy[int] = YEARS) -> int:
    year, month = draw(years), draw(st.sampled_from([3, 10]))
    one_utc = dt.datetime.combine(last_sunday(year, month), dt.time(1), tzinfo=UTC)
    return epoch_us(one_utc) + draw(st.integers(-3 * US_HOUR, 3 * US_HOUR))


ANYWHERE = st.integers(epoch_us(dt.datetime(1996, 1, 1, tzinfo=UTC)), epoch_us(dt.datetime(2101, 1, 1, tzinfo=UTC)) - 1)
# Three draws in four are within three hours of a changeover.
INSTANTS = st.one_of(near_a_changeover(), near_a_changeover(), near_a_changeover(), ANYWHERE)


@given(INSTANTS)
def test_offset_and_local_date_are_zoneinfos(us):
    local = instant(us).astimezone(LONDON)
    assert offset_us(us) == local.utcoffset() // dt.timedelta(microseconds=1)
    assert local_date(us) == local.date()


@given(YEARS, st.sampled_from([3, 10]))
def test_last_sunday_is_the_changeover_day(year, month):
    day = last_sunday(year, month)
    assert day.weekday() == 6 and day.month == month and (day + dt.timedelta(days=7)).month != month
    before = dt.datetime.combine(day, dt.time(0, 59, 59), tzinfo=UTC).astimezone(LONDON)
    after = dt.datetime.combine(day, dt.time(1), tzinfo=UTC).astimezone(LONDON)
    assert before.utcoffset() != after.utcoffset()


@given(st.dates(dt.date(1996, 1, 1), dt.date(2100, 12, 31)) | YEARS.flatmap(
    lambda y: st.sampled_from([last_sunday(y, 3), last_sunday(y, 10)]).flatmap(
        lambda d: st.sampled_from([d - dt.timedelta(days=1), d, d + dt.timedelta(days=1)]))))
def test_local_midnight_is_zoneinfos(day):
    assert local_midnight_us(day) == epoch_us(dt.datetime.combine(day, dt.time(0), tzinfo=LONDON))


def in_year(year: int) -> st.SearchStrategy[int]:
    """Instants in `year`, three in four within three hours of one of its changeovers."""
    years = st.just(year)
    anywhere = st.integers(epoch_us(dt.datetime(year, 1, 1, tzinfo=UTC)),
                           epoch_us(dt.datetime(year + 1, 1, 1, tzinfo=UTC)) - 1)
    return st.one_of(near_a_changeover(years), near_a_changeover(years), near_a_changeover(years), anywhere)


@settings(max_examples=40, deadline=None)
@given(YEARS.flatmap(lambda year: st.lists(in_year(year), min_size=1, max_size=30)))
def test_the_engines_sql_gives_zoneinfos_dates(instants):
    # As the engine builds it: the range's years with one either side.
    year = instant(instants[0]).year
    first_year, last_year, first_day = year - 1, year + 1, dt.date(year, 1, 1)
    con = duckdb.connect()
    con.register("swipes", pa.table({"ts": pa.array(instants, pa.timestamp("us", tz="UTC"))}))
    got = con.execute(f"SELECT {local_date_sql('ts', first_year, last_year)}, "  # noqa: S608
                      f"{day_index_sql('ts', first_day, first_year, last_year)} FROM swipes").fetchall()
    want = [instant(us).astimezone(LONDON).date() for us in instants]
    assert [d for d, _ in got] == want
    assert [first_day + dt.timedelta(days=i) for _, i in got] == want
