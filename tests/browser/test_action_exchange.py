"""The exchange in a real Chromium: an official issues a notice of industrial action from a counted mandate;
HR records the union's key, has a tampered package refused, imports the real one and acknowledges it; the
official records HR's key and imports the acknowledgement, which becomes the proof of receipt."""

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
    from mandate.union.models import Mandate

    ballot = counted_ballot(union_org, date(2026, 11, 2), date(2026, 11, 16))
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
        official.get_by_role("link", name="Signed package").click()
    package = tmp_path / "notice.json"
    got.value.save_as(package)
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
    with hr.expect_download() as ack:
        hr.get_by_role("button", name="Sign and download the acknowledgement").click()
    receipt = tmp_path / "receipt.json"
    ack.value.save_as(receipt)
    hr.screenshot(path=str(SHOTS / "action-3-hr-received.png"), full_page=True)
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
    official.goto(url + "/union/action/")
    official.screenshot(path=str(SHOTS / "action-4-official-proof-of-receipt.png"), full_page=True)
    # --- the calendar shows the day, the mandate's end, and offers the iCal file ------------------
    official.get_by_role("link", name="Action calendar").click()
    calendar = official.get_by_test_id("calendar").inner_text()
    assert "1 December 2026 to 15 November 2027\tStrike (continuous)" in calendar
    assert "received 19 November 2026" in calendar and "Last day of the mandate for strike" in calendar
    with official.expect_download() as ics:
        official.get_by_role("link", name="iCal feed").click()
    assert b"BEGIN:VEVENT" in Path(ics.value.path()).read_bytes()
    official.screenshot(path=str(SHOTS / "action-5-calendar.png"), full_page=True)
    octx.close()
    hctx.close()
