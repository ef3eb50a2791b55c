"""Several processes appending to one election's record at once (PostgreSQL, real processes): every event is
appended once, numbered 0, 1, 2, ... with no gap, each naming the one before: the chain never forks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from tests.union.helpers import lifecycle_ballot

from mandate.crypto.ceremony import read_record
from mandate.union.electronic import record as rec
from mandate.union.electronic.models import Election, RecordEvent

ROOT = Path(__file__).resolve().parents[3]
PROCESSES, EACH = 4, 15


@pytest.mark.django_db(transaction=True)
def test_processes_appending_at_once_make_one_chain(union_org, tmp_path: Path) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("real processes share the database on PostgreSQL; SQLite's test database is in memory")
    b = lifecycle_ballot(union_org, members=2)
    e = Election.objects.create(ballot=b, election_id="pcs/life", trustees=1, threshold=1,
                                credential_authority="00" * 32)
    rec.append_event(e, "election", {"title": "Concurrency"})
    s = connection.settings_dict
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}", "MANDATE_LOG_LEVEL": "WARNING",
           "DATABASE_URL": f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"}
    procs = [subprocess.Popen([sys.executable, "-m", "tests.union.electronic.append_worker", str(e.pk), str(i),
                               str(EACH)], env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for i in range(PROCESSES)]
    outs = [p.communicate(timeout=600) for p in procs]
    assert all(p.returncode == 0 for p in procs), [err[-1500:] for _, err in outs]
    events = list(RecordEvent.objects.filter(election=e).order_by("seq"))
    assert [ev.seq for ev in events] == list(range(1 + PROCESSES * EACH))
    assert all(events[n].parent == events[n - 1].hash for n in range(1, len(events)))
    got = sorted((rec.payload_of(ev)["process"], rec.payload_of(ev)["n"]) for ev in events[1:])
    assert got == sorted((i, n) for i in range(PROCESSES) for n in range(EACH))
    e.refresh_from_db()
    assert e.length == len(events) and e.head == events[-1].hash
    path = tmp_path / "record.jsonl"
    path.write_text(rec.record_text(e), encoding="ascii")
    assert len(read_record(path)) == len(events)  # the engine's reader checks the whole chain
