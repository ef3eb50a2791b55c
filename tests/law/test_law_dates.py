"""Day arithmetic of Part V (spec §1): calendar days, 'beginning with', month ends."""

from __future__ import annotations

from datetime import date

import pytest

from mandate.law import human_date, mandate_last_day, months_beginning_with
from mandate.law.dates import days_before, months_from, other_reading, weeks_beginning_with


def test_notice_seven_days_before_opening_worked_example() -> None:
    # Government guidance: a ballot opening on 20 February 2026 needs the notice received by 13 February 2026.
    assert days_before(date(2026, 2, 20), 7) == date(2026, 2, 13)


def test_weekends_count() -> None:
    # 7 days before a Monday is the previous Monday: no working-day adjustment.
    assert days_before(date(2026, 3, 2), 7) == date(2026, 2, 23)


def test_four_weeks_beginning_with_is_plus_27_days() -> None:
    assert weeks_beginning_with(date(2026, 3, 10), 4) == date(2026, 4, 6)


@pytest.mark.parametrize(
    ("start", "months", "last", "review"),
    [
        (date(2025, 3, 31), 6, date(2025, 9, 30), False),   # PCS-ONS mandate, spec §1 and §21
        (date(2026, 3, 10), 12, date(2027, 3, 9), False),   # spec §1 example
        (date(2025, 8, 29), 6, date(2026, 2, 28), False),   # spec §1: 29, 30, 31 August and 1 September...
        (date(2025, 8, 30), 6, date(2026, 2, 28), True),    # ... all end on 28 February 2026
        (date(2025, 8, 31), 6, date(2026, 2, 28), True),    # (day before: 30 August; no 30 February)
        (date(2025, 9, 1), 6, date(2026, 2, 28), False),    # both readings give 28 February
        (date(2023, 8, 31), 6, date(2024, 2, 29), True),    # spec §1: leap year
        (date(2027, 8, 31), 6, date(2028, 2, 29), True),
        (date(2028, 2, 29), 12, date(2029, 2, 28), False),  # day before: 28 February 2028
        (date(2028, 2, 29), 6, date(2028, 8, 28), False),
        (date(2026, 1, 31), 12, date(2027, 1, 30), False),
        (date(2025, 5, 31), 9, date(2026, 2, 28), True),    # agreed 9 months landing in February
        # Beginning on the 1st after a shorter month: the spec's rule (corresponding date of the day before)
        # and the other reading (the day before the corresponding date) disagree; flagged for review.
        (date(2025, 3, 1), 6, date(2025, 8, 28), True),     # other reading: 31 August 2025
        (date(2025, 10, 1), 6, date(2026, 3, 30), True),    # other reading: 31 March 2026
        (date(2027, 3, 1), 12, date(2028, 2, 28), True),    # other reading: 29 February 2028
        (date(2025, 2, 1), 6, date(2025, 7, 31), False),    # day before is 31 January: they agree
    ],
)
def test_months_beginning_with(start: date, months: int, last: date, review: bool) -> None:
    assert months_beginning_with(start, months) == (last, review)


def test_the_other_reading_and_bad_readings() -> None:
    assert other_reading(date(2025, 3, 1), 6) == date(2025, 8, 31)
    assert months_beginning_with(date(2025, 3, 1), 6, "day_before_corresponding_date") == (date(2025, 8, 31), True)
    with pytest.raises(ValueError, match="reading"):
        months_beginning_with(date(2025, 8, 31), 6, "guess")
    with pytest.raises(ValueError, match="negative"):
        months_beginning_with(date(2025, 8, 31), -1)


@pytest.mark.parametrize(
    ("day", "months", "last"),
    [
        (date(2026, 3, 23), 6, date(2026, 9, 23)),   # excludes the ballot day: to the corresponding date
        (date(2026, 8, 31), 6, date(2027, 2, 28)),   # no 31 February: the last day of the month
        (date(2027, 8, 31), 6, date(2028, 2, 29)),
        (date(2026, 3, 31), 6, date(2026, 9, 30)),
    ],
)
def test_within_months_from_excludes_the_day(day: date, months: int, last: date) -> None:
    assert months_from(day, months) == last


def test_mandate_worked_examples() -> None:
    last, review, citation = mandate_last_day(date(2025, 3, 31), opened=date(2025, 3, 3))
    assert (last, review) == (date(2025, 9, 30), False)
    assert "s.234(1)(a)" in citation.section
    last, review, citation = mandate_last_day(date(2026, 3, 10), opened=date(2026, 2, 20))
    assert (last, review) == (date(2027, 3, 9), False)
    assert "s.234(1)" in citation.section and "2025/36/section/72" in citation.url


def test_mandate_agreed_months_and_court_exclusions() -> None:
    assert mandate_last_day(date(2025, 3, 31), date(2025, 3, 3), agreed_months=9)[0] == date(2025, 12, 30)
    # An agreed 9 months follows the same month rule: beginning with 31 May 2025 it ends on 28 February 2026.
    assert mandate_last_day(date(2025, 5, 31), date(2025, 5, 1), agreed_months=9)[:2] == (date(2026, 2, 28), True)
    last, _, citation = mandate_last_day(date(2025, 3, 31), date(2025, 3, 3), court_excluded_days=14)
    assert last == date(2025, 10, 14)
    assert "court order" in (citation.note or "")
    with pytest.raises(ValueError, match="between 6 and 9"):
        mandate_last_day(date(2025, 3, 31), date(2025, 3, 3), agreed_months=10)
    with pytest.raises(ValueError, match="negative"):
        mandate_last_day(date(2025, 3, 31), date(2025, 3, 3), court_excluded_days=-1)
    # ERA1: no extension by agreement, the agreement is ignored.
    assert mandate_last_day(date(2026, 3, 10), date(2026, 2, 20), agreed_months=9)[0] == date(2027, 3, 9)


def test_mandate_runs_from_the_closing_day_not_the_opening_day() -> None:
    assert mandate_last_day(date(2025, 4, 30), date(2025, 3, 3))[0] == date(2025, 10, 29)


def test_human_dates() -> None:
    assert human_date(date(2025, 9, 30)) == "30 September 2025"
    assert human_date(date(2026, 11, 3)) == "3 November 2026"
