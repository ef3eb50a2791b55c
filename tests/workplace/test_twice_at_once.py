"""Twice at the same moment, against PostgreSQL: two reminder runs send each reminder once; two saves of the
same day's purpose leave one row; two withdrawals of one adjustment make one entry."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core import mail
from django.db import connection

from mandate.platform.models import AuditEntry
from mandate.workplace.models import OfficeDayPurpose, Organisation, ReviewReminder, StaffMember
from mandate.workplace.purposes import record_purpose
from mandate.workplace.reminders import send_review_reminders

pytestmark = pytest.mark.django_db(transaction=True)


def _race(target, n: int = 2) -> list[object]:  # type: ignore[no-untyped-def]
    results: list[object] = []
    barrier = threading.Barrier(n)

    def run() -> None:
        barrier.wait()
        try:
            results.append(target())
        except Exception as exc:  # noqa: BLE001 - the refusal is the result being compared
            results.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


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
