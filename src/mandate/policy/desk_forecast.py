"""Desks needed per site and weekday, forecast from what actually happened (spec §6, issue 18), and the
rolling backtest that shows the forecast keeps its service level.

The Poisson-binomial model of `capacity` takes each person's probability as given and each person at their
home site. Against the demo history it failed in three ways: people at a hub have their home site elsewhere,
so hubs showed nobody; a year's average put the August dip and Christmas into every week; and people do not
decide independently (a team's day, a quiet Friday), so its 95% was exceeded on far more than 5% of days.
This module works instead from the count of people in at each site on each day (distinct people, from any
presence signal that counts: badge swipes, booking check-ins; never a booking without a check-in):

1. **Scale.** Counts are modelled as z = log(1 + people), so that a site's effects are proportional.
2. **Week level and weekday profile.** Over the last `PROFILE_WEEKS` (8) weeks, z[week, weekday] = level[week]
   + profile[weekday], fitted by median polish (robust to a bad day). A site's Tuesday is its level plus its
   Tuesday effect: quiet Fridays are forecast as quiet.
3. **Holiday weeks are not averaged in.** Bank holidays of the site's nation are closed days: left out of
   the fit and of the backtest. A week whose level is more than 10% below the median of the 8 weeks before it
   (Christmas, say) is an abnormal week: it is fitted but never taken as the level to forecast from.
4. **Point forecast.** The next week's z is the last normal week's level plus the weekday's profile: the
   level follows a trend or a season (the August dip, the return in September) within a week. Where the
   history has the same weeks a year earlier, the change between them a year ago is added (a seasonal
   adjustment: last year's return from August predicts this year's).
5. **Calibration (conformal).** The desks needed at service level q are the point forecast plus a quantile
   of the forecast's own past errors: every past week was forecast the same way from the weeks before it,
   and its errors (observed z less forecast z) over the last `ERROR_WEEKS` (52) weeks are kept. Per weekday
   the errors are centred on their median and scaled by their median absolute deviation; the standardised
   errors of all five weekdays are pooled (up to 260) and their conformal quantile, the ceil((n + 1)q)-th
   smallest, is scaled back for each weekday. Under exchangeable errors this holds the level by
   construction; the backtest shows how close it comes on real, non-exchangeable history.
   With fewer than `MIN_ERRORS` errors (the first weeks) the figure is the Poisson quantile of the point
   forecast, marked as not yet calibrated.

The backtest (`backtest`) is rolling: for each week after the warm-up it forecasts from the weeks before
only, then counts the days on which more people came in than the desks forecast. Pure NumPy and SciPy, no
Django.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy.stats import beta, poisson

from mandate.policy.workspace import DAYS, Where, read_csv

SERVICE_LEVEL = 0.95
PROFILE_WEEKS = 8
ERROR_WEEKS = 52
WARMUP_WEEKS = 4  # weeks of history before the first forecast
ABNORMAL = math.log(0.9)  # a week more than 10% below the weeks before it
SEASON_WEEKS = 52
SHRINK = 10  # errors' worth of weight the site's pooled spread has in each weekday's


@dataclass(frozen=True)
class SiteDayCount:
    """People in at a site on a day (distinct people)."""

    site_code: str
    date: dt.date
    people: int
    where: Where | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Forecast:
    """One site and weekday of the week forecast."""

    site_code: str
    weekday: int
    date: dt.date
    expected: float  # the point forecast of people in
    desks_needed: int
    calibrated: bool  # False: too little history, the Poisson quantile of the point forecast

    def to_json_dict(self) -> dict[str, Any]:
        return {"site_code": self.site_code, "weekday": DAYS[self.weekday], "date": self.date.isoformat(),
                "expected": round(self.expected, 1), "desks_needed": self.desks_needed,
                "calibrated": self.calibrated}


@dataclass(frozen=True)
class BacktestRow:
    """One site and weekday of the backtest."""

    site_code: str
    weekday: int
    days: int  # days forecast and observed (bank holidays left out)
    exceeded: int  # days on which more people came in than the desks forecast
    mean_desks: float
    mean_observed: float
    max_observed: int

    @property
    def rate(self) -> float:
        return self.exceeded / self.days if self.days else 0.0

    def interval(self, confidence: float = 0.95) -> tuple[float, float]:
        """Clopper-Pearson interval of the exceedance rate."""
        a = (1 - confidence) / 2
        lo = 0.0 if self.exceeded == 0 else float(beta.ppf(a, self.exceeded, self.days - self.exceeded + 1))
        hi = 1.0 if self.exceeded == self.days else float(beta.ppf(1 - a, self.exceeded + 1,
                                                                   self.days - self.exceeded))
        return lo, hi

    def to_json_dict(self) -> dict[str, Any]:
        lo, hi = self.interval()
        return {"site_code": self.site_code, "weekday": DAYS[self.weekday], "days": self.days,
                "exceeded": self.exceeded, "rate": round(self.rate, 4), "interval_95": [round(lo, 4), round(hi, 4)],
                "mean_desks": round(self.mean_desks, 1), "mean_observed": round(self.mean_observed, 1),
                "max_observed": self.max_observed}


@dataclass(frozen=True)
class Backtest:
    service_level: float
    first_week: dt.date
    last_week: dt.date
    rows: tuple[BacktestRow, ...]

    @property
    def days(self) -> int:
        return sum(r.days for r in self.rows)

    @property
    def exceeded(self) -> int:
        return sum(r.exceeded for r in self.rows)

    @property
    def rate(self) -> float:
        return self.exceeded / self.days if self.days else 0.0

    def to_json_dict(self) -> dict[str, Any]:
        return {"service_level": self.service_level, "first_week": self.first_week.isoformat(),
                "last_week": self.last_week.isoformat(), "days": self.days, "exceeded": self.exceeded,
                "rate": round(self.rate, 4), "rows": [r.to_json_dict() for r in self.rows]}


# --- the series ----------------------------------------------------------------------------------------------

@dataclass
class _Series:
    """One site's counts as weeks x weekdays (NaN: closed or not recorded), from the Monday `start`."""

    start: dt.date
    y: np.ndarray  # people, float, NaN for closed

    @property
    def weeks(self) -> int:
        return int(self.y.shape[0])

    def monday(self, w: int) -> dt.date:
        return self.start + dt.timedelta(weeks=w)


def _monday(d: dt.date) -> dt.date:
    return d - dt.timedelta(days=d.weekday())


def _series(counts: Mapping[dt.date, int], start: dt.date, end: dt.date, closed: Iterable[dt.date]) -> _Series:
    """Weeks from the Monday of `start` to the week of `end`; a weekday in range with no count is 0 people
    (nobody came), a closed day NaN."""
    first = _monday(start)
    weeks = (_monday(end) - first).days // 7 + 1
    y = np.zeros((weeks, 5))
    for w in range(weeks):
        for d in range(5):
            day = first + dt.timedelta(weeks=w, days=d)
            y[w, d] = np.nan if day < start or day > end else counts.get(day, 0)
    for day in closed:
        if start <= day <= end and day.weekday() < 5:
            y[(day - first).days // 7, day.weekday()] = np.nan
    return _Series(first, y)


def _nanmedian(a: np.ndarray, axis: int) -> np.ndarray:
    """NaN-ignoring median along an axis of a 2-D array (NumPy's nanmedian is a hundred times slower on the
    small arrays used here); NaN where a row or column has no value."""
    s = np.sort(a if axis == 1 else a.T, axis=1)  # NaN sorts last
    n = (~np.isnan(s)).sum(axis=1)
    rows = np.arange(s.shape[0])
    lo = s[rows, np.maximum(n - 1, 0) // 2]
    hi = s[rows, np.maximum(n, 1) // 2 if s.shape[1] else 0]
    hi = np.where(n % 2 == 1, lo, hi)
    return np.where(n > 0, (lo + hi) / 2, np.nan)


def _polish(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Median polish of weeks x weekdays: z ~ level[week] + profile[weekday] (NaN-aware)."""
    profile = np.zeros(5)
    level = _nanmedian(z, 1)
    for _ in range(4):
        profile = _nanmedian(z - level[:, None], 0)
        profile = np.where(np.isnan(profile), 0.0, profile)
        level = _nanmedian(z - profile[None, :], 1)
    return level, profile


class _Model:
    """Every week's forecast from the weeks before it, computed once (errors feed later weeks' calibration)."""

    def __init__(self, series: _Series) -> None:
        self.z = np.log1p(series.y)
        n = series.weeks
        self.mu = np.full((n + 1, 5), np.nan)  # forecast z for week w (w == n: the week after the history)
        self.abnormal = np.zeros(n + 1, dtype=bool)
        levels = np.full(n, np.nan)
        for w in range(WARMUP_WEEKS, n + 1):
            lo = max(0, w - PROFILE_WEEKS)
            window = self.z[lo:w]
            if np.all(np.isnan(window)):
                continue
            level, profile = _polish(window)
            # the fitted level of each week in the window, and which are abnormal (below the weeks before)
            for i, w_i in enumerate(range(lo, w)):
                levels[w_i] = level[i]
            normal = [w_i for w_i in range(lo, w) if not np.isnan(levels[w_i]) and not self._is_abnormal(w_i, levels)]
            if not normal:
                continue
            base = float(levels[normal[-1]])
            season = 0.0
            last_year, before = w - SEASON_WEEKS, normal[-1] - SEASON_WEEKS
            if before >= 0 and not np.isnan(levels[last_year]) and not np.isnan(levels[before]) \
                    and not self._is_abnormal(last_year, levels) and not self._is_abnormal(before, levels):
                season = float(levels[last_year] - levels[before])
            self.mu[w] = base + season + profile
        self.errors = self.z - self.mu[:n]

    @staticmethod
    def _is_abnormal(w: int, levels: np.ndarray) -> bool:
        prior = levels[max(0, w - PROFILE_WEEKS):w]
        prior = prior[~np.isnan(prior)]
        return bool(prior.size >= 2 and levels[w] - float(np.median(prior)) < ABNORMAL)

    def desks(self, w: int, service_level: float) -> tuple[np.ndarray, np.ndarray, bool]:
        """(expected people, desks needed, calibrated) for each weekday of week w."""
        mu = self.mu[w]
        expected = np.expm1(mu)
        errors = self.errors[max(0, w - ERROR_WEEKS):w]
        need = _min_errors(service_level)
        ok = ~np.isnan(errors)
        if int(ok.sum()) < need or np.isnan(mu).any():
            fallback = np.array([float(poisson.ppf(service_level, max(e, 0.0))) if not np.isnan(e) else np.nan
                                 for e in expected])
            return expected, fallback, False
        centre = _nanmedian(errors, 0)
        centre = np.where(np.isnan(centre), 0.0, centre)
        deviation = np.abs(errors - centre[None, :])
        pooled = max(float(_nanmedian(deviation.reshape(1, -1), 1)[0]) * 1.4826, 1e-3)
        spread = _nanmedian(deviation, 0) * 1.4826
        n_d = ok.sum(axis=0)
        # each weekday's spread shrunk towards the site's (a few errors alone make a poor scale)
        spread = np.where(np.isnan(spread), pooled,
                          np.sqrt((n_d * spread ** 2 + SHRINK * pooled ** 2) / (n_d + SHRINK)))
        r = ((errors - centre[None, :]) / spread[None, :])[ok]
        r.sort()
        k = math.ceil((r.size + 1) * service_level)
        q = r[min(k, r.size) - 1]
        bound = mu + centre + spread * q
        return expected, np.floor(np.expm1(bound) + 1e-9), True


def _min_errors(service_level: float) -> int:
    """The fewest errors whose conformal quantile exists: ceil((n + 1) q) <= n."""
    return max(1, math.ceil(service_level / (1 - service_level)))


# --- the public engine --------------------------------------------------------------------------------------

def _check_level(service_level: float) -> None:
    if not (isinstance(service_level, float | int) and 0.0 < service_level < 1.0):
        raise ValueError(f"the service level must be above 0 and below 1 (for example 0.95), not {service_level!r}")


def _by_site(counts: Iterable[SiteDayCount]) -> tuple[dict[str, dict[dt.date, int]], dt.date, dt.date]:
    by_site: dict[str, dict[dt.date, int]] = {}
    first: dt.date | None = None
    last: dt.date | None = None
    for i, c in enumerate(counts):
        w = c.where or Where("counts", i + 1, "row")
        if not isinstance(c.people, int) or isinstance(c.people, bool) or c.people < 0:
            raise w.error(f"{c.people!r} is not a number of people (a whole number, 0 or more)", "people")
        days = by_site.setdefault(c.site_code, {})
        if c.date in days:
            raise w.error(f"{c.site_code} already has a count for {c.date.isoformat()}", "date")
        days[c.date] = c.people
        first = c.date if first is None or c.date < first else first
        last = c.date if last is None or c.date > last else last
    if first is None or last is None:
        raise ValueError("there is no history: give at least a few weeks of counts")
    return by_site, first, last


def forecast(counts: Iterable[SiteDayCount], *, sites: Sequence[str] | None = None,
             closed: Mapping[str, Iterable[dt.date]] | None = None,
             service_level: float = SERVICE_LEVEL) -> tuple[Forecast, ...]:
    """The desks needed at each site (`sites`, or every site in the counts) on each weekday of the week after
    the history. `closed`: per site, the days it was closed (its nation's bank holidays). A site in `sites`
    with no counts at all gets 0."""
    _check_level(service_level)
    by_site, first, last = _by_site(counts)
    start = _monday(last) + dt.timedelta(weeks=1)  # the week after the history's last
    out = []
    for site in (sites if sites is not None else sorted(by_site)):
        series = _series(by_site.get(site, {}), first, last, (closed or {}).get(site, ()))
        model = _Model(series)
        expected, desks, calibrated = model.desks(series.weeks, service_level)
        for d in range(5):
            e = 0.0 if np.isnan(expected[d]) else max(0.0, float(expected[d]))
            n = 0 if np.isnan(desks[d]) else max(0, int(desks[d]))
            out.append(Forecast(site, d, start + dt.timedelta(days=d), e, n, calibrated))
    return tuple(out)


def backtest(counts: Iterable[SiteDayCount], *, sites: Sequence[str] | None = None,
             closed: Mapping[str, Iterable[dt.date]] | None = None,
             service_level: float = SERVICE_LEVEL) -> Backtest:
    """Rolling backtest: each week after the warm-up is forecast from the weeks before it only, and each open
    day's count compared with the desks forecast. Weeks whose forecast is not yet calibrated are left out."""
    _check_level(service_level)
    by_site, first, last = _by_site(counts)
    rows = []
    weeks_used: list[dt.date] = []
    for site in (sites if sites is not None else sorted(by_site)):
        series = _series(by_site.get(site, {}), first, last, (closed or {}).get(site, ()))
        model = _Model(series)
        tallies = [[0, 0, 0.0, 0.0, 0] for _ in range(5)]
        for w in range(series.weeks):
            _, desks, calibrated = model.desks(w, service_level)
            if not calibrated:
                continue
            weeks_used.append(series.monday(w))
            for d in range(5):
                y = series.y[w, d]
                if np.isnan(y) or np.isnan(desks[d]):
                    continue
                t = tallies[d]
                t[0] += 1
                t[1] += int(y > desks[d])
                t[2] += float(desks[d])
                t[3] += float(y)
                t[4] = max(t[4], int(y))
        for d, (days, exceeded, sum_desks, sum_obs, peak) in enumerate(tallies):
            rows.append(BacktestRow(site, d, int(days), int(exceeded), sum_desks / days if days else 0.0,
                                    sum_obs / days if days else 0.0, int(peak)))
    if not weeks_used:
        raise ValueError(f"the history is too short to backtest: give at least "
                         f"{WARMUP_WEEKS + math.ceil(_min_errors(service_level) / 5) + 1} weeks")
    return Backtest(float(service_level), min(weeks_used), max(weeks_used), tuple(rows))


def read_counts(path: str | Path) -> list[SiteDayCount]:
    """The counts file: `site_code,date,people`, one line per site and day (a weekday with no line is a day
    nobody came in)."""
    out = []
    for row in read_csv(path, required=("site_code", "date", "people")):
        out.append(SiteDayCount(row.text("site_code", "the site"), row.date("date"),
                                row.integer("people", low=0, what="a number of people"), row.where))
    return out


__all__ = ["SERVICE_LEVEL", "Backtest", "BacktestRow", "Forecast", "SiteDayCount", "backtest", "forecast",
           "read_counts"]
