"""Voting paper (s.229), notice of ballot (s.226A), statement of the result (s.231), s.232B what-if."""

from __future__ import annotations

from datetime import date

import pytest

from mandate.law import (
    BallotFacts,
    QuestionResult,
    UnitResult,
    accidental_omission_whatif,
    ballot_notice_requirements,
    result_information_items,
    voting_paper_requirements,
)

OLD_ENDING = ("the dismissal will be unfair if it takes place fewer than twelve weeks after you started taking part "
              "in the action, and depending on the circumstances may be unfair if it takes place later.")
NEW_ENDING = "which is called officially and is otherwise lawful, the dismissal will be unfair."


def test_voting_paper_tua16() -> None:
    r = voting_paper_requirements(date(2026, 2, 17))
    assert r.regime == "TUA16"
    assert r.statement is not None and r.statement.endswith(OLD_ENDING)
    assert r.statement.startswith("If you take part in a strike or other industrial action, you may be in breach")
    ids = [f.id for f in r.fields]
    assert {"dispute_summary", "asos_types", "expected_periods"} <= set(ids)
    assert {"scrutineer_name", "return_address", "serial_number", "questions", "caller", "statement"} <= set(ids)
    assert not any(w.uncertainty == "s229-4-statement-transition" for w in r.warnings)


def test_voting_paper_era1() -> None:
    r = voting_paper_requirements(date(2026, 2, 18))
    assert r.regime == "ERA1"
    assert r.statement is not None and r.statement.endswith(NEW_ENDING) and "twelve weeks" not in r.statement
    ids = {f.id for f in r.fields}
    assert not ids & {"dispute_summary", "asos_types", "expected_periods"}
    assert any(w.uncertainty == "s229-4-statement-transition" for w in r.warnings)
    assert any("s.77" in c.section for c in r.citations)


def test_ballot_notice_content_by_receipt_date() -> None:
    old = ballot_notice_requirements(date(2026, 2, 17))
    new = ballot_notice_requirements(date(2026, 2, 23))
    assert (old.regime, new.regime) == ("TUA16", "ERA1")
    assert {"per_category", "per_workplace", "explanation"} <= {i.id for i in old.items}
    assert not {"per_category", "per_workplace", "explanation"} & {i.id for i in new.items}
    assert {"intention", "opening_day", "categories", "workplaces", "total"} <= {i.id for i in new.items}
    assert new.timing == {"notice_days_before_opening": 7, "sample_paper_days_before_opening": 3}
    assert any("s.70" in c.url or "section/70" in c.url for c in new.citations)


def test_result_information_items_by_regime() -> None:
    assert [i.id for i in result_information_items(date(2026, 2, 17)).items] == list("abcdefg")
    era = result_information_items(date(2026, 2, 18))
    assert [i.id for i in era.items] == list("abcdef")
    assert any(w.uncertainty == "overseas-members-denominator" for w in era.warnings)
    assert any(w.uncertainty == "era2-commencement" for w in era.warnings)


def ballot(entitled: int, yes: int, no: int, spoilt: int = 0, opened: date = date(2026, 3, 2)) -> BallotFacts:
    return BallotFacts(opened=opened, closed=date(opened.year, opened.month, 28) if opened.month != 2 else
                       date(opened.year, 3, 10), important_public_services=False, union_believes_not_ips=False,
                       units=[UnitResult("Newport", entitled, yes + no + spoilt,
                                         {"strike": QuestionResult(yes, no, spoilt)})])


def test_whatif_small_omission_cannot_change_a_clear_result() -> None:
    w = accidental_omission_whatif("Newport", 5, ballot(1000, 500, 100))
    assert not w.could_affect_result
    assert [s.name for s in w.scenarios] == ["all_yes", "all_no", "all_abstain"]
    assert w.scenarios[0].unit.entitled == 1005 and w.scenarios[0].unit.votes_cast == 605
    assert w.scenarios[2].unit.votes_cast == 600
    assert any("s.232B" in c.section for c in w.citations)


def test_whatif_omission_could_change_turnout() -> None:
    # 500 of 1000 exactly: two more entitled who abstain take turnout below 50%.
    w = accidental_omission_whatif("Newport", 2, ballot(1000, 400, 100))
    assert w.could_change_turnout and w.could_affect_result and not w.could_change_majority
    d = w.as_dict()
    assert d["could_change"]["turnout"] is True and d["scenarios"][2]["turnout_threshold_met"] is False


def test_whatif_omission_could_change_majority() -> None:
    w = accidental_omission_whatif("Newport", 10, ballot(1000, 400, 395, 5))
    assert w.could_change_majority and not w.could_change_turnout


def test_whatif_omission_could_change_40_percent() -> None:
    f = BallotFacts(opened=date(2025, 3, 3), closed=date(2025, 3, 31), important_public_services=True,
                    union_believes_not_ips=False,
                    units=[UnitResult("Fire", 1000, 600, {"strike": QuestionResult(400, 200, 0)})])
    w = accidental_omission_whatif("Fire", 3, f)
    assert w.could_change_ips_40 and not w.could_change_majority and not w.could_change_turnout


def test_whatif_refuses_unknown_unit_and_negative_count() -> None:
    with pytest.raises(ValueError, match="no unit named"):
        accidental_omission_whatif("Nowhere", 1, ballot(10, 6, 1))
    with pytest.raises(ValueError, match="negative"):
        accidental_omission_whatif("Newport", -1, ballot(10, 6, 1))
