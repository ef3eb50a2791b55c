"""Turnout projection: never below what has come back, a sensible range, final after the close."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from mandate.union.projection import project

OPEN, CLOSE = date(2026, 11, 2), date(2026, 11, 22)


def curve(entitled: int, final: float, days: int, seed: int = 1) -> dict[date, int]:
    """Daily returns following an S-curve towards `final` of `entitled`, observed for `days` days."""
    t = np.arange(1, 22)
    cumulative = np.round(entitled * final / (1 + np.exp(-(t - 9) / 2.5))).astype(int)
    daily = np.diff(np.concatenate([[0], cumulative]))
    return {OPEN + timedelta(days=i): int(daily[i]) for i in range(days)}


def test_projection_tracks_a_healthy_ballot() -> None:
    # Seven days in, about a fifth of papers are back: below 50% so far, heading for about 70%.
    p = project(OPEN, CLOSE, 1000, curve(1000, 0.7, 8), as_of=OPEN + timedelta(days=7), threshold=0.5)
    assert p.status == "projected"
    assert p.low <= p.final_estimate <= p.high
    assert 0.55 < p.final_estimate < 0.85 and p.probability_meets_threshold > 0.8


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
