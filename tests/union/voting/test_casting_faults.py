"""The casting load-and-fault benchmark, small (bench/casting_faults.py): members cast ballots made in advance by
the `mandate vote` client's code against the production server, while a server worker is killed (-9),
PostgreSQL is restarted and the whole server is killed; afterwards every ballot whose receipt the client got is
in the record exactly once, none is in twice, the refusals during the faults were 503s (try again), never 500s,
and the verifier passes on the record. It runs its own throwaway PostgreSQL, so it runs once, in the suite's
PostgreSQL pass."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]

pytestmark = pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"),
                                reason="runs in the PostgreSQL pass (it starts a PostgreSQL server of its own)")


def test_every_acknowledged_ballot_is_in_the_record_once_through_the_faults(tmp_path):
    out = tmp_path / "result.json"
    work = tmp_path / "run"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    env.pop("DATABASE_URL")
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "casting_faults.py"), "--members", "30",
                           "--users", "3", "--seconds", "8", "--workers", "2", "--prepare-threads", "2",
                           "--dir", str(work), "--json", str(out)], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(out.read_text())
    checks = result["checks"]
    assert len(result["faults"]) == 3, result["faults"]
    assert result["prepared"] == 30
    assert checks["acknowledged"] == 30  # every member's ballot got through, some sent again after a fault
    assert checks["missing_from_record"] == 0
    assert checks["in_record_twice"] == 0 and checks["credentials_twice"] == 0
    assert checks["ballot_events"] == 30
    assert checks["verify_ok"] is True, checks["verify_failed"]
    failures = list(csv.DictReader((work / "cast_failures.csv").open(encoding="utf-8")))
    assert not [f for f in failures if "(500)" in f["Error"]], failures
