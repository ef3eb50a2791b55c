"""Team anchor-day scheduling (spec §6) with OR-Tools CP-SAT, and the report of the constraint that binds.

The model, for teams t, people i and weekdays d (Monday to Friday):

- `anchor[t, d]`, a Boolean: team t anchors day d; `in[i, d]`, a Boolean: person i is in the office on day d.
  A person who only comes in on anchor days has `in[i, d] = anchor[team(i), d]` on their working days (the
  same variable, so large organisations stay small models); a person with their own number of office days
  has variables of their own.

Hard constraints:

1. each team anchors exactly its `anchor_days` days a week;
2. everyone in a team who works on one of its anchor days is in that day (`in[i, d] >= anchor[t, d]`);
3. a person is never in on a day they do not work (part-time days are fixed at 0), and an exempt person is
   never in at all (exempt people attend no required days, so they are planned at 0; they may still come in);
4. a person with `office_days = k` is in on exactly max(k, their team's anchor days on their working days) days;
   everyone else exactly on those anchor days;
5. on each weekday, the people in at a site never exceed its desks that day less a buffer (`buffer` desks,
   at least 0 left).

Soft objectives, minimised as one weighted sum of whole numbers (`Weights`; each term is reported alone):

- collaboration: the collaborating pairs of teams (either team naming the other) with no anchor day in
  common, weight 600 each by default (a pair apart costs as much as ten hours of commuting);
- spread: each site's peak, the people in on its busiest day, summed over sites, weight 10 per person (the
  total of office days is mostly fixed, so a lower peak means a flatter week);
- commute: the commute minutes of every office day planned, weight 1 per minute. The office days are mostly
  fixed by the anchor and office days, so this term moves only where a part-time person's days meet their
  team's anchor days: it favours anchor days on which people with long commutes do not work;
- preference: anchor days on a team's avoided days, and (for a team that lists preferred days) outside them,
  weight 300 each (five hours of commuting).

The binding constraint report lists the site days at capacity in the plan found (people in == desks less the
buffer, with at least one person). When no plan fits, CP-SAT is asked which capacity limits cannot hold
together: each limit is enforced under an assumption literal, `sufficient_assumptions_for_infeasibility` gives a
set of them, and a deletion pass (solving without each in turn) shrinks it to a minimal set; then a relaxation
that lets each site day overflow, minimising the total overflow, shows by how much and which teams compete.

Deterministic: one search worker by default (or several interleaved in one thread), a fixed seed, and a limit
in CP-SAT's deterministic time (about seconds, but counted in work done, so the same input gives the same
answer on any machine). Pure Python, no Django. The CSV readers for `mandate attendance anchor-days` are at the
end; their errors name the file, the line and the field.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ortools.sat.python import cp_model

from mandate.policy.workspace import (
    DAY_NAMES,
    DAYS,
    SiteDesks,
    Where,
    check_desks,
    read_csv,
    where_of,
)

#: The default limit on each solve, in CP-SAT's deterministic time (roughly seconds).
TIME_LIMIT = 10.0
#: The largest weight and the longest commute (a day's minutes, there and back) taken: beyond them the weighted
#: sum could overflow CP-SAT's 64-bit integers, which it reports as an invalid model, not as a plan.
MAX_WEIGHT = 1_000_000
MAX_COMMUTE_MINUTES = 1_440


@dataclass(frozen=True)
class Team:
    """A team, the number of anchor days it needs a week, its preferred and avoided weekdays (0 = Monday) and
    the teams it collaborates with (by name; a pair counts once whichever side names it)."""

    name: str
    anchor_days: int = 1
    preferred_days: frozenset[int] = frozenset()
    avoided_days: frozenset[int] = frozenset()
    collaborates_with: frozenset[str] = frozenset()
    where: Where | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Person:
    """A person: their home site (where they take a desk), team, working weekdays (0 = Monday; weekends play no
    part), whether they are exempt, the minutes their commute costs on an office day (there and back), and
    the office days a week they are expected in (0: their team's anchor days only)."""

    staff_id: str
    home_site: str
    team: str
    working_days: frozenset[int] = frozenset(range(5))
    exempt: bool = False
    commute_minutes: int = 0
    office_days: int = 0
    where: Where | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Weights:
    """The weights of the soft objectives (whole numbers, 0 or more). See the module's documentation."""

    collaboration: int = 600
    spread: int = 10
    commute: int = 1
    preference: int = 300


TERMS = {
    "collaboration": "collaborating pairs of teams with no anchor day in common",
    "spread": "people in on each site's busiest day, summed over sites",
    "commute": "commute minutes of the office days planned",
    "preference": "anchor days on an avoided day or outside a team's preferred days",
}


@dataclass(frozen=True)
class Term:
    name: str
    value: int
    weight: int

    @property
    def weighted(self) -> int:
        return self.value * self.weight

    @property
    def description(self) -> str:
        return TERMS[self.name]


@dataclass(frozen=True)
class SiteDay:
    """A site on a weekday in the plan: people in, desks, capacity (desks less the buffer) and each team's
    people in, by team name."""

    site_code: str
    weekday: int
    headcount: int
    desks: int
    capacity: int
    teams: tuple[tuple[str, int], ...]

    @property
    def tight(self) -> bool:
        return self.headcount > 0 and self.headcount == self.capacity

    def to_json_dict(self) -> dict[str, Any]:
        return {"site_code": self.site_code, "weekday": DAYS[self.weekday], "headcount": self.headcount,
                "desks": self.desks, "capacity": self.capacity, "tight": self.tight,
                "teams": [{"team": t, "people": n} for t, n in self.teams]}


@dataclass(frozen=True)
class Limit:
    """A site day's capacity limit in a minimal set that cannot all hold, with the teams whose people could be
    in there that day (working and not exempt) and how many."""

    site_code: str
    weekday: int
    desks: int
    capacity: int
    teams: tuple[tuple[str, int], ...]

    def to_json_dict(self) -> dict[str, Any]:
        return {"site_code": self.site_code, "weekday": DAYS[self.weekday], "desks": self.desks,
                "capacity": self.capacity, "teams": [{"team": t, "people": n} for t, n in self.teams]}


@dataclass(frozen=True)
class Overflow:
    """A site day over capacity in the plan that overflows least: the people in, and each team's people in
    with whether it is the team's anchor day."""

    site_code: str
    weekday: int
    capacity: int
    headcount: int
    teams: tuple[tuple[str, int, bool], ...]

    @property
    def overflow(self) -> int:
        return self.headcount - self.capacity

    def to_json_dict(self) -> dict[str, Any]:
        return {"site_code": self.site_code, "weekday": DAYS[self.weekday], "capacity": self.capacity,
                "headcount": self.headcount, "overflow": self.overflow,
                "teams": [{"team": t, "people": n, "anchor_day": a} for t, n, a in self.teams]}


@dataclass(frozen=True)
class Schedule:
    """The answer. `status` is "optimal", "feasible" (a plan, not proved best within the time limit),
    "infeasible" (no plan fits the desks: see `limits`, `overflows` and `explanation`) or "unknown" (no plan
    found within the time limit, none proved impossible)."""

    status: str
    buffer: int
    anchors: dict[str, tuple[int, ...]]
    office_days: dict[str, tuple[int, ...]]
    site_days: tuple[SiteDay, ...]
    terms: tuple[Term, ...]
    limits: tuple[Limit, ...] = ()
    limits_minimal: bool = True
    overflows: tuple[Overflow, ...] = ()
    bound: int | None = None  # the solver's proven lower bound on the objective (equal to it when optimal)

    @property
    def gap(self) -> float | None:
        """How far the plan's objective may be above the best possible, as a share of the objective (0 when
        proved optimal); None without a plan."""
        total = self.objective
        if total is None or self.bound is None:
            return None
        return 0.0 if total <= self.bound else (total - self.bound) / max(1, abs(total))

    @property
    def objective(self) -> int | None:
        return sum(t.weighted for t in self.terms) if self.terms else None

    @property
    def tight(self) -> tuple[SiteDay, ...]:
        """The binding capacity constraints: site days where the people in fill the desks less the buffer."""
        return tuple(s for s in self.site_days if s.tight)

    @property
    def explanation(self) -> list[str]:
        """Plain sentences: what binds, or why no plan fits."""
        if self.status in ("optimal", "feasible"):
            if not self.tight:
                return ["No site is full on any day: the desks less the buffer do not bind this plan."]
            return [f"{s.site_code} on {DAY_NAMES[s.weekday]} is full: {s.headcount} people for {s.desks} desks"
                    f"{_less_buffer(self.buffer)} ({_teams(s.teams)})." for s in self.tight]
        if self.status == "unknown":
            return ["No plan was found within the time limit, and none was proved impossible: "
                    "raise the time limit."]
        out = ["No plan fits the desks. " + ("These capacity limits cannot all hold together"
                                             if self.limits_minimal else
                                             "These capacity limits (perhaps not the fewest) cannot all hold "
                                             "together") + ":"]
        for lim in self.limits:
            out.append(f"{lim.site_code} on {DAY_NAMES[lim.weekday]}: {_places(lim.capacity)} ({lim.desks} desks"
                       f"{_less_buffer(self.buffer)}); teams whose people could be in that day: "
                       f"{_teams(lim.teams)}.")
        for o in self.overflows:
            teams = ", ".join(f"{t} {n}" + (" on its anchor day" if a else "") for t, n, a in o.teams)
            out.append(f"At the least, {o.site_code} on {DAY_NAMES[o.weekday]} holds {o.headcount} people for "
                       f"{_places(o.capacity)}, {o.overflow} too many ({teams}).")
        return out

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "status": self.status, "buffer": self.buffer,
            "proved_optimal": self.status == "optimal", "bound": self.bound,
            "gap": None if self.gap is None else round(self.gap, 6),
            "anchors": {t: [DAYS[d] for d in days] for t, days in self.anchors.items()},
            "site_days": [s.to_json_dict() for s in self.site_days],
            "binding": [{"site_code": s.site_code, "weekday": DAYS[s.weekday], "headcount": s.headcount,
                         "capacity": s.capacity} for s in self.tight],
            "objective": None if self.objective is None else {
                "total": self.objective,
                "terms": [{"term": t.name, "value": t.value, "weight": t.weight, "weighted": t.weighted,
                           "description": t.description} for t in self.terms]},
            "infeasibility": None if self.status != "infeasible" else {
                "limits": [lim.to_json_dict() for lim in self.limits], "minimal": self.limits_minimal,
                "least_overflow": [o.to_json_dict() for o in self.overflows]},
            "explanation": self.explanation,
            "office_days": {p: [DAYS[d] for d in days] for p, days in self.office_days.items()},
        }


def _places(n: int) -> str:
    return f"{n} place" if n == 1 else f"{n} places"


def _less_buffer(buffer: int) -> str:
    return f" less a buffer of {buffer}" if buffer else ""


def _teams(teams: Iterable[tuple[str, int]]) -> str:
    return ", ".join(f"{t} {n}" for t, n in teams) or "none"


# --- validation -----------------------------------------------------------------------------------------------

def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check(teams: Sequence[Team], people: Sequence[Person], desks: Sequence[SiteDesks], buffer: int,
           weights: Weights, time_limit: float, workers: int) -> dict[str, SiteDesks]:
    if not _whole(buffer) or buffer < 0:
        raise ValueError(f"the buffer must be a whole number of desks, 0 or more, not {buffer!r}")
    for name in TERMS:
        w = getattr(weights, name)
        if not _whole(w) or not 0 <= w <= MAX_WEIGHT:
            raise ValueError(f"the weight of {name} must be a whole number from 0 to {MAX_WEIGHT}, not {w!r}")
    if not (isinstance(time_limit, float | int) and time_limit > 0):
        raise ValueError(f"the time limit must be above 0, not {time_limit!r}")
    if not _whole(workers) or workers < 1:
        raise ValueError(f"the number of workers must be 1 or more, not {workers!r}")
    sites = check_desks(desks)
    names: dict[str, int] = {}
    for i, t in enumerate(teams):
        w = where_of(t.where, "teams", i)
        if not t.name.strip():
            raise w.error("the team is empty", "team")
        if t.name in names:
            raise w.error(f"the team {t.name!r} appears more than once", "team")
        names[t.name] = i
        if not _whole(t.anchor_days) or not 0 <= t.anchor_days <= 5:
            raise w.error(f"{t.anchor_days!r} is not a number of anchor days (from 0 to 5)", "anchor_days")
        for col, days in (("preferred_days", t.preferred_days), ("avoided_days", t.avoided_days)):
            if not days <= frozenset(range(5)):
                raise w.error("names a day that is not Monday to Friday", col)
        both = t.preferred_days & t.avoided_days
        if both:
            raise w.error(f"{DAY_NAMES[min(both)]} is both preferred and avoided", "avoided_days")
    for i, t in enumerate(teams):
        w = where_of(t.where, "teams", i)
        for other in sorted(t.collaborates_with):
            if other == t.name:
                raise w.error("a team cannot collaborate with itself", "collaborates_with")
            if other not in names:
                raise w.error(f"{other!r} is not a team in the teams file", "collaborates_with")
    seen: set[str] = set()
    for i, p in enumerate(people):
        w = where_of(p.where, "people", i)
        if not p.staff_id.strip():
            raise w.error("the staff id is empty", "staff_id")
        if p.staff_id in seen:
            raise w.error(f"the staff id {p.staff_id!r} appears more than once", "staff_id")
        seen.add(p.staff_id)
        if p.team not in names:
            raise w.error(f"{p.team!r} is not a team in the teams file", "team")
        if p.home_site not in sites:
            raise w.error(f"{p.home_site!r} is not a site in the desks file", "home_site")
        if not p.working_days <= frozenset(range(5)):
            raise w.error("names a day that is not Monday to Friday", "working_days")
        if not _whole(p.commute_minutes) or not 0 <= p.commute_minutes <= MAX_COMMUTE_MINUTES:
            raise w.error(f"{p.commute_minutes!r} is not a number of minutes (from 0 to {MAX_COMMUTE_MINUTES})",
                          "commute_minutes")
        if not _whole(p.office_days) or p.office_days < 0:
            raise w.error(f"{p.office_days!r} is not a number of office days (0 or more)", "office_days")
        if p.exempt and p.office_days:
            raise w.error("an exempt person has no required office days: leave office_days empty",
                          "office_days")
        if p.office_days > len(p.working_days):
            raise w.error(f"{p.office_days} office days is more than the person's "
                          f"{len(p.working_days)} working weekdays", "office_days")
    return sites


# --- the model ------------------------------------------------------------------------------------------------

class _Model:
    """The CP-SAT model. `mode` is "hard" (capacity enforced), "assumptions" (each site day's capacity enforced
    under a literal, for the infeasibility core) or "elastic" (each site day may overflow, at a cost)."""

    def __init__(self, teams: Sequence[Team], people: Sequence[Person], sites: dict[str, SiteDesks],
                 buffer: int, weights: Weights, mode: str) -> None:
        m = self.model = cp_model.CpModel()
        self.teams, self.people, self.sites, self.buffer = teams, people, sites, buffer
        self.y = {(t.name, d): m.new_bool_var(f"anchor[{t.name},{DAYS[d]}]") for t in teams for d in range(5)}
        for t in teams:
            m.add(sum(self.y[t.name, d] for d in range(5)) == t.anchor_days)
        # an anchor day is never one on which fewer of the team's members work than on a day not anchored
        for name, works in team_working(teams, people).items():
            for d in range(5):
                for other in range(5):
                    if works[other] > works[d]:
                        m.add_implication(self.y[name, d], self.y[name, other])

        # people: in[i, d] is the team's anchor variable, or the person's own
        self.x: list[dict[int, cp_model.IntVar]] = []
        commute: list[tuple[cp_model.IntVar, int]] = []
        heads: dict[tuple[str, int], list[cp_model.IntVar]] = {}
        for p in people:
            days: dict[int, cp_model.IntVar] = {}
            if not p.exempt:
                if p.office_days == 0:
                    days = {d: self.y[p.team, d] for d in sorted(p.working_days)}
                else:
                    days = {d: m.new_bool_var(f"in[{p.staff_id},{DAYS[d]}]") for d in sorted(p.working_days)}
                    for d, v in days.items():
                        m.add(v >= self.y[p.team, d])
                    required = m.new_int_var(0, 5, f"days[{p.staff_id}]")
                    m.add_max_equality(required, [p.office_days, sum(self.y[p.team, d] for d in days)])
                    m.add(sum(days.values()) == required)
            self.x.append(days)
            for d, v in days.items():
                heads.setdefault((p.home_site, d), []).append(v)
                if p.commute_minutes:
                    commute.append((v, p.commute_minutes))

        # capacity
        self.head = {k: sum(v) for k, v in heads.items()}
        self.literals: dict[tuple[str, int], cp_model.IntVar] = {}
        self.over: dict[tuple[str, int], cp_model.IntVar] = {}
        for (site, d), expr in sorted(self.head.items(), key=lambda kv: (list(sites).index(kv[0][0]), kv[0][1])):
            cap = self.capacity(site, d)
            if mode == "elastic":
                over = self.over[site, d] = m.new_int_var(0, len(heads[site, d]), f"over[{site},{DAYS[d]}]")
                m.add(expr <= cap + over)
            elif mode == "assumptions":
                lit = self.literals[site, d] = m.new_bool_var(f"capacity[{site},{DAYS[d]}]")
                m.add(expr <= cap).only_enforce_if(lit)
            else:
                m.add(expr <= cap)
        if mode == "elastic":
            m.minimize(sum(self.over.values()))
            return
        if mode == "assumptions":
            return

        # soft objectives
        pairs = sorted({tuple(sorted((t.name, o))) for t in teams for o in t.collaborates_with})
        shared = []
        for a, b in pairs:
            both = [m.new_bool_var(f"both[{a},{b},{DAYS[d]}]") for d in range(5)]
            for d, z in enumerate(both):
                m.add(z <= self.y[a, d])
                m.add(z <= self.y[b, d])
            s = m.new_bool_var(f"share[{a},{b}]")
            m.add(s <= sum(both))
            shared.append(s)
        missed = len(pairs) - sum(shared)
        peaks = []
        for site in sites:
            exprs = [self.head[site, d] for d in range(5) if (site, d) in self.head]
            if exprs:
                peak = m.new_int_var(0, len(people), f"peak[{site}]")
                for e in exprs:
                    m.add(peak >= e)
                peaks.append(peak)
        minutes = sum(v * c for v, c in commute)
        pref = sum(self.y[t.name, d] * _penalty(t, d) for t in teams for d in range(5) if _penalty(t, d))
        m.minimize(weights.collaboration * missed + weights.spread * sum(peaks) + weights.commute * minutes
                   + weights.preference * pref)

    def capacity(self, site: str, d: int) -> int:
        return max(0, self.sites[site].desks[d] - self.buffer)


def team_working(teams: Sequence[Team], people: Sequence[Person]) -> dict[str, tuple[int, ...]]:
    """Per team, how many of its members work each weekday (the non-exempt members; all of them when every
    member is exempt). Anchor days go to the days most of them work: a Tuesday-only team is anchored on
    Tuesday, never on a Friday nobody works."""
    out: dict[str, tuple[int, ...]] = {}
    for t in teams:
        members = [p for p in people if p.team == t.name]
        counted = [p for p in members if not p.exempt] or members
        out[t.name] = tuple(sum(1 for p in counted if d in p.working_days) for d in range(5))
    return out


def _penalty(team: Team, d: int) -> int:
    return int(d in team.avoided_days) + int(bool(team.preferred_days) and d not in team.preferred_days)


def _solver(time_limit: float, workers: int, seed: int) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = workers
    if workers > 1:
        solver.parameters.interleave_search = True  # several strategies in one thread: deterministic
    solver.parameters.random_seed = seed
    solver.parameters.max_deterministic_time = float(time_limit)
    return solver


# --- reading a plan -----------------------------------------------------------------------------------------

def _plan(built: _Model, solver: cp_model.CpSolver) -> tuple[dict[str, tuple[int, ...]], list[tuple[int, ...]]]:
    anchors = {t.name: tuple(d for d in range(5) if solver.value(built.y[t.name, d])) for t in built.teams}
    office = [tuple(d for d, v in sorted(days.items()) if solver.value(v)) for days in built.x]
    return anchors, office


def _site_days(people: Sequence[Person], sites: dict[str, SiteDesks], buffer: int,
               office: Sequence[tuple[int, ...]]) -> tuple[SiteDay, ...]:
    counts: dict[tuple[str, int], dict[str, int]] = {}
    for p, days in zip(people, office, strict=True):
        for d in days:
            by_team = counts.setdefault((p.home_site, d), {})
            by_team[p.team] = by_team.get(p.team, 0) + 1
    out = []
    for site, record in sites.items():
        for d in range(5):
            by_team = counts.get((site, d), {})
            out.append(SiteDay(site, d, sum(by_team.values()), record.desks[d], max(0, record.desks[d] - buffer),
                               tuple(sorted(by_team.items()))))
    return tuple(out)


def _terms(teams: Sequence[Team], people: Sequence[Person], weights: Weights, anchors: dict[str, tuple[int, ...]],
           office: Sequence[tuple[int, ...]], site_days: Sequence[SiteDay]) -> tuple[Term, ...]:
    """Each objective term recomputed from the plan itself (not read back from the solver)."""
    pairs = {tuple(sorted((t.name, o))) for t in teams for o in t.collaborates_with}
    missed = sum(1 for a, b in pairs if not set(anchors[a]) & set(anchors[b]))
    peaks: dict[str, int] = {}
    for s in site_days:
        peaks[s.site_code] = max(peaks.get(s.site_code, 0), s.headcount)
    minutes = sum(p.commute_minutes * len(days) for p, days in zip(people, office, strict=True))
    pref = sum(_penalty(t, d) for t in teams for d in anchors[t.name])
    return (Term("collaboration", missed, weights.collaboration), Term("spread", sum(peaks.values()), weights.spread),
            Term("commute", minutes, weights.commute), Term("preference", pref, weights.preference))


# --- the engine ----------------------------------------------------------------------------------------------

def schedule(teams: Sequence[Team], people: Sequence[Person], desks: Sequence[SiteDesks], *, buffer: int = 0,
             weights: Weights = Weights(), time_limit: float = TIME_LIMIT, workers: int = 1,
             seed: int = 0) -> Schedule:
    """Choose each team's anchor days and each person's office days (see the module's documentation).

    Raises InputError naming the record (its file and line when read from CSV) for invalid or inconsistent
    inputs, and ValueError for an invalid parameter."""
    sites = _check(teams, people, desks, buffer, weights, time_limit, workers)
    built = _Model(teams, people, sites, buffer, weights, "hard")
    solver = _solver(time_limit, workers, seed)
    status = solver.solve(built.model)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        anchors, office = _plan(built, solver)
        site_days = _site_days(people, sites, buffer, office)
        terms = _terms(teams, people, weights, anchors, office, site_days)
        # The terms are recomputed from the plan; the solver's own objective can only be higher (a plan found
        # before the time limit may leave a pair's "share" or a site's "peak" variable slack), never lower.
        total, solver_total = sum(t.weighted for t in terms), round(solver.objective_value)
        assert total == solver_total if status == cp_model.OPTIMAL else total <= solver_total, "objective differs"
        bound = total if status == cp_model.OPTIMAL else math.ceil(solver.best_objective_bound - 1e-9)
        return Schedule("optimal" if status == cp_model.OPTIMAL else "feasible", buffer, anchors,
                        {p.staff_id: days for p, days in zip(people, office, strict=True)}, site_days, terms,
                        bound=bound)
    if status != cp_model.INFEASIBLE:
        return Schedule("unknown", buffer, {}, {}, (), ())
    limits, minimal = _minimal_limits(teams, people, sites, buffer, weights, time_limit, workers, seed)
    return Schedule("infeasible", buffer, {}, {}, (), (), limits, minimal,
                    _least_overflow(teams, people, sites, buffer, weights, time_limit, workers, seed))


def _minimal_limits(teams: Sequence[Team], people: Sequence[Person], sites: dict[str, SiteDesks], buffer: int,
                    weights: Weights, time_limit: float, workers: int, seed: int) -> tuple[tuple[Limit, ...], bool]:
    """A set of site-day capacity limits that cannot all hold: CP-SAT's sufficient assumptions, then made
    minimal by dropping each limit in turn while the rest stay infeasible. `minimal` is False when a solve in
    the deletion pass ran out of time (the set then still suffices, but may not be the fewest)."""
    built = _Model(teams, people, sites, buffer, weights, "assumptions")
    keys = list(built.literals)
    by_index = {built.literals[k].index: k for k in keys}
    built.model.add_assumptions([built.literals[k] for k in keys])
    solver = _solver(time_limit, workers, seed)
    if solver.solve(built.model) != cp_model.INFEASIBLE:
        core, minimal = keys, False
    else:
        core = sorted((by_index[i] for i in solver.sufficient_assumptions_for_infeasibility()), key=keys.index)
        minimal = True
        for k in list(core):
            trial = [c for c in core if c != k]
            built.model.clear_assumptions()
            built.model.add_assumptions([built.literals[c] for c in trial])
            status = _solver(time_limit, workers, seed).solve(built.model)
            if status == cp_model.INFEASIBLE:
                core = trial
            elif status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                minimal = False
    limits = []
    for site, d in core:
        by_team: dict[str, int] = {}
        for p in people:
            if p.home_site == site and not p.exempt and d in p.working_days:
                by_team[p.team] = by_team.get(p.team, 0) + 1
        limits.append(Limit(site, d, sites[site].desks[d], built.capacity(site, d), tuple(sorted(by_team.items()))))
    return tuple(limits), minimal


def _least_overflow(teams: Sequence[Team], people: Sequence[Person], sites: dict[str, SiteDesks], buffer: int,
                    weights: Weights, time_limit: float, workers: int, seed: int) -> tuple[Overflow, ...]:
    """The plan with the least total overflow, and its site days over capacity."""
    built = _Model(teams, people, sites, buffer, weights, "elastic")
    solver = _solver(time_limit, workers, seed)
    if solver.solve(built.model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return ()
    anchors, office = _plan(built, solver)
    out = []
    for s in _site_days(people, sites, buffer, office):
        if s.headcount > s.capacity:
            out.append(Overflow(s.site_code, s.weekday, s.capacity, s.headcount,
                                tuple((t, n, s.weekday in anchors[t]) for t, n in s.teams)))
    return tuple(out)


# --- the `mandate attendance anchor-days` files ----------------------------------------------------------------

def read_teams(path: str | Path, default_anchor_days: int = 1) -> list[Team]:
    """The teams file: `team` and optionally `anchor_days` (0 to 5; empty: `default_anchor_days`),
    `preferred_days` and `avoided_days` (like `Mon;Fri`), `collaborates_with` (team names separated by `;`)."""
    out = []
    seen: dict[str, int] = {}
    for row in read_csv(path, required=("team",),
                        optional=("anchor_days", "preferred_days", "avoided_days", "collaborates_with")):
        name = row.text("team", "the team")
        if name in seen:
            raise row.error(f"appears more than once (first on line {seen[name]})", "team")
        seen[name] = row.where.line
        out.append(Team(
            name, row.integer("anchor_days", low=0, high=5, default=default_anchor_days,
                              what="a number of anchor days"),
            row.weekdays("preferred_days", weekend=False, required=False),
            row.weekdays("avoided_days", weekend=False, required=False),
            frozenset(n.strip() for n in row.get("collaborates_with").split(";") if n.strip()), row.where))
    return out


def read_people(path: str | Path) -> list[Person]:
    """The people file: `staff_id,home_site,team,working_days` (like `Mon;Tue;Wed`; Sat and Sun are accepted
    and play no part) and optionally `exempt` (true/false), `commute_minutes` (whole minutes an office day's
    commute takes, there and back) and `office_days` (days a week the person is expected in; empty: their
    team's anchor days only). The attendance engine's `hours_per_day,start_date,end_date` are accepted and
    ignored, so its people file can be given."""
    out = []
    seen: dict[str, int] = {}
    for row in read_csv(path, required=("staff_id", "home_site", "team", "working_days"),
                        optional=("exempt", "commute_minutes", "office_days"),
                        ignored=("hours_per_day", "start_date", "end_date")):
        staff = row.text("staff_id", "the staff id")
        if staff in seen:
            raise row.error(f"appears more than once (first on line {seen[staff]})", "staff_id")
        seen[staff] = row.where.line
        out.append(Person(
            staff, row.text("home_site", "the site"), row.text("team", "the team"),
            row.weekdays("working_days", weekend=True, required=True), row.flag("exempt"),
            row.integer("commute_minutes", low=0, high=MAX_COMMUTE_MINUTES, default=0,
                        what="a whole number of minutes"),
            row.integer("office_days", low=0, high=5, default=0, what="a number of office days"), row.where))
    return out


__all__ = ["team_working", "MAX_COMMUTE_MINUTES", "MAX_WEIGHT", "TERMS", "TIME_LIMIT", "Limit", "Overflow", "Person", "Schedule",
           "SiteDay", "Team", "Term", "Weights", "read_people", "read_teams", "schedule"]
