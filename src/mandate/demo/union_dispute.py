"""Demo hook for the union wing: the dispute over the attendance policy, its ballots and mandates.

Filled by the union wing's engineer: the union wing adds the dispute over the attendance policy, its ballots
and mandates. `mandate.demo.scenario.load_demo` calls `build` at the end, inside the same transaction, after
the unions, branches, the union's own employer and workplace records and the membership registers exist.
"""

from __future__ import annotations

from typing import Any


def build(*, seed: int, unions: dict[str, Any]) -> None:
    """Add the union side of the dispute. `unions` maps a union's code ("pcs", "prospect") to its Union."""
    return None
