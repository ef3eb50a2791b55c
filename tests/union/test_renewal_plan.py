"""The renewal planner works back from a mandate's last day with the rulebook's periods (hand-worked)."""

from __future__ import annotations

from datetime import date

from mandate.union.rules import renewal_plan


def test_plan_backwards_from_the_last_day_with_the_codes_voting_period() -> None:
    plan = renewal_plan(date(2027, 3, 22))
    assert plan["first_day_under_new_mandate"] == date(2027, 3, 23)
    assert plan["action_notice_days"] == 10 and plan["action_notice_latest_receipt"] == date(2027, 3, 13)
    assert plan["latest_closing_day"] == date(2027, 3, 12)        # result to the employer by 13 March
    assert plan["voting_days"] == 14 and plan["code_second_class_days"] == 14
    assert plan["latest_opening_day"] == date(2027, 2, 27)        # 14 days of voting, 27 Feb to 12 Mar
    assert plan["ballot_notice_by"] == date(2027, 2, 20) and plan["sample_paper_by"] == date(2027, 2, 24)
    assert plan["new_mandate_last_day"] == date(2028, 3, 11)       # 12 months beginning with 12 March 2027
    assert "uncertain:code-return-periods" in {w["code"] for w in plan["warnings"]}


def test_a_chosen_voting_period_is_kept() -> None:
    plan = renewal_plan(date(2027, 3, 22), voting_days=21)
    assert plan["voting_days"] == 21 and plan["latest_opening_day"] == date(2027, 2, 20)
