"""Every policy shape of docs/policy.md, computed twice from the same generated files (issue 14's done-when).

A seeded generator writes an organisation's files (sites, teams, staff) and its ledger (badge swipes, desk
bookings with and without check-in and purposes, absences) as CSV. They are loaded through the imports HR
uses, and each policy is computed by the wing (`figures.compute_for`, the pages' path). The expected figures
are computed here independently, in plain Python from the generated rows (Europe/London dates from zoneinfo,
the bank holidays from the pinned GOV.UK JSON), never by calling the engine, at the person, team, site and
organisation levels: individual, team, site, organisation-wide and purpose-led targets; days and hours;
month, week and rolling windows (which reach back before the period).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
from collections import defaultdict
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from mandate.workplace.figures import compute_for
from mandate.workplace.importers import import_file
from mandate.workplace.models import AttendancePolicy, Organisation
from mandate.workplace.organisation_import import import_organisation_file

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
START, END = dt.date(2026, 11, 2), dt.date(2026, 12, 31)
LEDGER_FROM = dt.date(2026, 10, 1)  # the ledger starts earlier: rolling windows reach back
WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
SITES = [("newport", "Newport", "england-and-wales"), ("edinburgh", "Edinburgh", "scotland")]
TEAMS = ["prices", "census", "methods"]
PURPOSES = ["team_anchor_day", "training", "meeting", "induction", "collaboration"]

EXCLUDE = ["annual_leave", "sickness", "special_leave", "bank_holiday"]
SHAPES: dict[str, dict[str, Any]] = {
    "individual, days, month": {"unit": "days", "period": "month", "target_of": "person", "target_percent": 40,
                                "credit": ["official_business"]},
    "team, days, week": {"unit": "days", "period": "week", "target_of": "team", "target_percent": 40,
                         "credit": ["official_business", "training"]},
    "site, days, month": {"unit": "days", "period": "month", "target_of": "site", "target_percent": 40,
                          "credit": [], "sites": {"edinburgh": 20}},
    "organisation, days, rolling 3 weeks": {"unit": "days", "period": "rolling_weeks:3",
                                            "target_of": "organisation", "target_percent": 40, "credit": []},
    "purpose-led organisation, days, month": {"unit": "days", "period": "month", "target_of": "organisation",
                                              "target_percent": 30, "credit": ["training"], "purpose_led": True},
    "individual, hours, month": {"unit": "hours", "period": "month", "target_of": "person",
                                 "target_percent": 60, "credit": ["official_business", "training"]},
    "team, hours, rolling 2 weeks": {"unit": "hours", "period": "rolling_weeks:2", "target_of": "team",
                                     "target_percent": 50, "credit": []},
}


def _toml(name: str, shape: dict[str, Any]) -> str:
    lines = [f'name = "{name}"', f'unit = "{shape["unit"]}"', f'period = "{shape["period"]}"',
             f'target_percent = {shape["target_percent"]}', f'target_of = "{shape["target_of"]}"',
             f"exclude = {json.dumps(EXCLUDE)}", 'count = ["badge", "booking_checkin"]',
             f"credit = {json.dumps(shape['credit'])}"]
    if shape.get("purpose_led"):
        lines.append("purpose_led = true")
    for code, target in shape.get("sites", {}).items():
        lines += [f"[sites.{code}]", f"target_percent = {target}"]
    return "\n".join(lines) + "\n"


# -- the generated files ---------------------------------------------------------------------------------------

def _days(a: dt.date, b: dt.date) -> list[dt.date]:
    return [a + dt.timedelta(days=i) for i in range((b - a).days + 1)]


def generate(seed: int = 14) -> dict[str, Any]:
    rng = random.Random(seed)
    people = []
    for i in range(30):
        site = "edinburgh" if i % 4 == 0 else "newport"
        pattern = rng.choice([["Mon", "Tue", "Wed", "Thu", "Fri"]] * 3 + [["Mon", "Tue", "Wed"], ["Tue", "Thu"]])
        start = rng.choice([dt.date(2020, 1, 6)] * 5 + [dt.date(2026, 11, 16)])
        end = rng.choice([None] * 6 + [dt.date(2026, 12, 11)])
        people.append({"staff_id": f"G{i:03d}", "name": f"Person {i}", "home_site": site, "team": TEAMS[i % 3],
                       "days": pattern, "hours": rng.choice([7.4, 7.4, 6.0]), "start": start, "end": end})
    swipes, bookings, absences = [], [], []
    for p in people:
        propensity = rng.choice([0.1, 0.3, 0.5, 0.8])
        for d in _days(LEDGER_FROM, END):
            if d.weekday() >= 5 and rng.random() > 0.05:
                continue
            r = rng.random()
            if r < 0.06:
                absences.append((p["staff_id"], d, rng.choice(["annual_leave", "sickness", "special_leave",
                                                                "training", "official_business"])))
                if rng.random() < 0.3:  # in anyway: presence beats the absence
                    pass
                else:
                    continue
            if rng.random() >= propensity:
                if rng.random() < 0.1:  # booked, never checked in: never counts
                    bookings.append((p["staff_id"], p["home_site"], d, None, ""))
                continue
            site = p["home_site"] if rng.random() < 0.9 else rng.choice(["newport", "edinburgh"])
            arrive = dt.datetime.combine(d, dt.time(7 + rng.randrange(3), rng.randrange(60)), tzinfo=LONDON)
            swipes.append((p["staff_id"], site, arrive))
            if rng.random() < 0.7:
                swipes.append((p["staff_id"], site, arrive + dt.timedelta(minutes=rng.randrange(120, 600))))
            if rng.random() < 0.1:  # a second site the same day, overlapping or not
                other = "edinburgh" if site == "newport" else "newport"
                swipes.append((p["staff_id"], other, arrive + dt.timedelta(minutes=rng.randrange(-60, 300))))
            if rng.random() < 0.1:  # late at night: 23:30 local, the same local date
                swipes.append((p["staff_id"], site, dt.datetime.combine(d, dt.time(23, 30), tzinfo=LONDON)))
            if rng.random() < 0.3:
                checkin = arrive + dt.timedelta(minutes=rng.randrange(1, 90))
                bookings.append((p["staff_id"], site, d, checkin, rng.choice(PURPOSES + [""])))
    return {"people": people, "swipes": swipes, "bookings": bookings, "absences": absences}


def _csv(header: list[str], rows: list[list[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def files(gen: dict[str, Any]) -> list[tuple[str, str, bytes]]:
    people = gen["people"]
    iso = lambda v: "" if v is None else v.isoformat()  # noqa: E731
    return [
        ("sites", "sites.csv", _csv(["site_code", "name", "nation", "desks"], [[c, n, x, 100] for c, n, x in SITES])),
        ("teams", "teams.csv", _csv(["team_code", "name"], [[t, t.title()] for t in TEAMS])),
        ("staff", "staff.csv", _csv(
            ["staff_id", "name", "home_site", "team", "grade", "working_days", "hours_per_day", "start_date",
             "end_date"],
            [[p["staff_id"], p["name"], p["home_site"], p["team"], "HEO", ";".join(p["days"]), p["hours"],
              iso(p["start"]), iso(p["end"])] for p in people])),
        ("badge", "badge.csv", _csv(["staff_id", "site_code", "timestamp"],
                                    [[s, site, ts.isoformat()] for s, site, ts in gen["swipes"]])),
        ("bookings", "bookings.csv", _csv(["staff_id", "site_code", "date", "checked_in_at", "purpose"],
                                          [[s, site, d.isoformat(), iso(c), purpose]
                                           for s, site, d, c, purpose in gen["bookings"]])),
        ("absences", "absences.csv", _csv(["staff_id", "date", "kind"],
                                          [[s, d.isoformat(), k] for s, d, k in gen["absences"]])),
    ]


# -- the expected figures, by hand -------------------------------------------------------------------------------

def bank_holidays() -> dict[str, set[dt.date]]:
    with resources.files("mandate.policy").joinpath("data/bank-holidays.json").open("rb") as fh:
        data = json.load(fh)
    return {n: {dt.date.fromisoformat(e["date"]) for e in data[n]["events"]} for n in data}


def periods(shape: dict[str, Any]) -> list[tuple[dt.date, dt.date]]:
    period = shape["period"]
    first_monday = START - dt.timedelta(days=START.weekday())
    weeks = [(m, m + dt.timedelta(days=6)) for m in _days(first_monday, END) if m.weekday() == 0]
    if period == "week":
        return [(max(a, START), min(b, END)) for a, b in weeks]
    if period == "month":
        return [(START, dt.date(2026, 11, 30)), (dt.date(2026, 12, 1), END)]
    n = int(period.split(":")[1])
    return [(a - dt.timedelta(weeks=n - 1), min(b, END)) for a, b in weeks]


class HandCount:
    """The figures of one policy shape over the generated rows, counted day by day."""

    def __init__(self, gen: dict[str, Any], shape: dict[str, Any]) -> None:
        self.gen, self.shape = gen, shape
        self.holidays = bank_holidays()
        self.nation = {c: x for c, _, x in SITES}
        self.counted: dict[tuple[str, dt.date], dict[str, list[dt.datetime]]] = defaultdict(lambda: defaultdict(list))
        self.purpose: dict[tuple[str, dt.date], set[str]] = defaultdict(set)
        for staff, site, ts in gen["swipes"]:
            self.counted[(staff, ts.astimezone(LONDON).date())][site].append(ts)
        for staff, site, _booked, checkin, why in gen["bookings"]:
            if checkin is not None:
                local = checkin.astimezone(LONDON).date()
                self.counted[(staff, local)][site].append(checkin)
                if why:
                    self.purpose[(staff, local)].add(why)
        self.absent: dict[tuple[str, dt.date], set[str]] = defaultdict(set)
        for staff, d, kind in gen["absences"]:
            self.absent[(staff, d)].add(kind)

    @staticmethod
    def works(p: dict[str, Any], d: dt.date) -> bool:
        return WEEKDAYS[d.weekday()] in p["days"] and p["start"] <= d and not (p["end"] and d > p["end"])

    def day(self, p: dict[str, Any], d: dt.date) -> tuple[str, float]:
        """(status, attended hours) of a contracted working day."""
        key = (p["staff_id"], d)
        if key in self.counted:
            spans = sorted((min(t), max(t)) for t in self.counted[key].values())
            merged: list[list[dt.datetime]] = []
            for a, b in spans:
                if merged and a <= merged[-1][1]:
                    merged[-1][1] = max(merged[-1][1], b)
                else:
                    merged.append([a, b])
            hours = sum((b - a).total_seconds() for a, b in merged) / 3600
            return "attended", p["hours"] if hours == 0 else min(hours, p["hours"])
        if self.absent[key] & set(self.shape["credit"]):
            return "credited", 0.0
        if self.absent[key] & set(EXCLUDE) or d in self.holidays[self.nation[p["home_site"]]]:
            return "excluded", 0.0
        return "not_attended", 0.0

    def counts(self, p: dict[str, Any], a: dt.date, b: dt.date) -> dict[str, float] | None:
        c = {"working": 0, "attended": 0, "credited": 0, "excluded": 0, "hours": 0.0}
        for d in _days(a, b):
            if self.works(p, d):
                status, hours = self.day(p, d)
                c["working"] += 1
                if status != "not_attended":
                    c[status] += 1
                c["hours"] += hours
        return c if c["working"] else None

    def percent(self, c: dict[str, float]) -> float | None:
        if self.shape["unit"] == "hours":
            got = c["hours"] + c["credited_hours"]
            return 100 * got / c["required_hours"] if c["required_hours"] else None
        required = c["working"] - c["excluded"]
        return 100 * (c["attended"] + c["credited"]) / required if required else None

    @staticmethod
    def add(total: dict[str, float], c: dict[str, float], hours_per_day: float) -> None:
        for k in ("working", "attended", "credited", "excluded", "hours"):
            total[k] = total.get(k, 0) + c[k]
        total["required_hours"] = total.get("required_hours", 0) + (c["working"] - c["excluded"]) * hours_per_day
        total["credited_hours"] = total.get("credited_hours", 0) + c["credited"] * hours_per_day
        total["people"] = total.get("people", 0) + 1

    def figures(self) -> dict[str, Any]:
        shape, target = self.shape, self.shape["target_percent"]
        site_target = {c: shape.get("sites", {}).get(c, target) for c, _, _ in SITES}
        people_rows: dict[tuple[str, dt.date, dt.date], dict[str, Any]] = {}
        groups: dict[str, dict[str, dict[tuple[dt.date, dt.date], dict[str, float]]]] = {
            "team": defaultdict(dict), "site": defaultdict(dict)}
        org_periods: dict[tuple[dt.date, dt.date], dict[str, float]] = defaultdict(dict)
        for a, b in periods(shape):
            for p in self.gen["people"]:
                c = self.counts(p, a, b)
                if c is None:
                    continue
                row: dict[str, Any] = {}
                self.add(row, c, p["hours"])
                pct = self.percent(row)
                row["percent"] = pct
                row["target_met"] = (None if shape["target_of"] != "person" or pct is None
                                     else pct >= site_target[p["home_site"]] - 1e-9)
                people_rows[(p["staff_id"], a, b)] = row
                self.add(groups["team"][p["team"]].setdefault((a, b), {}), c, p["hours"])
                self.add(groups["site"][p["home_site"]].setdefault((a, b), {}), c, p["hours"])
                self.add(org_periods[(a, b)], c, p["hours"])
        overall: dict[str, float] = {}
        for p in self.gen["people"]:
            c = self.counts(p, START, END)
            if c is not None:
                self.add(overall, c, p["hours"])
        return {"people": people_rows, "team": groups["team"], "site": groups["site"], "org_periods": org_periods,
                "overall": overall, "percent": self.percent, "site_target": site_target,
                "purposes": self.purposes()}

    def purposes(self) -> dict[tuple[dt.date, dt.date, str], int]:
        """Attended days per recorded purpose (the first in alphabetical order when a day has several)."""
        out: dict[tuple[dt.date, dt.date, str], int] = defaultdict(int)
        if not self.shape.get("purpose_led"):
            return {}
        for a, b in periods(self.shape):
            for p in self.gen["people"]:
                for d in _days(a, b):
                    if self.works(p, d) and self.day(p, d)[0] == "attended":
                        whys = self.purpose.get((p["staff_id"], d))
                        out[(a, b, min(whys) if whys else "(none recorded)")] += 1
        return dict(out)


def expected(gen: dict[str, Any], shape: dict[str, Any]) -> dict[str, Any]:
    return HandCount(gen, shape).figures()


# -- the test ----------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def generated() -> dict[str, Any]:
    return generate()


@pytest.fixture
def loaded(db, generated):  # type: ignore[no-untyped-def]
    org = Organisation.objects.create(code="gen", name="Generated Statistics")
    for kind, name, data in files(generated):
        service = import_organisation_file if kind in ("sites", "teams", "staff") else import_file
        service(org, kind, name, data, "test")
    return org


def _close(engine: float | None, mine: float | None) -> bool:
    return (engine is None and mine is None) or (engine is not None and mine is not None
                                                 and abs(engine - mine) < 1e-6)


@pytest.mark.parametrize("name", list(SHAPES))
def test_the_figures_of_every_policy_shape_agree_with_a_hand_count(loaded, generated, name) -> None:  # type: ignore[no-untyped-def]
    shape = SHAPES[name]
    policy = AttendancePolicy.objects.create(organisation=loaded, toml=_toml(name, shape))
    result = compute_for(loaded, policy, START, END).result
    want = expected(generated, shape)
    hours = shape["unit"] == "hours"

    # people: every person and period, and nobody else
    got = {(r["staff_id"], r["period_start"], r["period_end"]): r for r in result.people.to_pylist()}
    assert set(got) == set(want["people"]), name
    for key, w in want["people"].items():
        r = got[key]
        assert (r["working_days"], r["attended_days"], r["credited_days"], r["excluded_days"]) == (
            w["working"], w["attended"], w["credited"], w["excluded"]), (name, key)
        if hours:
            assert abs(r["attended_hours"] - w["hours"]) < 1e-6, (name, key)
        assert _close(r["percent"], w["percent"]) and r["target_met"] == w["target_met"], (name, key, r, w)

    # teams and sites: pooled days (or hours), judged only against their own target
    for level, table, key in (("team", result.teams, "team"), ("site", result.sites, "site_code")):
        rows = {(r[key], r["period_start"], r["period_end"]): r for r in table.to_pylist()}
        flat = {(g, a, b): c for g, by in want[level].items() for (a, b), c in by.items()}
        assert set(rows) == set(flat), (name, level)
        for k, c in flat.items():
            r = rows[k]
            assert (r["people"], r["required_days"], r["attended_days"], r["credited_days"]) == (
                c["people"], c["working"] - c["excluded"], c["attended"], c["credited"]), (name, k)
            pct = want["percent"](c)
            assert _close(r["percent"], pct), (name, k)
            t = want["site_target"][k[0]] if level == "site" else shape["target_percent"]
            owns = shape["target_of"] == level
            assert r["target_met"] == (pct >= t - 1e-9 if owns and pct is not None else None), (name, k)
            assert r["people_meeting_target"] == (
                sum(1 for (s, a, b), w in want["people"].items() if w["target_met"] and (a, b) == k[1:]
                    and _group_of(generated, s, level) == k[0]) if shape["target_of"] == "person" else None)

    # the organisation: per period, and over the whole range each day once (not the rolling windows' sum)
    org_rows = {(r["period_start"], r["period_end"]): r for r in result.organisation_periods.to_pylist()}
    assert set(org_rows) == set(want["org_periods"])
    for k, c in want["org_periods"].items():
        assert org_rows[k]["required_days"] == c["working"] - c["excluded"] and _close(
            org_rows[k]["percent"], want["percent"](c)), (name, k)
    overall, o = result.organisation, want["overall"]
    assert (overall["people"], overall["required_days"], overall["attended_days"], overall["credited_days"]) == (
        o["people"], o["working"] - o["excluded"], o["attended"], o["credited"]), name
    pct = want["percent"](o)
    assert _close(overall["percent"], pct), name
    assert overall["target_met"] == (pct >= shape["target_percent"] - 1e-9
                                     if shape["target_of"] == "organisation" else None)
    if shape["period"].startswith("rolling"):
        assert min(k[1] for k in got) < START and result.notes  # the windows reach back, and say so
    if shape.get("purpose_led"):
        purposes = {(r["period_start"], r["period_end"], r["purpose"]): r["days"]
                    for r in result.purposes.to_pylist()}
        assert purposes == want["purposes"]


def _group_of(gen: dict[str, Any], staff_id: str, level: str) -> str:
    p = next(p for p in gen["people"] if p["staff_id"] == staff_id)
    return p["team"] if level == "team" else p["home_site"]
