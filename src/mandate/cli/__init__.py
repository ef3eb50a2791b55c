"""The `mandate` command. Each group lives in its own module; this one only assembles them."""

from __future__ import annotations

import typer

from mandate.cli import (
    action,
    attendance,
    audit,
    ballot,
    credentials,
    law,
    record,
    stations,
    trustee,
    vote,
    web,
    workplace,
)

app = typer.Typer(
    name="mandate",
    help="mandate: attendance policy and equality evidence for employers; statutory ballots, "
    "verifiable voting and mandates for unions.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(law.app, name="law", help="The statutory rulebook: assess a ballot result, plan a timeline.")
app.add_typer(record.app, name="record", help="Verifiable voting records: simulate an election, verify a record.")
app.add_typer(attendance.app, name="attendance", help="Compute attendance under a policy from CSV or Parquet files; "
              "desks needed per site and weekday; team anchor days within the desks.")
ballot.app.add_typer(stations.app, name="station", help="Workplace voting: the agreement, ballot stations, the "
                     "marked register, sealed boxes.")
app.add_typer(ballot.app, name="ballot", help="Union wing: registers, ballots, postal returns, counts, results.")
app.add_typer(workplace.app, name="workplace", help="Workplace wing: load an organisation and its ledger from "
              "files (sites, teams, staff, equality monitoring, swipes, bookings, absences); its figures.")
app.add_typer(audit.app, name="audit", help="The hash-chained audit log: verify it, show recent entries.")
app.add_typer(trustee.app, name="trustee", help="A trustee's key ceremony and decryption, from files.")
app.add_typer(credentials.app, name="credentials", help="The credential authority: members' credentials, from files.")
app.add_typer(action.app, name="action", help="Union wing: notices of industrial action as signed packages, keys, receipts.")
app.add_typer(vote.app, name="vote", help="Vote in an electronic ballot as a member, from the credential message.")
web.register(app)


def main() -> None:
    app()
