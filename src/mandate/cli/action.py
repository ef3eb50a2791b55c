"""`mandate action` commands: the s.234A rulebook answer, notices of industrial action as signed packages,
the union's public key, and acknowledgements of receipt. Dates are ISO 8601; every command takes --json."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

from mandate.cli.errors import BAD_INPUT, fail

app = typer.Typer(no_args_is_help=True)
console = Console()
JSON = typer.Option(False, "--json", help="Print JSON.")
ACTOR = typer.Option("cli", "--as", help="Name recorded in the audit log.")
PREFIX = "mandate action"


def _day(text: str, what: str, as_json: bool) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(f"{what}: {text[:40]!r} is not a date (YYYY-MM-DD).", as_json=as_json, code=BAD_INPUT, prefix=PREFIX)


def _setup() -> None:
    from mandate.cli.django_setup import setup_django

    setup_django()


def _print(data: dict[str, Any], as_json: bool, lines: list[str]) -> None:
    if as_json:
        print(json.dumps(data, indent=2, ensure_ascii=False, default=str))
    else:
        for line in lines:
            console.print(line, highlight=False)


@app.command()
def plan(
    receipt: str = typer.Option(..., help="The day the employer receives the notice."),
    kind: str = typer.Option("strike", help="strike or action_short_of_strike."),
    day: list[str] = typer.Option(..., "--day", help="The start day (continuous) or each day; repeat."),
    discontinuous: bool = typer.Option(False, help="Action on the listed days only."),
    ballot_date: str = typer.Option(..., help="The date of the ballot (its closing day)."),
    last_day: str = typer.Option(..., help="The mandate's last day."),
    form: list[str] = typer.Option([], "--form", help="A form of action short of a strike; repeat."),
    as_json: bool = JSON,
) -> None:
    """What the s.234A notice must contain and by when, from the rulebook alone (no database)."""
    from mandate.dates import human_date
    from mandate.law.action import action_notice
    from mandate.law.model import OutOfScope

    if kind not in ("strike", "action_short_of_strike"):
        fail("--kind is strike or action_short_of_strike.", as_json=as_json, code=BAD_INPUT, prefix=PREFIX)
    try:
        a = action_notice(receipt=_day(receipt, "--receipt", as_json), kind=kind,
                          days=[_day(d, "--day", as_json) for d in day], continuous=not discontinuous,
                          date_of_ballot=_day(ballot_date, "--ballot-date", as_json),
                          mandate_last_day=_day(last_day, "--last-day", as_json), forms=form)
    except OutOfScope as exc:
        fail(str(exc), as_json=as_json, prefix=PREFIX)
    lines = [f"Regime {a.regime}: {a.period_days} days' notice; latest receipt "
             f"{human_date(a.latest_receipt) if a.latest_receipt else '-'}",
             *[f"  must state: {i.text} ({i.section})" for i in a.items],
             *[f"  warning: {w.message}" for w in a.warnings]]
    if a.refusals:
        if as_json:
            print(json.dumps(a.as_dict(), indent=2, ensure_ascii=False))
            raise typer.Exit(1)
        fail("the notice would not protect the action:", [r.message for r in a.refusals], prefix=PREFIX)
    _print(a.as_dict(), as_json, lines)


@app.command()
def key(union: str = typer.Option(..., help="The union's code."), as_json: bool = JSON) -> None:
    """The union's public key and its fingerprint, to publish and read to employers."""
    _setup()
    from mandate.union import action as act
    from mandate.union.models import Union

    u = Union.objects.filter(code=union).first()
    if u is None:
        fail(f"no union with code {union!r}.", as_json=as_json, prefix=PREFIX)
    public, fingerprint = act.public_key_of(u)
    _print({"union": u.name, "public_key": public, "fingerprint": fingerprint}, as_json,
           [f"{u.name}", f"public key:  {public}", f"fingerprint: {fingerprint}"])


@app.command()
def notice(
    mandate: int = typer.Option(..., help="The mandate's number (id)."),
    day: list[str] = typer.Option(..., "--day", help="The start day (continuous) or each day; repeat."),
    discontinuous: bool = typer.Option(False, help="Action on the listed days only."),
    form: list[str] = typer.Option([], "--form", help="A form of action short of a strike; repeat."),
    sent_on: str = typer.Option(..., help="The day it is sent."),
    receipt: str = typer.Option(..., help="The day the employer will receive it."),
    out: Path = typer.Option(..., help="Where to write the signed package (.json)."),
    actor: str = ACTOR,
    as_json: bool = JSON,
) -> None:
    """Issue a notice of industrial action from a counted mandate and write its signed package."""
    days = [_day(d, "--day", as_json) for d in day]
    sent, received = _day(sent_on, "--sent-on", as_json), _day(receipt, "--receipt", as_json)
    _setup()
    from mandate.union import action as act
    from mandate.union.models import Mandate

    m = Mandate.objects.filter(pk=mandate).select_related("employer", "union").first()
    if m is None:
        fail(f"no mandate {mandate}.", as_json=as_json, prefix=PREFIX)
    try:
        n = act.issue_action_notice(m, days=days, continuous=not discontinuous, forms=form, sent_on=sent,
                                    expected_receipt=received, actor=actor)
    except act.ActionRefused as exc:
        fail("the notice was not issued:", exc.problems, as_json=as_json, prefix=PREFIX)
    try:
        out.write_bytes(bytes(n.package.package))
    except OSError as exc:
        fail(f"cannot write {out}: {exc.strerror}", as_json=as_json, code=BAD_INPUT, prefix=PREFIX)
    _print({"notice": n.pk, "regime": n.regime, "latest_receipt": n.latest_receipt, "package": str(out),
            "digest": n.package.digest}, as_json, [f"{n} issued; signed package written to {out}",
                                                    f"digest {n.package.digest}"])


@app.command()
def receipt(
    union: str = typer.Option(..., help="The union's code."),
    file: Path = typer.Argument(..., help="The employer's acknowledgement of receipt (.json)."),
    actor: str = ACTOR,
    as_json: bool = JSON,
) -> None:
    """Import an employer's signed acknowledgement of receipt as the proof of receipt."""
    try:
        raw = file.read_bytes()
    except OSError as exc:
        fail(f"cannot read {file}: {exc.strerror}", as_json=as_json, code=BAD_INPUT, prefix=PREFIX)
    _setup()
    from mandate.platform.exchange import PackageRefused
    from mandate.union import action as act
    from mandate.union.models import Union

    u = Union.objects.filter(code=union).first()
    if u is None:
        fail(f"no union with code {union!r}.", as_json=as_json, prefix=PREFIX)
    try:
        package = act.import_receipt(u, raw, actor=actor)
    except PackageRefused as exc:
        fail(str(exc), as_json=as_json, prefix=PREFIX)
    _print({"document": package.document.title, "received_on": package.received_on}, as_json,
           [f"Proof of receipt recorded: {package.document.title}, received {package.received_on}"])


@app.command()
def remind(
    union: str = typer.Option("", help="One union's code (default: every union)."),
    today: str = typer.Option("", help="The day to run for (default: today), YYYY-MM-DD."),
    lead_days: int = typer.Option(14, min=0, max=366, help="Remind this many days before a deadline."),
    no_receipt_days: int = typer.Option(3, min=0, max=366, help="Remind when a package sent this many days "
                                                                "ago has no recorded receipt."),
    as_json: bool = JSON,
) -> None:
    """Mail officials the reminders due today: a re-ballot to keep cover, a notice's deadline, a missing
    receipt. Run it daily (cron); a reminder is never sent twice, so running it again is harmless."""
    day = _day(today, "--today", as_json) if today else date.today()
    _setup()
    from mandate.union import action_reminders
    from mandate.union.models import Union

    unions = Union.objects.order_by("code")
    if union:
        unions = unions.filter(code=union)
        if not unions.exists():
            fail(f"no union with code {union!r}.", as_json=as_json, prefix=PREFIX)
    counts: dict[str, dict[str, int]] = {}
    for u in unions:
        sent = action_reminders.remind(u, day, lead_days=lead_days, no_receipt_days=no_receipt_days, actor="cli")
        kinds: dict[str, int] = {}
        for r in sent:
            kinds[r.kind] = kinds.get(r.kind, 0) + 1
        counts[u.code] = kinds
    total = sum(sum(k.values()) for k in counts.values())
    _print({"day": day.isoformat(), "sent": counts, "total": total}, as_json,
           [f"{day.isoformat()}: {total} reminder(s) sent"]
           + [f"  {code}: " + (", ".join(f"{n} {k}" for k, n in sorted(kinds.items())) or "none due")
              for code, kinds in counts.items()])
