"""In a real headless Chromium (issue 18): estates loads the desks file; a member of staff whose adjustment
entitles them to an accessible desk books the held one (offered first, no reason shown) and checks in by the
desk's QR link on a phone; the occupancy page counts the check-in; the planners show a plan."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from mandate.workplace.estates.models import DeskEntitlement, SiteRules
from mandate.workplace.models import Adjustment, PresenceRecord, Site, StaffMember

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
LONDON = ZoneInfo("Europe/London")
SHOTS = Path(os.environ.get("MANDATE_SCREENSHOTS", "/tmp/mandate-screenshots"))
DESKS = ("site_code,code,floor,zone,kind,quiet_zone,low_stimulus_lighting,height_adjustable,accessible_route,"
         "near_exit,assistive_equipment,dual_screens,reserved,active\n"
         "newport,N-1-001,1,East quiet,desk,true,true,true,true,false,true,true,true,true\n"
         "newport,N-1-002,1,East,desk,false,false,false,false,false,false,false,false,true\n"
         "newport,N-1-003,1,East,desk,false,false,true,false,false,false,true,false,true\n"
         "newport,N-2-R01,2,,room,,,,,,,,,\n")


@pytest.fixture
def estate(employer_org, make_user, tmp_path):
    org = employer_org
    newport = Site.objects.get(code="newport")
    SiteRules.objects.create(site=newport, weekends=True)  # the check-in is today, whatever day it is
    s1 = StaffMember.objects.get(staff_id="S00001")
    s1.user = make_user("staff_member", username="s1")
    s1.save()
    make_user("estates_manager", username="estates")
    adjustment = Adjustment.objects.create(staff=s1, expected_percent=20, date_from=dt.date(2026, 1, 1),
                                           route="adjustment", approved_by="HR", review_date=dt.date(2027, 6, 1))
    DeskEntitlement.objects.create(adjustment=adjustment, attributes=["accessible_route", "height_adjustable"])
    # twelve weeks of badge swipes so the desks planner has a history
    people = list(StaffMember.objects.filter(organisation=org))
    start = dt.date.today() - dt.timedelta(weeks=12)
    PresenceRecord.objects.bulk_create(
        PresenceRecord(organisation=org, staff=person, site=person.home_site, source="badge",
                       timestamp=dt.datetime.combine(day, dt.time(8, 30 + i), tzinfo=LONDON))
        for k in range(12 * 7) if (day := start + dt.timedelta(days=k)).weekday() < 5
        for i, person in enumerate(people) if (k + i) % 3)
    path = tmp_path / "desks.csv"
    path.write_text(DESKS)
    return path


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"estates-{name}.png"), full_page=True)


def test_estates_journey(browser, login, live_server, estate) -> None:
    # estates loads the desks file
    page = login("estates")
    page.goto(live_server.url + "/workplace/estates/desks/")
    page.get_by_label("Desks file (CSV)").set_input_files(str(estate))
    page.get_by_role("button", name="Load desks").click()
    page.wait_for_selector(".messages")
    assert "Read 4 desks: 4 new" in page.locator(".messages").inner_text()
    floor = page.get_by_test_id("floor-1")
    assert floor.locator("tbody tr").count() == 3 and "Height-adjustable desk" in floor.inner_text()
    shot(page, "desks-desktop")
    page.get_by_role("link", name="QR code of N-1-001").click()
    qr_link = page.get_by_test_id("qr-url").inner_text()
    assert page.get_by_test_id("qr").locator("svg").count() == 1
    assert re.search(r"/workplace/estates/check-in/[\w-]+/$", qr_link)

    # the member of staff, on a phone: the held accessible desk is offered first, with no reason shown
    phone = browser.new_context(viewport={"width": 360, "height": 740}, locale="en-GB", timezone_id="Europe/London")
    mobile = phone.new_page()
    mobile.goto(live_server.url + "/accounts/login/")
    mobile.get_by_label("Username").fill("s1")
    mobile.get_by_label("Password").fill("correct-horse-battery-staple")
    with mobile.expect_navigation():
        mobile.get_by_role("button", name="Sign in").click()
    mobile.goto(live_server.url + "/workplace/estates/book/")
    offered = mobile.get_by_test_id("offered")
    first = offered.locator("tbody tr").first
    assert "N-1-001" in first.inner_text() and "suits you" in first.inner_text()
    text = mobile.content().lower()
    assert "adjustment" not in text and "disab" not in text
    assert mobile.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
    shot(mobile, "book-phone")
    first.get_by_role("button", name="Book N-1-001").click()
    mobile.wait_for_selector("[data-testid=bookings]")
    assert "Booked desk N-1-001" in mobile.locator(".messages").inner_text()
    # scans the desk's QR code
    mobile.goto(qr_link)
    mobile.get_by_role("button", name="Check in").click()
    assert "You are checked in at desk N-1-001" in mobile.get_by_test_id("checked-in").inner_text()
    shot(mobile, "checked-in-phone")
    phone.close()

    # estates: the occupancy counts it, the planners show a plan
    page.goto(live_server.url + "/workplace/estates/occupancy/")
    row = page.locator("tr[data-site=newport]")
    cells = [row.locator(f"td[data-label='{c}']").inner_text() for c in ("Desks", "Booked", "Checked in")]
    assert cells == ["4", "1", "1"]
    shot(page, "occupancy-desktop")
    page.goto(live_server.url + "/workplace/estates/plan/desks/?level=0.95")
    table = page.get_by_test_id("desks-needed")
    assert table.locator("tbody tr").count() == 2 and "Newport" in table.inner_text()
    shot(page, "plan-desks-desktop")
    page.goto(live_server.url + "/workplace/estates/plan/anchor-days/")
    assert page.get_by_test_id("plan-status").inner_text() == "Plan: optimal (proved by the solver)."
    assert page.get_by_test_id("anchors").locator("tbody tr").count() == 1
    shot(page, "plan-anchors-desktop")
