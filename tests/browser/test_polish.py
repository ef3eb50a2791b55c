"""In a real headless Chromium under the site's strict CSP: checkboxes keep their size, the favicon loads, and a
missing page is the styled 404. A screenshot of each page goes to build/screenshots/ for a person to look at."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("build/screenshots")


def _csp_violations(page) -> list[str]:
    seen: list[str] = []
    page.on("console", lambda m: seen.append(m.text) if "Content Security Policy" in m.text else None)
    return seen


def test_checkboxes_keep_their_size_under_the_csp(login, make_user, union_org) -> None:
    make_user("union_official", "pcs", username="official")
    page = login("official")
    violations = _csp_violations(page)
    page.goto(page.url.split("/union/")[0] + "/union/register/")
    page.wait_for_load_state("networkidle")
    box = page.get_by_label("Mark members missing from the file as left").bounding_box()
    assert box is not None
    # 24px square (WCAG 2.2 target size), not stretched to the 30rem text-input width it had before.
    assert 20 <= box["width"] <= 32 and 20 <= box["height"] <= 32, box
    file_input = page.locator("input[type=file]").bounding_box()
    assert file_input is not None and file_input["width"] > 200  # text-like inputs still fill the form
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "register-form-checkbox.png"), full_page=True)
    assert violations == []


def test_favicon_loads_and_a_missing_page_is_styled(login, make_user, live_server, union_org) -> None:
    make_user("union_official", "pcs", username="official")
    page = login("official")
    violations = _csp_violations(page)
    response = page.goto(live_server.url + "/union/no-such-page/")
    assert response is not None and response.status == 404
    assert page.get_by_role("heading", level=1).inner_text() == "Page not found"
    # The layout's stylesheet applied: the header has its dark blue background.
    colour = page.locator(".site-header").evaluate("e => getComputedStyle(e).backgroundColor")
    assert colour == "rgb(7, 55, 99)"
    icon = page.locator("link[rel=icon]").get_attribute("href")
    assert icon and icon.endswith("favicon.svg")
    fetched = page.request.get(live_server.url + icon)
    assert fetched.status == 200 and fetched.headers["content-type"].startswith("image/svg+xml")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "404.png"), full_page=True)
    assert violations == []
