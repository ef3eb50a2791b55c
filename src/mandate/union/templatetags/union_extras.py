import re
from typing import Any

from django import template

from mandate.union import rules

register = template.Library()


@register.filter
def get_item(mapping: dict[str, Any], key: str) -> Any:
    return mapping.get(key)


@register.filter
def percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.1%}"



@register.filter
def plain_warnings(warnings: list[dict[str, Any]] | None) -> list[str]:
    """The rulebook's warnings in the users' words, each once (see `rules.plain_warning`)."""
    return rules.plain_warnings(warnings)


@register.filter
def unit_with_employer(mandate: Any) -> str:
    """A mandate's ballot unit with its employer, the employer named once: a separate workplace ballot's unit
    is already called "Darlington (Office for National Statistics)", an aggregate one may be "ONS (all offices)"
    (the employer's code)."""
    unit, employer = str(mandate.unit_name), str(mandate.employer.name)
    code = re.escape(str(mandate.employer.code))
    named = employer.casefold() in unit.casefold() or re.search(rf"\b{code}\b", unit, re.IGNORECASE)
    return unit if named else f"{unit} ({employer})"
