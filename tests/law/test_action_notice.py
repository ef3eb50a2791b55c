"""The notice of industrial action (s.234A): content by the regime of the receipt date, the latest day of
receipt, and each refusal, against an oracle written from the spec (§17, §16, §18), not from the rulebook."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mandate.law.action import action_notice, resumption_notice

ERA_FROM = date(2026, 2, 18)  # spec §0 and §18: notices received on or after 18 February 2026


def oracle_period(receipt: date, agreed: bool = False) -> int:
    if receipt >= ERA_FROM:
        return 10
    return 7 if agreed else 14


def oracle_latest(first: date, agreed: bool = False) -> date:
    """The latest receipt day d with d <= first - period(d), by walking back day by day."""
    d = first - timedelta(days=1)
    while d > first - timedelta(days=15) - timedelta(days=1):
        if d <= first - timedelta(days=oracle_period(d, agreed)):
            return d
        d -= timedelta(days=1)
    raise AssertionError("no day found")


def oracle_items(receipt: date, kind: str) -> set[str]:
    base = {"categories", "workplaces", "total", "per_workplace", "explanation", "check_off", "continuity"}
    if receipt < ERA_FROM:
        base.add("per_category")  # ERA 2025 s.74(1)(a)-(b) removed the numbers per category
    if kind == "action_short_of_strike":
        base.add("forms_of_action")
    return base


days = st.dates(min_value=date(2017, 4, 1), max_value=date(2029, 12, 31))


@settings(max_examples=300, deadline=None)
@given(first=days, back=st.integers(min_value=0, max_value=30), agreed=st.booleans(),
       kind=st.sampled_from(["strike", "action_short_of_strike"]), continuous=st.booleans(),
       extra=st.lists(st.integers(min_value=1, max_value=60), max_size=4))
def test_period_content_and_lateness_match_the_oracle(first, back, agreed, kind, continuous, extra):
    receipt = first - timedelta(days=back)
    chosen = [first] if continuous else [first, *(first + timedelta(days=n) for n in extra)]
    ballot = first - timedelta(days=40)
    answer = action_notice(receipt=receipt, kind=kind, days=chosen, continuous=continuous, date_of_ballot=ballot,
                           mandate_last_day=first + timedelta(days=120), forms=["Overtime ban"],
                           agreed_7_days=agreed)
    assert answer.regime == ("TUA16" if receipt < ERA_FROM else "ERA1")
    assert answer.period_days == oracle_period(receipt, agreed)
    assert answer.latest_receipt == oracle_latest(first, agreed)
    assert {i.id for i in answer.items} == oracle_items(receipt, kind)
    late = receipt > first - timedelta(days=oracle_period(receipt, agreed))
    assert ("late" in {r.code for r in answer.refusals}) is late
    assert answer.ok is (not late)
    # receiving it on the latest day is never late
    on_time = action_notice(receipt=answer.latest_receipt, kind=kind, days=chosen, continuous=continuous,
                            date_of_ballot=ballot, mandate_last_day=first + timedelta(days=120),
                            forms=["Overtime ban"], agreed_7_days=agreed)
    assert on_time.ok


@settings(max_examples=200, deadline=None)
@given(last=days, offsets=st.lists(st.integers(min_value=-30, max_value=30), min_size=1, max_size=5))
def test_the_mandate_covers_only_days_after_the_ballot_up_to_its_last_day(last, offsets):
    ballot = last - timedelta(days=180)
    chosen = [last + timedelta(days=o) for o in offsets]
    answer = action_notice(receipt=min(chosen) - timedelta(days=20), kind="strike", days=chosen, continuous=False,
                           date_of_ballot=ballot, mandate_last_day=last)
    outside = [d for d in chosen if d > last]
    covered = "not_covered" not in {r.code for r in answer.refusals}
    assert covered is (not outside)
    if outside:
        assert any(d.strftime("%Y") in r.message and r.section == "s.234(1)" for r in answer.refusals for d in outside)


def test_worked_example_of_the_spec_and_the_14_day_regime():
    # spec §17: first action day 1 March 2026 -> notice received by 19 February 2026
    a = action_notice(receipt=date(2026, 2, 19), kind="strike", days=[date(2026, 3, 1)], continuous=True,
                      date_of_ballot=date(2026, 1, 20), mandate_last_day=date(2026, 7, 19))
    assert a.ok and a.latest_receipt == date(2026, 2, 19) and a.regime == "ERA1" and a.period_days == 10
    late = action_notice(receipt=date(2026, 2, 20), kind="strike", days=[date(2026, 3, 1)], continuous=True,
                         date_of_ballot=date(2026, 1, 20), mandate_last_day=date(2026, 7, 19))
    assert [r.code for r in late.refusals] == ["late"]
    # TUA16: received 10 February 2026 for action on 20 February: 14 days needed, so 6 February was the last day
    old = action_notice(receipt=date(2026, 2, 10), kind="strike", days=[date(2026, 2, 20)], continuous=True,
                        date_of_ballot=date(2026, 1, 10), mandate_last_day=date(2026, 7, 9))
    assert old.regime == "TUA16" and old.period_days == 14 and [r.code for r in old.refusals] == ["late"]
    assert "6 February 2026" in old.refusals[0].message
    assert "per_category" in {i.id for i in old.items} and "per_category" not in {i.id for i in a.items}


def test_other_refusals_and_warnings():
    base = dict(receipt=date(2026, 11, 10), date_of_ballot=date(2026, 11, 1), mandate_last_day=date(2027, 10, 31))
    assert {r.code for r in action_notice(kind="strike", days=[], continuous=True, **base).refusals} == {"no_days"}
    asos = action_notice(kind="action_short_of_strike", days=[date(2026, 12, 1)], continuous=True, **base)
    assert {r.code for r in asos.refusals} == {"forms_missing"}
    two = action_notice(kind="strike", days=[date(2026, 12, 1), date(2026, 12, 3)], continuous=True, **base)
    assert {r.code for r in two.refusals} == {"continuous_one_day"}
    before = action_notice(kind="strike", days=[date(2026, 12, 1)], continuous=True, s231a_done=date(2026, 11, 12),
                           **base)
    assert {r.code for r in before.refusals} == {"before_result"}
    same_day = action_notice(kind="strike", days=[date(2026, 12, 1)], continuous=True, s231a_done=date(2026, 11, 10),
                             **base)
    assert same_day.ok  # spec §20: the period begins with the day of the s.231A information
    agreed = action_notice(kind="strike", days=[date(2026, 12, 1)], continuous=True, agreed_7_days=True, **base)
    assert agreed.period_days == 10 and any(w.code == "agreed-period-repealed" for w in agreed.warnings)
    assert any(w.uncertainty == "action-notice-forms-of-asos" for w in asos.warnings)
    with pytest.raises(ValueError):
        action_notice(kind="lockout", days=[date(2026, 12, 1)], continuous=True, **base)


def test_resumption_needs_a_fresh_notice_unless_suspended_by_order_or_agreement():
    assert resumption_notice("new_notice", date(2026, 12, 1)).needs_notice
    assert not resumption_notice("court_order", date(2026, 12, 1)).needs_notice
    agreed = resumption_notice("agreed_suspension", date(2026, 12, 1))
    assert not agreed.needs_notice and agreed.reason.section == "s.234A(7B)"
