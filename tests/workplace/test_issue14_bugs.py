"""Issue 14's bugs, each with a test that failed on the code before its fix."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from mandate.workplace.models import AttendancePolicy

pytestmark = pytest.mark.django_db
OCTOBER = "date_from=2026-10-01&date_to=2026-10-31"

TEAM_40 = """
name = "Team 40%"
unit = "days"
period = "month"
target_percent = 40
target_of = "team"
exclude = ["annual_leave", "sickness", "special_leave", "bank_holiday"]
count = ["badge", "booking_checkin"]
credit = ["training", "official_business"]
"""


def test_compare_uses_the_second_policy_chosen(client, ledger, make_user) -> None:  # type: ignore[no-untyped-def]
    """With three policies, 'Compare with' the third compares with the third, not with the first other one."""
    third = AttendancePolicy.objects.create(organisation=ledger, toml=TEAM_40)
    first = AttendancePolicy.objects.get(is_default=True)
    client.force_login(make_user("hr_admin"))
    response = client.get(reverse("workplace:compare") + f"?{OCTOBER}&policy={first.pk}&other={third.pk}")
    assert response.status_code == 200
    assert response.context["policy_a"] == first
    assert response.context["policy_b"] == third
    assert response.context["form"]["other"].value() in (third.pk, str(third.pk))
