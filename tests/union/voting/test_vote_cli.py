"""`mandate vote` against a running server, as a member would: from the credential message (with the personal
link, or naming only the ballot's page, as `mandate credentials send` writes it), a one-time code read from the
development mail folder, then cast, re-vote, challenge, and ballots prepared in advance and sent later."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.union.voting.helpers import open_election
from typer.testing import CliRunner

from mandate.cli import app

pytestmark = pytest.mark.django_db(transaction=True)


def run(*args: object) -> tuple[int, str]:
    out = CliRunner().invoke(app, [str(a) for a in args])
    return out.exit_code, out.output


def test_vote_cast_revote_challenge_prepare_send(live_server, union_org, settings, tmp_path: Path) -> None:
    from mandate.union.models import RecordEvent
    from mandate.union.voting import delivery

    mail_dir = tmp_path / "mail"
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = mail_dir
    eb = open_election(union_org, members=4)
    first, second, third = eb.electors[:3]
    # the message as `mandate vote` users receive it: one file per member (their own mailbox)
    message = tmp_path / "message.txt"
    message.write_text(f"To: {first.member.personal_email}\n\n" + delivery.credential_message(
        eb.ballot, first, eb.secret_hex(first.membership_number), base_url=live_server.url))
    code, out = run("vote", "cast", "--message", message, "--code-from", mail_dir,
                    "--vote", "strike=yes", "--vote", "action_short_of_strike=no")
    assert code == 0, out
    assert "Your vote is cast." in out and "Tracking code:" in out
    assert eb.secret_hex(first.membership_number) not in out
    # as `mandate credentials send` writes it: the ballot's page and the credential; sign in by number
    plain = tmp_path / "plain.txt"
    plain.write_text(f"To: {second.member.personal_email}\n\nYour credential to vote in the ballot: "
                     f"{eb.secret_hex(second.membership_number)}\nVote at {live_server.url}/vote/"
                     f"{eb.ballot.union.code}/{eb.ballot.code}/ before the end of the closing day.")
    code, out = run("vote", "cast", "--message", plain, "--code-from", mail_dir, "--vote", "strike=no",
                    "--vote", "action_short_of_strike=no")
    assert code == 2 and "--member" in out
    code, out = run("vote", "cast", "--message", plain, "--member", second.membership_number, "--code-from",
                    mail_dir, "--vote", "strike=no", "--vote", "action_short_of_strike=no", "--json")
    assert code == 0, out
    receipt = json.loads(out.strip().splitlines()[-1])
    assert receipt["replaced_earlier_ballot"] is False
    # a challenge: opened, published, never counted; the file checks on another device
    opened = tmp_path / "opened.json"
    code, out = run("vote", "cast", "--message", plain, "--member", second.membership_number, "--code-from",
                    mail_dir, "--vote", "strike=yes", "--vote", "action_short_of_strike=yes", "--challenge",
                    "--out", opened)
    assert code == 1 and "less than a minute ago" in out  # a second code for the same member: wait a minute
    # ballots prepared in advance (signed in now), sent later
    third_message = tmp_path / "third.txt"
    third_message.write_text(f"To: {third.member.personal_email}\n\n" + delivery.credential_message(
        eb.ballot, third, eb.secret_hex(third.membership_number), base_url=live_server.url))
    prepared = tmp_path / "prepared.jsonl"
    code, out = run("vote", "prepare", "--message", third_message, "--code-from", mail_dir, "--vote", "strike=yes",
                    "--vote", "action_short_of_strike=yes", "--out", prepared)
    assert code == 0, out
    assert RecordEvent.objects.filter(kind="ballot").count() == 2  # nothing cast yet
    code, out = run("vote", "send", prepared)
    assert code == 0 and ": " in out and "cast" in out, out
    code, out = run("vote", "send", prepared)  # the same file again: the same receipts, nothing added
    assert code == 0, out
    assert RecordEvent.objects.filter(kind="ballot").count() == 3
    assert eb.secret_hex(third.membership_number) not in prepared.read_text()


def test_a_challenge_from_the_client_checks_elsewhere(live_server, union_org, settings, tmp_path: Path) -> None:
    from mandate.union.models import RecordEvent
    from mandate.union.voting import delivery

    mail_dir = tmp_path / "mail"
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = mail_dir
    eb = open_election(union_org, members=3)
    member = eb.electors[0]
    message = tmp_path / "message.txt"
    message.write_text(f"To: {member.member.personal_email}\n\n" + delivery.credential_message(
        eb.ballot, member, eb.secret_hex(member.membership_number), base_url=live_server.url))
    opened = tmp_path / "opened.json"
    code, out = run("vote", "cast", "--message", message, "--code-from", mail_dir, "--vote", "strike=yes",
                    "--vote", "action_short_of_strike=no", "--challenge", "--out", opened)
    assert code == 0, out
    assert "Challenged (never counted)" in out and ": Yes" in out and ": No" in out
    assert RecordEvent.objects.filter(kind="challenge").count() == 1
    assert not RecordEvent.objects.filter(kind="ballot").exists()
    code, out = run("vote", "check", opened)
    assert code == 0 and "holds exactly these choices" in out, out
    forged = json.loads(opened.read_text())
    forged["reveal"][0]["vote"] = 1 - forged["reveal"][0]["vote"]
    opened.write_text(json.dumps(forged))
    code, out = run("vote", "check", opened)
    assert code == 1 and "do not open the ballot" in out
