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
    QuestionResult(yes: int, no: int, spoilt: int, blank: int = 0)   yes + no + spoilt + blank = votes cast
    UnitResult(name: str, entitled: int, votes_cast: int, questions: dict[str, QuestionResult])
        questions keys: "strike" and/or "action_short_of_strike"
    BallotFacts(opened: date, closed: date, important_public_services: bool | None (None: not given; needed
                only where the 40% rule can apply, ballots opened before 18 February 2026), union_believes_not_ips: bool,
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
court_excluded_days(periods=[(first, last), ...], date_of_ballot) -> int   (s.234(2)-(6), from court orders)
timeline(opening, closing, entitled=None, action_days=(), notice_agreed_7_days=False, s231a_done=None,
         *, agreed_months=None, court_excluded_days=0, method=None)
    -> Timeline (.ballot_notice_latest, .sample_paper_latest, .scrutineer_required, .scrutineer_report_deadline,
       .report_copies_until, .mandate_last_day, .mandate_review, .action_notice (window_opens, latest_receipt,
       period_days, regime, feasible), .action_days (within_mandate, after_ballot, notice_latest_receipt),
       .events, .citations, .warnings, .as_dict())
latest_action_notice_receipt(first_day, agreed_7_days=False) -> (date, regime id, days)
voting_paper_requirements(opening) -> Requirements (.fields / .items, .statement = exact s.229(4) text)
ballot_notice_requirements(receipt_date) -> Requirements (s.226A content by the regime on receipt)
action_notice_requirements(receipt_date) -> Requirements (s.234A content; .timing["days_before_first_action_day"])
result_information_items(opening) -> Requirements (s.231 / s.231A items)
voting_paper_requirements(opening, *, method=None, entitled=None) -> Requirements (.method: MethodConditions)

Means of voting (spec §12; postal only until the Permissible Means of Voting Order 2026 commences)
permissible_means(opening_day, commencements=()) -> Means (.methods, .citations, .warnings)
method_conditions(method, opening_day, commencements=(), *, entitled=None) -> MethodConditions
    (.permissible, .permissible_means, .conditions (Condition: id, text, section, check, applies), .content,
     .scrutineer_always, .citations, .warnings)
check_permissible(method, opening_day, commencements=(), *, ballot_kind="industrial_action") -> Means, or
    ImpermissibleMethod (a ValueError) in words
unmet_conditions(method, opening_day, facts={check: bool}, commencements=()) -> [Condition]
    ``commencements``: the RecordedCommencement records of the deployment (mandate.law.recorded.loads of its
    data file); parameters_with(records) gives a ParameterSet with them for every other function's params=.
    Every answer resting on a recorded commencement carries a warning with code "recorded:<ID>".

accidental_omission_whatif(unit, omitted, facts) -> OmissionWhatIf (.could_change_turnout, .could_change_majority,
    .could_change_ips_40, .could_change_support, .could_affect_result, .scenarios all_yes/all_no/all_abstain)
"""

from mandate.dates import human_date
from mandate.law.dates import months_beginning_with, months_from
from mandate.law.io import facts_from_dict
from mandate.law.means import (
    METHODS,
    Condition,
    ImpermissibleMethod,
    Means,
    MethodConditions,
    check_permissible,
    method_conditions,
    permissible_means,
    unmet_conditions,
)
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
from mandate.law.params import ParameterError, ParameterSet, Regime, default_parameters, parameters_with
from mandate.law.recorded import RecordedCommencement, RecordingError
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
    court_excluded_days,
    mandate_last_day,
    regime_for,
)
from mandate.law.timeline import Timeline, latest_action_notice_receipt, timeline

__all__ = [
    "METHODS", "QUESTIONS", "Assessment", "BallotFacts", "Citation", "Condition", "ImpermissibleMethod",
    "InconsistentFigures", "LawWarning", "Means", "MethodConditions", "OmissionWhatIf", "OutOfScope",
    "ParameterError", "ParameterSet", "QuestionAssessment", "QuestionResult", "RecordedCommencement",
    "RecordingError", "Regime", "Requirements", "Timeline", "UnitAssessment", "UnitResult",
    "accidental_omission_whatif", "action_notice_requirements", "assess", "ballot_notice_requirements",
    "check_permissible", "court_excluded_days", "default_parameters", "facts_from_dict", "human_date",
    "latest_action_notice_receipt", "mandate_last_day", "method_conditions", "months_beginning_with",
    "months_from", "parameters_with", "permissible_means", "regime_for", "result_information_items", "timeline",
    "unmet_conditions", "voting_paper_requirements",
]
