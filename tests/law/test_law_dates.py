"""Day arithmetic of Part V (spec §1): calendar days, 'beginning with', month ends."""

from __future__ import annotations

from datetime import date

import pytest

from mandate.law import human_date, mandate_last_day, months_beginning_with
from mandate.law.dates import days_before, weeks_beginning_with


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
        (date(2025, 3, 1), 6, date(2025, 8, 31), False),    # 1st of the month: the end of the month before
        (date(2027, 3, 1), 12, date(2028, 2, 29), False),   # a 12-month mandate ending on 29 February
        (date(2025, 8, 29), 6, date(2026, 2, 28), False),   # 28 February exists: no doubt
        (date(2025, 8, 30), 6, date(2026, 2, 27), True),    # no 29 Feb 2026: last day minus one, flagged
        (date(2025, 8, 31), 6, date(2026, 2, 27), True),    # no 30 Feb: last day minus one, flagged
        (date(2027, 8, 31), 6, date(2028, 2, 28), True),    # leap year: 29 Feb minus one, flagged
        (date(2028, 2, 29), 12, date(2029, 2, 28), True),   # 29 February start: flagged
        (date(2028, 2, 29), 6, date(2028, 8, 28), True),
        (date(2026, 1, 31), 12, date(2027, 1, 30), False),
        (date(2025, 5, 31), 9, date(2026, 2, 27), True),    # agreed 9 months landing in February
    ],
)
def test_months_beginning_with(start: date, months: int, last: date, review: bool) -> None:
    assert months_beginning_with(start, months) == (last, review)


def test_alternative_month_end_fallback() -> None:
    assert months_beginning_with(date(2025, 8, 31), 6, "last_day_of_month") == (date(2026, 2, 28), True)
    with pytest.raises(ValueError, match="fallback"):
        months_beginning_with(date(2025, 8, 31), 6, "guess")


def test_mandate_worked_examples() -> None:
    last, review, citation = mandate_last_day(date(2025, 3, 31), opened=date(2025, 3, 3))
    assert (last, review) == (date(2025, 9, 30), False)
    assert "s.234(1)(a)" in citation.section
    last, review, citation = mandate_last_day(date(2026, 3, 10), opened=date(2026, 2, 20))
    assert (last, review) == (date(2027, 3, 9), False)
    assert "s.234(1)" in citation.section and "2025/36/section/72" in citation.url


def test_mandate_agreed_months_and_court_exclusions() -> None:
    assert mandate_last_day(date(2025, 3, 31), date(2025, 3, 3), agreed_months=9)[0] == date(2025, 12, 30)
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
