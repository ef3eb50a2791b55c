"""`mandate law` commands: the statutory rulebook from the command line.

    mandate law assess FILE [--json] [--detail]      FILE is the issue-3 JSON, or - for standard input
    mandate law timeline --opening DATE --closing DATE [--entitled N] [--action DATE ...]
                         [--agreed-months N] [--excluded-days N | --court-order FROM:TO ...]
                         [--method postal|electronic|hybrid|workplace] [--json]
    mandate law voting-paper --opening DATE [--method M] [--entitled N] [--json]
    mandate law parameters [--json]
    mandate law commence ID --si 2026/1234 --in-force DATE --url URL [--by NAME] [--note TEXT] [--json]

Every command reads the commencements this deployment has recorded (`commence`) from
$MANDATE_DATA_DIR/law/recorded-commencements.json (MANDATE_DATA_DIR defaults to ./var) and passes them to the
rulebook, which reads no file of its own.

Bad input (malformed JSON, a missing field, a bad date) and inconsistent figures print one line on
standard error naming the field (or unit, question and figures) and exit with status 2; a refusal (recording
a commencement twice differently) exits with status 1.
"""

from __future__ import annotations

import fcntl
import getpass
import json
import os
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from mandate.cli.errors import BAD_INPUT, REFUSED, fail
from mandate.law import (
    METHODS,
    Assessment,
    InconsistentFigures,
    MethodConditions,
    ParameterError,
    ParameterSet,
    RecordedCommencement,
    RecordingError,
    Timeline,
    assess,
    court_excluded_days,
    facts_from_dict,
    human_date,
    parameters_with,
    timeline,
    voting_paper_requirements,
)
from mandate.law import recorded as recorded_records
from mandate.law.io import parse_date
from mandate.law.means import METHOD_WORDS
from mandate.law.model import QUESTION_WORDS

app = typer.Typer(no_args_is_help=True, help="The statutory rulebook: assess a ballot result, plan a timeline.")



PREFIX = "mandate law"


# ---- the deployment's recorded commencements -------------------------------------------------------------
def _data_dir() -> Path:
    return Path(os.environ.get("MANDATE_DATA_DIR") or Path.cwd() / "var")


def _records_path() -> Path:
    return _data_dir() / recorded_records.RECORDS_FILE


def _read_records(path: Path) -> list[RecordedCommencement]:
    if not path.exists():
        return []
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"cannot read the recorded commencements {path}: {getattr(exc, 'strerror', None) or exc}",
             code=BAD_INPUT, prefix=PREFIX)
    try:
        return recorded_records.loads(text, where=str(path))
    except RecordingError as exc:
        fail(str(exc), code=BAD_INPUT, prefix=PREFIX)


def _params() -> ParameterSet:
    """The shipped rulebook with this deployment's recorded commencements."""
    records = _read_records(_records_path())
    try:
        return parameters_with(tuple(records))
    except ParameterError as exc:
        fail(str(exc), code=BAD_INPUT, prefix=PREFIX)


def _yn(value: bool | None) -> str:
    return "n/a" if value is None else ("yes" if value else "no")


def _console() -> Console:
    return Console(highlight=False, soft_wrap=False)


def _print_notes(console: Console, citations: list[Any], warnings: list[Any]) -> None:
    if warnings:
        console.print("\n[bold]Warnings[/bold]")
        for w in warnings:
            console.print(f"  ! {escape(w.message)}")
    console.print("\n[bold]Sections relied on[/bold]")
    for c in citations:
        console.print(f"  - {escape(c.section)}: {escape(c.url)}")


def _print_method(console: Console, m: MethodConditions) -> None:
    words = METHOD_WORDS[m.method].capitalize()
    if m.permissible:
        console.print(f"\n[bold]{words}[/bold]: permissible for a ballot opening on {human_date(m.opening_day)}.")
    else:
        console.print(f"\n[bold]{words}: NOT permissible[/bold] for a ballot opening on "
                      f"{human_date(m.opening_day)} (permissible: "
                      f"{', '.join(METHOD_WORDS[x] for x in m.permissible_means)}). Once permissible, it needs:")
    console.print("[bold]Conditions[/bold]")
    for c in m.conditions:
        if c.applies:
            console.print(f"  - {escape(c.text)} ({escape(c.section)})")
    for c in m.conditions:
        if not c.applies:
            console.print(f"  - not needed here: {escape(c.text)} ({escape(c.section)})")
    console.print("[bold]" + ("The screen and messages carry" if m.method == "electronic" else
                              "The paper, pack or screen carries") + "[/bold]")
    for i in m.content:
        console.print(f"  - {escape(i.text)} ({escape(i.section)})")


def _render_assessment(a: Assessment, p: ParameterSet) -> None:
    console = _console()
    regime = p.regime_for("opening_day", a.opened)
    console.print(f"[bold]Ballot assessment[/bold]: {regime.id} ({regime.name})")
    console.print(f"Opened {human_date(a.opened)}; date of the ballot (closing day) {human_date(a.closed)}.")
    units = Table(title="Turnout per ballot unit")
    for col in ("Unit", "Entitled", "Votes cast", "Turnout", "50% met"):
        units.add_column(col, justify="left" if col == "Unit" else "right")
    for u in a.units:
        units.add_row(escape(u.name), str(u.entitled), str(u.votes_cast), f"{u.turnout:.2%}",
                      _yn(u.turnout_threshold_met))
    console.print(units)
    blanks = any(r.blank for u in a.units for r in u.questions.values())
    qs = Table(title="Per question")
    cols = ["Unit", "Question", "Yes", "No", "Spoilt"] + (["Blank"] if blanks else []) + [
        "Majority", "40% (IPS)", "Supported"]
    for col in cols:
        qs.add_column(col, justify="left" if col in ("Unit", "Question") else "right")
    for u in a.units:
        for q, r in u.questions.items():
            qs.add_row(escape(u.name), QUESTION_WORDS[q], str(r.yes), str(r.no), str(r.spoilt),
                       *([str(r.blank)] if blanks else []), _yn(r.majority),
                       _yn(r.ips_40_percent_met), "[bold]" + _yn(r.supported) + "[/bold]")
    console.print(qs)
    review = " - [bold]check this date: a month-end start (see the warnings)[/bold]" if a.mandate.review else ""
    console.print(f"Mandate: action may take place up to and including [bold]{human_date(a.mandate.last_day)}"
                  f"[/bold] ({a.mandate.months} months beginning with the date of the ballot, "
                  f"{escape(a.mandate.citation.section)}){review}.")
    for u in a.units:
        console.print(f"\n[bold]Statement of the result for {escape(u.name)}[/bold] (s.231 to members, s.231A to "
                      f"employers)")
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
    method = f", {METHOD_WORDS[t.method.method]}" if t.method else ""
    console.print(f"[bold]Ballot timeline[/bold]: {t.regime} for the ballot (by its opening day){method}")
    table = Table()
    table.add_column("Date")
    table.add_column("What")
    table.add_column("Section")
    for e in t.events:
        table.add_row(human_date(e.day), escape(e.what), escape(e.section))
    console.print(table)
    if t.scrutineer_required is not None:
        why = (f"{t.entitled} entitled to vote, all units together" if t.entitled is not None else
               "the means of voting needs one whatever the number entitled")
        if t.method and t.method.scrutineer_always:
            why = "every ballot by this means of voting, whatever its size"
        console.print(f"Scrutineer: {'needed' if t.scrutineer_required else 'not needed'} ({why}).")
    for d in t.action_days:
        status = "within the mandate" if d.ok else ("before the ballot closed" if not d.after_ballot
                                                   else "AFTER the mandate ends")
        console.print(f"Action on {human_date(d.day)}: {status}; notice of action received by "
                      f"{human_date(d.notice_latest_receipt)} ({d.notice_regime}).")
    if t.mandate_review:
        console.print("[bold]Check the last day of the mandate: a month-end start (see the warnings).[/bold]")
    if t.method:
        _print_method(console, t.method)
    _print_notes(console, list(t.citations), list(t.warnings))


def _read_input(file: str) -> Any:
    if file == "-":
        text = sys.stdin.read()
        name = "standard input"
    else:
        path = Path(file)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            fail(f"cannot read {file}: {getattr(exc, 'strerror', None) or exc}", code=BAD_INPUT, prefix=PREFIX)
        name = file
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        fail(f"{name} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}",
             code=BAD_INPUT, prefix=PREFIX)


@app.command("assess")
def assess_command(
    file: str = typer.Argument(..., help="Ballot result as JSON (see docs/law.md), or - for standard input."),
    as_json: bool = typer.Option(False, "--json", help="Print the JSON answer instead of the report."),
    detail: bool = typer.Option(False, "--detail", help="With --json: add figures and the s.231 statement."),
) -> None:
    """Assess a ballot result per unit and per question, by the law in force on its opening day."""
    data = _read_input(file)
    p = _params()
    try:
        facts = facts_from_dict(data)
        answer = assess(facts, params=p)
    except InconsistentFigures as exc:
        fail(str(exc), code=BAD_INPUT, prefix=PREFIX)
    except ValueError as exc:
        fail(str(exc), code=BAD_INPUT, prefix=PREFIX)
    if as_json:
        typer.echo(json.dumps(answer.as_dict(detail=detail), indent=2, ensure_ascii=False))
    else:
        _render_assessment(answer, p)


def _date_option(value: str | None, name: str) -> date | None:
    if value is None:
        return None
    try:
        return parse_date(value, name)
    except ValueError as exc:
        fail(str(exc), code=BAD_INPUT, prefix=PREFIX)


def _court_orders(values: list[str], closing: date) -> int:
    periods: list[tuple[date, date]] = []
    for i, raw in enumerate(values):
        name = f"--court-order[{i + 1}]"
        first, sep, last = raw.partition(":")
        if not sep:
            first, sep, last = raw.partition("..")
        if not sep:
            fail(f"{name}: expected FROM:TO, the first and last day the court ordered not to count "
                  f"(YYYY-MM-DD:YYYY-MM-DD), got {raw!r}", code=BAD_INPUT, prefix=PREFIX)
        a, b = _date_option(first.strip(), name + " (from)"), _date_option(last.strip(), name + " (to)")
        assert a is not None and b is not None
        periods.append((a, b))
    try:
        return court_excluded_days(periods, closing)
    except ValueError as exc:
        fail(f"--court-order: {exc}", code=BAD_INPUT, prefix=PREFIX)


def _method_option(method: str | None) -> str | None:
    if method is not None and method not in METHODS:
        fail(f"--method: {method!r} is not a means of voting; expected one of {', '.join(METHODS)}",
             code=BAD_INPUT, prefix=PREFIX)
    return method


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
    agreed_months: int | None = typer.Option(
        None, "--agreed-months", help="Mandate length the employer agreed, in months (ballots opened before "
                                      "18 February 2026 only: more than 6, at most 9; s.234(1)(b))."),
    excluded_days: int | None = typer.Option(
        None, "--excluded-days", help="Days a court ordered not to count towards the mandate (s.234(2)-(6))."),
    court_order: list[str] | None = typer.Option(
        None, "--court-order", help="Instead of --excluded-days: a court order's excluded period FROM:TO "
                                    "(first and last day that do not count), repeat for each order."),
    method: str | None = typer.Option(None, "--method", help="Means of voting: postal, electronic, hybrid or "
                                                             "workplace; lists its conditions and content."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of the report."),
) -> None:
    """Every statutory date for a ballot: notices, scrutineer, mandate, notice of action, action days."""
    o = _date_option(opening, "--opening")
    c = _date_option(closing, "--closing")
    assert o is not None and c is not None
    days = [d for i, a in enumerate(action or []) if (d := _date_option(a, f"--action[{i + 1}]")) is not None]
    if entitled is not None and entitled < 0:
        fail("--entitled: cannot be negative", code=BAD_INPUT, prefix=PREFIX)
    if excluded_days is not None and court_order:
        fail("--excluded-days and --court-order: give one or the other (the days, or the orders' periods)",
             code=BAD_INPUT, prefix=PREFIX)
    if excluded_days is not None and excluded_days < 0:
        fail("--excluded-days: cannot be negative", code=BAD_INPUT, prefix=PREFIX)
    court = _court_orders(court_order or [], c) if court_order else (excluded_days or 0)
    if agreed_months is not None and agreed_months < 1:
        fail("--agreed-months: a number of months, at least 1", code=BAD_INPUT, prefix=PREFIX)
    method = _method_option(method)
    p = _params()
    try:
        t = timeline(o, c, entitled=entitled, action_days=days, notice_agreed_7_days=agreed_7_days,
                     s231a_done=_date_option(s231a_done, "--s231a-done"), params=p,
                     agreed_months=agreed_months, court_excluded_days=court, method=method)
    except ValueError as exc:
        fail(str(exc).replace("agreed_mandate_months", "--agreed-months"), code=BAD_INPUT, prefix=PREFIX)
    if as_json:
        typer.echo(json.dumps(t.as_dict(), indent=2, ensure_ascii=False))
    else:
        _render_timeline(t)


@app.command("voting-paper")
def voting_paper_command(
    opening: str = typer.Option(..., "--opening", help="Opening day of the ballot, YYYY-MM-DD."),
    method: str | None = typer.Option(None, "--method", help="Means of voting: postal, electronic, hybrid or "
                                                             "workplace; lists its conditions and content."),
    entitled: int | None = typer.Option(None, "--entitled", help="Number entitled to vote, all units together."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of the report."),
) -> None:
    """What the voting paper must carry, and the exact s.229(4) statement, for a ballot opening on a date."""
    o = _date_option(opening, "--opening")
    assert o is not None
    method = _method_option(method)
    if entitled is not None and entitled < 0:
        fail("--entitled: cannot be negative", code=BAD_INPUT, prefix=PREFIX)
    p = _params()
    try:
        r = voting_paper_requirements(o, params=p, method=method, entitled=entitled)
    except ValueError as exc:
        fail(str(exc), code=BAD_INPUT, prefix=PREFIX)
    if as_json:
        typer.echo(json.dumps(r.as_dict(), indent=2, ensure_ascii=False))
        return
    console = _console()
    console.print(f"[bold]Voting paper[/bold] for a ballot opening on {human_date(o)} ({r.regime})")
    for item in r.items:
        console.print(f"  - {escape(item.text)} ({escape(item.section)})")
    console.print(f"\nStatement (s.229(4)), word for word:\n  \"{escape(r.statement or '')}\"")
    console.print(f"\nPermissible means of voting: "
                  f"{', '.join(METHOD_WORDS[m] for m in r.timing['permissible_means_of_voting'])}")
    if r.method:
        _print_method(console, r.method)
    _print_notes(console, list(r.citations), list(r.warnings))


def _instrument_status(row: dict[str, Any]) -> str:
    if row["status"] == "recorded":
        rec = row["recorded"]
        return (f"in force from {human_date(date.fromisoformat(row['from']))}: SI {rec['si_number']}, recorded by "
                f"{rec['recorded_by']} on {human_date(date.fromisoformat(rec['recorded_at'][:10]))} "
                f"({rec['url']})" + (f"; {rec['note']}" if rec.get("note") else ""))
    if row["status"] == "in force":
        return f"in force from {human_date(date.fromisoformat(row['from']))}"
    if row["status"] == "superseded":
        return f"from {human_date(date.fromisoformat(row['from']))}, superseded by {row['superseded_by']}"
    if row["status"] == "pending":
        expected = f"expected {row['expected_words']}" if row.get("expected_words") else "no expected date"
        return f"PENDING, not commenced: {expected}; uncertain ({row['uncertain']})"
    return str(row["status"])


@app.command("parameters")
def parameters_command(
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """The instruments (regimes, the Permissible Means of Voting Order, the Codes) with their status, and every
    dated legislation parameter: its values, dates, trigger and section."""
    p = _params()
    instruments = p.instruments()
    values = [(name, param, v) for name, param in sorted(p.parameters.items()) for v in param.values]
    if as_json:
        rows = [{
            "parameter": name, "trigger": param.trigger,
            "from": v.start.isoformat() if v.start else None, "to": v.end.isoformat() if v.end else None,
            "declared_from": v.declared_from, "declared_to": v.declared_to,
            "value": None if v.repealed else v.value, "repealed": v.repealed,
            "section": v.citation.section, "url": v.citation.url, "uncertain": v.uncertain,
            "rests_on_recorded": [r.id for r in v.rests_on],
        } for name, param, v in values]
        typer.echo(json.dumps({"instruments": instruments, "parameters": rows}, indent=2, ensure_ascii=False,
                              default=str))
        return
    console = _console()
    inst = Table(title="Regimes, orders and codes")
    inst.add_column("Id", no_wrap=True)
    inst.add_column("Instrument")
    inst.add_column("Status")
    for row in instruments:
        inst.add_row(row["id"], escape(row["name"]), escape(_instrument_status(row)))
    console.print(inst)
    table = Table(title="Legislation parameters")
    table.add_column("Parameter", no_wrap=True)
    for col in ("Trigger", "From", "To", "Value", "Section", "Uncertain"):
        table.add_column(col)
    for name, param, v in values:
        value = "repealed" if v.repealed else v.value
        if isinstance(value, list):
            value = f"{len(value)} items" if value and isinstance(value[0], dict) else ", ".join(map(str, value))
        text = str(value)
        start = human_date(v.start) if v.start else f"when {v.declared_from} commences"
        if v.start and v.rests_on and v.declared_from in {r.id for r in v.rests_on}:
            start += f" ({v.declared_from}, recorded)"
        table.add_row(name, param.trigger, start,
                      human_date(v.end) if v.end else (f"until {v.declared_to} commences" if v.declared_to else ""),
                      escape(text if len(text) <= 60 else text[:57] + "..."), escape(v.citation.section),
                      v.uncertain or "")
    console.print(table)


def _write_record(path: Path, record: RecordedCommencement) -> bool:
    """Add ``record`` to the data file under an exclusive lock (one writer at a time, across processes), by
    an atomic replace. True if the file changed; RecordingError if it conflicts with what is recorded."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lock_path = path.with_name(path.name + ".lock")
    with lock_path.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        existing = _read_records(path)
        merged, changed = recorded_records.add_record(existing, record)
        if changed:
            tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
            tmp.write_text(recorded_records.dumps(merged), encoding="utf-8")
            os.replace(tmp, path)
    return changed


@app.command("commence")
def commence_command(
    event: str = typer.Argument(..., help="The pending commencement, e.g. EBALLOT_ORDER (see mandate law "
                                          "parameters)."),
    si: str | None = typer.Option(None, "--si", help="SI number of the made instrument, e.g. 2026/1234."),
    in_force: str | None = typer.Option(None, "--in-force", help="Day it came into force, YYYY-MM-DD."),
    url: str | None = typer.Option(None, "--url", help="Where the made instrument was read (legislation.gov.uk)."),
    by: str | None = typer.Option(None, "--by", help="Who records it (default: the account running the command)."),
    note: str = typer.Option("", "--note", help="A note shown with every answer, e.g. 'assumed for the demo'."),
    as_json: bool = typer.Option(False, "--json", help="Print the record as JSON."),
) -> None:
    """Record a made instrument the rulebook knows only as pending (the Permissible Means of Voting Order
    2026): from its in-force day it applies to ballots opening on or after it, and every answer resting on it
    says so. Written with who and when to $MANDATE_DATA_DIR/law/recorded-commencements.json."""
    if si is None:
        fail("--si: missing; give the SI number of the made instrument, e.g. --si 2026/1234",
             code=BAD_INPUT, prefix=PREFIX)
    if in_force is None:
        fail("--in-force: missing; give the day it came into force, e.g. --in-force 2026-09-01",
             code=BAD_INPUT, prefix=PREFIX)
    path = _records_path()
    p = _params()
    try:
        who = by if by is not None else getpass.getuser()
    except (KeyError, OSError):
        who = ""
    try:
        record = recorded_records.make_record(
            event.strip(), si=si, in_force=in_force, url=url, recorded_by=who, recorded_at=datetime.now(UTC),
            pending=p.recordable(), commenced={c.id for c in p.commencements if c.recorded is None},
            note=note)
        changed = _write_record(path, record)
    except RecordingError as exc:
        fail(str(exc), code=REFUSED if exc.conflict else BAD_INPUT, prefix=PREFIX)
    except OSError as exc:
        fail(f"cannot write the recorded commencements {path}: {exc.strerror or exc}", code=BAD_INPUT, prefix=PREFIX)
    stored = next(r for r in _read_records(path) if r.id == record.id)
    name = p.name_of(record.id)
    if as_json:
        typer.echo(json.dumps({"recorded": stored.as_dict(), "changed": changed, "file": str(path)}, indent=2,
                              ensure_ascii=False))
        return
    console = _console()
    if changed:
        console.print(f"Recorded: {escape(stored.words(name))}.")
    else:
        console.print(f"Already recorded, nothing changed: {escape(stored.words(name))}.")
    console.print(f"Ballots opening on or after {human_date(stored.in_force)} are answered by it; every answer "
                  f"that rests on it says so. File: {escape(str(path))}")
