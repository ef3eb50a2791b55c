"""Polish found by users: the rulebook's warnings in plain words, a unit's employer named once, the renewal
planner refusing days it cannot use, ended mandates linked, and the demo's timeline naming the mandates that
exist."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from mandate.union import rules
from mandate.union.models import DisputeEvent, Employer, Mandate

pytestmark = pytest.mark.django_db
INTERNAL = re.compile(r"spec §|§\d|'[a-z]+(?:_[a-z]+)+'")  # the spec's section marks, parameter names


def test_warnings_read_in_plain_words_keeping_the_acts_sections():
    assessment = rules.assess_figures(date(2026, 3, 10), date(2026, 3, 31), "Darlington", 100, 60,
                                      {"strike": (30, 29, 1)})
    raw = " ".join(w["message"] for w in assessment["warnings"])
    assert INTERNAL.search(raw)  # what users were shown: 'turnout_threshold', spec §0, §3, §22, question 'strike'
    plain = rules.plain_warnings(assessment["warnings"])
    assert plain and not any(INTERNAL.search(w) for w in plain)
    assert any("ERA 2025 s.68" in w and "rests on a point of law not yet settled" in w for w in plain)
    assert any("the strike question" in w and "s.297A" in w for w in plain)
    assert rules.plain_warnings(assessment["warnings"] * 2) == plain  # one unsettled point said once


@pytest.fixture
def official(client, make_user, union_org):
    client.force_login(make_user("union_official", "pcs", username="official"))
    return client


def _mandate(union, unit: str, last_day_offset: int = 60) -> Mandate:  # type: ignore[no-untyped-def]
    today = date.today()
    return Mandate.objects.create(
        union=union, unit_name=unit, employer=Employer.objects.get(code="ons"), kind="strike",
        opening_day=today - timedelta(days=40), date_of_ballot=today - timedelta(days=20),
        last_day=today + timedelta(days=last_day_offset), entitled=100, voted=60, yes=40, no=20, spoiled=0,
        source="entered", basis={})


def test_a_units_employer_is_named_once(official, union_org):
    separate = _mandate(union_org, "Darlington (Office for National Statistics)")
    page = official.get(f"/union/mandates/{separate.pk}/renewal/").content.decode()
    assert "Darlington (Office for National Statistics) runs until" in page
    assert "(Office for National Statistics) (Office for National Statistics)" not in page
    by_code = _mandate(union_org, "ONS (all offices)")
    assert "ONS (all offices) runs until" in official.get(f"/union/mandates/{by_code.pk}/renewal/").content.decode()
    aggregate = _mandate(union_org, "All offices")
    assert "All offices (Office for National Statistics) runs until" in official.get(
        f"/union/mandates/{aggregate.pk}/renewal/").content.decode()


def test_the_renewal_page_shows_no_internal_text(official, union_org):
    page = official.get(f"/union/mandates/{_mandate(union_org, 'Newport').pk}/renewal/").content.decode()
    assert not INTERNAL.search(page) and "code_return_days" not in page
    assert "TUA16" not in page and "ERA1" not in page
    assert "mandate assumes" in page  # the Code of Practice's periods are an unsettled point, said in words
    assert page.count("Days a court ordered not to count") == 1  # the title block held a copy of the section
    assert "<title>Renewing a mandate – mandate</title>" in page


@pytest.mark.parametrize("typed,why", [
    ("3", "from 7 to 60"), ("abc", "from 7 to 60"), ("61", "from 7 to 60"), ("7.5", "whole number"),
    ("-1", "from 7 to 60"), ("9" * 400, "from 7 to 60"), ("1e3", "whole number"),
])
def test_the_renewal_planner_refuses_days_it_cannot_use_saying_why(official, union_org, typed, why):
    m = _mandate(union_org, "Newport")
    page = official.get(f"/union/mandates/{m.pk}/renewal/", {"voting_days": typed}).content.decode()
    error = re.search(r'data-testid="voting-days-error">(.*?)</div>', page, re.S)
    assert error is not None, typed
    assert why in error.group(1) and "first-class post" in error.group(1) and "second-class" in error.group(1)
    assert "uses the Code of Practice's 14 days instead" in error.group(1)
    assert "Assumes 14 days of voting" in page and "Assumes 7 days" not in page
    assert 'aria-invalid="true"' in page


def test_the_renewal_planner_takes_days_it_can_use(official, union_org):
    m = _mandate(union_org, "Newport")
    for days in ("7", "10", "60"):
        page = official.get(f"/union/mandates/{m.pk}/renewal/", {"voting_days": days}).content.decode()
        assert f"Assumes {days} days of voting" in page and "voting-days-error" not in page
    plan_7 = rules.renewal_plan(m.last_day, voting_days=7)
    page = official.get(f"/union/mandates/{m.pk}/renewal/", {"voting_days": "7"}).content.decode()
    from mandate.dates import human_date

    assert human_date(plan_7["latest_opening_day"]) in page


def test_ended_mandates_are_linked_from_the_list_and_the_dispute(official, union_org):
    from mandate.union.models import Dispute

    ended = _mandate(union_org, "Titchfield", last_day_offset=-3)
    live = _mandate(union_org, "Newport")
    page = official.get("/union/mandates/").content.decode()
    assert f'href="/union/mandates/{ended.pk}/renewal/"' in page
    assert 'data-testid="ended-mandates"' in page and f'href="/union/mandates/{live.pk}/renewal/"' in page
    opened = official.get(f"/union/mandates/{ended.pk}/renewal/").content.decode()
    assert "Titchfield (Office for National Statistics) ran until" in opened
    dispute = Dispute.objects.create(union=union_org, code="d", title="D", matters="m", opened_on=date(2024, 4, 1))
    Mandate.objects.filter(pk=ended.pk).update(dispute=dispute)
    page = official.get(f"/union/disputes/{dispute.pk}/").content.decode()
    assert f'href="/union/mandates/{ended.pk}/renewal/"' in page and "ended " in page


def test_the_demo_timeline_names_the_mandates_that_exist(union_org):
    from mandate.demo import union_dispute

    union_dispute.build(seed=1, unions={"pcs": union_org})
    mandates = list(Mandate.objects.filter(union=union_org))
    assert mandates
    for day in {m.date_of_ballot for m in mandates}:
        kinds = {m.get_kind_display().lower() for m in mandates if m.date_of_ballot == day}
        events = [e for e in DisputeEvent.objects.filter(dispute__union=union_org, on=day) if "mandate" in e.title]
        assert len(events) == 1, day
        title = events[0].title
        named = set(title.split(" for ", 1)[1].split(" and "))
        assert named == kinds, (title, kinds)
        assert ("mandates" in title) == (len(kinds) > 1)
    last = max(m.last_day for m in mandates)
    from mandate.dates import human_date

    assert any(human_date(last) in e.detail for e in DisputeEvent.objects.filter(dispute__union=union_org))
    assert not DisputeEvent.objects.filter(detail__contains="TUA16").exists()
