"""Requests per second and p50/p99 latency of four pages, under gunicorn and under Django's development server,
in the same run, on PostgreSQL, with Locust (headless) against 127.0.0.1.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mandate_bench .venv/bin/python bench/load.py \
        [--users 10] [--seconds 40] [--warmup 10] [--workers 5]

One command, about four minutes once the demo is in the database (three servers, each 10 s of warm-up and 40 s
of load, plus their starts; loading the demo into an empty database the first time adds a few minutes). The
database is created if it does not exist, migrated and the demo loaded into it if it is empty (5,300 staff, PCS and its ONS members), the
demo's ballot has its electorate frozen (so its page and turnout are those of a live ballot), then each server
is started in turn on a free port, warmed up (not counted) and loaded by the same Locust users (bench/load_locustfile.py): a staff
member opening My attendance and an official opening the ballot and its turnout, each signing in again one
time in twenty. The table printed (Markdown) is what docs/benchmarks.md shows, with the load average
(/proc/loadavg, one-minute) sampled every 5 s while each server was loaded: figures taken on a busy machine
compare the servers with each other and nothing more.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PAGES = ["sign-in", "My attendance", "turnout page", "ballot page"]

PREPARE = """
from mandate.cli.django_setup import setup_django
setup_django()
from mandate.union import ballots as svc
from mandate.union.models import Ballot
ballot = Ballot.objects.get(code="ons-2026-12")
if ballot.status == "draft":
    svc.freeze_electorate(ballot)
print(ballot.pk, ballot.electors.count())
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_up(url: str, timeout: float = 300) -> None:
    """Until the server answers (its first answer can take long on a busy machine: workers importing)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(url, timeout=30).read()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def ensure_database(url: str) -> None:
    """Create the database DATABASE_URL names if it does not exist (the bench is one command)."""
    import psycopg

    base, name = url.rsplit("/", 1)
    name = name.split("?")[0]
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


class LoadSampler(threading.Thread):
    """The one-minute load average every 5 s, while a server is loaded."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.samples: list[float] = []
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(5):
            self.samples.append(os.getloadavg()[0])


def locust(host: str, users: int, seconds: int, ballot: int, prefix: Path, env: dict[str, str]) -> dict[str, dict]:
    subprocess.run([str(BIN / "locust"), "-f", str(ROOT / "bench" / "load_locustfile.py"), "--headless",
                    "-u", str(users), "-r", "2", "-t", f"{seconds}s", "--host", host,
                    "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING"],
                   env={**env, "LOAD_BALLOT": str(ballot)}, check=False, stdout=subprocess.DEVNULL)
    rows = {}
    with open(f"{prefix}_stats.csv", newline="") as f:
        for row in csv.DictReader(f):
            rows[row["Name"]] = row
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=10, help="concurrent Locust users")
    parser.add_argument("--seconds", type=int, default=40, help="seconds of load on each server")
    parser.add_argument("--warmup", type=int, default=10, help="seconds of load first, not counted")
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers (default: 2 a core plus one)")
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "bench-load")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("set DATABASE_URL to a PostgreSQL database (it is created if missing, and filled with the demo if "
                 "empty)")
    started = time.monotonic()
    ensure_database(os.environ["DATABASE_URL"])
    # The demo's settings (MANDATE_DEMO=1: no two-factor step, as `dev.py start` runs it).
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "MANDATE_DATA_DIR": str(args.out / "var"),
           "MANDATE_DEMO": "1"}
    env.pop("MANDATE_DEBUG", None)
    mandate = [sys.executable, "-m", "mandate.cli"]
    subprocess.run([*mandate, "manage", "migrate", "-v", "0"], env=env, check=True, cwd=ROOT)
    subprocess.run([*mandate, "demo", "--if-empty"], env=env, check=True, cwd=ROOT)
    ballot, electors = map(int, subprocess.run([sys.executable, "-c", PREPARE], env=env, check=True, cwd=ROOT,
                                               capture_output=True, text=True).stdout.split())
    args.out.mkdir(parents=True, exist_ok=True)
    workers = args.workers or 2 * (os.cpu_count() or 1) + 1
    servers = {
        f"gunicorn ({workers} workers)": lambda port: [*mandate, "serve", "--port", str(port), "--workers", str(workers)],
        f"gunicorn ({workers} workers x 4 threads)": lambda port: [*mandate, "serve", "--port", str(port), "--workers",
                                                                  str(workers), "--threads", "4"],
        "development server": lambda port: [*mandate, "manage", "runserver", f"127.0.0.1:{port}", "--noreload",
                                            "--insecure"],
    }
    results = {}
    loads: dict[str, list[float]] = {}
    for label, command in servers.items():
        port = free_port()
        name = label.split()[0] + ("-threads" if "threads" in label else "")
        log = open(args.out / f"{name}.log", "wb")
        server = subprocess.Popen(command(port), env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_up(f"http://127.0.0.1:{port}/accounts/login/")
            # Warm-up, not counted: every worker process imports and connects on its first requests.
            locust(f"http://127.0.0.1:{port}", args.users, args.warmup, ballot, args.out / "warmup", env)
            sampler = LoadSampler()
            sampler.start()
            results[label] = locust(f"http://127.0.0.1:{port}", args.users, args.seconds, ballot,
                                    args.out / name, env)
            sampler.stop.set()
            loads[label] = sampler.samples or [os.getloadavg()[0]]
        finally:
            server.terminate()
            try:
                server.wait(timeout=60)
            except subprocess.TimeoutExpired:  # a busy machine: gunicorn's workers slow to finish their requests
                server.kill()
                server.wait()
            log.close()
    print(f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}; PostgreSQL on 127.0.0.1; {args.users} Locust users for {args.seconds} s "
          f"on each server; the ballot has {electors} electors; {time.monotonic() - started:.0f} s in all.\n")
    for label, samples in loads.items():
        print(f"- load average (1 min) while {label} was loaded: {min(samples):.1f} to {max(samples):.1f}")
    print()
    print("| page | server | requests | failures | requests/s | p50 (ms) | p99 (ms) |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for page in [*PAGES, "Aggregated"]:
        for label, rows in results.items():
            row = rows.get(page)
            if row:
                print(f"| {page} | {label} | {row['Request Count']} | {row['Failure Count']} | "
                      f"{float(row['Requests/s']):.1f} | {row['50%']} | {row['99%']} |")


if __name__ == "__main__":
    main()
