"""Calibration of the turnout projection by backtest, against the logistic fit it replaced, in the same run.

Simulated postal ballots whose final turnout is known (`mandate.union.projection.backtest_cases`: early surge,
steady, late surge, plateau and the demo's return curve; electorates of 5 to 2,000; voting periods of 14, 21 and
28 days; a fixed seed) are projected at the end of each full week before the close. For each week, shape and
size: how often the 80% range holds the final turnout (should be about 80%), its mean width, and the Brier
score of the stated chance of reaching 50% against two naive baselines (the turnout so far extrapolated
linearly to the closing day; the bank's own base rate) and against the old logistic projection.

    .venv/bin/python bench/turnout_projection.py [--seed 20261204] [--per-cell 4]
    .venv/bin/python bench/turnout_projection.py --calibrate   # refit the Platt constants (PLATT) on seeds 7, 99,
                                                               # 123 and 2024, never on the reporting seed
"""

from __future__ import annotations

import argparse
import platform
import time
from collections.abc import Sequence

import numpy as np

from mandate.union import projection
from mandate.union.projection import SHAPES, SIZES, Case, Trial, backtest, backtest_cases, calibration

CALIBRATION_SEEDS = (7, 99, 123, 2024)


def logistic_peer(counts: Sequence[int], entitled: int, total_days: int, threshold: float,
                  samples: int = 4000, seed: int = 20261123) -> tuple[float, float, float] | None:
    """The projection this replaced (until December 2026): a logistic curve fitted by least squares to the
    running total, redrawn within its parameter covariance. Returns (low, high, chance) or None if too early."""
    from scipy.optimize import curve_fit

    def logistic(t: np.ndarray, k: float | np.ndarray, t0: float | np.ndarray, s: float | np.ndarray) -> np.ndarray:
        return k / (1.0 + np.exp(-(t - t0) / s))

    elapsed = len(counts)
    current = sum(counts) / entitled
    cumulative = np.cumsum(counts) / entitled
    t = np.arange(1, elapsed + 1, dtype=float)
    if elapsed < 4 or np.count_nonzero(counts) < 3:
        return None
    lower = [max(current, 1e-6), 0.0, 0.3]
    upper = [1.0, 2.0 * total_days, float(total_days)]
    guess = [min(1.0, max(current * total_days / elapsed, lower[0] + 1e-6)), total_days / 2.0, total_days / 6.0]
    guess = [min(max(g, lo + 1e-9), hi - 1e-9) for g, lo, hi in zip(guess, lower, upper, strict=True)]
    try:
        params, cov = curve_fit(logistic, t, cumulative, p0=guess, bounds=(lower, upper), maxfev=20000)
    except (RuntimeError, ValueError):
        return None
    rng = np.random.default_rng(seed)
    if not np.all(np.isfinite(cov)):
        cov = np.diag((np.abs(params) * 0.25) ** 2)
    draws = rng.multivariate_normal(params, cov, size=samples, check_valid="ignore")
    draws[:, 0] = np.clip(draws[:, 0], lower[0], 1.0)
    draws[:, 2] = np.clip(draws[:, 2], 0.3, None)
    finals = logistic(np.full(samples, float(total_days)), draws[:, 0], draws[:, 1], draws[:, 2])
    finals = np.clip(finals + rng.normal(0, np.sqrt(np.clip(finals * (1 - finals), 1e-9, None) / entitled)),
                     current, 1.0)
    low, high = (float(x) for x in np.percentile(finals, [10, 90]))
    return low, high, float(np.mean(finals >= threshold))


def peer_scores(cases: Sequence[Case], threshold: float = 0.5) -> list[tuple[str, int, int, float, bool, float]]:
    """(shape, size, week, final, covered, chance) for the old logistic fit where it gave a projection."""
    out = []
    for case in cases:
        final = float(case.counts.sum()) / case.entitled
        for week in range(1, (case.total_days - 1) // 7 + 1):
            seen = case.counts[: week * 7]
            if seen.sum() / case.entitled >= threshold:
                continue  # both methods say "threshold already reached"
            result = logistic_peer(list(seen), case.entitled, case.total_days, threshold)
            if result is not None:
                low, high, chance = result
                out.append((case.shape, case.entitled, week, final, low - 1e-9 <= final <= high + 1e-9, chance))
    return out


def in_slice(label: str, shape: str, size: int, week: int) -> bool:
    return label in ("all", f"week {week}", shape, f"{size} entitled")


def row(label: str, trials: Sequence[Trial], peer: Sequence[tuple[str, int, int, float, bool, float]]) -> str:
    c = calibration(trials)
    old_cov = np.mean([p[4] for p in peer]) if peer else float("nan")
    old_brier = np.mean([(p[5] - (p[3] >= 0.5)) ** 2 for p in peer]) if peer else float("nan")
    old = f"{old_cov:.0%} | {old_brier:.3f}" if peer else "– | –"
    return (f"| {label} | {int(c['trials'])} | {c['coverage']:.0%} | {c['width']:.2f} | {int(c['stated'])} | "
            f"{c['brier']:.3f} | {c['brier_linear']:.3f} | {c['brier_base_rate']:.3f} | {old} |")


def reliability(trials: Sequence[Trial]) -> None:
    """Stated chance against how often the threshold was reached, in bands (projections below 50% so far)."""
    stated = [t for t in trials if t.projection.status == "projected"
              and t.projection.probability_meets_threshold is not None]
    print("\n| stated chance of reaching 50% | projections | mean stated | reached 50% |")
    print("|---|---|---|---|")
    edges = [0.0, 0.1, 0.3, 0.5, 0.7, 0.9, 1.0 + 1e-9]
    for lo, hi in zip(edges, edges[1:], strict=False):
        band = [t for t in stated if lo <= (t.projection.probability_meets_threshold or 0.0) < hi]
        if band:
            mean = np.mean([t.projection.probability_meets_threshold for t in band])
            print(f"| {lo:.0%} to {min(hi, 1.0):.0%} | {len(band)} | {mean:.0%} | "
                  f"{np.mean([t.final >= 0.5 for t in band]):.0%} |")


def calibrate() -> None:
    """Refit the Platt scaling of the chance (statsmodels Logit) on the calibration banks and print PLATT."""
    import statsmodels.api as sm

    projection.PLATT = (0.0, 1.0)
    logits, reached = [], []
    for seed in CALIBRATION_SEEDS:
        for t in backtest(backtest_cases(seed=seed, per_cell=4)):
            chance = t.projection.probability_meets_threshold
            if t.projection.status == "projected" and chance is not None:
                c = min(max(chance, 1e-4), 1 - 1e-4)
                logits.append(np.log(c / (1 - c)))
                reached.append(float(t.final >= 0.5))
    fit = sm.Logit(np.array(reached), sm.add_constant(np.array(logits))).fit(disp=0)
    a, b = (float(x) for x in fit.params)
    print(f"{len(reached)} stated chances on seeds {CALIBRATION_SEEDS}: PLATT = ({a:.3f}, {b:.3f})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=20261204)
    ap.add_argument("--per-cell", type=int, default=4, help="ballots per shape, size and voting period")
    ap.add_argument("--calibrate", action="store_true", help="refit the Platt constants and stop")
    args = ap.parse_args()
    if args.calibrate:
        calibrate()
        return
    started = time.perf_counter()
    cases = backtest_cases(seed=args.seed, per_cell=args.per_cell)
    trials = backtest(cases)
    ours_s = time.perf_counter() - started
    started = time.perf_counter()
    peer = peer_scores(cases)
    peer_s = time.perf_counter() - started
    print(f"{len(cases)} simulated ballots, {len(trials)} weekly projections, seed {args.seed}; "
          f"{platform.processor() or platform.machine()}, Python {platform.python_version()}")
    print(f"time: this projection {ours_s:.1f} s, the old logistic fit {peer_s:.1f} s\n")
    print("| slice | projections | 80% range holds the final | mean width | chances stated | Brier | Brier, "
          "linear | Brier, base rate | old logistic: range holds | old logistic: Brier |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    labels = ["all", *(f"week {w}" for w in (1, 2, 3)), *SHAPES, *(f"{n} entitled" for n in SIZES)]
    for label in labels:
        print(row(label, [t for t in trials if in_slice(label, t.shape, t.entitled, t.week)],
                  [p for p in peer if in_slice(label, p[0], p[1], p[2])]))
    reliability(trials)
    print("\nBrier: mean squared error of the stated chance of reaching 50% (0 is perfect; lower is better), on "
          "the projections where this method states a chance. The old logistic columns are on its own projections "
          "(those below 50% so far).")


if __name__ == "__main__":
    main()
