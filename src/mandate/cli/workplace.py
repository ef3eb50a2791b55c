"""`mandate workplace`: load an organisation and its ledger from files, and read its figures, from the command
line. The same service functions as the web pages (`organisation_import`, `importers`, `figures`) and the same
disclosure rule (`disclosure`): nothing here decides for itself."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from mandate.cli.django_setup import setup_django
from mandate.cli.errors import BAD_INPUT, REFUSED, fail

if TYPE_CHECKING:
    from mandate.workplace.models import Organisation

app = typer.Typer(no_args_is_help=True)

KINDS = ("sites", "teams", "staff", "equality", "badge", "bookings", "absences", "official_business", "purposes")


def _organisation(code: str) -> Organisation:
    from mandate.workplace.models import Organisation

    organisation = Organisation.objects.filter(code=code).first()
    if organisation is None:
        fail(f"there is no organisation '{code}' (create it with --create-organisation NAME)", code=REFUSED)
    return organisation


@app.command("import")
def import_command(
    kind: str = typer.Argument(..., help=f"What the file holds: {', '.join(KINDS)}."),
    file: Path = typer.Argument(..., help="A CSV (UTF-8, with a header line) or Parquet file."),
    organisation: str = typer.Option(..., "--organisation", "-o", help="The organisation's code, like ons."),
    create: str = typer.Option("", "--create-organisation", help="Create the organisation with this name "
                               "if it does not exist yet."),
    actor: str = typer.Option("cli", "--as", help="Who is importing (written to the audit log)."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Check a file row by row and import it whole, or refuse it whole naming each line and field."""
    if kind not in KINDS:
        fail(f"'{kind}' is not a kind of file (use one of {', '.join(KINDS)})", as_json=as_json, code=BAD_INPUT)
    try:
        data = file.read_bytes()
    except OSError as exc:
        fail(f"cannot read {file}: {exc.strerror}", as_json=as_json, code=BAD_INPUT)
    setup_django()
    from mandate.workplace.importers import ImportRefused, import_file
    from mandate.workplace.models import Organisation
    from mandate.workplace.organisation_import import ORGANISATION_KINDS, import_organisation_file

    if create:
        org, _ = Organisation.objects.get_or_create(code=organisation, defaults={"name": create})
    else:
        org = _organisation(organisation)
    try:
        if kind == "purposes":
            from mandate.workplace.purposes import import_purposes_file

            done = import_purposes_file(org, file.name, data, actor)
            summary = {"kind": kind, "file": file.name, "rows": done.rows, "created": done.created,
                       "updated": done.updated, "unchanged": done.unchanged, "already_imported": done.already_imported}
        elif kind in ORGANISATION_KINDS:
            result = import_organisation_file(org, kind, file.name, data, actor)
            summary = {"kind": kind, "file": file.name, "rows": result.rows, "created": result.created,
                       "updated": result.updated, "unchanged": result.unchanged,
                       "already_imported": result.already_imported}
        else:
            ledger = import_file(org, kind, file.name, data, actor)
            summary = {"kind": kind, "file": file.name, "rows": ledger.rows, "written": ledger.written,
                       "unmatched": ledger.unmatched, "already_imported": ledger.already_imported}
    except ImportRefused as refused:
        problems = [str(e) for e in refused.errors] + (["(only the first problems are listed)"] if refused.more
                                                       else [])
        fail(f"{file.name} was refused; nothing was written", problems, as_json=as_json, code=REFUSED)
    if as_json:
        print(json.dumps(summary))
    elif summary["already_imported"]:
        print(f"{file.name}: already imported; nothing changed.")
    elif "created" in summary:
        print(f"{file.name}: {_rows(summary['rows'])} read; {summary['created']:,} added, "
              f"{summary['updated']:,} updated, {summary['unchanged']:,} unchanged.")
    else:
        print(f"{file.name}: {_rows(summary['rows'])} read, {summary['written']:,} "
              f"record{'s' if summary['written'] != 1 else ''} written.")


def _rows(n: object) -> str:
    return f"{n:,} row{'s' if n != 1 else ''}"


@app.command("figures")
def figures_command(
    organisation: str = typer.Option(..., "--organisation", "-o", help="The organisation's code."),
    policy: str = typer.Option("", "--policy", help="The policy's name (default: the organisation's default)."),
    from_: str = typer.Option(..., "--from", help="First day, YYYY-MM-DD."),
    to: str = typer.Option(..., "--to", help="Last day, YYYY-MM-DD."),
) -> None:
    """The organisation's figures by site and team as JSON, under the same disclosure rule as the pages
    (groups under 10 withheld and no met / not met while a dispute is declared)."""
    try:
        start, end = dt.date.fromisoformat(from_), dt.date.fromisoformat(to)
    except ValueError:
        fail("--from and --to must be dates like 2026-10-01", code=BAD_INPUT)
    if end < start:
        fail("--to is before --from", code=BAD_INPUT)
    setup_django()
    from mandate.workplace.disclosure import Disclosure
    from mandate.workplace.figures import FigureError, compute_for
    from mandate.workplace.models import AttendancePolicy

    org = _organisation(organisation)
    policies = AttendancePolicy.objects.filter(organisation=org, withdrawn_at__isnull=True)
    chosen = policies.filter(name=policy).first() if policy else (
        policies.filter(is_default=True).first() or policies.first())
    if chosen is None:
        fail(f"no policy {policy!r} in {org.name}" if policy else f"{org.name} has no policy yet")
    try:
        figures = compute_for(org, chosen, start, end, site_weekly=False)
    except FigureError as exc:
        fail(str(exc))
    rule = Disclosure.of(org, sees_individuals=False)
    doc = figures.result.to_json_dict()
    print(json.dumps({"policy": chosen.name, "from": start.isoformat(), "to": end.isoformat(),
                      "dispute_mode": org.dispute_mode, "unit": doc["unit"],
                      "organisation": rule.organisation(doc["organisation"]),
                      "sites": rule.groups(doc["sites"]), "teams": rule.groups(doc["teams"]),
                      "notes": doc["notes"]}, default=str))


@app.command("remind")
def remind_command(
    organisation: str = typer.Option(..., "--organisation", "-o", help="The organisation's code."),
    today: str = typer.Option("", "--today", help="The day to count from, YYYY-MM-DD (default: today)."),
    days: int = typer.Option(30, "--days", min=0, max=366, help="Reviews due within this many days."),
    base_url: str = typer.Option("", "--base-url", help="The site's address for the links, like "
                                 "https://mandate.example.org."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Mail HR a reminder of each adjustment review due (or overdue), once for each review date."""
    setup_django()
    from django.utils import timezone

    from mandate.workplace.reminders import send_review_reminders

    org = _organisation(organisation)
    try:
        day = dt.date.fromisoformat(today) if today else timezone.localdate()
    except ValueError:
        fail(f"--today: '{today}' is not a date like 2026-12-01", as_json=as_json, code=BAD_INPUT)
    run = send_review_reminders(org, day, days=days, base_url=base_url.rstrip("/"), actor="cli")
    if as_json:
        print(json.dumps({"due": run.due, "sent": run.sent, "already_sent": run.already, "mails": run.mails,
                          "recipients": run.recipients}))
        return
    print(f"{run.due:,} review{'s' if run.due != 1 else ''} due; {run.sent:,} reminder{'s' if run.sent != 1 else ''} "
          f"sent to {run.recipients:,} HR account{'s' if run.recipients != 1 else ''} ({run.mails:,} "
          f"mail{'s' if run.mails != 1 else ''}), {run.already:,} already sent before.")
    if run.due and not run.recipients:
        print("No HR administrator of this organisation has an e-mail address: nobody was mailed, and the "
              "reminders will go out once one has.")
