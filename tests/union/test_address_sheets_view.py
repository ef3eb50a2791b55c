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
