"""`mandate ballot` commands for an electronic ballot's server steps (docs/union.md, "An electronic ballot from the
command line"): the election record's set-up, the uploads of the trustees' and the credential authority's messages,
ballots from files, the bulletin board, the record, the check of the record; the close, the count and the result
are the ballot's own commands (`close`, `count`, `result`), which know an electronic ballot.

The trustees and the credential authority do their part with `mandate trustee` and `mandate credentials` on their
own machines; what they upload here is what those commands wrote for publication, never a secret file.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from mandate.cli.ballot import ACTOR, JSON, _ballot, _d, _date, _emit, _setup, _stage, _step, app, console
from mandate.cli.errors import BAD_INPUT, fail


def _election(b: Any, as_json: bool = False) -> Any:
    from mandate.union.electronic.models import Election

    if b.voting_method != "electronic":
        fail(f"ballot {b.code} is a {b.voting_method} ballot: it has no election record", as_json=as_json)
    e = Election.objects.filter(ballot=b).first()
    if e is None:
        fail(f"ballot {b.code} has no election record yet: `mandate ballot election-setup` makes it",
             as_json=as_json)
    return e


def create_election_from_spec(ballot: Any, spec: dict[str, Any], actor: str, as_json: bool) -> Any:
    """The [electronic] table of a ballot file: trustees, threshold, credential_authority, security_assessment,
    security_assessment_by, security_assessment_on, personal_channels_only."""
    from mandate.union.electronic import services as es

    trustees = spec.get("trustees")
    if not isinstance(trustees, list) or not all(isinstance(t, str) for t in trustees):
        fail("electronic.trustees: a list of the trustees' account names, trustee 1 first", as_json=as_json,
             code=BAD_INPUT)
    threshold = spec.get("threshold")
    if type(threshold) is not int:
        fail("electronic.threshold: a whole number (k of the n trustees decrypt)", as_json=as_json, code=BAD_INPUT)
    on = spec.get("security_assessment_on")
    return es.create_election(
        ballot, trustees=trustees, threshold=threshold,
        credential_authority=str(spec.get("credential_authority", "")),
        security_assessment=str(spec.get("security_assessment", "")),
        security_assessment_by=str(spec.get("security_assessment_by", "")),
        security_assessment_on=_date(on, "electronic.security_assessment_on", as_json) if on else None,
        personal_channels_only=bool(spec.get("personal_channels_only", False)), actor=actor)


@app.command("election-setup")
def election_setup_cmd(
    union: str, ballot: str,
    trustee: list[str] = typer.Option(..., "--trustee", help="A trustee's account, trustee 1 first (repeat)."),
    threshold: int = typer.Option(..., help="k: how many trustees must decrypt the count."),
    authority_key: str = typer.Option(..., help="The credential authority's public key "
                                                "(`mandate credentials authority` prints it)."),
    assessment: str = typer.Option(..., help="The written security assessment, or where it is kept."),
    assessment_by: str = typer.Option(..., help="Who made the security assessment."),
    assessment_on: str = typer.Option(..., help="When it was made (ISO date)."),
    personal_channels_only: bool = typer.Option(False, help="Credentials go only to personal email or mobile."),
    as_json: bool = JSON, actor: str = ACTOR,
) -> None:
    """Make an electronic ballot's election record (its first event) once its notices are out."""
    _setup()
    from mandate.union.electronic import services as es

    b = _ballot(union, ballot)
    e = _step(lambda: es.create_election(
        b, trustees=trustee, threshold=threshold, credential_authority=authority_key, security_assessment=assessment,
        security_assessment_by=assessment_by, security_assessment_on=_d(assessment_on, "--assessment-on"),
        personal_channels_only=personal_channels_only, actor=actor), as_json)
    _emit({**_stage(b), "election": e.election_id, "trustees": e.trustees, "threshold": e.threshold, "head": e.head},
          as_json, lambda: console.print(f"Election record {e.election_id}: {e.trustees} trustees, {e.threshold} to "
                                         f"decrypt. Trustees: `mandate ballot record {union} {ballot} --out "
                                         "record.jsonl`, then `mandate trustee keygen`."))


@app.command("unreachable")
def unreachable_cmd(union: str, ballot: str, out: Path = typer.Option(None, help="Write a CSV here."),
                    as_json: bool = JSON, actor: str = ACTOR) -> None:
    """Members of the electorate with no personal email and no mobile: an electronic ballot cannot reach them."""
    _setup()
    from mandate.platform.audit import record
    from mandate.union.electronic import services as es

    b = _ballot(union, ballot)
    rows = es.unreachable(b)
    record(actor, "ballot.unreachable_listed", "Ballot", b.pk, members=len(rows))
    if out is not None:
        header = ["membership_number", "name", "unit", "workplace"]
        _write_csv(out, header, [[r[h] for h in header] for r in rows])
    _emit({"ballot": b.code, "unreachable": rows}, as_json,
          lambda: console.print(f"{len(rows)} member(s) with no personal email or mobile"
                                + (f": listed in {out}." if out else "." if not rows else ":")
                                + ("" if out else "".join(f"\n  {r['membership_number']} {r['name']}"
                                                          for r in rows[:50]))))


@app.command("contacts")
def contacts_cmd(union: str, ballot: str, out: Path = typer.Option(..., help="The CSV to write."),
                 actor: str = ACTOR) -> None:
    """For the credential authority only: the electorate's member ids, units and personal contacts (the CSV that
    `mandate credentials issue --members` and `mandate credentials send --contacts` read). Logged."""
    _setup()
    from mandate.platform.audit import record
    from mandate.union.electronic import services as es
    from mandate.union.lifecycle import SCRUTINEER, may

    b = _ballot(union, ballot)
    if not may(b, SCRUTINEER, actor):
        fail("only the ballot's scrutineer, the credential authority, can export the electorate's contacts")
    rows = [[x.membership_number, es.unit_id(x.unit), x.member.personal_email if x.member else "",
             x.member.mobile if x.member else ""]
            for x in b.electors.select_related("unit", "member").order_by("membership_number")]
    _write_csv(out, ["member_id", "unit", "email", "mobile"], rows, mode=0o600)
    record(actor, "ballot.contacts_exported", "Ballot", b.pk, members=len(rows))
    typer.echo(f"{len(rows)} members' contacts written to {out} (mode 600: personal data, for the credential "
               "authority only).", err=True)


@app.command("record")
def record_cmd(union: str, ballot: str, out: Path = typer.Option(None, "--out", help="Write the record here "
                                                                                    "(default: standard output).")
               ) -> None:
    """The election record (JSON Lines), exactly as `mandate record verify` reads it: the bulletin board's file."""
    _setup()
    import sys

    from mandate.union.electronic import record as rec

    e = _election(_ballot(union, ballot))
    if out is None:
        for line in rec.lines(e):
            sys.stdout.write(line)
        return
    tmp = out.with_name(f".{out.name}.tmp")
    with tmp.open("w", encoding="ascii") as fh:
        for line in rec.lines(e):
            fh.write(line)
    tmp.replace(out)
    e.refresh_from_db()
    typer.echo(f"{e.length} events, head {e.head}: {out}", err=True)


@app.command("upload")
def upload_cmd(union: str, ballot: str, files: list[Path],
               revoke: list[str] = typer.Option([], "--revoke", help="With a re-issued credentials list: the "
                                                                     "public credential it replaces (repeat)."),
               as_json: bool = JSON, actor: str = ACTOR) -> None:
    """Append what a trustee or the credential authority wrote for publication (commit-N.json, reveal-N.json,
    decryption-N.json, credentials.json), each checked first; a secret file is refused unread."""
    _setup()
    from mandate.union.electronic import services as es

    b = _ballot(union, ballot)
    e = _election(b, as_json)
    done: list[dict[str, Any]] = []
    for path in files:
        try:
            data = path.read_bytes()
        except OSError as error:
            fail(f"{path}: cannot read the file ({error.strerror or error})", as_json=as_json, code=BAD_INPUT)

        def one(data: bytes = data) -> list[Any]:
            obj = es.read_upload(data, limit=es.MAX_CREDENTIALS_UPLOAD)
            if es.message_kind(obj) == "credentials":
                return [es.upload_credentials(e, obj, actor=actor, revoke=revoke)]
            return es.upload_trustee_message(e, obj, actor=actor)

        try:
            events = _step(one, as_json)
        except typer.Exit:
            if done:
                typer.echo(f"(before {path}: {len(done)} event(s) appended)", err=True)
            raise
        done += [{"file": str(path), "seq": ev.seq, "type": ev.kind, "hash": ev.hash} for ev in events]
    e.refresh_from_db()
    _emit({"appended": done, "head": e.head}, as_json, lambda: console.print(
        "\n".join(f"{d['file']}: event {d['seq']} ({d['type'].replace('_', ' ')})" for d in done)
        + f"\nHead: {e.head}"))


@app.command("cast")
def cast_cmd(union: str, ballot: str, files: list[Path],
             reveal: Path = typer.Option(None, help="Challenge the (one) ballot instead: its reveal (JSON)."),
             as_json: bool = JSON) -> None:
    """Cast ballots made by a booth (one JSON file each): checked and appended as the casting page does."""
    _setup()
    import json

    from mandate.union.electronic import services as es

    e = _election(_ballot(union, ballot), as_json)
    out = []
    for path in files:
        try:
            data = path.read_bytes()
        except OSError as error:
            fail(f"{path}: cannot read the file ({error.strerror or error})", as_json=as_json, code=BAD_INPUT)
        try:
            if reveal is not None:
                r = es.check_and_append_challenge(e, data, json.loads(reveal.read_text(encoding="utf-8")))
            else:
                r = es.check_and_append_ballot(e, data)
        except es.BallotRefused as refused:
            fail(f"{path}: refused ({refused.reason}): {refused}", as_json=as_json)
        out.append({"file": str(path), "tracking_code": r.tracking_code, "seq": r.seq, "kind": r.kind,
                    "replaces_earlier": r.replaces_earlier})
    _emit(out, as_json, lambda: console.print("\n".join(
        f"{o['file']}: {o['kind']} {o['tracking_code']}" + (" (replaces an earlier ballot)" if o["replaces_earlier"]
                                                           else "") for o in out)))


@app.command("credentials-sent")
def credentials_sent_cmd(union: str, ballot: str, as_json: bool = JSON, actor: str = ACTOR) -> None:
    """Record that the credential authority has sent every member their credential (the electronic ballot's
    'voting papers issued')."""
    _setup()
    from mandate.union import services

    b = _ballot(union, ballot)
    _step(lambda: services.record_credentials_sent(b, actor=actor), as_json)
    _emit(_stage(b), as_json, lambda: console.print(f"Ballot {b.code}: credentials sent; open it on its opening "
                                                    "day."))


@app.command("board")
def board_cmd(union: str, ballot: str, as_json: bool = JSON,
              check: str = typer.Option(None, help="A tracking code to look for.")) -> None:
    """The bulletin board: the record's head, ballots so far per unit (counts only), a tracking code checked."""
    _setup()
    from mandate.union.electronic import services as es

    e = _election(_ballot(union, ballot), as_json)
    rows = es.turnout(e)
    found = es.find_tracking_code(e, check) if check else None
    data = {"election": e.election_id, "fingerprint": e.fingerprint, "head": e.head, "events": e.length,
            "units": rows, "tracking_code": None if check is None else {
                "code": check, "found": found is not None, "seq": found.seq if found else None,
                "kind": found.kind if found else None}}

    def render() -> None:
        table = Table("Unit", "Entitled", "Credentials", "Voted", "Turnout", title=f"{e.election_id}, head {e.head}")
        for r in rows:
            table.add_row(r["name"], str(r["entitled"]), str(r["credentials"]), str(r["voted"]), f"{r['share']:.1%}")
        console.print(table)
        if check:
            console.print(f"Tracking code {check}: " + (f"in the record (event {found.seq}, {found.kind})." if found
                                                        else "not in the record."))

    _emit(data, as_json, render)
    if check and found is None:
        raise typer.Exit(1)


@app.command("verify-record")
def verify_record_cmd(union: str, ballot: str, as_json: bool = JSON) -> None:
    """Run the independent verifier over the ballot's record as the server holds it (kept for the documents)."""
    _setup()
    from mandate.union.electronic import services as es

    e = _election(_ballot(union, ballot), as_json)
    outcome = es.verify(e)
    _emit(outcome, as_json, lambda: console.print(
        f"The record {'verifies' if outcome['ok'] else 'does NOT verify'} ({outcome['events']} events, head "
        f"{outcome['head']})" + "".join(f"\n  failed: {f}" for f in outcome["failed"])))
    if not outcome["ok"]:
        raise typer.Exit(1)


def _write_csv(path: Path, header: list[str], rows: list[list[str]], mode: int = 0o644) -> None:
    import os

    from mandate.platform.exports import csv_writer

    buf = io.StringIO()
    w = csv_writer(buf)
    w.writerow(header)
    w.writerows(rows)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
        fh.write(buf.getvalue())
    os.chmod(path, mode)
