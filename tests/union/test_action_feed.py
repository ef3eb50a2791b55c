"""The subscribable iCal feed: a secret address opened without a session, parsed by icalendar with the days
and the renewal planner's dates in it; only the token's SHA-256 stored; revoked (or replaced) it is refused;
its reads, creation and revocation in the audit log; nothing about members in it."""

from __future__ import annotations

import hashlib
import re
from datetime import date

import pytest
from icalendar import Calendar
from tests.union.action_helpers import counted_ballot

from mandate.platform.models import AuditEntry
from mandate.union import action as act
from mandate.union import action_calendar as cal
from mandate.union import rules
from mandate.union.models import CalendarFeed, Mandate

pytestmark = pytest.mark.django_db


def _feed_path(page: str) -> str:
    url = re.search(r'data-testid="feed-url">([^<]+)<', page)
    assert url, page
    return url.group(1).split("testserver", 1)[1]


def test_feed_by_token_revoked_and_made_again(union_org, client, make_user):
    b = counted_ballot(union_org, date(2026, 11, 2), date(2026, 11, 16))
    strike = Mandate.objects.get(ballot=b, kind="strike")
    act.issue_action_notice(strike, days=[date(2026, 12, 1), date(2026, 12, 3)], continuous=False,
                            expected_receipt=date(2026, 11, 19), sent_on=date(2026, 11, 18))
    client.force_login(make_user("union_official", "pcs"))
    page = client.post("/union/action/calendar/feed/new/")
    assert page.status_code == 200
    path = _feed_path(page.content.decode())
    token = path.rsplit("/", 1)[1].removesuffix(".ics")
    feed = CalendarFeed.objects.get()
    assert feed.token_sha256 == hashlib.sha256(token.encode()).hexdigest()  # only the hash is kept
    assert token not in str(list(CalendarFeed.objects.values_list())) and token not in str(
        list(AuditEntry.objects.values_list("detail", flat=True)))
    assert token not in client.get("/union/action/calendar/").content.decode()  # shown once only

    client.logout()
    response = client.get(path)  # no session: the token is the key
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    parsed = Calendar.from_ical(response.content)
    events = {(e.get("summary").split(":")[0], e.decoded("dtstart")) for e in parsed.walk("VEVENT")}
    assert ("Strike", date(2026, 12, 1)) in events and ("Strike", date(2026, 12, 3)) in events
    assert ("Last day of the mandate for strike", date(2027, 11, 15)) in events
    plan = rules.renewal_plan(strike.last_day, entitled=strike.entitled)
    assert ("Renewal", plan["latest_opening_day"]) in {(s.split(" ")[0].rstrip(":"), d) for s, d in events}
    assert {str(e.get("uid")) for e in parsed.walk("VEVENT")} == {
        f"{e.uid}@pcs.mandate" for e in cal.entries(union_org)}
    text = response.content.decode()
    for elector in b.electors.all()[:5]:  # no member's name or number reaches the feed
        assert elector.name not in text and elector.membership_number not in text
    assert AuditEntry.objects.filter(action="calendar.feed_read").count() == 1
    client.get(path)
    assert AuditEntry.objects.filter(action="calendar.feed_read").count() == 1  # one a day, not one a poll
    assert client.post(path).status_code == 405  # read-only
    assert client.head(path).status_code == 200  # calendar apps may ask HEAD first

    client.force_login(make_user("union_official", "pcs", username="second"))
    newer = _feed_path(client.post("/union/action/calendar/feed/new/").content.decode())
    client.logout()
    assert client.get(path).status_code == 404  # the old address stops working when a new one is made
    assert client.get(newer).status_code == 200
    client.force_login(make_user("union_official", "pcs", username="third"))
    assert client.post("/union/action/calendar/feed/revoke/").status_code == 302
    assert "No feed address is live" in client.get("/union/action/calendar/").content.decode()
    client.logout()
    assert client.get(newer).status_code == 404 and client.get("/feeds/action/nonsense.ics").status_code == 404
    assert AuditEntry.objects.filter(action="calendar.feed_created").count() == 2
    assert AuditEntry.objects.filter(action="calendar.feed_revoked").count() == 2
    assert CalendarFeed.objects.filter(revoked_at__isnull=True).count() == 0


def test_a_branch_rep_sees_the_feed_state_but_cannot_make_one(union_org, client, make_user):
    client.force_login(make_user("branch_rep", "pcs"))
    page = client.get("/union/action/calendar/").content.decode()
    assert "No feed address is live" in page and "Make a feed address" not in page
    assert client.post("/union/action/calendar/feed/new/").status_code == 403
    assert CalendarFeed.objects.count() == 0


def test_one_live_feed_per_union_in_the_database(union_org):
    from django.db import IntegrityError

    cal.new_feed(union_org)
    with pytest.raises(IntegrityError):
        CalendarFeed.objects.create(union=union_org, token_sha256="0" * 64, created_by="t")
