"""Projecting a unit's final turnout from the papers returned so far (never from votes).

Method, in plain words (shown on the turnout page too): postal returns follow an S-shaped curve: a few papers
come back in the first days, most in the middle of the voting period, and a trickle at the end. We fit that
curve (a logistic curve, by least squares with SciPy) to the running total of papers returned each day, and
read off where it will stand on the closing day. To say how sure we are, we redraw the curve thousands of
times within the fit's own uncertainty (its parameter covariance) and report the middle 80% of the final
turnouts, and the share of redrawn curves that end at or above the threshold. Early in the ballot the range is
wide; it narrows as papers arrive. The final turnout can never be lower than what has already come back.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from datetime import date, timedelta

import numpy as np

METHOD = __doc__.split("Method, in plain words (shown on the turnout page too): ", 1)[1].strip()


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

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def _logistic(t: np.ndarray, k: float | np.ndarray, t0: float | np.ndarray, s: float | np.ndarray) -> np.ndarray:
    """The logistic curve at days `t`; the parameters are numbers, or arrays of draws broadcast against `t`."""
    return k / (1.0 + np.exp(-(t - t0) / s))


def project(opening: date, closing: date, entitled: int, daily: dict[date, int], *, as_of: date,
            threshold: float | None, samples: int = 4000, seed: int = 20261123) -> Projection:
    from scipy.optimize import curve_fit

    total_days = (closing - opening).days + 1
    returned = sum(daily.values())
    current = returned / entitled if entitled else 0.0
    elapsed = max(0, min((as_of - opening).days + 1, total_days))
    base = Projection("too-early", current, threshold=threshold, days_elapsed=elapsed, days_total=total_days)
    if entitled == 0:
        return base
    if as_of > closing:
        base.status, base.final_estimate, base.low, base.high = "final", current, current, current
        if threshold is not None:
            base.probability_meets_threshold = 1.0 if current >= threshold else 0.0
        return base
    if threshold is not None and current >= threshold:
        base.status, base.probability_meets_threshold = "met", 1.0
        base.final_estimate = current
        return base
    days = [opening + timedelta(days=i) for i in range(elapsed)]
    cumulative = np.cumsum([daily.get(d, 0) for d in days]) / entitled
    t = np.arange(1, elapsed + 1, dtype=float)
    if elapsed < 4 or np.count_nonzero(np.diff(np.concatenate([[0.0], cumulative]))) < 3:
        return base
    lower = [max(current, 1e-6), 0.0, 0.3]
    upper = [1.0, 2.0 * total_days, float(total_days)]
    guess = [min(1.0, max(current * total_days / elapsed, lower[0] + 1e-6)), total_days / 2.0, total_days / 6.0]
    guess = [min(max(g, lo + 1e-9), hi - 1e-9) for g, lo, hi in zip(guess, lower, upper, strict=True)]
    try:
        params, cov = curve_fit(_logistic, t, cumulative, p0=guess, bounds=(lower, upper), maxfev=20000)
    except (RuntimeError, ValueError):
        return base
    rng = np.random.default_rng(seed)
    if not np.all(np.isfinite(cov)):
        cov = np.diag((np.abs(params) * 0.25) ** 2)
    draws = rng.multivariate_normal(params, cov, size=samples, check_valid="ignore")
    draws[:, 0] = np.clip(draws[:, 0], lower[0], 1.0)
    draws[:, 2] = np.clip(draws[:, 2], 0.3, None)
    finals = _logistic(np.full(samples, float(total_days)), draws[:, 0], draws[:, 1], draws[:, 2])
    # Sampling noise of the papers still to come (binomial), and never below what has already come back.
    finals = np.clip(finals + rng.normal(0, np.sqrt(np.clip(finals * (1 - finals), 1e-9, None) / entitled)),
                     current, 1.0)
    estimate = float(np.clip(_logistic(np.array([float(total_days)]), *params)[0], current, 1.0))
    base.status = "projected"
    base.final_estimate = estimate
    base.low, base.high = (float(x) for x in np.percentile(finals, [10, 90]))
    if threshold is not None:
        base.probability_meets_threshold = float(np.mean(finals >= threshold))
    if not math.isfinite(estimate):
        base.status = "too-early"
    return base
