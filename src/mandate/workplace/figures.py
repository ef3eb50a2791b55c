"""Attendance figures for the wing's pages: the ledger handed to the policy engine, results made presentable.

Nothing here counts a day: `mandate.policy` does. This module only chooses whose records go in, calls the
engine (or reads its rows stored by `figure_store`, where they are current), and joins the engine's rows to
names for display.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from mandate.policy import Dataset, InputError, PolicyError, compare, compute, explain
from mandate.policy.calendar import data_start
from mandate.workplace import figure_store
from mandate.workplace.ledger import tables_for
from mandate.workplace.models import AttendancePolicy, FigureSet, Organisation, Site, StaffMember

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


class Figures:
    """The engine's figures for the pages: computed now (`result` is the engine's Result), or read from a
    stored set (`figure_set`; `result` is then a `figure_store.StoredResult` with the same attributes)."""

    def __init__(self, policy: AttendancePolicy, start: dt.date, end: dt.date, result: Any,
                 people: list[dict[str, Any]] | None = None, *, figure_set: FigureSet | None = None,
                 staff_ids: list[str] | None = None) -> None:
        self.policy, self.start, self.end, self.result = policy, start, end, result
        self.figure_set, self.staff_ids = figure_set, staff_ids
        self._people = people

    @property
    def stored(self) -> bool:
        return self.figure_set is not None

    @property
    def people(self) -> list[dict[str, Any]]:
        if self._people is None:
            self._people = (figure_store.person_rows(self.figure_set, self.staff_ids)
                            if self.figure_set is not None else [])
        return self._people

    def below_target(self, home_site: Site | None = None) -> list[dict[str, Any]] | figure_store.BelowTarget:
        """The person rows below their own target, each with its `staff` (the record): of everyone, or of
        the people whose home site is `home_site`. Read a page at a time from a stored set."""
        if self.figure_set is not None:
            return figure_store.BelowTarget(self.figure_set, home_site=home_site.code if home_site else None)
        staff = StaffMember.objects.filter(organisation_id=self.policy.organisation_id)
        if home_site is not None:
            staff = staff.filter(home_site=home_site)
        names = {s.staff_id: s for s in staff}
        return [{**row, "staff": names.get(row["staff_id"])} for row in self.people
                if row.get("target_met") is False and row["staff_id"] in names]


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


def _stored(organisation: Organisation, policy: AttendancePolicy, start: dt.date, end: dt.date,
            direct: bool) -> FigureSet | None:
    if direct:
        return None
    figure_set = figure_store.lookup(organisation, policy, start, end)
    if figure_set is not None and figure_set.error:
        raise FigureError(figure_set.error)
    return figure_set


def compute_for(organisation: Organisation, policy: AttendancePolicy, start: dt.date, end: dt.date,
                staff_ids: list[str] | None = None, site_weekly: bool = True, *, direct: bool = False) -> Figures:
    """The figures of `policy` over [start, end]: read from the stored set where it is current, otherwise
    (or with `direct`) the engine run now over the organisation's ledger (or the given staff's part of it)."""
    figure_set = _stored(organisation, policy, start, end, direct)
    if figure_set is not None:
        ids = None if staff_ids is None else list(staff_ids)
        return Figures(policy, start, end, figure_store.StoredResult(figure_set, ids), figure_set=figure_set,
                       staff_ids=ids)
    first = reach_back(policy, start, end)
    try:
        parsed = policy.parsed()
        result = compute(dataset_for(organisation, first, end, staff_ids), parsed, start, end,
                         site_weekly=site_weekly)
    except (PolicyError, InputError, ValueError) as exc:
        raise FigureError(str(exc)) from exc
    return Figures(policy, start, end, result, result.people.to_pylist())


def explain_for(organisation: Organisation, policy: AttendancePolicy, start: dt.date, end: dt.date,
                staff_id: str, *, direct: bool = False) -> list[dict[str, Any]]:
    """Every contracted working day of [start, end] for one person: attended, credited, excluded or not
    attended, and why (the engine's `explain`, whose counts are those of `compute`). Where a rolling window
    reaches back before `start`, the days listed begin where it does, so that they add up to its figure.
    Read from the stored set where it is current (the same engine call, made for everyone at once)."""
    figure_set = _stored(organisation, policy, start, end, direct)
    if figure_set is not None:
        return figure_store.days(figure_set, [staff_id])
    start = reach_back(policy, start, end)
    try:
        table = explain(dataset_for(organisation, start, end, [staff_id]), policy.parsed(), start, end,
                        [staff_id])
    except (PolicyError, InputError, ValueError) as exc:
        raise FigureError(str(exc)) from exc
    return table.to_pylist()


def compare_for(organisation: Organisation, policy_a: AttendancePolicy, policy_b: AttendancePolicy,
                start: dt.date, end: dt.date, *, direct: bool = False) -> tuple[Figures, Figures]:
    """Two policies over the same ledger (the engine's `compare`), or their two stored sets."""
    set_a = _stored(organisation, policy_a, start, end, direct)
    set_b = _stored(organisation, policy_b, start, end, direct)
    if set_a is not None and set_b is not None:
        return (Figures(policy_a, start, end, figure_store.StoredResult(set_a), figure_set=set_a),
                Figures(policy_b, start, end, figure_store.StoredResult(set_b), figure_set=set_b))
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
