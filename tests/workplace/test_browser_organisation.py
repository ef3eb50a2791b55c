"""In a real headless Chromium: HR loads a new organisation from files on the Imports page (sites, teams,
staff, then the ledger), writes a policy, and reads its figures on the organisation page; a bad staff file is
refused naming its line and field. The figures read are checked against the hand count of the same files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from tests.workplace.test_policy_shapes import END, SHAPES, START, _toml, expected, files, generate

from mandate.workplace.models import Organisation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_hr_loads_a_new_organisation_from_files_and_reads_its_figures(login, live_server, make_user,
                                                                      tmp_path) -> None:
    Organisation.objects.create(code="gen", name="Generated Statistics")
    make_user("hr_admin", scope="gen", username="hr")
    generated = generate()
    paths = {}
    for kind, name, data in files(generated):
        paths[kind] = tmp_path / name
        paths[kind].write_bytes(data)
    bad = tmp_path / "staff-bad.csv"
    bad.write_bytes(paths["staff"].read_bytes().replace(b",edinburgh,", b",glasgow,", 1))
    shots = Path(os.environ.get("MANDATE_SCREENSHOTS") or tmp_path)  # set it to keep the screenshots
    shots.mkdir(parents=True, exist_ok=True)

    page = login("hr")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Imports").click()
    labels = {"sites": "Sites (code, name, nation, desks)", "teams": "Teams",
              "staff": "Staff (contracts, working patterns, home sites, line managers)",
              "badge": "Badge (access-control) export", "bookings": "Desk bookings with check-ins",
              "absences": "Absences (leave, sickness, training)"}

    def upload(kind: str, path: Path) -> None:
        """Send the file: the import is a background job, whose page shows its summary or its refusal."""
        if page.get_by_role("link", name="Back to the page the job was started from").count():
            page.get_by_role("link", name="Back to the page the job was started from").click()
        page.get_by_label("What the file holds").select_option(label=labels[kind])
        page.get_by_label("File (CSV or Parquet)").set_input_files(str(path))
        with page.expect_navigation():
            page.get_by_role("button", name="Check and import").click()
        page.wait_for_selector("[data-testid=job-result], [data-testid=job-error]")

    upload("sites", paths["sites"])
    assert "2 added, 0 updated, 0 unchanged" in page.get_by_test_id("job-result").inner_text()
    upload("teams", paths["teams"])
    upload("staff", bad)
    refused = page.get_by_test_id("job-error").inner_text()
    assert "nothing of it was written" in refused and "field \u2018home_site\u2019" in refused
    page.screenshot(path=str(shots / "workplace-imports-refused.png"), full_page=True)
    for kind in ("staff", "badge", "bookings", "absences"):
        upload(kind, paths[kind])
        assert page.get_by_test_id("job-result").is_visible(), kind
    page.get_by_role("link", name="Back to the page the job was started from").click()
    page.screenshot(path=str(shots / "workplace-imports-loaded.png"), full_page=True)

    name = "organisation, days, rolling 3 weeks"
    page.goto(live_server.url + "/workplace/policies/new/")
    page.get_by_label("Policy (TOML)").fill(_toml(name, SHAPES[name]))
    page.get_by_label("Open pages with this policy").check()
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Organisation").click()
    page.get_by_label("From", exact=True).fill(START.isoformat())
    page.get_by_label("To", exact=True).fill(END.isoformat())
    page.get_by_role("button", name="Show").click()
    page.wait_for_selector("[data-testid=organisation-percent]")
    page.screenshot(path=str(shots / "workplace-organisation-loaded.png"), full_page=True)
    page.screenshot(path=str(shots / "workplace-organisation-top.png"))

    want = expected(generated, SHAPES[name])
    pct = want["percent"](want["overall"])
    assert page.get_by_test_id("organisation-percent").inner_text() == f"{pct:.1f}%"
    o = want["overall"]
    counts = " ".join(page.get_by_test_id("organisation-counts").inner_text().split())
    assert f"{o['working'] - o['excluded']:,} required days" in counts
    assert "reach back before the period" in page.get_by_test_id("engine-note").first.inner_text()
    sites = page.get_by_test_id("sites").inner_text()
    assert "Newport" in sites and "Edinburgh" in sites and "Not judged: the target is organisation-wide" in sites
