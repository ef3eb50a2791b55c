"""`mandate audit` commands."""

from __future__ import annotations

import json

import typer
from rich.console import Console

from mandate.cli.django_setup import setup_django

app = typer.Typer(no_args_is_help=True)


@app.command("verify")
def verify(as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
           sign: bool = typer.Option(True, "--checkpoint/--no-checkpoint",
                                     help="When the log is intact, sign a checkpoint of its head.")) -> None:
    """Check the audit log: its hash chain, its last entry against the recorded head, and the chain against
    every checkpoint signed with the key outside the database (MANDATE_AUDIT_KEY); name the first problem."""
    setup_django()
    from mandate.platform.audit import checkpoint, verify_chain

    result = verify_chain()
    if result.ok and sign and result.entries:
        checkpoint()
    if as_json:
        print(json.dumps(result.as_dict()))
    else:
        console = Console()
        if result.ok:
            console.print(f"[green]The audit log is intact[/green]: {result.entries} entries, head {result.head}, "
                          f"{result.checkpoints} signed checkpoints match")
        elif result.broken_seq is None:
            console.print(f"[red]The audit log cannot be trusted[/red]: {result.reason}")
        else:
            console.print(f"[red]The audit log is broken at entry {result.broken_seq}[/red]: {result.reason}")
    raise typer.Exit(0 if result.ok else 1)


@app.command("checkpoint")
def checkpoint_command() -> None:
    """Sign a checkpoint of the audit log's head with the key outside the database (run it from cron)."""
    setup_django()
    from mandate.platform.audit import checkpoint, key_path, public_key

    made = checkpoint()
    if made is None:
        print("The audit log is empty: nothing to sign.")
        return
    print(f"Signed a checkpoint of entry {made.seq} ({made.hash}) with the key in {key_path()} "
          f"(public key {public_key()}).")


@app.command("tail")
def tail(count: int = typer.Option(20, "--count", "-n", help="How many entries to show.")) -> None:
    """Show the most recent audit entries."""
    setup_django()
    from mandate.platform.models import AuditEntry

    for entry in AuditEntry.objects.order_by("-seq")[:count][::-1]:
        print(f"{entry.seq}\t{entry.at.isoformat()}\t{entry.actor}\t{entry.action}\t{entry.object_type}:{entry.object_id}")
