"""A vectorised pandas implementation of one day-unit policy (the benchmark's peer).

Same rules as the engine: contracted working days within contract dates; each day once with precedence
attended > credited > excluded; Europe/London local dates; bank holidays of the home site's nation; monthly
periods. Written plainly with pandas group-bys and merges, as an analyst would.
"""

from __future__ import annotations

import datetime as dt
import json
from importlib import resources

import numpy as np
import pandas as pd

DAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}


def compute_pandas(d: str, start: dt.date, end: dt.date, exclude: list[str], count: list[str],
                   credit: list[str]) -> pd.DataFrame:
    people = pd.read_parquet(f"{d}/people.parquet")
    sites = pd.read_parquet(f"{d}/sites.parquet")
    pres = pd.read_parquet(f"{d}/presence.parquet", columns=["staff_id", "timestamp", "source"])
    absn = pd.read_parquet(f"{d}/absences.parquet")
    s, e = pd.Timestamp(start), pd.Timestamp(end)

    pres = pres[pres["source"].isin(count)]
    local = pres["timestamp"].dt.tz_convert("Europe/London").dt.tz_localize(None).dt.normalize()
    att = pd.DataFrame({"staff_id": pres["staff_id"].values, "d": local.values}).drop_duplicates()
    att["prio"] = 1
    absn["d"] = pd.to_datetime(absn["date"])
    cr = absn.loc[absn["kind"].isin(credit), ["staff_id", "d"]].assign(prio=2)
    ex = absn.loc[absn["kind"].isin([k for k in exclude if k != "bank_holiday"]), ["staff_id", "d"]].assign(prio=3)
    parts = [att, cr, ex]
    if "bank_holiday" in exclude:
        snap = json.loads(resources.files("mandate.policy").joinpath("data/bank-holidays.json").read_text("utf-8"))
        bh = pd.DataFrame([(n, e["date"]) for n, v in snap.items() for e in v["events"]], columns=["nation", "d"])
        bh["d"] = pd.to_datetime(bh["d"])
        pn = people[["staff_id", "home_site"]].merge(sites, left_on="home_site", right_on="site_code")
        parts.append(pn[["staff_id", "nation"]].merge(bh, on="nation")[["staff_id", "d"]].assign(prio=3))
    ev = pd.concat(parts, ignore_index=True)
    ev = ev[(ev["d"] >= s) & (ev["d"] <= e)]
    day = ev.groupby(["staff_id", "d"], sort=False)["prio"].min().reset_index()

    masks = people["working_days"].str.lower().str.split(";").apply(lambda xs: sum(1 << DAYS[x] for x in xs))
    people = people.assign(mask=masks.values, sd=pd.to_datetime(people["start_date"]).fillna(s),
                           ed=pd.to_datetime(people["end_date"]).fillna(e))
    day = day.merge(people[["staff_id", "mask", "sd", "ed"]], on="staff_id")
    ok = ((day["mask"].values >> day["d"].dt.weekday.values) & 1).astype(bool)
    day = day[ok & (day["d"] >= day["sd"]) & (day["d"] <= day["ed"])]
    day["month"] = day["d"].dt.to_period("M")
    counts = day.groupby(["staff_id", "month", "prio"]).size().unstack(fill_value=0)
    counts = counts.reindex(columns=[1, 2, 3], fill_value=0)
    counts.columns = ["attended_days", "credited_days", "excluded_days"]

    # working days: every person x every day of the range (vectorised cross join)
    cal = pd.DataFrame({"d": pd.date_range(s, e, freq="D")})
    cal["wd"] = cal["d"].dt.weekday
    cal["month"] = cal["d"].dt.to_period("M")
    grid = people[["staff_id", "mask", "sd", "ed"]].merge(cal, how="cross")
    grid = grid[(((grid["mask"].values >> grid["wd"].values) & 1).astype(bool)) & (grid["d"] >= grid["sd"])
                & (grid["d"] <= grid["ed"])]
    w = grid.groupby(["staff_id", "month"]).size().rename("working_days")
    out = w.to_frame().join(counts, how="left").fillna(0).astype(np.int64).reset_index()
    out["required_days"] = out["working_days"] - out["excluded_days"]
    out["percent"] = np.where(out["required_days"] > 0,
                              100.0 * (out["attended_days"] + out["credited_days"])
                              / out["required_days"].where(out["required_days"] > 0, 1), np.nan)
    return out
