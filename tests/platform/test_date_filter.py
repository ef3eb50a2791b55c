"""The pages' date filter is the one date formatter, and shows a datetime on its Europe/London day."""

from __future__ import annotations

import datetime as dt

from django.template import Context, Template

from mandate.dates import human_date

UTC = dt.UTC


def render(value: object, filter_name: str = "human_date", library: str = "mandate_dates") -> str:
    return Template(f"{{% load {library} %}}{{{{ value|{filter_name} }}}}").render(Context({"value": value}))


def test_a_date_as_people_read_it():
    assert render(dt.date(2026, 11, 3)) == "3 November 2026" == human_date(dt.date(2026, 11, 3))


def test_a_datetime_is_shown_on_its_london_day():
    # 23:30 UTC on 1 October 2026 is 00:30 BST on 2 October; in winter 23:30 UTC is 23:30 GMT, the same day.
    assert render(dt.datetime(2026, 10, 1, 23, 30, tzinfo=UTC)) == "2 October 2026"
    assert render(dt.datetime(2026, 12, 1, 23, 30, tzinfo=UTC)) == "1 December 2026"


def test_nothing_for_what_is_not_a_date():
    assert render(None) == "" and render("") == "" and render("2026-11-03") == ""


def test_the_workplace_wing_uses_the_same_filter():
    assert render(dt.date(2026, 4, 1), "longdate", "workplace_tags") == "1 April 2026"
