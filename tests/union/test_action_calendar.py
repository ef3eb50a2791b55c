"""The action calendar: the days notified, suspensions, the mandate's last day and the renewal dates, the same
in the page's entries, the iCal file (read back with icalendar) and the CSV."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from icalendar import Calendar
from tests.union.action_helpers import counted_ballot

from mandate.union import action as act
from mandate.union import action_calendar as cal
from mandate.union.models import Mandate

pytestmark = pytest.mark.django_db


def test_calendar_ical_and_csv_agree(union_org, client, make_user):
    b = counted_ballot(union_org, date(2026, 11, 2), date(2026, 11, 16))
    strike = Mandate.objects.get(ballot=b, kind="strike")
    asos = Mandate.objects.get(ballot=b, kind="action_short_of_strike")
    days = [date(2026, 12, 1), date(2026, 12, 3)]
    act.issue_action_notice(strike, days=days, continuous=False, expected_receipt=date(2026, 11, 19),
                            sent_on=date(2026, 11, 18))
    n = act.issue_action_notice(asos, days=[date(2026, 12, 1)], continuous=True, forms=["=Overtime ban"],
                                expected_receipt=date(2026, 11, 19), sent_on=date(2026, 11, 18))
    act.issue_suspension(n, suspended_from=date(2027, 1, 10), reason="union_decision", sent_on=date(2027, 1, 5),
                         expected_receipt=date(2027, 1, 6))
    items = cal.entries(union_org, today=date(2026, 11, 20))
    strike_days = [e.day for e in items if e.kind == "strike"]
    assert strike_days == days
    continuous = next(e for e in items if e.kind == "action_short_of_strike")
    assert (continuous.day, continuous.end) == (date(2026, 12, 1), date(2027, 1, 9))  # stops at the suspension
    assert {e.day for e in items if e.kind == "mandate_end"} == {date(2027, 11, 15)}
    renewal = [e for e in items if e.kind == "renewal" and "latest opening day" in e.what]
    assert len(renewal) == 1  # one plan for the unit, though it has a mandate per question

    parsed = Calendar.from_ical(cal.to_ical(union_org, items))
    events = parsed.walk("VEVENT")
    assert len(events) == len(items) and len({str(e["UID"]) for e in events}) == len(items)
    cont = next(e for e in events if "continuous" in str(e["SUMMARY"]))
    assert cont.decoded("DTSTART") == date(2026, 12, 1)
    assert cont.decoded("DTEND") == date(2027, 1, 9) + timedelta(days=1)

    rows = list(csv.reader(io.StringIO(cal.to_csv(items))))
    assert rows[0] == cal.CSV_HEADER and len(rows) == len(items) + 1
    assert all(not cell.startswith("=") for row in rows for cell in row)  # formula injection escaped

    make_user("union_official", "pcs", username="official")
    client.login(username="official", password="correct-horse-battery-staple")
    page = client.get("/union/action/calendar/")
    assert page.status_code == 200 and "3 December 2026" in page.content.decode()
    ics = client.get("/union/action/calendar/?format=ics")
    assert ics["Content-Type"].startswith("text/calendar") and b"BEGIN:VCALENDAR" in ics.content
    make_user("hr_admin", "ons", username="hr")
    client.logout()
    client.login(username="hr", password="correct-horse-battery-staple")
    assert client.get("/union/action/calendar/?format=ics").status_code == 403
