"""Adjustments (spec §3): no diagnosis anywhere, visible to HR and the person, a manager sees the expectation
but not the route, and reviews due within 30 days raise reminders."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone

from mandate.platform.models import AuditEntry
from mandate.workplace.models import Adjustment, StaffMember

pytestmark = pytest.mark.django_db
OCTOBER = "?date_from=2026-10-01&date_to=2026-10-31"
ROUTE = "Carer\u2019s passport"


def test_there_is_no_field_a_diagnosis_could_go_in() -> None:
    for f in Adjustment._meta.get_fields():
        assert not isinstance(f, models.TextField), f.name
        if isinstance(f, models.CharField) and not f.choices:
            assert f.name in {"approved_by", "recorded_by", "withdrawn_by"}, f"{f.name} is free text"


def test_expectation_or_exemption_not_both(ledger) -> None:
    staff = StaffMember.objects.get(staff_id="S00001")
    both = Adjustment(staff=staff, exempt=True, expected_percent=20, date_from=dt.date(2026, 1, 1),
                      route="adjustment", approved_by="HR", review_date=dt.date(2026, 6, 1))
    with pytest.raises(ValidationError) as e:
        both.full_clean()
    assert "expected_percent" in e.value.message_dict
    neither = Adjustment(staff=staff, date_from=dt.date(2026, 1, 2), date_to=dt.date(2026, 1, 1),
                         route="adjustment", approved_by="HR", review_date=dt.date(2026, 6, 1))
    with pytest.raises(ValidationError) as e:
        neither.full_clean()
    assert {"expected_percent", "date_to"} <= set(e.value.message_dict)


def test_hr_sees_the_route(client, make_user, ledger) -> None:
    client.force_login(make_user("hr_admin"))
    page = client.get(reverse("workplace:adjustments")).content.decode()
    assert ROUTE in page and "20%" in page and "Head of HR" in page
    person = client.get(reverse("workplace:person", args=["S00002"]) + OCTOBER).content.decode()
    assert ROUTE in person


def test_the_person_sees_their_own_route(client, ledger) -> None:
    client.force_login(StaffMember.objects.get(staff_id="S00002").user)
    page = client.get(reverse("workplace:my_figure") + OCTOBER).content.decode()
    assert ROUTE in page and "20%" in page and "10 December 2026" in page


def test_the_line_manager_sees_the_expectation_not_the_route(client, ledger) -> None:
    client.force_login(StaffMember.objects.get(staff_id="S00000").user)
    for url in (reverse("workplace:team") + OCTOBER, reverse("workplace:person", args=["S00002"]) + OCTOBER):
        page = client.get(url).content.decode()
        assert "20%" in page, url
        for _code, label in Adjustment.ROUTES:
            assert label not in page, (url, label)
        assert "Head of HR" not in page and "Review date" not in page
    # nor can the manager reach the adjustments pages
    assert client.get(reverse("workplace:adjustments")).status_code == 403


def test_the_adjusted_expectation_sets_the_target(client, ledger) -> None:
    client.force_login(StaffMember.objects.get(staff_id="S00002").user)
    response = client.get(reverse("workplace:my_figure") + OCTOBER)
    periods = response.context["periods"]
    assert [(p["target_percent"], p["adjusted_expectation"]) for p in periods] == [(20.0, True)]


def test_hr_records_an_adjustment_and_it_is_audited(client, make_user, ledger) -> None:
    client.force_login(make_user("hr_admin"))
    staff = StaffMember.objects.get(staff_id="S00001")
    response = client.post(reverse("workplace:adjustment_new"), {
        "staff": staff.staff_id, "exempt": "on", "date_from": "2026-11-01", "route": "phased_return",
        "approved_by": "Line manager and HR", "review_date": "2026-12-01"})
    assert response.status_code == 302
    adjustment = Adjustment.objects.get(staff=staff)
    assert adjustment.exempt and adjustment.expectation == "Exempt"
    entry = AuditEntry.objects.get(action="create_adjustment")
    assert entry.detail == {"staff_id": "S00001"}  # never the route or expectation: special category data

    bad = client.post(reverse("workplace:adjustment_new"), {
        "staff": staff.staff_id, "exempt": "on", "expected_percent": "30", "date_from": "2026-11-01",
        "route": "adjustment", "approved_by": "HR", "review_date": "2026-12-01"})
    assert bad.status_code == 200 and "not both" in bad.content.decode()
    assert Adjustment.objects.filter(staff=staff).count() == 1


def test_reviews_due_in_the_next_30_days_are_listed(client, make_user, ledger) -> None:
    today = timezone.localdate()
    s0, s1, s2 = StaffMember.objects.order_by("staff_id")
    Adjustment.objects.all().delete()
    common = {"expected_percent": 20, "date_from": today - dt.timedelta(days=100), "route": "flexible_working",
              "approved_by": "HR"}
    Adjustment.objects.create(staff=s0, review_date=today + dt.timedelta(days=10), **common)
    Adjustment.objects.create(staff=s1, review_date=today - dt.timedelta(days=3), **common)  # overdue
    Adjustment.objects.create(staff=s2, review_date=today + dt.timedelta(days=45), **common)  # not yet
    Adjustment.objects.create(staff=s2, review_date=today - dt.timedelta(days=1), **common)  # overdue by a day
    ended = {**common, "date_to": today - dt.timedelta(days=1)}
    Adjustment.objects.create(staff=s2, review_date=today + dt.timedelta(days=5), **ended)  # already over
    client.force_login(make_user("hr_admin"))
    response = client.get(reverse("workplace:reminders"))
    due = response.context["due"]
    assert [r.adjustment.staff.staff_id for r in due] == ["S00001", "S00002", "S00000"]
    assert [(r.days_left, r.overdue) for r in due] == [(-3, True), (-1, True), (10, False)]
    page = response.content.decode()
    assert "Overdue by 3 days" in page and "Overdue by 1 day<" in page and "In 10 days" in page
    dashboard = client.get(reverse("workplace:dashboard")).content.decode()
    assert "adjustment reviews due within 30 days" in dashboard
