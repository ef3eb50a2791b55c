"""`mandate audit` commands."""

from __future__ import annotations

import json

import typer
from rich.console import Console

from mandate.cli.django_setup import setup_django

app = typer.Typer(no_args_is_help=True)


@app.command("verify")
def verify(as_json: bool = typer.Option(False, "--json", help="Print the result as JSON.")) -> None:
    """Check the audit log's hash chain; name the first broken entry."""
    setup_django()
    from mandate.platform.audit import verify_chain

    result = verify_chain()
    if as_json:
        print(json.dumps(result.as_dict()))
    else:
        console = Console()
        if result.ok:
            console.print(f"[green]The audit log is intact[/green]: {result.entries} entries, head {result.head}")
        else:
            console.print(f"[red]The audit log is broken at entry {result.broken_seq}[/red]: {result.reason}")
    raise typer.Exit(0 if result.ok else 1)


@app.command("tail")
def tail(count: int = typer.Option(20, "--count", "-n", help="How many entries to show.")) -> None:
    """Show the most recent audit entries."""
    setup_django()
    from mandate.platform.models import AuditEntry

    for entry in AuditEntry.objects.order_by("-seq")[:count][::-1]:
        print(f"{entry.seq}\t{entry.at.isoformat()}\t{entry.actor}\t{entry.action}\t{entry.object_type}:{entry.object_id}")
