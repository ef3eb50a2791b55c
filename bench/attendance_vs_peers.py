"""The attendance engine against its real peers, Polars and one hand-written DuckDB query (bench/attendance_peers.py),
in the same run, at 5,300, 50,000 and 500,000 staff over one year from Parquet. Run from the repository root:

    .venv/bin/python bench/attendance_vs_peers.py                     # every size, the ONS policy and a team one
    .venv/bin/python bench/attendance_vs_peers.py --sizes 5300 50000 --policies ons

Data come from bench/attendance_data.py (generated once under /tmp/mandate-bench/peers-<staff>). Each figure is one
fresh child process: the libraries are imported first (timed apart, as in a running server), then the one
computation is timed: wall time, CPU time of all the process's threads (`getrusage`, before and after) and the
process's peak RSS. Every implementation's person-month figures (and team-month figures under the team policy)
are compared with the engine's; the run fails if any differs.

The engine does more than its peers: it validates every input line (naming the first bad line), computes site,
team and organisation tables and, unless `site_weekly=False` (the row "engine, no weekly site figures"), weekly
per-site figures. The peers trust their input and compute the person (and team) figures only.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
START, END = "2025-01-01", "2025-12-31"

CHILD = r"""
import datetime as dt, json, os, resource, sys, time
sys.path.insert(0, {bench!r})
kind, d, policy_path, out = sys.argv[1:5]  # argv[5]: "twice" to time a second run
t_imp = time.perf_counter()
import duckdb, numpy, pyarrow, pyarrow.parquet as pq
from mandate.policy import Dataset, compute, load_policy
import attendance_peers as ap
if kind == "polars":
    import polars
imports = time.perf_counter() - t_imp
policy = load_policy(policy_path)
rules = ap.Rules.of(policy)
start, end = dt.date.fromisoformat({start!r}), dt.date.fromisoformat({end!r})
def cpu():
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime
def run():
    if kind.startswith("engine"):
        r = compute(Dataset.from_files(**{{k: f"{{d}}/{{k}}.parquet" for k in ("people", "sites", "presence",
                                                                             "absences")}}),
                    policy, start, end, site_weekly=kind == "engine")
        return r.people, r.teams
    if kind == "polars":
        return ap.compute_polars(d, start, end, rules)
    return ap.compute_duckdb(d, start, end, rules)
c0, t0 = cpu(), time.perf_counter()
people, teams = run()
secs, cpus = time.perf_counter() - t0, cpu() - c0
# the same computation again in the same process (a running server's case: one-time costs paid)
secs2 = cpus2 = None
if sys.argv[5] == "twice":
    c0, t0 = cpu(), time.perf_counter()
    people, teams = run()
    secs2, cpus2 = time.perf_counter() - t0, cpu() - c0
rows = people.shape[0] if kind == "polars" else people.num_rows
if kind == "polars":
    people.write_parquet(out + ".people.parquet")
    if teams is not None:
        teams.write_parquet(out + ".teams.parquet")
else:
    pq.write_table(people.select(list(ap.PERSON_COLS)), out + ".people.parquet")
    if rules.target_of == "team":
        pq.write_table(teams.select(list(ap.TEAM_COLS)), out + ".teams.parquet")
print(json.dumps({{"seconds": secs, "cpu_seconds": cpus, "seconds2": secs2, "cpu_seconds2": cpus2, "imports": imports, "rows": rows,
                  "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
                  "load": os.getloadavg()[0]}}))
"""

KINDS = {"engine": "engine", "engine-lean": "engine, no weekly site figures", "polars": "Polars peer",
         "duckdb": "DuckDB SQL peer"}


def policy_text(name: str) -> str:
    from mandate.policy import examples

    text = examples.text("ons-individual-40.toml")
    if name == "team":  # the same rules, judged per team and month
        text = text.replace('target_of = "person"', 'target_of = "team"').replace(
            'name = "ONS individual 40%"', 'name = "Team 40% a month"')
        assert 'target_of = "team"' in text
    return text


def ensure(staff: int) -> Path:
    d = Path(os.environ.get("BENCH_PEERS_DIR", "/tmp/mandate-bench")) / f"peers-{staff}"
    if not (d / "people.parquet").exists():
        t = time.perf_counter()
        res = subprocess.run(["/usr/bin/time", "-f", "%M", PY, str(ROOT / "bench" / "attendance_data.py"),
                              "--staff", str(staff), "--out", str(d)], check=True, capture_output=True, text=True)
        print(f"generated {staff:,} staff in {time.perf_counter() - t:.0f} s, peak RSS "
              f"{int(res.stderr.strip().splitlines()[-1]) / 2**20:.2f} GiB", flush=True)
    return d


def child(kind: str, d: Path, policy: Path, out: Path, twice: bool) -> dict:
    code = CHILD.format(bench=str(ROOT / "bench"), start=START, end=END)
    res = subprocess.run([PY, "-c", code, kind, str(d), str(policy), str(out), "twice" if twice else "once"],
                         check=True, capture_output=True,
                         text=True, env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    return json.loads(res.stdout.strip().splitlines()[-1])


def same(a: Path, b: Path, keys: list[str]) -> tuple[bool, int]:
    import polars as pl

    x, y = pl.read_parquet(a), pl.read_parquet(b)
    y = y.with_columns([pl.col(c).cast(x.schema[c]) for c in x.columns])
    if x.height != y.height:
        return False, max(x.height, y.height)
    j = x.join(y, on=keys, how="full", suffix="_p", coalesce=True, nulls_equal=True)
    bad = pl.lit(False)
    for c in x.columns:
        if c in keys:
            continue
        if c == "percent":
            bad = bad | (pl.col(c).is_null() != pl.col(c + "_p").is_null()) | ((pl.col(c) - pl.col(c + "_p")).abs() > 1e-9)
        else:
            bad = bad | ~pl.col(c).eq_missing(pl.col(c + "_p"))
    return j.height == x.height and j.filter(bad).height == 0, x.height


def fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f} s"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[5300, 50_000, 500_000])
    ap.add_argument("--policies", nargs="+", default=["ons", "team"], choices=["ons", "team"])
    ap.add_argument("--team-max", type=int, default=50_000, help="largest size the team policy is timed at")
    ap.add_argument("--second-max", type=int, default=50_000, help="largest size a second run is timed at")
    ap.add_argument("--kinds", nargs="+", default=list(KINDS), choices=list(KINDS))
    a = ap.parse_args()
    print(f"load average at start {os.getloadavg()}", flush=True)
    print("| staff | policy | implementation | first run: wall | CPU | second run: wall | CPU | imports (not "
          "counted) | peak RSS | rows | load |\n|---|---|---|---|---|---|---|---|---|---|---|", flush=True)
    ok = True
    summary = []
    for staff in a.sizes:
        d = ensure(staff)
        for pol in a.policies:
            if pol == "team" and staff > a.team_max:
                continue
            pfile = d / f"policy-{pol}.toml"
            pfile.write_text(policy_text(pol))
            res = {}
            for kind in a.kinds:
                r = res[kind] = child(kind, d, pfile, d / f"out-{pol}-{kind}", staff <= a.second_max)
                print(f"| {staff:,} | {pol} | {KINDS[kind]} | {r['seconds']:.2f} s | {r['cpu_seconds']:.2f} s | "
                      f"{fmt(r['seconds2'])} | {fmt(r['cpu_seconds2'])} | "
                      f"{r['imports']:.2f} s | {r['peak_rss_bytes'] / 2**30:.2f} GiB | {r['rows']:,} | "
                      f"{r['load']:.1f} |", flush=True)
            ref = d / f"out-{pol}-engine.people.parquet"
            for kind in a.kinds:
                if kind == "engine":
                    continue
                s, n = same(ref, d / f"out-{pol}-{kind}.people.parquet", ["staff_id", "period_start"])
                msg = f"{staff:,} {pol}: {KINDS[kind]} person-months {'same' if s else 'DIFFER'} ({n:,})"
                ok &= s
                if pol == "team":
                    s, n = same(d / f"out-{pol}-engine.teams.parquet", d / f"out-{pol}-{kind}.teams.parquet",
                                ["team", "period_start"])
                    msg += f", team-months {'same' if s else 'DIFFER'} ({n:,})"
                    ok &= s
                summary.append(msg)
            peers = [k for k in ("polars", "duckdb") if k in res]
            for eng in ("engine", "engine-lean"):
                if eng in res and peers:
                    for n, sfx in (("first run", ""), ("second run", "2")):
                        if res[eng]["seconds" + sfx] is None:
                            continue
                        fw = min(res[k]["seconds" + sfx] for k in peers)
                        fc = min(res[k]["cpu_seconds" + sfx] for k in peers)
                        summary.append(f"{staff:,} {pol}, {n}: {KINDS[eng]} against the faster peer: "
                                       f"{fw / res[eng]['seconds' + sfx]:.2f}x wall, "
                                       f"{fc / res[eng]['cpu_seconds' + sfx]:.2f}x CPU")
    print("\n".join(summary))
    print(f"load average at end {os.getloadavg()}")
    if not ok:
        sys.exit("figures differ")


if __name__ == "__main__":
    main()
