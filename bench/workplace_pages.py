"""Workplace pages read from stored person-period figures, against the same pages computing per request, in
one run, under the production server (`mandate serve`, gunicorn) on PostgreSQL with the 5,300-staff demo.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mandate_bench .venv/bin/python bench/workplace_pages.py \
        [--requests 20] [--direct-requests 3] [--concurrency 4] [--workers 5]

The database is migrated and the demo loaded if it is empty; four policies are made sure of (the demo's two,
and the examples "60% of contracted hours" and "Team 40% over 12 weeks": person, organisation-wide purpose-led,
hours and rolling shapes), and their figures stored for October 2026 and for a year (1 November 2025 to 31
October 2026; April to October 2026 for the policy that starts in April), timed. Then gunicorn is started
twice on a free port of 127.0.0.1: once as deployed (the pages read the stored rows) and once with
MANDATE_FIGURE_STORE=off (every page runs the engine per request, the way before the store). For each page,
signed in as the demo's HR, manager or staff account, one request is made first (not counted), then
`--requests` one after another (stored) or `--direct-requests` (direct; with 1, that first one is
the one timed), each timed from the request sent to
the last byte read over loopback, which on 127.0.0.1 is the server's time; then `--concurrency` clients
together over the month pages (requests a second and p50 under load). The Markdown printed is what
docs/benchmarks.md shows, with the machine and the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "mandate-demo"
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
MONTH = ("2026-10-01", "2026-10-31")
YEAR = ("2025-11-01", "2026-10-31")

PREPARE = """
import json, time, datetime as dt
from mandate.cli.django_setup import setup_django
setup_django()
from mandate.policy import examples
from mandate.workplace import figure_store
from mandate.workplace.models import AttendancePolicy, FigureSet, Organisation, StaffMember
org = Organisation.objects.get(code="ons")
for name in ("contracted-hours-60.toml", "team-40-rolling-12-weeks.toml"):
    text = examples.text(name)
    policy = AttendancePolicy(organisation=org, toml=text)
    if not AttendancePolicy.objects.filter(organisation=org, name=policy.parsed().name).exists():
        policy.save()
month = (dt.date(2026, 10, 1), dt.date(2026, 10, 31))
out = {"policies": [], "staff": StaffMember.objects.get(user__username="staff").staff_id}
for policy in AttendancePolicy.objects.filter(organisation=org).order_by("pk"):
    first = policy.parsed().versions[0].effective_from
    year = (max(dt.date(2025, 11, 1), first or dt.date(2025, 11, 1)), dt.date(2026, 10, 31))
    timings = {}
    for label, (start, end) in (("month", month), ("year", year)):
        t = time.perf_counter()
        [s] = figure_store.ensure(org, [(start, end)], [policy])
        s.refresh_from_db()
        timings[label] = {"seconds": round(time.perf_counter() - t, 2), "engine": round(s.compute_seconds or 0, 2),
                          "rows": s.people.count(), "error": s.error}
    out["policies"].append({"id": policy.pk, "name": policy.name, "year": [year[0].isoformat(), year[1].isoformat()],
                            "timings": timings})
print(json.dumps(out))
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_up(url: str, timeout: float = 900) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            requests.get(url, timeout=30)
            return
        except requests.RequestException:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def session(host: str, username: str) -> requests.Session:
    s = requests.Session()
    page = s.get(f"{host}/accounts/login/", timeout=60)
    match = TOKEN.search(page.text)
    r = s.post(f"{host}/accounts/login/", data={"username": username, "password": PASSWORD,
                                                "csrfmiddlewaretoken": match.group(1) if match else ""},
               headers={"Referer": f"{host}/accounts/login/"}, allow_redirects=False, timeout=60)
    if r.status_code != 302:
        sys.exit(f"sign-in as {username} answered {r.status_code}")
    return s


def pages(info: dict) -> list[tuple[str, str, str]]:
    """(label, account, path with query) of every page measured."""
    out = []
    staff = info["staff"]
    by_name = {p["name"]: p for p in info["policies"]}
    for p in info["policies"]:
        short = {"ONS individual 40%": "person 40%", "60% of contracted hours": "hours 60%",
                 "Team 40% over 12 weeks": "team rolling 12 weeks"}.get(p["name"], "organisation-wide 2026")
        for label, (a, b) in (("month", MONTH), ("year", tuple(p["year"]))):
            q = f"date_from={a}&date_to={b}&policy={p['id']}"
            out += [(f"organisation, {short}, {label}", "hr", f"/workplace/organisation/?{q}"),
                    (f"site (Newport), {short}, {label}", "hr", f"/workplace/sites/newport/?{q}")]
    individual = by_name.get("ONS individual 40%") or info["policies"][0]
    hours = by_name.get("60% of contracted hours") or individual
    for label, (a, b) in (("month", MONTH), ("year", YEAR)):
        q = f"date_from={a}&date_to={b}&policy={individual['id']}"
        out += [(f"My attendance, person 40%, {label}", "staff", f"/workplace/me/?{q}"),
                (f"My attendance CSV, person 40%, {label}", "staff", f"/workplace/me/attendance.csv?{q}"),
                (f"a person (HR), person 40%, {label}", "hr", f"/workplace/people/{staff}/?{q}"),
                (f"My team, person 40%, {label}", "manager", f"/workplace/team/?{q}"),
                (f"organisation, page 3 of the below-target list, {label}", "hr",
                 f"/workplace/organisation/?{q}&below_page=3&teams_page=2")]
    q = f"date_from={MONTH[0]}&date_to={MONTH[1]}&policy={individual['id']}&other={hours['id']}"
    out.append(("compare person 40% with hours 60%, month", "hr", f"/workplace/policies/compare/?{q}"))
    return out


def timed(s: requests.Session, url: str) -> tuple[float, int, int]:
    t = time.perf_counter()
    r = s.get(url, timeout=600)
    body = r.content
    return (time.perf_counter() - t) * 1000, r.status_code, len(body)


def measure(host: str, plan: list[tuple[str, str, str]], n: int, concurrency: int, seconds: float) -> dict:
    sessions = {u: session(host, u) for u in ("hr", "manager", "staff")}
    results: dict[str, dict] = {}
    for label, user, path in plan:
        ms0, status, size = timed(sessions[user], host + path)  # first: not counted, unless it is the only one
        if status != 200:
            sys.exit(f"{label}: {path} answered {status}")
        times = [timed(sessions[user], host + path)[0] for _ in range(n - 1 if n == 1 else n)] or [ms0]
        results[label] = {"p50": statistics.median(times), "max": max(times), "n": len(times), "bytes": size,
                          "first": ms0}
        print(f"  {label}: p50 {results[label]['p50']:.0f} ms ({len(times)} requests)", file=sys.stderr,
              flush=True)
    # several clients at once over the month pages
    month = [(lab, u, p) for lab, u, p in plan if lab.endswith("month")]
    stop = time.monotonic() + seconds
    lock = threading.Lock()
    under: dict[str, list[float]] = {}

    def client(i: int) -> None:
        mine = {u: session(host, u) for u in ("hr", "manager", "staff")}
        k = i
        while time.monotonic() < stop:
            lab, u, p = month[k % len(month)]
            ms = timed(mine[u], host + p)[0]
            with lock:
                under.setdefault(lab, []).append(ms)
            k += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(concurrency)]
    began = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - began
    total = sum(len(v) for v in under.values())
    return {"pages": results, "load": {"requests": total, "per_second": total / elapsed,
                                       "p50": statistics.median([x for v in under.values() for x in v])
                                       if total else None}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=20, help="timed requests a page, stored figures")
    parser.add_argument("--direct-requests", type=int, default=3, help="timed requests a page, computed directly")
    parser.add_argument("--concurrency", type=int, default=4, help="clients at once in the load phase")
    parser.add_argument("--seconds", type=float, default=30, help="seconds of the load phase, each server")
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers (default: 2 a core plus one)")
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "bench-workplace")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("set DATABASE_URL to a PostgreSQL database (it is filled with the demo if empty)")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "MANDATE_DATA_DIR": str(args.out / "var"),
           "MANDATE_DEMO": "1"}
    env.pop("MANDATE_DEBUG", None)
    args.out.mkdir(parents=True, exist_ok=True)
    mandate = [sys.executable, "-m", "mandate.cli"]
    subprocess.run([*mandate, "manage", "migrate", "-v", "0"], env=env, check=True, cwd=ROOT)
    subprocess.run([*mandate, "demo", "--if-empty"], env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    load_before = os.getloadavg()
    t = time.perf_counter()
    info = json.loads(subprocess.run([sys.executable, "-c", PREPARE], env=env, check=True, cwd=ROOT,
                                     capture_output=True, text=True).stdout.strip().splitlines()[-1])
    prepare_seconds = time.perf_counter() - t
    plan = pages(info)
    workers = args.workers or 2 * (os.cpu_count() or 1) + 1
    runs = {}
    loads = {"prepare": load_before}
    for mode in ("stored", "direct"):
        port = free_port()
        server_env = {**env, "MANDATE_FIGURE_STORE": "on" if mode == "stored" else "off"}
        log = open(args.out / f"{mode}.log", "wb")
        server = subprocess.Popen([*mandate, "serve", "--port", str(port), "--workers", str(workers)],
                                  env=server_env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        try:
            host = f"http://127.0.0.1:{port}"
            wait_up(f"{host}/accounts/login/")
            loads[mode] = os.getloadavg()
            runs[mode] = measure(host, plan, args.requests if mode == "stored" else args.direct_requests,
                                 args.concurrency, args.seconds)
            loads[mode + " end"] = os.getloadavg()
        finally:
            server.terminate()
            server.wait(timeout=60)
            log.close()
    (args.out / "result.json").write_text(json.dumps({"info": info, "runs": runs, "loads": loads}, indent=1))
    print(f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}; PostgreSQL on 127.0.0.1; gunicorn, {workers} sync workers. Load average "
          + ", ".join(f"{k} {v[0]:.1f}" for k, v in loads.items()) + ".\n")
    print(f"Stored figures made in {prepare_seconds:.0f} s:\n")
    print("| policy | range | person-period rows | engine (compute + explain) | whole recompute |")
    print("|---|---|---:|---:|---:|")
    for p in info["policies"]:
        for label, tm in p["timings"].items():
            print(f"| {p['name']} | {label} | {tm['rows']:,} | {tm['engine']:.1f} s | {tm['seconds']:.1f} s |")
    print("\n| page | stored p50 (ms) | stored max | direct p50 (ms) | direct / stored | HTML (KB) |")
    print("|---|---:|---:|---:|---:|---:|")
    for label, _u, _p in plan:
        s, d = runs["stored"]["pages"][label], runs["direct"]["pages"][label]
        print(f"| {label} | {s['p50']:.0f} | {s['max']:.0f} | {d['p50']:,.0f} | {d['p50'] / s['p50']:.0f}x | "
              f"{s['bytes'] / 1024:,.0f} |")
    for mode in ("stored", "direct"):
        ld = runs[mode]["load"]
        print(f"\n{mode}: {args.concurrency} clients at once over the month pages for {args.seconds:.0f} s: "
              f"{ld['requests']} requests, {ld['per_second']:.1f} a second, p50 "
              f"{ld['p50']:.0f} ms." if ld["p50"] is not None else f"\n{mode}: no request finished")


if __name__ == "__main__":
    main()
