"""Generate the demo's people, absences, presence signals and union registers in memory (no Django).

Everything comes from one `numpy.random.Generator` seeded by the caller, drawn in a fixed order, so that the
same seed and size give identical data. `scenario.py` writes the result to the database.

The presence year runs from 1 November 2025 to 31 October 2026. Each person attends on a contracted working
day (not a bank holiday of their site's nation, not on leave, sick, training or away on official business)
with a personal propensity: higher in some teams, lower with a long commute, caring responsibilities or a
disability, lower still for union members taking action short of strike before the April 2026 settlement;
Mondays and Fridays are quieter, Christmas and August quieter still. The badge export then gets the faults
real exports have: repeated swipes in the same minute, a swipe at two sites on one day, a reader whose clock
ran an hour fast for some weeks, one site's export written in UTC labelled as local time, swipes missed at
the door, and visitors' and contractors' cards that match nobody.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from importlib import resources
from typing import cast
from zoneinfo import ZoneInfo

import numpy as np

from mandate.demo import data

YEAR_START = date(2025, 11, 1)
YEAR_END = date(2026, 10, 31)
DAYS = [YEAR_START + timedelta(days=i) for i in range(365)]
SETTLEMENT = date(2026, 4, 15)  # the organisation-wide target replaced the individual one (spec §1)
TODAY = date(2026, 11, 23)
LONDON = ZoneInfo("Europe/London")
REFERENCE_STAFF = 5300
PCS_AT_REFERENCE = 1150
PROSPECT_AT_REFERENCE = 350
MIN_STAFF = 60

OFFICES = [s for s in data.SITES if s.kind == "office"]
HUBS = [s for s in data.SITES if s.kind == "hub"]
SITE_INDEX = {s.code: i for i, s in enumerate(data.SITES)}
ABSENCE_KINDS = ("", "annual_leave", "sickness", "training", "official_business")
# Skewed readers: (site code, first day, last day, seconds added to the true UTC time)
READER_CLOCK_FAST = ("darlington", date(2026, 1, 12), date(2026, 2, 6), 3600)
UTC_AS_LOCAL_SITE = "edinburgh"  # this site's export writes local wall-clock time labelled as UTC


def bank_holidays() -> dict[str, set[date]]:
    """Bank holidays per nation, from the GOV.UK snapshot in mandate.policy when present."""
    try:
        raw = (resources.files("mandate.policy") / "data" / "bank-holidays.json").read_text(encoding="utf-8")
        divisions = json.loads(raw)
        result = {nation: {date.fromisoformat(e["date"]) for e in body["events"]}
                  for nation, body in divisions.items()}
        if all(nation in result for nation in data.FALLBACK_BANK_HOLIDAYS):
            return result
    except (FileNotFoundError, ModuleNotFoundError, KeyError, ValueError):
        pass
    return {nation: {date.fromisoformat(d) for d in days} for nation, days in data.FALLBACK_BANK_HOLIDAYS.items()}


def slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


@dataclass
class TeamSpec:
    code: str
    name: str
    directorate: str
    site: int  # index into data.SITES


@dataclass
class People:
    n: int
    staff_id: list[str]
    first: list[str]
    last: list[str]
    site: np.ndarray  # home site, index into data.SITES
    team: np.ndarray  # index into teams
    grade: np.ndarray  # index into data.GRADES
    working_days: list[str]
    hours_per_day: np.ndarray
    fte: np.ndarray
    weekday_mask: np.ndarray  # (n, 7) bool
    start: list[date]
    end: list[date | None]
    home_based: np.ndarray
    manager: np.ndarray  # index of line manager, -1 for none
    sex: list[str]
    age_band: list[str]
    ethnicity: list[str]
    disability: list[str]
    caring: list[str]
    commute: np.ndarray  # minutes one way
    propensity: np.ndarray
    hub: np.ndarray  # hub site index used on some days, -1 for none
    books_desks: np.ndarray


@dataclass
class Cards:
    owner: np.ndarray  # staff index per card
    number: list[str]
    issued: list[date]
    withdrawn: list[date | None]
    current_from_day: np.ndarray  # first day index the card is in use
    unknown_numbers: list[str]  # visitors' and contractors' cards: in no BadgeCard


@dataclass
class Presence:
    staff: np.ndarray  # staff index, -1 for an unknown card
    card: list[str]
    site: np.ndarray
    epoch: np.ndarray  # seconds since 1970-01-01 UTC, as stored (faults included)
    source: np.ndarray  # 0 badge, 1 booking check-in
    purpose: np.ndarray  # index into data.PURPOSES, -1 for none recorded
    faults: dict[str, int] = field(default_factory=dict)


@dataclass
class MemberSpec:
    staff: int
    number: str
    email: str
    mobile: str
    address: str
    overseas: bool
    job_category: str
    joined: date
    left: date | None


def scaled(count: int, staff: int) -> int:
    return max(1, round(count * staff / REFERENCE_STAFF))


def site_headcounts(staff: int) -> list[int]:
    total = sum(s.headcount for s in OFFICES)
    counts = [max(3, int(staff * s.headcount / total)) for s in OFFICES]
    counts[0] += staff - sum(counts)  # the rest at headquarters
    return counts


def make_teams(rng: np.random.Generator, headcounts: list[int]) -> list[TeamSpec]:
    teams: list[TeamSpec] = []
    used: set[str] = set()
    combos = [(d, area, fn) for d, areas in data.DIRECTORATES.items() for area in areas for fn in data.FUNCTIONS]
    for office, headcount in zip(OFFICES, headcounts, strict=True):
        wanted = max(1, round(headcount / 35))
        weights = np.array([data.DIRECTORATE_SITES[d].get(office.code, 0.0) / len(data.DIRECTORATES[d])
                            for d, _, _ in combos])
        weights = weights / weights.sum()
        picks = rng.choice(len(combos), size=min(wanted, int((weights > 0).sum())), replace=False, p=weights)
        for k in sorted(picks.tolist()):
            directorate, area, function = combos[k]
            name = f"{area}: {function}"
            if name in used:
                name = f"{name} ({office.name})"
            used.add(name)
            teams.append(TeamSpec(slug(name), name, directorate, SITE_INDEX[office.code]))
    return teams


def _ascii_name(text: str) -> str:
    return re.sub(r"[^a-z]", "", unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower())


def make_people(rng: np.random.Generator, staff: int, teams: list[TeamSpec]) -> People:
    n = staff
    headcounts = site_headcounts(staff)
    office_site = np.repeat([SITE_INDEX[o.code] for o in OFFICES], headcounts)
    site = office_site[rng.permutation(n)]

    # Team within the site, teams of uneven size.
    team = np.empty(n, dtype=np.int64)
    for s in np.unique(site):
        members = np.flatnonzero(site == s)
        options = [k for k, t in enumerate(teams) if t.site == s]
        weights = rng.dirichlet(np.full(len(options), 4.0))
        team[members] = rng.choice(options, size=len(members), p=weights)

    grade = np.empty(n, dtype=np.int64)
    for s in np.unique(site):
        members = np.flatnonzero(site == s)
        grade[members] = rng.choice(len(data.GRADES), size=len(members), p=data.GRADE_SHARES[data.SITES[s].code])

    # Equality-monitoring characteristics.
    female = rng.random(n) < np.where(site == SITE_INDEX["titchfield"], 0.62, 0.54)
    age = rng.choice(len(data.AGE_BANDS), size=n, p=data.AGE_SHARES)
    minority_share = np.array([data.SITES[s].ethnic_minority_share for s in site])
    declared = rng.random(n)
    minority = rng.random(n) < minority_share
    group = np.where(minority, rng.choice(len(data.ETHNICITIES), size=n, p=data.MINORITY_SPLIT), 0)
    ethnicity = [
        "" if declared[i] < 0.05 else "Prefer not to say" if declared[i] < 0.08 else data.ETHNICITIES[group[i]]
        for i in range(n)
    ]
    p_disabled = 0.09 + 0.035 * age  # rises with age, about 15% overall
    u = rng.random(n)
    disabled = u < p_disabled
    disability = ["yes" if disabled[i] else "not declared" if u[i] > 0.96 else "no" for i in range(n)]
    p_caring = np.array([0.10, 0.20, 0.32, 0.33, 0.27, 0.18])[age] * np.where(female, 1.15, 0.82)
    u = rng.random(n)
    carer = u < p_caring
    caring = ["yes" if carer[i] else "not declared" if u[i] > 0.975 else "no" for i in range(n)]

    home_based = rng.random(n) < 0.022 + 0.03 * disabled + 0.01 * carer
    median = np.array([data.SITES[s].commute_median for s in site])
    sigma = np.array([data.SITES[s].commute_sigma for s in site])
    commute = median * np.exp(sigma * rng.standard_normal(n))
    long_tail = rng.random(n) < 0.05  # weekly commuters and those who moved away since 2020
    commute = np.where(long_tail, commute * rng.uniform(2.0, 4.0, n), commute)
    commute = np.where(home_based, rng.uniform(90, 300, n), commute)
    commute = np.clip(np.rint(commute), 4, 330).astype(np.int64)

    # Contracts: part-time (about 20%), compressed hours, full-time.
    p_part = 0.07 + 0.13 * female + 0.22 * carer + 0.12 * (age >= 4)
    u = rng.random(n)
    pattern_pick = rng.integers(0, 1 << 30, n)
    working_days: list[str] = []
    hours = np.empty(n)
    for i in range(n):
        if u[i] < p_part[i]:
            days, h = data.PART_TIME_PATTERNS[pattern_pick[i] % len(data.PART_TIME_PATTERNS)]
        elif u[i] > 0.95:
            days, h = data.COMPRESSED_PATTERNS[pattern_pick[i] % len(data.COMPRESSED_PATTERNS)]
        else:
            days, h = data.FULL_TIME
        working_days.append(days)
        hours[i] = h
    weekday_mask = np.array([[d in wd.split(";") for d in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")]
                             for wd in working_days])
    fte = np.minimum(1.0, np.round(weekday_mask.sum(axis=1) * hours / data.FULL_TIME_WEEKLY_HOURS, 3))

    # Start and end dates: long tenures, joiners and leavers during the year.
    tenure_days = np.minimum(np.exp(np.log(8 * 365) + 0.9 * rng.standard_normal(n)), 40 * 365).astype(np.int64)
    joiner = rng.random(n) < 0.08
    joined_in_year = rng.integers(0, 365, n)
    start = [DAYS[joined_in_year[i]] if joiner[i] else YEAR_START - timedelta(days=int(tenure_days[i]) + 1)
             for i in range(n)]
    leaver = (rng.random(n) < 0.07) & ~joiner
    leave_day = rng.integers(20, 365, n)
    end: list[date | None] = [DAYS[leave_day[i]] if leaver[i] else None for i in range(n)]

    # Names and staff numbers.
    firsts = np.where(female, rng.integers(0, len(data.FEMALE_NAMES), n), rng.integers(0, len(data.MALE_NAMES), n))
    first = [(data.FEMALE_NAMES if female[i] else data.MALE_NAMES)[firsts[i]] for i in range(n)]
    last = [data.SURNAMES[k] for k in rng.integers(0, len(data.SURNAMES), n)]
    numbers = rng.choice(900_000, size=n, replace=False) + 100_000
    staff_id = [f"E{num:06d}" for num in numbers]

    manager = _line_managers(rng, team, grade, teams, end)

    # Propensity to attend on a contracted working day.
    team_factor = np.exp(0.3 * rng.standard_normal(len(teams)))[team]
    site_base = np.where(site == SITE_INDEX["darlington"], 0.24, 0.40)
    mean = site_base * team_factor * np.exp(-0.008 * np.maximum(commute - 30, 0))
    mean = mean * np.where(carer, 0.8, 1.0) * np.where(disabled, 0.75, 1.0)
    mean = np.clip(mean, 0.03, 0.9)
    propensity = rng.beta(mean * 6, (1 - mean) * 6)
    propensity = np.where(home_based, rng.uniform(0.005, 0.03, n), propensity)

    # Some staff use a regional hub on some days; some book desks and check in.
    hub = np.full(n, -1)
    u = rng.random(n)
    newport_like = np.isin(site, [SITE_INDEX["newport"]])
    hub[newport_like & (u < 0.10)] = SITE_INDEX["cardiff-hub"]
    hub[~newport_like & (u < 0.03)] = SITE_INDEX["birmingham-hub"]
    hub[home_based] = np.where(u[home_based] < 0.6, SITE_INDEX["birmingham-hub"], SITE_INDEX["cardiff-hub"])
    books_desks = rng.random(n) < 0.35

    return People(
        n=n, staff_id=staff_id, first=first, last=last, site=site, team=team, grade=grade,
        working_days=working_days, hours_per_day=hours, fte=fte, weekday_mask=weekday_mask, start=start, end=end,
        home_based=home_based, manager=manager, sex=["Female" if f else "Male" for f in female],
        age_band=[data.AGE_BANDS[a] for a in age], ethnicity=ethnicity, disability=disability, caring=caring,
        commute=commute, propensity=propensity, hub=hub, books_desks=books_desks,
    )


def _line_managers(rng: np.random.Generator, team: np.ndarray, grade: np.ndarray, teams: list[TeamSpec],
                   end: list[date | None]) -> np.ndarray:
    """Each team's highest grade leads it (at least SEO, raised if need be); others report one grade up."""
    n = len(team)
    manager = np.full(n, -1)
    leads: list[int] = []
    for t in range(len(teams)):
        members = np.flatnonzero(team == t)
        if len(members) == 0:
            continue
        # A current member leads: leavers do not.
        current = [m for m in members.tolist() if end[m] is None] or members.tolist()
        lead = max(current, key=lambda m: (grade[m], -m))
        grade[lead] = max(grade[lead], data.GRADES.index("SEO" if len(members) < 12 else "G7"))
        leads.append(lead)
        for m in members.tolist():
            if m == lead:
                continue
            higher = [c for c in current if grade[c] > grade[m]]
            if not higher:
                manager[m] = lead
                continue
            step = min(grade[c] for c in higher)
            nearest = [c for c in higher if grade[c] == step]
            manager[m] = nearest[int(rng.integers(0, len(nearest)))]
    # Team leads report to a senior person in the same directorate, wherever they sit.
    by_directorate: dict[str, list[int]] = {}
    for lead in leads:
        by_directorate.setdefault(teams[team[lead]].directorate, []).append(lead)
    for group in by_directorate.values():
        for lead in group:
            senior = [c for c in group if grade[c] > grade[lead]]
            if senior:
                top = max(grade[c] for c in senior)
                choices = [c for c in senior if grade[c] == top]
                manager[lead] = choices[int(rng.integers(0, len(choices)))]
    return manager


def working_calendar(people: People, holidays: dict[str, set[date]]) -> np.ndarray:
    """(n, 365) bool: contracted working days while employed, minus the site nation's bank holidays."""
    weekday = np.array([d.weekday() for d in DAYS])
    works = people.weekday_mask[:, weekday]
    nation_holiday = {nation: np.array([d in days for d in DAYS]) for nation, days in holidays.items()}
    site_nation = [data.SITES[s].nation for s in people.site]
    for nation, holiday in nation_holiday.items():
        rows = np.array([sn == nation for sn in site_nation])
        if rows.any():
            works[np.ix_(rows, holiday)] = False
    day_index = {d: i for i, d in enumerate(DAYS)}
    for i in range(people.n):
        first = max(0, (people.start[i] - YEAR_START).days)
        works[i, :first] = False
        end = people.end[i]
        if end is not None and end <= YEAR_END:
            works[i, day_index[end] + 1:] = False
    return works


def make_absences(rng: np.random.Generator, people: People, works: np.ndarray) -> np.ndarray:
    """(n, 365) int8 absence codes (index into ABSENCE_KINDS) on working days."""
    absent = np.zeros(works.shape, dtype=np.int8)
    full_year = 253  # weekdays minus bank holidays in England and Wales, 2025-26
    summer = (DAYS.index(date(2026, 7, 20)), DAYS.index(date(2026, 8, 28)))
    christmas = (DAYS.index(date(2025, 12, 19)), DAYS.index(date(2026, 1, 2)))
    spring = (DAYS.index(date(2026, 3, 30)), DAYS.index(date(2026, 4, 17)))
    half_terms = [DAYS.index(date(2026, 2, 16)), DAYS.index(date(2026, 5, 26)), DAYS.index(date(2026, 10, 26))]
    sick_rate = rng.gamma(0.8, 2.2 / 0.8, people.n)  # spells a year: many have none, a few have many
    for i in range(people.n):
        wd = np.flatnonzero(works[i])
        if len(wd) == 0:
            continue
        row = absent[i]

        def mark(position: int, length: int, code: int, row: np.ndarray = row, wd: np.ndarray = wd) -> int:
            span = wd[position:position + length]
            free = span[row[span] == 0]
            row[free] = code
            return len(free)

        def first_in(window: tuple[int, int], wd: np.ndarray = wd) -> tuple[int, int]:
            lo, hi = np.searchsorted(wd, window[0]), np.searchsorted(wd, window[1], side="right")
            return int(lo), int(hi)

        per_week = people.weekday_mask[i].sum()
        allowance = round(25 * len(wd) / full_year * rng.uniform(0.8, 1.1))
        taken = 0
        blocks = []
        if rng.random() < 0.8:
            blocks.append((summer, int(per_week * rng.integers(1, 3))))
        if rng.random() < 0.7:
            blocks.append((christmas, int(rng.integers(2, 5))))
        if rng.random() < 0.5:
            blocks.append((spring, int(rng.integers(2, per_week + 1))))
        if rng.random() < 0.4:
            h = half_terms[int(rng.integers(0, 3))]
            blocks.append(((h, h + 4), int(rng.integers(2, per_week + 1))))
        for window, length in blocks:
            lo, hi = first_in(window)
            if hi > lo and taken < allowance:
                taken += mark(int(rng.integers(lo, hi)), min(length, allowance - taken), 1)
        attempts = 0
        while taken < allowance and attempts < 60:
            attempts += 1
            taken += mark(int(rng.integers(0, len(wd))), min(int(rng.choice([1, 1, 1, 2, 3])), allowance - taken), 1)

        for _ in range(rng.poisson(sick_rate[i] * len(wd) / full_year)):
            u = rng.random()
            length = 1 if u < 0.55 else int(rng.integers(2, 5)) if u < 0.85 else int(rng.integers(5, 11)) \
                if u < 0.96 else int(rng.integers(20, 70))
            mark(int(rng.integers(0, len(wd))), length, 2)
        for _ in range(rng.poisson(2.0)):
            mark(int(rng.integers(0, len(wd))), 1, 3)
        for _ in range(rng.poisson(0.5 + 0.6 * people.grade[i])):
            mark(int(rng.integers(0, len(wd))), 1, 4)
    return absent


def make_cards(rng: np.random.Generator, people: People, unknown: int) -> Cards:
    n = people.n
    replaced = rng.random(n) < 0.04
    replace_day = rng.integers(30, 330, n)
    total = n + int(replaced.sum())
    numbers = rng.choice(90_000_000, size=total + unknown, replace=False) + 10_000_000
    owner: list[int] = []
    issued: list[date] = []
    withdrawn: list[date | None] = []
    current_from: list[int] = []
    k = 0
    number: list[str] = []
    for i in range(n):
        first_issue = max(people.start[i], date(2016, 4, 1))
        owner.append(i)
        number.append(f"{numbers[k]:08d}")
        k += 1
        issued.append(first_issue)
        current_from.append(0)
        if replaced[i] and DAYS[replace_day[i]] > people.start[i]:
            swap = DAYS[replace_day[i]]
            withdrawn.append(swap)
            owner.append(i)
            number.append(f"{numbers[k]:08d}")
            k += 1
            issued.append(swap)
            withdrawn.append(people.end[i])
            current_from.append(int(replace_day[i]))
        else:
            withdrawn.append(people.end[i])
    unknown_numbers = [f"{x:08d}" for x in numbers[total:total + unknown]]
    return Cards(np.array(owner), number, issued, withdrawn, np.array(current_from), unknown_numbers)


def _utc_offsets() -> np.ndarray:
    """Europe/London's UTC offset in seconds at 09:00 on each day of the year."""
    # an aware datetime always has an offset (utcoffset() is None only for a naive one)
    return np.array([int(cast(timedelta, datetime(d.year, d.month, d.day, 9, tzinfo=LONDON).utcoffset()).total_seconds())
                     for d in DAYS])


def make_presence(rng: np.random.Generator, people: People, works: np.ndarray, absent: np.ndarray,
                  cards: Cards, member_factor: np.ndarray) -> Presence:
    weekday = np.array([d.weekday() for d in DAYS])
    weekday_factor = np.array([0.72, 1.22, 1.22, 1.12, 0.62, 0.0, 0.0])[weekday]
    season = np.ones(len(DAYS))
    for i, d in enumerate(DAYS):
        if (d.month == 12 and d.day >= 19) or (d.month == 1 and d.day <= 2):
            season[i] = 0.55
        elif d.month == 8:
            season[i] = 0.85
    before_settlement = np.array([d < SETTLEMENT for d in DAYS])
    p = people.propensity[:, None] * weekday_factor[None, :] * season[None, :]
    p = np.where(before_settlement[None, :], p * member_factor[:, None], p)
    attend = (rng.random(works.shape) < np.minimum(p, 0.98)) & works & (absent == 0)
    person, day = np.nonzero(attend)
    m = len(person)

    # Where and when they arrived (local wall-clock seconds after midnight).
    at_hub = (people.hub[person] >= 0) & (rng.random(m) < np.where(people.home_based[person], 0.7, 0.3))
    site = np.where(at_hub, people.hub[person], people.site[person])
    arrival = np.clip(rng.normal(8.8 * 3600, 0.8 * 3600, m), 6.5 * 3600, 11 * 3600).astype(np.int64)

    parts_person, parts_day, parts_site, parts_sod, parts_source = [], [], [], [], []

    def add(mask: np.ndarray, sod: np.ndarray, source: int, where: np.ndarray | None = None) -> None:
        parts_person.append(person[mask])
        parts_day.append(day[mask])
        parts_site.append((site if where is None else where)[mask])
        parts_sod.append(sod[mask])
        parts_source.append(np.full(int(mask.sum()), source, dtype=np.int8))

    swiped = rng.random(m) >= 0.02  # 2% of office days have no swipe: tailgating, a failed reader
    add(swiped, arrival, 0)
    back = swiped & (rng.random(m) < 0.3)
    add(back, arrival + rng.integers(3 * 3600, 5 * 3600, m), 0)
    repeated = swiped & (rng.random(m) < 0.05)  # the same card read again within the minute
    add(repeated, arrival + rng.integers(1, 40, m), 0)
    second_site = rng.random(m) < 0.006
    elsewhere = np.where(people.site[person] == SITE_INDEX["newport"],
                         np.where(rng.random(m) < 0.6, SITE_INDEX["cardiff-hub"], SITE_INDEX["london"]),
                         np.where(rng.random(m) < 0.5, SITE_INDEX["newport"], SITE_INDEX["london"]))
    elsewhere = np.where(elsewhere == site, SITE_INDEX["birmingham-hub"], elsewhere)
    add(second_site, arrival + rng.integers(int(3.5 * 3600), 6 * 3600, m), 0, where=elsewhere)
    checkin = people.books_desks[person] & (rng.random(m) < 0.85)
    add(checkin, arrival + rng.integers(120, 1500, m), 1)

    staff = np.concatenate(parts_person)
    day_of = np.concatenate(parts_day)
    where = np.concatenate(parts_site)
    sod = np.concatenate(parts_sod)
    source = np.concatenate(parts_source)

    # Which card: the one in use on that day.
    first_card = np.searchsorted(cards.owner, np.arange(people.n))
    has_second = np.bincount(cards.owner, minlength=people.n) > 1
    second = np.minimum(first_card + 1, len(cards.owner) - 1)
    uses_second = has_second[staff] & (day_of >= cards.current_from_day[second[staff]])
    card_index = np.where(uses_second, second[staff], first_card[staff])

    # Visitors' and contractors' cards: about 0.4% of badge swipes, on working days at random sites.
    unknown = max(5, int(0.004 * int((source == 0).sum())))
    open_days = np.flatnonzero(works.any(axis=0))
    u_day = rng.choice(open_days, unknown)
    u_site = rng.choice(len(data.SITES), unknown, p=_site_weights())
    u_sod = rng.integers(7 * 3600, 17 * 3600, unknown)
    u_card = rng.integers(0, len(cards.unknown_numbers), unknown)

    staff = np.concatenate([staff, np.full(unknown, -1)])
    day_of = np.concatenate([day_of, u_day])
    where = np.concatenate([where, u_site])
    sod = np.concatenate([sod, u_sod])
    source = np.concatenate([source, np.zeros(unknown, dtype=np.int8)])
    card_numbers = [cards.number[k] for k in card_index.tolist()] + [cards.unknown_numbers[k] for k in u_card]

    # To UTC, then the faults of the clocks.
    midnight = np.array([int(datetime(d.year, d.month, d.day, tzinfo=UTC).timestamp()) for d in DAYS])
    offsets = _utc_offsets()
    epoch = midnight[day_of] + sod - offsets[day_of]
    utc_as_local = (where == SITE_INDEX[UTC_AS_LOCAL_SITE]) & (source == 0)
    epoch = np.where(utc_as_local, epoch + offsets[day_of], epoch)
    code, first_day, last_day, shift = READER_CLOCK_FAST
    fast = (where == SITE_INDEX[code]) & (source == 0) & (day_of >= DAYS.index(first_day)) \
        & (day_of <= DAYS.index(last_day))
    epoch = np.where(fast, epoch + shift, epoch)

    # After the settlement, check-ins record why the person came in.
    after = np.array([d >= SETTLEMENT for d in DAYS])[day_of] & (source == 1)
    purpose = np.where(after, rng.choice(len(data.PURPOSES), len(source), p=data.PURPOSE_SHARES), -1)

    order = np.lexsort((staff, where, epoch))
    faults = {
        "repeated_within_a_minute": int(repeated.sum()),
        "two_site_days": int(second_site.sum()),
        "unknown_card_swipes": unknown,
        "fast_clock_swipes": int(fast.sum()),
        "utc_written_as_local_swipes": int((utc_as_local & (offsets[day_of] != 0)).sum()),
        "office_days_without_a_swipe": int((~swiped).sum()),
    }
    return Presence(
        staff=staff[order], card=[card_numbers[k] for k in order.tolist()], site=where[order], epoch=epoch[order],
        source=source[order], purpose=purpose[order], faults=faults,
    )


def _site_weights() -> np.ndarray:
    w = np.array([max(s.headcount, 60) for s in data.SITES], dtype=float)
    return w / w.sum()


def union_members(rng: np.random.Generator, people: People, teams: list[TeamSpec], count: int,
                  weights_by_grade: tuple[float, ...], exclude: np.ndarray, prefix: str,
                  dispute_start: date) -> list[MemberSpec]:
    """Members drawn from the staff (a union at ONS organises ONS staff), by grade, never twice."""
    w = np.array(weights_by_grade)[people.grade] * ~exclude
    left_before = np.array([e is not None and e < YEAR_START for e in people.end])
    w = w * ~left_before
    count = min(count, int((w > 0).sum()))
    chosen = np.sort(rng.choice(people.n, size=count, replace=False, p=w / w.sum()))
    exclude[chosen] = True
    numbers = rng.choice(9_000_000, size=count, replace=False) + 1_000_000
    mobiles = rng.permutation(1000)
    has_mobile = rng.random(count) < 0.87
    overseas_slots = set(rng.choice(count, size=max(1, round(count * 0.004)), replace=False).tolist())
    members = []
    mobile_k = 0
    for j, i in enumerate(chosen.tolist()):
        home = data.SITES[people.site[i]]
        if people.home_based[i]:
            home = data.SITES[int(rng.integers(0, len(OFFICES)))]
        town_k = int(rng.integers(0, len(home.towns)))
        postcode = f"{home.postcodes[int(rng.integers(0, len(home.postcodes)))]} {int(rng.integers(1, 10))}" \
            f"{'ABDEFGHJLNPQRSTUWXYZ'[int(rng.integers(0, 20))]}{'ABDEFGHJLNPQRSTUWXYZ'[int(rng.integers(0, 20))]}"
        address = f"{int(rng.integers(1, 180))} {data.STREETS[int(rng.integers(0, len(data.STREETS)))]}, " \
            f"{home.towns[town_k]} {postcode}"
        overseas = j in overseas_slots
        if overseas:
            address = data.OVERSEAS_ADDRESSES[int(rng.integers(0, len(data.OVERSEAS_ADDRESSES)))]
        mobile = ""
        if has_mobile[j] and mobile_k < len(mobiles):
            mobile = f"07700 900{mobiles[mobile_k]:03d}"
            mobile_k += 1
        domain = "example.org" if rng.random() < 0.6 else "example.com"
        email = f"{_ascii_name(people.first[i])}.{_ascii_name(people.last[i])}{int(rng.integers(1, 100))}@{domain}"
        directorate = teams[people.team[i]].directorate
        category = data.JOB_CATEGORY[directorate]
        if data.GRADES[people.grade[i]] in ("AA", "AO") and category != "Survey operations":
            category = "Administrative support"
        start = people.start[i]
        u = rng.random()
        if u < 0.15:  # joined during the dispute
            lo = max(start, dispute_start)
            joined = lo + timedelta(days=int(rng.integers(0, max(1, (date(2026, 9, 30) - lo).days))))
        else:
            span = max(1, (min(TODAY, date(2026, 9, 30)) - start).days)
            joined = start + timedelta(days=int(rng.integers(0, span) * rng.random()))
        left = None
        end = people.end[i]
        if end is not None and rng.random() < 0.7:  # the register catches up with most leavers
            left = min(TODAY, end + timedelta(days=int(rng.integers(0, 60))))
        elif end is None and rng.random() < 0.03:  # resigned their membership
            left = max(joined + timedelta(days=30), YEAR_START + timedelta(days=int(rng.integers(0, 380))))
            left = min(left, TODAY)
        if left is not None and left <= joined:
            joined = left - timedelta(days=int(rng.integers(200, 2000)))
        members.append(MemberSpec(i, f"{prefix}{numbers[j]:07d}", email, mobile, address, overseas, category,
                                  joined, left))
    return members
