"""`mandate attendance` commands: compute attendance under a policy from CSV or Parquet files."""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import sys
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any, NoReturn

import pyarrow.parquet as pq
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from mandate.cli.errors import BAD_INPUT, fail
from mandate.dates import human_date
from mandate.policy import Dataset, InputError, PolicyError, compare, compute, load_policy

app = typer.Typer(no_args_is_help=True)


def _console() -> Console:
    """Rich's console, at the terminal's width on a terminal; piped or redirected, wide enough that no table
    is cut or wrapped at 80 columns (COLUMNS, when set, still wins)."""
    if sys.stdout.isatty() or os.environ.get("COLUMNS"):
        return Console()
    return Console(width=1000, soft_wrap=True)


def _bad(message: object) -> NoReturn:
    """Bad input or option (a file, a date, a number): one line on standard error, exit 2, nothing on
    standard output."""
    fail(str(message), code=BAD_INPUT, prefix="mandate attendance")


def _date(value: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        _bad(f"{option} {value!r} is not a date (use YYYY-MM-DD, for example 2026-10-01)")


def _write_parquet_atomically(table, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    os.close(fd)
    try:
        pq.write_table(table, tmp)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


PEOPLE = typer.Option(..., "--people", help="PEOPLE.csv (or .parquet): staff_id,home_site,team,working_days,"
                      "hours_per_day,start_date,end_date")
SITES = typer.Option(..., "--sites", help="SITES.csv (or .parquet): site_code,name,nation")
PRESENCE = typer.Option(..., "--presence", help="PRESENCE.csv (or .parquet): staff_id,site_code,timestamp,source"
                        "[,purpose]")
ABSENCES = typer.Option(..., "--absences", help="ABSENCES.csv (or .parquet): staff_id,date,kind")
ADJUSTMENTS = typer.Option(None, "--adjustments", help="Optional adjusted expectations: staff_id,from_date,"
                           "to_date,adjusted_percent,exempt")
FROM = typer.Option(..., "--from", help="First day, YYYY-MM-DD")
TO = typer.Option(..., "--to", help="Last day, YYYY-MM-DD")


@app.command("compute")
def compute_command(
    people: Path = PEOPLE,
    sites: Path = SITES,
    presence: Path = PRESENCE,
    absences: Path = ABSENCES,
    policy: Path = typer.Option(..., "--policy", help="POLICY.toml"),
    from_: str = FROM,
    to: str = TO,
    adjustments: Path | None = ADJUSTMENTS,
    as_json: bool = typer.Option(False, "--json", help="Print the figures as JSON."),
    out: Path | None = typer.Option(None, "--out", help="Write one row per person and period to FILE.parquet."),
) -> None:
    """Compute each person's attendance, and the team, site and organisation figures, under a policy."""
    if as_json and out is not None:
        _bad("give --json or --out, not both")
    start, end = _date(from_, "--from"), _date(to, "--to")
    try:
        pol = load_policy(policy)
        data = Dataset.from_files(people=people, sites=sites, presence=presence, absences=absences,
                                  adjustments=adjustments)
        result = compute(data, pol, start, end)
    except (InputError, PolicyError, ValueError) as exc:
        _bad(exc)
    if out is not None:
        _write_parquet_atomically(result.people, out)
        typer.echo(f"Wrote {result.people.num_rows} rows to {out}")
        return
    if as_json:
        typer.echo(json.dumps(result.to_json_dict(), ensure_ascii=False))
        return
    console = _console()
    unit = result.unit
    table = Table(title=f"{pol.name}: {human_date(start)} to {human_date(end)}")
    rows = result.people.to_pylist()
    many = len({(r["period_start"], r["period_end"]) for r in rows}) > 1
    for col in ("Staff", *(("Period",) if many else ()), f"Required {unit}", "Attended", "Excluded", "Credited",
                "Percent", "Target met"):
        table.add_column(col)
    for r in rows:
        key = "hours" if unit == "hours" else "days"
        pct = "–" if r["percent"] is None else f"{r['percent']:.1f}%"
        met = {True: "yes", False: "no", None: "–"}[r["target_met"]]
        period = (f"{human_date(r['period_start'])} to {human_date(r['period_end'])}",) if many else ()
        table.add_row(r["staff_id"], *period,
                      f"{r['required_' + key]:g}", f"{r['attended_' + key]:g}", f"{r['excluded_' + key]:g}",
                      f"{r['credited_' + key]:g}", pct, met)
    console.print(table)
    org = result.organisation
    pct = "–" if org["percent"] is None else f"{org['percent']:.1f}%"
    console.print(f"Organisation: {pct} against a target of {org['target_percent']:g}% "
                  f"({ {True: 'met', False: 'not met'}.get(org['target_met'], 'not an organisation-wide target')}); "
                  f"{org['people']} people.")


@app.command("compare")
def compare_command(
    people: Path = PEOPLE,
    sites: Path = SITES,
    presence: Path = PRESENCE,
    absences: Path = ABSENCES,
    policy: Path = typer.Option(..., "--policy", help="The first POLICY.toml"),
    policy_b: Path = typer.Option(..., "--policy-b", help="The second POLICY.toml"),
    from_: str = FROM,
    to: str = TO,
    adjustments: Path | None = ADJUSTMENTS,
) -> None:
    """Compute two policies side by side over the same data; prints JSON."""
    start, end = _date(from_, "--from"), _date(to, "--to")
    try:
        pa_, pb_ = load_policy(policy), load_policy(policy_b)
        data = Dataset.from_files(people=people, sites=sites, presence=presence, absences=absences,
                                  adjustments=adjustments)
        result = compare(data, pa_, pb_, start, end)
    except (InputError, PolicyError, ValueError) as exc:
        _bad(exc)
    typer.echo(json.dumps(result.to_json_dict(), ensure_ascii=False))


# --- workspace: desk demand and team anchor days ----------------------------------------------------------------
# The engines are imported inside the commands: SciPy's stats and OR-Tools take a second or two to load, which
# every other `mandate` command would otherwise pay.

def _number(value: str, option: str, kind: type[int] | type[float], low: float, high: float | None,
            what: str, *, open_interval: bool = False) -> Any:
    """The option's value as `kind`, from `low` to `high` (None: no upper bound), or strictly between them
    with `open_interval`; otherwise one line naming the option and `what` it must be, exit 2."""
    try:
        number = kind(value)
    except ValueError:
        _bad(f"{option} {value!r} is not {what}")
    if open_interval:
        inside = low < number and (high is None or number < high)
    else:
        inside = low <= number and (high is None or number <= high)
    if not (math.isfinite(number) and inside):
        _bad(f"{option} {value!r} is not {what}")
    return number


def _percent(p: float) -> str:
    if p == 0:
        return "0%"
    if p < 0.001:
        return "under 0.1%"
    if p > 0.999 and p < 1:
        return "over 99.9%"
    return f"{p * 100:.1f}%"


DESKS = typer.Option(..., "--desks", help="DESKS.csv with columns site_code, desks, and optionally mon, tue, wed, "
                     "thu, fri (a weekday's own desks; empty: desks)")


DESKS_HELP = (
    "Desks needed per site and weekday at a service level, against the desks there.\n\n"
    "Each person comes in on a weekday with their own probability; a site's attendance that weekday is "
    "the sum (Poisson-binomial), and the desks needed are its quantile at the service level. Shown per "
    "site and weekday: people who may come in, expected attendance, desks needed, desks, spare or short, "
    "and the chance that someone finds no desk.\n\n"
    "With --history the probabilities are estimated per person and weekday as (1 + days in) / (2 + days "
    "recorded), the mean under a uniform Beta(1, 1) prior; a weekday outside working_days gets 0.\n\n"
    "With --counts (people in per site and day) the desks are forecast from what actually happened, hubs "
    "included: a week level and weekday profile, holiday weeks not taken as the level, and a quantile of the "
    "forecast's own past errors; --backtest shows how often that figure was exceeded, per site and weekday.\n\n"
    "Bad input: one line naming the file, line and field, exit status 2. See docs/policy.md."
)


@app.command("desks", help=DESKS_HELP)
def desks_command(
    people: Path | None = typer.Option(None, "--people", help="PEOPLE.csv with columns staff_id, home_site, mon, "
                                       "tue, wed, thu, fri (each the probability, 0 to 1, that the person comes "
                                       "in that weekday); with --history: staff_id, home_site, and optionally "
                                       "working_days (Mon;Tue;Wed)"),
    desks: Path | None = typer.Option(None, "--desks", help="DESKS.csv with columns site_code, desks, and "
                                      "optionally mon, tue, wed, thu, fri (a weekday's own desks; empty: desks); "
                                      "needed with --people, optional with --counts"),
    history: Path | None = typer.Option(None, "--history", help="HISTORY.csv with columns staff_id, date, "
                                        "present (1 in, 0 not): estimate each person's weekday probabilities "
                                        "from it"),
    counts: Path | None = typer.Option(None, "--counts", help="COUNTS.csv with columns site_code, date, people "
                                       "(distinct people in at the site that day): forecast next week's desks "
                                       "from what happened, calibrated on the history (hubs included)"),
    sites: Path | None = typer.Option(None, "--sites", help="With --counts: SITES.csv with columns site_code, "
                                      "nation (england-and-wales, scotland, northern-ireland): that nation's "
                                      "bank holidays are closed days, left out"),
    backtest: bool = typer.Option(False, "--backtest", help="With --counts: forecast every past week from the "
                                  "weeks before it and count the days more people came in than the desks "
                                  "forecast, per site and weekday"),
    service_level: str = typer.Option("0.95", "--service-level", metavar="LEVEL", help="The chance that everyone "
                                      "who comes in finds a desk, above 0 and below 1"),
    as_json: bool = typer.Option(False, "--json", help="Print the figures as JSON."),
) -> None:
    level = _number(service_level, "--service-level", float, 0.0, 1.0,
                    "a probability above 0 and below 1 (for example 0.95)", open_interval=True)
    if counts is not None:
        if people is not None or history is not None:
            _bad("give --counts, or --people (with or without --history), not both")
        _desks_from_counts(counts, sites, desks, backtest, level, as_json)
        return
    if backtest or sites is not None:
        _bad("--backtest and --sites go with --counts")
    if people is None or desks is None:
        _bad("give --counts COUNTS.csv, or --people PEOPLE.csv with --desks DESKS.csv")
    from mandate.policy.capacity import (
        PRIOR,
        check_people_sites,
        desk_demand,
        estimate_probabilities,
        read_history,
    )
    from mandate.policy.capacity import read_people as read_demand_people
    from mandate.policy.workspace import read_desks

    try:
        site_desks = read_desks(desks)
        persons, working = read_demand_people(people, with_history=history is not None)
        check_people_sites(persons, site_desks, desks.name)
        if history is not None:
            estimates = estimate_probabilities(read_history(history), [p.staff_id for p in persons],
                                               working_days=working)
            persons = [replace(p, probabilities=estimates[p.staff_id]) for p in persons]
        result = desk_demand(persons, site_desks, level)
    except (InputError, ValueError) as exc:
        _bad(exc)
    source = (f"estimated from {history.name} (Beta({PRIOR[0]:g}, {PRIOR[1]:g}) prior)" if history is not None
              else f"given in {people.name}")
    if as_json:
        typer.echo(json.dumps({**result.to_json_dict(), "probabilities": source}, ensure_ascii=False))
        return
    from mandate.policy.workspace import DAY_NAMES

    table = Table(title=f"Desks needed for a {level * 100:g}% service level",
                  caption="Risk: the chance that someone who comes in finds no desk.")
    for col in ("Site", "Day", "People", "Expected", "Needed", "Desks", "Spare", "Short", "Risk"):
        table.add_column(col, justify="left" if col in ("Site", "Day") else "right")
    for d in result.days:
        table.add_row(escape(d.site_code), DAY_NAMES[d.weekday], str(d.people), f"{d.expected:.1f}", str(d.desks_needed),
                      str(d.desks), str(max(0, d.spare)), str(d.shortfall) if d.shortfall else "–",
                      _percent(d.probability_exceeding),
                      style="bold red" if d.shortfall else None)
    console = _console()
    console.print(table)
    short = [d for d in result.days if d.shortfall]
    console.print(f"Probabilities {source}. "
                  + (f"{len(short)} site day{'s' if len(short) != 1 else ''} short of desks."
                     if short else "Every site has the desks it needs on every weekday."))


def _closed_days(sites: Path) -> dict[str, set[dt.date]]:
    """Each site's closed days (its nation's bank holidays), in the order of the sites file."""
    from mandate.policy.calendar import NATIONS, bank_holidays
    from mandate.policy.workspace import read_csv

    closed: dict[str, set[dt.date]] = {}
    for row in read_csv(sites, required=("site_code", "nation"), ignored=("name",)):
        nation = row.text("nation", "the nation")
        if nation not in NATIONS:
            raise row.error(f"is not one of {', '.join(NATIONS)}", "nation")
        closed[row.text("site_code", "the site")] = set(bank_holidays(nation))
    return closed


def _desks_from_counts(counts: Path, sites: Path | None, desks: Path | None, backtest: bool, level: float,
                       as_json: bool) -> None:
    """`desks --counts`: the calibrated forecast of next week (or its backtest) from site-day counts."""
    from mandate.policy import desk_forecast
    from mandate.policy.workspace import DAY_NAMES, read_desks

    try:
        rows = desk_forecast.read_counts(counts)
        closed = _closed_days(sites) if sites is not None else {}
        order = list(closed)
        site_desks = {s.site_code: s for s in read_desks(desks)} if desks is not None else {}
        order = order or list(site_desks) or sorted({r.site_code for r in rows})
        for code in site_desks:
            if code not in order:
                order.append(code)
        if backtest:
            result = desk_forecast.backtest(rows, sites=order, closed=closed, service_level=level)
        else:
            week = desk_forecast.forecast(rows, sites=order, closed=closed, service_level=level)
    except (InputError, ValueError) as exc:
        _bad(exc)
    console = _console()
    if backtest:
        if as_json:
            typer.echo(json.dumps(result.to_json_dict(), ensure_ascii=False))
            return
        table = Table(title=f"Backtest at a {level * 100:g}% service level: weeks of "
                            f"{human_date(result.first_week)} to {human_date(result.last_week)}",
                      caption="Each week forecast from the weeks before it only. Exceeded: days more people came "
                              "in than the desks forecast.")
        for col in ("Site", "Day", "Days", "Exceeded", "Rate", "95% interval", "Mean desks", "Mean in", "Most in"):
            table.add_column(col, justify="left" if col in ("Site", "Day") else "right")
        for r in result.rows:
            lo, hi = r.interval()
            table.add_row(escape(r.site_code), DAY_NAMES[r.weekday], str(r.days), str(r.exceeded),
                          f"{r.rate * 100:.1f}%", f"{lo * 100:.1f}% to {hi * 100:.1f}%", f"{r.mean_desks:.0f}",
                          f"{r.mean_observed:.0f}", str(r.max_observed))
        console.print(table)
        console.print(f"All site days: {result.exceeded} of {result.days} exceeded ({result.rate * 100:.1f}%), "
                      f"against {(1 - level) * 100:g}% expected.")
        return
    out = []
    for f in week:
        record = site_desks.get(f.site_code)
        have = record.desks[f.weekday] if record is not None else None
        out.append((f, have))
    if as_json:
        typer.echo(json.dumps({
            "service_level": level, "method": "calibrated forecast from site-day counts (docs/policy.md)",
            "days": [{**f.to_json_dict(), "desks": have,
                      "spare": None if have is None else max(0, have - f.desks_needed),
                      "shortfall": None if have is None else max(0, f.desks_needed - have)} for f, have in out]},
            ensure_ascii=False))
        return
    table = Table(title=f"Desks needed for a {level * 100:g}% service level, week of {human_date(week[0].date)}",
                  caption="Forecast from the people in at each site on each day, calibrated on its own past "
                          "errors.")
    for col in ("Site", "Day", "Expected", "Needed", "Desks", "Spare", "Short", "Calibrated"):
        table.add_column(col, justify="left" if col in ("Site", "Day") else "right")
    for f, have in out:
        short = None if have is None else max(0, f.desks_needed - have)
        table.add_row(escape(f.site_code), DAY_NAMES[f.weekday], f"{f.expected:.0f}", str(f.desks_needed),
                      "–" if have is None else str(have), "–" if have is None else str(max(0, have - f.desks_needed)),
                      str(short) if short else "–", "yes" if f.calibrated else "not yet (short history)",
                      style="bold red" if short else None)
    console.print(table)


ANCHOR_DAYS_HELP = (
    "Choose each team's anchor days within the desks, and say which site and day binds.\n\n"
    "Hard: each team gets its anchor days; everyone in a team who works an anchor day is in; people are "
    "in only on their working days, exempt people never (planned at 0); a person with office_days is in "
    "on that many days (at least their anchor days); people in at a site never exceed its desks less the "
    "buffer. Soft, weighted: collaborating teams sharing a day, a flat week, commute minutes, team "
    "preferences.\n\n"
    "Prints the anchor days, people in against desks per site and day, the objective term by term and the "
    "site days that are full (the binding constraints). When nothing fits, names the site days that "
    "cannot all hold and the teams competing for them, and exits with status 1.\n\n"
    "Bad input: one line naming the file, line and field, exit status 2. See docs/policy.md."
)


@app.command("anchor-days", help=ANCHOR_DAYS_HELP)
def anchor_days_command(
    teams: Path = typer.Option(..., "--teams", help="TEAMS.csv with columns team, and optionally anchor_days, "
                               "preferred_days, avoided_days (days like Mon;Fri), collaborates_with (teams "
                               "separated by ;)"),
    people: Path = typer.Option(..., "--people", help="PEOPLE.csv with columns staff_id, home_site, team, "
                                "working_days (Mon;Tue;Wed), and optionally exempt (true or false), "
                                "commute_minutes (there and back), office_days (a week)"),
    desks: Path = DESKS,
    buffer: str = typer.Option("0", "--buffer", metavar="DESKS",
                               help="Desks kept free at every site on every day"),
    anchor_days: str = typer.Option("1", "--anchor-days", metavar="DAYS",
                                    help="Anchor days a week for a team whose anchor_days is empty (0 to 5)"),
    time_limit: str = typer.Option("10", "--time-limit", metavar="SECONDS",
                                   help="Limit on each solve, in CP-SAT's deterministic time (about seconds; the "
                                   "same input gives the same answer anywhere)"),
    weight_collaboration: str = typer.Option("600", "--weight-collaboration", metavar="N",
                                             help="Cost of a collaborating pair of teams with no day in common"),
    weight_spread: str = typer.Option("10", "--weight-spread", metavar="N",
                                      help="Cost of each person in on a site's busiest day"),
    weight_commute: str = typer.Option("1", "--weight-commute", metavar="N",
                                       help="Cost of each minute of commuting"),
    weight_preference: str = typer.Option("300", "--weight-preference", metavar="N",
                                          help="Cost of an anchor day a team avoids or does not prefer"),
    as_json: bool = typer.Option(False, "--json", help="Print the plan as JSON."),
) -> None:
    from mandate.policy.anchor_days import MAX_WEIGHT, Weights, read_teams, schedule
    from mandate.policy.anchor_days import read_people as read_team_people
    from mandate.policy.workspace import DAY_NAMES, read_desks

    buf = _number(buffer, "--buffer", int, 0, None, "a whole number of desks, 0 or more")
    default_days = _number(anchor_days, "--anchor-days", int, 0, 5, "a number of anchor days from 0 to 5")
    limit = _number(time_limit, "--time-limit", float, 0.0, None, "a time above 0", open_interval=True)
    weights = Weights(**{name: _number(value, f"--weight-{name}", int, 0, MAX_WEIGHT,
                                       f"a whole number from 0 to {MAX_WEIGHT}")
                         for name, value in (("collaboration", weight_collaboration), ("spread", weight_spread),
                                             ("commute", weight_commute), ("preference", weight_preference))})
    try:
        result = schedule(read_teams(teams, default_days), read_team_people(people), read_desks(desks),
                          buffer=buf, weights=weights, time_limit=limit)
    except (InputError, ValueError) as exc:
        _bad(exc)
    code = 0 if result.status in ("optimal", "feasible") else 1
    if as_json:
        typer.echo(json.dumps(result.to_json_dict(), ensure_ascii=False))
        raise typer.Exit(code)
    console = _console()
    gap = "" if result.gap is None else f", within {result.gap * 100:.1f}% of the best possible"
    status = {"optimal": "optimal (proved by the solver)",
              "feasible": f"feasible: the best found within the time limit, not proved optimal{gap}",
              "infeasible": "no plan fits the desks", "unknown": "no plan found within the time limit"}
    console.print(f"Plan: {status[result.status]}.")
    if code == 0:
        anchors = Table(title="Anchor days")
        anchors.add_column("Team")
        anchors.add_column("Anchor days")
        for team, days in result.anchors.items():
            anchors.add_row(escape(team), ", ".join(DAY_NAMES[d] for d in days) or "–")
        console.print(anchors)
        grid = Table(title=f"People in against places (desks less a buffer of {buf})" if buf
                     else "People in against desks")
        grid.add_column("Site")
        for day in DAY_NAMES:
            grid.add_column(day, justify="right")
        by_site: dict[str, list[str]] = {}
        for s in result.site_days:
            cell = f"{s.headcount} of {s.capacity}" + (" full" if s.tight else "")
            by_site.setdefault(s.site_code, []).append(f"[bold]{cell}[/bold]" if s.tight else cell)
        for site, cells in by_site.items():
            grid.add_row(escape(site), *cells)
        console.print(grid)
        terms = Table(title=f"Objective: {result.objective}")
        for col in ("Term", "Value", "Weight", "Cost", "Counts"):
            terms.add_column(col, justify="right" if col in ("Value", "Weight", "Cost") else "left")
        for t in result.terms:
            terms.add_row(t.name, str(t.value), str(t.weight), str(t.weighted), t.description)
        console.print(terms)
        console.print("Binding constraints:")
    for line in result.explanation:
        console.print(line, markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(code)
