"""The attendance policy engine (pure Python, no Django): DuckDB over Arrow or Parquet tables.

Public API (everything else is internal):

    from mandate.policy import (Dataset, load_policy, loads_policy, parse_policy, compute, compare, explain,
                                bank_holidays, PolicyError, InputError)

    policy = load_policy("policy.toml")            # or loads_policy(text) / parse_policy(dict) for DB records
    data = Dataset.from_files(people=..., sites=..., presence=..., absences=..., adjustments=None)
    data = Dataset.from_tables(people=pa_table, sites=..., presence=..., absences=..., adjustments=None)
    result = compute(data, policy, date(2026, 10, 1), date(2026, 10, 31))
    result.people                # Arrow: one row per person and period
    result.teams / result.sites / result.organisation_periods   # Arrow: the same, aggregated per period
    result.organisation          # dict: the whole range (each day once)
    result.site_weekly           # Arrow: per site and week, average daily individuals as % of headcount
    result.purposes              # Arrow: attended days per recorded purpose (purpose-led policies)
    result.to_json_dict()        # the `mandate attendance compute --json` document
    days = explain(data, policy, start, end, ["S0001"])   # every working day with status and reason
    both = compare(data, policy_a, policy_b, start, end)   # Comparison(a, b, people)

Input tables (Arrow or files; column names as in the CLI contract, extra columns ignored):
    sites:       site_code, name, nation ("england-and-wales", "scotland" or "northern-ireland")
    people:      staff_id, home_site, team, working_days ("Mon;Tue;Wed"), hours_per_day, start_date, end_date
    presence:    staff_id, site_code, timestamp (ISO 8601 with offset, or TIMESTAMPTZ), source
                 ("badge", "booking_checkin", or "booking" = booked without check-in, never counted),
                 optional purpose (team_anchor_day, training, meeting, induction, collaboration)
    absences:    staff_id, date, kind (annual_leave, sickness, special_leave, training, official_business)
    adjustments: staff_id, from_date, to_date (may be empty), adjusted_percent (empty if exempt), exempt
                 (true/false). Only the expectation and dates: never a route or a diagnosis.

Errors: PolicyError (names the key, the file and the version) and InputError (names the file, the line or
row, and the field). Nothing is computed from a bad input. See docs/policy.md for every rule.

The workspace engines are imported from their own modules (they load SciPy and OR-Tools, which the rest does
not need): `mandate.policy.capacity` (desks needed per site and weekday at a service level) and
`mandate.policy.anchor_days` (team anchor days within the desks), sharing `mandate.policy.workspace`.
"""

from __future__ import annotations

from mandate.policy.calendar import bank_holidays, periods
from mandate.policy.config import Policy, PolicyVersion, SiteRule, load_policy, loads_policy, parse_policy
from mandate.policy.engine import Comparison, Result, compare, compute, explain
from mandate.policy.errors import InputError, PolicyError
from mandate.policy.inputs import Dataset, Source, from_arrow, read_source

__all__ = [
    "Comparison", "Dataset", "InputError", "Policy", "PolicyError", "PolicyVersion", "Result", "SiteRule",
    "Source", "bank_holidays", "compare", "compute", "explain", "from_arrow", "load_policy", "loads_policy",
    "parse_policy", "periods", "read_source",
]
