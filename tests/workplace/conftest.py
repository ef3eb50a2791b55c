"""A small ledger for October 2026: three staff (one in Edinburgh), policies, swipes, bookings, absences."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from mandate.policy import examples
from mandate.workplace.models import Absence, Adjustment, AttendancePolicy, PresenceRecord, Site, StaffMember

LONDON = ZoneInfo("Europe/London")

INDIVIDUAL_40 = examples.text("ons-individual-40.toml")
ORGANISATION_40 = examples.text("ons-organisation-wide-40.toml")


def swipe(org, staff, site, day: int, hour: int = 9, source: str = "badge", purpose: str = ""):
    return PresenceRecord.objects.create(
        organisation=org, staff=staff, site=site, source=source, purpose=purpose,
        timestamp=dt.datetime(2026, 10, day, hour, 0, tzinfo=LONDON))


@pytest.fixture
def ledger(employer_org, make_user):
    """S00000 (Newport) is the line manager of S00001 (Newport) and S00002 (Edinburgh)."""
    org = employer_org
    newport = Site.objects.get(organisation=org, code="newport")
    edinburgh = Site.objects.get(organisation=org, code="edinburgh")
    s0, s1, s2 = StaffMember.objects.filter(organisation=org).order_by("staff_id")
    s1.line_manager = s0
    s2.line_manager = s0
    s0.user = make_user("line_manager", username="manager")
    s1.user = make_user("staff_member", username="s1")
    s2.user = make_user("staff_member", username="s2")
    for s in (s0, s1, s2):
        s.save()
    AttendancePolicy.objects.create(organisation=org, toml=INDIVIDUAL_40, is_default=True)
    AttendancePolicy.objects.create(organisation=org, toml=ORGANISATION_40)
    # S00001: in on 1, 2 (twice, two sites), 5 Oct; a booking without check-in on 6 Oct; a check-in on 7 Oct;
    # annual leave 8-9 Oct; official business 12 Oct.
    swipe(org, s1, newport, 1)
    swipe(org, s1, newport, 2)
    swipe(org, s1, edinburgh, 2, 15)
    swipe(org, s1, newport, 5, purpose="team_anchor_day")
    swipe(org, s1, newport, 6, 12, source="booking")
    swipe(org, s1, newport, 7, source="booking_checkin", purpose="meeting")
    Absence.objects.create(staff=s1, date=dt.date(2026, 10, 8), kind="annual_leave")
    Absence.objects.create(staff=s1, date=dt.date(2026, 10, 9), kind="annual_leave")
    Absence.objects.create(staff=s1, date=dt.date(2026, 10, 12), kind="official_business")
    # S00002 (Edinburgh) in twice; S00000 in on ten days
    swipe(org, s2, edinburgh, 1)
    swipe(org, s2, edinburgh, 20)
    for day in (1, 2, 5, 6, 7, 8, 9, 12, 13, 14):
        swipe(org, s0, newport, day)
    Adjustment.objects.create(staff=s2, expected_percent=20, date_from=dt.date(2026, 9, 1), route="carers_passport",
                              approved_by="Head of HR", review_date=dt.date(2026, 12, 10))
    return org

