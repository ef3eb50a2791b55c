"""`mandate attendance` commands: compute attendance under a policy from CSV or Parquet files."""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from pathlib import Path

import pyarrow.parquet as pq
import typer
from rich.console import Console
from rich.table import Table

from mandate.policy import Dataset, InputError, PolicyError, compare, compute, load_policy

app = typer.Typer(no_args_is_help=True)


def _human(d: dt.date) -> str:
    return f"{d.day} {d.strftime('%B %Y')}"


def _date(value: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        typer.echo(f"Error: {option} {value!r} is not a date (use YYYY-MM-DD, for example 2026-10-01)", err=True)
        raise typer.Exit(2) from None


def _fail(exc: Exception) -> None:
    typer.echo(f"Error: {exc}", err=True)
    raise typer.Exit(1)


def _write_parquet_atomically(table, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    os.close(fd)
    try:
        pq.write_table(table, tmp)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


PEOPLE = typer.Option(..., "--people", help="PEOPLE.csv (or .parquet): staff_id,home_site,team,working_days,"
                      "hours_per_day,start_date,end_date")
SITES = typer.Option(..., "--sites", help="SITES.csv (or .parquet): site_code,name,nation")
PRESENCE = typer.Option(..., "--presence", help="PRESENCE.csv (or .parquet): staff_id,site_code,timestamp,source"
                        "[,purpose]")
ABSENCES = typer.Option(..., "--absences", help="ABSENCES.csv (or .parquet): staff_id,date,kind")
ADJUSTMENTS = typer.Option(None, "--adjustments", help="Optional adjusted expectations: staff_id,from_date,"
                           "to_date,adjusted_percent,exempt")
FROM = typer.Option(..., "--from", help="First day, YYYY-MM-DD")
TO = typer.Option(..., "--to", help="Last day, YYYY-MM-DD")


@app.command("compute")
def compute_command(
    people: Path = PEOPLE,
    sites: Path = SITES,
    presence: Path = PRESENCE,
    absences: Path = ABSENCES,
    policy: Path = typer.Option(..., "--policy", help="POLICY.toml"),
    from_: str = FROM,
    to: str = TO,
    adjustments: Path | None = ADJUSTMENTS,
    as_json: bool = typer.Option(False, "--json", help="Print the figures as JSON."),
    out: Path | None = typer.Option(None, "--out", help="Write one row per person and period to FILE.parquet."),
) -> None:
    """Compute each person's attendance, and the team, site and organisation figures, under a policy."""
    if as_json and out is not None:
        typer.echo("Error: give --json or --out, not both", err=True)
        raise typer.Exit(2)
    start, end = _date(from_, "--from"), _date(to, "--to")
    try:
        pol = load_policy(policy)
        data = Dataset.from_files(people=people, sites=sites, presence=presence, absences=absences,
                                  adjustments=adjustments)
        result = compute(data, pol, start, end)
    except (InputError, PolicyError, ValueError) as exc:
        _fail(exc)
        return
    if out is not None:
        _write_parquet_atomically(result.people, out)
        typer.echo(f"Wrote {result.people.num_rows} rows to {out}")
        return
    if as_json:
        typer.echo(json.dumps(result.to_json_dict(), ensure_ascii=False))
        return
    console = Console()
    unit = result.unit
    table = Table(title=f"{pol.name}: {_human(start)} to {_human(end)}")
    rows = result.people.to_pylist()
    many = len({(r["period_start"], r["period_end"]) for r in rows}) > 1
    for col in ("Staff", *(("Period",) if many else ()), f"Required {unit}", "Attended", "Excluded", "Credited",
                "Percent", "Target met"):
        table.add_column(col)
    for r in rows:
        key = "hours" if unit == "hours" else "days"
        pct = "–" if r["percent"] is None else f"{r['percent']:.1f}%"
        met = {True: "yes", False: "no", None: "–"}[r["target_met"]]
        period = (f"{_human(r['period_start'])} to {_human(r['period_end'])}",) if many else ()
        table.add_row(r["staff_id"], *period,
                      f"{r['required_' + key]:g}", f"{r['attended_' + key]:g}", f"{r['excluded_' + key]:g}",
                      f"{r['credited_' + key]:g}", pct, met)
    console.print(table)
    org = result.organisation
    pct = "–" if org["percent"] is None else f"{org['percent']:.1f}%"
    console.print(f"Organisation: {pct} against a target of {org['target_percent']:g}% "
                  f"({'met' if org['target_met'] else 'not met'}); {org['people']} people.")


@app.command("compare")
def compare_command(
    people: Path = PEOPLE,
    sites: Path = SITES,
    presence: Path = PRESENCE,
    absences: Path = ABSENCES,
    policy: Path = typer.Option(..., "--policy", help="The first POLICY.toml"),
    policy_b: Path = typer.Option(..., "--policy-b", help="The second POLICY.toml"),
    from_: str = FROM,
    to: str = TO,
    adjustments: Path | None = ADJUSTMENTS,
) -> None:
    """Compute two policies side by side over the same data; prints JSON."""
    start, end = _date(from_, "--from"), _date(to, "--to")
    try:
        pa_, pb_ = load_policy(policy), load_policy(policy_b)
        data = Dataset.from_files(people=people, sites=sites, presence=presence, absences=absences,
                                  adjustments=adjustments)
        result = compare(data, pa_, pb_, start, end)
    except (InputError, PolicyError, ValueError) as exc:
        _fail(exc)
        return
    typer.echo(json.dumps(result.to_json_dict(), ensure_ascii=False))
