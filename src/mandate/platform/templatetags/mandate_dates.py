"""The date filter for every page and document: `{% load mandate_dates %}` then `{{ day|human_date }}`.

It calls :func:`mandate.dates.human_date`, the one date formatter, so a page shows '23 November 2026' exactly as
the CLI and the documents do. A datetime is shown as its date in the site's time zone (Europe/London), as
Django's own `date` filter would; anything that is not a date (None, an empty string) is shown as nothing, so
that `|default:"–"` can follow.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils import timezone

from mandate.dates import human_date as _human_date

register = template.Library()


@register.filter
def human_date(value: Any) -> str:
    """23 November 2026."""
    if isinstance(value, dt.datetime):
        value = (timezone.localtime(value) if timezone.is_aware(value) else value).date()
    if not isinstance(value, dt.date):
        return ""
    return _human_date(value)
