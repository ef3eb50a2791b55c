"""Turnout projection: never below what has come back, calibrated by backtest, final after the close."""

from __future__ import annotations

import functools
from datetime import date, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mandate.union.projection import (
    Trial,
    backtest,
    backtest_cases,
    calibration,
    project,
    project_counts,
    simulate_returns,
)

OPEN, CLOSE = date(2026, 11, 2), date(2026, 11, 22)


def curve(entitled: int, final: float, days: int, seed: int = 1) -> dict[date, int]:
    """Daily returns following an S-curve towards `final` of `entitled`, observed for `days` days."""
    t = np.arange(1, 22)
    cumulative = np.round(entitled * final / (1 + np.exp(-(t - 9) / 2.5))).astype(int)
    daily = np.diff(np.concatenate([[0], cumulative]))
    return {OPEN + timedelta(days=i): int(daily[i]) for i in range(days)}


def test_projection_tracks_a_healthy_ballot() -> None:
    # Eight days in, 28% of papers are back and the pace is rising: below 50% so far, heading for about 70%.
    # Likely, not certain: a rising pace can still turn this early (the backtest's late surges and plateaus).
    p = project(OPEN, CLOSE, 1000, curve(1000, 0.7, 8), as_of=OPEN + timedelta(days=7), threshold=0.5)
    assert p.status == "projected"
    assert p.low <= 0.7 <= p.high and p.low <= p.final_estimate <= p.high
    assert 0.55 < p.final_estimate < 0.85 and 0.6 < p.probability_meets_threshold < 0.97


def test_projection_warns_on_a_weak_ballot() -> None:
    p = project(OPEN, CLOSE, 1000, curve(1000, 0.3, 12), as_of=OPEN + timedelta(days=11), threshold=0.5)
    assert p.status == "projected" and p.probability_meets_threshold < 0.2 and p.final_estimate < 0.5


def test_after_the_close_the_turnout_is_final() -> None:
    daily = curve(200, 0.49, 21)
    p = project(OPEN, CLOSE, 200, daily, as_of=CLOSE + timedelta(days=1), threshold=0.5)
    assert p.status == "final" and p.final_estimate == sum(daily.values()) / 200


@settings(max_examples=25, deadline=None)
@given(entitled=st.integers(60, 3000), final=st.floats(0.05, 0.95), days=st.integers(1, 21))
def test_never_below_what_has_come_back(entitled: int, final: float, days: int) -> None:
    daily = curve(entitled, final, days)
    current = sum(daily.values()) / entitled
    p = project(OPEN, CLOSE, entitled, daily, as_of=OPEN + timedelta(days=days - 1), threshold=0.5)
    assert p.current == current
    if p.final_estimate is not None:
        assert p.final_estimate >= current - 1e-9
    if p.low is not None:
        assert current - 1e-9 <= p.low <= p.high <= 1.0
    if p.probability_meets_threshold is not None:
        assert 0.0 <= p.probability_meets_threshold <= 1.0


# --- Calibration by backtest: simulated ballots whose final turnout is known ---------------------------------

# Held-out bank: a seed the constants were not tuned on. Tolerance: the 80% range holds the final turnout
# between 72% and 95% of the time (wider than 80% is allowed: small units and early weeks are shown with less
# certainty on purpose, never more).
COVERAGE_TOLERANCE = (0.72, 0.95)


@functools.cache
def _bank() -> tuple[Trial, ...]:
    return tuple(backtest(backtest_cases(seed=424242, per_cell=1)))


def test_the_80_percent_range_holds_the_final_turnout_about_80_percent_of_the_time() -> None:
    trials = _bank()
    low, high = COVERAGE_TOLERANCE
    overall = calibration(trials)["coverage"]
    assert low <= overall <= high, overall
    for week in (1, 2):
        c = calibration([t for t in trials if t.week == week])["coverage"]
        assert low - 0.05 <= c <= high + 0.03, (week, c)
    # Large units have no small-number slack: the range must still hold the truth often enough there.
    big = calibration([t for t in trials if t.entitled >= 1000])["coverage"]
    assert big >= low - 0.07, big


def test_the_stated_chance_beats_the_naive_baselines() -> None:
    c = calibration(_bank())
    assert c["stated"] >= 100
    assert c["brier"] < c["brier_linear"] and c["brier"] < c["brier_base_rate"], c


def test_a_confident_chance_is_rarely_wrong() -> None:
    # The bug: "0.0% chance of reaching 50%" for a unit that finished at 61.5%. Stated chances of 5% or less
    # (or 95% or more) must come true the other way round only rarely.
    trials = [t for t in _bank() if t.projection.probability_meets_threshold is not None
              and t.projection.status == "projected"]
    sure_no = [t for t in trials if t.projection.probability_meets_threshold <= 0.05]
    sure_yes = [t for t in trials if t.projection.probability_meets_threshold >= 0.95]
    assert sure_no and sure_yes
    assert sum(t.final >= 0.5 for t in sure_no) <= max(1, 0.1 * len(sure_no))
    assert sum(t.final < 0.5 for t in sure_yes) <= max(1, 0.1 * len(sure_yes))


def test_the_demo_curve_that_ended_at_61_5_percent_is_not_written_off() -> None:
    # The demo's returns generator (a triangular return day peaking 45% of the way): a 200-member unit ending at
    # 61.5%, projected after each week. The old logistic projection gave 0.0% here.
    rng = np.random.default_rng(5)
    for _ in range(200):
        counts = simulate_returns("demo", 200, 0.615, 21, rng)
        if counts.sum() == 123:
            break
    assert counts.sum() == 123
    for week in (1, 2):
        p = project_counts(200, list(counts[: week * 7]), 21, 0.5)
        assert p.low is not None and p.high is not None and p.low <= 0.615 + 1e-9
        assert p.probability_meets_threshold is None or p.probability_meets_threshold > 0.05, (week, p)


# --- Less certainty where it cannot be calibrated ---------------------------------------------------------------

def test_too_early_gives_no_range_and_no_chance_but_a_reason() -> None:
    p = project(OPEN, CLOSE, 500, {OPEN: 2, OPEN + timedelta(days=1): 0}, as_of=OPEN + timedelta(days=1),
                threshold=0.5)
    assert p.status == "too-early" and p.probability_meets_threshold is None
    assert p.current == 2 / 500 and p.low is None and p.high is None and p.final_estimate is None
    assert p.reason and "too early" in p.reason


def test_first_days_give_a_range_but_no_chance() -> None:
    daily = curve(1000, 0.6, 5)
    p = project(OPEN, CLOSE, 1000, daily, as_of=OPEN + timedelta(days=4), threshold=0.5)
    assert p.status == "projected" and p.low is not None and p.high is not None
    assert p.probability_meets_threshold is None and p.reason and "chance not stated" in p.reason
    week_two = project(OPEN, CLOSE, 1000, curve(1000, 0.6, 14), as_of=OPEN + timedelta(days=13), threshold=0.5)
    # More days back, more certainty: the range narrows.
    assert week_two.high - week_two.low < p.high - p.low


def test_a_tiny_unit_is_never_given_a_confident_chance() -> None:
    # Seven members, eight days in with three papers back: one more reaches 50%, or none; the range is wide.
    p = project(OPEN, CLOSE, 7, {OPEN: 1, OPEN + timedelta(days=2): 1, OPEN + timedelta(days=5): 1},
                as_of=OPEN + timedelta(days=7), threshold=0.5)
    assert p.status == "projected" and p.probability_meets_threshold is None and p.reason
    assert p.low is not None and p.high is not None and p.high - p.low >= 2 / 7
    few = project(OPEN, CLOSE, 5, {OPEN: 1, OPEN + timedelta(days=2): 1}, as_of=OPEN + timedelta(days=7),
                  threshold=0.5)
    assert few.status == "too-early" and few.probability_meets_threshold is None and few.reason


def test_the_threshold_already_reached_is_certain() -> None:
    daily = curve(100, 0.9, 14)
    p = project(OPEN, CLOSE, 100, daily, as_of=OPEN + timedelta(days=13), threshold=0.5)
    assert p.status == "met" and p.probability_meets_threshold == 1.0 and p.low >= 0.5


def test_papers_dated_after_the_day_asked_about_are_not_counted() -> None:
    daily = curve(400, 0.6, 21)
    as_of = OPEN + timedelta(days=9)
    p = project(OPEN, CLOSE, 400, daily, as_of=as_of, threshold=0.5)
    assert p.current == sum(n for d, n in daily.items() if d <= as_of) / 400


def test_nobody_entitled_is_too_early_not_a_crash() -> None:
    p = project(OPEN, CLOSE, 0, {}, as_of=OPEN + timedelta(days=9), threshold=0.5)
    assert p.status == "too-early" and p.probability_meets_threshold is None and p.reason


def test_the_same_returns_give_the_same_projection() -> None:
    daily = curve(700, 0.55, 10)
    one = project(OPEN, CLOSE, 700, daily, as_of=OPEN + timedelta(days=9), threshold=0.5)
    again = project(OPEN, CLOSE, 700, dict(reversed(list(daily.items()))), as_of=OPEN + timedelta(days=9),
                    threshold=0.5)
    assert one == again


@settings(max_examples=60, deadline=None)
@given(entitled=st.integers(1, 3000), counts=st.lists(st.integers(0, 400), max_size=28), extra_days=st.integers(0, 14),
       threshold=st.sampled_from([None, 0.4, 0.5]), sundays=st.booleans())
def test_any_returns_give_a_sane_projection(entitled: int, counts: list[int], extra_days: int,
                                            threshold: float | None, sundays: bool) -> None:
    # Spikes, long runs of zeros, everyone back on day one, more papers than members (a data error upstream):
    # never an exception, never a range below what is back or a chance outside [0, 1].
    total_days = max(len(counts) + extra_days, 1)
    no_post = [d % 7 == 6 for d in range(total_days)] if sundays else None
    p = project_counts(entitled, counts, total_days, threshold, no_post=no_post)
    current = sum(counts) / entitled
    assert p.current == current
    if p.low is not None:  # a range always comes with its estimate (the CLI prints both)
        assert p.high is not None and p.final_estimate is not None and current - 1e-9 <= p.low <= p.high
        if sum(counts) <= entitled:
            assert p.high <= 1.0 + 1e-9
    if p.probability_meets_threshold is not None:
        assert 0.0 <= p.probability_meets_threshold <= 1.0
    if p.status in ("too-early",) or (threshold is not None and p.probability_meets_threshold is None):
        assert p.reason


def test_the_stated_chance_is_calibrated_in_the_large() -> None:
    # Across the held-out bank, the stated chances (of units below 50% so far) add up to about as many units
    # reaching 50% as did: within 10 points. The Platt constants were fitted on other seeds.
    stated = [t for t in _bank() if t.projection.status == "projected"
              and t.projection.probability_meets_threshold is not None]
    mean_stated = float(np.mean([t.projection.probability_meets_threshold for t in stated]))
    reached = float(np.mean([t.final >= 0.5 for t in stated]))
    assert abs(mean_stated - reached) <= 0.10, (mean_stated, reached)


@pytest.mark.django_db
def test_the_turnout_page_says_why_a_projection_is_withheld(union_org, client, make_user) -> None:
    """An open ballot with no papers back: the page shows no range or chance, and says why in words."""
    from django.urls import reverse
    from tests.union.helpers import lifecycle_ballot

    b = lifecycle_ballot(union_org, stage="open", opening=date.today() - timedelta(days=4),
                         closing=date.today() + timedelta(days=10))
    client.force_login(make_user("union_official", "pcs"))
    page = client.get(reverse("union:turnout", kwargs={"pk": b.pk})).content.decode()
    assert "Too early to project" in page and "too early:" in page and "papers back" in page
