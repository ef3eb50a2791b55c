"""Attendance figures for the wing's pages: the ledger handed to the policy engine, results made presentable.

Nothing here counts a day: `mandate.policy` does. This module only chooses whose records go in, calls the
engine, and joins the engine's rows to names for display.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from mandate.policy import Dataset, InputError, PolicyError, compare, compute, explain
from mandate.policy.calendar import data_start
from mandate.workplace.ledger import tables_for
from mandate.workplace.models import AttendancePolicy, Organisation

STATUS_LABELS = {
    "attended": "Counted: attended",
    "credited": "Counted: credited",
    "excluded": "Excluded from the required days",
    "not_attended": "Required, not attended",
}
ABSENCE_LABELS = {
    "annual_leave": "annual leave",
    "sickness": "sickness absence",
    "special_leave": "special leave",
    "training": "training",
    "official_business": "official business elsewhere",
}


class FigureError(Exception):
    """The figure cannot be computed (a policy or data problem); the message says why, for the page."""


@dataclass
class Figures:
    policy: AttendancePolicy
    start: dt.date
    end: dt.date
    result: Any  # mandate.policy.engine.Result
    people: list[dict[str, Any]] = field(default_factory=list)


def dataset_for(organisation: Organisation, start: dt.date, end: dt.date,
                staff_ids: list[str] | None = None) -> Dataset:
    return Dataset.from_tables(**tables_for(organisation, start, end, staff_ids))


def reach_back(policy: AttendancePolicy, start: dt.date, end: dt.date) -> dt.date:
    """The first day whose records the figures of [start, end] need (earlier than `start` where a rolling
    window reaches back before it)."""
    try:
        return data_start(policy.parsed(), start, end)
    except (PolicyError, ValueError) as exc:
        raise FigureError(str(exc)) from exc


def compute_for(organisation: Organisation, policy: AttendancePolicy, start: dt.date, end: dt.date,
                staff_ids: list[str] | None = None, site_weekly: bool = True) -> Figures:
    """Run the engine over the organisation's ledger (or the given staff's part of it)."""
    first = reach_back(policy, start, end)
    try:
        parsed = policy.parsed()
        result = compute(dataset_for(organisation, first, end, staff_ids), parsed, start, end,
                         site_weekly=site_weekly)
    except (PolicyError, InputError, ValueError) as exc:
        raise FigureError(str(exc)) from exc
    return Figures(policy, start, end, result, result.people.to_pylist())


def explain_for(organisation: Organisation, policy: AttendancePolicy, start: dt.date, end: dt.date,
                staff_id: str) -> list[dict[str, Any]]:
    """Every contracted working day of [start, end] for one person: attended, credited, excluded or not
    attended, and why (the engine's `explain`, whose counts are those of `compute`). Where a rolling window
    reaches back before `start`, the days listed begin where it does, so that they add up to its figure."""
    start = reach_back(policy, start, end)
    try:
        table = explain(dataset_for(organisation, start, end, [staff_id]), policy.parsed(), start, end,
                        [staff_id])
    except (PolicyError, InputError, ValueError) as exc:
        raise FigureError(str(exc)) from exc
    return table.to_pylist()


def compare_for(organisation: Organisation, policy_a: AttendancePolicy, policy_b: AttendancePolicy,
                start: dt.date, end: dt.date) -> tuple[Figures, Figures]:
    """Two policies over the same ledger (the engine's `compare`)."""
    first = min(reach_back(policy_a, start, end), reach_back(policy_b, start, end))
    try:
        both = compare(dataset_for(organisation, first, end), policy_a.parsed(), policy_b.parsed(), start, end,
                       site_weekly=False)
    except (PolicyError, InputError, ValueError) as exc:
        raise FigureError(str(exc)) from exc
    return (Figures(policy_a, start, end, both.a, both.a.people.to_pylist()),
            Figures(policy_b, start, end, both.b, both.b.people.to_pylist()))


_SOURCE_WORDS = {"badge": "badge swipe", "booking_checkin": "booking check-in",
                 "booking": "desk booking without check-in"}


def _signals(text: str, sites: dict[str, str]) -> str | None:
    """"badge+booking_checkin at newport; badge at edinburgh" in words, or None if it is not that shape."""
    parts = []
    for part in text.split("; "):
        sources, sep, site = part.partition(" at ")
        names = sources.split("+")
        if not sep or not all(n in _SOURCE_WORDS for n in names):
            return None
        parts.append(" and ".join(_SOURCE_WORDS[n] for n in names) + " at " + sites.get(site, site))
    return "; ".join(parts)


def describe_reason(reason: str | None, sites: dict[str, str] | None = None) -> str:
    """The engine's reason in words for the page (the CSV keeps the engine's own text)."""
    sites = sites or {}
    if not reason:
        return ""
    if reason in ABSENCE_LABELS:
        return ABSENCE_LABELS[reason].capitalize()
    if reason.startswith("bank_holiday: "):
        return "Bank holiday: " + reason.removeprefix("bank_holiday: ")
    if reason.startswith("adjustment: "):
        return "Adjustment: " + reason.removeprefix("adjustment: ")
    prefix = "no counted presence (not counted by this policy: "
    if reason.startswith(prefix) and reason.endswith(")"):
        inner = _signals(reason[len(prefix):-1], sites)
        if inner is not None:
            return f"No counted presence (not counted by this policy: {inner})"
    if reason == "no counted presence":
        return "No counted presence"
    words = _signals(reason, sites)
    if words is None:
        return reason
    return words[:1].upper() + words[1:]
