"""In a real headless Chromium: an HR administrator and a union official sign in and see their figures."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_hr_administrator_sees_staff_per_site(login, make_user, employer_org) -> None:
    make_user("hr_admin", "ons", username="hr")
    page = login("hr")
    assert page.url.endswith("/workplace/")
    assert page.get_by_test_id("total-staff").inner_text() == "3"
    table = page.get_by_test_id("staff-per-site")
    rows = {r.locator("th").inner_text(): r.locator("td").nth(2).inner_text()
            for r in table.locator("tbody tr").all()}
    assert rows == {"Newport (HQ)": "2", "Edinburgh": "1"}


def test_union_official_sees_members_per_workplace(login, make_user, union_org) -> None:
    make_user("union_official", "pcs", username="official")
    page = login("official")
    assert page.url.endswith("/union/")
    assert page.get_by_test_id("total-members").inner_text() == "3"
    table = page.get_by_test_id("members-per-workplace")
    rows = {r.locator("th").inner_text(): r.locator("td").nth(1).inner_text()
            for r in table.locator("tbody tr").all()}
    assert rows == {"Newport": "2", "Titchfield": "1"}


def test_union_official_is_refused_the_workplace_wing(login, make_user, live_server, employer_org,
                                                      union_org) -> None:
    make_user("union_official", "pcs", username="official")
    page = login("official")
    response = page.goto(live_server.url + "/workplace/")
    assert response.status == 403
    assert "You cannot open this page" in page.content()


def test_layout_works_on_a_phone(browser, live_server, make_user, employer_org) -> None:
    make_user("hr_admin", "ons", username="hr")
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="en-GB")
    page = context.new_page()
    page.goto(live_server.url + "/accounts/login/")
    skip = page.locator(".skip-link")
    first = "document.querySelector('a[href], button, input, select, textarea')"
    assert skip.evaluate(f"el => el === {first}"), "the skip link is not the first thing a keyboard reaches"
    skip.focus()
    assert skip.evaluate("el => el.getBoundingClientRect().left >= 0"), "the focused skip link is not visible"
    page.get_by_label("Username").fill("hr")
    page.get_by_label("Password").fill("correct-horse-battery-staple")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/workplace/")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, "the page scrolls sideways on a 360px-wide phone"
    context.close()
