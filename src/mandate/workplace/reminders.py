"""Review reminders for adjustments (spec section 3: "review dates raise reminders"), by the platform's mail.

`send_review_reminders` mails each HR administrator of the organisation (with an e-mail address) once for
each adjustment in force whose review is due within the window or overdue. A `ReviewReminder` row per
adjustment and review date, held by a unique constraint, makes it idempotent: run it twice, or twice at
once, and the same reminder goes out once; a new review date is a new reminder. The mail says whose review
is due and when, never the expectation or the route; the message log (platform/mail.py) holds no content.
Run daily: `mandate workplace remind -o ons`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from mandate.dates import human_date
from mandate.platform import mail
from mandate.platform.audit import record
from mandate.workplace.models import Adjustment, Organisation, ReviewReminder

REVIEW_WINDOW_DAYS = 30
MAIL_KIND = "adjustment-review"


def reviews_due(organisation: Organisation, today: dt.date, days: int = REVIEW_WINDOW_DAYS) -> QuerySet[Adjustment]:
    """Adjustments in force whose review date falls on or before `today + days` (overdue ones included)."""
    return (Adjustment.objects.filter(staff__organisation=organisation, withdrawn_at__isnull=True,
                                      review_date__lte=today + dt.timedelta(days=days))
            .exclude(date_to__lt=today).select_related("staff").order_by("review_date"))


@dataclass
class ReminderRun:
    due: int
    sent: int  # reminders (adjustments) newly reminded of
    already: int  # reminded of before, for the same review date
    mails: int
    recipients: int


def hr_recipients(organisation: Organisation) -> list[object]:
    users = get_user_model().objects.filter(role_assignments__role="hr_admin",
                                            role_assignments__scope=organisation.code, is_active=True)
    return [u for u in users.distinct().order_by("pk") if getattr(u, u.get_email_field_name(), "")]


def send_review_reminders(organisation: Organisation, today: dt.date, *, days: int = REVIEW_WINDOW_DAYS,
                          base_url: str = "", actor: object = "remind") -> ReminderRun:
    recipients = hr_recipients(organisation)
    due = list(reviews_due(organisation, today, days))
    if not recipients:  # nobody to tell: nothing is marked sent, so the reminders go once someone can get them
        return ReminderRun(len(due), 0, 0, 0, 0)
    sent = already = mails = 0
    for a in due:
        try:
            with transaction.atomic():
                _, created = ReviewReminder.objects.get_or_create(adjustment=a, review_date=a.review_date,
                                                                  defaults={"recipients": len(recipients)})
                if not created:
                    already += 1
                    continue
                when = (f"was due on {human_date(a.review_date)}" if a.review_date < today
                        else f"is due on {human_date(a.review_date)}")
                body = (f"The review of an adjustment for {a.staff.name} ({a.staff.staff_id}) {when}.\n\n"
                        f"Open it: {base_url}/workplace/adjustments/{a.pk}/\n\n"
                        "This reminder is sent once for this review date.")
                for user in recipients:
                    mail.queue_mail(user, kind=MAIL_KIND, subject=f"Adjustment review due: {a.staff.staff_id}",
                                    body=body)
                    mails += 1
                record(actor, "review_reminder_sent", "Adjustment", a.pk, staff_id=a.staff.staff_id,
                       review_date=a.review_date, recipients=len(recipients), organisation=organisation.code)
                sent += 1
        except IntegrityError:  # another run took it at the same moment: it sends, this one does not
            already += 1
    return ReminderRun(len(due), sent, already, mails, len(recipients))
