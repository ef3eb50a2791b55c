"""The 10-5 rule with secondary suppression: hand-worked tables and properties."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mandate.stats import DisclosureRefused, protect_table, require_cells_at_least


def test_hand_worked_table() -> None:
    # Rows: disabled, not disabled; columns: Newport, Edinburgh, Darlington.
    table = protect_table([[42, 7, 15], [310, 55, 98]])
    assert (0, 1) in table.primary
    # Row 0 would have one hidden cell beside a published total: the smallest other (15) is hidden too,
    # and column 1 then has one hidden cell, so 55 is hidden; column 2 likewise hides 98.
    assert table.secondary == {(0, 2), (1, 1), (1, 2)}
    assert table.cells == [[40, None, None], [310, None, None]]
    assert table.row_totals == [65, 465] and table.column_totals == [350, 60, 115] and table.grand_total == 525  # 527


def test_zero_is_published() -> None:
    assert protect_table([[0, 20], [30, 40]]).cells == [[0, 20], [30, 40]]


def test_intersectional_cut_refused() -> None:
    with pytest.raises(DisclosureRefused, match="disabled part-time Edinburgh"):
        require_cells_at_least({"disabled part-time Edinburgh": 4, "others": 500})
    require_cells_at_least({"a": 10, "b": 0})


tables = st.integers(1, 5).flatmap(
    lambda cols: st.lists(st.lists(st.integers(0, 60), min_size=cols, max_size=cols), min_size=1, max_size=5))


@given(tables)
def test_nothing_small_is_published_or_derivable(counts: list[list[int]]) -> None:
    table = protect_table(counts)
    rows, cols = len(counts), len(counts[0])
    hidden = table.primary | table.secondary
    for r in range(rows):
        for c in range(cols):
            value = table.cells[r][c]
            if 0 < counts[r][c] < 10:
                assert value is None
            if value is not None:
                assert value % 5 == 0 and abs(value - counts[r][c]) <= 2
    # No published total pins down a hidden cell by subtraction: every line whose total is published has
    # either no hidden cell or at least two.
    lines = [([(r, c) for c in range(cols)], table.row_totals[r]) for r in range(rows)] + \
            [([(r, c) for r in range(rows)], table.column_totals[c]) for c in range(cols)]
    for line, total in lines:
        if total is not None:
            assert sum(cell in hidden for cell in line) != 1, (line, total)


def test_a_single_column_hides_the_totals_of_hidden_cells() -> None:
    table = protect_table([[5], [20]])
    assert table.cells == [[None], [None]]
    assert table.row_totals == [None, None] and table.column_totals == [25]
