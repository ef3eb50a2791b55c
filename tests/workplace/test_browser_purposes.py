"""In a real headless Chromium, the three journeys of purposeful need and withdrawal: a member of staff says
why they came in, on a desktop and on a phone; HR imports purposes, reads the totals and withdraws an
adjustment and a policy; a line manager sees their reports' total and nobody's name."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mandate.workplace.models import Adjustment, AttendancePolicy, OfficeDayPurpose

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
OCTOBER = "?date_from=2026-10-01&date_to=2026-10-31"


def _no_sideways_scroll(page) -> None:  # type: ignore[no-untyped-def]
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, "the page scrolls sideways"


def test_purposes_and_withdrawal_journeys(login, page, browser, live_server, ledger, make_user, tmp_path) -> None:
    shots = Path(os.environ.get("MANDATE_SCREENSHOTS") or tmp_path)  # set it to keep the screenshots
    shots.mkdir(parents=True, exist_ok=True)
    # -- staff: record, change; a phone too ----------------------------------------------------------------
    login("s1")
    page.goto(live_server.url + "/workplace/me/" + OCTOBER)
    days = page.get_by_test_id("office-days")
    assert days.locator("tbody tr").count() == 4
    row = days.locator('tr[data-date="2026-10-02"]')
    row.get_by_label("Purpose of 2 October 2026").select_option("team_anchor_day")
    row.get_by_label("Note (optional) for 2 October 2026").fill("Quarterly planning")
    row.get_by_role("button", name="Record the purpose of 2 October 2026").click()
    page.wait_for_selector('tr[data-date="2026-10-02"] [data-testid=recorded-purpose]')
    assert "Team anchor day: Quarterly planning" in page.locator('tr[data-date="2026-10-02"]').inner_text()
    assert "is recorded" in page.locator(".messages").inner_text()
    assert "date_from=2026-10-01" in page.url  # the period kept
    page.screenshot(path=str(shots / "purposes-staff.png"), full_page=True)
    row = page.locator('tr[data-date="2026-10-01"]')
    row.get_by_label("Purpose of 1 October 2026").select_option("collaboration")
    row.get_by_role("button", name="Record the purpose of 1 October 2026").click()
    page.wait_for_selector('tr[data-date="2026-10-01"] [data-testid=recorded-purpose]')
    assert OfficeDayPurpose.objects.count() == 2

    phone = browser.new_context(viewport={"width": 360, "height": 740}, locale="en-GB",
                                storage_state=page.context.storage_state())
    small = phone.new_page()
    small.goto(live_server.url + "/workplace/me/" + OCTOBER + "#purposes")
    _no_sideways_scroll(small)
    assert small.get_by_label("Purpose of 5 October 2026").is_visible()
    small.screenshot(path=str(shots / "purposes-staff-phone.png"), full_page=True)
    phone.close()

    # -- HR: import purposes, read the totals, withdraw an adjustment and a policy -------------------------
    page.context.clear_cookies()
    make_user("hr_admin", username="hr")
    login("hr")
    page.goto(live_server.url + "/workplace/imports/")
    purposes = tmp_path / "purposes.csv"
    purposes.write_text("staff_id,date,purpose,note\nS00000,2026-10-01,meeting,\nS00000,2026-10-02,training,\n")
    page.get_by_label("What the file holds").select_option(label="Purposes of office days")
    page.get_by_label("File (CSV or Parquet)").set_input_files(str(purposes))
    page.get_by_role("button", name="Check and import").click()
    assert "2 rows read; 2 added" in page.get_by_test_id("job-result").inner_text()  # the import's job page

    page.goto(live_server.url + "/workplace/purposes/" + OCTOBER)
    org = page.get_by_test_id("purposes-organisation")
    # 16 office days; with a purpose: 5 Oct (anchor) and 7 Oct (meeting) from the ledger, 1 and 2 Oct of
    # S00001, 1 and 2 Oct of S00000 from HR's file: 6
    assert org.get_by_test_id("office-days").inner_text() == "16"
    assert org.get_by_test_id("with-purpose").inner_text() == "6"
    assert org.get_by_test_id("without-purpose").inner_text() == "10"
    assert org.get_by_test_id("share").inner_text() == "37.5%"
    assert "Staff 1" not in page.content() and "S00001" not in page.content()
    page.screenshot(path=str(shots / "purposes-hr.png"), full_page=True)
    page.set_viewport_size({"width": 360, "height": 740})
    _no_sideways_scroll(page)
    page.screenshot(path=str(shots / "purposes-hr-phone.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})

    page.goto(live_server.url + "/workplace/adjustments/")
    page.get_by_role("link", name="Withdraw the adjustment for Staff 2").click()
    page.get_by_label("Why it is withdrawn").select_option(label="No longer needed")
    page.get_by_role("button", name="Withdraw").click()
    assert "no longer applies" in page.locator(".messages").inner_text()
    assert "No longer needed" in page.get_by_test_id("withdrawn-adjustments").inner_text()
    assert Adjustment.objects.get().withdrawn_by == "hr"
    page.screenshot(path=str(shots / "adjustments-withdrawn.png"), full_page=True)

    page.goto(live_server.url + "/workplace/policies/")
    individual = AttendancePolicy.objects.get(is_default=True)
    page.get_by_role("link", name=f"Withdraw {individual.name}").click()
    page.get_by_label("Why it is withdrawn").fill("Replaced by the organisation-wide target")
    page.get_by_role("button", name="Withdraw").click()
    assert "Replaced by the organisation-wide target" in page.get_by_test_id("withdrawn-policies").inner_text()
    page.goto(live_server.url + "/workplace/organisation/" + OCTOBER)
    assert individual.name not in page.get_by_label("Policy", exact=True).inner_text()

    page.goto(live_server.url + "/workplace/audit/")
    page.get_by_label("Kind").select_option("withdraw_adjustment")
    page.get_by_role("button", name="Show").click()
    assert page.get_by_test_id("audit").locator("tbody tr").count() == 1
    page.screenshot(path=str(shots / "audit.png"), full_page=True)

    # -- a line manager: their reports' total, nobody's name --------------------------------------------------
    page.context.clear_cookies()
    login("manager")
    page.goto(live_server.url + "/workplace/purposes/" + OCTOBER)
    reports = page.get_by_test_id("purposes-reports")  # two reports: under 10, withheld whole
    assert "Withheld: fewer than 10 people" in reports.get_by_test_id("withheld").inner_text()
    assert "Staff 1" not in page.content() and "Staff 2" not in page.content()
    page.screenshot(path=str(shots / "purposes-manager.png"), full_page=True)
