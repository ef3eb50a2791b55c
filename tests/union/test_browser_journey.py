"""Done means: as a union official and then as the scrutineer, in headless Chromium, run the demo dispute's
postal ballot of the ONS members from set-up to mandate, through every step of the lifecycle: a notice
withdrawn (with its reason) and issued again, replacement papers voiding a lost paper's number, the results,
and a scrutineer's report superseded by a correction. Screenshots go to build/screenshots/."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from dateutil.relativedelta import relativedelta
from tests.union.helpers import register_csv, returns_csv

from mandate.dates import human_date

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"union-{name}.png"), full_page=True)


def iso(d: date) -> str:
    return d.isoformat()


def test_official_then_scrutineer_run_the_ballot_to_mandate(page, login, live_server, make_user, tmp_path):
    from mandate.demo import union_dispute
    from mandate.platform.models import AuditEntry, Document
    from mandate.union.models import Ballot, Employer, Union, Workplace

    pcs = Union.objects.create(code="pcs", name="Public and Commercial Services Union")
    ons = Employer.objects.create(union=pcs, code="ons", name="Office for National Statistics")
    for code, name in [("newport", "Newport"), ("titchfield", "Titchfield"), ("darlington", "Darlington")]:
        Workplace.objects.create(employer=ons, code=code, name=name)
    make_user("union_official", "pcs", username="official")
    make_user("scrutineer", "pcs", username="scrutineer")
    make_user("member", "pcs", username="member")
    url = live_server.url

    # --- the official: register ------------------------------------------------------------------
    login("official")
    page.goto(url + "/union/register/")
    bad = tmp_path / "bad.csv"
    bad.write_text(register_csv({"newport": 3}) + "P999999,X,not-an-email,,1 Road,ons,leeds,Statistician,no,2020-13-01\n")
    page.get_by_label("Register file").set_input_files(str(bad))
    with page.expect_navigation():
        page.get_by_role("button", name="Import").click()
    errors = page.get_by_test_id("job-error")  # the import is a background job: its page says why it failed
    assert "line 5: personal_email" in errors.inner_text()
    assert "unknown workplace 'leeds'" in errors.inner_text() and "join_date" in errors.inner_text()
    page.get_by_role("link", name="Back to the page the job was started from").click()
    assert page.get_by_test_id("register-total").inner_text() == "0"
    good = tmp_path / "register.csv"
    good.write_text(register_csv({"newport": 60, "titchfield": 40, "darlington": 20}))
    page.get_by_label("Register file").set_input_files(str(good))
    with page.expect_navigation():
        page.get_by_role("button", name="Import").click()
    assert "Imported 120 members: 120 new" in page.get_by_test_id("job-result").inner_text()
    page.get_by_test_id("job-result").get_by_role("link").click()
    assert page.get_by_test_id("register-total").inner_text() == "120"

    # --- the demo dispute and its ballot, ready to run --------------------------------------------
    union_dispute.build(seed=1, unions={"pcs": pcs})
    ballot = Ballot.objects.get(code="ons-2026-12")
    page.goto(url + "/union/disputes/")
    page.get_by_role("link", name="ONS office attendance").click()
    assert "Settlement through Acas conciliation" in page.get_by_test_id("dispute-timeline").inner_text()

    today = date.today()
    opening, closing = today - timedelta(days=20), today - timedelta(days=3)
    page.goto(url + f"/union/ballots/{ballot.pk}/")
    page.get_by_label("Opening day", exact=True).fill(iso(opening))
    page.get_by_label("Closing day", exact=True).fill(iso(closing - timedelta(days=1)))  # a day early, by mistake
    page.get_by_role("button", name="Change the dates").click()
    assert human_date(opening) in page.get_by_test_id("timeline").inner_text()
    page.get_by_role("button", name="Freeze the electorate").click()
    assert page.get_by_test_id("electorate").inner_text() == "120"
    assert "No notice of ballot" in page.get_by_test_id("open-problems").inner_text()

    # notices sent, then withdrawn (the closing day was wrong), the dates changed, new notices issued
    page.get_by_label("Sent on").fill(iso(opening - timedelta(days=14)))
    page.get_by_label("Expected receipt").fill(iso(opening - timedelta(days=12)))
    page.get_by_role("button", name="Issue notices").click()
    assert page.get_by_test_id("ballot-status").inner_text() == "Notices issued"
    assert page.get_by_role("button", name="Change the dates").count() == 0
    assert "withdraw the notices to change them" in page.get_by_test_id("dates-locked").inner_text()
    refused = page.request.post(url + f"/union/ballots/{ballot.pk}/step/dates/", form={
        "opening_day": iso(opening), "closing_day": iso(closing + timedelta(days=2))}, headers={
        "X-CSRFToken": next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")})
    assert refused.ok and Ballot.objects.get(pk=ballot.pk).closing_day == closing - timedelta(days=1)
    page.get_by_label("Why the notices are withdrawn").fill("The closing day in the notice was a day early")
    page.get_by_label("Withdrawn on").fill(iso(opening - timedelta(days=13)))
    page.get_by_role("button", name="Withdraw the notices").click()
    assert page.get_by_test_id("ballot-status").inner_text() == "Being set up"
    assert "The closing day in the notice was a day early" in page.get_by_test_id("withdrawals").inner_text()
    assert "withdrawn" in page.get_by_test_id("documents").inner_text()
    page.get_by_label("Closing day", exact=True).fill(iso(closing))
    page.get_by_role("button", name="Change the dates").click()
    shot(page, "ballot-withdrawn")
    page.get_by_label("Sent on").fill(iso(opening - timedelta(days=13)))
    page.get_by_label("Expected receipt").fill(iso(opening - timedelta(days=10)))
    page.get_by_role("button", name="Issue notices").click()
    for i in range(2):  # the new notice and sample paper
        page.get_by_label("Received on").nth(i).fill(iso(opening - timedelta(days=10)))
        page.get_by_role("button", name="Record receipt").nth(i).click()
    assert page.get_by_test_id("notices").inner_text().count("on time") == 2
    page.get_by_role("button", name="Produce the voting papers").click(timeout=180_000)
    assert page.get_by_test_id("ballot-status").inner_text() == "Voting papers issued"
    assert page.get_by_role("button", name="Produce the voting papers").count() == 0  # once
    # a member's paper was lost in the post: a replacement with a new number, the old one void
    lost = ballot.electors.order_by("paper_number").first()
    lost_number = lost.paper_number
    page.get_by_label("Membership numbers, one a line").fill(lost.membership_number)
    page.get_by_label("Why a new paper").select_option("lost")
    page.get_by_role("button", name="Issue replacement papers").click()
    assert f"Paper {lost_number} ({lost.membership_number}): lost, replaced by paper 121" in \
        page.get_by_test_id("void-papers").inner_text()
    page.get_by_role("button", name="Open the ballot").click()
    assert page.get_by_test_id("ballot-status").inner_text() == "Open"
    assert "passed" in page.get_by_test_id("timeline").inner_text()  # the notice deadlines are behind us
    shot(page, "ballot-open")

    for kind in ("s226a-notice", "sample-paper", "voting-papers", "replacement-papers"):
        doc = Document.objects.filter(kind=kind, related_id=str(ballot.pk)).order_by("-pk").first()
        pdf = page.request.get(url + f"/union/ballots/{ballot.pk}/documents/{doc.pk}.pdf")
        assert pdf.ok and pdf.body()[:4] == b"%PDF"
    # the official may not see papers' marks
    assert page.request.get(url + f"/union/ballots/{ballot.pk}/returns/").status == 403

    # --- the scrutineer: postal returns, about 70%, and the count ----------------------------------
    page.context.clear_cookies()
    login("scrutineer")
    page.goto(url + f"/union/ballots/{ballot.pk}/returns/")
    chances = {e.paper_number: {"newport": 0.85, "titchfield": 0.7, "darlington": 0.3}[e.workplace.code]
               for e in ballot.electors.select_related("workplace")}
    text, lines = returns_csv(chances, opening, closing, seed=3)
    bad_returns = tmp_path / "bad-returns.csv"
    bad_returns.write_text(text + f"500,{iso(closing)},yes,no\n")
    page.get_by_label("Returns file").set_input_files(str(bad_returns))
    page.get_by_role("button", name="Import the file").click()
    assert f"line {lines + 2}: paper number 500 was never issued" in page.get_by_test_id("returns-errors").inner_text()
    void_returns = tmp_path / "void-returns.csv"  # the lost paper, found and posted after all: refused
    void_returns.write_text(text + f"{lost_number},{iso(closing)},yes,no\n")
    page.get_by_label("Returns file").set_input_files(str(void_returns))
    page.get_by_role("button", name="Import the file").click()
    assert f"paper number {lost_number} is void" in page.get_by_test_id("returns-errors").inner_text()
    returns_file = tmp_path / "returns.csv"
    returns_file.write_text(text)
    page.get_by_label("Returns file").set_input_files(str(returns_file))
    page.get_by_role("button", name="Import the file").click()
    assert page.get_by_test_id("counted-papers").inner_text() == str(lines)
    page.get_by_label("Returns file").set_input_files(str(returns_file))  # the same file again
    page.get_by_role("button", name="Import the file").click()
    assert page.get_by_test_id("counted-papers").inner_text() == str(lines)
    assert f"{lines} already recorded (unchanged)" in page.content()
    # one paper by hand: a repeat of a returned number is set aside as a duplicate
    first_returned = int(text.splitlines()[1].split(",")[0])
    page.get_by_label("Paper number").fill(str(first_returned))
    page.get_by_label("Received on").fill(iso(closing))
    for question in ("Strike", "Action short of a strike"):  # no mark is chosen until the paper is read
        assert page.get_by_label(question, exact=True).input_value() == ""
        assert page.get_by_label(question, exact=True).get_attribute("required") is not None
    page.get_by_label("Strike", exact=True).select_option("yes")
    page.get_by_label("Action short of a strike").select_option("no")
    page.get_by_role("button", name="Record the paper").click()
    flagged = page.get_by_test_id("flagged").inner_text()
    assert str(first_returned) in flagged and "already returned" in flagged
    shot(page, "returns")

    page.get_by_role("button", name="Close the ballot and count").click()
    results = page.get_by_test_id("results").inner_text()
    assert "Darlington" in results and "below threshold" in results
    assert page.get_by_role("button", name="Issue the scrutineer's report").count() == 0  # after the results
    # the scrutineer cannot change a counted result
    page.goto(url + f"/union/ballots/{ballot.pk}/returns/")
    assert page.get_by_role("button", name="Import the file").count() == 0

    # --- the official: results to members and employer, mandates ----------------------------------
    page.context.clear_cookies()
    login("official")
    page.goto(url + f"/union/ballots/{ballot.pk}/results/")
    page.get_by_role("button", name="Issue the result to members").click()
    docs = page.get_by_test_id("result-documents").inner_text()
    assert "Result of the ballot, for members" in docs and "for Office for National Statistics" in docs
    assert page.get_by_role("button", name="Issue the result to members").count() == 0  # once

    # --- the scrutineer: the report, then a correction that supersedes it ----------------------------
    page.context.clear_cookies()
    login("scrutineer")
    page.goto(url + f"/union/ballots/{ballot.pk}/results/")
    page.get_by_role("button", name="Issue the scrutineer's report").click()
    assert "Scrutineer's report" in page.get_by_test_id("result-documents").inner_text()
    page.get_by_label("What the correction corrects").fill("The first report gave the wrong number of late papers")
    page.get_by_role("button", name="Issue the corrected report").click()
    documents = page.get_by_test_id("result-documents").inner_text()
    assert "superseded" in documents
    assert "The first report gave the wrong number of late papers" in page.get_by_test_id("superseding").inner_text()
    assert page.get_by_test_id("ballot-stage").inner_text() == "Scrutineer's report issued"
    shot(page, "results-superseded-report")
    reports = Document.objects.filter(kind="s231b-report", related_id=str(ballot.pk))
    assert reports.count() == 2 and all(bytes(r.pdf)[:4] == b"%PDF" for r in reports)

    # --- a member reads the result and the scrutineer's report, not the notice to the employer -------
    page.context.clear_cookies()
    login("member")
    page.goto(url + f"/union/ballots/{ballot.pk}/results/")
    member_docs = page.get_by_test_id("result-documents")
    assert "Result of the ballot, for members" in member_docs.inner_text()
    assert "for Office for National Statistics" not in member_docs.inner_text()
    with page.expect_navigation():
        member_docs.get_by_role("link", name="HTML").first.click()
    assert page.url.endswith(".html") and "Darlington" in page.content()  # the result, opened (not a 403)
    page.context.clear_cookies()
    login("official")

    page.goto(url + "/union/mandates/")
    table = page.get_by_test_id("mandates").inner_text()
    last_day = closing + relativedelta(months=12) - timedelta(days=1)  # ERA1: 12 months beginning with the date of the ballot
    assert table.count(human_date(last_day)) == 4  # Newport and Titchfield, strike and ASOS
    assert "Darlington" not in table
    assert str((last_day - today).days) in table
    page.get_by_role("link", name="Plan a renewal").first.click()
    assert "Latest closing day" in page.get_by_test_id("renewal").inner_text()
    assert AuditEntry.objects.filter(action="ballot.counted", actor="scrutineer").exists()
