"""How far the election record's chain goes: appends a second to one election's record from 1, 2 and 4 processes
at once (each as one app server would append), against the cost of checking one ballot, on PostgreSQL.

    .venv/bin/python bench/record_append.py [--appends 2000] [--processes 1 2 4]

Every append to one record takes the election's row lock (SELECT ... FOR UPDATE), reads the head, inserts the
event and moves the head (union/electronic/record.py), so appends to one election run one after the other
whatever the number of app servers: this is the chain's ceiling. Checking a ballot (signature, proofs, the
credential on the list) happens before the lock, in each app server, in parallel. The run uses its own
throwaway PostgreSQL (bench/pg_throwaway.py). The figures printed are what docs/benchmarks.md shows.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "src"))

from pg_throwaway import ThrowawayPostgres  # noqa: E402


def _django() -> None:
    from mandate.cli.django_setup import setup_django

    setup_django()


def setup() -> None:
    """One election with a real ballot (for its size) and the ballot-check cost, measured here."""
    _django()
    from mandate.crypto import group
    from mandate.crypto.ballot import ElectionContext, encrypt_ballot
    from mandate.crypto.credentials import CredentialAuthority
    from mandate.union.electronic import record as rec
    from mandate.union.models import Ballot, Dispute, Election, Union

    union = Union.objects.create(code="pcs", name="PCS")
    dispute = Dispute.objects.create(union=union, code="d", title="d", matters="m", opened_on="2026-01-01")
    ballot = Ballot.objects.create(union=union, dispute=dispute, code="b", title="b", opening_day="2026-12-01",
                                   closing_day="2026-12-20", voting_method="electronic")
    authority = CredentialAuthority()
    election = Election.objects.create(ballot=ballot, election_id="pcs/b", trustees=3, threshold=2,
                                       credential_authority=authority.public.hex())
    rec.append_event(election, "election", {"protocol": "mandate/v1", "title": "b"})
    x = group.random_scalar()
    ctx = ElectionContext(bytes(32), group.base_mul(x), ("action_short_of_strike", "strike"))
    voter = authority.issue([("m1", "unit-1")])["m1"]
    sample, _ = encrypt_ballot(ctx, voter, {"action_short_of_strike": 1, "strike": 0})
    print(json.dumps({"election": election.pk, "ballot": sample.to_json(), "public_key": ctx.public_key.hex()}))


def append(election_id: int, n: int, start: int, ballot: dict) -> None:
    _django()
    from mandate.union.electronic import record as rec
    from mandate.union.models import Election

    election = Election.objects.get(pk=election_id)
    t0 = time.perf_counter()
    for i in range(start, start + n):
        rec.append_event(election, "ballot", {"ballot": ballot, "tracking_code": f"{i:064x}"}, unit="unit-1")
    print(json.dumps({"seconds": time.perf_counter() - t0, "appends": n}))


def check_cost(ballot: dict, public_key: str, repeats: int = 200) -> float:
    """CPU seconds to check one ballot as the server does before the lock (parse, signature, proofs:
    mandate.crypto.ballot.check_ballot, which union/electronic/services.py calls)."""
    from mandate.crypto.ballot import ElectionContext, check_ballot, parse_ballot

    ctx = ElectionContext(bytes(32), bytes.fromhex(public_key), ("action_short_of_strike", "strike"))
    t0 = time.process_time()
    for _ in range(repeats):
        assert not check_ballot(ctx, parse_ballot(ballot))
    return (time.process_time() - t0) / repeats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("role", nargs="?", default="run", choices=["run", "setup", "append"])
    parser.add_argument("--appends", type=int, default=2000, help="appends in each run, shared by the processes")
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--election", type=int)
    parser.add_argument("--start", type=int, default=0)
    parser.add_argument("--ballot")
    args = parser.parse_args()
    if args.role == "setup":
        setup()
        return
    if args.role == "append":
        append(args.election, args.appends, args.start, json.loads(args.ballot))
        return
    load = os.getloadavg()
    rows = []
    with ThrowawayPostgres() as pg:
        env = {**os.environ, "DATABASE_URL": pg.create_database("mandate"),
               "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}
        subprocess.run([str(BIN / "mandate"), "manage", "migrate", "-v", "0"], env=env, cwd=ROOT, check=True)
        made = json.loads(subprocess.run([sys.executable, __file__, "setup"], env=env, cwd=ROOT, check=True,
                                         capture_output=True, text=True).stdout.strip().splitlines()[-1])
        start = 1
        for p in args.processes:
            each = args.appends // p
            t0 = time.perf_counter()
            procs = [subprocess.Popen([sys.executable, __file__, "append", "--election", str(made["election"]),
                                       "--appends", str(each), "--start", str(start + i * each), "--ballot",
                                       json.dumps(made["ballot"])], env=env, cwd=ROOT, stdout=subprocess.PIPE,
                                      text=True) for i in range(p)]
            outs = [json.loads(pr.communicate()[0].strip().splitlines()[-1]) for pr in procs]
            start += p * each
            busiest = max(o["seconds"] for o in outs)
            rows.append({"processes": p, "appends": p * each, "appends_per_s": round(p * each / busiest, 1),
                         "wall_s": round(time.perf_counter() - t0, 1)})
    cost = check_cost(made["ballot"], made["public_key"])
    print(f"load average before {load[0]:.1f}; checking one ballot: {cost * 1000:.2f} ms of CPU")
    print("| processes appending to one record | appends | appends/s |")
    print("|---:|---:|---:|")
    for r in rows:
        print(f"| {r['processes']} | {r['appends']:,} | {r['appends_per_s']:,.0f} |")


if __name__ == "__main__":
    main()
