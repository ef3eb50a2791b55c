"""Disclosure control as ONS applies it to outputs: the 10-5 rule with secondary suppression."""

from __future__ import annotations

from dataclasses import dataclass, field


class DisclosureRefused(ValueError):
    """An output would reveal small numbers of people."""


@dataclass(frozen=True)
class ProtectedTable:
    """cells[r][c] is a published count (a multiple of `rounding`) or None where suppressed.
    Totals are published the same way; a total is None when publishing it would reveal a hidden cell."""

    cells: list[list[int | None]]
    row_totals: list[int | None]
    column_totals: list[int | None]
    grand_total: int | None
    primary: set[tuple[int, int]] = field(default_factory=set)
    secondary: set[tuple[int, int]] = field(default_factory=set)


def _round(value: int, base: int) -> int:
    return int(base * ((value + base / 2) // base))  # half up: 12 -> 10, 13 -> 15


def protect_table(counts: list[list[int]], threshold: int = 10, rounding: int = 5, *,
                  suppress_zero: bool = False) -> ProtectedTable:
    """Suppress cells under `threshold` (zero is published unless `suppress_zero`: next to a rounded total, a
    zero can say that everyone in a group is affected), then suppress further cells so that no row or column
    with a published total has exactly one hidden cell, then round the rest. Which further cell is chosen
    depends on the rounded counts only, never on the exact ones."""
    if not counts or any(len(row) != len(counts[0]) for row in counts):
        raise ValueError("a table must be rectangular and non-empty")
    if any(value < 0 for row in counts for value in row):
        raise ValueError("counts cannot be negative")
    rows, cols = len(counts), len(counts[0])
    low = 0 if suppress_zero else 1
    primary = {(r, c) for r in range(rows) for c in range(cols) if low <= counts[r][c] < threshold}
    hidden = set(primary)
    changed = True
    while changed:
        changed = False
        lines = [[(r, c) for c in range(cols)] for r in range(rows)] + [[(r, c) for r in range(rows)]
                                                                       for c in range(cols)]
        for line in lines:
            in_line = [cell for cell in line if cell in hidden]
            if len(in_line) == 1 and len(line) > 1:
                candidates = [cell for cell in line if cell not in hidden]
                # The smallest non-zero cell next: it loses the least information.
                candidates.sort(key=lambda cell: (counts[cell[0]][cell[1]] == 0,
                                                  _round(counts[cell[0]][cell[1]], rounding), cell))
                hidden.add(candidates[0])
                changed = True
    cells = [[None if (r, c) in hidden else _round(counts[r][c], rounding) for c in range(cols)]
             for r in range(rows)]
    row_totals = [_publish_total(sum(counts[r]), threshold, rounding, low) for r in range(rows)]
    column_totals = [_publish_total(sum(counts[r][c] for r in range(rows)), threshold, rounding, low)
                     for c in range(cols)]
    # A line of one cell: its total *is* the cell, so a hidden cell hides its total too.
    if cols == 1:
        row_totals = [None if (r, 0) in hidden else total for r, total in enumerate(row_totals)]
    if rows == 1:
        column_totals = [None if (0, c) in hidden else total for c, total in enumerate(column_totals)]
    grand = _publish_total(sum(map(sum, counts)), threshold, rounding, low)
    return ProtectedTable(cells, row_totals, column_totals, grand, primary, hidden - primary)


def _publish_total(value: int, threshold: int, rounding: int, low: int = 1) -> int | None:
    return None if low <= value < threshold else _round(value, rounding)


def require_cells_at_least(cells: dict[str, int], threshold: int = 10) -> None:
    """Refuse an intersectional cut (e.g. disability x part-time x site) whose groups fall under the threshold."""
    small = sorted(name for name, count in cells.items() if 0 < count < threshold)
    if small:
        raise DisclosureRefused(
            f"this cut would publish groups of fewer than {threshold} people ({', '.join(small)}); "
            "choose a broader grouping")
