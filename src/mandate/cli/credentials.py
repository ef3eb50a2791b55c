"""`mandate credentials`: the credential authority's part of an electronic ballot, on its own machine, from files.

``authority`` makes the authority's signing key (its public key goes into the election event as
``credential_authority``); ``issue`` makes one credential per member from a CSV of member ids (and units), writes
the members' private credentials to a secret file (mode 600) for delivery, and the signed list of public
credentials (exactly the payload of a ``credentials`` record event) for the server; ``revoke`` and ``reissue``
replace a lost credential: the old one leaves the signed list (so a ballot signed with it fails check 11), and
``reissue`` gives the member a new one.

Which member holds which credential stays in the authority's secret file: the list the server gets is sorted by
credential and names no member.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from pathlib import Path
from typing import Any

import typer

from mandate.cli.errors import BAD_INPUT, fail
from mandate.crypto import group
from mandate.crypto.ceremony import CeremonyError, board, message_json, read_record
from mandate.crypto.credentials import PublicCredential, sign_credential_list
from mandate.crypto.secret_file import SecretFileError, read_secret_file, write_secret_file
from mandate.crypto.secrets import Secret, random_secret_scalar

app = typer.Typer(no_args_is_help=True, help="The credential authority: members' credentials, from files.")

AUTHORITY_KIND = "mandate credential authority"
CREDENTIALS_KIND = "mandate credentials"
MAX_MEMBER_ID = 200

AuthorityOpt = typer.Option(..., "--authority", help="The authority's secret file (`mandate credentials authority`).")
RecordOpt = typer.Option(..., "--record", help="The record published so far, with its election key.")


@app.command()
def authority(out_dir: Path = typer.Option(Path("."), "--dir", help="Where to write the authority's key.")) -> None:
    """Make the credential authority's signing key; print its public key for the election event."""
    out_dir.mkdir(parents=True, exist_ok=True)
    s = random_secret_scalar("credential authority key")
    pub = group.base_mul(s.reveal())
    path = out_dir / "authority.secret"
    try:
        write_secret_file(path, AUTHORITY_KIND, {"public": pub.hex()}, {"key": s})
    except SecretFileError as exc:
        fail(str(exc), code=BAD_INPUT)
    typer.echo(f"The authority's secret file: {path} (mode 600; keep it on this machine).", err=True)
    typer.echo("Give the election this public key as credential_authority:", err=True)
    typer.echo(pub.hex())


def _authority(path: Path) -> tuple[Secret, bytes]:
    try:
        public, secret = read_secret_file(path, AUTHORITY_KIND)
    except SecretFileError as exc:
        fail(str(exc), code=BAD_INPUT)
    return secret["key"], bytes.fromhex(public["public"])


def _election(record: Path, authority_public: bytes) -> tuple[bytes, tuple[str, ...]]:
    """The election's fingerprint and units, once the record has its election key and names this authority."""
    try:
        b = board(read_record(record))
    except CeremonyError as exc:
        fail(str(exc), code=BAD_INPUT)
    if b.manifest.get("credential_authority") != authority_public.hex():
        fail("the election names another credential authority (its credential_authority is not your key)")
    if b.fingerprint is None:
        fail("the record has no election key yet: credentials are signed for the election's fingerprint")
    return b.fingerprint, b.units


def _header(path: Path, rows: list[list[str]], units: tuple[str, ...]) -> tuple[list[str], int, int | None]:
    if not rows:
        fail(f"{path} is empty: a header row with member_id is needed", code=BAD_INPUT)
    header = [h.strip().lower() for h in rows[0]]
    if len(set(header)) != len(header):
        fail(f"{path}: a column is named twice in the header", code=BAD_INPUT)
    if "member_id" not in header:
        fail(f"{path}: no member_id column (the header is {', '.join(header)[:200]})", code=BAD_INPUT)
    if "unit" not in header and len(units) != 1:
        fail(f"{path}: no unit column, and the election has {len(units)} units", code=BAD_INPUT)
    return header, header.index("member_id"), header.index("unit") if "unit" in header else None


def read_members(path: Path, units: tuple[str, ...]) -> list[tuple[str, str]]:
    """(member id, unit) from a CSV with a `member_id` column and, unless the election has one unit, `unit`."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        fail(f"{path} cannot be read ({exc.strerror})", code=BAD_INPUT)
    if b"\x00" in raw:
        fail(f"{path} holds a NUL byte: not a CSV file", code=BAD_INPUT)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        fail(f"{path} is not UTF-8 text", code=BAD_INPUT)
    rows = list(csv.reader(io.StringIO(text, newline="")))
    header, mi, ui = _header(path, rows, units)
    problems: list[str] = []
    out: list[tuple[str, str]] = []
    seen: dict[str, int] = {}
    for n, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        if len(row) != len(header):
            problems.append(f"line {n}: {len(row)} columns, the header has {len(header)}")
            continue
        member = row[mi].strip()
        unit = row[ui].strip() if ui is not None else units[0]
        if not member or len(member) > MAX_MEMBER_ID or not member.isprintable():
            problems.append(f"line {n}: a member id must be 1 to {MAX_MEMBER_ID} printable characters")
        elif member in seen:
            problems.append(f"line {n}: member {member!r} is listed twice (first on line {seen[member]})")
        elif unit not in units:
            problems.append(f"line {n}: unknown unit {unit[:40]!r} (the election's: {', '.join(units)[:200]})")
        else:
            seen[member] = n
            out.append((member, unit))
    if problems:
        fail(f"{path}: the member list cannot be used; nothing was written", problems[:20])
    if not out:
        fail(f"{path} lists no member", code=BAD_INPUT)
    return out


def _signed_list(key: Secret, pub: bytes, fp: bytes, members: list[dict[str, Any]]) -> dict[str, Any]:
    entries = sorted((PublicCredential(bytes.fromhex(m["credential"]), m["unit"]) for m in members),
                     key=lambda e: e.credential)
    sig = sign_credential_list(key, pub, fp, entries)
    return {"entries": [{"credential": e.credential.hex(), "unit": e.unit} for e in entries],
            "signature": sig.to_json()}


def _new_credential(member: str, unit: str) -> dict[str, Any]:
    x = random_secret_scalar("voter signing key")
    return {"member": member, "unit": unit, "credential": group.base_mul(x.reveal()).hex(), "key": x}


def _write_list(path: Path, payload: dict[str, Any]) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(message_json(payload) + "\n")
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@app.command()
def issue(
    authority_file: Path = AuthorityOpt,
    record: Path = RecordOpt,
    members_csv: Path = typer.Option(..., "--members", help="CSV: member_id (and unit) per member."),
    out_dir: Path = typer.Option(Path("."), "--dir", help="Where to write the credentials and the signed list."),
) -> None:
    """One credential per member: the private credentials (secret file) and the signed public list."""
    key, pub = _authority(authority_file)
    fp, units = _election(record, pub)
    members = read_members(members_csv, units)
    private = out_dir / "credentials-private.secret"
    listed = out_dir / "credentials.json"
    if private.exists() or listed.exists():
        fail(f"{private} or {listed} exists already: credentials are issued once; use reissue for a lost one")
    issued = [_new_credential(m, u) for m, u in members]
    payload = _signed_list(key, pub, fp, issued)
    try:
        write_secret_file(private, CREDENTIALS_KIND, {"election": fp.hex(), "authority": pub.hex(), "revoked": []},
                          {"members": issued})
    except SecretFileError as exc:
        fail(str(exc), code=BAD_INPUT)
    _write_list(listed, payload)
    typer.echo(f"{len(issued)} credentials. Private (deliver each member theirs, keep the file at mode 600): "
               f"{private}", err=True)
    typer.echo(f"The signed list of public credentials, for the server and the record: {listed}", err=True)
    typer.echo(str(listed))


def _replace(authority_file: Path, record: Path, private: Path, member: str, *, reissue: bool) -> None:
    key, pub = _authority(authority_file)
    fp, _ = _election(record, pub)
    try:
        public, secret = read_secret_file(private, CREDENTIALS_KIND)
    except SecretFileError as exc:
        fail(str(exc), code=BAD_INPUT)
    if public.get("election") != fp.hex() or public.get("authority") != pub.hex():
        fail(f"{private} holds credentials for another election or authority")
    members: list[dict[str, Any]] = secret["members"]
    old = [m for m in members if m["member"] == member]
    if not old:
        fail(f"member {member[:80]!r} holds no credential (never issued, or already revoked)")
    kept = [m for m in members if m["member"] != member]
    revoked = [*public["revoked"], {"member": member, "credential": old[0]["credential"]}]
    if reissue:
        kept.append(_new_credential(member, old[0]["unit"]))
    if not kept:
        fail("revoking the only credential would leave an empty list")
    published = any(ev["type"] == "credentials" for ev in read_record(record))
    if published and not reissue:
        fail("the list is in the record already: reissue the member a new credential (the server then refuses "
             "the old one)")
    # Before publication the whole list is signed again without the old credential; after, a list of the new
    # credential alone (a credential is published once), uploaded with --revoke naming the old one.
    payload = _signed_list(key, pub, fp, kept[-1:] if published else kept)
    try:
        write_secret_file(private, CREDENTIALS_KIND, {**public, "revoked": revoked}, {"members": kept},
                          replace=True)
    except SecretFileError as exc:
        fail(str(exc), code=BAD_INPUT)
    n = len(revoked)
    listed = private.parent / (f"credentials-reissue-{n}.json" if published else "credentials.json")
    _write_list(listed, payload)
    if published:
        typer.echo(f"Upload {listed} with --revoke {old[0]['credential']} (the old credential), then send the "
                   f"member the new one: mandate credentials send --member {member}", err=True)
    what = "revoked and a new credential issued" if reissue else "revoked"
    typer.echo(f"Member {member}'s credential {old[0]['credential'][:16]}... {what}; the signed list is "
               f"{listed} ({len(kept)} credentials).", err=True)
    typer.echo(str(listed))


@app.command()
def revoke(
    authority_file: Path = AuthorityOpt,
    record: Path = RecordOpt,
    private: Path = typer.Option(..., "--private", help="The private credentials file (`issue`)."),
    member: str = typer.Option(..., "--member", help="The member whose credential is revoked."),
) -> None:
    """Take a member's credential off the signed list (a ballot signed with it is then refused)."""
    _replace(authority_file, record, private, member, reissue=False)


@app.command()
def reissue(
    authority_file: Path = AuthorityOpt,
    record: Path = RecordOpt,
    private: Path = typer.Option(..., "--private", help="The private credentials file (`issue`)."),
    member: str = typer.Option(..., "--member", help="The member whose credential was lost."),
) -> None:
    """Revoke a member's lost credential and issue a new one, re-signing the list."""
    _replace(authority_file, record, private, member, reissue=True)


def _e164(number: str) -> str:
    n = "".join(c for c in number if c.isdigit() or c == "+")
    if n.startswith("00"):
        n = "+" + n[2:]
    elif n.startswith("0"):
        n = "+44" + n[1:]
    return n


def _contacts(path: Path) -> dict[str, dict[str, str]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"{path} cannot be read as UTF-8 CSV ({exc.__class__.__name__})", code=BAD_INPUT)
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    if rows and "member_id" not in rows[0]:
        fail(f"{path}: no member_id column (`mandate ballot contacts` writes the file)", code=BAD_INPUT)
    return {r["member_id"].strip(): {"email": (r.get("email") or "").strip(), "mobile": (r.get("mobile") or "").strip()}
            for r in rows if (r.get("member_id") or "").strip()}


@app.command()
def send(
    private: Path = typer.Option(..., "--private", help="The private credentials file (`issue`)."),
    contacts: Path = typer.Option(..., "--contacts", help="CSV: member_id, email, mobile (`mandate ballot contacts`)."),
    portal: str = typer.Option(..., "--portal", help="The voting page's address, for the message."),
    closes: str = typer.Option(..., "--closes", help="When voting closes, in words (\"the end of 23 November 2026\")."),
    title: str = typer.Option("the ballot", "--title", help="The ballot's name, for the message."),
    helpline: str = typer.Option("", "--help-contact", help="Where a member gets help, for the message."),
    member: list[str] = typer.Option([], "--member", help="Send only to this member (repeat); default every one."),
    log: Path = typer.Option(None, "--log", help="The delivery log (CSV; default delivery-log.csv beside --private)."),
) -> None:
    """Send each member their credential by their personal email, or by SMS where there is no email, through the
    platform's mail and SMS backends (MANDATE_EMAIL_URL, MANDATE_SMS_URL). The delivery log and the audit log say
    who, by which channel and when: never the credential, the address or the number."""
    try:
        _, secret = read_secret_file(private, CREDENTIALS_KIND)
    except SecretFileError as exc:
        fail(str(exc), code=BAD_INPUT)
    book = _contacts(contacts)
    members: list[dict[str, Any]] = secret["members"]
    wanted = set(member)
    if wanted - {m["member"] for m in members}:
        fail("no credential for: " + ", ".join(sorted(wanted - {m["member"] for m in members}))[:300])
    chosen = [m for m in members if not wanted or m["member"] in wanted]
    missing = [m["member"] for m in chosen if not (book.get(m["member"], {}).get("email")
                                                   or book.get(m["member"], {}).get("mobile"))]
    if missing:
        fail(f"{len(missing)} member(s) have no personal email or mobile in {contacts}; nothing was sent",
             [f"member {x}" for x in missing[:20]])
    from mandate.cli.django_setup import setup_django

    setup_django()
    from django.core.mail import EmailMessage
    from django.utils import timezone

    from mandate.platform import sms
    from mandate.platform.mail import log_sent

    log = log or private.parent / "delivery-log.csv"
    new_log = not log.exists()
    sent = 0
    from mandate.platform.exports import csv_writer

    with log.open("a", encoding="utf-8", newline="") as fh:
        w = csv_writer(fh)
        if new_log:
            w.writerow(["member_id", "channel", "sent_at"])
        for m in chosen:
            code = group.encode_scalar(m["key"].reveal()).hex()
            text = (f"Your credential to vote in {title}: {code}\nVote at {portal} before {closes}. Keep it to "
                    "yourself: whoever has it can vote in your name. Nobody from the union or the scrutineer will "
                    "ask you for it." + (f" Help: {helpline}" if helpline else ""))
            c = book[m["member"]]
            try:
                if c["email"]:
                    EmailMessage(f"Your credential to vote in {title}", text, None, [c["email"]]).send()
                    channel = "email"
                else:
                    number = _e164(c["mobile"])
                    if not sms.E164.match(number):
                        raise sms.SmsError("the mobile number is not in international form (+44 7700 900123)")
                    sms.backend().send(number, text)
                    channel = "sms"
            except (sms.SmsError, OSError) as exc:
                fail(f"member {m['member']}: not sent ({exc}); {sent} sent before, listed in {log}")
            log_sent(channel, "e-ballot-credential", m["member"])
            w.writerow([m["member"], channel, timezone.now().isoformat(timespec="seconds")])
            fh.flush()
            sent += 1
    typer.echo(f"{sent} credential(s) sent; the delivery log is {log} (who, how, when; never the credential).",
               err=True)
    typer.echo(str(sent))
