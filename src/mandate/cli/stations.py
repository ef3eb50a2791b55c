"""`mandate ballot station` commands: workplace voting from the command line (the agreement, stations, the
marked register, sealing and counting the boxes). Thin: every step is a service of union/workplace_voting.py."""

from __future__ import annotations

from pathlib import Path

import typer

from mandate.cli.ballot import ACTOR, JSON, _ballot, _d, _date, _emit, _read, _setup, _step, console

app = typer.Typer(no_args_is_help=True)


@app.command("agree")
def agree_cmd(union: str, ballot: str,
              union_by: str = typer.Option(..., help="Who agreed for the union."),
              union_on: str = typer.Option(..., help="When (ISO date)."),
              scrutineer_by: str = typer.Option(..., help="Who agreed as scrutineer."),
              scrutineer_on: str = typer.Option(..., help="When (ISO date)."),
              employer_by: str = typer.Option(..., help="Who agreed for the employer (name and post)."),
              employer_on: str = typer.Option(..., help="When (ISO date)."),
              reference: str = typer.Option("", help="The agreement's reference."),
              as_json: bool = JSON, actor: str = ACTOR) -> None:
    """Record the prior agreement of union, scrutineer and employer to workplace voting."""
    _setup()
    from mandate.union import workplace_voting as wv

    b = _ballot(union, ballot)
    days = {k: _date(v, f"--{k.replace('_', '-')}", as_json) for k, v in
            (("union_on", union_on), ("scrutineer_on", scrutineer_on), ("employer_on", employer_on))}
    agreement = _step(lambda: wv.record_agreement(
        b, union_agreed_by=union_by, union_agreed_on=days["union_on"], scrutineer_agreed_by=scrutineer_by,
        scrutineer_agreed_on=days["scrutineer_on"], employer_agreed_by=employer_by,
        employer_agreed_on=days["employer_on"], reference=reference, actor=actor), as_json)
    _emit({"ballot": b.code, "employer_agreed_by": agreement.employer_agreed_by,
           "employer_agreed_on": agreement.employer_agreed_on}, as_json,
          lambda: console.print(f"Workplace voting agreed for {b.code}: recorded."))


@app.command("add")
def add_cmd(union: str, ballot: str, code: str = typer.Option(..., help="The station's short code."),
            unit: str = typer.Option(..., help="The ballot unit's name, as `mandate ballot status` shows it."),
            name: str = typer.Option(..., help="The station's name."),
            place: str = typer.Option(..., help="Where the box stands."),
            papers: int = typer.Option(..., help="Papers in the station's stock."),
            as_json: bool = JSON, actor: str = ACTOR) -> None:
    """Set up a ballot station with its own numbered stock of papers."""
    _setup()
    from mandate.union import workplace_voting as wv

    b = _ballot(union, ballot)
    st = _step(lambda: wv.add_station(b, unit=unit, code=code, name=name, place=place, papers=papers,
                                      actor=actor), as_json)
    _emit({"station": st.code, "unit": st.unit.name, "first_number": st.first_number,
           "last_number": st.last_number}, as_json,
          lambda: console.print(f"{st.name}: papers {st.first_number:,} to {st.last_number:,}."))


@app.command("issue")
def issue_cmd(union: str, ballot: str, station: str, membership_number: str,
              on: str = typer.Option(None, help="The day (ISO date), default today."),
              as_json: bool = JSON, actor: str = ACTOR) -> None:
    """Mark a member on the register at a station (they take one paper). The scrutineer's step."""
    _setup()
    from mandate.union import workplace_voting as wv

    b = _ballot(union, ballot)
    done = _step(lambda: wv.issue_paper(b, station, membership_number, actor=actor, today=_d(on, "--on")), as_json)
    _emit({"station": done.station, "membership_number": done.membership_number, "issued_on": done.issued_on,
           "unchanged": done.unchanged}, as_json,
          lambda: console.print("Already marked here today: no second paper." if done.unchanged else
                                "Marked on the register: hand over one paper."))


@app.command("seal")
def seal_cmd(union: str, ballot: str, station: str, seal: str = typer.Option(..., help="The seal's number."),
             as_json: bool = JSON, actor: str = ACTOR) -> None:
    """Seal a station's box with its seal number."""
    _setup()
    from mandate.union import workplace_voting as wv

    b = _ballot(union, ballot)
    st = _step(lambda: wv.seal_box(b, station, seal, actor=actor), as_json)
    _emit({"station": st.code, "seal_number": st.seal_number}, as_json,
          lambda: console.print(f"The box at {st.name} is sealed ({st.seal_number})."))


@app.command("count")
def count_cmd(union: str, ballot: str, station: str, csv_file: Path, as_json: bool = JSON,
              actor: str = ACTOR) -> None:
    """Record a sealed box's papers after the close (paper_number, then one column per question)."""
    _setup()
    from mandate.union import workplace_voting as wv

    b = _ballot(union, ballot)
    text = _read(csv_file, as_json)
    summary = _step(lambda: wv.count_box(b, station, text, name=csv_file.name, actor=actor), as_json)
    _emit(summary, as_json, lambda: console.print(
        f"Box {summary['station']}: {summary['counted']} to count, {summary['duplicates']} set aside, "
        f"{summary['unchanged']} already recorded (unchanged)."))


@app.command("list")
def list_cmd(union: str, ballot: str, as_json: bool = JSON) -> None:
    """The ballot's stations: stock, papers issued, box sealed, papers counted (never who voted)."""
    _setup()
    from rich.table import Table

    from mandate.union import workplace_voting as wv

    b = _ballot(union, ballot)
    rows = [{"station": r["station"].code, "name": r["station"].name, "unit": r["station"].unit.name,
             "first_number": r["station"].first_number, "last_number": r["station"].last_number,
             "issued": r["issued"], "left": r["left"], "seal_number": r["station"].seal_number,
             "counted": r["counted"]} for r in wv.stations(b)]

    def render() -> None:
        table = Table("Station", "Unit", "Papers", "Issued", "Left", "Seal", "Counted")
        for r in rows:
            table.add_row(f"{r['name']} ({r['station']})", r["unit"], f"{r['first_number']}–{r['last_number']}",
                          str(r["issued"]), str(r["left"]), r["seal_number"] or "open", str(r["counted"]))
        console.print(table)

    _emit(rows, as_json, render)
