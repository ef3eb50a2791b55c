"""Dates as people read them, in one place for every page, document and command.

Pure (no Django): the engines, the wings, the CLI and the templates all format a date through
:func:`human_date`, so '23 November 2026' is written one way everywhere. Files and APIs use ISO 8601
(`date.isoformat()`), never this form.
"""

from __future__ import annotations

from datetime import date


def human_date(day: date) -> str:
    """A date as people read it in Britain: '30 September 2025' (no leading zero, month in full)."""
    return f"{day.day} {day:%B %Y}"
