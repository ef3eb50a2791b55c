"""A whole electronic ballot, as the issue's "Done when" asks, with Chromium for the members who vote in the
booth: set-up, a 3-of-5 key ceremony (each trustee runs `mandate trustee` in a folder of their own and uploads
only what is published), the credential authority's credentials (`mandate credentials`, its own folder) sent to
the development mail and SMS backends, 30 members voting (three in the browser, one of whom re-votes and one of
whom challenges first; the others with the `mandate vote` client, as a member would, from the message they
received), the close, three trustees' decryption shares, the result through the rulebook, the documents; then
`mandate record verify` passes on the record and its totals are the votes cast.

Security, along the way: no request the browser sends, no row of the database, no log line and no document holds
a member's credential key; the server never receives a vote in the clear (a challenged ballot's reveal is the
member's own choice to open a ballot that is never counted); a member's re-vote replaces their ballot; every
tracking code is in the public record."""

from __future__ import annotations

import json
import logging
import re
import shutil
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from tests.union.electronic.helpers import electronic_ballot, record_the_order
from typer.testing import CliRunner

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"
TRUSTEES = ["civica", "trustee2", "trustee3", "trustee4", "trustee5"]
MEMBERS = 30
BROWSER = 3  # members 0, 1, 2 vote in Chromium: 0 re-votes, 1 challenges first


def mandate(*args: str) -> str:
    from mandate.cli import app

    out = CliRunner().invoke(app, [str(a) for a in args])
    assert out.exit_code == 0, f"mandate {' '.join(map(str, args))}: {out.output}"
    return out.stdout


def choice(i: int) -> dict[str, int]:
    """Member i's (last) vote: strike Yes for two in three, action short of a strike Yes for one in two."""
    return {"strike": int(i % 3 != 0), "action_short_of_strike": int(i % 2 == 0)}


def delivered_messages(folders: list[Path], inboxes: Path) -> dict[str, Path]:
    """The address each credential message was sent to -> that member's own copy of it (the development mail
    backend may write several messages into one file; a member's mailbox holds only theirs)."""
    from mandate.cli.vote import _message_texts

    out = {}
    inboxes.mkdir()
    for folder in folders:
        for file in sorted(folder.iterdir()):
            for to, text in _message_texts(file.read_bytes()):
                if "#credential=" in text:
                    own = inboxes / f"{len(out)}.txt"
                    own.write_text(f"To: {to.strip()}\n\n{text}")
                    out[to.strip()] = own
    return out


def key_ceremony(e: Any, homes: dict[int, Path], download: Any) -> None:
    """Each trustee in their own folder: keygen, reveal (the private shares handed over), finish; only the
    published messages are uploaded."""
    from mandate.union.electronic import services as es

    for i, home in homes.items():
        home.mkdir()
        mandate("trustee", "keygen", "--record", download(home), "--index", i, "--dir", home)
        es.upload_trustee_message(e, (home / f"commit-{i}.json").read_text(), actor=TRUSTEES[i - 1])
    for i, home in homes.items():
        mandate("trustee", "reveal", "--record", download(home), "--secret", home / f"trustee-{i}.secret", "--dir", home)
        es.upload_trustee_message(e, (home / f"reveal-{i}.json").read_text(), actor=TRUSTEES[i - 1])
        for j, other in homes.items():  # the private shares, handed over in person
            if j != i:
                (other / "inbox").mkdir(exist_ok=True)
                shutil.copy2(home / f"share-{i}-for-{j}.secret", other / "inbox" / f"share-{i}-for-{j}.secret")
    for j, home in homes.items():
        mandate("trustee", "finish", "--record", download(home), "--secret", home / f"trustee-{j}.secret",
                *sorted((home / "inbox").iterdir()))


def vote_in_browser(browser: Any, ballot: Any, n: int, message: Path, x: Any, mail_dir: Path,
                    requests: list[tuple[str, str]]) -> str:
    """Member n votes in Chromium from the link in their message (phone width for all but the first); member 0
    casts, then re-votes; member 1 challenges first. Returns the tracking code of their last ballot."""
    from mandate.cli.vote import _find_code, read_link

    link = read_link(message, None)
    context = browser.new_context(locale="en-GB", viewport={"width": 390, "height": 844} if n else None)
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.on("request", lambda r: requests.append((r.url, r.post_data or "")))
    page.goto(f"{link.base}{'/vote/' + link.union + '/' + link.ballot + '/link/' + link.key}/"
              f"#credential={link.credential}")
    page.get_by_role("button", name="Send me a code").click()
    code = _find_code(mail_dir, x.member.personal_email, 0)
    page.get_by_label("Six-digit code").fill(code or "")
    page.get_by_role("button", name="Continue to the ballot").click()
    page.wait_for_url("**/booth/")

    def mark(votes: dict[str, int], page: Any = page) -> None:
        for q in ballot.questions.all():
            group_ = page.get_by_role("group", name=re.compile(re.escape(q.text)))
            group_.get_by_label("Yes" if votes[q.kind] else "No").check()

    if n == 1:  # challenges first: the ballot opens to the choices made, and is never counted
        mark({"strike": 1, "action_short_of_strike": 1})
        page.get_by_role("button", name="Check the encryption instead").click()
        page.get_by_text("Checked ballot published").wait_for()
    if n == 0:  # votes Yes to everything, then changes their mind: the last vote counts
        mark({"strike": 1, "action_short_of_strike": 1})
        page.get_by_role("button", name="Cast my vote").click()
        page.locator("#receipt-code").wait_for()
    mark(choice(n))
    before = page.locator("#receipt-code").inner_text()
    page.get_by_role("button", name="Cast my vote").click()
    page.wait_for_function("b => { const c = document.getElementById('receipt-code').textContent; "
                           "return c && c !== b && !document.getElementById('receipt').hidden; }", arg=before)
    if n == 0:
        assert page.locator("#receipt-replaced").is_visible()
    code_ = page.locator("#receipt-code").inner_text()
    page.locator("#receipt-link").click()
    page.wait_for_url("**/receipt/**")
    page.screenshot(path=str(SHOTS / f"journey-receipt-{n}.png"), full_page=True)
    page.get_by_role("link", name="Check it on the bulletin board").click()  # the public board, no sign-in
    page.wait_for_url("**/board/**")
    assert code_ in page.content()
    if n == 0:
        page.screenshot(path=str(SHOTS / "journey-board.png"), full_page=True)
    context.close()
    return code_


def test_a_whole_electronic_ballot(browser, live_server, union_org, make_user, settings, tmp_path, caplog) -> None:
    from mandate.crypto import group
    from mandate.crypto.secret_file import read_secret_file
    from mandate.union import services
    from mandate.union.electronic import record as rec
    from mandate.union.electronic import services as es
    from mandate.union.models import Member, RecordEvent, UnitResult
    from mandate.union.voting import access, delivery

    caplog.set_level(logging.DEBUG)
    settings.DATA_DIR = tmp_path
    record_the_order(tmp_path)
    mail_dir, sms_dir = tmp_path / "mail", tmp_path / "sms"
    mail_dir.mkdir()
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = mail_dir
    settings.SMS_URL, settings.SMS_FILE_PATH = "", sms_dir
    SHOTS.mkdir(parents=True, exist_ok=True)
    make_user("scrutineer", scope="pcs", username="civica")
    for name in TRUSTEES[1:]:
        make_user("trustee", scope="pcs", username=name)

    # ---- set-up: the credential authority's key (its own folder), the election with 5 trustees, threshold 3
    ca = tmp_path / "authority"
    authority_key = mandate("credentials", "authority", "--dir", ca).strip()
    # 28 from the register imported here, and the 2 the union_org fixture has at Newport
    ballot = electronic_ballot(union_org, members=MEMBERS - 2, scrutineer_username="civica")
    electors = list(ballot.electors.select_related("unit", "member").order_by("membership_number"))
    assert len(electors) == MEMBERS
    sms_only = electors[20:26]  # these members have a personal mobile and no personal email
    Member.objects.filter(pk__in=[e.member_id for e in sms_only]).update(personal_email="")
    electors = list(ballot.electors.select_related("unit", "member").order_by("membership_number"))
    e = es.create_election(ballot, trustees=TRUSTEES, threshold=3, credential_authority=authority_key,
                           security_assessment="Civica SA-2026-11", security_assessment_by="Civica",
                           security_assessment_on=date.today() - timedelta(days=20), personal_channels_only=True,
                           actor="official")

    # ---- the key ceremony: each trustee on "their own machine", uploading only their messages
    homes = {i: tmp_path / f"trustee-{i}" for i in range(1, 6)}

    def download(folder: Path) -> Path:
        path = folder / "record.jsonl"
        path.write_text(rec.record_text(e), encoding="ascii")
        return path

    key_ceremony(e, homes, download)
    e.refresh_from_db()
    assert e.fingerprint and RecordEvent.objects.filter(election=e, kind="election_key").exists()

    # ---- credentials: issued by the authority from a member list, the signed list uploaded, each member's sent
    members_csv = ca / "members.csv"
    members_csv.write_text("member_id,unit\n" + "".join(f"{x.membership_number},{es.unit_id(x.unit)}\n"
                                                        for x in electors))
    mandate("credentials", "issue", "--authority", ca / "authority.secret", "--record", download(ca),
            "--members", members_csv, "--dir", ca)
    es.upload_credentials(e, (ca / "credentials.json").read_text(), actor="civica")
    _, private = read_secret_file(ca / "credentials-private.secret", "mandate credentials")
    keys = {m["member"]: group.encode_scalar(m["key"].reveal()).hex() for m in private["members"]}
    sent = delivery.deliver(ballot, sorted(keys.items()), base_url=live_server.url, actor="civica")
    assert sorted(d.channel for d in sent) == ["email"] * (MEMBERS - 6) + ["sms"] * 6
    services.record_credentials_sent(ballot, actor="official")
    services.open_ballot(ballot, actor="official")
    messages = delivered_messages([mail_dir, sms_dir], tmp_path / "inboxes")

    def message_of(x: Any) -> Path:
        if x.member.personal_email:
            return messages[x.member.personal_email]
        return messages[access.international(x.member.mobile)]

    # ---- three members vote in Chromium, from the link in their message
    requests: list[tuple[str, str]] = []
    browser_codes: list[str] = []
    for n, x in enumerate(electors[:BROWSER]):
        browser_codes.append(vote_in_browser(browser, ballot, n, message_of(x), x, mail_dir, requests))

    # ---- the other 27 with the `mandate vote` client, each from their own delivered message
    cli_codes = []
    for i, x in enumerate(electors[BROWSER:], start=BROWSER):
        votes = [f"{q}={'yes' if v else 'no'}" for q, v in choice(i).items()]
        out = mandate("vote", "cast", "--message", message_of(x), "--code-from", mail_dir, "--code-from", sms_dir,
                      "--json", *[a for v in votes for a in ("--vote", v)])
        cli_codes.append(json.loads(out)["tracking_code"])

    # ---- every tracking code is in the public record; the re-vote replaced; the challenge is not counted
    cast = RecordEvent.objects.filter(election=e, kind="ballot")
    assert cast.count() == MEMBERS + 1 and RecordEvent.objects.filter(election=e, kind="challenge").count() == 1
    assert set(browser_codes + cli_codes) <= set(cast.values_list("tracking_code", flat=True))
    turnout = es.turnout(e)
    assert sum(t["voted"] for t in turnout) == MEMBERS

    # ---- the close, three trustees' decryption shares (on their machines), the result, the documents
    closing = ballot.closing_day + timedelta(days=1)
    services.close_ballot(ballot, actor="civica", today=closing)
    for j in (1, 3, 5):
        mandate("trustee", "decrypt", "--record", download(homes[j]), "--secret", homes[j] / f"trustee-{j}.secret",
                "--dir", homes[j])
        es.upload_trustee_message(e, (homes[j] / f"decryption-{j}.json").read_text(), actor=TRUSTEES[j - 1])
    services.count(ballot, actor="civica", today=closing)
    docs = services.issue_results(ballot, sent_on=closing, actor="official", today=closing)
    report = services.issue_report(ballot, sent_on=closing, actor="civica", today=closing)
    e.refresh_from_db()
    assert docs and report and e.verification["ok"]

    # ---- anyone downloads the record and verifies it; its totals are the votes cast
    from urllib.request import urlopen

    record = tmp_path / "downloaded.jsonl"
    with urlopen(f"{live_server.url}/board/{ballot.union.code}/{ballot.code}/record.jsonl") as response:  # noqa: S310
        record.write_bytes(response.read())
    assert record.read_text() == rec.record_text(e)
    mandate("record", "verify", record)
    lines = [json.loads(line) for line in record.read_text().splitlines()]
    results = {r["question"]: r for r in lines[-1]["payload"]["results"]}
    for q in ("strike", "action_short_of_strike"):
        yes = sum(choice(i)[q] for i in range(MEMBERS))
        assert (results[q]["yes"], results[q]["no"]) == (yes, MEMBERS - yes), q
        row = UnitResult.objects.get(unit__ballot=ballot, question__kind=q)
        assert (row.voted, row.yes, row.no) == (MEMBERS, yes, MEMBERS - yes)

    # ---- no credential key anywhere it should not be: requests, the database, the logs, the documents
    secrets = list(keys.values())
    for url, body in requests:
        assert not any(s in url or s in body for s in secrets), url
    casts = [json.loads(b) for u, b in requests if u.endswith("/cast.json")]
    assert casts and all(set(c) == {"ballot"} for c in casts)  # the sealed ballot only, never a vote
    from django.apps import apps
    from django.db import connection

    with connection.cursor() as cursor:
        for model in apps.get_models():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(model._meta.db_table)}")  # noqa: S608
            dump = repr(cursor.fetchall())
            assert not any(s in dump for s in secrets), model._meta.db_table
    assert not any(s in caplog.text for s in secrets)
    assert not any(s in record.read_text() for s in secrets)
