"""`mandate law` commands: the statutory rulebook from the command line.

    mandate law assess FILE [--json] [--detail]      FILE is the issue-3 JSON, or - for standard input
    mandate law timeline --opening DATE --closing DATE [--entitled N] [--action DATE ...] [--json]
    mandate law voting-paper --opening DATE [--json]
    mandate law parameters [--json]

Bad input (malformed JSON, a missing field, a bad date) and inconsistent figures print one line on
standard error naming the field (or unit, question and figures) and exit with status 2.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from mandate.law import (
    Assessment,
    InconsistentFigures,
    Timeline,
    assess,
    default_parameters,
    facts_from_dict,
    human_date,
    regime_for,
    timeline,
    voting_paper_requirements,
)
from mandate.law.io import parse_date
from mandate.law.model import QUESTION_WORDS

app = typer.Typer(no_args_is_help=True, help="The statutory rulebook: assess a ballot result, plan a timeline.")

BAD_INPUT = 2


def _fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(BAD_INPUT)


def _yn(value: bool | None) -> str:
    return "n/a" if value is None else ("yes" if value else "no")


def _console() -> Console:
    return Console(highlight=False, soft_wrap=False)


def _print_notes(console: Console, citations: list[Any], warnings: list[Any]) -> None:
    if warnings:
        console.print("\n[bold]Warnings[/bold]")
        for w in warnings:
            console.print(f"  ! {w.message}")
    console.print("\n[bold]Sections relied on[/bold]")
    for c in citations:
        console.print(f"  - {c.section}: {c.url}")


def _render_assessment(a: Assessment) -> None:
    console = _console()
    regime = regime_for("opening_day", a.opened)
    console.print(f"[bold]Ballot assessment[/bold]: {regime.id} ({regime.name})")
    console.print(f"Opened {human_date(a.opened)}; date of the ballot (closing day) {human_date(a.closed)}.")
    units = Table(title="Turnout per ballot unit")
    for col in ("Unit", "Entitled", "Votes cast", "Turnout", "50% met"):
        units.add_column(col, justify="left" if col == "Unit" else "right")
    for u in a.units:
        units.add_row(u.name, str(u.entitled), str(u.votes_cast), f"{u.turnout:.2%}", _yn(u.turnout_threshold_met))
    console.print(units)
    qs = Table(title="Per question")
    for col in ("Unit", "Question", "Yes", "No", "Spoilt", "Majority", "40% (IPS)", "Supported"):
        qs.add_column(col, justify="left" if col in ("Unit", "Question") else "right")
    for u in a.units:
        for q, r in u.questions.items():
            qs.add_row(u.name, QUESTION_WORDS[q], str(r.yes), str(r.no), str(r.spoilt), _yn(r.majority),
                       _yn(r.ips_40_percent_met), "[bold]" + _yn(r.supported) + "[/bold]")
    console.print(qs)
    review = " - [bold]check this date: month-end or 29 February[/bold]" if a.mandate.review else ""
    console.print(f"Mandate: action may take place up to and including [bold]{human_date(a.mandate.last_day)}"
                  f"[/bold] ({a.mandate.months} months beginning with the date of the ballot, "
                  f"{a.mandate.citation.section}){review}.")
    for u in a.units:
        console.print(f"\n[bold]Statement of the result for {u.name}[/bold] (s.231 to members, s.231A to employers)")
        for item in u.result_information:
            value = item.value
            if isinstance(value, dict):
                value = "; ".join(f"{QUESTION_WORDS[k]}: {_yn(v) if isinstance(v, bool) or v is None else v}"
                                  for k, v in value.items())
            elif isinstance(value, bool) or value is None:
                value = _yn(value)
            console.print(f"  ({item.id}) {item.text}: {value}")
    _print_notes(console, list(a.citations), list(a.warnings))


def _render_timeline(t: Timeline) -> None:
    console = _console()
    console.print(f"[bold]Ballot timeline[/bold]: {t.regime} for the ballot (by its opening day)")
    table = Table()
    table.add_column("Date")
    table.add_column("What")
    table.add_column("Section")
    for e in t.events:
        table.add_row(human_date(e.day), e.what, e.section)
    console.print(table)
    if t.scrutineer_required is not None:
        console.print(f"Scrutineer: {'needed' if t.scrutineer_required else 'not needed'} "
                      f"({t.entitled} entitled to vote, all units together).")
    for d in t.action_days:
        status = "within the mandate" if d.ok else ("before the ballot closed" if not d.after_ballot
                                                   else "AFTER the mandate ends")
        console.print(f"Action on {human_date(d.day)}: {status}; notice of action received by "
                      f"{human_date(d.notice_latest_receipt)} ({d.notice_regime}).")
    if t.mandate_review:
        console.print("[bold]Check the last day of the mandate: month-end or 29 February.[/bold]")
    _print_notes(console, list(t.citations), list(t.warnings))


def _read_input(file: str) -> Any:
    if file == "-":
        text = sys.stdin.read()
        name = "standard input"
    else:
        path = Path(file)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            _fail(f"cannot read {file}: {exc.strerror or exc}")
        name = file
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        _fail(f"{name} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}")


@app.command("assess")
def assess_command(
    file: str = typer.Argument(..., help="Ballot result as JSON (see docs/law.md), or - for standard input."),
    as_json: bool = typer.Option(False, "--json", help="Print the JSON answer instead of the report."),
    detail: bool = typer.Option(False, "--detail", help="With --json: add figures and the s.231 statement."),
) -> None:
    """Assess a ballot result per unit and per question, by the law in force on its opening day."""
    data = _read_input(file)
    try:
        facts = facts_from_dict(data)
        answer = assess(facts)
    except InconsistentFigures as exc:
        _fail(str(exc))
    except ValueError as exc:
        _fail(str(exc))
    if as_json:
        typer.echo(json.dumps(answer.as_dict(detail=detail), indent=2, ensure_ascii=False))
    else:
        _render_assessment(answer)


def _date_option(value: str | None, name: str) -> date | None:
    if value is None:
        return None
    try:
        return parse_date(value, name)
    except ValueError as exc:
        _fail(str(exc))


@app.command("timeline")
def timeline_command(
    opening: str = typer.Option(..., "--opening", help="Opening day (first voting paper sent), YYYY-MM-DD."),
    closing: str = typer.Option(..., "--closing", help="Closing day: the date of the ballot, YYYY-MM-DD."),
    entitled: int | None = typer.Option(None, "--entitled", help="Number entitled to vote, all units together."),
    action: list[str] | None = typer.Option(None, "--action", help="A planned action day (repeat for more)."),
    agreed_7_days: bool = typer.Option(False, "--agreed-7-days",
                                       help="Employer agreed to 7 days' notice of action (pre-ERA notices only)."),
    s231a_done: str | None = typer.Option(None, "--s231a-done",
                                          help="Day the employer was told the result (s.231A), YYYY-MM-DD."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of the report."),
) -> None:
    """Every statutory date for a ballot: notices, scrutineer, mandate, notice of action, action days."""
    o = _date_option(opening, "--opening")
    c = _date_option(closing, "--closing")
    assert o is not None and c is not None
    days = [d for i, a in enumerate(action or []) if (d := _date_option(a, f"--action[{i + 1}]")) is not None]
    if entitled is not None and entitled < 0:
        _fail("--entitled: cannot be negative")
    try:
        t = timeline(o, c, entitled=entitled, action_days=days, notice_agreed_7_days=agreed_7_days,
                     s231a_done=_date_option(s231a_done, "--s231a-done"))
    except ValueError as exc:
        _fail(str(exc))
    if as_json:
        typer.echo(json.dumps(t.as_dict(), indent=2, ensure_ascii=False))
    else:
        _render_timeline(t)


@app.command("voting-paper")
def voting_paper_command(
    opening: str = typer.Option(..., "--opening", help="Opening day of the ballot, YYYY-MM-DD."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of the report."),
) -> None:
    """What the voting paper must carry, and the exact s.229(4) statement, for a ballot opening on a date."""
    o = _date_option(opening, "--opening")
    assert o is not None
    try:
        r = voting_paper_requirements(o)
    except ValueError as exc:
        _fail(str(exc))
    if as_json:
        typer.echo(json.dumps(r.as_dict(), indent=2, ensure_ascii=False))
        return
    console = _console()
    console.print(f"[bold]Voting paper[/bold] for a ballot opening on {human_date(o)} ({r.regime})")
    for item in r.items:
        console.print(f"  - {item.text} ({item.section})")
    console.print(f"\nStatement (s.229(4)), word for word:\n  \"{r.statement}\"")
    console.print(f"\nPermissible means of voting: {', '.join(r.timing['permissible_means_of_voting'])}")
    _print_notes(console, list(r.citations), list(r.warnings))


@app.command("parameters")
def parameters_command(
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """List every dated legislation parameter: its values, dates, trigger and section."""
    p = default_parameters()
    values = [(name, param, v) for name, param in sorted(p.parameters.items()) for v in param.values]
    if as_json:
        rows = [{
            "parameter": name, "trigger": param.trigger,
            "from": v.start.isoformat() if v.start else None, "to": v.end.isoformat() if v.end else None,
            "declared_from": v.declared_from, "declared_to": v.declared_to,
            "value": None if v.repealed else v.value, "repealed": v.repealed,
            "section": v.citation.section, "url": v.citation.url, "uncertain": v.uncertain,
        } for name, param, v in values]
        typer.echo(json.dumps(rows, indent=2, ensure_ascii=False, default=str))
        return
    table = Table(title="Legislation parameters")
    table.add_column("Parameter", no_wrap=True)
    for col in ("Trigger", "From", "To", "Value", "Section", "Uncertain"):
        table.add_column(col)
    for name, param, v in values:
        value = "repealed" if v.repealed else v.value
        if isinstance(value, list):
            value = f"{len(value)} items" if value and isinstance(value[0], dict) else ", ".join(map(str, value))
        text = str(value)
        table.add_row(name, param.trigger,
                      human_date(v.start) if v.start else f"when {v.declared_from} commences",
                      human_date(v.end) if v.end else (f"until {v.declared_to} commences" if v.declared_to else ""),
                      text if len(text) <= 60 else text[:57] + "...", v.citation.section, v.uncertain or "")
    _console().print(table)
