"""Reminders by mail to a union's officials, run once a day (`mandate action remind`, from cron or the worker):

- **renewal**: a mandate runs out and a re-ballot must start to keep cover; the renewal planner's dates
  (union/rules.renewal_plan) give the day by which the employer must have the new notice of ballot; the
  reminder goes from ``lead_days`` before that day until it;
- **notice_deadline**: a notice of industrial action with no recorded receipt whose latest day of receipt
  (the rulebook's, s.234A) is within ``lead_days``;
- **no_receipt**: a signed package sent (any kind) with no recorded receipt ``no_receipt_days`` after it was
  sent.

Each reminder is a row of :class:`mandate.union.models.Reminder`, unique per kind, subject, event day and
official: the row is written with the mail's job in one transaction, so a second run (or two at once) sends
nothing twice. The mail names employers, units and dates, never a member; the audit entry names the official,
the kind and the day, never the text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from mandate.dates import human_date
from mandate.platform import jobs
from mandate.platform.audit import record
from mandate.platform.mail import queue_mail
from mandate.union import rules
from mandate.union.models import ActionNotice, Mandate, Reminder, SentPackage, Union

LEAD_DAYS = 14
NO_RECEIPT_DAYS = 3


@dataclass(frozen=True)
class Due:
    kind: str
    subject: str
    event_day: date
    title: str
    lines: tuple[str, ...]


def officials(union: Union) -> list[Any]:
    """The union's officials who can be mailed: active accounts with an address."""
    return list(get_user_model().objects.filter(
        role_assignments__role="union_official", role_assignments__scope=union.code, is_active=True)
        .exclude(email="").distinct().order_by("username"))


def _renewals(union: Union, today: date, lead: int) -> list[Due]:
    out: list[Due] = []
    seen: set[tuple[int, str, date]] = set()
    for m in Mandate.objects.filter(union=union, last_day__gte=today).select_related("employer").order_by("pk"):
        group = (m.employer_id, m.unit_name, m.last_day)
        if group in seen:  # one plan per unit and employer, though a ballot gives a mandate per question
            continue
        seen.add(group)
        plan = rules.renewal_plan(m.last_day, entitled=m.entitled)
        by = plan["ballot_notice_by"]
        if not (by - timedelta(days=lead) <= today <= by):
            continue
        out.append(Due("renewal", f"mandate-{m.pk}", by,
                       f"Re-ballot needed to keep cover at {m.employer.name}: the mandate ends {human_date(m.last_day)}",
                       (f"The mandate for {m.unit_name} at {m.employer.name} ends with {human_date(m.last_day)}.",
                        "To keep cover from the next day, the renewal planner's latest dates are:",
                        f"- notice of the new ballot received by the employer: {human_date(plan['ballot_notice_by'])}",
                        f"- sample voting paper received by: {human_date(plan['sample_paper_by'])}",
                        f"- latest opening day: {human_date(plan['latest_opening_day'])}",
                        f"- latest closing day: {human_date(plan['latest_closing_day'])}",
                        f"- result to the employer by: {human_date(plan['result_to_employer_by'])}",
                        f"- notice of action for the day after the mandate received by: "
                        f"{human_date(plan['action_notice_latest_receipt'])}")))
    return out


def _notice_deadlines(union: Union, today: date, lead: int) -> list[Due]:
    out: list[Due] = []
    for n in (ActionNotice.objects.filter(union=union, latest_receipt__gte=today,
                                          latest_receipt__lte=today + timedelta(days=lead),
                                          package__received_on__isnull=True,
                                          package__document__received_on__isnull=True)
              .select_related("employer", "mandate", "package").order_by("pk")):
        assert n.latest_receipt is not None
        out.append(Due("notice_deadline", f"package-{n.package_id}", n.latest_receipt,
                       f"{n}: the employer must receive it by {human_date(n.latest_receipt)}",
                       (f"{n} must be received by {n.employer.name} by {human_date(n.latest_receipt)} "
                        f"(s.234A, regime {n.regime}).",
                        "No acknowledgement of receipt is recorded yet. Make sure it is delivered, and import the "
                        "employer's acknowledgement on the Calling the action page.")))
    return out


def _no_receipts(union: Union, today: date, after: int) -> list[Due]:
    out: list[Due] = []
    for p in (SentPackage.objects.filter(union=union, received_on__isnull=True, document__received_on__isnull=True,
                                         document__sent_on__lte=today - timedelta(days=after))
              .select_related("employer", "document").order_by("pk")):
        sent = p.document.sent_on
        assert sent is not None
        out.append(Due("no_receipt", f"package-{p.pk}", sent + timedelta(days=after),
                       f"No receipt recorded: {p.document.title}",
                       (f"“{p.document.title}” was sent on {human_date(sent)} and no receipt by "
                        f"{p.employer.name} is recorded after {after} days.",
                        "Ask the employer for their signed acknowledgement of receipt, or check delivery.")))
    return out


def due(union: Union, today: date, *, lead_days: int = LEAD_DAYS, no_receipt_days: int = NO_RECEIPT_DAYS) -> list[Due]:
    """What is due on ``today`` (pure reading: nothing is sent)."""
    return (_renewals(union, today, lead_days) + _notice_deadlines(union, today, lead_days)
            + _no_receipts(union, today, no_receipt_days))


def remind(union: Union, today: date | None = None, *, lead_days: int = LEAD_DAYS,
           no_receipt_days: int = NO_RECEIPT_DAYS, actor: Any = None) -> list[Reminder]:
    """Mail every reminder due on ``today`` to every official who has not had it; return those sent now."""
    today = today or date.today()
    if lead_days < 0 or no_receipt_days < 0:
        raise ValueError("the lead and the days without receipt are whole numbers of at least 0")
    sent: list[Reminder] = []
    people = officials(union)
    for item in due(union, today, lead_days=lead_days, no_receipt_days=no_receipt_days):
        for person in people:
            try:
                with transaction.atomic():
                    row = Reminder.objects.create(union=union, kind=item.kind, subject=item.subject,
                                                  event_day=item.event_day, recipient=person, sent_on=today)
                    body = "\n".join((f"Dear {person.get_username()},", "", *item.lines, "",
                                      "This reminder is sent once; the action calendar has every date.",
                                      f"-- mandate, for {union.name}"))
                    queue_mail(person, kind=f"reminder-{item.kind}", subject=item.title[:200], body=body,
                               actor=actor)
                    record(actor, "reminder.sent", "Reminder", row.pk, kind=item.kind, about=item.subject,
                           event_day=item.event_day, recipient=person.get_username())
            except IntegrityError:  # already sent (an earlier run, or one running at the same time)
                continue
            sent.append(row)
    return sent


def remind_all(today: date | None = None, **kw: Any) -> dict[str, int]:
    """Every union's reminders: {union code: number sent}."""
    return {u.code: len(remind(u, today, **kw)) for u in Union.objects.order_by("code")}


@jobs.handler
def remind_job(progress: Any, today: str | None = None) -> Any:
    """The daily run as a job (platform/jobs.py) for the worker."""
    progress("Sending reminders", 0, 1)
    counts = remind_all(date.fromisoformat(today) if today else None)
    return jobs.Result(text=f"{sum(counts.values())} reminder(s) sent.")
