"""Day arithmetic of Part V (spec §1). All periods are calendar days; weekends and bank holidays count."""

from __future__ import annotations

from datetime import date, timedelta

from dateutil.relativedelta import relativedelta


class DateOutOfRange(ValueError):
    """A period that would end beyond the dates the calendar arithmetic can give (year 1 to 9999)."""


def add_days(day: date, n: int, what: str = "the period") -> date:
    try:
        return day + timedelta(days=n)
    except OverflowError:
        raise DateOutOfRange(f"{what} would end {'before 1 January 1' if n < 0 else 'after 31 December 9999'} "
                             f"({n} days from {day.isoformat()}): no date can be given") from None


def days_before(day: date, n: int) -> date:
    """'Not later than the nth day before ``day``': the latest date of receipt."""
    return add_days(day, -n, "the latest day of receipt")


def weeks_beginning_with(day: date, weeks: int) -> date:
    """Last day of 'the period of N weeks beginning with' ``day`` (``day`` counts as the first)."""
    return add_days(day, 7 * weeks - 1, f"the period of {weeks} weeks")


def corresponding_date(day: date, months: int) -> tuple[date, bool]:
    """The corresponding date ``months`` later (Dodds v Walker [1981] 1 WLR 1027, HL), and whether the later
    month had none, in which case the answer is that month's last day."""
    if months < 0:
        raise ValueError("a period cannot have a negative number of months")
    try:
        later = day + relativedelta(months=months)  # relativedelta clips to the month's last day
    except (ValueError, OverflowError):
        raise DateOutOfRange(f"the period of {months} months from {day.isoformat()} would end after 31 December "
                             f"9999: no date can be given") from None
    return later, later.day != day.day


def months_from(day: date, months: int) -> date:
    """Last day of a period 'within N months from' ``day`` (s.231B(2)): ``day`` itself is excluded, so the
    period ends on the corresponding date N months later, or the last day of that month where there is none."""
    return corresponding_date(day, months)[0]


# The readings of "the period of N months beginning with D" a parameter may choose (mandate.toml,
# month_period_end). The spec's corrected §1 rule is the first; the second is the other plausible reading,
# computed to flag the days on which the two disagree.
READINGS = ("corresponding_date_of_day_before", "day_before_corresponding_date")


def _reading(day: date, months: int, reading: str) -> tuple[date, bool]:
    if reading == "corresponding_date_of_day_before":
        # Spec §1 (Dec 2026): the period of N months beginning with D is the period of N months after the
        # day before D, so it ends on the corresponding date of the day before D.
        return corresponding_date(day - timedelta(days=1), months)
    # The day before the corresponding date of D; where the later month has none, the month's last day.
    later, missing = corresponding_date(day, months)
    if missing:
        return later, True
    return later - timedelta(days=1), False


def months_beginning_with(day: date, months: int,
                          reading: str = "corresponding_date_of_day_before") -> tuple[date, bool]:
    """Last day of 'the period of N months beginning with' ``day``, and whether a person should review it.

    Spec §1 (corrected December 2026): the period ends on the corresponding date, N months later, of the day
    before ``day``; where that month has no such date, on its last day. So 10 March 2026 + 12 months ends on
    9 March 2027, 31 March 2025 + 6 months on 30 September 2025, and 29, 30 or 31 August 2025 and 1 September
    2025 + 6 months all end on 28 February 2026. The end never moves earlier when the start moves later.

    Flagged for review (uncertainty 'month-end-period'): where the month-end fallback was needed, and where
    the other plausible reading (the day before the corresponding date of ``day``) gives another day, as it
    does for some periods beginning on the 1st (1 March 2025 + 6 months: 28 August here, 31 August by the
    other reading). No court has ruled on s.234 itself.
    """
    if reading not in READINGS:
        raise ValueError(f"unknown reading {reading!r} of a period of months; expected one of {', '.join(READINGS)}")
    last, fallback = _reading(day, months, reading)
    # A fallback from a period beginning on the 1st (the day before is a month's last day) is that of the
    # other reading too: it is only reviewed where the two readings disagree.
    return last, (fallback and day.day != 1) or other_reading(day, months, reading) != last


def other_reading(day: date, months: int, reading: str = "corresponding_date_of_day_before") -> date:
    """The last day by the reading not chosen (for the review warning's words)."""
    return _reading(day, months, READINGS[1] if reading == READINGS[0] else READINGS[0])[0]
