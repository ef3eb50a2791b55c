"""The benchmark's peers (bench/attendance_peers.py: Polars and one hand-written DuckDB query) give the engine's
figures, per person and month and per team and month, on the benchmark's own synthetic data (a small organisation
over a year, with part-timers, joiners, leavers, absences, bank holidays of two nations and swipes at other
sites). Without this, a ratio against a peer would compare different computations."""

from __future__ import annotations

import datetime as dt
import math
import sys
from pathlib import Path

import pytest

from mandate.policy import Dataset, compute, examples, loads_policy

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))
import attendance_data  # noqa: E402
import attendance_peers as peers  # noqa: E402

START, END = dt.date(2025, 1, 1), dt.date(2025, 12, 31)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("peers")
    attendance_data.generate(120, 2025, d, seed=7)
    return d


def _policy(target_of: str):
    text = examples.text("ons-individual-40.toml")
    return loads_policy(text.replace('target_of = "person"', f'target_of = "{target_of}"'))


def _rows(table, keys: tuple[str, ...], cols: tuple[str, ...]) -> dict[tuple, tuple]:
    out = {}
    for r in table.to_pylist():
        out[tuple(r[k] for k in keys)] = tuple(r[c] for c in cols)
    return out


def _same(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for k, x in a.items():
        y = b[k]
        for u, v in zip(x, y, strict=True):
            if isinstance(u, float) or isinstance(v, float):
                assert (u is None and v is None) or math.isclose(u, v, abs_tol=1e-9), (k, x, y)
            else:
                assert u == v, (k, x, y)


_ENGINE: dict[str, object] = {}


def _engine(data_dir: Path, target_of: str):
    if target_of not in _ENGINE:  # one engine run per policy, shared by both peers' tests
        _ENGINE[target_of] = compute(Dataset.from_files(**{k: data_dir / f"{k}.parquet" for k in
                                                           ("people", "sites", "presence", "absences")}),
                                     _policy(target_of), START, END)
    return _ENGINE[target_of]


@pytest.mark.parametrize("target_of", ["person", "team"])
@pytest.mark.parametrize("peer", ["duckdb", "polars"])
def test_peer_gives_the_engines_figures(data_dir: Path, target_of: str, peer: str) -> None:
    if peer == "polars":
        pytest.importorskip("polars")
    policy = _policy(target_of)
    result = _engine(data_dir, target_of)
    rules = peers.Rules.of(policy)
    people, teams = (peers.compute_polars if peer == "polars" else peers.compute_duckdb)(str(data_dir), START, END,
                                                                                         rules)
    if peer == "polars":
        people, teams = people.to_arrow(), None if teams is None else teams.to_arrow()
    pkeys, pcols = ("staff_id", "period_start"), peers.PERSON_COLS[2:]
    engine_people = _rows(result.people, pkeys, pcols)
    assert len(engine_people) > 1000  # 120 people over 12 months, less joiners and leavers
    assert {r[-1] for r in engine_people.values()} == ({True, False} if target_of == "person" else {None})
    _same(engine_people, _rows(people, pkeys, pcols))
    if target_of == "team":
        tkeys, tcols = ("team", "period_start"), peers.TEAM_COLS[2:]
        engine_teams = _rows(result.teams, tkeys, tcols)
        assert len(engine_teams) == 10 * 12 and {r[-1] for r in engine_teams.values()} == {True, False}
        _same(engine_teams, _rows(teams, tkeys, tcols))
    else:
        assert teams is None


def test_peers_refuse_what_they_do_not_compute() -> None:
    with pytest.raises(ValueError, match="monthly person or team"):
        peers.Rules.of(loads_policy(examples.text("team-40-rolling-12-weeks.toml")))
