"""The demo's workplace extras: the ONS policies run on the demo ledger, and adjustments show as they should."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from mandate.demo.scenario import load_demo
from mandate.workplace.models import Adjustment, AttendancePolicy, StaffMember

pytestmark = pytest.mark.django_db
OCTOBER = "?date_from=2026-10-01&date_to=2026-10-31"


@pytest.fixture
def demo(settings, tmp_path):
    settings.DATA_DIR = tmp_path  # the demo records the e-balloting Order in its data folder: this test's own
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    assert load_demo(seed=5, staff=200) == 0


def test_demo_policies_and_adjustments(client, demo) -> None:
    policies = {p.name: p for p in AttendancePolicy.objects.all()}
    assert set(policies) == {"ONS individual 40%", "ONS organisation-wide purpose-led 40% (April 2026)"}
    assert policies["ONS organisation-wide purpose-led 40% (April 2026)"].is_default
    individual = policies["ONS individual 40%"]
    assert [v.target_percent for v in individual.parsed().versions] == [20, 40]

    client.force_login(get_user_model().objects.get(username="hr"))
    response = client.get(reverse("workplace:organisation") + OCTOBER + f"&policy={individual.pk}")
    targets = {r["site_code"]: r["target_percent"] for r in response.context["sites"]}
    assert targets.pop("darlington") == 20 and set(targets.values()) == {40}
    assert response.context["weekly"], "the weekly per-site attendance is there"

    assert Adjustment.objects.count() > 0
    assert not Adjustment.objects.filter(route="home_based_contract", exempt=False).exists()
    mine = Adjustment.objects.get(staff__user__username="staff")
    assert mine.route == "carers_passport"
    reminders = client.get(reverse("workplace:reminders"))
    assert mine in [r.adjustment for r in reminders.context["due"]]

    client.force_login(StaffMember.objects.get(user__username="manager").user)
    team = client.get(reverse("workplace:team") + OCTOBER).content.decode()
    assert mine.expectation in team and "Carer\u2019s passport" not in team
