"""Each paper counted once, whatever runs at the same time: real threads and real processes, against the test
database (PostgreSQL when DATABASE_URL names it, else SQLite), several trials each. No mocks: the imports,
submits, closes and counts are the services and the `mandate ballot` commands themselves.

Run them on both databases:
    .venv/bin/python -m pytest tests/union/test_count_once.py -n 0
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mandate_union .venv/bin/python -m pytest tests/union/test_count_once.py -n 0
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, connections
from tests.union.helpers import lifecycle_ballot, returns_text

from mandate.union import ballots as svc
from mandate.union import services
from mandate.union.errors import BallotError
from mandate.union.models import Ballot, Mandate, ReturnedPaper, UnitResult

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]


def _together(work: list[Callable[[], Any]]) -> list[Any]:
    """Run each callable in its own thread, released at the same moment; each result or the exception."""
    barrier = threading.Barrier(len(work))
    out: list[Any] = [None] * len(work)

    def run(i: int) -> None:
        try:
            if connection.vendor == "sqlite":
                # The SQLite test database is in memory, one cache shared by the threads, where a reader
                # waits on a table another connection writes (a file database in WAL mode, as served, lets
                # readers read). Readers here read without those table locks; every step's own reads
                # happen after it holds the write lock, so they see only committed data.
                connection.cursor().execute("PRAGMA read_uncommitted = 1")
            barrier.wait()
            out[i] = work[i]()
        except Exception as error:  # noqa: BLE001 - the outcome is the test's to judge
            out[i] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(work))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    return out


def _files(b: Ballot, seed: int) -> tuple[list[tuple[Any, ...]], list[str]]:
    rng = random.Random(seed)
    numbers = sorted(b.electors.values_list("paper_number", flat=True))
    rows = [(n, b.opening_day + timedelta(days=rng.randrange(0, 9)), rng.choice(["yes", "no", "both", "blank"]),
             rng.choice(["yes", "no"])) for n in numbers[:20]]
    texts = []
    for i in range(4):
        shuffled = rows[:]
        rng.shuffle(shuffled)
        texts.append(returns_text(shuffled, newline="\r\n" if i % 2 else "\n"))
    return rows, texts


def _each_counted_once(b: Ballot, papers: set[int]) -> None:
    counted = Counter(ReturnedPaper.objects.filter(ballot=b, status="counted").values_list("paper_number", flat=True))
    assert set(counted) == papers and set(counted.values()) == {1}, counted
    for r in svc.turnout(b):
        assert r["returned"] <= r["entitled"] and r["share"] <= 1


@pytest.mark.parametrize("trial", range(3))
def test_concurrent_imports_and_double_submits_count_each_paper_once(union_org, trial):
    b = lifecycle_ballot(union_org, code=f"threads-{trial}", members=25, stage="open")
    rows, texts = _files(b, trial)
    n, day, s, a = rows[0]
    hand = {"strike": s, "action_short_of_strike": a}
    other = {"strike": "yes" if s != "yes" else "no", "action_short_of_strike": a}
    spare = max(b.electors.values_list("paper_number", flat=True))  # not in the files
    work: list[Callable[[], Any]] = [lambda t=t: services.import_returns(b, t) for t in texts]
    work += [lambda: services.record_return(b, n, hand, day)] * 2  # a double-clicked submit of a paper in the file
    work += [lambda: services.record_return(b, spare, hand, b.opening_day)] * 2  # one not in the file, twice
    work += [lambda: services.record_return(b, n, other, day)]  # another paper with the same number
    outcomes = _together(work)
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    summaries, hands = outcomes[:4], outcomes[4:]
    # one import recorded the file; the others, whenever they ran, changed nothing (or met the hand entry)
    assert sum(s["counted"] for s in summaries) + sum(h.status == "counted" for h in hands) == len(rows) + 1
    assert sorted(h.status for h in hands[2:4]) == ["counted", "unchanged"]
    _each_counted_once(b, {r[0] for r in rows} | {spare})
    assert ReturnedPaper.objects.filter(ballot=b, status="duplicate").count() == 1
    assert ReturnedPaper.objects.filter(ballot=b).count() == len(rows) + 2


@pytest.mark.parametrize("trial", range(2))
def test_two_scrutineers_closing_and_counting_at_once_count_once(union_org, make_user, trial):
    b = lifecycle_ballot(union_org, code=f"count-{trial}", members=25, stage="open")
    rows, texts = _files(b, 10 + trial)
    services.import_returns(b, texts[0])
    work: list[Callable[[], Any]] = [lambda: services.count(Ballot.objects.get(pk=b.pk)) for _ in range(3)]
    work += [lambda t=t: services.import_returns(Ballot.objects.get(pk=b.pk), t) for t in texts[1:3]]
    outcomes = _together(work)
    counts = outcomes[:3]
    assert sum(isinstance(o, dict) for o in counts) == 1, counts
    assert all(isinstance(o, BallotError) for o in counts if not isinstance(o, dict)), counts
    for o in outcomes[3:]:  # an import that ran before the close changed nothing; after it, it was refused
        assert (isinstance(o, dict) and o["counted"] == 0) or isinstance(o, BallotError), o
    b.refresh_from_db()
    assert b.stage == "counted"
    assert UnitResult.objects.filter(unit__ballot=b).count() == b.units.count() * b.questions.count()
    assert UnitResult.objects.filter(unit__ballot=b, question__kind="strike").get().voted == len(rows)
    assert Mandate.objects.filter(ballot=b).count() <= b.questions.count()
    _each_counted_once(b, {r[0] for r in rows})


def _process_env(tmp_path: Path) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}", "MANDATE_LOG_LEVEL": "WARNING"}
    if connection.vendor == "postgresql":
        s = connection.settings_dict
        env["DATABASE_URL"] = f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
    else:  # the test database is in memory: the processes share a SQLite file of their own, migrated first
        env.pop("DATABASE_URL", None)
        env["MANDATE_SQLITE"] = str(tmp_path / "count-once.sqlite3")
        _py(["-m", "tests.union.count_once_scenario", "migrate"], env)
    return env


def _py(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run([sys.executable, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_concurrent_import_processes_count_each_paper_once(union_org, tmp_path):
    env = _process_env(tmp_path)
    for trial in range(2):
        code = f"procs-{trial}"
        seeded = json.loads(_py(["-m", "tests.union.count_once_scenario", "seed", code, str(tmp_path)], env))
        cli = [sys.executable, "-m", "mandate.cli", "ballot"]
        procs = [subprocess.Popen([*cli, "import-returns", "pcs", code, str(tmp_path / f"returns-{i}.csv"), "--json"],
                                  env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for i in range(4)]
        results = [p.communicate(timeout=300) for p in procs]
        assert all(p.returncode == 0 for p in procs), [e[-1500:] for _, e in results]
        summaries = [json.loads(out) for out, _ in results]
        assert sorted(s["counted"] for s in summaries) == [0, 0, 0, len(seeded["papers"])], summaries
        assert sorted(s["unchanged"] for s in summaries) == [0, 30, 30, 30]
        state = json.loads(_py(["-m", "tests.union.count_once_scenario", "verify", code], env))
        assert sorted(state["counted"]) == sorted(seeded["papers"]) and state["rows"] == len(seeded["papers"])
        assert len(state["counted"]) <= seeded["electors"]
        # two scrutineers' commands closing and counting at once: one count
        closers = [subprocess.Popen([*cli, "close", "pcs", code, "--json"], env=env, cwd=ROOT,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
        for p in closers:
            p.communicate(timeout=300)
        assert sorted(p.returncode for p in closers) == [0, 1]
        state = json.loads(_py(["-m", "tests.union.count_once_scenario", "verify", code], env))
        assert state["stage"] == "counted"
        assert {kind: voted for _, kind, voted in state["results"]} == {
            "strike": len(seeded["papers"]), "action_short_of_strike": len(seeded["papers"])}
