"""A print run of voting papers long enough to be rendered in parallel parts: one page a paper, in order."""

from __future__ import annotations

import io
from datetime import date

import pytest
from pypdf import PdfReader
from tests.union.helpers import register_csv

from mandate.union import ballots as svc
from mandate.union import documents as docs
from mandate.union.models import Dispute, Employer
from mandate.union.register import import_register

pytestmark = pytest.mark.django_db


def test_papers_in_parts_come_out_one_page_each_in_order(union_org) -> None:
    import_register(union_org, register_csv({"newport": 130, "titchfield": 40}))
    ons = Employer.objects.get(code="ons")
    dispute = Dispute.objects.create(union=union_org, code="d", title="Attendance", matters="40%",
                                     opened_on=date(2024, 4, 1))
    ballot = svc.create_ballot(union_org, dispute, code="b", title="Ballot", opening_day=date(2026, 11, 2),
                               closing_day=date(2026, 11, 16), employers=[ons], questions={"strike": {}},
                               scrutineer_name="Civica", return_address="PO Box 1")
    svc.freeze_electorate(ballot)
    electors = ballot.electors.count()
    assert electors >= 170 > docs.PAPERS_PER_PART  # so that the run is rendered in more than one part
    doc = docs.issue_voting_papers(ballot)
    pages = PdfReader(io.BytesIO(bytes(doc.pdf))).pages
    assert len(pages) == electors
    for n in (1, 2, docs.PAPERS_PER_PART, docs.PAPERS_PER_PART + 1, electors - 1, electors):
        text = pages[n - 1].extract_text()
        assert text.startswith(f"Paper No. {n}\n"), (n, text[:40])
        assert "Page " not in text
    assert doc.html.count("Paper No. ") == electors
