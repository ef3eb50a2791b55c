"""The action calendar: each mandate's days of strike and of action short of a strike, the notices that cover
them, the mandate's last day and the renewal planner's dates, as entries for a page, an iCal feed (the
`icalendar` library, RFC 5545) and a CSV (platform/exports.py, safe against formula injection)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from icalendar import Calendar, Event

from mandate.dates import human_date
from mandate.platform.exports import csv_writer
from mandate.union import rules
from mandate.union.models import ActionNotice, Mandate, Union

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
