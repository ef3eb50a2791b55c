"""A member votes in Chromium: the link from their credential message (the credential in its fragment), the
one-time code from their personal email, the booth page (booth.js under subresource integrity and a strict
CSP), a cast with its receipt, a re-vote, and a challenge instead of a cast; then the record verifies. Every
request the browser sends is kept: none holds the credential key or a vote in the clear (a challenge's reveal
excepted: that ballot is spoilt, published and never counted). Screenshots at desktop and phone width."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.core import mail

from tests.union.voting.helpers import open_election

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"


def _code() -> str:
    match = re.search(r"is (\d{6})\.", mail.outbox[-1].body)
    assert match
    return match[1]


def test_a_member_votes_revotes_and_challenges_in_the_booth(browser, live_server, union_org, settings,
                                                           tmp_path) -> None:
    from mandate.crypto.verifier import verify_record
    from mandate.union.electronic import record as rec
    from mandate.union.models import RecordEvent
    from mandate.union.voting import delivery

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    eb = open_election(union_org, members=3)
    SHOTS.mkdir(parents=True, exist_ok=True)

    for elector, (width, height, label) in zip(eb.electors, ((1280, 900, "desktop"), (390, 844, "phone")),
                                               strict=False):
        secret = eb.secret_hex(elector.membership_number)
        delivery.deliver(eb.ballot, [(elector.membership_number, secret)], base_url=live_server.url)
        link = re.search(r"http\S+#credential=[0-9a-f]{64}", mail.outbox[-1].body)[0]
        context = browser.new_context(locale="en-GB", timezone_id="Europe/London",
                                      viewport={"width": width, "height": height})
        page = context.new_page()
        page.set_default_timeout(30_000)
        sent: list[tuple[str, str]] = []
        page.on("request", lambda r, sent=sent: sent.append((r.url, r.post_data or "")))
        console: list[str] = []
        page.on("console", lambda m, console=console: console.append(f"{m.type}: {m.text}"))
        page.on("pageerror", lambda e, console=console: console.append(f"pageerror: {e}"))

        page.goto(link)
        assert "#credential" not in page.url  # taken out of the address bar at once
        page.get_by_role("button", name="Send me a code").click()
        page.get_by_label("Six-digit code").fill(_code())
        page.screenshot(path=str(SHOTS / f"vote-1-code-{label}.png"), full_page=True)
        page.get_by_role("button", name="Continue to the ballot").click()
        page.wait_for_url("**/booth/")
        assert page.get_by_label("Credential").input_value() == secret  # from the link, in this tab only
        assert page.locator("#booth-sha256").inner_text() == (
            Path(__file__).resolve().parents[2] / "build" / "booth" / "booth.js.sha256").read_text().strip()

        # Nothing chosen: the booth says what is missing and moves the focus there.
        page.get_by_role("button", name="Cast my vote").click()
        assert "Choose Yes or No for question 1" in page.get_by_role("status").inner_text()
        first_question = eb.ballot.questions.order_by("kind").first()
        group = page.get_by_role("group", name=re.compile(re.escape(first_question.text)))
        assert page.evaluate("document.activeElement.dataset.question") == first_question.kind

        # By keyboard: Space picks the focused radio button; Tab moves to the next question.
        page.keyboard.press("Space")  # Yes to question 1
        page.screenshot(path=str(SHOTS / f"vote-2-booth-{label}.png"), full_page=True)
        page.get_by_role("group", name=re.compile("strike", re.I)).last.get_by_label("No").check()
        page.get_by_role("button", name="Cast my vote").click()
        receipt = page.get_by_role("region", name="Your vote is cast")
        receipt.wait_for()
        code1 = page.locator("#receipt-code").inner_text()
        assert re.fullmatch(r"[0-9a-f]{64}", code1)
        assert page.evaluate("document.activeElement.id") == "receipt"
        page.screenshot(path=str(SHOTS / f"vote-3-receipt-{label}.png"), full_page=True)
        assert group.get_by_label("Yes").is_checked() is False  # the choices are cleared for whoever comes next

        # A challenge instead of a cast: the booth opens the ballot and it is published, never counted.
        group.get_by_label("No").check()
        page.get_by_role("group", name=re.compile("strike", re.I)).last.get_by_label("Yes").check()
        page.get_by_role("button", name="Check the encryption instead").click()
        page.get_by_text("Checked ballot published").wait_for()
        shown = page.locator("#challenged-votes").inner_text()
        assert f"{first_question.text} — No" in shown
        assert "checked that the encrypted ballot holds exactly these choices" in page.locator(
            "#challenged-check").inner_text()
        page.screenshot(path=str(SHOTS / f"vote-4-challenged-{label}.png"), full_page=True)
        checked = json.loads(page.locator("#challenge-json").input_value())

        # Re-vote: the last ballot counts.
        group.get_by_label("Yes").check()
        page.get_by_role("group", name=re.compile("strike", re.I)).last.get_by_label("Yes").check()
        page.get_by_role("button", name="Cast my vote").click()
        page.locator("#receipt-replaced").wait_for(state="visible")
        code2 = page.locator("#receipt-code").inner_text()
        assert code2 != code1
        assert not [line for line in console if "error" in line.lower()], console

        # What the browser sent: never the credential key; casts hold only the sealed ballot.
        for url, body in sent:
            assert secret not in url and secret not in body, url
        casts = [json.loads(b) for u, b in sent if u.endswith("/cast.json")]
        assert len(casts) == 2 and all(set(c) == {"ballot"} and set(c["ballot"]) == {
            "election", "credential", "answers", "signature"} for c in casts)
        context.close()

        # The second device: the challenged ballot's text checks with `mandate vote check`.
        from typer.testing import CliRunner

        from mandate.cli import app

        file = tmp_path / f"challenge-{label}.json"
        file.write_text(json.dumps(checked))
        out = CliRunner().invoke(app, ["vote", "check", str(file)])
        assert out.exit_code == 0 and "holds exactly these choices" in out.output, out.output

    kinds = list(RecordEvent.objects.filter(election=eb.election, kind__in=["ballot", "challenge"])
                 .values_list("kind", flat=True).order_by("seq"))
    assert kinds == ["ballot", "challenge", "ballot"] * 2  # one member's ballots, then the other's
    path = tmp_path / "record.jsonl"
    path.write_text(rec.record_text(eb.election), encoding="ascii")
    report = verify_record(path, workers=1, since=RecordEvent.objects.get(election=eb.election, kind="election").hash)
    assert report.ok, report.failed()
    text = path.read_text()
    assert all(eb.secret_hex(e.membership_number) not in text for e in eb.electors)
