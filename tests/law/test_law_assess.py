"""Result assessment per unit and per question (s.226, s.297A, s.231), spec §2-§4, §13, §16, §18-§21."""

from __future__ import annotations

import json
from datetime import date

import pytest

from mandate.law import (
    BallotFacts,
    InconsistentFigures,
    QuestionResult,
    UnitResult,
    assess,
    facts_from_dict,
)

ISSUE_INPUT = {
    "opened": "2025-03-03", "closed": "2025-03-31",
    "important_public_services": False,
    "union_believes_not_ips": False,
    "units": [{"name": "ONS", "entitled": 1150, "votes_cast": 817,
               "questions": {"strike": {"yes": 550, "no": 255, "spoilt": 12},
                             "action_short_of_strike": {"yes": 740, "no": 70, "spoilt": 7}}}],
}


def facts(opened: date, closed: date, *units: UnitResult, ips: bool = False, belief: bool = False,
          agreed: int | None = None, court: int = 0) -> BallotFacts:
    return BallotFacts(opened=opened, closed=closed, important_public_services=ips, union_believes_not_ips=belief,
                       units=list(units), agreed_mandate_months=agreed, court_excluded_days=court)


def unit(name: str, entitled: int, yes: int, no: int, spoilt: int = 0, asos: tuple[int, int, int] | None = None
         ) -> UnitResult:
    qs = {"strike": QuestionResult(yes, no, spoilt)}
    if asos:
        qs["action_short_of_strike"] = QuestionResult(*asos)
    return UnitResult(name, entitled=entitled, votes_cast=yes + no + spoilt, questions=qs)


def test_issue_json_example() -> None:
    answer = assess(facts_from_dict(json.loads(json.dumps(ISSUE_INPUT)))).as_dict()
    assert set(answer) == {"regime", "units", "mandate", "citations", "warnings"}
    assert answer["regime"] == "TUA16"
    assert answer["units"] == [{
        "name": "ONS", "turnout": 0.7104, "turnout_threshold_met": True,
        "questions": {
            "strike": {"majority": True, "ips_40_percent_met": None, "supported": True},
            "action_short_of_strike": {"majority": True, "ips_40_percent_met": None, "supported": True},
        },
    }]
    assert answer["mandate"] == {"last_day": "2025-09-30", "review": False}
    sections = " ".join(c["section"] for c in answer["citations"])
    for s in ("s.226(2)(a)(iia)", "s.297A", "s.226(2)(a)(iii)", "s.234(1)(a)", "s.231", "s.246"):
        assert s in sections
    assert all(c["url"].startswith("https://www.legislation.gov.uk/") for c in answer["citations"])
    json.dumps(answer)  # serialisable as is


def test_exactly_50_percent_turnout_passes_and_one_less_fails() -> None:
    on, off = date(2025, 3, 3), date(2025, 3, 31)
    exact = assess(facts(on, off, unit("A", 1000, 300, 200)))  # 500 of 1000
    assert exact.units[0].turnout == 0.5 and exact.units[0].turnout_threshold_met is True
    assert exact.units[0].questions["strike"].supported is True
    short = assess(facts(on, off, unit("A", 1001, 300, 200)))  # 500 of 1001
    assert short.units[0].turnout_threshold_met is False
    assert short.units[0].questions["strike"].supported is False


def test_spoilt_papers_count_towards_turnout_but_not_towards_yes_or_no() -> None:
    # 480 valid + 20 spoilt = 500 of 1000: turnout met only because spoilt papers count (s.297A).
    a = assess(facts(date(2026, 3, 2), date(2026, 3, 30), unit("A", 1000, 250, 230, 20)))
    assert a.units[0].turnout_threshold_met is True
    q = a.units[0].questions["strike"]
    assert q.majority is True and q.yes == 250 and q.no == 230
    without = assess(facts(date(2026, 3, 2), date(2026, 3, 30), unit("A", 1000, 250, 230, 0)))
    assert without.units[0].turnout_threshold_met is False


def test_majority_needs_more_yes_than_no() -> None:
    a = assess(facts(date(2025, 3, 3), date(2025, 3, 31), unit("A", 100, 40, 40, 0)))
    assert a.units[0].questions["strike"].majority is False
    assert a.units[0].questions["strike"].supported is False


def test_majority_readings_disagree_is_reported() -> None:
    # Yes 300 > No 290, but 300 is not more than half of 600 papers (10 spoilt).
    a = assess(facts(date(2026, 3, 2), date(2026, 3, 30), unit("Leeds", 1000, 300, 290, 10)))
    q = a.units[0].questions["strike"]
    assert q.majority is True and q.strict_majority is False and q.supported is True
    ws = [w for w in a.warnings if w.code == "majority-readings-disagree"]
    assert len(ws) == 1 and "Leeds" in ws[0].message and "strike" in ws[0].message
    assert ws[0].uncertainty == "majority-strict-reading"
    agree = assess(facts(date(2026, 3, 2), date(2026, 3, 30), unit("Leeds", 1000, 400, 190, 10)))
    assert not any(w.code == "majority-readings-disagree" for w in agree.warnings)


def test_ips_40_percent_exactly_passes_under_tua16() -> None:
    on, off = date(2025, 3, 3), date(2025, 3, 31)
    exact = assess(facts(on, off, unit("Fire", 1000, 400, 200), ips=True))  # 400 = 40% of 1000
    q = exact.units[0].questions["strike"]
    assert q.ips_40_percent_met is True and q.supported is True
    assert exact.ips_rule_applies is True
    assert any("s.226(2B)" in c.section for c in exact.citations)
    short = assess(facts(on, off, unit("Fire", 1000, 399, 200, 1), ips=True))
    q = short.units[0].questions["strike"]
    assert q.majority is True and q.ips_40_percent_met is False and q.supported is False


def test_ips_reasonable_belief_override() -> None:
    a = assess(facts(date(2025, 3, 3), date(2025, 3, 31), unit("Fire", 1000, 399, 200, 1), ips=True, belief=True))
    q = a.units[0].questions["strike"]
    assert q.ips_40_percent_met is None and q.supported is True
    assert any(w.code == "ips-reasonable-belief" for w in a.warnings)


def test_ips_rule_is_gone_for_ballots_opened_from_18_february_2026() -> None:
    a = assess(facts(date(2026, 2, 18), date(2026, 3, 18), unit("Fire", 1000, 399, 200, 1), ips=True))
    assert a.regime == "ERA1"
    q = a.units[0].questions["strike"]
    assert q.ips_40_percent_met is None and q.supported is True
    assert any(w.code == "ips-rule-not-in-force" for w in a.warnings)


def test_ballot_opened_17_february_closing_in_march_is_tua16() -> None:
    # Spec §20: TUA16 (6 months, 40% IPS) even though the notice of action would use the 10-day rule.
    a = assess(facts(date(2026, 2, 17), date(2026, 3, 10), unit("Fire", 1000, 399, 200, 1), ips=True))
    assert a.regime == "TUA16"
    assert a.units[0].questions["strike"].ips_40_percent_met is False
    assert a.mandate.last_day == date(2026, 9, 9) and a.mandate.months == 6


def test_separate_units_pass_or_fail_on_their_own() -> None:
    a = assess(facts(date(2026, 3, 2), date(2026, 3, 30),
                     unit("Newport", 600, 300, 50, 10),    # 60% turnout
                     unit("Titchfield", 400, 150, 40, 5)))  # 48.75% turnout
    by_name = {u.name: u for u in a.units}
    assert by_name["Newport"].questions["strike"].supported is True
    assert by_name["Titchfield"].turnout_threshold_met is False
    assert by_name["Titchfield"].questions["strike"].supported is False
    assert any("s.228" in c.section for c in a.citations)


def test_each_question_is_assessed_separately() -> None:
    a = assess(facts(date(2025, 3, 3), date(2025, 3, 31), unit("A", 1000, 240, 350, 10, asos=(450, 140, 10))))
    qs = a.units[0].questions
    assert qs["strike"].supported is False and qs["action_short_of_strike"].supported is True


@pytest.mark.parametrize(
    ("change", "question", "needle"),
    [
        ({"votes_cast": 818}, "strike", "yes 550, no 255, spoilt 12, votes_cast 818"),
        ({"questions": {"action_short_of_strike": {"yes": 741, "no": 70, "spoilt": 7}}},
         "action_short_of_strike", "yes 741, no 70, spoilt 7, votes_cast 817"),
    ],
)
def test_figures_that_do_not_add_up_are_refused(change: dict, question: str, needle: str) -> None:
    data = json.loads(json.dumps(ISSUE_INPUT))
    u = data["units"][0]
    if "questions" in change:
        u["questions"].update(change["questions"])
    else:
        u.update(change)
    with pytest.raises(InconsistentFigures) as err:
        assess(facts_from_dict(data))
    assert err.value.unit == "ONS" and err.value.question == question
    assert needle in str(err.value) and "ONS" in str(err.value) and question in str(err.value)
    assert isinstance(err.value, ValueError)


def test_votes_cast_cannot_exceed_entitled() -> None:
    with pytest.raises(InconsistentFigures) as err:
        assess(facts(date(2025, 3, 3), date(2025, 3, 31), UnitResult("Tiny", 10, 11, {"strike": QuestionResult(6, 5, 0)})))
    assert err.value.unit == "Tiny" and err.value.figures == {"votes_cast": 11, "entitled": 10}
    assert "exceed" in str(err.value)


def test_negative_figures_and_bad_input_are_refused() -> None:
    with pytest.raises(InconsistentFigures, match="negative"):
        assess(facts(date(2025, 3, 3), date(2025, 3, 31), UnitResult("A", 10, 2, {"strike": QuestionResult(3, -1, 0)})))
    with pytest.raises(ValueError, match="before opened"):
        assess(facts(date(2025, 3, 31), date(2025, 3, 3), unit("A", 10, 5, 1)))
    with pytest.raises(ValueError, match="unique"):
        assess(facts(date(2025, 3, 3), date(2025, 3, 31), unit("A", 10, 5, 1), unit("A", 10, 5, 1)))
    with pytest.raises(ValueError, match="unknown question"):
        assess(facts(date(2025, 3, 3), date(2025, 3, 31), UnitResult("A", 10, 2, {"picket": QuestionResult(1, 1, 0)})))


def test_mandate_in_assessment_by_regime_with_agreement_and_court_order() -> None:
    tua = assess(facts(date(2025, 3, 3), date(2025, 3, 31), unit("A", 10, 6, 1), agreed=9, court=10))
    assert tua.mandate.last_day == date(2026, 1, 9)  # 30 Dec 2025 + 10 days
    era = assess(facts(date(2026, 2, 20), date(2026, 3, 10), unit("A", 10, 6, 1), agreed=9))
    assert era.mandate.last_day == date(2027, 3, 9)
    assert any(w.code == "agreed-months-ignored" for w in era.warnings)
    with pytest.raises(ValueError, match="agreed_mandate_months"):
        assess(facts(date(2025, 3, 3), date(2025, 3, 31), unit("A", 10, 6, 1), agreed=12))


def test_month_end_mandate_is_flagged_with_a_warning() -> None:
    a = assess(facts(date(2025, 8, 1), date(2025, 8, 31), unit("A", 10, 6, 1)))
    assert a.mandate.last_day == date(2026, 2, 28) and a.mandate.review is True
    assert a.as_dict()["mandate"] == {"last_day": "2026-02-28", "review": True}
    (w,) = [w for w in a.warnings if w.uncertainty == "month-end-period"]
    assert "31 August 2025" in w.message and "28 February 2026" in w.message


def test_30_august_no_longer_ends_before_29_august() -> None:
    """The issue's report: 30 August 2025 gave 27 February 2026 and 29 August 2025 gave 28 February 2026."""
    ends = [assess(facts(date(2025, 8, 1), date(2025, 8, d), unit("A", 10, 6, 1))).mandate.last_day
            for d in (29, 30, 31)]
    assert ends == [date(2026, 2, 28)] * 3


def test_a_flagged_first_of_the_month_names_the_other_reading() -> None:
    a = assess(facts(date(2025, 2, 10), date(2025, 3, 1), unit("A", 10, 6, 1)))
    assert a.mandate.last_day == date(2025, 8, 28) and a.mandate.review is True
    (w,) = [w for w in a.warnings if w.uncertainty == "month-end-period"]
    assert "31 August 2025" in w.message


def test_twelve_month_mandates_around_29_february() -> None:
    a = assess(facts(date(2027, 2, 10), date(2027, 3, 2), unit("A", 10, 6, 1)))
    assert a.mandate.last_day == date(2028, 3, 1) and a.mandate.review is False
    leap = assess(facts(date(2028, 2, 1), date(2028, 2, 29), unit("A", 10, 6, 1)))
    assert leap.mandate.last_day == date(2029, 2, 28) and leap.mandate.review is False
    to_leap_day = assess(facts(date(2027, 8, 10), date(2027, 8, 31), unit("A", 10, 6, 1)))
    assert to_leap_day.mandate.last_day == date(2028, 8, 30)


def test_era1_assessment_warns_that_the_50_percent_repeal_is_uncertain() -> None:
    a = assess(facts(date(2026, 3, 2), date(2026, 3, 30), unit("A", 100, 60, 10)))
    assert a.regime == "ERA1"
    w = [w for w in a.warnings if w.uncertainty == "era2-commencement"]
    assert w and w[0].parameter == "turnout_threshold"
    tua = assess(facts(date(2025, 3, 3), date(2025, 3, 31), unit("A", 100, 60, 10)))
    assert not any(w.uncertainty == "era2-commencement" for w in tua.warnings)


def test_statement_of_the_result_by_regime() -> None:
    tua = assess(facts(date(2025, 3, 3), date(2025, 3, 31), unit("A", 1000, 400, 200), ips=True))
    items = {i.id: i.value for i in tua.units[0].result_information}
    assert items == {"a": 1000, "b": 600, "c": {"strike": 400}, "d": {"strike": 200}, "e": {"strike": 0},
                     "f": True, "g": {"strike": True}}
    era = assess(facts(date(2026, 3, 2), date(2026, 3, 30), unit("A", 1000, 400, 200)))
    assert [i.id for i in era.units[0].result_information] == ["a", "b", "c", "d", "e", "f"]
    detail = era.as_dict(detail=True)["units"][0]
    assert detail["entitled"] == 1000 and detail["result_information"][0]["value"] == 1000
    assert detail["questions"]["strike"]["strict_majority"] is True


def test_a_blank_answer_is_not_a_spoilt_paper_for_the_other_question() -> None:
    """100 papers: 10 answer the strike question only, leaving the other blank; 2 are spoilt (s.229, s.231)."""
    data = {"opened": "2026-03-02", "closed": "2026-03-30",
            "units": [{"name": "A", "entitled": 150, "votes_cast": 100,
                       "questions": {"strike": {"yes": 70, "no": 28, "spoilt": 2},
                                     "action_short_of_strike": {"yes": 45, "no": 43, "spoilt": 2, "blank": 10}}}]}
    a = assess(facts_from_dict(data))
    asos = a.units[0].questions["action_short_of_strike"]
    assert (asos.yes, asos.no, asos.spoilt, asos.blank) == (45, 43, 2, 10)
    assert asos.majority is True  # Yes > No: blanks are neither
    assert asos.strict_majority is False  # 45 is not over half of the 100 papers returned
    items = {i.id: i.value for i in a.units[0].result_information}
    assert items["e"] == {"strike": 2, "action_short_of_strike": 2}  # s.231(e): spoilt only
    assert a.units[0].turnout_threshold_met is True  # the 10 papers count as votes cast
    assert any(w.code == "blank-answers" for w in a.warnings)
    assert a.as_dict(detail=True)["units"][0]["questions"]["action_short_of_strike"]["blank"] == 10
    # yes + no + spoilt + blank must still add up to the votes cast
    data["units"][0]["questions"]["action_short_of_strike"]["blank"] = 9  # type: ignore[index]
    with pytest.raises(InconsistentFigures, match="yes \\+ no \\+ spoilt \\+ blank = 99"):
        assess(facts_from_dict(data))


def test_important_public_services_needed_only_where_the_40_percent_rule_can_apply() -> None:
    era = {"opened": "2026-03-02", "closed": "2026-03-30",
           "units": [{"name": "A", "entitled": 10, "votes_cast": 6,
                      "questions": {"strike": {"yes": 5, "no": 1, "spoilt": 0}}}]}
    assert assess(facts_from_dict(era)).units[0].questions["strike"].supported is True
    tua = {**era, "opened": "2026-02-17"}
    with pytest.raises(ValueError, match="important_public_services: missing.*17 February 2026.*s.226"):
        assess(facts_from_dict(tua))
    assert assess(facts_from_dict({**tua, "important_public_services": False})).regime == "TUA16"


def test_a_ballot_before_march_2017_is_out_of_scope_in_words() -> None:
    from mandate.law import OutOfScope

    old = facts(date(2016, 1, 4), date(2016, 1, 30), unit("A", 10, 6, 1))
    with pytest.raises(OutOfScope, match="Out of scope: 4 January 2016.*before 1 March 2017") as caught:
        assess(old)
    assert "ips_support_threshold" not in str(caught.value) and "parameter" not in str(caught.value)


def test_the_50_percent_uncertainty_is_warned_about_once() -> None:
    a = assess(facts(date(2026, 3, 2), date(2026, 3, 30), unit("A", 100, 60, 10)))
    assert [w.uncertainty for w in a.warnings].count("era2-commencement") == 1
