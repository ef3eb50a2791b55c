"""HR's lists: withdrawal of adjustments and policies, review reminders by mail (once per review date), the
wing's own audit entries, the people search, and paging with CSV export on every long list."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core import mail
from django.urls import reverse
from typer.testing import CliRunner

from mandate.platform.models import AuditEntry
from mandate.workplace.models import Adjustment, AttendancePolicy, ReviewReminder, StaffMember
from mandate.workplace.reminders import send_review_reminders

pytestmark = pytest.mark.django_db
OCTOBER = "?date_from=2026-10-01&date_to=2026-10-31"


def _csv(response) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode())))


@pytest.fixture
def hr(client, make_user, ledger):  # type: ignore[no-untyped-def]
    user = make_user("hr_admin")
    user.email = "hr@example.org"
    user.save()
    client.force_login(user)
    return user


def _figure(client, staff_id: str) -> dict:  # type: ignore[no-untyped-def,type-arg]
    return client.get(reverse("workplace:person", args=[staff_id]) + OCTOBER).context["periods"][0]


def test_an_adjustment_withdrawn_is_kept_apart_and_no_longer_applied(client, hr) -> None:
    adjustment = Adjustment.objects.get(staff__staff_id="S00002")
    assert _figure(client, "S00002")["target_percent"] == 20  # the adjusted expectation applies
    url = reverse("workplace:adjustment_withdraw", args=[adjustment.pk])
    assert client.get(url).status_code == 200
    refused = client.post(url, {"reason": "I have a bad back"})  # a choice, never free text
    assert refused.status_code == 400 and Adjustment.objects.get().withdrawn_at is None
    response = client.post(url, {"reason": "no_longer_needed"})
    assert response.status_code == 302
    adjustment.refresh_from_db()
    assert adjustment.withdrawn_by == hr.username and adjustment.withdrawn_reason == "no_longer_needed"
    assert adjustment.withdrawn_at is not None
    assert _figure(client, "S00002")["target_percent"] == 40  # the policy's target again
    client.post(url, {"reason": "replaced"})  # twice: still one withdrawal, the first reason kept
    adjustment.refresh_from_db()
    assert adjustment.withdrawn_reason == "no_longer_needed"
    assert AuditEntry.objects.filter(action="withdraw_adjustment").count() == 1
    page = client.get(reverse("workplace:adjustments"))
    assert list(page.context["adjustments"]) == [] and list(page.context["withdrawn"]) == [adjustment]
    assert "No longer needed" in page.content.decode()
    assert client.get(reverse("workplace:adjustment_edit", args=[adjustment.pk])).status_code == 302
    assert client.get(reverse("workplace:reminders")).context["due"] == []
    # the same adjustment can be recorded again once the first is withdrawn
    Adjustment.objects.create(staff=adjustment.staff, expected_percent=20, date_from=adjustment.date_from,
                              route="carers_passport", approved_by="Head of HR", review_date=adjustment.review_date)


def test_a_policy_withdrawn_is_no_longer_offered_and_the_default_moves(client, hr) -> None:
    default = AttendancePolicy.objects.get(is_default=True)
    other = AttendancePolicy.objects.exclude(pk=default.pk).get()
    response = client.post(reverse("workplace:policy_withdraw", args=[default.pk]), {"reason": ""})
    assert response.status_code == 400
    client.post(reverse("workplace:policy_withdraw", args=[default.pk]), {"reason": "Replaced by the 2026 settlement"})
    default.refresh_from_db()
    assert default.withdrawn_at and default.withdrawn_by == hr.username and not default.is_default
    assert AttendancePolicy.objects.get(pk=other.pk).is_default
    page = client.get(reverse("workplace:organisation") + OCTOBER)
    assert list(page.context["form"].fields["policy"].queryset) == [other]
    assert page.context["form"].cleaned_data["policy"] == other
    assert client.get(reverse("workplace:organisation") + OCTOBER + f"&policy={default.pk}").status_code == 400
    listing = client.get(reverse("workplace:policies"))
    assert list(listing.context["policies"]) == [other] and list(listing.context["withdrawn"]) == [default]
    assert "Replaced by the 2026 settlement" in listing.content.decode()
    entry = AuditEntry.objects.get(action="withdraw_policy")
    assert entry.detail["reason"] == "Replaced by the 2026 settlement"
    rows = _csv(client.get(reverse("workplace:policies") + "?format=csv"))
    assert {r["name"]: bool(r["withdrawn_at"]) for r in rows} == {default.name: True, other.name: False}


def test_review_reminders_are_mailed_once_per_review_date(hr, make_user, ledger) -> None:
    make_user("hr_admin", username="hr-without-mail")
    today = dt.date(2026, 11, 20)  # the review on 10 December 2026 is 20 days away
    run = send_review_reminders(ledger, today)
    assert (run.due, run.sent, run.mails, run.recipients) == (1, 1, 1, 1)
    assert [m.to for m in mail.outbox] == [["hr@example.org"]]
    assert "S00002" in mail.outbox[0].body and "10 December 2026" in mail.outbox[0].body
    assert "carer" not in mail.outbox[0].body.lower() and "20%" not in mail.outbox[0].body
    again = send_review_reminders(ledger, today + dt.timedelta(days=1))
    assert (again.sent, again.already, len(mail.outbox)) == (0, 1, 1)
    # a new review date is a new reminder
    Adjustment.objects.update(review_date=dt.date(2026, 12, 15))
    assert send_review_reminders(ledger, today).sent == 1 and len(mail.outbox) == 2
    assert ReviewReminder.objects.count() == 2
    sent = AuditEntry.objects.filter(action="message.sent")
    assert sent.count() == 2 and all("body" not in e.detail and "subject" not in e.detail for e in sent)


def test_the_remind_command_is_idempotent(hr, ledger) -> None:
    from mandate.cli import app

    args = ["workplace", "remind", "-o", "ons", "--today", "2026-11-20"]
    first = CliRunner().invoke(app, args)
    assert first.exit_code == 0 and "1 reminder sent to 1 HR account" in first.output, first.output
    second = CliRunner().invoke(app, args)
    assert "0 reminders sent" in second.output and "1 already sent" in second.output
    assert len(mail.outbox) == 1
    bad = CliRunner().invoke(app, ["workplace", "remind", "-o", "ons", "--today", "20/11/2026"])
    assert bad.exit_code != 0 and "not a date" in bad.output


def test_no_hr_address_marks_nothing_sent(make_user, ledger) -> None:
    make_user("hr_admin")
    run = send_review_reminders(ledger, dt.date(2026, 11, 20))
    assert (run.due, run.sent, run.recipients) == (1, 0, 0) and not ReviewReminder.objects.exists()


def test_hr_reads_the_wings_audit_entries_filtered_paged_and_as_csv(client, hr, make_user) -> None:
    client.get(reverse("workplace:person", args=["S00001"]) + OCTOBER)
    client.post(reverse("workplace:dispute_mode"), {"dispute_mode": "on"})
    other = make_user("union_official", scope="pcs")  # the union wing's accounts are not the workplace's
    from mandate.platform.audit import record

    record(other, "view_register", "Union", "pcs")
    page = client.get(reverse("workplace:audit"))
    actions = [e.action for e in page.context["page"]]
    assert "view_individual_attendance" in actions and "dispute_mode_on" in actions
    assert "view_register" not in actions
    only = client.get(reverse("workplace:audit") + "?action=dispute_mode_on")
    assert [e.action for e in only.context["page"]] == ["dispute_mode_on"]
    tomorrow = (dt.date.today() + dt.timedelta(days=2)).isoformat()
    assert list(client.get(reverse("workplace:audit") + f"?date_from={tomorrow}").context["page"]) == []
    assert client.get(reverse("workplace:audit") + "?date_from=2026-12-10&date_to=2026-12-01").status_code == 400
    assert client.get(reverse("workplace:audit") + "?action=nonsense").status_code == 400
    rows = _csv(client.get(reverse("workplace:audit") + "?action=dispute_mode_on&format=csv"))
    assert [r["action"] for r in rows] == ["dispute_mode_on"]
    client.force_login(StaffMember.objects.get(staff_id="S00000").user)
    assert client.get(reverse("workplace:audit")).status_code == 403


def test_people_search_is_paged_keeps_the_period_and_is_scoped(client, hr, ledger) -> None:
    team = StaffMember.objects.first().team
    site = StaffMember.objects.first().home_site
    StaffMember.objects.bulk_create([StaffMember(
        organisation=ledger, staff_id=f"X{i:05d}", name=f"Extra {i:03d}", home_site=site, team=team, grade="EO",
        working_days="Mon;Tue", hours_per_day="7.40", fte="0.400", start_date=dt.date(2020, 1, 1))
        for i in range(60)])
    page = client.get(reverse("workplace:people") + "?q=extra&date_from=2026-10-01&date_to=2026-10-31")
    assert page.context["page"].paginator.count == 60 and len(page.context["page"].object_list) == 50
    body = page.content.decode()
    assert "60 people match" in body and 'href="?q=extra&amp;date_from=2026-10-01&amp;date_to=2026-10-31&amp;page=2"' in body
    assert "/workplace/people/X00000/?date_from=2026-10-01&amp;date_to=2026-10-31" in body
    second = client.get(reverse("workplace:people") + "?q=extra&page=2")
    assert len(second.context["page"].object_list) == 10
    assert "1 person matches" in client.get(reverse("workplace:people") + "?q=S00001").content.decode()
    rows = _csv(client.get(reverse("workplace:people") + "?q=extra&format=csv"))
    assert len(rows) == 60 and rows[0]["staff_id"] == "X00000"
    # a line manager finds their reports only
    client.force_login(StaffMember.objects.get(staff_id="S00000").user)
    found = client.get(reverse("workplace:people"))
    assert [s.staff_id for s in found.context["page"]] == ["S00001", "S00002"]


def test_the_adjustment_form_takes_a_staff_id_not_a_dropdown(client, hr) -> None:
    page = client.get(reverse("workplace:adjustment_new") + "?staff=S00001").content.decode()
    assert "<select name=\"staff\"" not in page and 'value="S00001"' in page
    data = {"staff": "S00001", "expected_percent": "20", "date_from": "2026-11-01", "route": "adjustment",
            "approved_by": "Head of HR", "review_date": "2027-05-01"}
    assert client.post(reverse("workplace:adjustment_new"), data).status_code == 302
    assert Adjustment.objects.filter(staff__staff_id="S00001").exists()
    refused = client.post(reverse("workplace:adjustment_new"), {**data, "staff": "S99999"})
    assert refused.status_code == 200 and "no member of staff with this staff id" in refused.content.decode()


def test_long_lists_export_as_csv(client, hr) -> None:
    rows = _csv(client.get(reverse("workplace:adjustments") + "?format=csv"))
    assert [(r["staff_id"], r["expectation"], r["review_date"]) for r in rows] == [("S00002", "20%", "2026-12-10")]
    assert AuditEntry.objects.filter(action="export_adjustments").get().detail["staff_ids"] == ["S00002"]
    from mandate.workplace.importers import import_file

    import_file(StaffMember.objects.first().organisation, "official_business", "ob.csv",
                b"staff_id,date\nS00001,2026-10-13\n", hr)
    rows = _csv(client.get(reverse("workplace:imports") + "?format=csv"))
    assert [(r["filename"], r["rows"]) for r in rows] == [("ob.csv", "1")]
    rows = _csv(client.get(reverse("workplace:reminders") + "?format=csv"))
    assert rows == [] or rows[0]["staff_id"] == "S00002"
