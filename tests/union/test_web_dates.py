"""A bad date in the web ballot journey gets a form error naming the field in plain British English, never
Python's own text ("day is out of range for month", "Invalid isoformat string"), and nothing is written."""

from __future__ import annotations

from datetime import date

import pytest

from mandate.platform.models import Document
from mandate.union import ballots as svc
from mandate.union.models import AccidentalOmission, Ballot, Dispute, Employer

pytestmark = pytest.mark.django_db

PYTHON_TEXT = ("day is out of range", "month must be in", "Invalid isoformat", "isoformat", "Traceback")
CLOSING = "Enter a real date for the closing day of the ballot, for example 23 November 2026"


def _ballot_form(dispute: Dispute, **dates: str) -> dict[str, object]:
    ons = Employer.objects.get(code="ons")
    return {"dispute": dispute.pk, "code": "ons-2026-11", "title": "Industrial action ballot", "employers": [ons.pk],
            "strike": "on", "units_mode": "separate", "voting_method": "postal", "return_address": "PO Box 1",
            "caller": "General Secretary", "opening_day": "2026-11-02", "closing_day": "2026-11-16", **dates}


@pytest.fixture
def official(union_org, client, make_user):
    client.force_login(make_user("union_official", "pcs"))
    return client


@pytest.fixture
def dispute(union_org) -> Dispute:
    return Dispute.objects.create(union=union_org, code="attendance", title="Office attendance", matters="40%",
                                  opened_on=date(2024, 4, 1))


def _text(response) -> str:
    return response.content.decode()


@pytest.mark.parametrize("bad", ["31 February 2027", "2027-02-31", "31/02/2027", "2027-13-01", "the Friday after"])
def test_a_bad_closing_day_is_named_and_no_ballot_is_created(official, dispute, bad):
    page = _text(official.post("/union/ballots/new/", _ballot_form(dispute, closing_day=bad)))
    assert CLOSING in page
    assert "Enter a valid date" not in page and not any(t in page for t in PYTHON_TEXT)
    assert not Ballot.objects.exists()


def test_each_bad_or_missing_day_is_named_on_its_own(official, dispute):
    page = _text(official.post("/union/ballots/new/", _ballot_form(dispute, opening_day="30 February 2027",
                                                                   closing_day="")))
    assert "Enter a real date for the opening day of the ballot, for example 23 November 2026" in page
    assert "Enter the date for the closing day of the ballot" in page
    assert not Ballot.objects.exists()


def test_a_date_typed_as_in_the_example_is_taken(official, dispute):
    response = official.post("/union/ballots/new/", _ballot_form(dispute, opening_day="2 November 2026",
                                                                 closing_day="16 Nov 2026"))
    assert response.status_code == 302
    ballot = Ballot.objects.get()
    assert (ballot.opening_day, ballot.closing_day) == (date(2026, 11, 2), date(2026, 11, 16))


@pytest.fixture
def frozen(union_org, dispute) -> Ballot:
    ballot = svc.create_ballot(union_org, dispute, code="b", title="Ballot", opening_day=date(2027, 1, 4),
                               closing_day=date(2027, 1, 25), employers=[Employer.objects.get(code="ons")],
                               questions={"strike": {}}, scrutineer_name="Civica", return_address="PO Box 1")
    svc.freeze_electorate(ballot)
    return ballot


def _state(ballot: Ballot) -> tuple[object, ...]:
    ballot.refresh_from_db()
    return (ballot.opening_day, ballot.closing_day, Document.objects.count(), AccidentalOmission.objects.count(),
            list(Document.objects.values_list("sent_on", "received_on")))


@pytest.mark.parametrize("step,data,message", [
    ("dates", {"opening_day": "2027-01-04", "closing_day": "2027-02-30"}, CLOSING),
    ("dates", {"opening_day": "4th of January", "closing_day": "2027-01-25"},
     "Enter a real date for the opening day of the ballot, for example 23 November 2026"),
    ("notices", {"sent_on": "2026-12-32"},
     "Enter a real date for the day the notices are sent, for example 23 November 2026"),
    ("notices", {"sent_on": "2026-12-14", "expected_receipt": "31 June 2026"},
     "Enter a real date for the day the employers should receive the notices, for example 23 November 2026"),
    ("notices", {}, "Enter the date for the day the notices are sent"),
    ("omission", {"kind": "s227", "description": "Left off the list", "discovered_on": "2027-02-29", "unit": "UNIT"},
     "Enter a real date for the day the omission was found, for example 23 November 2026"),
    ("omission", {"kind": "s999", "description": "Left off", "discovered_on": "2027-01-05", "unit": "UNIT"},
     "Choose what happened from the list"),
    ("omission", {"kind": "s227", "description": "Left off", "discovered_on": "2027-01-05", "unit": "999999"},
     "Choose a ballot unit of this ballot"),
    ("results", {"sent_on": "yesterday"},
     "Enter a real date for the day the result is sent, for example 23 November 2026"),
])
def test_a_set_up_step_names_its_bad_date(official, frozen, step, data, message):
    if data.get("unit") == "UNIT":
        data = {**data, "unit": str(frozen.units.first().pk)}
    before = _state(frozen)
    page = _text(official.post(f"/union/ballots/{frozen.pk}/step/{step}/", data, follow=True))
    assert message in page and not any(t in page for t in PYTHON_TEXT)
    assert "Give both days as dates" not in page
    assert _state(frozen) == before


def test_document_and_report_dates_are_named(official, frozen, client, make_user):
    from mandate.union import documents as docs

    notice = docs.issue_notice(frozen, Employer.objects.get(code="ons"), sent_on=date(2026, 12, 14),
                               expected_receipt=date(2026, 12, 16))
    before = _state(frozen)
    page = _text(official.post(f"/union/ballots/{frozen.pk}/documents/{notice.pk}/dates/",
                               {"received_on": "2026-12-40"}, follow=True))
    assert "Enter a real date for the day the document was received, for example 23 November 2026" in page
    assert not any(t in page for t in PYTHON_TEXT) and _state(frozen) == before
    client.force_login(make_user("scrutineer", "pcs"))
    page = _text(client.post(f"/union/ballots/{frozen.pk}/report/", {"sent_on": "2027-02-31"}, follow=True))
    assert "Enter a real date for the date of the scrutineer&#x27;s report, for example 23 November 2026" in page
    assert not any(t in page for t in PYTHON_TEXT) and _state(frozen) == before


def test_an_omission_with_good_input_is_recorded(official, frozen):
    unit = frozen.units.first()
    response = official.post(f"/union/ballots/{frozen.pk}/step/omission/", {
        "unit": unit.pk, "kind": "s230", "description": "Paper not posted", "discovered_on": "3 December 2026",
        "membership_number": "P000001"})
    assert response.status_code == 302
    omission = AccidentalOmission.objects.get()
    assert (omission.unit, omission.kind, omission.discovered_on, omission.membership_number) == (
        unit, "s230", date(2026, 12, 3), "P000001")
