from datetime import date, datetime
from typing import Any

from django import template
from django.utils import timezone

from mandate.dates import human_date

register = template.Library()


@register.filter
def get_item(mapping: dict[str, Any], key: str) -> Any:
    return mapping.get(key)


@register.filter
def percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.1%}"


@register.filter(name="human_date")
def human_date_filter(value: date | datetime | str | None) -> str:
    """A date as mandate.dates.human_date writes it ("23 November 2026"); a moment in local time; "" for none."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):  # an ISO 8601 date kept in a record's JSON
        try:
            return human_date(date.fromisoformat(value))
        except ValueError:
            return value
    if isinstance(value, datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    return human_date(value)
