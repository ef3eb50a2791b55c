"""Twice at the same moment, against PostgreSQL: two reminder runs send each reminder once; two saves of the
same day's purpose leave one row; two withdrawals of one adjustment make one entry."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.db import connection
from tests.race import race

from mandate.platform.models import AuditEntry
from mandate.workplace.models import OfficeDayPurpose, Organisation, ReviewReminder, StaffMember
from mandate.workplace.purposes import record_purpose
from mandate.workplace.reminders import send_review_reminders

pytestmark = pytest.mark.django_db(transaction=True)


_race = race


def test_reminders_and_purposes_twice_at_once(ledger, make_user, client) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("two writers at once need PostgreSQL")
    hr = make_user("hr_admin")
    hr.email = "hr@example.org"
    hr.save()
    runs = _race(lambda: send_review_reminders(Organisation.objects.get(code="ons"), dt.date(2026, 11, 20)))
    assert sorted(r.sent for r in runs) == [0, 1], runs  # type: ignore[attr-defined]
    assert ReviewReminder.objects.count() == 1 and len(mail.outbox) == 1
    s1 = StaffMember.objects.get(staff_id="S00001")
    results = _race(lambda: record_purpose(StaffMember.objects.get(pk=s1.pk), dt.date(2026, 10, 2), "meeting",
                                           "", "s1")[1])
    assert sorted(map(str, results)) == ["False", "True"], results
    assert OfficeDayPurpose.objects.count() == 1
    from django.urls import reverse

    from mandate.workplace.models import Adjustment

    adjustment = Adjustment.objects.get()
    client.force_login(hr)
    url = reverse("workplace:adjustment_withdraw", args=[adjustment.pk])
    statuses = _race(lambda: client.post(url, {"reason": "no_longer_needed"}).status_code)
    assert statuses == [302, 302]
    assert AuditEntry.objects.filter(action="withdraw_adjustment").count() == 1
