"""Reading ballot facts from the JSON input of ``mandate law assess``; errors name the field."""

from __future__ import annotations

from datetime import date
from typing import Any

from mandate.law.model import QUESTIONS, BallotFacts, QuestionResult, UnitResult


class InputError(ValueError):
    """Malformed input; the message names the field."""

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        super().__init__(f"{field}: {problem}")


def parse_date(value: Any, field: str) -> date:
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise InputError(field, f"expected a date as YYYY-MM-DD, got {value!r}")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(field, f"not a valid date (YYYY-MM-DD): {value!r}") from None


def _get(obj: dict[str, Any], key: str, field: str) -> Any:
    if key not in obj:
        raise InputError(f"{field}{key}" if not field else f"{field}.{key}", "missing")
    return obj[key]


def _int(obj: dict[str, Any], key: str, field: str) -> int:
    value = _get(obj, key, field)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(f"{field}.{key}" if field else key, f"expected a whole number, got {value!r}")
    return value


def _bool(obj: dict[str, Any], key: str, default: bool | None = None) -> bool:
    if key not in obj and default is not None:
        return default
    value = _get(obj, key, "")
    if not isinstance(value, bool):
        raise InputError(key, f"expected true or false, got {value!r}")
    return value


def _optional_bool(obj: dict[str, Any], key: str) -> bool | None:
    if key not in obj or obj[key] is None:
        return None
    return _bool(obj, key)


def facts_from_dict(data: Any) -> BallotFacts:
    """Build :class:`BallotFacts` from the issue-3 JSON shape. Raises InputError naming the field."""
    if not isinstance(data, dict):
        raise InputError("(top level)", "expected a JSON object")
    opened = parse_date(_get(data, "opened", ""), "opened")
    closed = parse_date(_get(data, "closed", ""), "closed")
    ips = _optional_bool(data, "important_public_services")  # assess says where it is needed
    belief = _bool(data, "union_believes_not_ips", default=False)
    raw_units = _get(data, "units", "")
    if not isinstance(raw_units, list) or not raw_units:
        raise InputError("units", "expected a non-empty list of ballot units")
    units: list[UnitResult] = []
    for i, raw in enumerate(raw_units):
        where = f"units[{i}]"
        if not isinstance(raw, dict):
            raise InputError(where, "expected an object")
        name = _get(raw, "name", where)
        if not isinstance(name, str) or not name.strip():
            raise InputError(f"{where}.name", "expected a non-empty text")
        qs_raw = _get(raw, "questions", where)
        if not isinstance(qs_raw, dict) or not qs_raw:
            raise InputError(f"{where}.questions", f"expected an object with {' and/or '.join(QUESTIONS)}")
        questions: dict[str, QuestionResult] = {}
        for q, r in qs_raw.items():
            qwhere = f"{where}.questions.{q}"
            if q not in QUESTIONS:
                raise InputError(qwhere, f"unknown question; expected {' or '.join(QUESTIONS)}")
            if not isinstance(r, dict):
                raise InputError(qwhere, "expected an object with yes, no and spoilt (and blank, optional)")
            questions[q] = QuestionResult(yes=_int(r, "yes", qwhere), no=_int(r, "no", qwhere),
                                          spoilt=_int(r, "spoilt", qwhere),
                                          blank=_int(r, "blank", qwhere) if "blank" in r else 0)
        units.append(UnitResult(name=name, entitled=_int(raw, "entitled", where),
                                votes_cast=_int(raw, "votes_cast", where), questions=questions))
    agreed = data.get("agreed_mandate_months")
    if agreed is not None and (isinstance(agreed, bool) or not isinstance(agreed, int)):
        raise InputError("agreed_mandate_months", f"expected a whole number or null, got {agreed!r}")
    court = data.get("court_excluded_days", 0)
    if isinstance(court, bool) or not isinstance(court, int) or court < 0:
        raise InputError("court_excluded_days", f"expected a whole number of days, at least 0, got {court!r}")
    return BallotFacts(opened=opened, closed=closed, important_public_services=ips, union_believes_not_ips=belief,
                       units=units, agreed_mandate_months=agreed, court_excluded_days=court)
