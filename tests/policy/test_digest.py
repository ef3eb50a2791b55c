"""The one-scan digest of presence and absences, and the NumPy counting over day bit strings."""

from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mandate.policy import InputError
from mandate.policy.engine import _span_counts

from .helpers import badge, dataset, person, run


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 70), data=st.data())
def test_span_counts_match_counting_bits_one_by_one(n, data):
    rows = data.draw(st.lists(st.lists(st.booleans(), min_size=n, max_size=n), min_size=1, max_size=6))
    spans = data.draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1))
                               .map(lambda ab: (min(ab), max(ab))), min_size=1, max_size=5))
    con = duckdb.connect()
    bits = ["".join("1" if b else "0" for b in r) for r in rows]
    col = con.sql("SELECT CAST(CAST(s AS BIT) AS BLOB) AS b FROM (SELECT unnest(?) AS s, generate_subscripts(?, 1) AS i) "
                  "ORDER BY i", params=[bits, bits]).to_arrow_table().column("b")
    got = _span_counts(col, n, spans)
    want = np.array([[sum(r[a:b + 1]) for a, b in spans] for r in rows])
    assert (got == want).all()


def test_bit_strings_after_not_never_count_their_padding():
    con = duckdb.connect()
    col = con.sql("SELECT CAST(~CAST('0000000000' AS BIT) AS BLOB) AS b").to_arrow_table().column("b")
    assert _span_counts(col, 10, [(0, 9), (0, 0), (9, 9)]).tolist() == [[10, 1, 1]]


def test_site_weekly_counts_each_person_once_a_day_at_each_site():
    # A at NPT twice on Monday and at EDI too; B at NPT on Monday and Tuesday; a booking never counts
    nov = "2026-11-"
    pres = [badge("A", nov + "02"), badge("A", nov + "02", "15:00:00"), badge("A", nov + "02", site="EDI"),
            badge("B", nov + "02"), badge("B", nov + "03"), badge("B", nov + "04", source="booking")]
    r = run(dataset([person("A"), person("B")], pres), start="2026-11-02", end="2026-11-08")
    weeks = {w["site_code"]: w for w in r.site_weekly.to_pylist()}
    assert weeks["NPT"]["open_days"] == 5 and weeks["NPT"]["headcount"] == 2
    assert weeks["NPT"]["average_daily_individuals"] == pytest.approx(3 / 5)  # 2 on Monday, 1 on Tuesday
    assert weeks["EDI"]["average_daily_individuals"] == pytest.approx(1 / 5) and weeks["EDI"]["headcount"] == 0


def test_values_with_spaces_count_as_their_trimmed_selves(tmp_path):
    pres = pa.table({"staff_id": ["A ", "A", " A"], "site_code": ["NPT", " NPT", "NPT"],
                     "timestamp": pa.array([dt.datetime(2026, 11, d, 9, tzinfo=dt.UTC) for d in (2, 2, 3)],
                                           pa.timestamp("us", tz="UTC")),
                     "source": ["badge", "badge ", "booking_checkin"]})
    base = dataset([person("A")])
    data = type(base).from_tables(people=base.people.table, sites=base.sites.table, presence=pres,
                                  absences=pa.table({"staff_id": [" A"], "date": ["2026-11-04"],
                                                     "kind": ["official_business "]}))
    a = run(data).people.to_pylist()[0]
    assert (a["attended_days"], a["credited_days"]) == (2, 1)


@pytest.mark.parametrize(("col", "value", "field"), [("staff_id", "Z9", "staff_id"), ("site_code", "GLA", "site_code"),
                                                     ("source", "wifi", "source"), ("timestamp", None, "timestamp")])
def test_parquet_presence_first_bad_row_is_named(tmp_path, col, value, field):
    import pyarrow.parquet as pq
    n = 50
    cols = {"staff_id": ["A"] * n, "site_code": ["NPT"] * n,
            "timestamp": [dt.datetime(2026, 11, 2 + i % 20, 9, tzinfo=dt.UTC) for i in range(n)],
            "source": ["badge"] * n}
    cols[col] = list(cols[col])
    cols[col][36] = value  # rows 37 and 42 are bad: row 37 is named
    cols[col][41] = value
    t = pa.table({k: pa.array(v, pa.timestamp("us", tz="UTC") if k == "timestamp" else pa.string())
                  for k, v in cols.items()})
    pq.write_table(t, tmp_path / "presence.parquet")
    base = dataset([person("A")])
    from mandate.policy import Dataset, read_source
    data = Dataset(base.people, base.sites, read_source(tmp_path / "presence.parquet", "presence"), base.absences)
    with pytest.raises(InputError) as err:
        run(data)
    assert (err.value.file, err.value.line, err.value.field, err.value.unit) == ("presence.parquet", 37, field, "row")
