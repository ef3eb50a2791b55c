"""What the workplace wing may show of its figures: one rule, applied here for every page, export and command.

- A group (a site, a team, a line manager's reports) of fewer than `MIN_GROUP` people is withheld whole
  while a dispute is declared, and always from a viewer who sees no individual data (the analyst): its figure
  is close to its members' own.
- While a dispute is declared nobody is shown as meeting or missing a target: no person's met / not met, no
  group's, and no count of the people meeting their own target (action short of strike was exactly
  non-compliance with the attendance policy, spec section 4). The organisation's own figure against an
  organisation-wide target is kept: it is everyone's, not anyone's.
- A person always sees their own figure, flags included.

Views, CSV exports and the `mandate workplace` command all call `Disclosure.rows` and friends; none of them
decides for itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from mandate.workplace.models import Organisation

MIN_GROUP = 10  # the disclosure threshold (stats.disclosure's 10-5 rule)
FLAGS = ("target_met", "people_meeting_target")


@dataclass(frozen=True)
class Disclosure:
    dispute_mode: bool
    sees_individuals: bool = True

    @classmethod
    def of(cls, organisation: Organisation, *, sees_individuals: bool = True) -> Disclosure:
        return cls(bool(organisation.dispute_mode), sees_individuals)

    @property
    def hide_small(self) -> bool:
        return self.dispute_mode or not self.sees_individuals

    @property
    def min_group(self) -> int | None:
        """The threshold under which groups are withheld, or None when none are."""
        return MIN_GROUP if self.hide_small else None

    @property
    def individual_lists(self) -> bool:
        """Whether a list of named individuals against a target (below target) may be shown."""
        return self.sees_individuals and not self.dispute_mode

    def withheld(self, row: dict[str, Any] | None) -> bool:
        return row is not None and self.hide_small and (row.get("people") or 0) < MIN_GROUP

    def group(self, row: dict[str, Any]) -> dict[str, Any]:
        """A site's, team's or the reports' row as it may be shown: withheld whole (`withheld` set, every
        figure None), or without met / not met while a dispute is declared."""
        if self.withheld(row):
            keep: dict[str, Any] = {k: row[k] for k in ("site_code", "team", "name", "period_start", "period_end")
                                    if k in row}
            return {**keep, "withheld": True, "min_group": MIN_GROUP}
        out = {**row, "withheld": False}
        if self.dispute_mode:
            out.update({k: None for k in FLAGS}, flags_withheld=True)
        return out

    def groups(self, rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        return [self.group(r) for r in rows]

    def weekly(self, rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        """A site's weekly average daily attendance: withheld where its headcount is under the threshold."""
        out = []
        for r in rows:
            if self.hide_small and (r.get("headcount") or 0) < MIN_GROUP:
                out.append({k: r[k] for k in ("site_code", "name", "week_start") if k in r}
                           | {"withheld": True, "min_group": MIN_GROUP})
            else:
                out.append({**r, "withheld": False})
        return out

    def organisation(self, row: dict[str, Any]) -> dict[str, Any]:
        """The whole organisation: never small enough to withhold here (the evidence pack has its own
        control); while a dispute is declared only the count of people meeting their own target goes."""
        out = dict(row)
        if self.dispute_mode:
            out["people_meeting_target"] = None
            if out.get("target_of") != "organisation":
                out["target_met"] = None
        return out

    def person(self, row: dict[str, Any], *, own: bool) -> dict[str, Any]:
        """One person's period row: their own always whole; someone else's without met / not met in a dispute."""
        if own or not self.dispute_mode:
            return row
        return {**row, "target_met": None, "flags_withheld": True}
