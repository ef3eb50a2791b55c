"""The evidence pack's published tables cannot be inverted (issue 14).

An attacker who knows the method and sees a published table (counts rounded to 5, small ones suppressed,
rates, Wilson intervals, rate ratios, Fisher's p, the four-fifths flag, the totals) tries every exact table
near it and keeps those that publish exactly the same figures. If only the true one is left, the table has
given away an exact count. Before the fix, rates and intervals were computed from the exact counts next to
counts rounded to 5, so the true table was nearly always the only one left.
"""

from __future__ import annotations

import dataclasses

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from mandate.workplace.evidence import publish

WINDOW = 3  # each exact count is tried from 3 below to 3 above the true one


def _row_signature(counts: dict[str, tuple[int, int]], reference: str, group: str) -> tuple[object, ...]:
    """What is published about `group` (its row, and which rows are withheld)."""
    pub = publish(counts, reference)
    (row,) = [r for r in pub.rows if r.group == group]
    return (dataclasses.astuple(row), tuple(r.withheld for r in pub.rows))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, 45), st.integers(0, 45)), min_size=2, max_size=4))
def test_no_published_row_gives_away_an_exact_or_suppressed_count(cells: list[tuple[int, int]]) -> None:
    """Each group's published row (counts, rate, interval, ratio, p, flag) fits at least two exact tables.
    The totals are rounded independently (the 10-5 rule's own); they are checked below to be no more than
    the rounded counts they are."""
    assume(all(a + b > 0 for a, b in cells))
    groups = [f"G{i}" for i in range(len(cells))]
    counts = {g: (a, a + b) for g, (a, b) in zip(groups, cells, strict=True)}
    reference = groups[0]
    for g, (a, b) in zip(groups, cells, strict=True):
        published = _row_signature(counts, reference, g)
        # nearest tables first, the true one (distance 0) before all; the search stops once the true one and
        # another fit, which is all the two assertions below ask (the same verdicts as trying the whole window)
        window = sorted(((a2, b2) for a2 in range(max(0, a - WINDOW), a + WINDOW + 1)
                         for b2 in range(max(0, b - WINDOW), b + WINDOW + 1) if a2 + b2),
                        key=lambda t: (abs(t[0] - a) + abs(t[1] - b), t))
        consistent = []
        for a2, b2 in window:
            if _row_signature({**counts, g: (a2, a2 + b2)}, reference, g) == published:
                consistent.append((a2, b2))
                if (a, b) in consistent and len(consistent) >= 2:
                    break
        assert (a, b) in consistent
        assert len(consistent) >= 2, f"group {g}'s exact counts {(a, b)} are the only ones that fit"
    pub = publish(counts, reference)
    for total in (pub.people, pub.affected):
        assert total is None or total % 5 == 0
    if pub.rate is not None:
        assert pub.people and pub.affected is not None and pub.rate == pub.affected / pub.people


def test_a_zero_count_is_suppressed_like_a_small_one() -> None:
    """A group where nobody (or everybody) is affected would publish 0 beside a rounded total: withheld."""
    pub = publish({"A": (0, 40), "B": (20, 60), "C": (15, 45)}, "B")
    by = {r.group: r for r in pub.rows}
    assert by["A"].withheld and by["A"].affected is None and by["A"].rate is None
    pub = publish({"A": (40, 40), "B": (20, 60), "C": (15, 45)}, "B")
    assert {r.group: r for r in pub.rows}["A"].withheld


def test_rates_and_intervals_come_from_the_published_counts() -> None:
    pub = publish({"A": (12, 48), "B": (23, 61)}, "B")
    for r in pub.rows:
        assert not r.withheld and r.people is not None and r.affected is not None
        assert r.rate == r.affected / r.people  # 10 / 50 and 25 / 60, not 12 / 48 or 23 / 61
