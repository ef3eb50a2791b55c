"""Ballot services: returns rules, the count through the rulebook, secrecy and roles, documents as real PDFs."""

from __future__ import annotations

import io
from datetime import date

import pytest
from tests.union.helpers import register_csv

from mandate.union import ballots as svc
from mandate.union import documents as docs
from mandate.union import mandates, services
from mandate.union.models import Ballot, Dispute, Employer, Mandate
from mandate.union.register import import_register

pytestmark = pytest.mark.django_db

OPEN, CLOSE = date(2026, 11, 2), date(2026, 11, 16)


@pytest.fixture
def ballot(union_org) -> Ballot:
    import_register(union_org, register_csv({"newport": 37, "titchfield": 20}))
    ons = Employer.objects.get(code="ons")
    dispute = Dispute.objects.create(union=union_org, code="d", title="Attendance", matters="40%",
                                     opened_on=date(2024, 4, 1))
    b = svc.create_ballot(union_org, dispute, code="b", title="Ballot", opening_day=OPEN, closing_day=CLOSE,
                          employers=[ons], questions={"strike": {}, "action_short_of_strike": {"action_types": "Overtime ban"}},
                          scrutineer_name="Civica", return_address="PO Box 1")
    svc.freeze_electorate(b)
    services.issue_notices(b, sent_on=date(2026, 10, 20), received_on=date(2026, 10, 22),
                           sample_received_on=date(2026, 10, 31))  # the sample one day late: due by 30 October
    return b


def test_cannot_open_while_a_notice_is_late(ballot):
    problems = svc.open_problems(ballot)
    assert any("sample voting paper" in p and "after the last day 30 October 2026" in p for p in problems)
    services.issue_voting_papers(ballot)
    with pytest.raises(svc.BallotError, match="sample voting paper"):
        services.open_ballot(ballot)


def _open(ballot: Ballot) -> None:
    for sample in svc.current_documents(ballot, "sample-paper"):
        services.record_document_dates(ballot, sample, received_on=date(2026, 10, 30))
    services.issue_voting_papers(ballot)
    services.open_ballot(ballot)


def test_electorate_units_and_consecutive_numbers(ballot):
    assert ballot.electors.count() == 60
    assert sorted(ballot.electors.values_list("paper_number", flat=True)) == list(range(1, 61))
    assert {u.name: u.electors.count() for u in ballot.units.all()} == {
        "Newport (Office for National Statistics)": 39, "Titchfield (Office for National Statistics)": 21}
    assert all("s.227(1)" in r for r in ballot.electors.values_list("reason", flat=True))


def test_returns_rules_and_the_count(ballot):
    _open(ballot)
    newport = [e.paper_number for e in ballot.electors.filter(workplace__code="newport")]
    titch = [e.paper_number for e in ballot.electors.filter(workplace__code="titchfield")]
    # Newport: 20 of 39 back (51.3%): 11 yes, 8 no, 1 marked both ways on strike
    rows = ["paper_number,received_on,strike,asos"]
    for i, n in enumerate(newport[:20]):
        rows.append(f"{n},2026-11-10,{'yes' if i < 11 else 'both' if i == 19 else 'no'},yes")
    # Titchfield: exactly 50% would need 10.5; 10 of 21 back fails the turnout
    rows += [f"{n},2026-11-12,yes,yes" for n in titch[:10]]
    with pytest.raises(svc.ReturnsImportError) as caught:
        svc.import_returns(ballot, "\n".join([*rows, "61,2026-11-12,yes,yes"]))
    assert caught.value.errors == ["line 32: paper number 61 was never issued"]
    assert ballot.returns.count() == 0
    summary = svc.import_returns(ballot, "\n".join(rows))
    assert summary == {"file": "returns.csv", "lines": 30, "counted": 30, "duplicates": 0, "late": 0,
                       "unchanged": 0, "marked_both_ways": 1}
    dup = svc.record_return(ballot, newport[0], {"strike": "no", "asos": "yes"}, date(2026, 11, 13))
    late = svc.record_return(ballot, titch[15], {"strike": "yes", "asos": "no"}, date(2026, 11, 17))
    assert (dup.status, late.status) == ("duplicate", "late")
    with pytest.raises(svc.BallotError, match="never issued"):
        svc.record_return(ballot, 0, {"strike": "yes", "asos": "yes"}, date(2026, 11, 13))

    services.count(ballot, actor="scrutineer", today=date(2026, 11, 17))
    results = {(r.unit.workplace.code, r.question.kind): r for r in svc.result_rows(ballot)}
    s = results[("newport", "strike")]
    assert (s.entitled, s.voted, s.yes, s.no, s.spoiled, s.supported) == (39, 20, 11, 8, 1, True)
    assert results[("titchfield", "strike")].supported is False
    assert results[("titchfield", "strike")].verdict["turnout_threshold_met"] is False
    assert ballot.assessment["regime"] == "ERA1"
    mandates = Mandate.objects.filter(ballot=ballot)
    assert {(m.unit.workplace.code, m.kind, m.last_day) for m in mandates} == {
        ("newport", "strike", date(2027, 11, 15)), ("newport", "action_short_of_strike", date(2027, 11, 15))}
    with pytest.raises(svc.BallotError, match="counted"):
        svc.record_return(ballot, newport[25], {"strike": "yes", "asos": "yes"}, date(2026, 11, 13))
    with pytest.raises(svc.BallotError, match="already been counted"):
        svc.count(ballot, today=date(2026, 11, 18))


def test_voting_papers_are_real_pdfs_with_the_statement(ballot):
    from pypdf import PdfReader

    from mandate.union import rules

    statement = rules.paper_requirements(OPEN)["statement"]
    assert statement.endswith("the dismissal will be unfair.")  # ERA1 wording for a ballot opening Nov 2026
    doc = docs.issue_voting_papers(ballot)
    assert bytes(doc.pdf)[:4] == b"%PDF"
    assert doc.html.count(statement) == ballot.units.count()  # the template, one a unit; each paper stamped on it
    assert "Civica" in doc.html and "16 November 2026" in doc.html and "Overtime ban" not in doc.html
    pages = PdfReader(io.BytesIO(bytes(doc.pdf))).pages
    assert len(pages) == 60  # one page per paper
    assert pages[0].extract_text().endswith("\n1") and pages[59].extract_text().endswith("\n60")


def test_tua16_notice_carries_per_category_figures(ballot):
    ons = Employer.objects.get(code="ons")
    old = docs.issue_notice(ballot, ons, sent_on=date(2026, 2, 10), expected_receipt=date(2026, 2, 12))
    new = docs.issue_notice(ballot, ons, sent_on=date(2026, 10, 20), expected_receipt=date(2026, 10, 22))
    assert "How these figures were arrived at" in old.html and "How these figures were arrived at" not in new.html
    assert bytes(new.pdf)[:4] == b"%PDF"
    warning = docs.record_dates(old, ballot, received_on=date(2026, 2, 19))
    assert "drafted for regime TUA16 but was received under ERA1" in warning
    assert docs.record_dates(new, ballot, received_on=date(2026, 10, 22)) == ""


def test_the_ballot_page_shows_the_warning_of_a_notice_received_under_another_regime(ballot, client, make_user):
    old = docs.issue_notice(ballot, Employer.objects.get(code="ons"), sent_on=date(2026, 2, 10),
                            expected_receipt=date(2026, 2, 12))
    client.force_login(make_user("union_official", "pcs"))
    page = client.post(f"/union/ballots/{ballot.pk}/documents/{old.pk}/dates/", {"received_on": "2026-02-19"},
                       follow=True).content.decode()
    assert "drafted for regime TUA16 but was received under ERA1" in page
    old.refresh_from_db()
    assert old.received_on == date(2026, 2, 19)


def test_hand_entered_mandate_uses_the_rulebook(union_org):
    ons = Employer.objects.get(code="ons")
    m = mandates.enter_mandate(union_org, employer=ons, unit_name="ONS", kind="strike", opening_day=date(2025, 3, 10),
                          date_of_ballot=date(2025, 3, 31), entitled=1000, voted=500, yes=300, no=199, spoiled=1)
    assert m.last_day == date(2025, 9, 30)  # TUA16: six months beginning with 31 March 2025
    with pytest.raises(svc.BallotError, match="turnout"):
        mandates.enter_mandate(union_org, employer=ons, unit_name="ONS", kind="strike", opening_day=date(2025, 3, 10),
                          date_of_ballot=date(2025, 3, 31), entitled=1000, voted=499, yes=400, no=99)


def test_secrecy_and_roles(ballot, client, make_user):
    _open(ballot)
    svc.record_return(ballot, 1, {"strike": "yes", "action_short_of_strike": "no"}, date(2026, 11, 5))
    official = make_user("union_official", "pcs")
    client.force_login(official)
    turnout = client.get(f"/union/ballots/{ballot.pk}/turnout/")
    assert turnout.status_code == 200 and "How the projection works" in turnout.content.decode()
    assert client.get(f"/union/ballots/{ballot.pk}/returns/").status_code == 403
    assert client.post(f"/union/ballots/{ballot.pk}/count/").status_code == 403
    rep = make_user("branch_rep", "pcs")
    client.force_login(rep)
    assert client.get(f"/union/ballots/{ballot.pk}/turnout/").status_code == 200
    assert client.get("/union/register/").status_code == 403
    papers = docs.ballot_documents(ballot)
    vp = next(d for d in papers if d.kind == "voting-papers")
    assert client.get(f"/union/ballots/{ballot.pk}/documents/{vp.pk}.pdf").status_code == 404
    scrutineer = make_user("scrutineer", "pcs")
    client.force_login(scrutineer)
    page = client.get(f"/union/ballots/{ballot.pk}/returns/").content.decode()
    assert "strike: yes" in page
    other_union = make_user("union_official", "prospect")
    client.force_login(other_union)
    assert client.get(f"/union/ballots/{ballot.pk}/").status_code == 403  # not linked to a union it holds


def test_register_upload_page_names_bad_lines(union_org, client, make_user):
    client.force_login(make_user("union_official", "pcs"))
    bad = io.BytesIO(register_csv({"newport": 2}).replace("newport", "leeds").encode())
    bad.name = "r.csv"
    page = client.post("/union/register/", {"file": bad}, follow=True).content.decode()  # the import's job page
    assert "line 2: workplace: unknown workplace" in page and "line 3: workplace" in page


def test_only_the_appointed_scrutineer_opens_the_papers(ballot, client, make_user):
    ballot.scrutineer_username = "scrutineer-a"
    ballot.save()
    client.force_login(make_user("scrutineer", "pcs", username="scrutineer-b"))
    assert client.get(f"/union/ballots/{ballot.pk}/returns/").status_code == 403
    assert client.post(f"/union/ballots/{ballot.pk}/count/").status_code == 403
    assert client.post(f"/union/ballots/{ballot.pk}/report/").status_code == 403
    client.force_login(make_user("scrutineer", "pcs", username="scrutineer-a"))
    assert client.get(f"/union/ballots/{ballot.pk}/returns/").status_code == 200


def test_a_results_step_that_fails_part_way_issues_nothing(ballot, client, make_user, monkeypatch):
    """The results step issues the members' result, then one per employer: a refusal for an employer undoes the
    members' result too (one transaction), and the page says why."""
    from mandate.platform.models import Document

    _open(ballot)
    for paper in range(1, 31):
        svc.record_return(ballot, paper, {"strike": "yes", "action_short_of_strike": "yes"}, date(2026, 11, 12))
    services.count(ballot, actor="scrutineer", today=date(2026, 11, 17))

    def refused(*args, **kwargs):
        raise svc.BallotError("The employer's address is missing.")  # as a real refusal would be worded

    monkeypatch.setattr(docs, "issue_result_to_employer", refused)
    client.force_login(make_user("union_official", "pcs"))
    page = client.post(f"/union/ballots/{ballot.pk}/step/results/", {"sent_on": "2026-11-18"}, follow=True)
    assert "The employer&#x27;s address is missing." in page.content.decode()
    assert not Document.objects.filter(kind__in=["s231-result", "s231a-result"]).exists()
    ballot.refresh_from_db()
    assert ballot.stage == "counted"  # the step did not happen: it can be taken again
