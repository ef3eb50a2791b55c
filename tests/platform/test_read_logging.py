"""Reads of individual data are logged (whose, never what), refusals answer 4xx, and a 403 is one log line."""

from __future__ import annotations

import io
import logging
from datetime import date

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils.module_loading import import_string

from mandate.platform.models import AuditEntry, Document
from mandate.policy import examples
from mandate.union import ballots as svc
from mandate.union.models import Dispute, Employer
from mandate.workplace.models import Adjustment, AttendancePolicy, StaffMember

POLICY = examples.text("ons-individual-40.toml")  # the one copy of the ONS policy


def _last(action: str) -> AuditEntry:
    return AuditEntry.objects.filter(action=action).order_by("-seq").first()


@pytest.mark.django_db
def test_adjustment_reads_name_whose(client, make_user, employer_org) -> None:
    s1 = StaffMember.objects.get(staff_id="S00001")
    adjustment = Adjustment.objects.create(staff=s1, expected_percent=20, date_from=date(2026, 9, 1),
                                           route="carers_passport", approved_by="Head of HR",
                                           review_date=date.today())
    client.force_login(make_user("hr_admin"))
    assert client.get(f"/workplace/adjustments/{adjustment.pk}/").status_code == 200
    entry = _last("view_adjustment")
    assert entry.object_id == str(adjustment.pk) and entry.detail == {"staff_id": "S00001"}
    client.get("/workplace/adjustments/")
    assert _last("view_adjustments").detail["staff_ids"] == ["S00001"]
    client.get("/workplace/notifications/")
    assert _last("view_review_reminders").detail["staff_ids"] == ["S00001"]
    assert "carers" not in str(list(AuditEntry.objects.values_list("detail", flat=True)))  # never the route


@pytest.mark.django_db
def test_the_team_page_in_dispute_mode_is_logged(client, make_user, employer_org) -> None:
    AttendancePolicy.objects.create(organisation=employer_org, toml=POLICY, is_default=True)
    employer_org.dispute_mode = True
    employer_org.save()
    manager = make_user("line_manager", username="manager")
    s0 = StaffMember.objects.get(staff_id="S00000")
    StaffMember.objects.filter(pk=s0.pk).update(user=manager)
    StaffMember.objects.exclude(pk=s0.pk).update(line_manager=s0)
    client.force_login(manager)
    assert client.get("/workplace/team/?date_from=2026-10-01&date_to=2026-10-31").status_code == 200
    entry = _last("view_individual_attendance_list")
    assert entry.detail["page"] == "team" and entry.detail["dispute_mode"] is True
    assert entry.detail["staff_ids"] == ["S00001", "S00002"]


@pytest.mark.django_db
def test_the_scrutineers_returns_page_is_logged(client, make_user, union_org) -> None:
    dispute = Dispute.objects.create(union=union_org, code="d", title="t", matters="m", opened_on=date(2025, 1, 1))
    ballot = svc.create_ballot(union_org, dispute, code="b", title="B", opening_day=date(2026, 11, 2),
                               closing_day=date(2026, 11, 16), employers=[Employer.objects.get(code="ons")],
                               questions={"strike": {}}, scrutineer_name="Civica", return_address="PO Box 1")
    scrutineer = make_user("scrutineer", scope="pcs")
    client.force_login(scrutineer)
    assert client.get(f"/union/ballots/{ballot.pk}/returns/").status_code == 200
    entry = _last("returns.viewed")
    assert entry.object_id == str(ballot.pk) and entry.actor == scrutineer.username


@pytest.mark.django_db
def test_admin_views_of_documents_and_users_are_logged(client, make_user) -> None:
    admin = get_user_model().objects.create_superuser("root", password="correct-horse-battery-staple")
    member = make_user("member", scope="pcs")
    document = Document.objects.create(kind="notice", title="Notice", issued_by_side="union",
                                       issued_by_scope="pcs", html="<p>x</p>", sha256="0" * 64)
    client.force_login(admin)
    assert client.get(f"/admin/platform/document/{document.pk}/change/").status_code == 200
    assert _last("admin.record_viewed").object_type == "Document"
    assert client.get(f"/admin/auth/user/{member.pk}/change/").status_code == 200
    entry = _last("admin.record_viewed")
    assert (entry.object_type, entry.object_id, entry.actor) == ("User", str(member.pk), "root")
    assert client.get("/admin/auth/user/").status_code == 200
    assert _last("admin.list_viewed").object_type == "User"


@pytest.mark.django_db
def test_a_superuser_needs_a_second_factor_in_production(client, settings) -> None:
    settings.MANDATE_REQUIRE_2FA_SUPERUSERS = True
    admin = get_user_model().objects.create_superuser("root", password="correct-horse-battery-staple")
    client.force_login(admin)
    assert client.get("/admin/").status_code == 302


@pytest.mark.django_db
def test_refusals_answer_4xx(client, make_user, employer_org) -> None:
    AttendancePolicy.objects.create(organisation=employer_org, toml=POLICY, is_default=True)
    client.force_login(make_user("staff_member"))
    assert client.get("/workplace/adjustments/").status_code == 403  # the wrong role
    assert client.get("/union/").status_code == 403  # the other side
    hr = make_user("hr_admin", username="hr")
    StaffMember.objects.filter(staff_id="S00000").update(user=hr)
    client.force_login(hr)
    assert client.get("/workplace/me/?date_from=2026-13-45").status_code == 400  # a bad parameter
    assert client.get("/workplace/me/?policy=abc").status_code == 400
    assert client.get("/workplace/me/").status_code == 200  # no parameters: the default period


@pytest.mark.django_db
def test_a_403_is_one_log_line_not_a_traceback(client, make_user) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    for name in settings.LOGGING["handlers"]["console"]["filters"]:
        handler.addFilter(import_string(settings.LOGGING["filters"][name]["()"])())
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        client.force_login(make_user("staff_member"))
        assert client.get("/workplace/adjustments/").status_code == 403
    finally:
        logger.removeHandler(handler)
    text = stream.getvalue()
    assert text.count("\n") == 1 and "Traceback" not in text, text
    assert "Forbidden (Permission denied): /workplace/adjustments/ (PermissionDenied)" in text


def test_a_server_error_keeps_its_traceback() -> None:
    from mandate.platform.logging import OneLineRefusals

    try:
        raise RuntimeError("boom")
    except RuntimeError:
        import sys

        record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "Internal Server Error: /x", None,
                                   sys.exc_info())
    record.status_code = 500
    OneLineRefusals().filter(record)
    assert record.exc_info is not None


@pytest.mark.django_db
def test_every_kind_of_403_is_one_log_line(make_user) -> None:
    """The wrong role, the other side's pages, a form sent without its CSRF token, a superuser's page for a
    non-superuser: each refusal is one line in the log, never a traceback."""
    from django.test import Client

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    for name in settings.LOGGING["handlers"]["console"]["filters"]:
        handler.addFilter(import_string(settings.LOGGING["filters"][name]["()"])())
    loggers = [logging.getLogger(n) for n in ("django.request", "django.security.csrf")]
    for logger in loggers:
        logger.addHandler(handler)
    try:
        client = Client(enforce_csrf_checks=True)
        client.force_login(make_user("staff_member"))
        refusals = [client.get("/workplace/adjustments/"), client.get("/union/"),
                    client.post("/workplace/dispute-mode/", {"dispute_mode": "on"})]
        client.force_login(make_user("union_official", scope="pcs"))
        refusals += [client.get("/workplace/imports/"), client.post("/union/register/confirm/", {"token": "x"})]
    finally:
        for logger in loggers:
            logger.removeHandler(handler)
    assert [r.status_code for r in refusals] == [403] * 5
    lines = stream.getvalue().splitlines()
    assert len(lines) == 5 and "Traceback" not in stream.getvalue(), lines
    assert all(line.startswith("Forbidden") for line in lines), lines
