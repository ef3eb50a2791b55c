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

    check_demo_desks(client)

    client.force_login(StaffMember.objects.get(user__username="manager").user)
    team = client.get(reverse("workplace:team") + OCTOBER).content.decode()
    assert mine.expectation in team and "Carer\u2019s passport" not in team


def check_demo_desks(client) -> None:
    """(Called from the test above: one demo load for both.) The demo loads desks per site (floors, zones, attributes, a few held), and the occupancy page and the
    demo staff account's bookings show them, counted independently here."""
    import datetime as dt

    from django.utils import timezone

    from mandate.workplace.estates.models import Booking, Desk
    from mandate.workplace.models import PresenceRecord, Site

    for site in Site.objects.all():
        assert Desk.objects.filter(site=site, kind="desk").count() == site.desk_capacity
    newport = Desk.objects.filter(site__code="newport", kind="desk")
    assert newport.values("floor").distinct().count() >= 1 and newport.exclude(zone="").exists()
    assert 1 <= Desk.objects.filter(reserved=True, accessible_route=True).count() <= 4 * Site.objects.count()
    assert Desk.objects.filter(quiet_zone=True).exists() and Desk.objects.filter(height_adjustable=True).exists()
    today = timezone.localdate()
    mine = Booking.objects.filter(staff__user__username="staff").order_by("date")
    assert [b.state for b in mine] == ["checked_in"] * 3 + ["booked"] * 3
    assert all(b.date < today for b in mine[:3]) and all(b.date >= today for b in mine[3:])
    assert PresenceRecord.objects.filter(staff__user__username="staff", source="booking_checkin").count() == 3

    client.force_login(get_user_model().objects.get(username="staff"))
    page = client.get(reverse("workplace:estates_mine")).content.decode()
    assert page.count("Checked in</td>") == 3 and mine.last().desk.code in page

    day = mine[3].date  # the next weekday from today: bookings not yet released
    client.force_login(get_user_model().objects.get(username="estates"))
    occ = client.get(reverse("workplace:estates_occupancy") + f"?date={day.isoformat()}").content.decode()
    site = mine[0].desk.site
    desks = Desk.objects.filter(site=site, active=True).count()
    booked = Booking.objects.filter(desk__site=site, date=day, state__in=("booked", "checked_in")).count()
    assert booked > 1
    assert (f'<tr data-site="{site.code}"><th scope="row">{site.name}</th><td data-label="Desks">{desks}</td>'
            f'<td data-label="Booked">{booked}</td>') in occ, occ
    assert day.weekday() < 5 and day >= today - dt.timedelta(days=0)
