"""Small builders for policy-engine tests: Arrow tables with the CLI contract's columns."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa

from mandate.policy import Dataset, compute, parse_policy

SITES = [("NPT", "Newport", "england-and-wales"), ("EDI", "Edinburgh", "scotland"),
         ("DAR", "Darlington", "england-and-wales")]
BASE = {"name": "test", "unit": "days", "period": "month", "target_percent": 40, "target_of": "person",
        "exclude": ["annual_leave", "sickness", "special_leave", "bank_holiday"],
        "count": ["badge", "booking_checkin"], "credit": ["training", "official_business"]}


def person(staff_id, home="NPT", team="T1", days="Mon;Tue;Wed;Thu;Fri", hours=7.4, start="", end=""):
    return (staff_id, home, team, days, str(hours), start, end)


def dataset(people, presence=(), absences=(), adjustments=None, sites=SITES) -> Dataset:
    s = pa.table({k: [r[i] for r in sites] for i, k in enumerate(("site_code", "name", "nation"))})
    pcols = ("staff_id", "home_site", "team", "working_days", "hours_per_day", "start_date", "end_date")
    p = pa.table({k: pa.array([r[i] for r in people], pa.string()) for i, k in enumerate(pcols)})
    pr = pa.table({k: pa.array([r[i] for r in presence], pa.string())
                   for i, k in enumerate(("staff_id", "site_code", "timestamp", "source"))})
    if presence and len(presence[0]) == 5:
        pr = pr.append_column("purpose", pa.array([r[4] for r in presence], pa.string()))
    a = pa.table({k: pa.array([r[i] for r in absences], pa.string()) for i, k in enumerate(("staff_id", "date", "kind"))})
    adj = None
    if adjustments is not None:
        adj = pa.table({k: pa.array([r[i] for r in adjustments], pa.string())
                        for i, k in enumerate(("staff_id", "from_date", "to_date", "adjusted_percent", "exempt"))})
    return Dataset.from_tables(people=p, sites=s, presence=pr, absences=a, adjustments=adj)


def policy(**overrides):
    return parse_policy({**BASE, **overrides})


def run(data, start="2026-11-01", end="2026-11-30", **overrides):
    return compute(data, policy(**overrides), dt.date.fromisoformat(start), dt.date.fromisoformat(end))


def row(result, staff_id, period_start=None):
    rows = [r for r in result.people.to_pylist() if r["staff_id"] == staff_id
            and (period_start is None or r["period_start"].isoformat() == period_start)]
    assert len(rows) == 1, rows
    return rows[0]


def badge(staff_id, day, time="09:00:00", site="NPT", source="badge", offset="+00:00"):
    return (staff_id, site, f"{day}T{time}{offset}", source)
