"""Small display filters for the workplace wing's pages."""

from __future__ import annotations

import math
from typing import Any

from django import template
from django.utils.safestring import mark_safe

from mandate.platform.templatetags.mandate_dates import human_date

register = template.Library()


@register.filter
def pct(value: Any) -> str:
    """42.857 -> "42.9%"; None or NaN -> "–" (no required days)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{float(value):.1f}%"


@register.filter
def num(value: Any) -> str:
    """A count of days or hours: 12 -> "12", 7.4 -> "7.4", None -> "–"."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{float(value):.1f}".removesuffix(".0")


@register.filter
def met(value: Any) -> str:
    """The engine's target_met as words, with its class (never colour alone)."""
    if value is None:
        return mark_safe('<span class="muted">Not assessed individually</span>')
    if value:
        return mark_safe('<span class="pass">Met</span>')
    return mark_safe('<span class="fail">Not met</span>')


register.filter("longdate", human_date)  # 23 November 2026: the platform's filter, under the wing's old name


_DAYS = {"Mon": "Monday", "Tue": "Tuesday", "Wed": "Wednesday", "Thu": "Thursday", "Fri": "Friday",
         "Sat": "Saturday", "Sun": "Sunday"}


@register.filter
def weekdays(value: str) -> str:
    """"Mon;Tue;Wed" -> "Monday, Tuesday, Wednesday"."""
    names = [_DAYS.get(d.strip()[:3].title(), d.strip()) for d in (value or "").split(";") if d.strip()]
    return ", ".join(names) or "none"


@register.filter
def purpose(value: str) -> str:
    from mandate.workplace.models import PURPOSES

    return dict(PURPOSES).get(value, value or "").lower()
