"""In a real headless Chromium under the strict CSP: estates uploads a floor plan on the desks page and the placed
desks' markers land where their x and y say, with the plain list still beside it. Screenshot in build/screenshots/."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PIL import Image

from mandate.workplace.estates import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("MANDATE_SCREENSHOTS", "build/screenshots"))


def test_a_plan_is_uploaded_and_its_markers_sit_at_their_positions(login, make_user, employer_org,
                                                                   tmp_path) -> None:
    user = make_user("estates_manager", username="estates")
    services.import_desks(employer_org, "desks.csv", b"site_code,code,floor,x,y\nnewport,N-1-001,1,25,50\n"
                                                     b"newport,N-1-002,1,75,20\nnewport,N-1-003,1,,\n", user)
    plan = tmp_path / "plan.png"
    Image.new("RGB", (800, 400), (235, 240, 245)).save(plan, format="PNG")
    page = login("estates")
    seen: list[str] = []
    page.on("console", lambda m: seen.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(page.url.split("/workplace/")[0] + "/workplace/estates/desks/?site=newport")
    page.get_by_label("Floor plan for floor 1 (PNG or JPEG, optional)").set_input_files(str(plan))
    with page.expect_navigation():
        page.get_by_role("button", name="Upload the plan").click()
    page.wait_for_load_state("networkidle")
    assert "Saved the plan of floor 1 (800 × 400 pixels)." in page.content()
    svg = page.locator('[data-testid="plan-1"] svg').bounding_box()
    dot = page.locator('[data-desk="N-1-001"] circle').bounding_box()
    assert svg is not None and dot is not None
    centre = ((dot["x"] + dot["width"] / 2 - svg["x"]) / svg["width"],
              (dot["y"] + dot["height"] / 2 - svg["y"]) / svg["height"])
    assert abs(centre[0] - 0.25) < 0.02 and abs(centre[1] - 0.50) < 0.02, centre
    assert page.locator('[data-desk]').count() == 2
    assert page.locator('[data-testid="floor-1"] th[scope=row]').all_inner_texts() == ["N-1-001", "N-1-002",
                                                                                       "N-1-003"]
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "estates-floor-plan.png"), full_page=True)
    assert seen == []
