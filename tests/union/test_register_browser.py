"""The register list in headless Chromium, as an official uses it with the keyboard: search, pages, the
members marked left apart, and "mark members missing as left" with its review and confirmation (confirmed
once; the same confirmation sent again changes nothing). Screenshots at phone width (390 px) and on a
desktop go to build/screenshots/."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest
from tests.union.helpers import register_csv

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    SHOTS.mkdir(parents=True, exist_ok=True)
    for label, size in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(size)
        page.screenshot(path=str(SHOTS / f"union-register-{name}-{label}.png"), full_page=True)
        if label == "phone":  # reflows at phone width: only a table may scroll, inside its own box
            assert page.evaluate("document.documentElement.scrollWidth") <= size["width"], name
    page.set_viewport_size(DESKTOP)


def tab_to(page, selector: str, limit: int = 80) -> None:  # type: ignore[no-untyped-def]
    """Press Tab until the element `selector` has the focus: it is reachable from the keyboard."""
    target = page.locator(selector)
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("el => el === document.activeElement"):
            return
    raise AssertionError(f"{selector} is not reachable with the Tab key")


def test_official_searches_pages_and_marks_missing_members_left_by_keyboard(page, login, live_server, make_user,
                                                                            tmp_path):
    from mandate.union.models import Employer, Member, Union, Workplace
    from mandate.union.register import import_register

    pcs = Union.objects.create(code="pcs", name="Public and Commercial Services Union")
    ons = Employer.objects.create(union=pcs, code="ons", name="Office for National Statistics")
    for code, name in [("newport", "Newport"), ("titchfield", "Titchfield")]:
        Workplace.objects.create(employer=ons, code=code, name=name)
    text = register_csv({"newport": 40, "titchfield": 20}, start=100)
    import_register(pcs, text)
    Member.objects.filter(membership_number__in=["P000101", "P000102"]).update(left_on=date(2026, 10, 1))
    make_user("union_official", "pcs", username="official")
    login("official")
    page.set_viewport_size(DESKTOP)
    page.goto(live_server.url + "/union/register/")
    assert page.get_by_test_id("register-total").inner_text() == "58"
    assert "1 to 25 of 58" in page.get_by_test_id("register-summary").inner_text()
    shot(page, "list")

    # search by keyboard: Tab to the search box, type, Enter
    page.goto(live_server.url + "/union/register/")
    tab_to(page, "#id_q")
    page.keyboard.type("titchfield")
    page.keyboard.press("Enter")
    page.wait_for_url("**q=titchfield**")
    assert "1 to 20 of 20" in page.get_by_test_id("register-summary").inner_text()
    rows = page.get_by_test_id("register-members").locator("tbody tr")
    assert rows.count() == 20 and all("Titchfield" in t for t in rows.all_inner_texts())
    shot(page, "search")

    # pages: 25 a page, the next page keeps the search
    page.goto(live_server.url + "/union/register/?q=newport&per=25")
    assert "1 to 25 of 38" in page.get_by_test_id("register-summary").inner_text()
    tab_to(page, "a[rel=next]")
    page.keyboard.press("Enter")
    page.wait_for_url("**page=2**")
    assert "26 to 38 of 38" in page.get_by_test_id("register-summary").inner_text()
    assert "q=newport" in page.url
    shot(page, "page-2")

    # the members marked as left, apart and labelled
    page.goto(live_server.url + "/union/register/")
    tab_to(page, "[data-testid=register-tabs] a >> nth=0")
    page.get_by_test_id("register-tabs").get_by_role("link", name="Members marked as left (2)").click()
    assert "These members are marked as left" in page.get_by_test_id("left-notice").inner_text()
    left_rows = page.get_by_test_id("register-members").locator("tbody tr").all_inner_texts()
    assert len(left_rows) == 2 and all("1 October 2026" in r for r in left_rows)
    with page.expect_download() as download:
        page.get_by_test_id("register-export").click()
    exported = list(csv.reader(io.StringIO(Path(download.value.path()).read_text())))
    assert sorted(r[0] for r in exported[1:]) == ["P000101", "P000102"] and exported[0][-1] == "left_on"
    shot(page, "left")

    # mark members missing as left: a file without the last five at Titchfield, reviewed first
    kept = text.splitlines()[:-5]
    upload = tmp_path / "register.csv"
    upload.write_text("\n".join(kept) + "\n")
    page.goto(live_server.url + "/union/register/")
    page.get_by_label("Register file").set_input_files(str(upload))
    tab_to(page, "#id_mark_missing_left")
    page.keyboard.press("Space")
    assert page.locator("#id_mark_missing_left").is_checked()
    tab_to(page, "form[enctype] button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    # the review runs as a background job: its page shows the progress, then the link to the review
    assert "Nothing has changed yet: 5 members would be marked as left" in page.get_by_test_id(
        "job-result").inner_text()
    shot(page, "review-job")
    page.get_by_test_id("job-result").get_by_role("link").click()
    assert page.get_by_role("heading", name="Check before marking members as left").is_visible()
    assert page.get_by_test_id("review-leaving-count").inner_text() == "5"
    assert page.get_by_test_id("review-leaving").locator("tbody tr").count() == 5
    assert "2 members marked as left before, who would be current again" in page.get_by_test_id(
        "review-returning").inner_text()  # the file lists P000101 and P000102
    assert Member.objects.filter(left_on__isnull=False).count() == 2  # nothing changed yet
    shot(page, "review")
    form = page.get_by_test_id("review-confirm")
    sent = {name: form.locator(f"input[name={name}]").input_value() for name in ("csrfmiddlewaretoken", "token")}
    tab_to(page, "[data-testid=review-confirm] button")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "5 marked as left" in page.get_by_test_id("job-result").inner_text()  # the import's job, done
    page.get_by_test_id("job-result").get_by_role("link").click()
    page.wait_for_url("**status=left**")
    assert Member.objects.filter(left_on__isnull=False).count() == 5
    assert "Members marked as left (5)" in page.get_by_test_id("register-tabs").inner_text()

    # the same confirmation sent again (a second press, or the browser resending the form): nothing changes
    again = page.request.post(live_server.url + "/union/register/confirm/", form=sent,
                              headers={"Referer": live_server.url + "/union/register/"})
    assert again.ok and "/jobs/" in again.url  # followed to the first confirmation's job
    assert "nothing changed the second time" in again.text() and "5 marked as left" in again.text()
    page.goto(live_server.url + "/union/register/")
    assert Member.objects.filter(left_on__isnull=False).count() == 5
    assert page.get_by_test_id("register-total").inner_text() == "55"
