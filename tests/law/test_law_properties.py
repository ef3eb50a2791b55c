"""Hypothesis properties of the rulebook (spec §3, §4, §18, §19)."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from mandate.law import (
    BallotFacts,
    QuestionResult,
    UnitResult,
    assess,
    mandate_last_day,
    months_beginning_with,
    result_information_items,
    timeline,
    voting_paper_requirements,
)
from mandate.law.dates import months_from

openings = st.dates(min_value=date(2017, 3, 1), max_value=date(2031, 12, 31))


@st.composite
def figures(draw: st.DrawFn, max_entitled: int = 3000) -> tuple[int, int, int, int]:
    entitled = draw(st.integers(1, max_entitled))
    votes = draw(st.integers(0, entitled))
    yes = draw(st.integers(0, votes))
    no = draw(st.integers(0, votes - yes))
    return entitled, yes, no, votes - yes - no


def make(opened: date, entitled: int, yes: int, no: int, spoilt: int, ips: bool = False, belief: bool = False,
         closed_after: int = 21) -> BallotFacts:
    return BallotFacts(opened=opened, closed=opened + timedelta(days=closed_after), important_public_services=ips,
                       union_believes_not_ips=belief,
                       units=[UnitResult("U", entitled, yes + no + spoilt, {"strike": QuestionResult(yes, no, spoilt)})])


def outcome(f: BallotFacts) -> bool:
    return assess(f).units[0].questions["strike"].supported


def _last_day_of(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def _corresponding(day: date, months: int) -> tuple[date, bool]:
    """Oracle: the corresponding date ``months`` later, or that month's last day where there is none."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    last = _last_day_of(year, month)
    return (date(year, month, day.day), False) if day.day <= last else (date(year, month, last), True)


def expected_mandate(date_of_ballot: date, months: int) -> tuple[date, bool]:
    """Oracle, written from spec §1 (corrected December 2026) and §16 without the engine or dateutil.

    s.234(1): "the period of N months beginning with the date of the ballot" (the closing day, s.246). Spec §1:
    that is the period of N months after the day before D, so it ends on the corresponding date, N months
    later, of the day before D; where that month has no such date, on its last day. Review (docs/law.md):
    where that fallback was needed (unless D is the 1st, where the other reading falls back alike), or where
    the other reading, the day before the corresponding date of D (the month's last day where there is none),
    gives another day.
    """
    day_before = date.fromordinal(date_of_ballot.toordinal() - 1)
    last, fallback = _corresponding(day_before, months)
    corr, missing = _corresponding(date_of_ballot, months)
    other = corr if missing else date.fromordinal(corr.toordinal() - 1)
    return last, (fallback and date_of_ballot.day != 1) or other != last


def expected_within_months_from(day: date, months: int) -> date:
    """Oracle, spec §1: 'within N months from D' (s.231B(2)) excludes D and ends on the corresponding date."""
    return _corresponding(day, months)[0]


def test_the_mandate_oracle_reproduces_the_spec_examples() -> None:
    assert expected_mandate(date(2026, 3, 10), 12) == (date(2027, 3, 9), False)  # spec §1
    assert expected_mandate(date(2025, 3, 31), 6) == (date(2025, 9, 30), False)  # spec §1, §21: PCS-ONS
    assert expected_mandate(date(2025, 8, 31), 6) == (date(2026, 2, 28), True)  # spec §1
    assert expected_mandate(date(2023, 8, 31), 6) == (date(2024, 2, 29), True)  # spec §1
    for d in (date(2025, 8, 29), date(2025, 8, 30), date(2025, 8, 31), date(2025, 9, 1)):  # spec §1
        assert expected_mandate(d, 6)[0] == date(2026, 2, 28)


def every_day(first: date, last: date) -> list[date]:
    return [date.fromordinal(n) for n in range(first.toordinal(), last.toordinal() + 1)]


DAYS = every_day(date(2023, 1, 1), date(2029, 12, 31))  # every start day of seven years, three leap Februaries


@pytest.mark.parametrize("months", [1, 6, 7, 8, 9, 12, 18, 24])
def test_months_beginning_with_matches_the_oracle_on_every_day(months: int) -> None:
    for d in DAYS:
        assert months_beginning_with(d, months) == expected_mandate(d, months), (d, months)


@pytest.mark.parametrize("months", [6, 7, 8, 9, 12])
def test_the_last_day_never_moves_earlier_when_the_start_moves_later(months: int) -> None:
    ends = [months_beginning_with(d, months)[0] for d in DAYS]
    for (d, a), b in zip(zip(DAYS, ends, strict=True), ends[1:], strict=False):
        assert a <= b, f"{months} months beginning with {d} ends on {a}, after the next day's {b}"
        assert a > d  # and never before the start


@pytest.mark.parametrize("months", [6, 12])
def test_within_months_from_matches_the_oracle_on_every_day(months: int) -> None:
    for d in DAYS:
        assert months_from(d, months) == expected_within_months_from(d, months), d
        # 'from' excludes the day: never earlier than 'beginning with' the same day
        assert months_from(d, months) >= months_beginning_with(d, months)[0]


@settings(max_examples=200, deadline=None)
@given(st.dates(min_value=date(2017, 3, 1), max_value=date(2031, 12, 31)), st.integers(0, 40),
       st.integers(6, 9), st.integers(0, 30))
def test_mandate_matches_the_oracle_with_agreed_months_and_court_days(opened: date, length: int, agreed: int,
                                                                      court: int) -> None:
    closed = opened + timedelta(days=length)
    tua16 = opened < date(2026, 2, 18)
    last, review, _ = mandate_last_day(closed, opened, agreed_months=agreed, court_excluded_days=court)
    months = agreed if tua16 else 12  # spec §16: up to 9 by agreement before 18 February 2026, else 12
    base, flag = expected_mandate(closed, months)
    assert (last, review) == (base + timedelta(days=court), flag)


@settings(max_examples=100, deadline=None)
@given(st.dates(min_value=date(2017, 3, 1), max_value=date(2031, 12, 31)), st.integers(0, 40))
def test_timeline_report_copies_run_within_six_months_from_the_ballot(opened: date, length: int) -> None:
    closed = opened + timedelta(days=length)
    t = timeline(opened, closed)
    assert t.report_copies_until == expected_within_months_from(closed, 6)


@settings(max_examples=150, deadline=None)
@given(openings, figures(), st.integers(1, 500), st.booleans(), st.booleans())
def test_more_yes_votes_never_turn_a_pass_into_a_fail(opened: date, fig: tuple[int, int, int, int], extra: int,
                                                      ips: bool, convert: bool) -> None:
    entitled, yes, no, spoilt = fig
    before = outcome(make(opened, entitled, yes, no, spoilt, ips))
    if convert:  # No voters change their minds
        k = min(extra, no)
        after = outcome(make(opened, entitled, yes + k, no - k, spoilt, ips))
    else:  # abstainers vote Yes
        k = min(extra, entitled - (yes + no + spoilt))
        after = outcome(make(opened, entitled, yes + k, no, spoilt, ips))
    assert not (before and not after)


@settings(max_examples=150, deadline=None)
@given(figures(), st.booleans(), st.booleans(), st.integers(0, 60))
@example((100, 60, 10, 0), False, False, 42)  # closes 31 March 2026: 6 months end on 30 September 2026
def test_17_and_18_february_2026_differ_exactly_as_section_18_says(fig: tuple[int, int, int, int], ips: bool,
                                                                    belief: bool, length: int) -> None:
    entitled, yes, no, spoilt = fig
    old = assess(make(date(2026, 2, 17), entitled, yes, no, spoilt, ips, belief, length))
    new = assess(make(date(2026, 2, 18), entitled, yes, no, spoilt, ips, belief, length))
    assert (old.regime, new.regime) == ("TUA16", "ERA1")
    uo, un = old.units[0], new.units[0]
    qo, qn = uo.questions["strike"], un.questions["strike"]
    # Unchanged: the 50% turnout threshold (with spoilt papers) and the majority.
    assert uo.turnout_threshold_met == un.turnout_threshold_met == (2 * (yes + no + spoilt) >= entitled)
    assert qo.majority == qn.majority == (yes > no)
    # Removed: the 40% rule for important public services.
    assert qn.ips_40_percent_met is None
    assert qo.ips_40_percent_met == ((5 * yes >= 2 * entitled) if ips and not belief else None)
    assert qn.supported == (uo.turnout_threshold_met and qo.majority)
    assert qo.supported == (qn.supported and qo.ips_40_percent_met is not False)
    # Mandate: 6 months against 12 months from the same date of the ballot.
    closed = date(2026, 2, 17) + timedelta(days=length)
    closed_new = date(2026, 2, 18) + timedelta(days=length)
    assert old.mandate.months == 6 and new.mandate.months == 12
    assert (old.mandate.last_day, old.mandate.review) == expected_mandate(closed, 6)
    assert (new.mandate.last_day, new.mandate.review) == expected_mandate(closed_new, 12)
    assert new.mandate.last_day > old.mandate.last_day
    # Statement of the result loses (g); voting paper loses s.229(2B)-(2D) and the 12-week words.
    assert [i.id for i in uo.result_information] == list("abcdefg")
    assert [i.id for i in un.result_information] == list("abcdef")
    assert "twelve weeks" in (voting_paper_requirements(date(2026, 2, 17)).statement or "")
    assert "twelve weeks" not in (voting_paper_requirements(date(2026, 2, 18)).statement or "")
    assert result_information_items(date(2026, 2, 17)).regime == "TUA16"


@settings(max_examples=200, deadline=None)
@given(openings, st.integers(0, 60))
@example(date(2025, 3, 3), 28)  # closes 31 March 2025: the PCS-ONS mandate, to 30 September 2025
@example(date(2025, 8, 10), 21)  # closes 31 August 2025: no 30 February, 28 February 2026, flagged
@example(date(2025, 8, 9), 21)  # closes 30 August 2025: likewise 28 February 2026
@example(date(2025, 8, 8), 21)  # closes 29 August 2025: 28 February 2026, not flagged
@example(date(2025, 8, 11), 21)  # closes 1 September 2025: 28 February 2026 too
@example(date(2025, 2, 8), 21)  # closes 1 March 2025: 28 August 2025 (31 August by the other reading)
@example(date(2028, 2, 8), 21)  # closes 29 February 2028: 12 months, to 28 February 2029
@example(date(2026, 2, 17), 0)  # last TUA16 opening day: 6 months
@example(date(2026, 2, 18), 0)  # first ERA1 opening day: 12 months
def test_mandate_last_day_matches_the_spec_oracle(opened: date, closed_after: int) -> None:
    a = assess(make(opened, 100, 60, 10, 0, closed_after=closed_after))
    months = 6 if opened < date(2026, 2, 18) else 12  # spec §16: keyed on the opening day
    date_of_ballot = opened + timedelta(days=closed_after)  # the closing day (s.246)
    assert a.mandate.months == months
    assert (a.mandate.last_day, a.mandate.review) == expected_mandate(date_of_ballot, months)


@settings(max_examples=100, deadline=None)
@given(openings.filter(lambda d: d < date(2026, 2, 18)) | openings, st.integers(1, 2000))
def test_exactly_50_percent_turnout_passes(opened: date, half: int) -> None:
    entitled = 2 * half
    a = assess(make(opened, entitled, half, 0, 0))
    assert a.units[0].turnout_threshold_met is True and a.units[0].questions["strike"].supported is True
    b = assess(make(opened, entitled + 1, half, 0, 0))
    assert b.units[0].turnout_threshold_met is False


@settings(max_examples=100, deadline=None)
@given(st.dates(min_value=date(2017, 3, 1), max_value=date(2026, 2, 17)), st.integers(1, 1000))
def test_exactly_40_percent_support_passes_for_important_public_services(opened: date, fifth: int) -> None:
    entitled = 5 * fifth
    yes = 2 * fifth  # exactly 40%
    no = fifth // 2   # keep turnout >= 50% and a majority
    spoilt = max(0, (entitled + 1) // 2 - yes - no)
    q = assess(make(opened, entitled, yes, no, spoilt, ips=True)).units[0].questions["strike"]
    assert q.ips_40_percent_met is True
    q = assess(make(opened, entitled, yes - 1, no, spoilt + 1, ips=True)).units[0].questions["strike"]
    assert q.ips_40_percent_met is False and q.supported is False


@settings(max_examples=150, deadline=None)
@given(openings, figures(), st.integers(0, 300), st.integers(0, 300))
def test_turnout_is_monotone(opened: date, fig: tuple[int, int, int, int], more_votes: int, more_entitled: int
                             ) -> None:
    entitled, yes, no, spoilt = fig
    base = assess(make(opened, entitled, yes, no, spoilt)).units[0]
    extra = min(more_votes, entitled - (yes + no + spoilt))
    more = assess(make(opened, entitled, yes, no, spoilt + extra)).units[0]
    bigger = assess(make(opened, entitled + more_entitled, yes, no, spoilt)).units[0]
    assert more.turnout >= base.turnout >= bigger.turnout
    if base.turnout_threshold_met:
        assert more.turnout_threshold_met
    if not base.turnout_threshold_met:
        assert not bigger.turnout_threshold_met


@settings(max_examples=100, deadline=None)
@given(openings, figures())
def test_assessment_matches_the_reference_algorithm(opened: date, fig: tuple[int, int, int, int]) -> None:
    entitled, yes, no, spoilt = fig
    u = assess(make(opened, entitled, yes, no, spoilt)).units[0]
    assert u.turnout_threshold_met == (2 * (yes + no + spoilt) >= entitled)
    assert u.questions["strike"].strict_majority == (2 * yes > yes + no + spoilt)
    assert u.turnout == round((yes + no + spoilt) / entitled, 4)


@settings(max_examples=200, deadline=None)
@given(st.dates(min_value=date(2017, 3, 1), max_value=date(2030, 12, 31)), st.integers(0, 40))
def test_mandate_is_between_months_and_never_before_the_ballot(closed: date, court: int) -> None:
    opened = closed - timedelta(days=14) if closed - timedelta(days=14) >= date(2017, 3, 1) else closed
    last, review, _ = mandate_last_day(closed, opened, court_excluded_days=court)
    months = 6 if opened < date(2026, 2, 18) else 12
    base, _, _ = mandate_last_day(closed, opened)
    assert last == base + timedelta(days=court)
    # The period covers at least (months*28 + a few) days and never more than months*31 days.
    span = (base - closed).days + 1
    assert months * 28 <= span <= months * 31 + 1
    if not review:
        # Unflagged: the day before the corresponding date (or the month's end for a period beginning on a 1st).
        if closed.day == 1:
            assert (base + timedelta(days=1)).day == 1
        else:
            assert base.day == closed.day - 1


@settings(max_examples=500, deadline=None)
@given(st.dates(min_value=date(2017, 3, 1), max_value=date(2199, 12, 31)), st.integers(0, 36),
       st.integers(1, 400))
def test_month_rule_against_the_oracle_and_monotone_far_ahead(start: date, months: int, later_by: int) -> None:
    later = start + timedelta(days=later_by)
    assert months_beginning_with(start, months) == expected_mandate(start, months)
    assert months_beginning_with(later, months)[0] >= months_beginning_with(start, months)[0]
    assert months_from(start, months) == expected_within_months_from(start, months)
    assert months_from(later, months) >= months_from(start, months)
