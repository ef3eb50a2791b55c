"""`mandate ballot` commands: registers, ballots, postal returns, the count, results and mandates.

Every command that prints takes --json. Dates in files and JSON are ISO 8601.
"""

from __future__ import annotations

import json
import sys
import tomllib
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from mandate.cli.errors import BAD_INPUT, fail
from mandate.dates import human_date

app = typer.Typer(no_args_is_help=True)
console = Console()
JSON = typer.Option(False, "--json", help="Print JSON instead of a table.")
ACTOR = typer.Option("cli", "--as", help="Name recorded in the audit log; an account's name is checked for the "
                                          "step's role.")
T = TypeVar("T")


def _setup() -> None:
    from mandate.cli.django_setup import setup_django

    setup_django()


def _emit(data: Any, as_json: bool, render: Callable[[], None] | None = None) -> None:
    if as_json:
        print(json.dumps(data, indent=2, default=_default, ensure_ascii=False))
    elif render is not None:
        render()
    else:
        console.print(data)


def _default(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "as_dict"):
        return value.as_dict()
    return str(value)


def _read(path: Path, as_json: bool = False) -> str:
    """The whole of a UTF-8 text file (a leading byte-order mark dropped), or a one-line refusal (exit 2)."""
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        fail(f"{path}: the file is not UTF-8 text (save it as CSV UTF-8)", as_json=as_json, code=BAD_INPUT)
    except OSError as error:
        fail(f"{path}: cannot read the file ({error.strerror or error})", as_json=as_json, code=BAD_INPUT)


def _union(code: str) -> Any:
    from mandate.union.models import Union

    union = Union.objects.filter(code=code).first()
    if union is None:
        fail(f"no union with code {code!r}")
    return union


def _ballot(union_code: str, code: str) -> Any:
    from mandate.union.models import Ballot

    ballot = Ballot.objects.filter(union__code=union_code, code=code).first()
    if ballot is None:
        fail(f"no ballot {code!r} for union {union_code!r}")
    return ballot


def _date(value: Any, name: str, as_json: bool = False) -> date:
    """A date from a TOML date or an ISO 8601 string, or a one-line refusal naming the field (exit 2)."""
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        fail(f"{name}: not a valid date (YYYY-MM-DD): {str(value)!r}", as_json=as_json, code=BAD_INPUT)


def _d(text: str | None, name: str) -> date | None:
    return _date(text, name) if text else None


def _step(run: Callable[[], T], as_json: bool) -> T:
    """Take a step through the union's services: a refusal (a step out of order, by the wrong account, a
    rule) is printed as the pages show it, exit 1."""
    from mandate.union.errors import BallotError
    from mandate.union.lifecycle import StepForbidden

    try:
        return run()
    except StepForbidden as error:
        fail(str(error), as_json=as_json)
    except BallotError as error:
        problems = list(getattr(error, "errors", []))
        fail(str(error) if not problems else "refused whole, nothing recorded", problems, as_json=as_json)


def _stage(b: Any) -> dict[str, Any]:
    b.refresh_from_db()
    return {"ballot": b.code, "stage": b.stage, "status": b.status}


@app.command("import-register")
def import_register_cmd(union: str, csv_file: Path, mark_missing_left: bool = typer.Option(
        False, help="Mark members absent from the file as having left."), as_json: bool = JSON,
        actor: str = ACTOR) -> None:
    """Import (or update) a membership register from CSV; refused whole if any line is bad."""
    _setup()
    from mandate.union.register import RegisterImportError, import_register

    u = _union(union)
    text = _read(csv_file, as_json)
    try:
        report = import_register(u, text, actor, mark_missing_left=mark_missing_left)
    except RegisterImportError as error:
        fail(f"register refused whole: {len(error.errors)} problem(s), nothing imported",
              [str(e) for e in error.errors], as_json=as_json)
    _emit(report.as_dict(), as_json, lambda: console.print(
        f"Imported {report.rows} members: {report.created} new, {report.updated} updated, "
        f"{report.unchanged} unchanged, {report.marked_left} marked as left."))


@app.command("export-register")
def export_register_cmd(union: str, out: Path, include_left: bool = False, actor: str = ACTOR) -> None:
    """Write the register as CSV in the import format."""
    _setup()
    from mandate.union.register import export_register

    u = _union(union)
    try:
        f = out.open("w", encoding="utf-8", newline="")
    except OSError as error:
        fail(f"{out}: cannot write the file ({error.strerror or error})", code=BAD_INPUT)
    with f:
        n = export_register(u, f, actor, include_left=include_left)
    print(f"Wrote {n} members to {out}", file=sys.stderr)


def _load_spec(path: Path, as_json: bool) -> dict[str, Any]:
    text = _read(path, as_json)
    try:
        spec = json.loads(text) if path.suffix == ".json" else tomllib.loads(text)
    except json.JSONDecodeError as error:
        fail(f"{path}: not valid JSON ({error})", as_json=as_json, code=BAD_INPUT)
    except tomllib.TOMLDecodeError as error:
        fail(f"{path}: not valid TOML ({error})", as_json=as_json, code=BAD_INPUT)
    if not isinstance(spec, dict):
        fail(f"{path}: the file must hold one table of settings", as_json=as_json, code=BAD_INPUT)
    return spec


def _need(table: dict[str, Any], key: str, prefix: str = "", kind: type | None = None, as_json: bool = False) -> Any:
    """table[key], or a one-line refusal naming the field (exit 2)."""
    if key not in table or table[key] in (None, ""):
        fail(f"{prefix}{key}: missing", as_json=as_json, code=BAD_INPUT)
    value = table[key]
    if kind is not None and not isinstance(value, kind):
        fail(f"{prefix}{key}: should be a {'list' if kind is list else 'table' if kind is dict else 'text'}",
              as_json=as_json, code=BAD_INPUT)
    return value


@app.command("create")
def create_cmd(spec_file: Path, as_json: bool = JSON, actor: str = ACTOR, papers: bool = typer.Option(
        True, help="Produce the voting papers PDF now.")) -> None:
    """Create a ballot from a TOML or JSON file, freeze its electorate, issue the notices (see docs/union.md).

    All or nothing: if any step is refused, no dispute, ballot or document is left behind."""
    spec = _load_spec(spec_file, as_json)

    def need(key: str, kind: type | None = None, table: dict[str, Any] = spec, prefix: str = "") -> Any:
        return _need(table, key, prefix, kind, as_json)

    def day(table: dict[str, Any], key: str, prefix: str = "") -> date:
        return _date(need(key, table=table, prefix=prefix), prefix + key, as_json)

    union_code, dispute_code, code = str(need("union")), str(need("dispute")), str(need("code"))
    title = str(need("title"))
    opening, closing = day(spec, "opening_day"), day(spec, "closing_day")
    employer_codes = [str(c) for c in need("employers", list)]
    questions_spec = need("questions", dict)
    if any(not isinstance(v, dict | None) for v in questions_spec.values()):
        fail("questions: each question should be a table, e.g. [questions.strike]", as_json=as_json, code=BAD_INPUT)
    questions = {k: {kk: str(vv) for kk, vv in (v or {}).items()} for k, v in questions_spec.items()}
    dd = spec.get("dispute_details")
    if dd is not None:
        if not isinstance(dd, dict):
            fail("dispute_details: should be a table", as_json=as_json, code=BAD_INPUT)
        dispute_title = str(need("title", table=dd, prefix="dispute_details."))
        opened_on = day(dd, "opened_on", "dispute_details.") if "opened_on" in dd else date.today()
    notices = spec.get("notices")
    notice_dates: dict[str, date] = {}
    if notices:
        if not isinstance(notices, dict):
            fail("notices: should be a table", as_json=as_json, code=BAD_INPUT)
        notice_dates["sent_on"] = day(notices, "sent_on", "notices.")
        for key in ("received_on", "sample_sent_on", "sample_received_on"):
            if notices.get(key):
                notice_dates[key] = _date(notices[key], f"notices.{key}", as_json)
        notice_dates.setdefault("received_on", notice_dates["sent_on"])

    _setup()
    from django.db import transaction

    from mandate.union import ballots as svc
    from mandate.union import services
    from mandate.union.models import Ballot, Dispute, Employer, Workplace

    u = _union(union_code)
    if Ballot.objects.filter(union=u, code=code).exists():
        fail(f"code: a ballot with code {code!r} already exists for union {union_code!r}; choose another code",
              as_json=as_json, code=BAD_INPUT)
    try:
        with transaction.atomic():
            dispute = Dispute.objects.filter(union=u, code=dispute_code).first()
            if dispute is None:
                if dd is None:
                    fail(f"no dispute {dispute_code!r}; add a [dispute_details] table to create it",
                          as_json=as_json, code=BAD_INPUT)
                dispute = Dispute.objects.create(union=u, code=dispute_code, title=dispute_title,
                                                 matters=str(dd.get("matters", "")), opened_on=opened_on)
                dispute.employers.set(Employer.objects.filter(union=u, code__in=employer_codes))
            employers = list(Employer.objects.filter(union=u, code__in=employer_codes))
            if len(employers) != len(set(employer_codes)):
                unknown = sorted(set(employer_codes) - {e.code for e in employers})
                fail(f"employers: unknown employer code(s): {', '.join(unknown)}", as_json=as_json, code=BAD_INPUT)
            workplaces = list(Workplace.objects.filter(employer__union=u, code__in=spec.get("workplaces", [])))
            ballot = svc.create_ballot(
                u, dispute, code=code, title=title, opening_day=opening,
                closing_day=closing, employers=employers, workplaces=workplaces,
                categories=spec.get("categories"), questions=questions, units_mode=spec.get("units", "separate"),
                aggregation_basis=spec.get("aggregation_basis", ""), aggregation_reason=spec.get("aggregation_reason", ""),
                scrutineer_name=spec.get("scrutineer", ""), scrutineer_username=spec.get("scrutineer_username", ""),
                return_address=spec.get("return_address", ""), caller=spec.get("caller", ""),
                dispute_summary=spec.get("dispute_summary", ""), ips_majority=bool(spec.get("ips_majority", False)),
                voting_method=str(spec.get("method", "postal")), actor=actor)
            electors = svc.freeze_electorate(ballot, actor)
            issued = []
            if notice_dates:
                made = services.issue_notices(ballot, actor=actor, **notice_dates)
                issued += [d.kind for d in made]
            if ballot.voting_method == "electronic":
                if isinstance(spec.get("electronic"), dict) and notice_dates:
                    from mandate.cli.ballot_electronic import create_election_from_spec

                    create_election_from_spec(ballot, spec["electronic"], actor, as_json)
                    issued.append("election-record")
            elif papers:
                services.issue_voting_papers(ballot, actor=actor)
                issued.append("voting-papers")
    except svc.BallotError as error:
        fail(f"{error} Nothing was created.", as_json=as_json)
    from mandate.union.rules import timeline_for

    t = timeline_for(ballot)
    units = [{"name": x.name, "entitled": x.electors.count()} for x in ballot.units.all()]
    data = {"ballot": ballot.code, "status": ballot.status, "electors": electors, "units": units,
            "documents": issued, "timeline": {k: t[k] for k in ("regime", "notice_by", "sample_by", "report_by",
                                                                 "mandate_last_day")}}
    _emit(data, as_json, lambda: console.print(
        f"Created ballot {ballot.code}: {electors} electors in {len(units)} unit(s); notice of ballot by "
        f"{human_date(t['notice_by'])}, sample paper by {human_date(t['sample_by'])}."))


@app.command("open")
def open_cmd(union: str, ballot: str, as_json: bool = JSON, actor: str = ACTOR) -> None:
    """Open the ballot (refused while a statutory notice is late or missing)."""
    _setup()
    from mandate.union import ballots as svc
    from mandate.union import services

    b = _ballot(union, ballot)
    problems = svc.open_problems(b)
    if problems:
        fail("the ballot cannot open", problems, as_json=as_json)
    _step(lambda: services.open_ballot(b, actor=actor), as_json)
    _emit(_stage(b), as_json, lambda: console.print(f"Ballot {b.code} is open."))


@app.command("import-returns")
def import_returns_cmd(union: str, ballot: str, csv_file: Path, as_json: bool = JSON, actor: str = ACTOR) -> None:
    """Import a scanning bureau's returns CSV (paper_number, received_on, strike, action_short_of_strike)."""
    _setup()
    from mandate.union import ballots as svc

    b = _ballot(union, ballot)
    text = _read(csv_file, as_json)
    try:
        summary = svc.import_returns(b, text, actor, name=csv_file.name)
    except svc.ReturnsImportError as error:
        fail("returns file refused whole, nothing recorded", error.errors, as_json=as_json)
    except svc.BallotError as error:
        fail(str(error), as_json=as_json)
    _emit(summary, as_json, lambda: console.print(
        f"Recorded {summary['lines']} papers: {summary['counted']} to count, {summary['duplicates']} duplicates, "
        f"{summary['late']} late, {summary['unchanged']} already recorded (unchanged), "
        f"{summary['marked_both_ways']} marked both ways on a question."))


@app.command("turnout")
def turnout_cmd(union: str, ballot: str, as_json: bool = JSON, on: str = typer.Option(None, help="As of (ISO date)")) -> None:
    """Papers returned per unit (never votes) with the projected final turnout."""
    _setup()
    from mandate.union import ballots as svc

    as_of = _d(on, "--on")
    b = _ballot(union, ballot)
    rows = svc.turnout(b, as_of)
    data = [{"unit": r["name"], "entitled": r["entitled"], "returned": r["returned"], "share": round(r["share"], 4),
             "projection": r["projection"].as_dict()} for r in rows]

    def render() -> None:
        table = Table("Unit", "Entitled", "Returned", "Turnout", "Projected final", "Chance of threshold")
        for r in data:
            p = r["projection"]
            table.add_row(r["unit"], str(r["entitled"]), str(r["returned"]), f"{r['share']:.1%}",
                          f"{p['final_estimate']:.1%} ({p['low']:.1%}-{p['high']:.1%})" if p["low"] is not None else "-",
                          f"{p['probability_meets_threshold']:.0%}" if p["probability_meets_threshold"] is not None else "-")
        console.print(table)

    _emit(data, as_json, render)


@app.command("close")
def close_cmd(union: str, ballot: str, as_json: bool = JSON, actor: str = ACTOR,
              today: str = typer.Option(None, help="Today's date (ISO), default the real one."),
              count: bool = typer.Option(True, help="Count straight after closing (--no-count: close only).")) -> None:
    """Close the ballot after its closing day (no more returns) and, unless --no-count, count every unit and
    question through the rulebook and create the mandates."""
    _setup()
    from django.db import transaction

    from mandate.union import services

    as_of = _d(today, "--today")
    b = _ballot(union, ballot)
    if not count or b.voting_method == "electronic":  # an electronic count waits for the trustees' shares
        _step(lambda: services.close_ballot(b, actor, today=as_of), as_json)
        after = ("the trustees decrypt the tallies next (mandate trustee decrypt; upload each share)"
                 if b.voting_method == "electronic" else "count it next")
        _emit(_stage(b), as_json, lambda: console.print(f"Ballot {b.code} is closed: {after}."))
        return

    def close_and_count() -> None:
        with transaction.atomic():  # closed and counted, or neither
            services.count(b, actor=actor, today=as_of)

    _step(close_and_count, as_json)
    _emit(_result_data(b), as_json, lambda: _render_result(b))


@app.command("count")
def count_cmd(union: str, ballot: str, as_json: bool = JSON, actor: str = ACTOR) -> None:
    """Count a closed ballot, every unit and question through the rulebook; create the mandates. Once."""
    _setup()
    from mandate.union import ballots as svc

    b = _ballot(union, ballot)
    _step(lambda: svc.count(b, actor), as_json)
    _emit(_result_data(b), as_json, lambda: _render_result(b))


def _result_data(b: Any) -> dict[str, Any]:
    from mandate.union import ballots as svc
    from mandate.union.models import Mandate

    return {
        "ballot": b.code, "status": b.status, "regime": b.assessment.get("regime"),
        "opening_day": b.opening_day, "date_of_ballot": b.closing_day,
        "units": [{"unit": r.unit.name, "question": r.question.kind, "entitled": r.entitled, "votes_cast": r.voted,
                   "yes": r.yes, "no": r.no, "spoilt": r.spoiled, "turnout": r.verdict.get("turnout"),
                   "turnout_threshold_met": r.verdict.get("turnout_threshold_met"), "supported": r.supported}
                  for r in svc.result_rows(b)],
        "mandates": [{"unit": m.unit_name, "employer": m.employer.code, "kind": m.kind, "last_day": m.last_day}
                     for m in Mandate.objects.filter(ballot=b).select_related("employer")],
        "warnings": [w["message"] for w in b.assessment.get("warnings", [])],
    }


def _render_result(b: Any) -> None:
    data = _result_data(b)
    table = Table("Unit", "Question", "Entitled", "Votes cast", "Yes", "No", "Spoilt", "Turnout", "Supported",
                  title=f"{b.title} (regime {data['regime']})")
    for r in data["units"]:
        table.add_row(r["unit"], r["question"].replace("_", " "), str(r["entitled"]), str(r["votes_cast"]),
                      str(r["yes"]), str(r["no"]), str(r["spoilt"]), f"{r['turnout']:.1%}",
                      "yes" if r["supported"] else "no")
    console.print(table)
    for m in data["mandates"]:
        console.print(f"Mandate: {m['kind'].replace('_', ' ')} at {m['unit']} ({m['employer']}) until "
                      f"{human_date(m['last_day'])}")


@app.command("result")
def result_cmd(union: str, ballot: str, as_json: bool = JSON) -> None:
    """Print the counted result per unit and question, and the mandates it gave."""
    _setup()
    b = _ballot(union, ballot)
    if b.status != "counted":
        fail("the ballot has not been counted yet", as_json=as_json)
    _emit(_result_data(b), as_json, lambda: _render_result(b))


@app.command("mandates")
def mandates_cmd(union: str, as_json: bool = JSON, on: str = typer.Option(None, help="As of (ISO date)")) -> None:
    """Every live mandate with its last day and the days left."""
    _setup()
    from mandate.union.models import Mandate

    today = _d(on, "--on") or date.today()
    live = list(Mandate.objects.filter(union=_union(union), last_day__gte=today).select_related("employer"))
    rows = [{"id": m.pk, "unit": m.unit_name, "employer": m.employer.code, "kind": m.kind,
             "date_of_ballot": m.date_of_ballot,
             "last_day": m.last_day, "days_left": (m.last_day - today).days, "source": m.source,
             "agreed_months": m.agreed_months, "agreed_on": m.agreed_on} for m in live]

    def render() -> None:
        from rich.markup import escape

        table = Table("Unit", "Employer", "Action", "Last day", "Days left")
        for m in live:
            agreed = f" (agreed: {m.agreed_months} months)" if m.agreed_months else ""
            table.add_row(escape(m.unit_name), escape(m.employer.code), m.kind.replace("_", " "),
                          f"{human_date(m.last_day)}{agreed}", str((m.last_day - today).days))
        console.print(table)

    _emit(rows, as_json, render)


@app.command("agree-mandate")
def agree_mandate_cmd(
    union: str,
    mandate_id: int = typer.Argument(..., help="The mandate's id (`mandate ballot mandates UNION --json`)."),
    months: int = typer.Option(..., help="The agreed length in months (Trade Union Act 2016 ballots: up to 9)."),
    agreed_on: str = typer.Option(..., help="The day the employer agreed (ISO date, e.g. 2026-03-02)."),
    reference: str = typer.Option("", help="Where the agreement is recorded, e.g. the employer's letter."),
    only_this: bool = typer.Option(False, "--only-this",
                                   help="Only this mandate, not every mandate of its ballot with its employer."),
    as_json: bool = JSON, actor: str = ACTOR,
) -> None:
    """Record that the members' employer agreed a longer mandate (s.234(1)(b)); the rulebook gives the last day.
    Refused, with nothing changed, for ballots opened from 18 February 2026 and for agreements out of range."""
    _setup()
    from mandate.union import ballots as svc
    from mandate.union import mandates as mandate_svc
    from mandate.union.models import Mandate

    day = _d(agreed_on, "--agreed-on")
    assert day is not None  # a required option
    mandate = Mandate.objects.filter(union=_union(union), pk=mandate_id).select_related("employer").first()
    if mandate is None:
        fail(f"no mandate {mandate_id} in {union} (`mandate ballot mandates {union} --json` lists them)",
              as_json=as_json)
    try:
        changed = mandate_svc.lengthen_mandate_by_agreement(mandate, months=months, agreed_on=day, reference=reference,
                                                    whole_ballot=not only_this, actor=actor)
    except svc.BallotError as error:
        fail(str(error), as_json=as_json)
    rows = [{"id": m.pk, "unit": m.unit_name, "employer": m.employer.code, "kind": m.kind, "last_day": m.last_day,
             "agreed_months": m.agreed_months, "agreed_on": m.agreed_on} for m in changed]

    def render() -> None:
        from rich.markup import escape

        for m in changed:
            console.print(f"{escape(m.unit_name)}, {m.kind.replace('_', ' ')}: {m.agreed_months} months, until "
                          f"{human_date(m.last_day)}")

    _emit(rows, as_json, render)


@app.command("issue-results")
def issue_results_cmd(union: str, ballot: str, sent_on: str = typer.Option(None, help="ISO date, default today"),
                      as_json: bool = JSON, actor: str = ACTOR) -> None:
    """Issue the s.231 result to members and the s.231A result to each employer (HTML and PDF)."""
    _setup()
    from mandate.union import services

    sent = _d(sent_on, "--sent-on") or date.today()
    b = _ballot(union, ballot)
    made = _step(lambda: services.issue_results(b, sent_on=sent, actor=actor), as_json)
    data = [{"id": d.pk, "kind": d.kind, "title": d.title, "sent_on": d.sent_on, "pdf_bytes": len(d.pdf or b"")}
            for d in made]
    def render() -> None:
        for d in made:
            console.print(f"Issued {d.title} ({len(d.pdf or b'')} bytes of PDF)")

    _emit(data, as_json, render)


# ---------------------------------------------------------------------------------------------------------------
# The lifecycle's steps, one command each (the same services, so the same refusals, as the pages)
# ---------------------------------------------------------------------------------------------------------------


@app.command("status")
def status_cmd(union: str, ballot: str, as_json: bool = JSON) -> None:
    """The ballot's step reached and every step taken (who, when, why)."""
    _setup()
    b = _ballot(union, ballot)
    steps = [{"step": s.step, "from": s.from_stage, "to": s.to_stage, "by": s.actor, "at": s.at.isoformat(),
              "reason": s.reason} for s in b.steps.all()]
    data = {**_stage(b), "steps": steps}

    def render() -> None:
        from rich.markup import escape

        console.print(f"Ballot {escape(b.code)}: {b.get_stage_display()}")
        for s in steps:
            why = f": {escape(s['reason'])}" if s["reason"] else ""
            console.print(f"  {s['at'][:16]} {s['step'].replace('_', ' ')} by {escape(s['by'])}{why}")

    _emit(data, as_json, render)


@app.command("set-dates")
def set_dates_cmd(union: str, ballot: str, opening_day: str = typer.Option(..., help="ISO date"),
                  closing_day: str = typer.Option(..., help="ISO date"), as_json: bool = JSON,
                  actor: str = ACTOR) -> None:
    """Change the opening and closing days while the ballot is being set up."""
    _setup()
    from mandate.union import services

    b = _ballot(union, ballot)
    o, c = _date(opening_day, "--opening-day", as_json), _date(closing_day, "--closing-day", as_json)
    _step(lambda: services.update_dates(b, o, c, actor), as_json)
    _emit({**_stage(b), "opening_day": b.opening_day, "closing_day": b.closing_day}, as_json,
          lambda: console.print(f"Ballot {b.code}: opens {human_date(o)}, closes {human_date(c)}."))


@app.command("freeze")
def freeze_cmd(union: str, ballot: str, as_json: bool = JSON, actor: str = ACTOR) -> None:
    """Freeze the electorate from the register (numbering the papers 1 to N)."""
    _setup()
    from mandate.union import services

    b = _ballot(union, ballot)
    n = _step(lambda: services.freeze_electorate(b, actor), as_json)
    _emit({**_stage(b), "electors": n}, as_json, lambda: console.print(f"Electorate frozen: {n} members."))


@app.command("unfreeze")
def unfreeze_cmd(union: str, ballot: str, as_json: bool = JSON, actor: str = ACTOR) -> None:
    """Undo the freeze while the ballot is being set up (to freeze again from the register as it is now)."""
    _setup()
    from mandate.union import services

    b = _ballot(union, ballot)
    n = _step(lambda: services.unfreeze_electorate(b, actor), as_json)
    _emit({**_stage(b), "removed": n}, as_json, lambda: console.print(f"Electorate unfrozen ({n} members)."))


@app.command("issue-notices")
def issue_notices_cmd(
    union: str, ballot: str, sent_on: str = typer.Option(..., help="ISO date the notices are sent"),
    expected_receipt: str = typer.Option(None, help="ISO date they should arrive (chooses the notice's content)"),
    received_on: str = typer.Option(None, help="ISO date received, where known"),
    sample_received_on: str = typer.Option(None, help="ISO date the sample papers were received"),
    as_json: bool = JSON, actor: str = ACTOR,
) -> None:
    """Issue the notice of ballot (s.226A) and the sample voting paper to every employer in the electorate."""
    _setup()
    from mandate.union import services

    b = _ballot(union, ballot)
    sent = _date(sent_on, "--sent-on", as_json)
    made = _step(lambda: services.issue_notices(
        b, sent_on=sent, expected_receipt=_d(expected_receipt, "--expected-receipt"),
        received_on=_d(received_on, "--received-on"), sample_received_on=_d(sample_received_on, "--sample-received-on"),
        actor=actor), as_json)
    _emit({**_stage(b), "documents": [{"id": d.pk, "kind": d.kind, "title": d.title} for d in made]}, as_json,
          lambda: console.print(f"Issued {len(made)} documents: notices and sample papers to every employer."))


@app.command("record-receipts")
def record_receipts_cmd(
    union: str, ballot: str, received_on: str = typer.Option(..., help="ISO date the notices were received"),
    sample_received_on: str = typer.Option(None, help="ISO date the sample papers were (default the same)"),
    as_json: bool = JSON, actor: str = ACTOR,
) -> None:
    """Record the day every employer received its current notice of ballot and sample paper."""
    _setup()
    from django.db import transaction

    from mandate.union import ballots as svc
    from mandate.union import services

    b = _ballot(union, ballot)
    notice_day = _date(received_on, "--received-on", as_json)
    sample_day = _d(sample_received_on, "--sample-received-on") or notice_day
    warnings: list[str] = []

    def record_all() -> None:
        with transaction.atomic():
            for kind, day in (("s226a-notice", notice_day), ("sample-paper", sample_day)):
                for doc in svc.current_documents(b, kind):
                    w = services.record_document_dates(b, doc, received_on=day, actor=actor)
                    if w:
                        warnings.append(w)

    _step(record_all, as_json)
    _emit({**_stage(b), "warnings": warnings}, as_json,
          lambda: console.print("Receipts recorded." + "".join(f"\nWarning: {w}" for w in warnings)))


@app.command("withdraw-notices")
def withdraw_notices_cmd(union: str, ballot: str, reason: str = typer.Option(..., help="Why (kept on record)"),
                         withdrawn_on: str = typer.Option(None, help="ISO date, default today"),
                         as_json: bool = JSON, actor: str = ACTOR) -> None:
    """Withdraw the notices of ballot (and any voting papers): the ballot returns to set-up, where its dates,
    units, questions and electorate can change; new notices' periods run afresh."""
    _setup()
    from mandate.union import services

    b = _ballot(union, ballot)
    n = _step(lambda: services.withdraw_notices(b, reason=reason, withdrawn_on=_d(withdrawn_on, "--withdrawn-on"),
                                                actor=actor), as_json)
    _emit({**_stage(b), "withdrawn": n}, as_json,
          lambda: console.print(f"Withdrawn {n} documents; ballot {b.code} is being set up again."))


@app.command("issue-papers")
def issue_papers_cmd(union: str, ballot: str, as_json: bool = JSON, actor: str = ACTOR) -> None:
    """Issue the voting papers, numbered 1 to N, once (one print-ready PDF)."""
    _setup()
    from mandate.union import services

    b = _ballot(union, ballot)
    doc = _step(lambda: services.issue_voting_papers(b, actor=actor), as_json)
    _emit({**_stage(b), "document": doc.pk, "title": doc.title}, as_json, lambda: console.print(f"Issued {doc.title}."))


@app.command("replace-papers")
def replace_papers_cmd(
    union: str, ballot: str,
    members: list[str] = typer.Argument(..., help="Membership numbers of the members needing a new paper"),
    reason: str = typer.Option(..., help="spoilt, lost or not_received"),
    out: Path = typer.Option(None, help="Write the replacement papers' PDF here"),
    as_json: bool = JSON, actor: str = ACTOR,
) -> None:
    """Replacement voting papers for named members: new numbers; the old numbers become void."""
    _setup()
    from mandate.union import services

    b = _ballot(union, ballot)
    doc = _step(lambda: services.replace_papers(b, members, reason=reason, actor=actor), as_json)
    if out is not None:
        try:
            out.write_bytes(bytes(doc.pdf or b""))
        except OSError as error:
            fail(f"{out}: cannot write the file ({error.strerror or error})", as_json=as_json, code=BAD_INPUT)
    voided = [{"old": v.paper_number, "new": v.replaced_by, "member": v.elector.membership_number}
              for v in b.void_papers.filter(replaced_by__in=b.electors.values("paper_number"))
              .select_related("elector") if v.elector.membership_number in members]
    _emit({**_stage(b), "document": doc.pk, "title": doc.title, "papers": voided}, as_json,
          lambda: console.print(f"Issued {doc.title}; void: {', '.join(str(v['old']) for v in voided)}."))


@app.command("record-return")
def record_return_cmd(
    union: str, ballot: str, paper_number: int,
    received_on: str = typer.Option(..., help="ISO date the paper was received"),
    strike: str = typer.Option(None, help="The mark for the strike question: yes, no, both or blank"),
    asos: str = typer.Option(None, "--asos", help="The mark for action short of a strike: yes, no, both or blank"),
    as_json: bool = JSON, actor: str = ACTOR,
) -> None:
    """Record one returned paper by hand; every question's mark must be given (none is assumed)."""
    _setup()
    from mandate.union import services

    b = _ballot(union, ballot)
    day = _date(received_on, "--received-on", as_json)
    marks = {k: v for k, v in (("strike", strike), ("action_short_of_strike", asos)) if v is not None}
    o = _step(lambda: services.record_return(b, paper_number, marks, day, actor), as_json)
    _emit({"paper_number": o.paper_number, "status": o.status, "unit": o.unit, "notes": o.notes}, as_json,
          lambda: console.print(f"Paper {o.paper_number} ({o.unit}): {o.status}. " + " ".join(o.notes)))


@app.command("correct-results")
def correct_results_cmd(union: str, ballot: str, reason: str = typer.Option(..., help="What the correction corrects"),
                        sent_on: str = typer.Option(None, help="ISO date, default today"),
                        as_json: bool = JSON, actor: str = ACTOR) -> None:
    """Issue a corrected result to members and employers, superseding the one issued, with the reason."""
    _setup()
    from mandate.union import services

    b = _ballot(union, ballot)
    sent = _d(sent_on, "--sent-on") or date.today()
    made = _step(lambda: services.correct_results(b, reason=reason, sent_on=sent, actor=actor), as_json)
    _emit({**_stage(b), "documents": [{"id": d.pk, "kind": d.kind, "title": d.title} for d in made]}, as_json,
          lambda: console.print(f"Issued {len(made)} corrected results."))


def _satisfied(not_satisfied: list[str], as_json: bool) -> tuple[dict[str, bool], dict[str, str]]:
    keys = ("no_contravention", "security", "independence")
    satisfied, reasons = dict.fromkeys(keys, True), {}
    for item in not_satisfied:
        key, _, why = item.partition("=")
        if key not in keys:
            fail(f"--not-satisfied: {key!r} is not one of {', '.join(keys)} (give KEY=REASON)", as_json=as_json,
                 code=BAD_INPUT)
        satisfied[key], reasons[key] = False, why
    return satisfied, reasons


@app.command("issue-report")
def issue_report_cmd(
    union: str, ballot: str, sent_on: str = typer.Option(None, help="ISO date of the report, default today"),
    not_satisfied: list[str] = typer.Option([], help="KEY=REASON where the scrutineer is not satisfied "
                                                    "(no_contravention, security, independence)"),
    as_json: bool = JSON, actor: str = ACTOR,
) -> None:
    """Issue the scrutineer's report (s.231B), once, after the results."""
    _setup()
    from mandate.union import services

    b = _ballot(union, ballot)
    satisfied, reasons = _satisfied(not_satisfied, as_json)
    sent = _d(sent_on, "--sent-on") or date.today()
    doc = _step(lambda: services.issue_report(b, sent_on=sent, satisfied=satisfied, reasons=reasons, actor=actor),
                as_json)
    _emit({**_stage(b), "document": doc.pk, "title": doc.title}, as_json, lambda: console.print(f"Issued {doc.title}."))


@app.command("correct-report")
def correct_report_cmd(
    union: str, ballot: str, reason: str = typer.Option(..., help="What the correction corrects"),
    sent_on: str = typer.Option(None, help="ISO date of the corrected report, default today"),
    not_satisfied: list[str] = typer.Option([], help="KEY=REASON where the scrutineer is not satisfied"),
    as_json: bool = JSON, actor: str = ACTOR,
) -> None:
    """Issue a corrected scrutineer's report that supersedes the current one, with the reason."""
    _setup()
    from mandate.union import services

    b = _ballot(union, ballot)
    satisfied, reasons = _satisfied(not_satisfied, as_json)
    sent = _d(sent_on, "--sent-on") or date.today()
    doc = _step(lambda: services.correct_report(b, reason=reason, sent_on=sent, satisfied=satisfied,
                                                reasons=reasons, actor=actor), as_json)
    _emit({**_stage(b), "document": doc.pk, "title": doc.title}, as_json,
          lambda: console.print(f"Issued the corrected {doc.title.lower()}, superseding the one before."))


from mandate.cli import ballot_electronic as _ballot_electronic  # noqa: E402, F401  (its commands join `app`)
