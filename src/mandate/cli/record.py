"""`mandate record` commands: simulate an election, verify a record."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

if TYPE_CHECKING:
    from mandate.crypto.verifier.report import Report

app = typer.Typer(no_args_is_help=True)


def _progress(console: Console, label: str) -> Progress:
    return Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                    console=console, transient=True, disable=not console.is_terminal)


@app.command()
def simulate(
    voters: int = typer.Option(..., help="Number of voters."),
    units: int = typer.Option(1, help="Number of ballot units (separate workplace ballots)."),
    questions: str = typer.Option("strike,action_short_of_strike", help="Comma-separated question ids."),
    trustees: int = typer.Option(5, help="Number of trustees."),
    threshold: int = typer.Option(3, help="Trustees needed to decrypt."),
    revote_share: float = typer.Option(0.05, help="Share of voters who vote twice (the last ballot counts)."),
    challenge_share: float = typer.Option(0.01, help="Share of voters who challenge a ballot (Benaloh)."),
    seed: int = typer.Option(1, help="Seed for the true votes only (never for cryptographic nonces)."),
    out: Path = typer.Option(..., help="Where to write the record (JSON Lines)."),
    workers: int = typer.Option(0, help="Worker processes (0: all cores)."),
    postal_share: float = typer.Option(0.0, help="Hybrid ballot: share of members who vote by post only "
                                       "(0: no postal votes)."),
    double_vote_share: float = typer.Option(0.01, help="Hybrid ballot: share of online voters who also vote by "
                                            "post."),
    double_vote_rule: str = typer.Option("postal", help="Hybrid ballot: which vote of a member who voted both "
                                         "ways stands: postal or online."),
) -> None:
    """Run a whole election and write its record, plus the true totals beside it as RECORD.truth.json."""
    from mandate.crypto.simulate import SettingsError, check_settings
    from mandate.crypto.simulate import simulate as run

    console = Console(stderr=True)
    qs = [q.strip() for q in questions.split(",") if q.strip()]
    try:
        check_settings(voters=voters, units=units, questions=qs, trustees=trustees, threshold=threshold,
                       revote_share=revote_share, challenge_share=challenge_share, out=out, workers=workers,
                       postal_share=postal_share, double_vote_share=double_vote_share,
                       double_vote_rule=double_vote_rule)
    except SettingsError as exc:
        typer.echo(f"Error: {exc.option} {exc.message}.", err=True)
        raise typer.Exit(2) from None
    with _progress(console, "Casting ballots") as bar:
        task = bar.add_task("ballots", total=None)
        summary = run(voters=voters, units=units, questions=qs, trustees=trustees, threshold=threshold,
                      revote_share=revote_share, challenge_share=challenge_share, seed=seed, out=out,
                      workers=workers or None, postal_share=postal_share, double_vote_share=double_vote_share,
                      double_vote_rule=double_vote_rule,
                      progress=lambda done, total: bar.update(task, completed=done, total=total))
    typer.echo(json.dumps(summary, indent=2))
    if not summary["decrypted_matches_truth"]:
        raise typer.Exit(1)


@app.command()
def verify(
    record: Path = typer.Argument(..., help="The record to verify (JSON Lines)."),
    since: str = typer.Option(None, "--since", metavar="HEAD_HASH",
                              help="An earlier head hash that this (newer) record must extend."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
    workers: int = typer.Option(0, help="Worker processes for ballot checks (0: all cores)."),
) -> None:
    """Check every step of an election record; exit 0 only if every check passes."""
    from mandate.crypto.verifier import verify_record

    console = Console()
    err = Console(stderr=True)
    if not record.is_file():
        # the report below still records check 1 as failed; this line says why in plain words
        what = "is a folder, not a record" if record.is_dir() else "does not exist"
        typer.echo(f"Error: {record} {what}.", err=True)
    with _progress(err, "Verifying ballots") as bar:
        task = bar.add_task("ballots", total=None)
        rep = verify_record(record, workers=workers or os.cpu_count(), since=since,
                            progress=lambda done, total: bar.update(task, completed=done, total=total))
    if as_json:
        typer.echo(json.dumps(rep.to_json(), indent=2))
    else:
        table = Table(title=f"Verification of {record}", show_lines=False)
        table.add_column("No.", justify="right")
        table.add_column("Check")
        table.add_column("Result")
        table.add_column("Details")
        style = {"pass": "[green]pass[/]", "fail": "[bold red]FAIL[/]", "skip": "[yellow]skipped[/]",
                 "error": "[bold red]not completed[/]"}
        for c in rep.checks.values():
            table.add_row(str(c.number), c.name, style[c.status], "\n".join(c.details[:5]))
        console.print(table)
        rate = rep.ballots / rep.seconds if rep.seconds else 0.0
        console.print(f"{rep.events:,} events, {rep.ballots:,} ballots in {rep.seconds:.1f} s "
                      f"({rate:,.0f} ballots/s; ballot arithmetic: {rep.arithmetic}). Head hash: {rep.head}")
        for line in verified_lines(rep):
            console.print(line, soft_wrap=True, highlight=False, markup=False)
        if rep.error is not None:
            console.print("[bold red]The verifier stopped on an unexpected error (a fault in the verifier, not a "
                          "check of the record):[/] " + escape(rep.error))
        elif rep.ok:
            console.print("[bold green]Every check passed.[/]")
        else:
            console.print("[bold red]Failed: " + ", ".join(f"{n} {name}" for n, name in rep.failed()) + "[/]")
    raise typer.Exit(0 if rep.ok else 1)


def verified_lines(rep: Report) -> list[str]:
    """What the verifier proved, as plain lines (one per unit and question); or why the figures are not
    verified."""
    v = rep.verified
    if v is None:
        if rep.error is not None:
            why = "the verifier stopped on an unexpected error"
        elif not rep.ok:
            why = "a check failed (" + ", ".join(f"{n} {name}" for n, name in rep.failed()) + ")"
        else:
            why = "the record is not complete (it has not reached its result)"
        return [f"The figures are not verified: {why}."]
    b = v.ballots
    out = [f"Verified: {v.title} (election {v.election_id})",
           f"Election fingerprint: {v.fingerprint}",
           f"Ballots: {b.cast:,} cast, {b.counted:,} counted, {b.replaced:,} replaced by the same voter's later "
           f"ballot, {b.set_aside:,} set aside, {b.challenged:,} challenged"]
    if v.double_vote_rule is not None:
        stands = "postal" if v.double_vote_rule == "postal_vote_stands" else "online"
        out.append(f"Hybrid ballot (online and postal votes): where a member voted both ways, the {stands} vote "
                   f"stands ({v.double_vote_rule})")
    for u in v.units:
        papers = ""
        if u.postal_papers is not None:
            papers = f", {u.postal_papers:,} postal papers counted, {u.postal_papers_set_aside:,} set aside"
        out.append(f"Unit {u.unit} ({u.name}): {u.ballots_counted:,} online ballots counted{papers}")
        for q in u.questions:
            line = f"  {u.unit}, {q.question}: "
            if q.postal is not None and q.combined is not None:
                line += (f"online Yes {q.online.yes:,}, No {q.online.no:,}; postal Yes {q.postal.yes:,}, "
                         f"No {q.postal.no:,}, spoilt {q.postal.spoilt:,}; combined Yes {q.combined.yes:,}, "
                         f"No {q.combined.no:,}, spoilt {q.combined.spoilt:,}")
            else:
                line += f"Yes {q.online.yes:,}, No {q.online.no:,}"
            out.append(line)
    return out
