"""A whole electronic ballot from the command line, 3 of 5 trustees: the server's steps with `mandate ballot`, the
trustees' with `mandate trustee` and the credential authority's with `mandate credentials`, each in a folder of
their own; members cast with the crypto engine's own ballot code (the booth's); one re-votes and one challenges;
a trustee's wrong share is refused naming them; `mandate record verify` passes on the record the server writes and
its totals are the votes cast; the rulebook counts it and no secret is in the database, the logs or the record."""

from __future__ import annotations

import json
import random
import shutil
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from tests.union.electronic.helpers import electronic_ballot, record_the_order
from typer.testing import CliRunner

from mandate.cli import app
from mandate.crypto import group
from mandate.crypto.ballot import ElectionContext, encrypt_ballot, reveal_json
from mandate.crypto.credentials import VoterCredential
from mandate.crypto.secret_file import read_secret_file

pytestmark = pytest.mark.django_db(transaction=True)
runner = CliRunner()
N, K = 5, 3
Q = ("strike", "action_short_of_strike")
TRUSTEES = ["civica", "t2", "t3", "t4", "t5"]


def cli(*args: Any, code: int = 0) -> str:
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exit_code == code, f"{args}: {result.output}"
    return result.output


def test_a_whole_electronic_ballot_from_the_cli(union_org, make_user, settings, tmp_path: Path, caplog) -> None:
    settings.DATA_DIR = tmp_path
    settings.SMS_URL = f"file://{tmp_path / 'sms'}"
    record_the_order(tmp_path)
    make_user("scrutineer", scope="pcs", username="civica")
    for t in TRUSTEES[1:]:
        make_user("trustee", scope="pcs", username=t)
    dirs = {n: tmp_path / n for n in ["server", "authority", *TRUSTEES]}
    for d in dirs.values():
        d.mkdir()
    record = dirs["server"] / "record.jsonl"

    def publish() -> None:
        cli("ballot", "record", "pcs", "eb", "--out", record)

    b = electronic_ballot(union_org, members=10, scrutineer_username="civica")
    no_mobile = b.electors.select_related("member").first().member
    no_mobile.mobile = ""
    no_mobile.save()
    only_mobile = b.electors.select_related("member").last().member
    only_mobile.personal_email = ""
    only_mobile.mobile = "07700 900999"
    only_mobile.save()
    ca = cli("credentials", "authority", "--dir", dirs["authority"]).strip().splitlines()[-1]
    cli("ballot", "unreachable", "pcs", "eb", "--out", dirs["server"] / "unreachable.csv")
    assert (dirs["server"] / "unreachable.csv").read_text().splitlines() == ["membership_number,name,unit,workplace"]
    cli("ballot", "election-setup", "pcs", "eb", *[x for t in TRUSTEES for x in ("--trustee", t)], "--threshold", K,
        "--authority-key", ca, "--assessment", "Security assessment SA-7, kept by the General Secretary",
        "--assessment-by", "Civica", "--assessment-on", (date.today() - timedelta(days=30)).isoformat(),
        "--personal-channels-only", "--as", "cli")
    # the key ceremony: each trustee on their own machine, the server appending what they upload
    publish()
    for i, t in enumerate(TRUSTEES, 1):
        cli("trustee", "keygen", "--record", record, "--index", i, "--dir", dirs[t])
        cli("ballot", "upload", "pcs", "eb", dirs[t] / f"commit-{i}.json", "--as", t)
    out = cli("ballot", "upload", "pcs", "eb", dirs["t2"] / "trustee-2.secret", "--as", "t2", code=1)
    assert "secret file" in out
    publish()
    for i, t in enumerate(TRUSTEES, 1):
        cli("trustee", "reveal", "--record", record, "--secret", dirs[t] / f"trustee-{i}.secret", "--dir", dirs[t])
    cli("ballot", "upload", "pcs", "eb", *[dirs[t] / f"reveal-{i}.json" for i, t in enumerate(TRUSTEES, 1)])
    publish()
    for i, t in enumerate(TRUSTEES, 1):
        inbox = dirs[t] / "inbox"
        inbox.mkdir()
        for j, s in enumerate(TRUSTEES, 1):
            if j != i:
                shutil.copy2(dirs[s] / f"share-{j}-for-{i}.secret", inbox)
        cli("trustee", "finish", "--record", record, "--secret", dirs[t] / f"trustee-{i}.secret",
            *sorted(inbox.iterdir()))
    cli("trustee", "check", "--record", record)
    # credentials: the authority issues from the contacts the server exports, uploads the signed list, sends
    contacts = dirs["authority"] / "contacts.csv"
    cli("ballot", "contacts", "pcs", "eb", "--out", contacts, "--as", "civica")
    cli("credentials", "issue", "--authority", dirs["authority"] / "authority.secret", "--record", record,
        "--members", contacts, "--dir", dirs["authority"])
    cli("ballot", "upload", "pcs", "eb", dirs["authority"] / "credentials.json", "--as", "civica")
    cli("credentials", "send", "--private", dirs["authority"] / "credentials-private.secret", "--contacts", contacts,
        "--portal", "https://vote.example.org/pcs/eb", "--closes", "the end of the closing day", "--title", "the ballot")
    electors = b.electors.count()
    assert len(mail.outbox) == electors - 1 and len(list((tmp_path / "sms").iterdir())) == 1
    cli("ballot", "credentials-sent", "pcs", "eb")
    cli("ballot", "open", "pcs", "eb")
    # members vote with the booth's code; M[3] challenges first, M[5] re-votes
    board = json.loads(cli("ballot", "board", "pcs", "eb", "--json"))
    ctx = ElectionContext(bytes.fromhex(board["fingerprint"]),
                          bytes.fromhex(json.loads(record.read_text().splitlines()[-1])["payload"]["public_key"]), Q)
    _, creds = read_secret_file(dirs["authority"] / "credentials-private.secret", "mandate credentials")
    cred = {m["member"]: VoterCredential(m["key"], bytes.fromhex(m["credential"]), m["unit"])
            for m in creds["members"]}
    rng = random.Random(15)
    votes = {m: {q: rng.randint(0, 1) for q in Q} for m in sorted(cred)[:8]}
    codes: list[str] = []
    nonces: list[str] = []  # a cast ballot's encryption nonces: whoever holds one can read that ballot
    for n, (m, v) in enumerate(votes.items()):
        if n == 3:
            ballot, secrets = encrypt_ballot(ctx, cred[m], {q: 1 - x for q, x in v.items()})
            (tmp_path / "c.json").write_text(json.dumps(ballot.to_json()))
            (tmp_path / "r.json").write_text(json.dumps(reveal_json(ballot, secrets)))
            cli("ballot", "cast", "pcs", "eb", tmp_path / "c.json", "--reveal", tmp_path / "r.json")
        if n == 5:
            ballot, _ = encrypt_ballot(ctx, cred[m], {q: 1 - x for q, x in v.items()})
            (tmp_path / "first.json").write_text(json.dumps(ballot.to_json()))
            cli("ballot", "cast", "pcs", "eb", tmp_path / "first.json")
        ballot, cast_secrets = encrypt_ballot(ctx, cred[m], v)
        nonces += [group.encode_scalar(r.reveal()).hex() for r in cast_secrets.nonces]
        path = tmp_path / f"ballot-{n}.json"
        path.write_text(json.dumps(ballot.to_json()))
        codes.append(json.loads(cli("ballot", "cast", "pcs", "eb", path, "--json"))[0]["tracking_code"])
    assert "replayed" in cli("ballot", "cast", "pcs", "eb", tmp_path / "ballot-0.json", code=1)
    cli("ballot", "board", "pcs", "eb", "--check", codes[2])
    turnout = json.loads(cli("ballot", "board", "pcs", "eb", "--json"))["units"]
    assert [(u["entitled"], u["voted"]) for u in turnout] == [(electors, 8)]
    # the close: end of voting and the encrypted tallies; trustees decrypt on their machines, 2 wrong then 1,3,5
    cli("ballot", "close", "pcs", "eb", "--today", (b.closing_day + timedelta(days=1)).isoformat(), "--as", "civica")
    publish()
    for i, t in enumerate(TRUSTEES, 1):
        cli("trustee", "decrypt", "--record", record, "--secret", dirs[t] / f"trustee-{i}.secret", "--dir", dirs[t])
    bad = json.loads((dirs["t2"] / "decryption-2.json").read_text())
    bad["shares"][0]["share"] = group.add(bytes.fromhex(bad["shares"][0]["share"]), group.GENERATOR).hex()
    (dirs["t2"] / "decryption-2.json").write_text(json.dumps(bad))
    out = cli("ballot", "upload", "pcs", "eb", dirs["t2"] / "decryption-2.json", "--as", "t2", code=1)
    assert "trustee 2 published a wrong share" in out
    for i in (1, 3, 5):
        cli("ballot", "upload", "pcs", "eb", dirs[TRUSTEES[i - 1]] / f"decryption-{i}.json")
    result = json.loads(cli("ballot", "count", "pcs", "eb", "--as", "civica", "--json"))
    publish()
    report = json.loads(cli("record", "verify", record, "--json", "--workers", "1"))
    assert report["ok"], report
    yes = {q: sum(v[q] for v in votes.values()) for q in Q}
    by_q = {r["question"]: r for r in report["verified"]["units"][0]["questions"]}
    assert {q: by_q[q]["online"]["yes"] for q in Q} == yes
    assert {q: by_q[q]["online"]["no"] for q in Q} == {q: len(votes) - yes[q] for q in Q}
    assert report["verified"]["ballots"]["challenged"] == 1 and report["verified"]["ballots"]["replaced"] == 1
    assert {r["question"]: (r["yes"], r["votes_cast"]) for r in result["units"]} == {q: (yes[q], 8) for q in Q}
    # no secret anywhere the server keeps: the database, the log, the record
    secrets_hex = nonces + [group.encode_scalar(m["key"].reveal()).hex() for m in creds["members"]]
    for i, t in enumerate(TRUSTEES, 1):
        _, s = read_secret_file(dirs[t] / f"trustee-{i}.secret", "mandate trustee secret")
        secrets_hex += [group.encode_scalar(v.reveal()).hex() for v in _scalars(s)]
    _, a = read_secret_file(dirs["authority"] / "authority.secret", "mandate credential authority")
    secrets_hex.append(group.encode_scalar(a["key"].reveal()).hex())
    haystack = _database_text() + record.read_text() + caplog.text
    assert secrets_hex and not [h for h in secrets_hex if h in haystack]


def _scalars(obj: Any) -> list[Any]:
    from mandate.crypto.secrets import Secret

    if isinstance(obj, Secret):
        return [obj]
    if isinstance(obj, dict):
        return [x for v in obj.values() for x in _scalars(v)]
    if isinstance(obj, list):
        return [x for v in obj for x in _scalars(v)]
    return []


def _database_text() -> str:
    """Every text column of every table, as one string."""
    from django.apps import apps

    parts = []
    for model in apps.get_models():
        for row in model.objects.all().values():
            parts.append(json.dumps(row, default=str))
    return "\n".join(parts)
