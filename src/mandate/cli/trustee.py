"""`mandate trustee`: a trustee's part of an electronic ballot, on their own machine, from files.

In order (docs/e-ballots.md): ``keygen`` (a secret file and the commitment message), ``reveal`` (once every
commitment is in the record: the reveal message and one private share file for each other trustee), ``finish``
(with the shares the others sent: the trustee's key share, kept in the secret file), ``combine`` / ``check``
(anyone: the election key from the reveals), ``decrypt`` (after the close: the decryption share with its proof)
and ``result`` (anyone: check the decryption shares, name a wrong one, and decrypt the result from k good ones).

Each message is exactly the payload of its record event (docs/record-format.md section 6); no secret goes into a
message, onto the screen or into the record. Exit 1: refused (a step out of order, a check that fails); 2: an
unusable file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from mandate.cli.errors import BAD_INPUT, fail
from mandate.crypto import group
from mandate.crypto.ceremony import (
    Board,
    CeremonyError,
    board,
    check_election_key,
    check_share_message,
    checked_coefficients,
    election_key_payload,
    message_json,
    parse_reveal,
    read_record,
    result_payload,
    share_for,
    share_matches,
    tallies,
)
from mandate.crypto.hashing import TAG_SCHNORR_POK
from mandate.crypto.keygen import commitment_hash, pok_items
from mandate.crypto.proofs import schnorr_prove
from mandate.crypto.secret_file import SecretFileError, read_secret_file, write_secret_file
from mandate.crypto.secrets import Secret, random_secret_scalar
from mandate.crypto.tally import decryption_share, share_context

app = typer.Typer(no_args_is_help=True, help="A trustee's key ceremony and decryption, from files.")

TRUSTEE_KIND = "mandate trustee secret"
SHARE_KIND = "mandate trustee share"

RecordOpt = typer.Option(..., "--record", help="The record published so far (JSON Lines).")
SecretOpt = typer.Option(..., "--secret", help="Your secret file (from `mandate trustee keygen`).")


def _board(record: Path) -> Board:
    try:
        return board(read_record(record))
    except CeremonyError as exc:
        fail(str(exc), code=BAD_INPUT)
    except (KeyError, TypeError, ValueError) as exc:
        fail(f"the record's election event cannot be used ({exc.__class__.__name__})", code=BAD_INPUT)


def _write_message(path: Path, payload: dict[str, Any]) -> str:
    text = message_json(payload)
    if path.exists():
        fail(f"{path} exists already: a message is never overwritten", code=BAD_INPUT)
    path.write_text(text + "\n", encoding="ascii")
    return text


def _read_json(path: Path) -> Any:
    import json

    from mandate.crypto.record import unique_object

    try:
        return json.loads(path.read_text(encoding="utf-8"), object_pairs_hook=unique_object)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        fail(f"{path} cannot be read as a message ({exc.__class__.__name__})", code=BAD_INPUT)


def _trustee_secret(path: Path, b: Board) -> tuple[dict[str, Any], dict[str, Any]]:
    try:
        public, secret = read_secret_file(path, TRUSTEE_KIND)
    except SecretFileError as exc:
        fail(str(exc), code=BAD_INPUT)
    if public.get("election") != b.election_hash.hex():
        fail(f"{path} is a trustee's secret for another election (its election hash is not this record's)")
    if public.get("threshold") != b.k or public.get("trustees") != b.n:
        fail(f"{path} was made for another threshold or number of trustees")
    i, commitments, coefficients = public.get("trustee"), public.get("commitments"), secret.get("coefficients")
    if (type(i) is not int or not 1 <= i <= b.n or not isinstance(commitments, list) or len(commitments) != b.k
            or not isinstance(coefficients, list) or len(coefficients) != b.k
            or not all(isinstance(a, Secret) for a in coefficients)
            or not isinstance(secret.get("key_share", Secret("", 0)), Secret)):
        fail(f"{path} is not a whole trustee's secret file", code=BAD_INPUT)
    try:
        if [group.base_mul(a.reveal()).hex() for a in coefficients] != commitments:
            raise group.DecodeError("commitments")
    except group.DecodeError:
        fail(f"{path}: its coefficients do not match its commitments (the file is damaged)", code=BAD_INPUT)
    return public, secret


@app.command()
def keygen(
    record: Path = RecordOpt,
    index: int = typer.Option(..., "--index", help="Your number as a trustee (1..n), as the election names you."),
    out_dir: Path = typer.Option(Path("."), "--dir", help="Where to write your secret file and your message."),
) -> None:
    """Make your polynomial (secret) for the election and write your commitment message (public)."""
    b = _board(record)
    if not 1 <= index <= b.n:
        fail(f"--index must be between 1 and {b.n}, the election's number of trustees (got {index})")
    if index in b.commits:
        fail(f"trustee {index} has already committed in this record")
    if b.reveals:
        fail("the reveals have begun: it is too late to commit")
    out_dir.mkdir(parents=True, exist_ok=True)
    secret_path = out_dir / f"trustee-{index}.secret"
    message_path = out_dir / f"commit-{index}.json"
    if message_path.exists():
        fail(f"{message_path} exists already: a message is never overwritten", code=BAD_INPUT)
    coefficients = [random_secret_scalar("polynomial coefficient") for _ in range(b.k)]
    commitments = [group.base_mul(a.reveal()) for a in coefficients]
    public = {"election": b.election_hash.hex(), "trustee": index, "threshold": b.k, "trustees": b.n,
              "commitments": [c.hex() for c in commitments]}
    try:
        write_secret_file(secret_path, TRUSTEE_KIND, public, {"coefficients": coefficients})
    except SecretFileError as exc:
        fail(str(exc), code=BAD_INPUT)
    text = _write_message(message_path, {"trustee": index, "commitment": commitment_hash(
        b.election_hash, index, b.k, commitments).hex()})
    typer.echo(f"Your secret file: {secret_path} (mode 600; keep it on this machine, back it up offline, "
               "never send it).", err=True)
    typer.echo(f"Your commitment message, to publish: {message_path}", err=True)
    typer.echo(text)


@app.command()
def reveal(
    record: Path = RecordOpt,
    secret: Path = SecretOpt,
    out_dir: Path = typer.Option(Path("."), "--dir", help="Where to write the reveal and the shares."),
) -> None:
    """Once every commitment is in the record: your reveal message, and a private share for each other trustee."""
    b = _board(record)
    public, sec = _trustee_secret(secret, b)
    i = public["trustee"]
    if b.missing_commits():
        fail("not every trustee has committed yet; reveal only when all have: missing "
             + ", ".join(f"trustee {j}" for j in b.missing_commits()))
    commitments = [bytes.fromhex(c) for c in public["commitments"]]
    if b.commits[i] != commitment_hash(b.election_hash, i, b.k, commitments):
        fail(f"the record's commitment for trustee {i} is not the one your secret file made: it was altered, or "
             "another file is yours; do not reveal")
    coefficients: list[Secret] = sec["coefficients"]
    proof = schnorr_prove(TAG_SCHNORR_POK, coefficients[0], commitments[0], pok_items(b.election_hash, i))
    out_dir.mkdir(parents=True, exist_ok=True)
    message_path = out_dir / f"reveal-{i}.json"
    if message_path.exists():
        fail(f"{message_path} exists already: a message is never overwritten", code=BAD_INPUT)
    share_paths = []
    for j in b.trustees():
        if j == i:
            continue
        path = out_dir / f"share-{i}-for-{j}.secret"
        try:
            write_secret_file(path, SHARE_KIND, {"election": b.election_hash.hex(), "from": i, "to": j},
                              {"share": share_for(coefficients, j)})
        except SecretFileError as exc:
            fail(str(exc), code=BAD_INPUT)
        share_paths.append(path)
    text = _write_message(message_path, {"trustee": i, "coefficients": [c.hex() for c in commitments],
                                         "proof": proof.to_json()})
    typer.echo(f"Your reveal message, to publish: {message_path}", err=True)
    for p in share_paths:
        typer.echo(f"Deliver privately (by hand, or encrypted) to the trustee it names: {p}", err=True)
    typer.echo(text)


@app.command()
def finish(
    record: Path = RecordOpt,
    secret: Path = SecretOpt,
    shares: list[Path] = typer.Argument(..., help="The share files the other trustees sent you."),
) -> None:
    """With every reveal in the record and the other trustees' shares: check each share, keep your key share."""
    b = _board(record)
    public, sec = _trustee_secret(secret, b)
    i = public["trustee"]
    if "key_share" in sec:
        fail(f"{secret} already holds your key share")
    try:
        coeffs = checked_coefficients(b)
    except CeremonyError as exc:
        fail(str(exc))
    received: dict[int, Secret] = {}
    for path in shares:
        try:
            sp, ss = read_secret_file(path, SHARE_KIND)
        except SecretFileError as exc:
            fail(str(exc), code=BAD_INPUT)
        sender = sp.get("from")
        if sp.get("election") != b.election_hash.hex() or sp.get("to") != i:
            fail(f"{path} is not a share for trustee {i} in this election")
        if type(sender) is not int or sender not in coeffs or sender == i or sender in received:
            fail(f"{path}: a share from an unknown trustee, from yourself, or a second from one trustee")
        if not share_matches(ss["share"], coeffs[sender], i):
            fail(f"the share from trustee {sender} does not match trustee {sender}'s published commitments: "
                 f"trustee {sender} sent a wrong share (ask for it again, or complain publicly)")
        received[sender] = ss["share"]
    missing = [j for j in b.trustees() if j != i and j not in received]
    if missing:
        fail("a share from every other trustee is needed: missing " + ", ".join(f"trustee {j}" for j in missing))
    own = share_for(sec["coefficients"], i)
    x = (own.reveal() + sum(s.reveal() for s in received.values())) % group.ORDER
    key_share = Secret("trustee key share", x)
    vk = group.base_mul(x)
    try:
        write_secret_file(secret, TRUSTEE_KIND, public, {**sec, "key_share": key_share}, replace=True)
    except SecretFileError as exc:
        fail(str(exc), code=BAD_INPUT)
    typer.echo(f"Your key share is in {secret}. Your public verification key: {vk.hex()}", err=True)
    typer.echo("You may now delete the share files you received.", err=True)
    typer.echo(vk.hex())


@app.command(name="combine")
def combine_cmd(
    record: Path = RecordOpt,
    out: Path = typer.Option(None, "--out", help="Where to write the election key message."),
) -> None:
    """Anyone: check every commitment and reveal in the record and compute the election key message."""
    b = _board(record)
    try:
        payload = election_key_payload(b)
    except CeremonyError as exc:
        fail(str(exc))
    text = _write_message(out, payload) if out else message_json(payload)
    typer.echo(text)


@app.command()
def check(
    record: Path = RecordOpt,
    reveal_message: Path = typer.Option(None, "--reveal", help="Check one reveal message before it is published."),
) -> None:
    """Anyone: check a reveal message against its commitment, or the record's election key against the reveals."""
    b = _board(record)
    try:
        if reveal_message is not None:
            i, _, _ = parse_reveal(b, _read_json(reveal_message), str(reveal_message))
            typer.echo(f"trustee {i}'s reveal matches its commitment and its proof verifies.")
            return
        vkeys = check_election_key(b)
    except CeremonyError as exc:
        fail(str(exc))
    assert b.election_key is not None and b.fingerprint is not None
    typer.echo(f"The election key follows from the {b.n} trustees' reveals: {b.election_key['public_key']}")
    typer.echo(f"Election fingerprint: {b.fingerprint.hex()}")
    for j, k in sorted(vkeys.items()):
        typer.echo(f"  trustee {j}: verification key {k.hex()}")


@app.command()
def decrypt(
    record: Path = RecordOpt,
    secret: Path = SecretOpt,
    out_dir: Path = typer.Option(Path("."), "--dir", help="Where to write your decryption share message."),
) -> None:
    """After the close: your decryption share of every encrypted tally, each with its proof."""
    b = _board(record)
    public, sec = _trustee_secret(secret, b)
    i = public["trustee"]
    if "key_share" not in sec:
        fail(f"{secret} holds no key share yet: run `mandate trustee finish` first")
    try:
        vkeys = check_election_key(b)
        ts = tallies(b)
    except CeremonyError as exc:
        fail(str(exc))
    key_share: Secret = sec["key_share"]
    if group.base_mul(key_share.reveal()) != vkeys[i]:
        fail(f"your key share does not match trustee {i}'s verification key in the record")
    assert b.fingerprint is not None and b.election_key is not None
    pk = bytes.fromhex(b.election_key["public_key"])
    items = []
    for (u, q), (ct, _) in ts.items():
        d, proof = decryption_share(key_share, vkeys[i], ct, share_context(b.fingerprint, pk, i, u, q))
        items.append({"unit": u, "question": q, "share": d.hex(), "proof": proof.to_json()})
    out_dir.mkdir(parents=True, exist_ok=True)
    text = _write_message(out_dir / f"decryption-{i}.json", {"trustee": i, "shares": items})
    typer.echo(f"Your decryption share, to publish: {out_dir / f'decryption-{i}.json'}", err=True)
    typer.echo(text)


@app.command()
def result(
    record: Path = RecordOpt,
    messages: list[Path] = typer.Argument(..., help="The trustees' decryption share messages."),
    out: Path = typer.Option(None, "--out", help="Where to write the result message."),
) -> None:
    """Anyone: check each decryption share (naming a trustee whose share is wrong) and decrypt the result from the
    good ones, if there are at least k."""
    b = _board(record)
    try:
        vkeys = check_election_key(b)
        tallies(b)
    except CeremonyError as exc:
        fail(str(exc))
    good: dict[int, Any] = {}
    good_files: list[str] = []
    wrong: list[str] = []
    for path in messages:
        try:
            j, shares = check_share_message(b, vkeys, _read_json(path))
        except CeremonyError as exc:
            wrong.append(f"{path}: {exc}")
            continue
        if j in good:
            wrong.append(f"{path}: a second message from trustee {j}")
            continue
        good[j] = shares
        good_files.append(str(path))
    try:
        payload = result_payload(b, good)
    except CeremonyError as exc:
        fail(str(exc), wrong)
    for w in wrong:
        typer.echo(f"refused: {w}", err=True)
    typer.echo(f"Publish these decryption shares, then the result: {', '.join(good_files)}", err=True)
    typer.echo(_write_message(out, payload) if out else message_json(payload))
