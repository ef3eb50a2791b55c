"""In Chromium: the official records the workplace agreement and sets up the stations; the scrutineer, at phone
width, marks members on the register at a station with the keyboard only, is refused a second paper for the
same member, seals the box. Screenshots go to build/screenshots/."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from tests.union.test_union_permissible_means import record_the_order
from tests.union.test_workplace_voting import _ballot

from mandate.union import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"
OPEN, CLOSE = date.today() - timedelta(days=1), date.today() + timedelta(days=13)


def test_stations_from_the_agreement_to_a_sealed_box(page, login, live_server, union_org, make_user, settings,
                                                     tmp_path):
    settings.DATA_DIR = tmp_path
    record_the_order(tmp_path)
    b = _ballot(union_org, opening=OPEN, closing=CLOSE)
    b.scrutineer_username = "scrutineer"
    b.save(update_fields=["scrutineer_username"])
    make_user("union_official", "pcs", username="official")
    make_user("scrutineer", "pcs", username="scrutineer")
    url = f"{live_server.url}/union/ballots/{b.pk}/stations/"
    SHOTS.mkdir(parents=True, exist_ok=True)

    login("official")
    page.goto(f"{live_server.url}/union/ballots/{b.pk}/")
    page.get_by_role("link", name="Ballot stations").click()
    assert "No ballot station is set up for" in page.get_by_test_id("station-problems").inner_text()
    page.get_by_label("Agreed for the union by").fill("A. Official")
    page.locator("#id_a-union_agreed_on").fill("2026-10-01")
    page.get_by_label("Agreed as scrutineer by").fill("Civica")
    page.locator("#id_a-scrutineer_agreed_on").fill("2026-10-02")
    page.get_by_label("Agreed for the employer by").fill("J. Smith, HR director")
    page.locator("#id_a-employer_agreed_on").fill("2026-10-05")
    page.get_by_role("button", name="Record the agreement").click()
    assert "J. Smith, HR director" in page.get_by_test_id("agreement").inner_text()
    for i, unit in enumerate(b.units.values_list("name", flat=True)):
        page.get_by_label("Ballot unit").select_option(unit)
        page.get_by_label("Code").fill(f"st-{i}")
        page.get_by_label("Name", exact=True).fill(f"Canteen {i}")
        page.get_by_label("Where the box stands").fill("Ground floor")
        page.get_by_label("Papers in stock").fill("40")
        page.get_by_role("button", name="Set up the station").click()
        assert f"Canteen {i}: papers" in page.content()
    assert page.get_by_test_id("station-problems").count() == 0
    page.screenshot(path=str(SHOTS / "union-stations-official.png"), full_page=True)
    services.issue_voting_papers(b)
    services.open_ballot(b, today=OPEN)

    page.context.clear_cookies()
    page.set_viewport_size({"width": 390, "height": 844})
    login("scrutineer")
    page.goto(url)
    members = list(b.electors.filter(unit__stations__code="st-0").values_list("membership_number", flat=True)[:2])
    box = page.get_by_label("Membership number of the member in front of you").first
    for number in members:
        box.fill(number)
        box.press("Enter")  # the keyboard only
        assert f"{number} is marked on the register: hand them one paper" in page.content()
        box = page.get_by_label("Membership number of the member in front of you").first
    box.fill(members[0])
    box.press("Enter")
    assert "do not hand over a second paper" in page.content() or "already took a paper" in page.content()
    row = page.get_by_test_id("stations").locator("tr", has_text="Canteen 0")
    assert "38" in row.inner_text()  # 40 papers, 2 issued
    page.screenshot(path=str(SHOTS / "union-stations-clerk-phone.png"), full_page=True)
    page.get_by_text("Seal this box (at the close)").first.click()
    page.get_by_label("Seal number").first.fill("SEAL-0001")
    page.get_by_role("button", name="Seal the box").first.click()
    assert "sealed with seal SEAL-0001" in page.content()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways at phone width ({width}px)"
