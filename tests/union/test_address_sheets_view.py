"""The address sheets (every elector's name and home address) open for an official and the appointed
scrutineer only, each opening in the audit log; before the papers are produced there are none."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.urls import reverse
from pypdf import PdfReader

from mandate.platform.models import AuditEntry
from mandate.union import ballots as svc
from mandate.union import documents as docs
from mandate.union.models import Dispute, Employer

pytestmark = pytest.mark.django_db


def test_address_sheets_for_officials_and_the_scrutineer(union_org, client, make_user) -> None:
    ons = Employer.objects.get(code="ons")
    dispute = Dispute.objects.create(union=union_org, code="d", title="Attendance", matters="40%",
                                     opened_on=date(2024, 4, 1))
    ballot = svc.create_ballot(union_org, dispute, code="b", title="Ballot", opening_day=date(2027, 1, 4),
                               closing_day=date(2027, 1, 25), employers=[ons], questions={"strike": {}},
                               scrutineer_name="Civica", scrutineer_username="scrutineer-appointed",
                               return_address="PO Box 1")
    svc.freeze_electorate(ballot)
    url = reverse("union:address_sheets", kwargs={"pk": ballot.pk})
    official = make_user("union_official", "pcs")
    client.force_login(official)
    assert client.get(url).status_code == 404  # no papers produced yet
    docs.issue_voting_papers(ballot)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    texts = [p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages]
    assert len(texts) == 3 and "Member 0" in texts[0] and "0 High Street" in texts[0]
    client.force_login(make_user("scrutineer", "pcs", username="scrutineer-appointed"))
    assert client.get(url).status_code == 200
    client.force_login(make_user("scrutineer", "pcs", username="scrutineer-other"))
    assert client.get(url).status_code == 404
    client.force_login(make_user("branch_rep", "pcs"))
    assert client.get(url).status_code == 403
    sheets = docs.address_sheets(ballot)
    assert sheets is not None
    viewed = AuditEntry.objects.filter(action="document.viewed", object_id=str(sheets.pk))
    assert viewed.count() == 2


def test_each_print_runs_address_sheets_listed_and_served(union_org, client, make_user) -> None:
    """The ballot page lists the print run's sheets and each replacement's, and ?document= serves the one
    asked for (of this ballot only); a malformed choice is a 404, not a 500."""
    from tests.union.helpers import lifecycle_ballot

    from mandate.union import services

    ballot = lifecycle_ballot(union_org, members=3, stage="papers_issued")
    lost = ballot.electors.get(paper_number=2)
    services.replace_papers(ballot, [lost.membership_number], reason="lost")
    sheets = list(docs.all_address_sheets(ballot))
    assert len(sheets) == 2 and "replacement" in sheets[0].title
    client.force_login(make_user("union_official", "pcs"))
    page = client.get(reverse("union:ballot", kwargs={"pk": ballot.pk})).content.decode()
    url = reverse("union:address_sheets", kwargs={"pk": ballot.pk})
    for s in sheets:
        assert f"{url}?document={s.pk}" in page
    old = client.get(f"{url}?document={sheets[1].pk}")
    texts = [p.extract_text() for p in PdfReader(io.BytesIO(old.content)).pages]
    assert old.status_code == 200 and len(texts) == ballot.electors.count()
    new = client.get(f"{url}?document={sheets[0].pk}")
    assert new.status_code == 200 and lost.name in PdfReader(io.BytesIO(new.content)).pages[0].extract_text()
    assert client.get(f"{url}?document=abc").status_code == 404
    assert client.get(f"{url}?document=999999").status_code == 404
