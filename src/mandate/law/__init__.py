"""The statutory rulebook: industrial action ballots and mandates by the law in force on each date.

Pure Python, no Django. Every number, date and wording the law sets lives in TOML data files in
``mandate/law/parameters/`` (each value with its effective dates, its trigger event and its section);
the rules here read them. Regimes (``TUA16``, ``ERA1``, ``ERA2``) are chosen per trigger event: the opening
day (thresholds, mandate, voting paper, statement of the result), the day the employer receives the
notice of ballot (its content), the day the employer receives the notice of action (its content and
period) and the first day of action (dismissal protection). See docs/law.md.

Public API (every function also takes ``params=`` a :class:`ParameterSet`, default: the shipped files)::

    from mandate.law import (BallotFacts, UnitResult, QuestionResult, assess, InconsistentFigures,
                             regime_for, mandate_last_day, timeline, voting_paper_requirements,
                             ballot_notice_requirements, action_notice_requirements,
                             result_information_items, accidental_omission_whatif, ParameterSet)

Inputs
    QuestionResult(yes: int, no: int, spoilt: int)
    UnitResult(name: str, entitled: int, votes_cast: int, questions: dict[str, QuestionResult])
        questions keys: "strike" and/or "action_short_of_strike"
    BallotFacts(opened: date, closed: date, important_public_services: bool, union_believes_not_ips: bool,
                units: list[UnitResult], agreed_mandate_months: int | None = None, court_excluded_days: int = 0)
    facts_from_dict(d) -> BallotFacts           (the JSON input of ``mandate law assess``; ValueError names the field)

assess(facts) -> Assessment
    .regime ("TUA16" | "ERA1" | "ERA2"), .units[i].turnout / .turnout_threshold_met (None if repealed),
    .units[i].questions[q].majority / .strict_majority / .ips_40_percent_met (None if the rule does not
    apply) / .supported, .units[i].result_information (s.231 items filled in), .mandate.last_day / .review,
    .citations (Citation: rule, section, url, note), .warnings (LawWarning: code, message, parameter, uncertainty)
    .as_dict() -> the JSON shape of issue 3; .as_dict(detail=True) adds figures and the s.231 statement.
    Raises InconsistentFigures (a ValueError; .unit, .question, .figures) when yes + no + spoilt != votes cast
    or votes cast > entitled; ValueError for other bad input; OutOfScope (ValueError) before 1 March 2017.

regime_for(trigger, on) -> Regime(id, name, trigger, start, end, citation)
    trigger: "opening_day" | "ballot_notice_receipt" | "action_notice_receipt" | "action_start"
mandate_last_day(closed, opened, agreed_months=None, court_excluded_days=0) -> (date, review: bool, Citation)
timeline(opening, closing, entitled=None, action_days=(), notice_agreed_7_days=False, s231a_done=None)
    -> Timeline (.ballot_notice_latest, .sample_paper_latest, .scrutineer_required, .scrutineer_report_deadline,
       .report_copies_until, .mandate_last_day, .mandate_review, .action_notice (window_opens, latest_receipt,
       period_days, regime, feasible), .action_days (within_mandate, after_ballot, notice_latest_receipt),
       .events, .citations, .warnings, .as_dict())
latest_action_notice_receipt(first_day, agreed_7_days=False) -> (date, regime id, days)
voting_paper_requirements(opening) -> Requirements (.fields / .items, .statement = exact s.229(4) text)
ballot_notice_requirements(receipt_date) -> Requirements (s.226A content by the regime on receipt)
action_notice_requirements(receipt_date) -> Requirements (s.234A content; .timing["days_before_first_action_day"])
result_information_items(opening) -> Requirements (s.231 / s.231A items)
accidental_omission_whatif(unit, omitted, facts) -> OmissionWhatIf (.could_change_turnout, .could_change_majority,
    .could_change_ips_40, .could_change_support, .could_affect_result, .scenarios all_yes/all_no/all_abstain)
"""

from mandate.dates import human_date
from mandate.law.dates import months_beginning_with
from mandate.law.io import facts_from_dict
from mandate.law.model import (
    QUESTIONS,
    Assessment,
    BallotFacts,
    Citation,
    InconsistentFigures,
    LawWarning,
    OutOfScope,
    QuestionAssessment,
    QuestionResult,
    UnitAssessment,
    UnitResult,
)
from mandate.law.params import ParameterError, ParameterSet, Regime, default_parameters
from mandate.law.requirements import (
    Requirements,
    action_notice_requirements,
    ballot_notice_requirements,
    result_information_items,
    voting_paper_requirements,
)
from mandate.law.rules import (
    OmissionWhatIf,
    accidental_omission_whatif,
    assess,
    mandate_last_day,
    regime_for,
)
from mandate.law.timeline import Timeline, latest_action_notice_receipt, timeline

__all__ = [
    "QUESTIONS", "Assessment", "BallotFacts", "Citation", "InconsistentFigures", "LawWarning", "OmissionWhatIf",
    "OutOfScope", "ParameterError", "ParameterSet", "QuestionAssessment", "QuestionResult", "Regime",
    "Requirements", "Timeline", "UnitAssessment", "UnitResult", "accidental_omission_whatif",
    "action_notice_requirements", "assess", "ballot_notice_requirements", "default_parameters",
    "facts_from_dict", "human_date", "latest_action_notice_receipt", "mandate_last_day", "months_beginning_with",
    "regime_for", "result_information_items", "timeline", "voting_paper_requirements",
]
