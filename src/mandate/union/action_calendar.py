"""The action calendar: each mandate's days of strike and of action short of a strike, the notices that cover
them, the mandate's last day and the renewal planner's dates, as entries for a page, an iCal file (the
`icalendar` library, RFC 5545) and a CSV (platform/exports.py, safe against formula injection).

The iCal file is also a **feed** calendar apps subscribe to without a session: a secret token in its address
(the union's, one live at a time, revocable and made again from the calendar page, stored as its SHA-256
only). The feed holds what the calendar page holds: employers, units, dates and notices, never a member."""

from __future__ import annotations

import hashlib
import io
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from icalendar import Calendar, Event

from mandate.dates import human_date
from mandate.platform.audit import record
from mandate.platform.exports import csv_writer
from mandate.union import rules
from mandate.union.models import ActionNotice, CalendarFeed, Mandate, Union

CSV_HEADER = ["date", "end", "what", "kind", "employer", "unit", "detail"]


@dataclass(frozen=True)
class Entry:
    day: date
    end: date  # inclusive
    what: str
    kind: str  # strike, action_short_of_strike, suspension, notice_deadline, mandate_end, renewal
    employer: str
    unit: str
    detail: str
    uid: str


def _notice_entries(n: ActionNotice) -> list[Entry]:
    m = n.mandate
    days = n.day_dates
    out: list[Entry] = []
    if n.kind == "suspension":
        out.append(Entry(days[0], days[0], "Action suspended", "suspension", n.employer.name, m.unit_name,
                         n.facts.get("reason", ""), f"suspension-{n.pk}"))
        return out
    received = n.package.received_on
    receipt = f"received {human_date(received)}" if received else "no proof of receipt yet"
    label = "Strike" if m.kind == "strike" else "Action short of a strike"
    forms = "; ".join(n.form_list)
    detail = f"{n} ({receipt})" + (f"; {forms}" if forms else "")
    if n.continuous:
        stop = m.last_day
        ends = [date.fromisoformat(f.days[0]) - timedelta(days=1)
                for f in ActionNotice.objects.filter(previous=n, kind="suspension")]
        if ends:
            stop = min([stop, *ends])
        out.append(Entry(days[0], max(days[0], stop), f"{label} (continuous)", m.kind, n.employer.name, m.unit_name,
                         detail, f"notice-{n.pk}-continuous"))
    else:
        out += [Entry(d, d, label, m.kind, n.employer.name, m.unit_name, detail, f"notice-{n.pk}-{d.isoformat()}")
                for d in days]
    if n.latest_receipt:
        out.append(Entry(n.latest_receipt, n.latest_receipt, "Latest day the employer may receive the notice",
                         "notice_deadline", n.employer.name, m.unit_name, detail, f"notice-{n.pk}-deadline"))
    return out


def entries(union: Union, today: date | None = None) -> list[Entry]:
    today = today or date.today()
    out: list[Entry] = []
    notices = (ActionNotice.objects.filter(union=union).exclude(kind="resumption")
               .select_related("mandate", "employer", "package"))
    for n in notices:
        out += _notice_entries(n)
    for n in ActionNotice.objects.filter(union=union, kind="resumption").select_related("mandate", "employer"):
        d = n.day_dates[0]
        out.append(Entry(d, d, "Action resumes", n.mandate.kind, n.employer.name, n.mandate.unit_name, str(n),
                         f"resumption-{n.pk}"))
    for m in Mandate.objects.filter(union=union).select_related("employer"):
        label = "strike" if m.kind == "strike" else "action short of a strike"
        out.append(Entry(m.last_day, m.last_day, f"Last day of the mandate for {label}", "mandate_end",
                         m.employer.name, m.unit_name, f"ballot of {human_date(m.date_of_ballot)}", f"mandate-{m.pk}"))
        if m.last_day >= today:
            plan = rules.renewal_plan(m.last_day, entitled=m.entitled)
            for key, what in (("ballot_notice_by", "Renewal: notice of ballot received by"),
                              ("latest_opening_day", "Renewal: latest opening day of the new ballot"),
                              ("latest_closing_day", "Renewal: latest closing day of the new ballot"),
                              ("action_notice_latest_receipt", "Renewal: notice of action for the day after the "
                                                               "mandate received by")):
                d = plan[key]
                out.append(Entry(d, d, what, "renewal", m.employer.name, m.unit_name,
                                 f"to keep cover after {human_date(m.last_day)}", f"mandate-{m.pk}-{key}"))
    seen: set[tuple[date, str, str, str]] = set()
    unique = []  # one renewal plan per unit and employer, though a ballot gives a mandate per question
    for e in sorted(out, key=lambda e: (e.day, e.kind, e.uid)):
        if e.kind == "renewal" and (e.day, e.what, e.employer, e.unit) in seen:
            continue
        seen.add((e.day, e.what, e.employer, e.unit))
        unique.append(e)
    return unique


def to_ical(union: Union, items: list[Entry]) -> bytes:
    cal = Calendar()
    cal.add("prodid", "-//mandate//action calendar//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"{union.name}: industrial action")
    stamp = datetime.now(UTC).replace(microsecond=0)
    for e in items:
        ev = Event()
        ev.add("uid", f"{e.uid}@{union.code}.mandate")
        ev.add("dtstamp", stamp)
        ev.add("dtstart", e.day)
        ev.add("dtend", e.end + timedelta(days=1))  # all-day events end the day after (RFC 5545 3.6.1)
        ev.add("summary", f"{e.what}: {e.employer}, {e.unit}")
        ev.add("description", e.detail)
        ev.add("categories", [e.kind])
        cal.add_component(ev)
    return cal.to_ical()


def to_csv(items: list[Entry]) -> str:
    out = io.StringIO()
    w = csv_writer(out)
    w.writerow(CSV_HEADER)
    for e in items:
        w.writerow([e.day.isoformat(), e.end.isoformat(), e.what, e.kind, e.employer, e.unit, e.detail])
    return out.getvalue()


# ---- the subscribable feed ------------------------------------------------------------------------------------
def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def live_feed(union: Union) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(union=union, revoked_at__isnull=True).first()


def new_feed(union: Union, actor: Any = None) -> str:
    """Make the union's secret feed token (revoking any live one) and return it: it is shown once, and only its
    SHA-256 is kept, so a lost address is replaced, never recovered."""
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        Union.objects.select_for_update().filter(pk=union.pk).first()
        _revoke(union, actor)
        feed = CalendarFeed.objects.create(union=union, token_sha256=_hash(token), created_by=_actor(actor))
        record(actor, "calendar.feed_created", "CalendarFeed", feed.pk, union=union.code)
    return token


def _revoke(union: Union, actor: Any) -> int:
    live = list(CalendarFeed.objects.filter(union=union, revoked_at__isnull=True))
    for feed in live:
        feed.revoked_at = timezone.now()
        feed.revoked_by = _actor(actor)
        feed.save(update_fields=["revoked_at", "revoked_by"])
        record(actor, "calendar.feed_revoked", "CalendarFeed", feed.pk, union=union.code)
    return len(live)


def revoke_feed(union: Union, actor: Any = None) -> int:
    """Revoke the union's live feed (its address stops working at once); the number revoked (0 or 1)."""
    with transaction.atomic():
        return _revoke(union, actor)


def union_for_token(token: str, today: date | None = None) -> Union | None:
    """The union whose live feed this token opens, or None. A read is logged once a day per feed."""
    if not token or len(token) > 200:
        return None
    feed = CalendarFeed.objects.filter(token_sha256=_hash(token), revoked_at__isnull=True).select_related(
        "union").first()
    if feed is None:
        return None
    today = today or date.today()
    if feed.last_read_on != today and CalendarFeed.objects.filter(pk=feed.pk).exclude(last_read_on=today).update(
            last_read_on=today):
        record(None, "calendar.feed_read", "CalendarFeed", feed.pk, union=feed.union.code)
    return feed.union


def _actor(actor: Any) -> str:
    if actor is None:
        return "system"
    return actor if isinstance(actor, str) else getattr(actor, "username", "") or "anonymous"
