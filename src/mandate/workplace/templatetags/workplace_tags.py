"""Small display filters for the workplace wing's pages."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from mandate.platform.templatetags.mandate_dates import human_date

register = template.Library()


def one_decimal(value: Any) -> str:
    """One decimal place, half rounded up, with thousands separators: 6.25 -> "6.3" (1 of 16), never the
    "6.2" of binary floating point's round-half-even; every page and the evidence pack use this."""
    exact = Decimal(repr(float(value))) if isinstance(value, float) else Decimal(value)
    # A rate made in binary floating point carries its error in the 15th digit (100 * (1915 / 400) is
    # 478.74999999999994): settle that at nine decimals first, then round the half up.
    exact = exact.quantize(Decimal("1e-9"))
    return f"{exact.quantize(Decimal('0.1'), rounding=ROUND_HALF_UP):,}"


@register.filter
def pct(value: Any) -> str:
    """42.857 -> "42.9%", 6.25 -> "6.3%"; None or NaN -> "–" (no required days)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{one_decimal(value)}%"


@register.filter
def num(value: Any) -> str:
    """A count of days or hours: 12 -> "12", 7.4 -> "7.4", 1234.5 -> "1,234.5", None -> "–"."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return one_decimal(value).removesuffix(".0")


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


TARGET_OWNERS = {"person": "each person\u2019s own", "team": "each team\u2019s", "site": "each site\u2019s",
                 "organisation": "organisation-wide"}


@register.filter
def verdict(row: Any, level: str) -> str:
    """Met / Not met for a row judged against its own target; otherwise why it is not judged at all: a shared
    target is met or not by its group, and nobody (no person, no other group) has a target to miss."""
    get = row.get if isinstance(row, dict) else (lambda k, d=None: getattr(row, k, d))
    value, owner = get("target_met"), get("target_of")
    if get("flags_withheld"):
        return mark_safe('<span class="muted">Withheld while dispute mode is on</span>')
    if value is not None:
        return met(value)
    if owner is None or owner == level:
        return mark_safe('<span class="muted">No figure</span>')
    if level == "person":
        text = f"No individual target: the target is {TARGET_OWNERS.get(owner, owner)}"
    elif owner == "person":
        text = "No group target: each person has their own"
    else:
        text = f"Not judged: the target is {TARGET_OWNERS.get(owner, owner)}"
    return format_html('<span class="muted">{}</span>', text)


@register.filter
def meeting(row: Any) -> str:
    """People meeting their own target, or why there is no such count (a shared target)."""
    value = row.get("people_meeting_target") if isinstance(row, dict) else None
    if isinstance(row, dict) and row.get("flags_withheld"):
        return mark_safe('<span class="muted">Withheld while dispute mode is on</span>')
    if value is None:
        return mark_safe('<span class="muted">No individual targets</span>')
    return intcomma(value)


@register.filter
def get_item(mapping: Any, key: str) -> Any:
    """mapping[key] in a template (None if absent)."""
    return mapping.get(key) if isinstance(mapping, dict) else None


@register.filter
def purpose_count(row: Any, code: str) -> Any:
    """A purpose report row's count of office days with purpose `code`."""
    return row.get(f"purpose_{code}", 0) if isinstance(row, dict) else 0


@register.filter
def listed(value: Any) -> list[Any]:
    """One row as a list of one, for a table include."""
    return [value]
