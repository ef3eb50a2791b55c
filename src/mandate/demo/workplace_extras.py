"""Demo hook for the workplace wing: policies, adjustments, desks.

Filled by the workplace wing's engineer: the workplace wing adds policies, adjustments, desks.
`mandate.demo.scenario.load_demo` calls `build` at the end, inside the same transaction, after the
organisation, its sites, teams, staff, equality records, badge cards, absences and presence records exist.
"""

from __future__ import annotations

from typing import Any


def build(*, seed: int, organisation: Any) -> None:
    """Add the employer side's extras to `organisation` (the workplace Organisation "ons")."""
    return None
