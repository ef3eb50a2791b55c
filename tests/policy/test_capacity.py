"""Desk demand at a service level (mandate.policy.capacity): worked examples, estimates from history, errors,
and Hypothesis properties of the quantile checked against SciPy's binomial and Poisson-binomial quantiles."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import binom, poisson_binom

from mandate.policy.capacity import (
    HistoryDay,
    PersonDemand,
    desk_demand,
    desks_needed,
    estimate_probabilities,
    probability_exceeding,
)
from mandate.policy.errors import InputError
from mandate.policy.workspace import SiteDesks

prob = st.floats(0.0, 1.0, allow_nan=False)
level = st.floats(0.01, 0.99, allow_nan=False)


def person(staff_id: str, site: str, *p: float) -> PersonDemand:
    return PersonDemand(staff_id, site, (p[0], p[1], p[2], p[3], p[4]))


# --- worked examples ---------------------------------------------------------------------------------------------

def test_two_people_at_a_half() -> None:
    # attendance 0, 1, 2 with probabilities 1/4, 1/2, 1/4: P(<= 1) = 3/4 exactly
    assert desks_needed([0.5, 0.5], 0.5) == 1
    assert desks_needed([0.5, 0.5], 0.75) == 1  # the level on a step of the distribution reaches it
    assert desks_needed([0.5, 0.5], 0.76) == 2
    assert probability_exceeding([0.5, 0.5], 1) == pytest.approx(0.25)
    assert probability_exceeding([0.5, 0.5], 2) == 0.0
    assert probability_exceeding([0.5, 0.5], 0) == pytest.approx(0.75)


def test_certain_and_absent_people() -> None:
    assert desks_needed([1.0, 1.0, 1.0, 0.0, 0.0]) == 3
    assert desks_needed([]) == 0
    assert probability_exceeding([1.0, 1.0, 1.0], 2) == 1.0


def test_a_site_of_two_hundred() -> None:
    # above SciPy's 62-probability limit for poisson_binom.ppf: the engine still answers, and like binom
    assert desks_needed([0.4] * 200, 0.95) == binom.ppf(0.95, 200, 0.4)
    assert desks_needed([0.4] * 200, 0.95) == 91  # exactly: P(<= 90) = 0.9345..., P(<= 91) = 0.9508...


def test_desk_demand_per_site_and_weekday() -> None:
    people = [person("A", "NPT", 1.0, 0.5, 0.0, 0.2, 0.0), person("B", "NPT", 1.0, 0.5, 0.0, 0.2, 0.0),
              person("C", "DAR", 0.9, 0.9, 0.9, 0.9, 0.9)]
    result = desk_demand(people, [SiteDesks("NPT", (1, 2, 2, 2, 0)), SiteDesks.every_day("DAR", 1),
                                  SiteDesks.every_day("EDI", 4)], 0.95)
    days = {(d.site_code, d.weekday): d for d in result.days}
    assert len(result.days) == 15
    mon = days["NPT", 0]
    assert (mon.people, mon.expected, mon.desks_needed, mon.desks) == (2, 2.0, 2, 1)
    assert (mon.spare, mon.shortfall, mon.probability_exceeding) == (-1, 1, 1.0)
    tue = days["NPT", 1]  # P(<= 1) = 0.75, so 2 desks; never more than 2 people
    assert (tue.desks_needed, tue.spare, tue.shortfall, tue.probability_exceeding) == (2, 0, 0, 0.0)
    thu = days["NPT", 3]  # P(<= 1) = 1 - 0.04 = 0.96 >= 0.95
    assert thu.desks_needed == 1 and thu.expected == pytest.approx(0.4)
    assert days["NPT", 2].people == 0 and days["NPT", 2].desks_needed == 0
    assert days["NPT", 4].desks_needed == 0 and days["NPT", 4].probability_exceeding == 0.0
    assert days["DAR", 0].desks_needed == 1 and days["DAR", 0].probability_exceeding == 0.0
    assert days["EDI", 2].people == 0 and days["EDI", 2].spare == 4
    doc = result.to_json_dict()
    assert doc["service_level"] == 0.95
    assert doc["days"][0] == {"site_code": "NPT", "weekday": "Mon", "people": 2, "expected": 2.0,
                              "desks_needed": 2, "desks": 1, "spare": 0, "shortfall": 1,
                              "probability_exceeding": 1.0}


def test_a_higher_service_level_needs_more_desks() -> None:
    people = [person(f"P{i}", "NPT", 0.4, 0.6, 0.6, 0.6, 0.2) for i in range(300)]
    at_80 = desk_demand(people, [SiteDesks.every_day("NPT", 200)], 0.80).days
    at_99 = desk_demand(people, [SiteDesks.every_day("NPT", 200)], 0.99).days
    for a, b in zip(at_80, at_99, strict=True):
        assert a.desks_needed < b.desks_needed
        assert a.expected == pytest.approx(b.expected)


# --- estimating probabilities -------------------------------------------------------------------------------------

MONDAYS = [dt.date(2026, 11, 2) + dt.timedelta(weeks=k) for k in range(4)]


def test_estimate_is_the_beta_posterior_mean() -> None:
    history = [HistoryDay("A", d, k < 3) for k, d in enumerate(MONDAYS)]  # 3 Mondays in of 4
    history += [HistoryDay("A", MONDAYS[0] + dt.timedelta(days=1), False)]  # a Tuesday out
    history += [HistoryDay("A", MONDAYS[0] + dt.timedelta(days=5), True)]  # a Saturday: left out
    est = estimate_probabilities(history, ["A", "B"])
    assert est["A"] == pytest.approx((4 / 6, 1 / 3, 0.5, 0.5, 0.5))
    assert est["B"] == (0.5,) * 5  # no history: the prior's mean
    strong = estimate_probabilities(history, ["A"], prior=(2.0, 8.0))
    assert strong["A"][0] == pytest.approx(5 / 14) and strong["A"][2] == pytest.approx(0.2)


def test_estimate_gives_zero_on_days_not_worked() -> None:
    history = [HistoryDay("A", d + dt.timedelta(days=4), True) for d in MONDAYS]  # in every Friday
    est = estimate_probabilities(history, ["A"], working_days={"A": frozenset({0, 1, 2})})
    assert est["A"] == pytest.approx((0.5, 0.5, 0.5, 0.0, 0.0))


def test_estimate_refuses_strangers_and_repeated_days() -> None:
    with pytest.raises(InputError, match=r"history, row 1, field 'staff_id': 'Z' is not a person"):
        estimate_probabilities([HistoryDay("Z", MONDAYS[0], True)], ["A"])
    with pytest.raises(InputError, match=r"row 2, field 'date': the person already has a row for 2026-11-02"):
        estimate_probabilities([HistoryDay("A", MONDAYS[0], True), HistoryDay("A", MONDAYS[0], False)], ["A"])
    with pytest.raises(ValueError, match="prior"):
        estimate_probabilities([], ["A"], prior=(0.0, 1.0))


# --- errors ---------------------------------------------------------------------------------------------------

def test_bad_records_are_named() -> None:
    desks = [SiteDesks.every_day("NPT", 3)]
    with pytest.raises(InputError, match=r"people, row 2, field 'wed': 1.2 is not a probability"):
        desk_demand([person("A", "NPT", 0, 0, 0, 0, 0), person("B", "NPT", 0, 0, 1.2, 0, 0)], desks)
    with pytest.raises(InputError, match=r"people, row 1, field 'home_site': 'GLA' is not a site"):
        desk_demand([person("A", "GLA", 0, 0, 0, 0, 0)], desks)
    with pytest.raises(InputError, match=r"row 2, field 'staff_id'.*more than once"):
        desk_demand([person("A", "NPT", 0, 0, 0, 0, 0)] * 2, desks)
    with pytest.raises(InputError, match=r"desks, row 1, field 'tue'"):
        desk_demand([], [SiteDesks("NPT", (1, -1, 1, 1, 1))])
    for bad in (0.0, 1.0, 1.5, math.nan):
        with pytest.raises(ValueError, match="service level"):
            desks_needed([0.5], bad)


# --- properties -----------------------------------------------------------------------------------------------

@settings(max_examples=150, deadline=None)
@given(st.lists(prob, max_size=90), level, level)
def test_monotone_in_the_service_level(p: list[float], q1: float, q2: float) -> None:
    lo, hi = sorted((q1, q2))
    assert desks_needed(p, lo) <= desks_needed(p, hi)


@settings(max_examples=150, deadline=None)
@given(st.lists(prob, min_size=1, max_size=90), st.data(), level)
def test_monotone_in_each_probability(p: list[float], data: st.DataObject, q: float) -> None:
    i = data.draw(st.integers(0, len(p) - 1))
    raised = list(p)
    raised[i] = data.draw(st.floats(p[i], 1.0))
    assert desks_needed(p, q) <= desks_needed(raised, q)


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 300), prob, level)
def test_equal_probabilities_give_the_binomial_quantile(n: int, p: float, q: float) -> None:
    ours = desks_needed([p] * n, q)
    theirs = int(binom.ppf(q, n, p))
    if ours != theirs:
        # only where the level sits on a step of the distribution, within rounding
        assert abs(binom.cdf(min(ours, theirs), n, p) - q) < 1e-8, (ours, theirs)


@settings(max_examples=150, deadline=None)
@given(st.lists(prob, min_size=1, max_size=60), level)
def test_agrees_with_scipys_own_quantile_where_it_works(p: list[float], q: float) -> None:
    ours = desks_needed(p, q)
    theirs = int(poisson_binom.ppf(q, p))  # SciPy's ppf takes up to 62 probabilities
    if ours != theirs:
        assert abs(poisson_binom.cdf(min(ours, theirs), p) - q) < 1e-8, (ours, theirs)


@settings(max_examples=150, deadline=None)
@given(st.lists(prob, max_size=120), level)
def test_bounds_and_the_quantile_definition(p: list[float], q: float) -> None:
    k = desks_needed(p, q)
    certain = sum(1 for x in p if x == 1.0)
    possible = sum(1 for x in p if x > 0.0)
    assert 0 <= certain <= k <= possible <= len(p)
    # k desks are enough with probability q, k - 1 are not (up to the stated tolerance)
    assert probability_exceeding(p, k) <= 1 - q + 1e-9
    if k > 0:
        assert probability_exceeding(p, k - 1) > 1 - q - 1e-9


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(prob, prob, prob, prob, prob), max_size=40), level)
def test_expected_attendance_is_the_sum_of_probabilities(rows: list[tuple[float, ...]], q: float) -> None:
    people = [person(f"P{i}", "NPT", *r) for i, r in enumerate(rows)]
    result = desk_demand(people, [SiteDesks.every_day("NPT", 10)], q)
    sums = np.array(rows, dtype=float).reshape(-1, 5).sum(axis=0)
    for day in result.days:
        assert day.expected == pytest.approx(sums[day.weekday], abs=1e-9)
        assert day.desks_needed == desks_needed([r[day.weekday] for r in rows], q)
