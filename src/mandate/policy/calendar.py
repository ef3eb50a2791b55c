"""Bank holidays (pinned GOV.UK snapshot) and the periods a policy measures over."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

from mandate.policy.config import Policy, PolicyVersion

NATIONS = ("england-and-wales", "scotland", "northern-ireland")


@cache
def _snapshot() -> dict:
    with resources.files("mandate.policy").joinpath("data/bank-holidays.json").open("rb") as fh:
        return json.load(fh)


def snapshot_years() -> tuple[int, int]:
    """First and last calendar year the pinned snapshot covers."""
    years = {int(e["date"][:4]) for div in _snapshot().values() for e in div["events"]}
    return min(years), max(years)


def bank_holidays(nation: str) -> dict[dt.date, str]:
    """Bank holidays of a nation (a GOV.UK division name): date -> title."""
    if nation not in NATIONS:
        raise ValueError(f"unknown nation {nation!r} (use one of {', '.join(NATIONS)})")
    return {dt.date.fromisoformat(e["date"]): e["title"] for e in _snapshot()[nation]["events"]}


def check_covered(start: dt.date, end: dt.date) -> None:
    lo, hi = snapshot_years()
    if start.year < lo or end.year > hi:
        raise ValueError(f"bank holidays are known from {lo} to {hi} only (the pinned GOV.UK snapshot); "
                         f"{start.isoformat()} to {end.isoformat()} falls outside")


@dataclass(frozen=True)
class Period:
    """A measurement period: `start`..`end` inclusive, governed by one policy version."""

    index: int
    start: dt.date
    end: dt.date
    version: PolicyVersion


def _weeks(s: dt.date, e: dt.date) -> list[tuple[dt.date, dt.date]]:
    monday = s - dt.timedelta(days=s.weekday())
    out = []
    while monday <= e:
        out.append((monday, monday + dt.timedelta(days=6)))
        monday += dt.timedelta(days=7)
    return out


def periods(policy: Policy, start: dt.date, end: dt.date) -> list[Period]:
    """The periods of `policy` over [start, end].

    Calendar weeks (Monday to Sunday) and calendar months are clipped to [start, end]. A rolling window of N
    weeks is produced for each calendar week touching [start, end]; it ends on that week's Sunday (or `end`)
    and reaches back N weeks, before `start` if need be (a window of 12 weeks ending on 4 October holds the 11
    weeks before it too), but never before its version took effect. Where a new policy version takes effect,
    the range is split there and each part is measured under its own version.
    """
    if end < start:
        raise ValueError(f"the end date {end.isoformat()} is before the start date {start.isoformat()}")
    out: list[Period] = []
    for s, e, v in policy.segments(start, end):
        spans: list[tuple[dt.date, dt.date]] = []
        if v.period == "week":
            spans = [(max(a, s), min(b, e)) for a, b in _weeks(s, e)]
        elif v.period == "month":
            cur = s
            while cur <= e:
                nxt = dt.date(cur.year + (cur.month == 12), cur.month % 12 + 1, 1)
                spans.append((cur, min(e, nxt - dt.timedelta(days=1))))
                cur = nxt
        else:
            n = v.rolling_weeks or 1
            floor = v.effective_from or dt.date.min
            for a, b in _weeks(s, e):
                spans.append((max(floor, a - dt.timedelta(days=7 * (n - 1))), min(b, e)))
        for a, b in spans:
            out.append(Period(len(out), a, b, v))
    return out


def data_start(policy: Policy, start: dt.date, end: dt.date) -> dt.date:
    """The first day whose records the figures of [start, end] need: `start`, or earlier where a rolling
    window reaches back before it."""
    return min([start, *(p.start for p in periods(policy, start, end))])
