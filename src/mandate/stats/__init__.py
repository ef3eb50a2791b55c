"""Equality statistics and disclosure control (pure; no Django).

- `equality.compare_groups`: the rate of an outcome per group with Wilson and Clopper-Pearson intervals, the
  rate ratio to a reference group with its log-method interval, Fisher's exact test for small cells, and the
  four-fifths ratio as a screening flag only (a US rule of thumb, not UK law).
- `disclosure.protect_table`: the ONS "10-5 rule" at output: counts under 10 suppressed, the rest rounded to
  the nearest 5, with secondary suppression so that published totals cannot reveal a hidden cell.
- `disclosure.require_cells_at_least`: refuse an intersectional cut whose cells fall under the threshold.

Compute on exact data; protect only at output.
"""

from mandate.stats.disclosure import DisclosureRefused, ProtectedTable, protect_table, require_cells_at_least
from mandate.stats.equality import GroupComparison, compare_groups

__all__ = [
    "DisclosureRefused",
    "GroupComparison",
    "ProtectedTable",
    "compare_groups",
    "protect_table",
    "require_cells_at_least",
]
