"""The calibrated desks forecast (mandate.policy.desk_forecast): on generated history with a known truth
(trend, an August dip, Christmas, bank holidays, weekday profile, binomial attendance), the rolling backtest's
95% figure is exceeded on about 5% of days, and the figures track the true 95% quantile."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import binom

from mandate.policy.calendar import bank_holidays
from mandate.policy.desk_forecast import SiteDayCount, backtest, forecast
from mandate.policy.errors import InputError

START = dt.date(2023, 1, 2)
WEEKS = 150
PROFILE = np.array([0.45, 0.75, 0.72, 0.62, 0.35])  # Monday to Friday


def truth(site_people: int, day: dt.date, t: int) -> float:
    p = PROFILE[day.weekday()] * (1 + 0.15 * t / (WEEKS * 7))  # a slow rise
    if day.month == 8:
        p *= 0.8
    if (day.month == 12 and day.day >= 20) or (day.month == 1 and day.day <= 3):
        p *= 0.5
    return min(p, 0.98)


def generated(seed: int, sizes: dict[str, int]) -> tuple[list[SiteDayCount], dict[str, set[dt.date]],
                                                        dict[tuple[str, dt.date], int]]:
    rng = np.random.default_rng(seed)
    holidays = set(bank_holidays("england-and-wales"))
    counts, true_q = [], {}
    for site, n in sizes.items():
        for t in range(WEEKS * 7):
            day = START + dt.timedelta(days=t)
            if day.weekday() >= 5 or day in holidays:
                continue
            # a day-level shock shared by everyone (weather, a team event): people are not independent
            p = min(0.99, truth(n, day, t) * float(np.exp(rng.normal(0, 0.04))))
            counts.append(SiteDayCount(site, day, int(rng.binomial(n, p))))
            true_q[site, day] = int(binom.ppf(0.95, n, truth(n, day, t)))
    return counts, {s: holidays for s in sizes}, true_q


SIZES = {"big": 1500, "mid": 300, "hub": 40}


@pytest.fixture(scope="module")
def history() -> tuple[list[SiteDayCount], dict[str, set[dt.date]], dict[tuple[str, dt.date], int]]:
    return generated(7, SIZES)


def test_the_95_level_holds_within_tolerance(history) -> None:
    counts, closed, _ = history
    result = backtest(counts, sites=list(SIZES), closed=closed, service_level=0.95)
    # Tolerance: the pooled rate within 3.5% to 7% (about 2,000 site days: the binomial 99% range around 5%
    # is 3.8% to 6.2%, widened for the non-exchangeable weeks after a dip); each site and weekday (about 140
    # days) inside a binomial 99.9% range around 5% (0 to 13%)
    assert 0.035 <= result.rate <= 0.07, result.rate
    for row in result.rows:
        assert row.days > 100
        assert row.rate <= 0.13, (row.site_code, row.weekday, row.rate)
    # the same engine at 80%: about 20%
    at_80 = backtest(counts, sites=list(SIZES), closed=closed, service_level=0.80)
    assert 0.15 <= at_80.rate <= 0.26, at_80.rate


def test_the_figures_track_the_true_quantile(history) -> None:
    counts, closed, true_q = history
    last = max(c.date for c in counts)
    upto = [c for c in counts if c.date <= last - dt.timedelta(days=28)]
    for f in forecast(upto, sites=list(SIZES), closed=closed):
        assert f.calibrated
        q = true_q.get((f.site_code, f.date))
        if q is None:
            continue  # a bank holiday
        # against the truth without the day shock: within 12% (the shock and a year's trend make it wider)
        assert abs(f.desks_needed - q) <= 0.12 * q + 3, (f, q)


def test_hubs_and_sites_with_nobody_some_days() -> None:
    day = dt.date(2026, 1, 5)
    counts = [SiteDayCount("hub", day + dt.timedelta(weeks=w, days=d), 20 + (w + d) % 5)
              for w in range(20) for d in range(5) if d != 4]  # nobody on Fridays
    week = forecast(counts, sites=["hub", "empty"])
    hub = {f.weekday: f for f in week if f.site_code == "hub"}
    assert all(18 <= hub[d].desks_needed <= 30 for d in range(4))
    assert hub[4].desks_needed == 0
    assert all(f.desks_needed == 0 for f in week if f.site_code == "empty")
    assert hub[0].date == day + dt.timedelta(weeks=20)  # the week after the last in the history


def test_refusals() -> None:
    day = dt.date(2026, 1, 5)
    with pytest.raises(InputError, match="already has a count"):
        forecast([SiteDayCount("a", day, 3), SiteDayCount("a", day, 4)])
    with pytest.raises(InputError, match="not a number of people"):
        forecast([SiteDayCount("a", day, -1)])
    with pytest.raises(ValueError, match="no history"):
        forecast([])
    with pytest.raises(ValueError, match="too short"):
        backtest([SiteDayCount("a", day, 3)])
    with pytest.raises(ValueError, match="service level"):
        forecast([SiteDayCount("a", day, 3)], service_level=1.0)


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(5, 400))
def test_a_higher_level_never_needs_fewer_desks(seed: int, people: int) -> None:
    rng = np.random.default_rng(seed)
    start = dt.date(2026, 1, 5)
    counts = [SiteDayCount("s", start + dt.timedelta(weeks=w, days=d), int(rng.binomial(people, 0.2 + 0.1 * d)))
              for w in range(12) for d in range(5)]
    low = forecast(counts, service_level=0.8)
    high = forecast(counts, service_level=0.95)
    for a, b in zip(low, high, strict=True):
        assert 0 <= a.desks_needed <= b.desks_needed <= people * 3
