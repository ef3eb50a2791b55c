"""Safe CSV for every export: a cell that a spreadsheet would run as a formula is escaped (OWASP CSV
injection). A text cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading
apostrophe, which spreadsheets show as text and do not keep; numbers are written as they are.

    writer = exports.csv_writer(response)          # instead of csv.writer(response)
    writer.writerow([...])

An import of a file this wrote takes the apostrophe off again (`unescape_cell`), so an exported register
imports back unchanged.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(TRIGGERS):
        return "'" + value
    return value


def unescape_cell(value: str) -> str:
    """The cell as it was before `safe_cell` (for imports of exported files)."""
    if len(value) > 1 and value[0] == "'" and value[1] in "".join(TRIGGERS):
        return value[1:]
    return value


class SafeWriter:
    """csv.writer whose every cell goes through `safe_cell`."""

    def __init__(self, out: Any, **kwargs: Any) -> None:
        self._writer = csv.writer(out, **kwargs)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([safe_cell(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(out: Any, **kwargs: Any) -> SafeWriter:
    return SafeWriter(out, **kwargs)
