"""`Cache-Control: no-store` on every response carrying personal data: the routes are walked here."""

from __future__ import annotations

from datetime import date

import pytest

from mandate.platform.middleware import PERSONAL_DATA_ROUTES
from mandate.platform.models import Document
from mandate.policy import examples
from mandate.union import ballots as svc
from mandate.union.models import Dispute, Employer
from mandate.workplace.models import Adjustment, AttendancePolicy, StaffMember

POLICY = examples.text("ons-individual-40.toml")  # the one copy of the ONS policy
PERIOD = "?date_from=2026-10-01&date_to=2026-10-31"


@pytest.mark.django_db
def test_every_personal_data_route_answers_no_store(client, make_user, union_org, employer_org) -> None:
    # the workplace wing: S00000 manages S00001; S00002 is an HR administrator
    AttendancePolicy.objects.create(organisation=employer_org, toml=POLICY, is_default=True)
    hr = make_user("hr_admin")
    manager = make_user("line_manager", username="manager")
    s0, s1, s2 = StaffMember.objects.filter(organisation=employer_org).order_by("staff_id")
    StaffMember.objects.filter(pk=s0.pk).update(user=manager)
    StaffMember.objects.filter(pk=s2.pk).update(user=hr)
    StaffMember.objects.filter(pk=s1.pk).update(line_manager=s0)
    adjustment = Adjustment.objects.create(staff=s1, expected_percent=20, date_from=date(2026, 9, 1),
                                           route="carers_passport", approved_by="Head of HR",
                                           review_date=date(2026, 12, 10))
    # the union wing: a ballot with its voting papers and a result
    dispute = Dispute.objects.create(union=union_org, code="d", title="t", matters="m", opened_on=date(2025, 1, 1))
    ballot = svc.create_ballot(union_org, dispute, code="b", title="B", opening_day=date(2026, 11, 2),
                               closing_day=date(2026, 11, 16), employers=[Employer.objects.get(code="ons")],
                               questions={"strike": {}}, scrutineer_name="Civica", return_address="PO Box 1")
    documents = {kind: Document.objects.create(kind=kind, title=kind, issued_by_side="union", issued_by_scope="pcs",
                                               html="<p>Member 0, 0 High Street</p>", sha256="0" * 64,
                                               related_type="Ballot", related_id=str(ballot.pk))
                 for kind in ("voting-papers", "s231-result")}
    official = make_user("union_official", scope="pcs")
    scrutineer = make_user("scrutineer", scope="pcs")
    # the evidence pack and a register review: made by jobs (run at once here), each read from its job
    from django.core.files.uploadedfile import SimpleUploadedFile
    from tests.union.helpers import register_csv

    from mandate.platform.models import Job

    client.force_login(hr)
    client.post("/workplace/evidence/pack.pdf", {"date_from": "2026-10-01", "date_to": "2026-10-31",
                                                 "policy": AttendancePolicy.objects.get().pk, "days_a_week": "2"})
    pack = Job.objects.get(kind="evidence-pack", status="succeeded")
    client.force_login(official)
    client.post("/union/register/", {"file": SimpleUploadedFile("r.csv", register_csv({"newport": 2}).encode()),
                                     "mark_missing_left": "on"})
    review = Job.objects.get(kind="register-review", status="succeeded")

    walks = {
        "union:register_export": (official, "/union/register/export.csv"),
        "union:document_file": (official, f"/union/ballots/{ballot.pk}/documents/{documents['voting-papers'].pk}.html"),
        "union:result_document": (official, f"/union/ballots/{ballot.pk}/results/{documents['s231-result'].pk}.html"),
        "union:returns": (scrutineer, f"/union/ballots/{ballot.pk}/returns/"),
        "workplace:my_figure": (hr, "/workplace/me/" + PERIOD),
        "workplace:my_figure_csv": (hr, "/workplace/me/attendance.csv" + PERIOD),
        "workplace:person": (hr, f"/workplace/people/{s1.staff_id}/" + PERIOD),
        "workplace:person_csv": (hr, f"/workplace/people/{s1.staff_id}/attendance.csv" + PERIOD),
        "workplace:team": (manager, "/workplace/team/" + PERIOD),
        "workplace:adjustments": (hr, "/workplace/adjustments/"),
        "workplace:adjustment_edit": (hr, f"/workplace/adjustments/{adjustment.pk}/"),
        "workplace:reminders": (hr, "/workplace/notifications/"),
        "workplace:evidence": (hr, "/workplace/evidence/" + PERIOD),
        "union:register_review": (official, f"/union/register/review/{review.pk}/"),
        "job": (hr, f"/jobs/{pack.pk}/"),
        "job_status": (hr, f"/jobs/{pack.pk}/status.json"),
        "job_result": (hr, f"/jobs/{pack.pk}/result"),  # the evidence pack's PDF
    }
    assert set(walks) == PERSONAL_DATA_ROUTES
    for name, (user, url) in walks.items():
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200, (name, response.status_code)
        assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"], name
    # refusals and redirects carry it as well
    client.logout()
    assert "no-store" in client.get("/union/register/export.csv")["Cache-Control"]
