"""The ballot's lifecycle: every step out of order refused, every step by the wrong role refused, every lock
held, issued documents immutable, returns checked, each paper counted once (single-threaded here; the
concurrent trials are in test_count_once.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from tests.union.helpers import lifecycle_ballot, returns_text

from mandate.platform.models import Document
from mandate.union import ballots as svc
from mandate.union import lifecycle, services
from mandate.union.errors import BallotError
from mandate.union.lifecycle import StepForbidden
from mandate.union.models import (
    Ballot,
    BallotQuestion,
    BallotStep,
    BallotUnit,
    Elector,
    IssuedDocument,
    ReturnedPaper,
    VoidPaper,
)

pytestmark = pytest.mark.django_db

TODAY = date.today()
LATER = TODAY  # sending dates of results and reports: today, after the closing day


def _yes(b: Ballot, n: int, day: date | None = None) -> Any:
    return services.record_return(b, n, {"strike": "yes", "action_short_of_strike": "yes"}, day or b.opening_day)


# Every transition step, as the services take it, with arguments that would be accepted at the right stage.
TRANSITIONS: dict[str, Callable[[Ballot], Any]] = {
    "issue_notices": lambda b: services.issue_notices(b, sent_on=b.opening_day - timedelta(days=12),
                                                      received_on=b.opening_day - timedelta(days=10)),
    "withdraw_notices": lambda b: services.withdraw_notices(b, reason="Wrong closing day"),
    "issue_papers": lambda b: services.issue_voting_papers(b),
    "open": lambda b: services.open_ballot(b),
    "close": lambda b: services.close_ballot(b),
    "count": lambda b: svc.count(b),
    "issue_results": lambda b: services.issue_results(b, sent_on=LATER),
    "issue_report": lambda b: services.issue_report(b, sent_on=LATER),
}
ORDER = ["issue_notices", "issue_papers", "open", "close", "count", "issue_results", "issue_report"]
WITHIN = {  # steps within a stage
    "change_setup": lambda b: services.update_dates(b, b.opening_day, b.closing_day),
    "replace_papers": lambda b: services.replace_papers(b, [b.electors.first().membership_number], reason="lost"),
    "record_returns": lambda b: _yes(b, b.electors.order_by("paper_number").last().paper_number),
    "correct_results": lambda b: services.correct_results(b, reason="typo", sent_on=LATER),
    "correct_report": lambda b: services.correct_report(b, reason="typo", sent_on=LATER),
}


def _snapshot(b: Ballot) -> tuple[Any, ...]:
    b.refresh_from_db()
    return (b.stage, b.status, BallotStep.objects.filter(ballot=b).count(), Document.objects.count(),
            ReturnedPaper.objects.count(), VoidPaper.objects.count(), b.opening_day)


def test_every_step_out_of_order_is_refused_and_changes_nothing(union_org):
    b = lifecycle_ballot(union_org)
    stages_seen = []
    for i, step in enumerate([*ORDER, None]):
        stages_seen.append(b.stage)
        for name, take in {**TRANSITIONS, **WITHIN}.items():
            if name == step or b.stage in lifecycle.STEPS[name].allowed_from:
                continue
            before = _snapshot(b)
            with pytest.raises(BallotError):
                take(b)
            assert _snapshot(b) == before, (b.stage, name)
        if step is not None:
            TRANSITIONS[step](b)
            b.refresh_from_db()
            assert b.stage == lifecycle.STEPS[step].to, (i, step)
        if b.stage == "open":
            _yes(b, 1)
    assert stages_seen == ["setup", "notices_issued", "papers_issued", "open", "closed", "counted",
                           "results_issued", "report_issued"]
    assert [s.step for s in b.steps.exclude(step__in=["change_setup", "record_returns"])] == ORDER


def test_a_step_twice_is_refused_the_second_time(union_org):
    b = lifecycle_ballot(union_org, stage="notices_issued")
    with pytest.raises(BallotError, match="at 'Notices issued'"):
        TRANSITIONS["issue_notices"](b)
    services.issue_voting_papers(b)
    with pytest.raises(BallotError, match="issue the voting papers only when it is at 'Notices issued'"):
        services.issue_voting_papers(b)
    assert Document.objects.filter(kind="voting-papers").count() == 1


def test_each_step_only_by_its_role(union_org, make_user):
    official = make_user("union_official", "pcs", username="official")
    scrutineer = make_user("scrutineer", "pcs", username="scrut")
    other = make_user("scrutineer", "pcs", username="other-scrutineer")
    rep = make_user("branch_rep", "pcs", username="rep")
    b = lifecycle_ballot(union_org, scrutineer_username="scrut")
    for step in ORDER:
        spec = lifecycle.STEPS[step]
        wrong = [u for u in (official, scrutineer, other, rep)
                 if not (spec.role == "union_official" and u is official)
                 and not (spec.role == "scrutineer" and u is scrutineer)]
        for user in wrong:
            with pytest.raises(StepForbidden, match="Only "):
                _as(step, b, user)
            assert b.stage == spec.allowed_from[0]
        _as(step, b, official if spec.role == "union_official" else scrutineer)
        if b.stage == "open":
            services.record_return(b, 1, {"strike": "yes", "action_short_of_strike": "no"}, b.opening_day,
                                   actor=scrutineer)
            with pytest.raises(StepForbidden):
                services.record_return(b, 2, {"strike": "yes", "action_short_of_strike": "no"}, b.opening_day,
                                       actor=official)
        # a command's --as naming an account is that account
        assert not lifecycle.may(b, "scrutineer", "official") and lifecycle.may(b, "scrutineer", "scrut")
    assert b.stage == "report_issued"


def _as(step: str, b: Ballot, user: Any) -> Any:
    calls: dict[str, Callable[[], Any]] = {
        "issue_notices": lambda: services.issue_notices(b, sent_on=b.opening_day - timedelta(days=12),
                                                        received_on=b.opening_day - timedelta(days=10), actor=user),
        "issue_papers": lambda: services.issue_voting_papers(b, actor=user),
        "open": lambda: services.open_ballot(b, actor=user),
        "close": lambda: services.close_ballot(b, user),
        "count": lambda: svc.count(b, user),
        "issue_results": lambda: services.issue_results(b, sent_on=LATER, actor=user),
        "issue_report": lambda: services.issue_report(b, sent_on=LATER, actor=user),
    }
    return calls[step]()


def test_once_notified_the_facts_are_locked_until_the_notice_is_withdrawn(union_org):
    b = lifecycle_ballot(union_org, stage="notices_issued")
    electors = b.electors.count()
    with pytest.raises(BallotError, match="withdraw"):
        services.update_dates(b, b.opening_day, b.closing_day + timedelta(days=1))
    with pytest.raises(BallotError):
        services.unfreeze_electorate(b)
    # the models refuse too, whoever tries
    stale = Ballot.objects.get(pk=b.pk)
    stale.closing_day += timedelta(days=3)
    with pytest.raises(BallotError, match="closing day cannot change"):
        stale.save()
    stale.refresh_from_db()
    stale.title = "A better title"  # not a fact of the notice
    stale.save()
    question = b.questions.first()
    question.text = "Another question?"
    with pytest.raises(BallotError, match="questions"):
        question.save()
    with pytest.raises(BallotError, match="questions"):
        BallotQuestion.objects.create(ballot=b, kind="other", text="?")
    with pytest.raises(BallotError, match="questions"):
        b.questions.first().delete()
    with pytest.raises(BallotError, match="units"):
        BallotUnit.objects.create(ballot=b, name="Another unit")
    e = b.electors.first()
    with pytest.raises(BallotError, match="electorate"):
        e.delete()
    with pytest.raises(BallotError, match="electorate"):
        Elector.objects.create(ballot=b, unit=e.unit, membership_number="X1", name="X", home_address="1 Road",
                               employer=e.employer, workplace=e.workplace, job_category="S", reason="r",
                               paper_number=999)
    b.refresh_from_db()
    assert b.electors.count() == electors and b.questions.count() == 2

    # withdrawn (with the reason and who), the ballot is being set up again and its facts can change
    with pytest.raises(BallotError, match="reason"):
        services.withdraw_notices(b, reason="  ")
    sent = b.opening_day - timedelta(days=12)
    with pytest.raises(BallotError, match="cannot be withdrawn before"):
        services.withdraw_notices(b, reason="Wrong dates", withdrawn_on=sent - timedelta(days=1))
    services.withdraw_notices(b, reason="The closing day was wrong", withdrawn_on=sent + timedelta(days=1),
                              actor="official-cli")
    b.refresh_from_db()
    assert b.stage == "setup"
    step = b.steps.get(step="withdraw_notices")
    assert (step.reason, step.actor) == ("The closing day was wrong", "official-cli")
    assert set(IssuedDocument.objects.values_list("state", flat=True)) == {"withdrawn"}
    assert svc.notice_status(b)[0]["s226a-notice"]["document"] is None  # a withdrawn notice no longer counts
    new_open, new_close = TODAY - timedelta(days=1), TODAY
    services.update_dates(b, new_open, new_close)
    services.unfreeze_electorate(b)
    services.freeze_electorate(b)
    # the new notice's periods run afresh: not sent before the withdrawal, and received in time for the new dates
    with pytest.raises(BallotError, match="withdrawn on"):
        services.issue_notices(b, sent_on=sent, received_on=sent)
    services.issue_notices(b, sent_on=TODAY - timedelta(days=5), received_on=TODAY - timedelta(days=4))
    services.issue_voting_papers(b)
    problems = svc.open_problems(b)
    assert any("notice of ballot (s.226A)" in p and "after the last day" in p for p in problems)
    with pytest.raises(BallotError, match="after the last day"):
        services.open_ballot(b)


def test_a_ballot_opens_no_earlier_than_its_opening_day(union_org):
    opening = TODAY + timedelta(days=1)
    b = lifecycle_ballot(union_org, opening=opening, closing=opening + timedelta(days=14), stage="notices_issued")
    services.issue_voting_papers(b)
    with pytest.raises(BallotError, match="opens on its opening day"):
        services.open_ballot(b)
    assert Ballot.objects.get(pk=b.pk).stage == "papers_issued"
    services.open_ballot(b, today=opening)  # on the day itself
    assert b.stage == "open"


def test_a_ballot_closes_and_is_counted_only_after_its_closing_day(union_org):
    b = lifecycle_ballot(union_org, opening=TODAY - timedelta(days=3), closing=TODAY, stage="open")
    with pytest.raises(BallotError, match="Voting runs until the end of"):
        services.close_ballot(b)
    with pytest.raises(BallotError, match="count the ballot only when it is at 'Closed'"):
        svc.count(b)
    _yes(b, 1)
    services.close_ballot(b, today=TODAY + timedelta(days=1))
    with pytest.raises(BallotError, match="only while it is open"):
        _yes(b, 2)


def test_returns_files_must_have_exactly_the_ballots_questions(union_org):
    b = lifecycle_ballot(union_org, stage="open")
    day = b.opening_day
    refused = {
        "paper_number,received_on,strike\n1,%s,yes\n": "lacks the column(s) for this ballot's question(s): action_short_of_strike",
        "paper_number,received_on,strike,asos,extra\n1,%s,yes,yes,x\n": "does not have: extra",
        "paper_number,received_on,strike,strike,asos\n1,%s,yes,no,yes\n": "named more than once: strike",
        "paper_number,received_on,strike,asos,action_short_of_strike\n1,%s,yes,no,yes\n": "named more than once: action_short_of_strike",
        "received_on,strike,asos\n%s,yes,yes\n": "needs a paper_number column",
    }
    for text, message in refused.items():
        with pytest.raises(svc.ReturnsImportError) as caught:
            services.import_returns(b, text % day.isoformat())
        assert any(message in e for e in caught.value.errors), (message, caught.value.errors)
    assert not b.returns.exists()
    # any order of the question columns is the same file
    summary = services.import_returns(b, f"asos,paper_number,strike,received_on\nno,1,yes,{day.isoformat()}\n")
    assert summary["counted"] == 1 and b.returns.get().marks == {"strike": "yes", "action_short_of_strike": "no"}


def test_a_received_date_before_the_opening_day_or_after_today_is_refused(union_org):
    b = lifecycle_ballot(union_org, stage="open")
    for day, message in ((b.opening_day - timedelta(days=1), "before the opening day"),
                         (TODAY + timedelta(days=1), "after today")):
        with pytest.raises(svc.ReturnsImportError) as caught:
            services.import_returns(b, returns_text([(1, b.opening_day, "yes", "yes"), (2, day, "yes", "no")]))
        assert caught.value.errors == [caught.value.errors[0]] and "line 3: paper 2" in caught.value.errors[0]
        assert message in caught.value.errors[0]
        with pytest.raises(BallotError, match=message):
            services.record_return(b, 2, {"strike": "yes", "asos": "no"}, day)
    assert not b.returns.exists()


def test_hand_entry_takes_no_preselected_mark_and_only_the_listed_ones(union_org):
    b = lifecycle_ballot(union_org, stage="open")
    with pytest.raises(BallotError, match="give the mark on the paper for the action short of strike question"):
        services.record_return(b, 1, {"strike": "yes"}, b.opening_day)
    with pytest.raises(BallotError, match="'maybe' is not a mark"):
        services.record_return(b, 1, {"strike": "maybe", "asos": "no"}, b.opening_day)
    with pytest.raises(BallotError, match="no other question"):
        services.record_return(b, 1, {"strike": "yes", "asos": "no", "other": "yes"}, b.opening_day)
    assert not b.returns.exists()


def test_the_same_returns_again_change_nothing_and_a_repeat_is_a_duplicate_with_its_reason(union_org):
    b = lifecycle_ballot(union_org, stage="open")
    d = b.opening_day
    rows = [(n, d + timedelta(days=n % 3), "yes" if n % 2 else "no", "blank") for n in range(1, 9)]
    first = services.import_returns(b, returns_text(rows))
    assert (first["counted"], first["unchanged"]) == (8, 0)
    # the same rows: reordered, CRLF, capitals and spelling of marks, quoted, byte-order mark, another name
    again = "\ufeff" + returns_text([(n, day, s.upper().replace("YES", "Y"), f'"{a}"' if a != "blank" else "")
                                     for n, day, s, a in reversed(rows)], newline="\r\n")
    second = services.import_returns(b, again, name="again.csv")
    assert (second["counted"], second["duplicates"], second["unchanged"]) == (0, 0, 8)
    cr_only = services.import_returns(b, returns_text(rows[:3], newline="\r"), name="cr.csv")
    assert cr_only["unchanged"] == 3
    hand = services.record_return(b, 1, {"strike": "yes", "asos": "blank"}, rows[0][1])
    assert hand.status == "unchanged" and b.returns.count() == 8
    # another paper with a number already returned: recorded as a duplicate, with why
    other = services.record_return(b, 1, {"strike": "no", "asos": "no"}, rows[0][1])
    assert other.status == "duplicate"
    dup = b.returns.get(status="duplicate")
    assert "paper 1 was already returned (returns.csv line 2)" in dup.reason
    assert b.returns.filter(status="counted").count() == 8
    shares = [r["share"] for r in svc.turnout(b)]
    assert all(0 <= s <= 1 for s in shares)


def test_the_database_refuses_a_second_counted_return_for_a_paper(union_org):
    b = lifecycle_ballot(union_org, stage="open")
    _yes(b, 1)
    first = b.returns.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        ReturnedPaper.objects.create(ballot=b, unit=first.unit, paper_number=1, received_on=first.received_on,
                                     marks={}, status="counted", recorded_by="x")
    with pytest.raises(IntegrityError), transaction.atomic():  # nor one for the same elector under a new number
        ReturnedPaper.objects.create(ballot=b, unit=first.unit, elector=first.elector, paper_number=77,
                                     received_on=first.received_on, marks={}, status="counted", recorded_by="x")
    ReturnedPaper.objects.create(ballot=b, unit=first.unit, paper_number=1, received_on=first.received_on,
                                 marks={}, status="duplicate", recorded_by="x")  # set aside: allowed


def test_replacement_papers_get_new_numbers_and_void_the_old(union_org):
    b = lifecycle_ballot(union_org, stage="papers_issued")
    n = b.electors.count()
    lost = b.electors.get(paper_number=3)
    with pytest.raises(BallotError, match="spoilt, lost or never received"):
        services.replace_papers(b, [lost.membership_number], reason="bored")
    with pytest.raises(BallotError, match="Not in this ballot's electorate: NOBODY"):
        services.replace_papers(b, [lost.membership_number, "NOBODY"], reason="lost")
    with pytest.raises(BallotError, match="named twice"):
        services.replace_papers(b, [lost.membership_number] * 2, reason="lost")
    doc = services.replace_papers(b, [lost.membership_number], reason="lost")
    lost.refresh_from_db()
    assert lost.paper_number == n + 1
    assert doc.kind == "replacement-papers" and bytes(doc.pdf)[:4] == b"%PDF"
    assert f"Paper No. {n + 1}<" in doc.html and "Paper No. 3<" not in doc.html
    assert Document.objects.filter(kind="voting-papers").count() == 1  # the issued papers are not reissued
    services.open_ballot(b)
    with pytest.raises(BallotError, match="paper number 3 is void"):
        _yes(b, 3)
    with pytest.raises(svc.ReturnsImportError, match="paper number 3 is void"):
        services.import_returns(b, returns_text([(1, b.opening_day, "yes", "no"), (3, b.opening_day, "yes", "no")]))
    assert not b.returns.exists()
    _yes(b, n + 1)
    with pytest.raises(BallotError, match="already come back"):
        services.replace_papers(b, [lost.membership_number], reason="spoilt")
    # never received, twice: each replacement a new number, never one used before
    other = b.electors.get(paper_number=5)
    services.replace_papers(b, [other.membership_number], reason="not_received")
    services.replace_papers(b, [other.membership_number], reason="not_received")
    other.refresh_from_db()
    assert other.paper_number == n + 3
    assert sorted(b.void_papers.values_list("paper_number", flat=True)) == [3, 5, n + 2]
    services.close_ballot(b)
    svc.count(b)
    assert sum(r.voted for r in svc.result_rows(b) if r.question.kind == "strike") == 1


def test_results_and_report_are_issued_once_and_corrected_by_superseding(union_org):
    b = lifecycle_ballot(union_org, stage="open")
    for n in range(1, 9):
        _yes(b, n)
    services.close_ballot(b)
    svc.count(b)
    with pytest.raises(BallotError, match="before the ballot closed"):
        services.issue_results(b, sent_on=b.closing_day - timedelta(days=1))
    with pytest.raises(BallotError, match="after today"):
        services.issue_results(b, sent_on=TODAY + timedelta(days=1))
    services.issue_results(b, sent_on=TODAY)
    with pytest.raises(BallotError):
        services.issue_results(b, sent_on=TODAY)
    corrected = services.correct_results(b, reason="The members' copy gave the wrong date", sent_on=TODAY)
    states = dict(IssuedDocument.objects.filter(kind="s231-result").values_list("document_id", "state"))
    assert sorted(states.values()) == ["current", "superseded"]
    new = IssuedDocument.objects.get(document=corrected[0])
    assert new.supersedes is not None and new.supersedes.state == "superseded"
    assert new.reason == "The members' copy gave the wrong date"
    services.issue_report(b, sent_on=TODAY)
    with pytest.raises(BallotError):
        services.issue_report(b, sent_on=TODAY)
    with pytest.raises(BallotError, match="reason"):
        services.correct_report(b, reason="", sent_on=TODAY)
    fixed = services.correct_report(b, reason="Counted papers misstated", sent_on=TODAY,
                                    satisfied={"security": False}, reasons={"security": "A bag went missing"})
    reports = IssuedDocument.objects.filter(kind="s231b-report")
    assert reports.filter(state="current").get().document == fixed
    assert reports.filter(state="superseded").count() == 1
    # the database holds one current document of a kind per ballot and addressee, whoever writes
    old = reports.get(state="superseded")
    with pytest.raises(IntegrityError), transaction.atomic():
        IssuedDocument.objects.filter(pk=old.pk).update(state="current")


def test_turnout_on_a_date_counts_only_papers_received_by_then(union_org):
    b = lifecycle_ballot(union_org, stage="open")
    d = b.opening_day
    services.import_returns(b, returns_text([(1, d, "yes", "yes"), (2, d + timedelta(days=2), "yes", "no"),
                                             (3, d + timedelta(days=5), "no", "no")]))
    by_day = {k: sum(r["returned"] for r in svc.turnout(b, d + timedelta(days=k))) for k in (0, 1, 2, 5)}
    assert by_day == {0: 1, 1: 1, 2: 2, 5: 3}


def test_a_returns_file_with_nul_bytes_or_huge_fields_is_refused(union_org):
    b = lifecycle_ballot(union_org, stage="open")
    with pytest.raises(svc.ReturnsImportError, match="NUL bytes"):
        services.import_returns(b, returns_text([(1, b.opening_day, "yes", "no")]).replace("1,", "1\x002,", 1))
    with pytest.raises(svc.ReturnsImportError) as caught:
        services.import_returns(b, returns_text([(1, b.opening_day, "y" * 10_000, "no")]))
    assert "is not a mark" in caught.value.errors[0] and len(caught.value.errors[0]) < 200
    with pytest.raises(BallotError, match="too long"):
        services.withdraw_notices(b, reason="x" * 10_000)
    assert not b.returns.exists()


def test_the_pages_take_the_steps_through_the_same_refusals(union_org, client, make_user):
    b = lifecycle_ballot(union_org, stage="open", scrutineer_username="scrut")
    official = make_user("union_official", "pcs", username="official")
    scrutineer = make_user("scrutineer", "pcs", username="scrut")
    client.force_login(official)
    # the scrutineer's steps are not the official's, nor the official's the scrutineer's
    assert client.post(f"/union/ballots/{b.pk}/count/").status_code == 403
    page = client.post(f"/union/ballots/{b.pk}/step/results/", {"sent_on": TODAY.isoformat()}, follow=True)
    assert "you can issue the results only when it is at &#x27;Counted&#x27;" in page.content.decode()
    client.force_login(scrutineer)
    assert client.post(f"/union/ballots/{b.pk}/step/open/").status_code == 403
    url = f"/union/ballots/{b.pk}/returns/"
    # no mark given for a question: refused, nothing recorded
    page = client.post(url, {"paper_number": 1, "received_on": b.opening_day.isoformat(), "strike": "yes"})
    assert "Choose the mark on the paper for the action short of a strike question" in page.content.decode()
    page = client.post(url, {"paper_number": 1, "received_on": b.opening_day.isoformat(), "strike": "yes",
                             "action_short_of_strike": "maybe"})
    assert "Choose a mark from the list" in page.content.decode()
    assert not b.returns.exists()
    # a double submit: the second changes nothing
    paper = {"paper_number": 1, "received_on": b.opening_day.isoformat(), "strike": "yes",
             "action_short_of_strike": "no"}
    first = client.post(url, paper, follow=True).content.decode()
    second = client.post(url, paper, follow=True).content.decode()
    assert ": counted." in first and "unchanged" in second and "already recorded" in second
    assert b.returns.count() == 1
    # the official's page offers no step the ballot's stage or the user's role does not allow
    client.force_login(official)
    text = client.get(f"/union/ballots/{b.pk}/").content.decode()
    assert "Issue notices" not in text and "Withdraw the notices" not in text and "Open the ballot" not in text
    assert "Issue replacement papers" in text
