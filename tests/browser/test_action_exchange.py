"""The exchange in a real Chromium: an official issues a notice of industrial action from a counted mandate;
HR records the union's key, has a tampered package refused, imports the real one, switches on dispute mode
from it (the notice covers an attendance policy) and acknowledges it; the official records HR's key and
imports the acknowledgement, which becomes the proof of receipt. A second kind, the s.231A result, makes the
same trip. The calendar shows the days, and its subscribable feed serves them to a client with no session."""

from __future__ import annotations

import base64
import json
from datetime import date
from pathlib import Path

import pytest
from tests.conftest import TEST_PASSWORD
from tests.union.action_helpers import counted_ballot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"


def _sign_in(browser, url: str, username: str):
    context = browser.new_context(locale="en-GB", timezone_id="Europe/London", accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(url + "/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    return context, page


def test_notice_package_acknowledgement_and_proof_of_receipt(browser, live_server, make_user, union_org,
                                                             employer_org, tmp_path):
    from icalendar import Calendar

    from mandate.policy import examples
    from mandate.union import services
    from mandate.union.models import Mandate
    from mandate.workplace.models import AttendancePolicy

    ballot = counted_ballot(union_org, date(2026, 11, 2), date(2026, 11, 16))
    services.issue_results(ballot, sent_on=date(2026, 11, 17), today=date(2026, 11, 17))
    policy = AttendancePolicy.objects.create(organisation=employer_org, is_default=True,
                                             toml=examples.text("ons-individual-40.toml"))
    strike = Mandate.objects.get(ballot=ballot, kind="strike")
    make_user("union_official", "pcs", username="official")
    make_user("hr_admin", "ons", username="hr")
    SHOTS.mkdir(parents=True, exist_ok=True)
    url = live_server.url

    # --- the official issues the notice; a late one is refused first -----------------------------
    octx, official = _sign_in(browser, url, "official")
    official.goto(url + "/union/action/")
    sender_key = official.get_by_test_id("public-key").inner_text()
    form = official.get_by_test_id("notice-form")
    form.get_by_label("Mandate").select_option(str(strike.pk))
    form.get_by_label("The action is").select_option("continuous")
    form.get_by_label("Days of action").fill("2026-12-01")
    form.get_by_label("Date sent").fill("2026-11-18")
    form.get_by_label("Date the employer will receive it").fill("2026-11-22")
    form.get_by_role("button", name="Issue and sign the notice").click()
    refused = official.get_by_test_id("refused").inner_text()
    assert "would be late" in refused and "21 November 2026" in refused
    form = official.get_by_test_id("notice-form")
    form.get_by_label("Date the employer will receive it").fill("2026-11-19")
    form.get_by_role("button", name="Issue and sign the notice").click()
    table = official.get_by_test_id("action-notices").inner_text()
    assert "Notice of industrial action to Office for National Statistics from 1 December 2026" in table
    assert "No acknowledgement yet" in table
    with official.expect_download() as got:
        official.get_by_test_id("action-notices").get_by_role("link", name="Signed package").click()
    package = tmp_path / "notice.json"
    got.value.save_as(package)
    with official.expect_download() as got:
        official.get_by_test_id("ballot-documents").get_by_role("row", name="Result of the ballot").get_by_role(
            "link", name="Signed package").click()
    result = tmp_path / "result.json"
    got.value.save_as(result)
    official.screenshot(path=str(SHOTS / "action-1-official-notice.png"), full_page=True)

    # --- HR: record the union's key, a tampered package is refused, the real one imported ----------
    hctx, hr = _sign_in(browser, url, "hr")
    hr.goto(url + "/workplace/received/")
    hr.get_by_label("Union", exact=True).fill("PCS")
    hr.get_by_label("The union's public key").fill(sender_key)
    hr.get_by_role("button", name="Record the key").click()
    body = json.loads(package.read_text())
    pdf = bytearray(base64.b64decode(body["pdf"]))
    pdf[200] ^= 1
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps({**body, "pdf": base64.b64encode(bytes(pdf)).decode()}))
    hr.get_by_label("Signed package (.json)").set_input_files(str(tampered))
    hr.get_by_label("Date received").fill("2026-11-19")
    hr.get_by_role("button", name="Verify and import").click()
    assert "not the one that was signed" in hr.get_by_test_id("refused").inner_text()
    hr.screenshot(path=str(SHOTS / "action-2-hr-tampered-refused.png"), full_page=True)
    hr.get_by_label("Signed package (.json)").set_input_files(str(package))
    hr.get_by_label("Date received").fill("2026-11-19")
    hr.get_by_role("button", name="Verify and import").click()
    deadlines = hr.get_by_test_id("deadlines").inner_text()
    assert "21 November 2026: latest day the notice had to be received" in deadlines
    assert "1 December 2026: action begins" in deadlines and "15 November 2027: last day of the mandate" in deadlines
    assert "Member " not in hr.content()  # no member's name reaches the employer
    # the notice covers the attendance policy: one button, confirmed, switches dispute mode on
    offer = hr.get_by_test_id("dispute-offer")
    offer.screenshot(path=str(SHOTS / "action-3a-hr-dispute-offer.png"))
    offer.get_by_label("I confirm: switch on dispute mode now").check()
    offer.get_by_role("button", name=f"Switch on dispute mode for {policy.name}").click()
    assert "Dispute mode is on for Office for National Statistics" in hr.content()
    assert hr.get_by_test_id("dispute-on").is_visible()
    with hr.expect_download() as ack:
        hr.get_by_role("button", name="Sign and download the acknowledgement").click()
    receipt = tmp_path / "receipt.json"
    ack.value.save_as(receipt)
    hr.screenshot(path=str(SHOTS / "action-3-hr-received.png"), full_page=True)
    # the second kind: the s.231A result, imported as what HR expects it to be
    hr.goto(url + "/workplace/received/")
    hr.get_by_label("Signed package (.json)").set_input_files(str(result))
    hr.get_by_label("Date received").fill("2026-11-17")
    hr.get_by_label("Document").select_option("s234a-notice")
    hr.get_by_role("button", name="Verify and import").click()
    assert "you chose to import a notice of industrial action" in hr.get_by_test_id("refused").inner_text().lower()
    hr.get_by_label("Signed package (.json)").set_input_files(str(result))
    hr.get_by_label("Date received").fill("2026-11-17")
    hr.get_by_label("Document").select_option("s231a-result")
    hr.get_by_role("button", name="Verify and import").click()
    assert "15 November 2027: last day of the mandate for strike" in hr.get_by_test_id("deadlines").inner_text()
    assert "Newport (Office for National Statistics)" in hr.get_by_test_id("result").inner_text()
    assert "postal ballot" in hr.get_by_test_id("no-record").inner_text().lower()
    with hr.expect_download() as ack:
        hr.get_by_role("button", name="Sign and download the acknowledgement").click()
    result_receipt = tmp_path / "result-receipt.json"
    ack.value.save_as(result_receipt)
    hr.screenshot(path=str(SHOTS / "action-3b-hr-result.png"), full_page=True)
    hr.goto(url + "/workplace/received/")
    hr_key = hr.get_by_test_id("public-key").inner_text()
    assert "Notice of industrial action" in hr.get_by_test_id("received").inner_text()

    # --- the official records HR's key and imports the acknowledgement: the proof of receipt ------
    official.goto(url + "/union/action/")
    official.get_by_label("Employer", exact=True).select_option(label="Office for National Statistics")
    official.get_by_label("The employer's public key").fill(hr_key)
    official.get_by_role("button", name="Record the key").click()
    official.get_by_label("Acknowledgement of receipt (.json)").set_input_files(str(receipt))
    official.get_by_role("button", name="Check and record the receipt").click()
    table = official.get_by_test_id("action-notices").inner_text()
    assert "Received 19 November 2026, acknowledged by the employer's signature" in table
    # the same acknowledgement again is a replay, refused with the reason
    official.get_by_label("Acknowledgement of receipt (.json)").set_input_files(str(receipt))
    official.get_by_role("button", name="Check and record the receipt").click()
    assert "replay" in official.get_by_test_id("refused").inner_text()
    official.get_by_label("Acknowledgement of receipt (.json)").set_input_files(str(result_receipt))
    official.get_by_role("button", name="Check and record the receipt").click()
    documents = official.get_by_test_id("ballot-documents").inner_text()
    assert "Received 17 November 2026, acknowledged by the employer's signature" in documents
    official.goto(url + "/union/action/")
    official.screenshot(path=str(SHOTS / "action-4-official-proof-of-receipt.png"), full_page=True)
    # --- the calendar shows the day, the mandate's end, and offers the iCal file ------------------
    official.get_by_role("link", name="Action calendar").click()
    calendar = official.get_by_test_id("calendar").inner_text()
    assert "1 December 2026 to 15 November 2027\tStrike (continuous)" in calendar
    assert "received 19 November 2026" in calendar and "Last day of the mandate for strike" in calendar
    with official.expect_download() as ics:
        official.get_by_role("link", name="iCal file").click()
    assert b"BEGIN:VEVENT" in Path(ics.value.path()).read_bytes()
    # the subscribable feed: made here, read by a client without a session, revoked
    official.get_by_role("button", name="Make a feed address").click()
    feed_url = official.get_by_test_id("feed-url").inner_text()
    official.screenshot(path=str(SHOTS / "action-5-calendar.png"), full_page=True)
    anonymous = browser.new_context()
    fetched = anonymous.request.get(feed_url)
    assert fetched.status == 200
    days = {(str(e.get("summary")).split(":")[0], e.decoded("dtstart")) for e in
            Calendar.from_ical(fetched.body()).walk("VEVENT")}
    assert ("Strike (continuous)", date(2026, 12, 1)) in days
    assert any(what.startswith("Renewal") for what, _ in days)
    official.once("dialog", lambda dialog: dialog.accept())  # "Revoke the feed address?"
    official.get_by_role("button", name="Revoke the address").click()
    assert "No feed address is live" in official.get_by_test_id("feed-status").inner_text()
    assert anonymous.request.get(feed_url).status == 404
    anonymous.close()
    octx.close()
    hctx.close()
