"""Equality statistics against hand-worked figures, and properties of the intervals."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mandate.stats import compare_groups


def test_hand_worked_rates_intervals_and_ratio() -> None:
    # Carers: 10 of 20 carry the burden; reference (no caring): 5 of 20.
    results = {r.group: r for r in compare_groups({"carers": (10, 20), "no caring": (5, 20)}, "no caring")}
    ref, carers = results["no caring"], results["carers"]
    # Wilson for 5/20 by the textbook formula with z = 1.959964.
    z, p, n = 1.959964, 0.25, 20
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    assert ref.wilson == pytest.approx((centre - half, centre + half), abs=1e-6)
    # Rate ratio 2.0; log-method interval exp(ln 2 +/- z * sqrt(1/10 - 1/20 + 1/5 - 1/20)).
    se = math.sqrt(1 / 10 - 1 / 20 + 1 / 5 - 1 / 20)
    assert carers.rate_ratio == pytest.approx(2.0)
    assert carers.rate_ratio_interval == pytest.approx((2 * math.exp(-z * se), 2 * math.exp(z * se)), rel=1e-5)
    assert ref.rate_ratio is None and ref.fisher_p is None
    assert 0.1 < carers.fisher_p < 0.4  # not significant at this size
    # Four-fifths on being spared: 0.5 / 0.75 = 0.667 < 0.8 -> flagged for a closer look.
    assert carers.four_fifths_flag


def test_bad_counts_are_refused() -> None:
    with pytest.raises(ValueError, match="reference"):
        compare_groups({"a": (1, 2)}, "b")
    with pytest.raises(ValueError, match="'a'"):
        compare_groups({"a": (3, 2), "b": (1, 2)}, "b")


@given(st.integers(1, 400).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
       st.integers(1, 400).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_intervals_contain_the_rate_and_stay_in_bounds(group: tuple[int, int], ref: tuple[int, int]) -> None:
    for result in compare_groups({"g": group, "ref": ref}, "ref"):
        for low, high in (result.wilson, result.clopper_pearson):
            assert 0 <= low <= result.rate + 1e-12 and result.rate - 1e-12 <= high <= 1
        if result.rate_ratio is not None:
            low, high = result.rate_ratio_interval
            assert low <= result.rate_ratio <= high
