"""`mandate ballot` commands: registers, ballots, postal returns, the count, results and mandates.

Every command that prints takes --json. Dates in files and JSON are ISO 8601.
"""

from __future__ import annotations

import json
import sys
import tomllib
from datetime import date
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(no_args_is_help=True)
console = Console()
JSON = typer.Option(False, "--json", help="Print JSON instead of a table.")
ACTOR = typer.Option("cli", "--as", help="Name recorded in the audit log.")


def _setup() -> None:
    from mandate.cli.django_setup import setup_django

    setup_django()


def _emit(data: Any, as_json: bool, render: Any = None) -> None:
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


def _fail(message: str, errors: list[str] | None = None, as_json: bool = False) -> None:
    if as_json:
        print(json.dumps({"error": message, "problems": errors or []}, indent=2))
    else:
        print(f"mandate ballot: {message}", file=sys.stderr)
        for e in errors or []:
            print(f"  {e}", file=sys.stderr)
    raise typer.Exit(1)


def _union(code: str) -> Any:
    from mandate.union.models import Union

    union = Union.objects.filter(code=code).first()
    if union is None:
        _fail(f"no union with code {code!r}")
    return union


def _ballot(union_code: str, code: str) -> Any:
    from mandate.union.models import Ballot

    ballot = Ballot.objects.filter(union__code=union_code, code=code).first()
    if ballot is None:
        _fail(f"no ballot {code!r} for union {union_code!r}")
    return ballot


def _d(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


@app.command("import-register")
def import_register_cmd(union: str, csv_file: Path, mark_missing_left: bool = typer.Option(
        False, help="Mark members absent from the file as having left."), as_json: bool = JSON,
        actor: str = ACTOR) -> None:
    """Import (or update) a membership register from CSV; refused whole if any line is bad."""
    _setup()
    from mandate.union.register import RegisterImportError, import_register

    u = _union(union)
    try:
        with csv_file.open(encoding="utf-8", newline="") as f:
            report = import_register(u, f, actor, mark_missing_left=mark_missing_left)
    except RegisterImportError as error:
        _fail(f"register refused whole: {len(error.errors)} problem(s), nothing imported",
              [str(e) for e in error.errors], as_json)
    _emit(report.as_dict(), as_json, lambda: console.print(
        f"Imported {report.rows} members: {report.created} new, {report.updated} updated, "
        f"{report.unchanged} unchanged, {report.marked_left} marked as left."))


@app.command("export-register")
def export_register_cmd(union: str, out: Path, include_left: bool = False, actor: str = ACTOR) -> None:
    """Write the register as CSV in the import format."""
    _setup()
    from mandate.union.register import export_register

    with out.open("w", encoding="utf-8", newline="") as f:
        n = export_register(_union(union), f, actor, include_left=include_left)
    print(f"Wrote {n} members to {out}", file=sys.stderr)


def _load_spec(path: Path) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        return json.loads(text)
    return tomllib.loads(text)


@app.command("create")
def create_cmd(spec_file: Path, as_json: bool = JSON, actor: str = ACTOR, papers: bool = typer.Option(
        True, help="Produce the voting papers PDF now.")) -> None:
    """Create a ballot from a TOML or JSON file, freeze its electorate, issue the notices (see docs/union.md)."""
    _setup()
    from mandate.union import ballots as svc
    from mandate.union import documents as docs
    from mandate.union.models import Dispute, Employer, Workplace

    spec = _load_spec(spec_file)
    u = _union(spec["union"])
    try:
        dispute = Dispute.objects.filter(union=u, code=spec["dispute"]).first()
        if dispute is None:
            if "dispute_details" not in spec:
                _fail(f"no dispute {spec['dispute']!r}; add a [dispute_details] table to create it")
            dd = spec["dispute_details"]
            dispute = Dispute.objects.create(union=u, code=spec["dispute"], title=dd["title"],
                                             matters=dd.get("matters", ""), opened_on=_d(str(dd["opened_on"])) or date.today())
            dispute.employers.set(Employer.objects.filter(union=u, code__in=spec["employers"]))
        employers = list(Employer.objects.filter(union=u, code__in=spec["employers"]))
        if len(employers) != len(set(spec["employers"])):
            _fail("unknown employer code in 'employers'")
        workplaces = list(Workplace.objects.filter(employer__union=u, code__in=spec.get("workplaces", [])))
        questions = {k: {kk: str(vv) for kk, vv in (v or {}).items()} for k, v in spec["questions"].items()}
        ballot = svc.create_ballot(
            u, dispute, code=spec["code"], title=spec["title"], opening_day=_as_date(spec["opening_day"]),
            closing_day=_as_date(spec["closing_day"]), employers=employers, workplaces=workplaces,
            categories=spec.get("categories"), questions=questions, units_mode=spec.get("units", "separate"),
            aggregation_basis=spec.get("aggregation_basis", ""), aggregation_reason=spec.get("aggregation_reason", ""),
            scrutineer_name=spec.get("scrutineer", ""), scrutineer_username=spec.get("scrutineer_username", ""),
            return_address=spec.get("return_address", ""), caller=spec.get("caller", ""),
            dispute_summary=spec.get("dispute_summary", ""), ips_majority=bool(spec.get("ips_majority", False)),
            actor=actor)
        electors = svc.freeze_electorate(ballot, actor)
        notices = spec.get("notices")
        issued = []
        if notices:
            for employer in svc.employers_in_electorate(ballot):
                sent = _as_date(notices["sent_on"])
                received = _as_date(notices.get("received_on") or notices["sent_on"])
                n = docs.issue_notice(ballot, employer, sent_on=sent, expected_receipt=received, actor=actor)
                docs.record_dates(n, ballot, received_on=received, actor=actor)
                s = docs.issue_sample(ballot, employer, sent_on=_as_date(notices.get("sample_sent_on", notices["sent_on"])),
                                      actor=actor)
                docs.record_dates(s, ballot, received_on=_as_date(notices.get("sample_received_on", received)),
                                  actor=actor)
                issued += [n.kind, s.kind]
        if papers:
            docs.issue_voting_papers(ballot, actor=actor)
            issued.append("voting-papers")
    except svc.BallotError as error:
        _fail(str(error), as_json=as_json)
    t = __import__("mandate.union.rules", fromlist=["x"]).timeline_for(ballot)
    data = {"ballot": ballot.code, "status": ballot.status, "electors": electors,
            "units": [{"name": x.name, "entitled": x.electors.count()} for x in ballot.units.all()],
            "documents": issued, "timeline": {k: t[k] for k in ("regime", "notice_by", "sample_by", "report_by",
                                                                 "mandate_last_day")}}
    _emit(data, as_json, lambda: console.print(
        f"Created ballot {ballot.code}: {electors} electors in {len(data['units'])} unit(s); notice of ballot by "
        f"{t['notice_by']:%-d %B %Y}, sample paper by {t['sample_by']:%-d %B %Y}."))


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


@app.command("open")
def open_cmd(union: str, ballot: str, as_json: bool = JSON, actor: str = ACTOR) -> None:
    """Open the ballot (refused while a statutory notice is late or missing)."""
    _setup()
    from mandate.union import ballots as svc

    b = _ballot(union, ballot)
    problems = svc.open_problems(b)
    if problems:
        _fail("the ballot cannot open", problems, as_json)
    svc.open_ballot(b, actor)
    _emit({"ballot": b.code, "status": b.status}, as_json, lambda: console.print(f"Ballot {b.code} is open."))


@app.command("import-returns")
def import_returns_cmd(union: str, ballot: str, csv_file: Path, as_json: bool = JSON, actor: str = ACTOR) -> None:
    """Import a scanning bureau's returns CSV (paper_number, received_on, strike, action_short_of_strike)."""
    _setup()
    from mandate.union import ballots as svc

    b = _ballot(union, ballot)
    try:
        summary = svc.import_returns(b, csv_file.read_text(encoding="utf-8"), actor, name=csv_file.name)
    except svc.ReturnsImportError as error:
        _fail("returns file refused whole, nothing recorded", error.errors, as_json)
    except svc.BallotError as error:
        _fail(str(error), as_json=as_json)
    _emit(summary, as_json, lambda: console.print(
        f"Recorded {summary['lines']} papers: {summary['counted']} to count, {summary['duplicates']} duplicates, "
        f"{summary['late']} late, {summary['marked_both_ways']} marked both ways on a question."))


@app.command("turnout")
def turnout_cmd(union: str, ballot: str, as_json: bool = JSON, on: str = typer.Option(None, help="As of (ISO date)")) -> None:
    """Papers returned per unit (never votes) with the projected final turnout."""
    _setup()
    from mandate.union import ballots as svc

    b = _ballot(union, ballot)
    rows = svc.turnout(b, _d(on))
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
              today: str = typer.Option(None, help="Today's date (ISO), default the real one.")) -> None:
    """Close the ballot and count every unit and question through the rulebook; create the mandates."""
    _setup()
    from mandate.union import ballots as svc

    b = _ballot(union, ballot)
    try:
        assessment = svc.count(b, actor, today=_d(today))
    except svc.BallotError as error:
        _fail(str(error), as_json=as_json)
    _emit(_result_data(b), as_json, lambda: _render_result(b))
    del assessment


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
                      f"{m['last_day']:%-d %B %Y}")


@app.command("result")
def result_cmd(union: str, ballot: str, as_json: bool = JSON) -> None:
    """Print the counted result per unit and question, and the mandates it gave."""
    _setup()
    b = _ballot(union, ballot)
    if b.status != "counted":
        _fail("the ballot has not been counted yet", as_json=as_json)
    _emit(_result_data(b), as_json, lambda: _render_result(b))


@app.command("mandates")
def mandates_cmd(union: str, as_json: bool = JSON, on: str = typer.Option(None, help="As of (ISO date)")) -> None:
    """Every live mandate with its last day and the days left."""
    _setup()
    from mandate.union.models import Mandate

    today = _d(on) or date.today()
    rows = [{"unit": m.unit_name, "employer": m.employer.code, "kind": m.kind, "date_of_ballot": m.date_of_ballot,
             "last_day": m.last_day, "days_left": (m.last_day - today).days, "source": m.source}
            for m in Mandate.objects.filter(union=_union(union), last_day__gte=today).select_related("employer")]

    def render() -> None:
        table = Table("Unit", "Employer", "Action", "Last day", "Days left")
        for r in rows:
            table.add_row(r["unit"], r["employer"], r["kind"].replace("_", " "), f"{r['last_day']:%-d %B %Y}",
                          str(r["days_left"]))
        console.print(table)

    _emit(rows, as_json, render)


@app.command("issue-results")
def issue_results_cmd(union: str, ballot: str, sent_on: str = typer.Option(None, help="ISO date, default today"),
                      as_json: bool = JSON, actor: str = ACTOR) -> None:
    """Issue the s.231 result to members and the s.231A result to each employer (HTML and PDF)."""
    _setup()
    from mandate.union import ballots as svc
    from mandate.union import documents as docs

    b = _ballot(union, ballot)
    sent = _d(sent_on) or date.today()
    try:
        made = [docs.issue_result_to_members(b, sent_on=sent, actor=actor)]
        made += [docs.issue_result_to_employer(b, e, sent_on=sent, actor=actor) for e in svc.employers_in_electorate(b)]
    except svc.BallotError as error:
        _fail(str(error), as_json=as_json)
    data = [{"id": d.pk, "kind": d.kind, "title": d.title, "sent_on": d.sent_on, "pdf_bytes": len(d.pdf or b"")}
            for d in made]
    _emit(data, as_json, lambda: [console.print(f"Issued {d['title']} ({d['pdf_bytes']} bytes of PDF)") for d in data])
