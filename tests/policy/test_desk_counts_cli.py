"""`mandate attendance desks --counts` (the calibrated forecast and its backtest), --json on every workspace
command, and tables not cut when the output is piped (issue 18)."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from mandate.cli import app

LONG = "a-site-code-long-enough-to-cut-a-table-at-eighty-columns"


@pytest.fixture
def counts(tmp_path: Path) -> Path:
    rng = np.random.default_rng(5)
    start = dt.date(2026, 1, 5)
    lines = ["site_code,date,people"]
    for w in range(30):
        for d in range(5):
            day = start + dt.timedelta(weeks=w, days=d)
            lines.append(f"newport,{day.isoformat()},{rng.binomial(1000, (0.5, 0.8, 0.8, 0.7, 0.4)[d])}")
            if d != 4:
                lines.append(f"{LONG},{day.isoformat()},{rng.binomial(40, 0.5)}")
    (tmp_path / "counts.csv").write_text("\n".join(lines) + "\n")
    (tmp_path / "sites.csv").write_text(f"site_code,name,nation\nnewport,Newport,england-and-wales\n"
                                        f"{LONG},Hub,england-and-wales\n")
    (tmp_path / "desks.csv").write_text(f"site_code,desks\nnewport,700\n{LONG},30\n")
    return tmp_path


def args(d: Path, *extra: str) -> list[str]:
    return ["attendance", "desks", "--counts", str(d / "counts.csv"), "--sites", str(d / "sites.csv"), *extra]


def test_forecast_json_names_every_site_and_weekday(counts: Path) -> None:
    res = CliRunner().invoke(app, [*args(counts, "--json"), "--desks", str(counts / "desks.csv")])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    days = {(d["site_code"], d["weekday"]): d for d in out["days"]}
    assert len(days) == 10 and out["service_level"] == 0.95
    tue = days["newport", "Tue"]
    assert tue["date"] == "2026-08-04" and tue["calibrated"] is True
    assert 800 < tue["desks_needed"] < 860 and tue["shortfall"] == tue["desks_needed"] - 700
    assert days[LONG, "Fri"]["desks_needed"] == 0  # nobody on Fridays
    assert 20 <= days[LONG, "Mon"]["desks_needed"] <= 30 and days[LONG, "Mon"]["spare"] >= 0


def test_backtest_json_and_table(counts: Path) -> None:
    res = CliRunner().invoke(app, args(counts, "--backtest", "--json"))
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert len(out["rows"]) == 10
    assert sum(r["exceeded"] for r in out["rows"]) == out["exceeded"]
    assert 0 <= out["rate"] <= 0.12
    table = CliRunner().invoke(app, args(counts, "--backtest"))
    assert table.exit_code == 0 and "All site days:" in table.stdout and "against 5% expected" in table.stdout


def test_refusals(counts: Path) -> None:
    res = CliRunner().invoke(app, [*args(counts), "--people", str(counts / "counts.csv")])
    assert res.exit_code == 2 and "not both" in res.stderr and res.stdout == ""
    (counts / "bad.csv").write_text("site_code,date,people\nnewport,2026-01-05,-3\n")
    res = CliRunner().invoke(app, ["attendance", "desks", "--counts", str(counts / "bad.csv")])
    assert res.exit_code == 2 and "bad.csv, line 2, field 'people'" in res.stderr
    (counts / "sites.csv").write_text("site_code,nation\nnewport,wales\n")
    res = CliRunner().invoke(app, args(counts))
    assert res.exit_code == 2 and "sites.csv, line 2, field 'nation'" in res.stderr
    res = CliRunner().invoke(app, ["attendance", "desks", "--backtest", "--people", "x.csv", "--desks", "y.csv"])
    assert res.exit_code == 2 and "--counts" in res.stderr


def test_piped_tables_are_not_cut(counts: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    out = subprocess.run([sys.executable, "-m", "mandate.cli", *args(counts), "--desks", str(counts / "desks.csv")],
                         capture_output=True, text=True, env=env, check=True).stdout
    rows = [line for line in out.splitlines() if LONG in line]
    assert len(rows) == 5 and all("…" not in line for line in rows)
    assert max(len(line) for line in out.splitlines()) > 80
    assert "not yet" not in out
