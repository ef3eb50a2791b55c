"""The electronic ballot's public bulletin board and a trustee's page in Chromium, on a phone's width: a member
checks their tracking code with the keyboard only; the trustee's page says what to keep and what to run next and
refuses a secret file uploaded by mistake."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from tests.union.electronic.helpers import People, electronic_ballot, record_the_order

from mandate.crypto.ballot import ElectionContext
from mandate.union import services
from mandate.union.electronic import services as es
from mandate.union.electronic.models import RecordEvent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"


def test_board_and_trustee_page_on_a_phone(browser, live_server, union_org, make_user, settings, tmp_path) -> None:
    settings.DATA_DIR = tmp_path
    record_the_order(tmp_path)
    make_user("scrutineer", scope="pcs", username="civica")
    make_user("trustee", scope="pcs", username="t2")
    b = electronic_ballot(union_org, members=3, scrutineer_username="civica")
    people = People(2, 2)
    e = es.create_election(b, trustees=["civica", "t2"], threshold=2, credential_authority=people.authority.public.hex(),
                           security_assessment="SA-7", security_assessment_by="Civica",
                           security_assessment_on=date.today() - timedelta(days=3), personal_channels_only=True)
    eh = bytes.fromhex(RecordEvent.objects.get(election=e, seq=0).hash)
    es.upload_trustee_message(e, people.commit(1, eh))
    es.upload_trustee_message(e, people.commit(2, eh))
    es.upload_trustee_message(e, people.reveal(1, eh))
    es.upload_trustee_message(e, people.reveal(2, eh))
    e.refresh_from_db()
    electors = list(b.electors.select_related("unit"))
    es.upload_credentials(e, people.issue([(x.membership_number, es.unit_id(x.unit)) for x in electors],
                                          bytes.fromhex(e.fingerprint)))
    services.record_credentials_sent(b)
    services.open_ballot(b)
    ctx = ElectionContext(bytes.fromhex(e.fingerprint), bytes.fromhex(e.public_key), ("strike", "action_short_of_strike"))
    receipt = es.check_and_append_ballot(e, people.vote(ctx, electors[0].membership_number,
                                                        {"strike": 1, "action_short_of_strike": 1}))
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(locale="en-GB", viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(90_000)
    page.goto(f"{live_server.url}/board/pcs/{b.code}/")
    page.get_by_label("Your tracking code").focus()
    page.keyboard.type(receipt.tracking_code)
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    assert "Found:" in page.get_by_test_id("check-result").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), "wider than the phone"
    page.screenshot(path=str(SHOTS / "eballot-board-phone.png"), full_page=True)
    # a trustee signs in and sees what to keep; a secret file uploaded by mistake is refused
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Username").fill("t2")
    page.get_by_label("Password").fill("correct-horse-battery-staple")
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/union/ballots/{b.pk}/electronic/trustee/")
    assert "trustee-2.secret" in page.get_by_test_id("keep").inner_text()
    secret = tmp_path / "trustee-2.secret"
    secret.write_text(json.dumps({"mandate_secret": "mandate trustee secret", "public": {},
                                  "secret": {"k": {"secret": "c", "scalar": "11" * 32}}}))
    page.get_by_label("File").set_input_files(str(secret))
    with page.expect_navigation():
        page.get_by_role("button", name="Check and add to the record").click()
    assert "This is a secret file" in page.locator(".messages").inner_text()
    page.screenshot(path=str(SHOTS / "eballot-trustee-phone.png"), full_page=True)
    context.close()
    e.refresh_from_db()
    assert RecordEvent.objects.filter(election=e).count() == e.length == 8  # the secret file added nothing
