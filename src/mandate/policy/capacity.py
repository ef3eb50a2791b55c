"""Desk demand at a service level (spec §6): how many desks each site needs on each weekday so that, on that
weekday, everyone who comes in finds a desk with a given probability (95% by default).

Each person's attendance on a weekday is taken as an independent Bernoulli(p_i) trial, so a site's
attendance on that weekday is Poisson-binomial: its mean is the sum of the p_i, and the desks needed at service
level q are its q-quantile, the smallest k with P(attendance <= k) >= q. The distribution is SciPy's
`scipy.stats.poisson_binom`; this module only reads its cumulative distribution function.

The p_i come from the caller (a policy, a plan) or from a person's own presence history through
`estimate_probabilities`: per weekday, the posterior mean of a Beta(a, b) prior updated with the days present
and absent, (a + present) / (a + b + days observed). The default Beta(1, 1) (uniform) is weak: two
observations already outweigh it, and a weekday with no history gets 1/2, "unknown", rather than 0 or 1.

Pure Python (NumPy and SciPy), no Django. The CSV readers for the `mandate attendance desks` command are at
the end; their errors name the file, the line and the field.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy.stats import poisson_binom

from mandate.policy.errors import InputError
from mandate.policy.workspace import DAYS, SiteDesks, Where, check_desks, read_csv, where_of

#: The default service level: desks for everyone who comes in on 95% of days.
SERVICE_LEVEL = 0.95
#: A cumulative probability this close below the service level counts as reaching it. SciPy computes the
#: distribution in floating point (errors up to about 1e-13 for 3,000 people); without a tolerance, a level
#: that falls exactly on a step of the distribution (0.75 for two people at p = 1/2) could round either way.
TOLERANCE = 1e-9
#: The default prior of `estimate_probabilities`: Beta(1, 1), uniform on [0, 1].
PRIOR = (1.0, 1.0)


@dataclass(frozen=True)
class PersonDemand:
    """A person's site and probability of coming in on each weekday, Monday to Friday."""

    staff_id: str
    home_site: str
    probabilities: tuple[float, float, float, float, float]
    where: Where | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class DayDemand:
    """One site on one weekday (0 = Monday)."""

    site_code: str
    weekday: int
    people: int  # people with a probability above 0 of coming in
    expected: float  # the expected attendance, the sum of the probabilities
    desks_needed: int  # the service-level quantile of the attendance
    desks: int
    probability_exceeding: float  # P(attendance > desks): someone finds no desk

    @property
    def spare(self) -> int:
        """Desks beyond those needed; negative when short."""
        return self.desks - self.desks_needed

    @property
    def shortfall(self) -> int:
        return max(0, self.desks_needed - self.desks)

    def to_json_dict(self) -> dict[str, Any]:
        return {"site_code": self.site_code, "weekday": DAYS[self.weekday], "people": self.people,
                "expected": round(self.expected, 2), "desks_needed": self.desks_needed, "desks": self.desks,
                "spare": max(0, self.spare), "shortfall": self.shortfall,
                "probability_exceeding": round(self.probability_exceeding, 4)}


@dataclass(frozen=True)
class DeskDemand:
    """Desk demand per site and weekday (sites in the order of the desks, weekdays Monday to Friday)."""

    service_level: float
    days: tuple[DayDemand, ...]

    def to_json_dict(self) -> dict[str, Any]:
        return {"service_level": self.service_level, "days": [d.to_json_dict() for d in self.days]}


def _check_level(service_level: float) -> None:
    if not (isinstance(service_level, float | int) and 0.0 < service_level < 1.0):
        raise ValueError(f"the service level must be above 0 and below 1 (for example 0.95), not {service_level!r}")


def _probabilities(probabilities: Sequence[float] | np.ndarray) -> np.ndarray:
    p = np.asarray(probabilities, dtype=np.float64).reshape(-1)
    if not np.all((p >= 0.0) & (p <= 1.0)):  # also refuses NaN
        raise ValueError("probabilities must be from 0 to 1")
    return p[p > 0.0]  # a person who never comes in changes nothing


def _cdf(p: np.ndarray) -> np.ndarray:
    """P(attendance <= k) for k = 0..n, from SciPy. The whole table is built through `cdf` because
    `poisson_binom.ppf` fails for more than 62 probabilities in SciPy 1.17 (scipy/scipy#24860: its generic
    quantile wraps each probability as a ufunc operand); `cdf` accepts any number."""
    if p.size == 0:
        return np.ones(1)
    cdf = np.asarray(poisson_binom.cdf(np.arange(p.size + 1), p), dtype=np.float64)
    cdf[-1] = 1.0
    return np.minimum(np.maximum.accumulate(cdf), 1.0)


def _quantile(cdf: np.ndarray, service_level: float) -> int:
    return min(int(np.searchsorted(cdf, service_level - TOLERANCE, side="left")), cdf.size - 1)


def _exceeding(cdf: np.ndarray, desks: int) -> float:
    return 0.0 if desks >= cdf.size - 1 else float(min(1.0, max(0.0, 1.0 - cdf[desks])))


def desks_needed(probabilities: Sequence[float] | np.ndarray, service_level: float = SERVICE_LEVEL) -> int:
    """The desks that hold everyone who comes in with probability at least `service_level`: the smallest k
    with P(attendance <= k) >= service_level, attendance being the Poisson-binomial sum of `probabilities`."""
    _check_level(service_level)
    return _quantile(_cdf(_probabilities(probabilities)), service_level)


def probability_exceeding(probabilities: Sequence[float] | np.ndarray, desks: int) -> float:
    """P(attendance > desks): the probability that someone who comes in finds no desk."""
    if desks < 0:
        raise ValueError("the number of desks must be 0 or more")
    return _exceeding(_cdf(_probabilities(probabilities)), desks)


def desk_demand(people: Sequence[PersonDemand], desks: Sequence[SiteDesks],
                service_level: float = SERVICE_LEVEL) -> DeskDemand:
    """Desk demand for every site in `desks` and every weekday. Raises InputError for a probability outside
    0..1, a person whose site has no desks entry or a staff id given twice (naming the record), and ValueError
    for a service level outside (0, 1)."""
    _check_level(service_level)
    sites = check_desks(desks)
    by_site: dict[str, list[tuple[float, ...]]] = {s: [] for s in sites}
    seen: set[str] = set()
    for i, person in enumerate(people):
        w = where_of(person.where, "people", i)
        if person.staff_id in seen:
            raise w.error(f"the staff id {person.staff_id!r} appears more than once", "staff_id")
        seen.add(person.staff_id)
        if person.home_site not in sites:
            raise w.error(f"{person.home_site!r} is not a site in the desks file", "home_site")
        if len(person.probabilities) != 5:
            raise w.error("give a probability for each weekday, Monday to Friday", "probabilities")
        for name, value in zip(DAYS, person.probabilities, strict=True):
            if not (isinstance(value, float | int) and 0.0 <= value <= 1.0):
                raise w.error(f"{value!r} is not a probability from 0 to 1", name.lower())
        by_site[person.home_site].append(tuple(float(p) for p in person.probabilities))
    out = []
    for site, record in sites.items():
        matrix = np.array(by_site[site], dtype=np.float64).reshape(-1, 5)
        for day in range(5):
            column = matrix[:, day][matrix[:, day] > 0.0]
            cdf = _cdf(column)
            out.append(DayDemand(site, day, int(column.size), float(column.sum()), _quantile(cdf, service_level),
                                 record.desks[day], _exceeding(cdf, record.desks[day])))
    return DeskDemand(float(service_level), tuple(out))


# --- estimating the probabilities from presence history -------------------------------------------------------

@dataclass(frozen=True)
class HistoryDay:
    """One working day of a person's presence history: were they in (at any site)?"""

    staff_id: str
    date: dt.date
    present: bool
    where: Where | None = field(default=None, compare=False, repr=False)


def estimate_probabilities(history: Iterable[HistoryDay], people: Iterable[str], *,
                           prior: tuple[float, float] = PRIOR,
                           working_days: Mapping[str, frozenset[int]] | None = None,
                           ) -> dict[str, tuple[float, float, float, float, float]]:
    """Each person's probability of coming in on each weekday, Monday to Friday, estimated from `history`.

    For a person and weekday with `present` days in office out of `observed` days in the history, the estimate
    is the posterior mean under a Beta(a, b) prior, (a + present) / (a + b + observed). With the default
    Beta(1, 1) this is Laplace's rule of succession: 3 days in of 4 gives 4/6, and no history gives 1/2.
    Weekend days in the history are left out. A weekday that is not in the person's `working_days` (when given)
    gets 0 whatever the history says. Every staff id in `history` must be in `people`, once per date.
    """
    a, b = prior
    if not (math.isfinite(a) and math.isfinite(b) and a > 0 and b > 0):
        raise ValueError(f"the prior's parameters must be above 0, not {prior!r}")
    index = {s: i for i, s in enumerate(people)}
    observed = np.zeros((len(index), 5))
    present = np.zeros((len(index), 5))
    seen: dict[tuple[str, dt.date], int] = {}
    for k, day in enumerate(history):
        w = where_of(day.where, "history", k)
        i = index.get(day.staff_id)
        if i is None:
            raise w.error(f"{day.staff_id!r} is not a person in the people file", "staff_id")
        key = (day.staff_id, day.date)
        if key in seen:
            raise w.error(f"the person already has a row for {day.date.isoformat()} ({w.unit} {seen[key]})",
                          "date")
        seen[key] = w.line
        d = day.date.weekday()
        if d < 5:
            observed[i, d] += 1
            present[i, d] += 1 if day.present else 0
    estimate = (a + present) / (a + b + observed)
    out = {}
    for staff_id, i in index.items():
        row = estimate[i]
        if working_days is not None and staff_id in working_days:
            row = np.where([d in working_days[staff_id] for d in range(5)], row, 0.0)
        out[staff_id] = (float(row[0]), float(row[1]), float(row[2]), float(row[3]), float(row[4]))
    return out


# --- the `mandate attendance desks` files ---------------------------------------------------------------------

_POLICY_PEOPLE_EXTRA = ("team", "hours_per_day", "start_date", "end_date")


def read_people(path: str | Path, *, with_history: bool = False,
                ) -> tuple[list[PersonDemand], dict[str, frozenset[int]]]:
    """The people file of `mandate attendance desks`.

    Without history: `staff_id,home_site,mon,tue,wed,thu,fri`, a probability from 0 to 1 in each weekday
    column (`working_days` is refused: the probabilities already say it). With history: `staff_id,home_site` and optionally `working_days` (like `Mon;Tue;Wed`; a weekday
    not listed gets probability 0); the probabilities come from the history, so the weekday columns are
    refused. Either way the attendance engine's people columns (`team,hours_per_day,start_date,end_date`)
    are accepted and ignored, so its people file can be given. Returns the people (probabilities 0 until
    estimated, with history) and the working days of those whose file lists them.
    """
    weekday_columns = tuple(d.lower() for d in DAYS)
    if with_history:
        rows = read_csv(path, required=("staff_id", "home_site"), optional=("working_days",),
                        ignored=_POLICY_PEOPLE_EXTRA,
                        refused={c: "the probabilities come from the history: drop the weekday columns, or the "
                                    "history" for c in weekday_columns})
    else:
        rows = read_csv(path, required=("staff_id", "home_site", *weekday_columns), ignored=_POLICY_PEOPLE_EXTRA,
                        refused={"working_days": "is read only with a history: here the weekday probabilities "
                                                 "say when the person comes in (0 on a day not worked)"})
    people: list[PersonDemand] = []
    working: dict[str, frozenset[int]] = {}
    seen: dict[str, int] = {}
    for row in rows:
        staff = row.text("staff_id", "the staff id")
        if staff in seen:
            raise row.error(f"appears more than once (first on line {seen[staff]})", "staff_id")
        seen[staff] = row.where.line
        site = row.text("home_site", "the site")
        if with_history:
            probs = (0.0, 0.0, 0.0, 0.0, 0.0)
            if row.get("working_days"):
                working[staff] = row.weekdays("working_days", weekend=True, required=True)
        else:
            ps = [row.probability(c) for c in weekday_columns]
            probs = (ps[0], ps[1], ps[2], ps[3], ps[4])
        people.append(PersonDemand(staff, site, probs, row.where))
    return people, working


def read_history(path: str | Path) -> list[HistoryDay]:
    """The history file: `staff_id,date,present`, one line per person and working day, `present` 1 if the person
    was in (at any site) and 0 if not."""
    out = []
    for row in read_csv(path, required=("staff_id", "date", "present")):
        staff = row.text("staff_id", "the staff id")
        day = row.date("date")
        value = row.get("present")
        if value not in ("0", "1"):
            raise row.error("must be 1 (in) or 0 (not in)", "present")
        out.append(HistoryDay(staff, day, value == "1", row.where))
    return out


def check_people_sites(people: Sequence[PersonDemand], desks: Sequence[SiteDesks], desks_file: str) -> None:
    """Refuse a person whose site is not in the desks file, naming the person's line (before any estimate)."""
    sites = {s.site_code for s in desks}
    for i, person in enumerate(people):
        if person.home_site not in sites:
            raise where_of(person.where, "people", i).error(
                f"{person.home_site!r} is not a site in {desks_file}", "home_site")


__all__ = ["PRIOR", "SERVICE_LEVEL", "DayDemand", "DeskDemand", "HistoryDay", "InputError", "PersonDemand",
           "check_people_sites", "desk_demand", "desks_needed", "estimate_probabilities",
           "probability_exceeding", "read_history", "read_people"]
