"""Errors the policy engine raises. Both name exactly what is wrong, so a person can fix it."""

from __future__ import annotations


class PolicyError(ValueError):
    """A policy file or record is invalid. `key` names the offending key (dotted for nested tables)."""

    def __init__(self, message: str, *, key: str | None = None, source: str | None = None,
                 version: int | None = None) -> None:
        self.key = key
        self.source = source
        self.version = version
        where = []
        if source:
            where.append(source)
        if version is not None:
            where.append(f"version {version}")
        if key:
            where.append(f"key '{key}'")
        prefix = ", ".join(where)
        super().__init__(f"{prefix}: {message}" if prefix else message)
        self.message = message


class InputError(ValueError):
    """A row of an input file is invalid. `line` is the 1-based line of the file (the header is line 1) for
    CSV, or the 1-based row number for Parquet and Arrow tables; `field` is the column."""

    def __init__(self, message: str, *, file: str, line: int | None = None, field: str | None = None,
                 unit: str = "line") -> None:
        self.file = file
        self.unit = unit
        self.line = line
        self.field = field
        self.message = message
        parts = [file]
        if line is not None:
            parts.append(f"{unit} {line}")
        if field is not None:
            parts.append(f"field '{field}'")
        super().__init__(f"{', '.join(parts)}: {message}")
