"""Seeded synthetic attendance data for the benchmarks: sites, people, presence swipes, absences.

    python bench/attendance_data.py --staff 5300 --year 2025 --out /tmp/att-5300 [--csv]

Distributions (synthetic; no public individual-level badge data exists, spec §7): 80% full-time Mon-Fri at
7.4 h, 10% compressed Mon-Thu at 9.25 h, 10% part-time Mon-Wed; each person's office propensity drawn from
Beta(2, 3) (mean 40%); 1 to 3 signals per office day; 5% of office days at another site; 85% badge,
10% booking check-in, 5% booking without check-in; ~25 days annual leave, ~5 sickness, ~3 official business,
~2 training per year; 3% join and 3% leave during the year.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

SITES = [("NPT", "Newport", "england-and-wales", 0.35), ("TIT", "Titchfield", "england-and-wales", 0.25),
         ("LON", "London", "england-and-wales", 0.12), ("MAN", "Manchester", "england-and-wales", 0.08),
         ("EDI", "Edinburgh", "scotland", 0.06), ("DAR", "Darlington", "england-and-wales", 0.10),
         ("GLA", "Glasgow hub", "scotland", 0.04)]
MASKS = {"Mon;Tue;Wed;Thu;Fri": 0b11111, "Mon;Tue;Wed;Thu": 0b01111, "Mon;Tue;Wed": 0b00111}


def generate(n: int, year: int, out: Path, csv: bool = False, seed: int = 20261123, chunk: int = 25_000) -> None:
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    codes = np.array([s[0] for s in SITES])
    site_p = np.array([s[3] for s in SITES])
    pa.Table.from_pylist([{"site_code": c, "name": nm, "nation": na} for c, nm, na, _ in SITES])
    sites = pa.table({"site_code": [s[0] for s in SITES], "name": [s[1] for s in SITES],
                      "nation": [s[2] for s in SITES]})

    ids = np.array([f"S{i:07d}" for i in range(n)])
    home = rng.choice(len(SITES), size=n, p=site_p)
    kind = rng.choice(3, size=n, p=[0.8, 0.1, 0.1])
    wd_names = np.array(list(MASKS))[kind]
    masks = np.array(list(MASKS.values()))[kind]
    hpd = np.where(kind == 1, 9.25, 7.4)
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    ndays = (last - first).days + 1
    start_off = np.where(rng.random(n) < 0.03, rng.integers(1, ndays, n), -1)
    end_off = np.where(rng.random(n) < 0.03, rng.integers(1, ndays, n), -1)
    end_off = np.where((start_off >= 0) & (end_off >= 0) & (end_off < start_off), -1, end_off)
    base = np.datetime64(first.isoformat(), "D")
    start = pa.array(np.where(start_off >= 0, base + start_off.astype("timedelta64[D]"), np.datetime64("NaT")),
                     pa.date32())
    end = pa.array(np.where(end_off >= 0, base + end_off.astype("timedelta64[D]"), np.datetime64("NaT")),
                   pa.date32())
    people = pa.table({"staff_id": ids, "home_site": codes[home], "team": [f"T{i // 12:05d}" for i in range(n)],
                       "working_days": wd_names, "hours_per_day": hpd, "start_date": start, "end_date": end})
    prop = rng.beta(2, 3, n)

    days = base + np.arange(ndays).astype("timedelta64[D]")
    dow = (np.arange(ndays) + first.weekday()) % 7
    src_names = np.array(["badge", "booking_checkin", "booking"])
    kinds = np.array(["annual_leave", "sickness", "official_business", "training"])
    kind_p = np.array([25, 5, 3, 2]) / 35

    pres_path, abs_path = out / "presence.parquet", out / "absences.parquet"
    pres_schema = pa.schema([("staff_id", pa.string()), ("site_code", pa.string()),
                             ("timestamp", pa.timestamp("us", tz="UTC")), ("source", pa.string())])
    abs_schema = pa.schema([("staff_id", pa.string()), ("date", pa.date32()), ("kind", pa.string())])
    pw = pq.ParquetWriter(pres_path, pres_schema)
    aw = pq.ParquetWriter(abs_path, abs_schema)
    for lo in range(0, n, chunk):
        hi = min(n, lo + chunk)
        m = hi - lo
        working = ((masks[lo:hi, None] >> dow[None, :]) & 1).astype(bool)
        attend = working & (rng.random((m, ndays)) < prop[lo:hi, None])
        pi, di = np.nonzero(attend)
        nsig = rng.integers(1, 4, pi.size)
        pi, di = np.repeat(pi, nsig), np.repeat(di, nsig)
        other = rng.random(pi.size) < 0.05
        site = np.where(other, rng.integers(0, len(SITES), pi.size), home[lo + pi])
        secs = rng.integers(7 * 3600, 19 * 3600, pi.size)
        ts = (days[di].astype("datetime64[s]") + secs.astype("timedelta64[s]")).astype("datetime64[us]")
        src = src_names[rng.choice(3, pi.size, p=[0.85, 0.10, 0.05])]
        pw.write_table(pa.table({"staff_id": ids[lo + pi], "site_code": codes[site],
                                 "timestamp": pa.array(ts, pa.timestamp("us", tz="UTC")), "source": src},
                                schema=pres_schema))
        nabs = rng.poisson(35, m)
        api = np.repeat(np.arange(m), nabs)
        adi = rng.integers(0, ndays, api.size)
        keep = working[api, adi]
        api, adi = api[keep], adi[keep]
        aw.write_table(pa.table({"staff_id": ids[lo + api], "date": pa.array(days[adi], pa.date32()),
                                 "kind": kinds[rng.choice(4, api.size, p=kind_p)]}, schema=abs_schema))
    pw.close()
    aw.close()
    pq.write_table(sites, out / "sites.parquet")
    pq.write_table(people, out / "people.parquet")
    if csv:
        for name in ("sites", "people", "presence", "absences"):
            t = pq.read_table(out / f"{name}.parquet")
            if name == "presence":
                iso = pa.compute.strftime(t["timestamp"], format="%Y-%m-%dT%H:%M:%S+00:00")
                t = t.set_column(2, "timestamp", iso)
            pacsv.write_csv(t, out / f"{name}.csv",
                            write_options=pacsv.WriteOptions(quoting_style="needed"))


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--staff", type=int, required=True)
    ap.add_argument("--year", type=int, default=2025)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--csv", action="store_true")
    a = ap.parse_args()
    generate(a.staff, a.year, a.out, a.csv)
