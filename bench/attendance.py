"""Benchmarks of the attendance policy engine. Run from the repository root:

    .venv/bin/python bench/attendance.py            # all scenarios (generates data under /tmp first)
    .venv/bin/python bench/attendance.py ons        # 5,300 staff: one month and one year (CSV inputs)
    .venv/bin/python bench/attendance.py civil      # 500,000 staff, one year, Parquet inputs
    .venv/bin/python bench/attendance.py pandas     # 50,000 staff, one year: engine against pandas

Each measurement runs in a fresh child process, which reports its wall time and its peak resident set
size (resource.getrusage(RUSAGE_SELF).ru_maxrss), so data generation never counts.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

from mandate.policy import examples

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
# The ONS individual 40% quota, as the README shows it.
POLICY = examples.text("ons-individual-40.toml")

CHILD = r"""
import datetime as dt, json, resource, sys, time
sys.path.insert(0, {bench!r})
kind, d, ext, start, end, policy = sys.argv[1:7]
t0 = time.perf_counter()
if kind.startswith("engine"):
    from mandate.policy import Dataset, compute, load_policy
    data = Dataset.from_files(**{{k: f"{{d}}/{{k}}.{{ext}}" for k in ("people", "sites", "presence", "absences")}})
    # "engine-people": without the weekly per-site figures, which the pandas peer does not compute either.
    r = compute(data, load_policy(policy), dt.date.fromisoformat(start), dt.date.fromisoformat(end),
                site_weekly=kind != "engine-people")
    rows = r.people.num_rows
    extra = {{"organisation_percent": r.organisation["percent"]}}
    if len(sys.argv) > 7:
        import pyarrow.parquet as pq
        pq.write_table(r.people.select(["staff_id", "period_start", "working_days", "required_days",
            "attended_days", "excluded_days", "credited_days", "percent"]), sys.argv[7])
else:
    from attendance_pandas import compute_pandas
    out = compute_pandas(d, dt.date.fromisoformat(start), dt.date.fromisoformat(end),
        ["annual_leave", "sickness", "special_leave", "bank_holiday"], ["badge", "booking_checkin"],
        ["training", "official_business"])
    rows = len(out)
    extra = {{}}
    if len(sys.argv) > 7:
        out.to_parquet(sys.argv[7])
secs = time.perf_counter() - t0
ru = resource.getrusage(resource.RUSAGE_SELF)
import os
print(json.dumps({{"seconds": secs, "cpu_seconds": ru.ru_utime + ru.ru_stime, "peak_rss_bytes": ru.ru_maxrss * 1024,
                  "rows": rows, "load": os.getloadavg()[0], **extra}}))
"""


def ensure(staff: int, out: Path, csv: bool = False) -> None:
    if (out / "people.parquet").exists() and (not csv or (out / "people.csv").exists()):
        return
    args = [PY, str(ROOT / "bench" / "attendance_data.py"), "--staff", str(staff), "--out", str(out)]
    subprocess.run(args + (["--csv"] if csv else []), check=True)


def child(kind: str, d: Path, ext: str, start: str, end: str, save: str | None = None) -> dict:
    policy = d / "policy.toml"
    policy.write_text(POLICY)
    code = CHILD.format(bench=str(ROOT / "bench"))
    argv = [PY, "-c", code, kind, str(d), ext, start, end, str(policy)] + ([save] if save else [])
    res = subprocess.run(argv, check=True, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    return json.loads(res.stdout.strip().splitlines()[-1])


def report(label: str, r: dict) -> None:
    print(f"| {label} | {r['seconds']:.1f} s | {r['cpu_seconds']:.1f} s | {r['peak_rss_bytes'] / 2**30:.2f} GiB | "
          f"{r['rows']:,} | {r['load']:.1f} |", flush=True)


def machine() -> str:
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores, {mem:.0f} GiB, Python {platform.python_version()}, {platform.platform()}"


def main(which: list[str]) -> None:
    print(f"machine: {machine()}")
    print("| scenario | wall time | CPU time (all threads) | peak RSS | person-period rows | load average |\n"
          "|---|---|---|---|---|---|")
    if not which or "ons" in which:
        d = Path("/tmp/mandate-bench/att-5300")
        ensure(5300, d, csv=True)
        report("5,300 staff, October 2025, CSV", child("engine", d, "csv", "2025-10-01", "2025-10-31"))
        report("5,300 staff, year 2025, CSV", child("engine", d, "csv", "2025-01-01", "2025-12-31"))
        report("5,300 staff, year 2025, Parquet", child("engine", d, "parquet", "2025-01-01", "2025-12-31"))
    if not which or "civil" in which:
        d = Path(os.environ.get("BENCH_500K", "/tmp/mandate-bench/att-500k"))
        ensure(500_000, d)
        report("500,000 staff, year 2025, Parquet", child("engine", d, "parquet", "2025-01-01", "2025-12-31"))
    if not which or "pandas" in which:
        import pandas as pd
        d = Path(os.environ.get("BENCH_50K", "/tmp/mandate-bench/att-50k"))
        ensure(50_000, d)
        e = child("engine", d, "parquet", "2025-01-01", "2025-12-31", str(d / "engine-out.parquet"))
        p = child("pandas", d, "parquet", "2025-01-01", "2025-12-31", str(d / "pandas-out.parquet"))
        ep = child("engine-people", d, "parquet", "2025-01-01", "2025-12-31")
        report("50,000 staff, year 2025: engine (DuckDB)", e)
        report("50,000 staff, year 2025: engine without weekly site figures (the peer's work)", ep)
        report("50,000 staff, year 2025: pandas peer", p)
        a = pd.read_parquet(d / "engine-out.parquet")
        b = pd.read_parquet(d / "pandas-out.parquet")
        a["month"] = pd.to_datetime(a["period_start"]).dt.to_period("M")
        cols = ["working_days", "required_days", "attended_days", "excluded_days", "credited_days"]
        m = a.merge(b, on=["staff_id", "month"], suffixes=("_e", "_p"), how="outer", indicator=True)
        same = (m["_merge"] == "both").all() and all((m[c + "_e"] == m[c + "_p"]).all() for c in cols) and \
            ((m["percent_e"] - m["percent_p"]).abs().fillna(0) < 1e-9).all()
        print(f"same figures: {bool(same)} ({len(m):,} person-months compared); engine "
              f"{p['seconds'] / e['seconds']:.1f}x faster than pandas in wall time, "
              f"{p['cpu_seconds'] / e['cpu_seconds']:.1f}x in CPU time; without weekly site figures "
              f"{p['seconds'] / ep['seconds']:.1f}x in wall time, {p['cpu_seconds'] / ep['cpu_seconds']:.1f}x in CPU time",
              flush=True)


if __name__ == "__main__":
    t = time.perf_counter()
    main(sys.argv[1:])
    print(f"total {time.perf_counter() - t:.0f} s")
