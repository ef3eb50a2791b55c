"""The union wing's one door to the statutory rulebook (`mandate.law`).

Nothing here decides a rule: it turns the wing's records into the rulebook's inputs and its answers into
plain dicts for templates, JSON and the database. Thresholds, dates, wording: all from `mandate.law`.
"""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mandate.dates import human_date
from mandate.law import latest_action_notice_receipt as law_latest_action_notice
from mandate.law import means as law_means
from mandate.law import recorded as law_recorded
from mandate.law import rules as law_rules
from mandate.law import timeline as law_timeline
from mandate.law.model import BallotFacts, QuestionResult, UnitResult
from mandate.law.params import ParameterSet, default_parameters, parameters_with
from mandate.law.requirements import (
    ballot_notice_requirements,
    result_information_items,
    voting_paper_requirements,
)

if TYPE_CHECKING:
    from mandate.union.models import Ballot

def _param(name: str, on: date) -> Any:
    return default_parameters().value(name, on)


# ---- means of voting: from the rulebook, with the commencements this deployment recorded -----------------
def recorded_commencements() -> tuple[law_recorded.RecordedCommencement, ...]:
    """The commencements recorded with `mandate law commence` (the Permissible Means of Voting Order 2026 once
    made), from the deployment's data directory. A damaged or unreadable file counts as nothing recorded
    (postal voting only, the safe answer) and is logged; `mandate law parameters` names the problem."""
    from django.conf import settings

    path = Path(settings.DATA_DIR) / law_recorded.RECORDS_FILE
    if not path.exists():
        return ()
    try:
        return tuple(law_recorded.loads(path.read_text(encoding="utf-8"), where=str(path)))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        logging.getLogger(__name__).error("recorded commencements ignored: %s", exc)
        return ()


def law_parameters() -> ParameterSet:
    """The rulebook's parameters with the deployment's recorded commencements."""
    return parameters_with(recorded_commencements())


def permissible_methods(opening: date) -> list[str]:
    """The means of voting permissible for a ballot opening on ``opening`` (postal only until the Order is in
    force for that day), as the rulebook says."""
    return list(law_means.permissible_means(opening, params=law_parameters()).methods)


def method_requirements(method: str, opening: date, entitled: int | None = None) -> dict[str, Any]:
    """The rulebook's conditions for ``method`` and the content of its paper or screen (with sections,
    citations and warnings, including the recorded commencement an answer rests on)."""
    return law_means.method_conditions(method, opening, entitled=entitled, params=law_parameters()).as_dict()


def refuse_impermissible_method(method: str, opening: date) -> None:
    """Raise ValueError, in words, where ``method`` is not a permissible means of voting for a ballot opening
    on ``opening`` (the ballot set-up calls this before creating or changing a ballot)."""
    law_means.check_permissible(method, opening, params=law_parameters())


def unmet_method_conditions(method: str, opening: date, facts: dict[str, bool],
                            entitled: int | None = None) -> list[dict[str, Any]]:
    """The method's conditions not shown met by ``facts`` (the wing's recorded facts by the rulebook's
    ``check`` names, e.g. scrutineer_appointed, security_assessment_recorded)."""
    return [c.as_dict() for c in law_means.unmet_conditions(method, opening, facts, entitled=entitled,
                                                             params=law_parameters())]


def regime(trigger: str, on: date) -> dict[str, Any]:
    return law_rules.regime_for(trigger, on).as_dict()


def turnout_threshold(ballot: Ballot) -> float | None:
    v = _param("turnout_threshold", ballot.opening_day)
    return None if v.repealed else float(v.value)


def needs_scrutineer(ballot: Ballot) -> bool:
    """s.226C: uses the aggregate electorate across every unit; a ballot by a new means of voting needs one
    whatever its size (the rulebook's conditions for the method)."""
    method = getattr(ballot, "voting_method", "postal") or "postal"
    if method != "postal" and law_means.method_conditions(method, ballot.opening_day,
                                                          params=law_parameters()).scrutineer_always:
        return True
    limit = int(_param("scrutineer_entitled_threshold", ballot.opening_day).value)
    return ballot.electors.count() > limit


def paper_requirements(opening: date) -> dict[str, Any]:
    return voting_paper_requirements(opening, params=law_parameters()).as_dict()


def notice_requirements(receipt: date) -> dict[str, Any]:
    return ballot_notice_requirements(receipt).as_dict()


def result_items(opening: date) -> dict[str, Any]:
    return result_information_items(opening).as_dict()


def timeline_for(ballot: Ballot, action_days: list[date] | None = None) -> dict[str, Any]:
    """Every statutory date for the ballot, from the rulebook's timeline, plus the two receipt deadlines
    (`notice_by`, `sample_by`) and the report and mandate dates as dates, for the wing's checks."""
    entitled = ballot.electors.count() if ballot.pk and ballot.status != "draft" else None
    t = law_timeline(ballot.opening_day, ballot.closing_day, entitled, action_days or [])
    out = t.as_dict()
    out.update(notice_by=t.ballot_notice_latest, sample_by=t.sample_paper_latest,
               report_by=t.scrutineer_report_deadline, mandate_last_day=t.mandate_last_day,
               scrutineer_required=t.scrutineer_required,
               steps=[{"date": e.day, "label": e.what, "section": e.section} for e in t.events])
    return out


def renewal_plan(last_day: date, *, voting_days: int | None = None, count_days: int = 1,
                 entitled: int | None = None) -> dict[str, Any]:
    """Work back from a mandate's last day so that the new mandate is in place before the old one ends.

    Action on the day after the old mandate's last day needs a notice of action received in time for that
    day (the rulebook's notice period, by the regime of receipt); that notice's window opens only when the
    employer has been told the result (s.231A), so the new ballot must close, be counted and the result sent
    by then. `voting_days` (how long papers are out; the Code of Practice suggests at least 14 days for
    second-class post) and `count_days` (from close to result sent) are the union's own planning choices.
    Without `voting_days`, the Code of Practice's suggested period for second-class post is used (a dated
    parameter of the rulebook, cited in the plan).
    """
    from datetime import timedelta

    code = default_parameters().value("code_return_days_second_class", last_day)
    code_warning = default_parameters().warning_for(code)
    if voting_days is None:
        voting_days = int(code.value)

    first_new_day = last_day + timedelta(days=1)
    notice_latest, notice_regime, notice_days = law_latest_action_notice(first_new_day)
    result_by = notice_latest
    closing = result_by - timedelta(days=count_days)
    opening = closing - timedelta(days=voting_days - 1)
    t = law_timeline(opening, closing, entitled)
    return {
        "old_mandate_last_day": last_day, "first_day_under_new_mandate": first_new_day,
        "action_notice_latest_receipt": notice_latest, "action_notice_regime": notice_regime,
        "action_notice_days": notice_days, "result_to_employer_by": result_by,
        "latest_closing_day": closing, "latest_opening_day": opening,
        "ballot_notice_by": t.ballot_notice_latest, "sample_paper_by": t.sample_paper_latest,
        "new_mandate_last_day": t.mandate_last_day, "regime": t.regime,
        "voting_days": voting_days, "count_days": count_days,
        "code_second_class_days": int(code.value), "code_citation": code.citation.section,
        "warnings": [w.as_dict() for w in t.warnings] + ([code_warning.as_dict()] if code_warning else []),
    }


def _facts(opening: date, closing: date, units: list[dict[str, Any]], ips: bool, belief: bool) -> BallotFacts:
    return BallotFacts(
        opened=opening, closed=closing, important_public_services=ips, union_believes_not_ips=belief,
        units=[UnitResult(name=u["name"], entitled=u["entitled"], votes_cast=u["votes_cast"],
                          questions={k: QuestionResult(yes=q["yes"], no=q["no"], spoilt=q["spoilt"],
                                                       blank=q.get("blank", 0))
                                     for k, q in u["questions"].items()}) for u in units])


def assess_ballot(ballot: Ballot, tallies: list[dict[str, Any]]) -> dict[str, Any]:
    units = [{"name": t["unit"].name, **{k: t[k] for k in ("entitled", "votes_cast", "questions")}} for t in tallies]
    facts = _facts(ballot.opening_day, ballot.closing_day, units, ballot.ips_majority, ballot.union_belief_not_ips)
    return law_rules.assess(facts).as_dict(detail=True)


def assess_figures(opening: date, closing: date, name: str, entitled: int, voted: int,
                   questions: dict[str, tuple[int, int, int]], ips_majority: bool = False) -> dict[str, Any]:
    units = [{"name": name, "entitled": entitled, "votes_cast": voted,
              "questions": {k: {"yes": y, "no": n, "spoilt": s} for k, (y, n, s) in questions.items()}}]
    return law_rules.assess(_facts(opening, closing, units, ips_majority, False)).as_dict(detail=True)


def why_not(assessment: dict[str, Any], kind: str) -> str:
    unit = assessment["units"][0]
    q = unit["questions"][kind]
    reasons = []
    if unit["turnout_threshold_met"] is False:
        reasons.append(f"turnout {unit['turnout']:.1%} is below the threshold")
    if not q["majority"]:
        reasons.append("Yes is not a majority")
    if q["ips_40_percent_met"] is False:
        reasons.append("Yes is below 40% of those entitled (important public services)")
    return "; ".join(reasons) or "see the rulebook's assessment"


def mandate_last_day(closing: date, opening: date) -> tuple[date, bool, str]:
    last, review, citation = law_rules.mandate_last_day(closing, opening)
    return last, review, citation.section


def agreed_months_allowed(opening: date) -> tuple[int, int, str] | None:
    """For a ballot opened on ``opening``: (statutory months, longest the union and the employer may agree,
    section), or None where the mandate cannot be lengthened by agreement."""
    limit = _param("mandate_max_agreed_months", opening)
    if limit.repealed:
        return None
    return int(_param("mandate_months", opening).value), int(limit.value), limit.citation.section


def agreement_section(opening: date) -> str:
    """The section that allows, or no longer allows, a mandate lengthened by agreement for this opening day."""
    return str(_param("mandate_max_agreed_months", opening).citation.section)


def mandate_last_day_after_orders(closing: date, opening: date, agreed_months: int | None,
                                  court_excluded_days: int) -> tuple[date, bool, str]:
    """The last day of a mandate with its agreed length (if any) and the days courts ordered not to count."""
    last, review, citation = law_rules.mandate_last_day(closing, opening, agreed_months=agreed_months,
                                                        court_excluded_days=court_excluded_days)
    return last, review, citation.section


def agreed_mandate_last_day(closing: date, opening: date, months: int,
                            court_excluded_days: int = 0) -> tuple[date, bool, str]:
    """The last day of a mandate lengthened to ``months`` by agreement with the employer; ValueError, in words,
    where the regime allows no agreement or the months are out of its range."""
    allowed = agreed_months_allowed(opening)
    if allowed is None:
        raise ValueError(f"A mandate from a ballot opened on {human_date(opening)} cannot be lengthened by "
                         f"agreement ({agreement_section(opening)}).")
    statutory, longest, section = allowed
    if not statutory < months <= longest:
        raise ValueError(f"An agreed mandate runs for more than {statutory} and at most {longest} months "
                         f"({section}); {months} months were given.")
    last, review, citation = law_rules.mandate_last_day(closing, opening, agreed_months=months,
                                                        court_excluded_days=court_excluded_days)
    return last, review, citation.section


def omission_whatif(ballot: Ballot, unit_name: str, omitted: int, tallies: list[dict[str, Any]]) -> dict[str, Any]:
    units = [{"name": t["unit"].name, **{k: t[k] for k in ("entitled", "votes_cast", "questions")}} for t in tallies]
    facts = _facts(ballot.opening_day, ballot.closing_day, units, ballot.ips_majority, ballot.union_belief_not_ips)
    return law_rules.accidental_omission_whatif(unit_name, omitted, facts).as_dict()


def report_copy_months(opening: date) -> int:
    return int(_param("report_copy_request_months", opening).value)


def notice_regime_in_document(document: Any) -> str:
    """The regime a notice's content was drafted for (written into the notice itself)."""
    import re

    found = re.search(r"\(regime (\w+)\)", document.html or "")
    return found.group(1) if found else ""
