"""The union wing's steps, one function each, called alike by the pages, the `mandate ballot` commands and the
background jobs. Each step owns its transaction (a refusal part-way, the results for the third of several
employers say, leaves nothing issued) and its refusals (`BallotError`, worded as a sentence for the page or
the terminal). The views and the CLI only read their input and show the outcome.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction

from mandate.platform.models import Document
from mandate.union import ballots as svc
from mandate.union import documents as docs
from mandate.union.models import Ballot

BallotError = svc.BallotError


def issue_notices(ballot: Ballot, *, sent_on: date, expected_receipt: date | None = None,
                  received_on: date | None = None, sample_sent_on: date | None = None,
                  sample_received_on: date | None = None, actor: Any = None) -> list[Document]:
    """The notice of ballot (s.226A) and the sample voting paper to every employer in the electorate, all or
    none. `expected_receipt` (default `sent_on`) chooses the notice's content by the law on that day; where the
    receipt dates are already known (`received_on`, `sample_received_on`) they are recorded too."""
    expected = expected_receipt or received_on or sent_on
    made: list[Document] = []
    with transaction.atomic():
        for employer in svc.employers_in_electorate(ballot):
            notice = docs.issue_notice(ballot, employer, sent_on=sent_on, expected_receipt=expected, actor=actor)
            sample = docs.issue_sample(ballot, employer, sent_on=sample_sent_on or sent_on, actor=actor)
            if received_on is not None:
                docs.record_dates(notice, ballot, received_on=received_on, actor=actor)
            if sample_received_on is not None or received_on is not None:
                docs.record_dates(sample, ballot, received_on=sample_received_on or received_on, actor=actor)
            made += [notice, sample]
    return made


def issue_voting_papers(ballot: Ballot, *, actor: Any = None) -> Document:
    with transaction.atomic():
        return docs.issue_voting_papers(ballot, actor=actor)


def open_ballot(ballot: Ballot, *, actor: Any = None) -> None:
    with transaction.atomic():
        svc.open_ballot(ballot, actor)


def count(ballot: Ballot, *, actor: Any = None, today: date | None = None) -> dict[str, Any]:
    return svc.count(ballot, actor, today=today)


def issue_results(ballot: Ballot, *, sent_on: date, actor: Any = None) -> list[Document]:
    """The result to members (s.231) and to every employer in the electorate (s.231A), all or none."""
    with transaction.atomic():
        made = [docs.issue_result_to_members(ballot, sent_on=sent_on, actor=actor)]
        made += [docs.issue_result_to_employer(ballot, employer, sent_on=sent_on, actor=actor)
                 for employer in svc.employers_in_electorate(ballot)]
    return made


def issue_report(ballot: Ballot, *, sent_on: date, satisfied: dict[str, bool] | None = None,
                 reasons: dict[str, str] | None = None, actor: Any = None) -> Document:
    """The scrutineer's report (s.231B)."""
    with transaction.atomic():
        return docs.issue_scrutineer_report(ballot, sent_on=sent_on, satisfied=satisfied, reasons=reasons,
                                            actor=actor)


def record_document_dates(ballot: Ballot, document: Document, *, sent_on: date | None = None,
                          received_on: date | None = None, actor: Any = None) -> str:
    """The day a ballot's document was sent or received; returns a warning to show, or ""."""
    with transaction.atomic():
        return docs.record_dates(document, ballot, sent_on=sent_on, received_on=received_on, actor=actor)
