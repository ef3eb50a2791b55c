"""Day arithmetic of Part V (spec §1). All periods are calendar days; weekends and bank holidays count."""

from __future__ import annotations

from datetime import date, timedelta

from dateutil.relativedelta import relativedelta


def days_before(day: date, n: int) -> date:
    """'Not later than the nth day before ``day``': the latest date of receipt."""
    return day - timedelta(days=n)


def weeks_beginning_with(day: date, weeks: int) -> date:
    """Last day of 'the period of N weeks beginning with' ``day`` (``day`` counts as the first)."""
    return day + timedelta(days=7 * weeks - 1)


FALLBACKS = ("last_day_of_month_minus_one", "last_day_of_month")


def months_beginning_with(
    day: date, months: int, fallback: str = "last_day_of_month_minus_one"
) -> tuple[date, bool]:
    """Last day of 'the period of N months beginning with' ``day``, and whether a person should review it.

    The period ends on the day before the corresponding date N months later (10 March 2026 + 12 months ends
    on 9 March 2027). When the later month has no corresponding date, that 'day before' is still the day
    numbered one less if the month has it (31 March 2025 + 6 months ends on 30 September 2025, the PCS-ONS
    mandate). When even that day does not exist (30 or 31 August + 6 months, in February), the spec §1 rule
    applies: the last day of that month minus one day, the earliest plausible end; such dates, and periods
    beginning on 29 February, are flagged for review (uncertainty 'month-end-period').
    """
    if months < 0:
        raise ValueError("a period cannot have a negative number of months")
    if fallback not in FALLBACKS:
        raise ValueError(f"unknown month-end fallback {fallback!r}; expected one of {', '.join(FALLBACKS)}")
    if day.day == 1:
        # The day before the 1st of the later month is the last day of the month before: always exists.
        return day + relativedelta(months=months) - timedelta(days=1), False
    month_end = day + relativedelta(months=months, day=31)  # relativedelta clips day=31 to the month's end
    wanted = day.day - 1
    leap_day_start = day.month == 2 and day.day == 29
    if wanted <= month_end.day:
        return month_end.replace(day=wanted), leap_day_start
    if fallback == "last_day_of_month":
        return month_end, True
    return month_end - timedelta(days=1), True


def inclusive_days(start: date, end: date) -> int:
    return (end - start).days + 1


