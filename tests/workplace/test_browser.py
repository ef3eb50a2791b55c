"""In a real headless Chromium: a staff member signs in, sees their own figure with every day counted,
excluded or credited, and downloads it as CSV; the page reflows on a phone."""

from __future__ import annotations

import csv
import io

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_member_sees_own_figure_downloads_csv_and_reads_it_on_a_phone(login, live_server, ledger,
                                                                            browser) -> None:
    """One journey: the live server, the ledger and the sign-in are paid once for the desktop and the phone."""
    page = login("s1")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My attendance").click()
    page.get_by_label("From", exact=True).fill("2026-10-01")
    page.get_by_label("To", exact=True).fill("2026-10-31")
    page.get_by_role("button", name="Show").click()
    page.wait_for_selector("[data-testid=figure]")

    assert page.get_by_role("heading", level=1).inner_text() == "My attendance"
    assert page.get_by_test_id("required-days").inner_text() == "20"
    assert page.get_by_test_id("attended-days").inner_text() == "4"
    assert page.get_by_test_id("credited-days").inner_text() == "1"
    assert page.get_by_test_id("excluded-days").inner_text() == "2"
    assert page.get_by_test_id("percent").inner_text() == "25.0%"
    days = page.get_by_test_id("days")
    assert days.locator("tbody tr").count() == 22
    assert days.locator("tr[data-status=excluded]").first.inner_text().count("Annual leave") == 1
    assert "Official business" in days.locator("tr[data-status=credited]").inner_text()
    assert "without check-in" in days.locator('tbody tr:has(th:text-is("Tue 6 October 2026"))').inner_text()

    with page.expect_download() as info:
        page.get_by_test_id("csv-link").click()
    download = info.value
    assert download.suggested_filename == "attendance-S00001-2026-10-01-to-2026-10-31.csv"
    with open(download.path(), encoding="utf-8") as fh:
        rows = list(csv.DictReader(io.StringIO(fh.read())))
    statuses = [r["status"] for r in rows]
    assert len(rows) == 22 and statuses.count("attended") == 4 and statuses.count("credited") == 1
    assert statuses.count("excluded") == 2


    # -- the same account on a 360px-wide phone ------------------------------------------------------------
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="en-GB",
                                  storage_state=page.context.storage_state())
    phone = context.new_page()
    phone.goto(live_server.url + "/workplace/me/?date_from=2026-10-01&date_to=2026-10-31")
    overflow = phone.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, "the page scrolls sideways on a 360px-wide phone"
    # stacked rows still name each figure for a screen reader and a sighted reader alike
    cell = phone.get_by_test_id("attended-days")
    assert cell.get_attribute("data-label") == "Attended" and cell.is_visible()
    context.close()
