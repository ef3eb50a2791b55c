"""Projecting a unit's final turnout from the papers returned so far (never from votes).

Method, in plain words (shown on the turnout page too): each day, some of the papers still out come back. We
fit how that daily share (the return rate of the papers still out) has been changing, with a binomial model of
each day's returns (statsmodels), and carry it on to the closing day to estimate how many of the papers still
out will come back. Nobody knows whether returns will speed up or die away, so the estimate is given a spread:
the fit's own uncertainty (widened when the days vary more than chance allows) plus an allowance for a change
of pace, largest early in the ballot, sized by testing the method on hundreds of simulated ballots whose
outcome is known (early surges, steady flows, late surges, plateaus). The papers still to come are then drawn
from a beta-binomial distribution (SciPy), which also covers the chance in a small unit. We report the middle
80% of final turnouts and the chance of reaching the threshold, that chance corrected by the same tests (the
model alone was too hopeful). The range can never start below what has already come back. Early in the
ballot, or with few papers back, the range is wide and the chance is not stated, with the reason.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date, timedelta

import numpy as np

METHOD = __doc__.split("Method, in plain words (shown on the turnout page too): ", 1)[1].strip()

# The trend is fitted to the last this many days, each day's weight halving every HALF_LIFE days back: returns
# change pace, and the latest days say most about the next.
TREND_WINDOW = 6
HALF_LIFE = 3.0
# Calibrated by backtest (`bench/turnout_projection.py`): the spread allowed for the pace turning, as a multiple
# of the fitted trend (1.5: a trend may as well fade, reverse or double).
TURN = 1.5
# Platt scaling of the chance, fitted by backtest on calibration banks (seeds 7, 99, 123, 2024; see
# `bench/turnout_projection.py --calibrate`): chance = expit(A + B * logit(model's chance)). The model alone is
# optimistic (it said 61% where 43% came true); this brings the stated chance in line with what happened.
PLATT = (-0.312, 0.835)
# Below these, the chance of reaching the threshold is withheld (the backtest cannot vouch for it).
MIN_DAYS_FOR_CHANCE = 7
MIN_RETURNS_FOR_CHANCE = 10
# Below these, nothing is fitted: the range is everything still possible.
MIN_DAYS_TO_FIT = 3
MIN_RETURNS_TO_FIT = 3


@dataclass
class Projection:
    status: str  # "final", "met", "projected", "too-early"
    current: float
    final_estimate: float | None = None
    low: float | None = None
    high: float | None = None
    probability_meets_threshold: float | None = None
    threshold: float | None = None
    days_elapsed: int = 0
    days_total: int = 0
    reason: str | None = None  # why the chance (or the whole projection) is withheld, in plain words

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def project(opening: date, closing: date, entitled: int, daily: dict[date, int], *, as_of: date,
            threshold: float | None, samples: int = 4000, seed: int = 20261123) -> Projection:
    """The projection the turnout page shows: `daily` maps a received date to the papers counted that day.

    Papers dated before the opening day count as returned on the first day; those after `as_of` are ignored
    (they had not come back yet on that date).
    """
    total_days = (closing - opening).days + 1
    elapsed = max(0, min((as_of - opening).days + 1, total_days))
    counts = [0] * max(elapsed, 1)
    for day, n in daily.items():
        if day <= as_of:
            counts[min(max((day - opening).days, 0), len(counts) - 1)] += int(n)
    if as_of > closing:
        returned = sum(counts)
        current = returned / entitled if entitled else 0.0
        p = Projection("final", current, current, current, current, threshold=threshold, days_elapsed=elapsed,
                       days_total=total_days)
        if threshold is not None and entitled:
            p.probability_meets_threshold = 1.0 if returned >= _needed(threshold, entitled) else 0.0
        return p
    sundays = [(opening + timedelta(days=i)).weekday() == 6 for i in range(total_days)]
    return project_counts(entitled, counts[:elapsed] if elapsed else [], total_days, threshold, no_post=sundays,
                          samples=samples, seed=seed, leftover=sum(counts) if not elapsed else 0)


def _needed(threshold: float, entitled: int) -> int:
    """Papers needed for a turnout of at least `threshold` (50% of 7 is 4)."""
    return math.ceil(threshold * entitled - 1e-9)


def project_counts(entitled: int, counts: Sequence[int], total_days: int, threshold: float | None, *,
                   no_post: Sequence[bool] | None = None, samples: int = 4000, seed: int = 20261123,
                   leftover: int = 0) -> Projection:
    """Project from the papers counted on each day so far (`counts[0]` is the opening day) of `total_days`.

    `no_post` marks the days of the whole period without a delivery (Sundays): while no paper has been dated on
    one of them, they are left out of the fit and of the days to come, so an empty Sunday is not read as
    returns dying away.
    """
    elapsed = len(counts)
    returned = int(sum(counts)) + leftover
    current = returned / entitled if entitled else 0.0
    p = Projection("too-early", current, threshold=threshold, days_elapsed=elapsed, days_total=total_days)
    if entitled <= 0:
        p.reason = "nobody is entitled to vote in this unit"
        return p
    met = threshold is not None and returned >= _needed(threshold, entitled)
    outstanding = entitled - returned
    remaining_days = total_days - elapsed
    if outstanding <= 0 or remaining_days <= 0:
        p.status = "met" if met else "projected"
        p.final_estimate = p.low = p.high = current
        if threshold is not None:
            p.probability_meets_threshold = 1.0 if met else 0.0
        return p
    if elapsed < MIN_DAYS_TO_FIT or returned < MIN_RETURNS_TO_FIT:
        # Nothing to fit yet: every final turnout from what is back to everyone is still possible, so no range
        # (and no estimate) is given; the backtest scores it as the range from what is back to 100%.
        if met:
            p.status, p.probability_meets_threshold, p.final_estimate = "met", 1.0, current
        p.reason = (f"too early: {elapsed} of {total_days} days and {returned} papers back; a projection needs "
                    f"at least {MIN_DAYS_TO_FIT} days and {MIN_RETURNS_TO_FIT} papers")
        return p
    post = np.ones(total_days, dtype=bool)
    if no_post is not None:
        quiet = np.asarray(no_post, dtype=bool)[:total_days]
        if not any(n for n, q in zip(counts, quiet, strict=False) if q):
            post = ~quiet
    past, ahead = post[:elapsed], post[elapsed:]
    if not ahead.any():
        ahead = np.ones_like(ahead)
    center, spread = _remaining_share(entitled, np.asarray(counts, dtype=float), past,
                                      (np.flatnonzero(ahead) + 1) / 7.0, samples, seed)
    a, b = _beta_from_logit_normal(center, spread)
    from scipy.stats import betabinom

    still = betabinom(outstanding, a, b)
    p.status = "met" if met else "projected"
    p.final_estimate = (returned + float(still.mean())) / entitled
    p.low = (returned + float(still.ppf(0.1))) / entitled
    p.high = (returned + float(still.ppf(0.9))) / entitled
    if threshold is None:
        return p
    if met:
        p.probability_meets_threshold = 1.0
    elif elapsed < MIN_DAYS_FOR_CHANCE or returned < MIN_RETURNS_FOR_CHANCE:
        p.reason = (f"chance not stated: {elapsed} days and {returned} papers back; the method is only "
                    f"calibrated from {MIN_DAYS_FOR_CHANCE} days and {MIN_RETURNS_FOR_CHANCE} papers")
    else:
        p.probability_meets_threshold = recalibrate(float(still.sf(_needed(threshold, entitled) - returned - 1)))
    return p


def recalibrate(chance: float) -> float:
    """The model's chance, recalibrated by backtest (PLATT); never exactly 0 or 1 while papers are still out."""
    c = min(max(chance, 1e-6), 1 - 1e-6)
    a, b = PLATT
    return 1.0 / (1.0 + math.exp(-(a + b * math.log(c / (1 - c)))))


def _remaining_share(entitled: int, counts: np.ndarray, past: np.ndarray, future: np.ndarray, samples: int,
                     seed: int) -> tuple[float, float]:
    """Log-odds of the share of the papers still out that will come back by the close, and its standard error.

    A binomial regression (logit link) of each day's returns on the papers still out that morning, with a
    linear trend in time; its covariance is widened by the Pearson overdispersion when the days vary more
    than a binomial allows (quasi-binomial), and drawn from to carry its uncertainty into the share.
    """
    from statsmodels.genmod import families
    from statsmodels.genmod.generalized_linear_model import GLM
    from statsmodels.tools.sm_exceptions import PerfectSeparationError

    at_risk = entitled - np.concatenate([[0.0], np.cumsum(counts)[:-1]])
    days = np.flatnonzero(past)[-TREND_WINDOW:]  # the post days of the window
    if len(days) < 2:
        days = np.arange(len(counts))[-TREND_WINDOW:]
    counts, at_risk = counts[days], at_risk[days]
    last = len(past) - 1
    weeks = (days - last) / 7.0  # 0 today: the intercept is today's rate
    exog = np.column_stack([np.ones(len(days)), weeks])
    endog = np.column_stack([counts, at_risk - counts])
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            weights = 0.5 ** ((last - days) / HALF_LIFE)
            fit = GLM(endog, exog, family=families.Binomial(), var_weights=weights * len(days) / weights.sum()).fit()
        params = np.asarray(fit.params, dtype=float)
        cov = np.asarray(fit.cov_params(), dtype=float)
        dispersion = fit.pearson_chi2 / fit.df_resid if fit.df_resid > 0 else 1.0
        cov = cov * max(1.0, float(dispersion))
        if not (np.all(np.isfinite(params)) and np.all(np.isfinite(cov))):
            raise ValueError("fit did not converge")
    except (ValueError, np.linalg.LinAlgError, PerfectSeparationError):
        # Too little to fit a trend: a steady rate, the share of papers back per day at risk.
        rate = max(float(counts.sum()) / float(at_risk.sum()), 1e-6)
        params = np.array([math.log(rate / (1 - rate)), 0.0])
        cov = np.diag([1.0, 1.0])
    rng = np.random.default_rng(seed)
    draws = rng.multivariate_normal(params, cov, size=samples, check_valid="ignore")
    # The pace may turn: the trend itself is uncertain beyond its fit (calibrated by backtest, see TURN).
    draws[:, 1] += rng.normal(0.0, TURN * abs(float(params[1])), size=samples)
    share = _share_back(draws[:, :1], draws[:, 1:], future)
    logits = np.log(share) - np.log1p(-share)
    center = float(np.log(s := _share_back(params[:1, None], params[1:, None], future)[0]) - np.log1p(-s))
    return center, float(np.std(logits))


def _share_back(intercept: np.ndarray, slope: np.ndarray, future: np.ndarray) -> np.ndarray:
    """Share of the papers out today that come back on the `future` post days (in weeks from today)."""
    # A slowing pace carries on (returns die away); a quickening one is damped: at most a week's more rise.
    ahead = future[None, :]
    logit = np.clip(intercept + np.where(slope > 0, slope * (1.0 - np.exp(-ahead)), slope * ahead), -30, 30)
    hazard = 1.0 / (1.0 + np.exp(-logit))
    stay_out = np.exp(np.sum(np.log1p(-np.clip(hazard, 0, 1 - 1e-12)), axis=1))
    return np.clip(1.0 - stay_out, 1e-9, 1 - 1e-9)


def _beta_from_logit_normal(mu: float, sigma: float) -> tuple[float, float]:
    """The beta distribution with the mean and variance of expit(N(mu, sigma²)), by Gauss-Hermite quadrature."""
    nodes, weights = np.polynomial.hermite_e.hermegauss(60)
    weights = weights / weights.sum()
    values = 1.0 / (1.0 + np.exp(-(mu + sigma * nodes)))
    mean = float(np.clip(weights @ values, 1e-9, 1 - 1e-9))
    var = float(max(weights @ (values - mean) ** 2, 1e-12))
    var = min(var, mean * (1 - mean) * (1 - 1e-6))
    k = mean * (1 - mean) / var - 1.0
    return max(mean * k, 1e-6), max((1 - mean) * k, 1e-6)


# ---------------------------------------------------------------------------------------------------------------
# Backtest: simulated ballots whose final turnout is known
# ---------------------------------------------------------------------------------------------------------------

SHAPES = ("early surge", "steady", "late surge", "plateau", "demo")
SIZES = (5, 20, 60, 200, 1000, 2000)
PERIODS = (14, 21, 28)


def simulate_returns(shape: str, entitled: int, final_share: float, total_days: int,
                     rng: np.random.Generator, sunday: int = 6) -> np.ndarray:
    """Papers returned on each day of a simulated ballot: each member returns with chance `final_share`.

    The return day follows the shape (with its parameters jittered per ballot). "demo" is the demo and journey
    tests' generator (`tests/union/helpers.returns_csv`): a triangular day from the second to the closing day,
    peaking 45% of the way through. The others have no post on Sundays (day `sunday` and every seventh after;
    those papers arrive on the Monday).
    """
    returned = int(rng.binomial(entitled, final_share))
    if shape == "demo":
        last = total_days - 1
        days = np.minimum(last, rng.triangular(1, last * 0.45, last, size=returned).astype(int))
        return np.bincount(days, minlength=total_days)[:total_days]
    jitter = float(np.exp(rng.normal(0, 0.2)))
    a, b = {"early surge": (0.8, 3.0), "steady": (1.0, 1.0), "late surge": (3.0, 0.9),
            "plateau": (2.0, 7.0)}[shape]
    days = np.floor(rng.beta(a * jitter, b / jitter, size=returned) * total_days).astype(int)
    counts = np.bincount(np.minimum(days, total_days - 1), minlength=total_days)
    for day in np.flatnonzero(np.arange(total_days) % 7 == sunday % 7):
        if day + 1 < total_days:
            counts[day + 1] += counts[day]
            counts[day] = 0
    return counts


@dataclass
class Case:
    shape: str
    entitled: int
    total_days: int
    counts: np.ndarray
    sunday: int | None  # the first day without post, or None when every day has post

    @property
    def no_post(self) -> list[bool] | None:
        if self.sunday is None:
            return None
        return [d % 7 == self.sunday % 7 for d in range(self.total_days)]


def backtest_cases(seed: int = 20261204, per_cell: int = 4) -> list[Case]:
    """`per_cell` simulated ballots for each shape, electorate size and voting period, final turnouts 20-85%."""
    rng = np.random.default_rng(seed)
    cases = []
    for shape in SHAPES:
        for size in SIZES:
            for days in PERIODS:
                for _ in range(per_cell):
                    sunday = None if shape == "demo" else int(rng.integers(7))
                    counts = simulate_returns(shape, size, float(rng.uniform(0.2, 0.85)), days, rng,
                                              sunday=6 if sunday is None else sunday)
                    cases.append(Case(shape, size, days, counts, sunday))
    return cases


@dataclass
class Trial:
    shape: str
    entitled: int
    week: int
    final: float
    projection: Projection
    linear: float  # the naive baseline: the turnout so far, extrapolated linearly to the closing day


def backtest(cases: Sequence[Case], threshold: float = 0.5) -> list[Trial]:
    """Project each case at the end of each full week before its closing day."""
    trials = []
    for case in cases:
        final = float(case.counts.sum()) / case.entitled
        for week in range(1, (case.total_days - 1) // 7 + 1):
            seen = case.counts[: week * 7]
            p = project_counts(case.entitled, list(seen), case.total_days, threshold, no_post=case.no_post)
            linear = float(seen.sum()) / case.entitled * case.total_days / len(seen)
            trials.append(Trial(case.shape, case.entitled, week, final, p, linear))
    return trials


def covered(trial: Trial) -> bool:
    p = trial.projection
    low = p.low if p.low is not None else p.current
    high = p.high if p.high is not None else 1.0
    return low - 1e-9 <= trial.final <= high + 1e-9


def calibration(trials: Sequence[Trial], threshold: float = 0.5) -> dict[str, float]:
    """Coverage of the 80% range, and the Brier score of the stated chances against the naive baselines."""
    stated = [t for t in trials if t.projection.probability_meets_threshold is not None]
    hit = np.array([t.final >= threshold - 1e-9 for t in stated], dtype=float)
    chance = np.array([t.projection.probability_meets_threshold for t in stated], dtype=float)
    linear = np.array([1.0 if t.linear >= threshold else 0.0 for t in stated])
    base = float(hit.mean()) if len(hit) else 0.0
    return {"trials": float(len(trials)), "coverage": float(np.mean([covered(t) for t in trials])),
            "stated": float(len(stated)),
            "brier": float(np.mean((chance - hit) ** 2)) if len(hit) else math.nan,
            "brier_linear": float(np.mean((linear - hit) ** 2)) if len(hit) else math.nan,
            "brier_base_rate": float(np.mean((base - hit) ** 2)) if len(hit) else math.nan,
            "width": float(np.mean([(t.projection.high or 1.0) - (t.projection.low or t.projection.current)
                                    for t in trials]))}


