"""Backtest of the desks-needed forecast on the demo's year of presence (issue 18).

    .venv/bin/python bench/desk_backtest.py [--staff 5300] [--seed 1] [--service-level 0.95] [--json]

Generates the demo population and its year of badge swipes and check-ins in memory (mandate.demo.generate,
the same draws as `mandate demo`), counts the distinct people in at each site on each day (unknown cards and
bookings without a check-in left out), and runs `mandate.policy.desk_forecast.backtest` on those counts with
each site's bank holidays closed. Prints the table per site and weekday (Markdown, as in docs/policy.md).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path

import numpy as np

from mandate.demo import data
from mandate.demo import generate as gen
from mandate.policy.calendar import bank_holidays
from mandate.policy.desk_forecast import SiteDayCount, backtest
from mandate.policy.workspace import DAY_NAMES


def demo_counts(staff: int, seed: int) -> tuple[list[SiteDayCount], dict[str, set[dt.date]]]:
    rng = np.random.default_rng(seed)
    headcounts = gen.site_headcounts(staff)
    teams = gen.make_teams(rng, headcounts)
    people = gen.make_people(rng, staff, teams)
    works = gen.working_calendar(people, gen.bank_holidays())
    absent = gen.make_absences(rng, people, works)
    cards = gen.make_cards(rng, people, unknown=max(5, staff // 50))
    presence = gen.make_presence(rng, people, works, absent, cards, np.ones(people.n))
    known = presence.staff >= 0
    day = (presence.epoch[known] // 86400).astype(np.int64)  # arrivals are daytime: the UTC date is the local one
    keys = np.unique(np.stack([presence.site[known], day, presence.staff[known]]), axis=1)
    site_day, n = np.unique(keys[:2], axis=1, return_counts=True)
    epoch = dt.date(1970, 1, 1)
    counts = [SiteDayCount(data.SITES[s].code, epoch + dt.timedelta(days=int(d)), int(c))
              for s, d, c in zip(site_day[0], site_day[1], n, strict=True)]
    closed = {s.code: set(bank_holidays(s.nation)) for s in data.SITES}
    return counts, closed


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--staff", type=int, default=5300)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--service-level", type=float, default=0.95)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--write", metavar="DIR", help="Also write DIR/counts.csv and DIR/sites.csv, the input of "
                    "`mandate attendance desks --counts DIR/counts.csv --sites DIR/sites.csv --backtest`")
    args = ap.parse_args()
    t0 = time.perf_counter()
    counts, closed = demo_counts(args.staff, args.seed)
    t1 = time.perf_counter()
    if args.write:
        out = Path(args.write)
        out.mkdir(parents=True, exist_ok=True)
        with open(out / "counts.csv", "w", encoding="utf-8") as fh:
            fh.write("site_code,date,people\n")
            fh.writelines(f"{c.site_code},{c.date.isoformat()},{c.people}\n" for c in counts)
        with open(out / "sites.csv", "w", encoding="utf-8") as fh:
            fh.write("site_code,name,nation\n")
            fh.writelines(f"{s.code},{s.name},{s.nation}\n" for s in data.SITES)
    result = backtest(counts, sites=[s.code for s in data.SITES], closed=closed, service_level=args.service_level)
    t2 = time.perf_counter()
    if args.json:
        print(json.dumps(result.to_json_dict()))
        return 0
    print(f"Weeks forecast {result.first_week.isoformat()} to {result.last_week.isoformat()}; "
          f"service level {args.service_level:g}; {args.staff} staff, seed {args.seed}.\n")
    print("| site | day | days | exceeded | rate | 95% interval | mean desks | mean in | most in |")
    print("|---|---|---:|---:|---:|---|---:|---:|---:|")
    for r in result.rows:
        lo, hi = r.interval()
        print(f"| {r.site_code} | {DAY_NAMES[r.weekday][:3]} | {r.days} | {r.exceeded} | {r.rate * 100:.1f}% | "
              f"{lo * 100:.1f}-{hi * 100:.1f}% | {r.mean_desks:.0f} | {r.mean_observed:.0f} | {r.max_observed} |")
    print(f"\nAll site days: {result.exceeded} exceeded of {result.days} ({result.rate * 100:.1f}%). "
          f"Generation {t1 - t0:.1f} s, backtest {t2 - t1:.2f} s.", file=sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
