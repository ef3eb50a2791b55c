"""The rules: result assessment (s.226, s.297A, s.231), mandate (s.234), s.232B what-if.

Every number comes from the parameter set (:mod:`mandate.law.params`); nothing here knows a date or a
threshold of its own.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from fractions import Fraction
from typing import Any

from mandate.dates import human_date
from mandate.law.dates import add_days, months_beginning_with, other_reading
from mandate.law.model import (
    QUESTIONS,
    Assessment,
    BallotFacts,
    Citation,
    Collector,
    InconsistentFigures,
    LawWarning,
    MandateAnswer,
    QuestionAssessment,
    QuestionResult,
    ResultItem,
    UnitAssessment,
    UnitResult,
)
from mandate.law.params import ParameterSet, Regime, resolve

S226 = Citation(section="TULRCA 1992 s.226(2)", url="https://www.legislation.gov.uk/ukpga/1992/52/section/226",
                rule="support of a ballot, per question")
S226_3 = Citation(section="TULRCA 1992 s.226(3), s.228", url="https://www.legislation.gov.uk/ukpga/1992/52/section/228",
                  rule="separate workplace ballots: each unit passes or fails on its own")
S246 = Citation(section="TULRCA 1992 s.246", url="https://www.legislation.gov.uk/ukpga/1992/52/section/246",
                rule="date of the ballot: the last day on which votes may be cast")
S232B = Citation(section="TULRCA 1992 s.232B", url="https://www.legislation.gov.uk/ukpga/1992/52/section/232B",
                 rule="small accidental failures disregarded if unlikely to affect the result")


def regime_for(trigger: str, on: date, params: ParameterSet | None = None) -> Regime:
    """The regime in force for ``trigger`` (opening_day, ballot_notice_receipt, action_notice_receipt,
    action_start) on the date ``on``."""
    return resolve(params).regime_for(trigger, on)


def _fraction(value: Any) -> Fraction:
    return Fraction(str(value))


# ---- validation ----------------------------------------------------------------------------------
def _check_int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be a whole number, got {value!r}")
    return value


def validate_unit(unit: UnitResult) -> None:
    """Refuse figures that cannot all be true (InconsistentFigures) or are not figures (ValueError)."""
    if not isinstance(unit.name, str) or not unit.name.strip():
        raise ValueError("units[].name must be a non-empty text")
    entitled = _check_int(unit.entitled, f"unit '{unit.name}': entitled")
    votes = _check_int(unit.votes_cast, f"unit '{unit.name}': votes_cast")
    if entitled < 0 or votes < 0:
        raise InconsistentFigures(unit.name, None, {"entitled": entitled, "votes_cast": votes},
                                  "figures cannot be negative")
    if entitled == 0:
        raise InconsistentFigures(unit.name, None, {"entitled": entitled}, "nobody is entitled to vote")
    if votes > entitled:
        raise InconsistentFigures(unit.name, None, {"votes_cast": votes, "entitled": entitled},
                                  "votes cast exceed the number entitled to vote")
    if not unit.questions:
        raise ValueError(f"unit '{unit.name}': questions must contain 'strike' and/or 'action_short_of_strike'")
    for q, r in unit.questions.items():
        if q not in QUESTIONS:
            raise ValueError(f"unit '{unit.name}': unknown question {q!r}; expected {' or '.join(QUESTIONS)}")
        for part in ("yes", "no", "spoilt", "blank"):
            _check_int(getattr(r, part), f"unit '{unit.name}', question '{q}': {part}")
        figures = {"yes": r.yes, "no": r.no, "spoilt": r.spoilt}
        if r.blank:
            figures["blank"] = r.blank
        figures["votes_cast"] = votes
        if min(r.yes, r.no, r.spoilt, r.blank) < 0:
            raise InconsistentFigures(unit.name, q, figures, "figures cannot be negative")
        total = r.yes + r.no + r.spoilt + r.blank
        if total != votes:
            parts = "yes + no + spoilt + blank" if r.blank else "yes + no + spoilt"
            raise InconsistentFigures(unit.name, q, figures,
                                      f"{parts} = {total}, which is not the {votes} votes cast")


def validate_facts(facts: BallotFacts) -> None:
    for name in ("opened", "closed"):
        if not isinstance(getattr(facts, name), date):
            raise ValueError(f"{name} must be a date")
    if facts.closed < facts.opened:
        raise ValueError(f"closed ({facts.closed.isoformat()}) is before opened ({facts.opened.isoformat()})")
    if not facts.units:
        raise ValueError("units must list at least one ballot unit")
    names = [u.name for u in facts.units]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f"units[].name must be unique; repeated: {', '.join(duplicates)}")
    _check_int(facts.court_excluded_days, "court_excluded_days")
    if facts.court_excluded_days < 0:
        raise ValueError("court_excluded_days cannot be negative")
    if facts.agreed_mandate_months is not None:
        _check_int(facts.agreed_mandate_months, "agreed_mandate_months")
    for unit in facts.units:
        validate_unit(unit)


# ---- mandate ---------------------------------------------------------------------------------------
def _mandate(closed: date, opened: date, agreed_months: int | None, court_excluded_days: int,
             p: ParameterSet) -> tuple[MandateAnswer, list[LawWarning]]:
    if closed < opened:
        raise ValueError(f"closed ({closed.isoformat()}) is before opened ({opened.isoformat()})")
    if court_excluded_days < 0:
        raise ValueError("court_excluded_days cannot be negative")
    warnings: list[LawWarning] = []
    months_v = p.value("mandate_months", opened)
    months = int(months_v.value)
    citation = months_v.citation
    if agreed_months is not None:
        agreed_v = p.value("mandate_max_agreed_months", opened)
        if agreed_v.repealed:
            warnings.append(LawWarning(
                code="agreed-months-ignored", parameter="mandate_max_agreed_months",
                message=f"An agreed mandate of {agreed_months} months was given, but for ballots opened on "
                        f"{human_date(opened)} the mandate cannot be extended by agreement "
                        f"({agreed_v.citation.section}); it was ignored."))
        else:
            if not months <= agreed_months <= int(agreed_v.value):
                raise ValueError(f"agreed_mandate_months must be between {months} and {agreed_v.value} "
                                 f"({agreed_v.citation.section}), got {agreed_months}")
            months = agreed_months
            citation = agreed_v.citation
    reading_v = p.value("month_period_end", opened)
    reading = str(reading_v.value)
    last, review = months_beginning_with(closed, months, reading)
    if review:
        other = other_reading(closed, months, reading)
        alternative = (f"the other reading (the day before the corresponding date) gives {human_date(other)}"
                       if other != last else "both readings agree, but the month's last day was used")
        w = p.warning_for(reading_v, f"the mandate of {months} months beginning with {human_date(closed)} is "
                                     f"taken to end on {human_date(last)}; {alternative}")
        if w:
            warnings.append(w)
    if court_excluded_days:
        last = add_days(last, court_excluded_days, f"the mandate with {court_excluded_days} days excluded by court order")
        citation = replace(citation, note=(citation.note + "; " if citation.note else "")
                           + f"plus {court_excluded_days} days excluded by court order (s.234(2)-(6))")
    return MandateAnswer(last_day=last, review=review, months=months, citation=citation), warnings


def court_excluded_days(periods: list[tuple[date, date]], date_of_ballot: date) -> int:
    """Days a court ordered not to count towards the mandate (s.234(2)-(6)), from each order's excluded period
    (first and last day that do not count, both included). ValueError in words for a period that ends before
    it starts, starts before the date of the ballot, or overlaps another (a day is not excluded twice)."""
    ordered = sorted(periods)
    for first, last in ordered:
        if last < first:
            raise ValueError(f"an excluded period ends ({human_date(last)}) before it starts ({human_date(first)})")
        if first < date_of_ballot:
            raise ValueError(f"an excluded period starts ({human_date(first)}) before the date of the ballot "
                             f"({human_date(date_of_ballot)}), when the mandate began")
    for (a_first, a_last), (b_first, b_last) in zip(ordered, ordered[1:], strict=False):
        if b_first <= a_last:
            raise ValueError(f"the excluded periods {human_date(a_first)} to {human_date(a_last)} and "
                             f"{human_date(b_first)} to {human_date(b_last)} overlap: a day cannot be excluded twice")
    return sum((last - first).days + 1 for first, last in ordered)


def mandate_last_day(closed: date, opened: date, agreed_months: int | None = None, court_excluded_days: int = 0,
                     params: ParameterSet | None = None) -> tuple[date, bool, Citation]:
    """The last day the action may take place (s.234): (date, review flag, citation).

    The period begins with the date of the ballot (``closed``, s.246); its length is chosen by the opening
    day. ``agreed_months`` (TUA16 only, up to 9) is ignored where the regime allows no extension.
    """
    answer, _ = _mandate(closed, opened, agreed_months, court_excluded_days, resolve(params))
    return answer.last_day, answer.review, answer.citation


# ---- assessment ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Rules:
    """The parameter values in force for one opening day."""

    regime: Regime
    turnout: Any
    spoilt: Any
    majority: Any
    ips: Any
    ips_applies: bool
    result_items: Any


def _rules_for(facts: BallotFacts, p: ParameterSet) -> _Rules:
    on = facts.opened
    regime = p.regime_for("opening_day", on)  # refuses, in words, a ballot before the rulebook's first regime
    ips = p.value("ips_support_threshold", on)
    if facts.important_public_services is None and not ips.repealed:
        raise ValueError(f"important_public_services: missing; a ballot opened on {human_date(on)} is subject to "
                         f"the 40% rule for important public services ({ips.citation.section}), so say whether "
                         f"most of those entitled to vote are normally engaged in them (true or false)")
    return _Rules(
        regime=regime,
        turnout=p.value("turnout_threshold", on),
        spoilt=p.value("spoilt_papers_count_as_voting", on),
        majority=p.value("majority_rule", on),
        ips=ips,
        ips_applies=(not ips.repealed) and bool(facts.important_public_services) and not facts.union_believes_not_ips,
        result_items=p.value("result_information_items", on),
    )


def _assess_unit(unit: UnitResult, rules: _Rules) -> UnitAssessment:
    entitled, votes = unit.entitled, unit.votes_cast
    if rules.turnout.repealed:
        turnout_met: bool | None = None
    else:
        t = _fraction(rules.turnout.value)
        # s.297A: persons voting include spoilt papers; with s.297A repealed only valid votes would count,
        # but the threshold is repealed at the same time (ERA 2025 s.68).
        turnout_met = votes * t.denominator >= entitled * t.numerator
    questions: dict[str, QuestionAssessment] = {}
    for q in QUESTIONS:
        if q not in unit.questions:
            continue
        r = unit.questions[q]
        majority = r.yes > r.no
        # The strict reading: Yes over half of every paper returned (spoilt and blank answers included).
        strict = 2 * r.yes > r.yes + r.no + r.spoilt + r.blank
        if rules.ips_applies:
            f = _fraction(rules.ips.value)
            ips_met: bool | None = r.yes * f.denominator >= entitled * f.numerator
        else:
            ips_met = None
        supported = turnout_met is not False and majority and ips_met is not False
        questions[q] = QuestionAssessment(question=q, yes=r.yes, no=r.no, spoilt=r.spoilt, blank=r.blank,
                                          majority=majority,
                                          strict_majority=strict, ips_40_percent_met=ips_met, supported=supported)
    base = UnitAssessment(name=unit.name, entitled=entitled, votes_cast=votes,
                          turnout=round(votes / entitled, 4), turnout_threshold_met=turnout_met,
                          questions=questions)
    return replace(base, result_information=_result_information(base, rules))


def _result_information(u: UnitAssessment, rules: _Rules) -> tuple[ResultItem, ...]:
    items = []
    for item in rules.result_items.value:
        key = item["key"]
        value: Any
        if key in ("entitled", "votes_cast", "turnout_threshold_met"):
            value = getattr(u, key)
        elif key == "ips_40_percent_met":
            value = {q: a.ips_40_percent_met for q, a in u.questions.items()} if rules.ips_applies else None
        else:
            value = {q: getattr(a, key) for q, a in u.questions.items()}
        items.append(ResultItem(id=item["id"], text=item["text"], section=item["section"], value=value))
    return tuple(items)


def assess(facts: BallotFacts, params: ParameterSet | None = None) -> Assessment:
    """Assess a ballot result per unit and per question, by the law in force on its opening day."""
    p = resolve(params)
    validate_facts(facts)
    rules = _rules_for(facts, p)
    out = Collector()
    out.cite(rules.regime.citation)
    out.cite(S246)
    out.cite(S226)
    units = tuple(_assess_unit(u, rules) for u in facts.units)
    if len(units) > 1:
        out.cite(S226_3)

    # Turnout (s.226(2)(a)(iia), s.297A)
    out.cite(rules.turnout.citation)
    out.warn_all(p.notes_for(rules.turnout))
    if not rules.turnout.repealed:
        out.cite(rules.spoilt.citation)
    # Majority (s.226(2)(a)(iii))
    out.cite(rules.majority.citation)
    for u in units:
        for q, a in u.questions.items():
            if a.majority != a.strict_majority:
                base = p.warning_for(rules.majority)
                out.warn(LawWarning(
                    code="majority-readings-disagree", parameter="majority_rule",
                    uncertainty=rules.majority.uncertain,
                    message=f"Unit '{u.name}', question '{q}': Yes ({a.yes}) beats No ({a.no}) "
                            f"{'but is not' if a.majority else 'is not more than No, yet is'} more than half of all "
                            f"{a.yes + a.no + a.spoilt + a.blank} papers returned, spoilt included. The answer given uses "
                            f"Yes > No; the strict reading under s.297A would say "
                            f"{'no majority' if a.majority else 'majority'}. "
                            + (base.message if base else "")))
    # 40% important public services (s.226(2B)-(2C))
    if rules.ips_applies:
        out.cite(rules.ips.citation)
        out.warn_all(p.notes_for(rules.ips))
    elif facts.important_public_services and rules.ips.repealed:
        out.cite(rules.ips.citation)
        out.warn(LawWarning(code="ips-rule-not-in-force", parameter="ips_support_threshold",
                            message=f"The ballot is flagged as important public services, but the 40% rule does "
                                    f"not apply to ballots opened on {human_date(facts.opened)} "
                                    f"({rules.ips.citation.section})."))
    elif facts.important_public_services and facts.union_believes_not_ips:
        out.cite(rules.ips.citation)
        out.warn(LawWarning(code="ips-reasonable-belief", parameter="ips_support_threshold",
                            message="The 40% rule was not applied because the union reasonably believes most of "
                                    "those entitled are not normally engaged in important public services "
                                    "(s.226(2B)); keep a record of the basis for that belief."))
    blanks = [(u.name, q, a.blank) for u in units for q, a in u.questions.items() if a.blank]
    if blanks:
        shown = "; ".join(f"unit '{n}', {q.replace('_', ' ')}: {b}" for n, q, b in blanks)
        out.warn(LawWarning(
            code="blank-answers",
            message=f"Papers returned with a question left blank ({shown}) count as votes cast for the turnout "
                    f"but are neither a Yes, a No nor spoilt papers: each question is answered and counted on its "
                    f"own (s.229(2)); the statement of the result counts spoilt papers only (s.231(e))."))
    # Statement of the result (s.231, s.231A)
    out.cite(rules.result_items.citation)
    out.warn_all(p.notes_for(rules.result_items))
    # Mandate (s.234)
    mandate, mandate_warnings = _mandate(facts.closed, facts.opened, facts.agreed_mandate_months,
                                         facts.court_excluded_days, p)
    out.cite(mandate.citation)
    for w in mandate_warnings:
        out.warn(w)
    out.warn(LawWarning(
        code="procedural-checks-not-assessed",
        message="This assesses the figures only. Support of a ballot also needs the scrutineer (s.226B), the "
                "notices (s.226A), the voting paper (s.229), the statement of the result to members and employers "
                "(s.231, s.231A), no call before the date of the ballot (s.233) and the notice of action (s.234A)."))
    return Assessment(regime=rules.regime.id, opened=facts.opened, closed=facts.closed,
                      ips_rule_applies=rules.ips_applies, units=units, mandate=mandate,
                      citations=tuple(out.citations), warnings=tuple(out.warnings))


# ---- s.232B what-if ------------------------------------------------------------------------------
@dataclass(frozen=True)
class OmissionScenario:
    name: str
    unit: UnitAssessment

    def as_dict(self) -> dict[str, Any]:
        return {"scenario": self.name, **self.unit.as_dict()}


@dataclass(frozen=True)
class OmissionWhatIf:
    unit: str
    omitted: int
    actual: UnitAssessment
    scenarios: tuple[OmissionScenario, ...]
    could_change_turnout: bool
    could_change_majority: bool
    could_change_ips_40: bool
    could_change_support: bool
    citations: tuple[Citation, ...]
    warnings: tuple[LawWarning, ...]

    @property
    def could_affect_result(self) -> bool:
        return (self.could_change_turnout or self.could_change_majority or self.could_change_ips_40
                or self.could_change_support)

    def as_dict(self) -> dict[str, Any]:
        return {
            "unit": self.unit,
            "omitted": self.omitted,
            "could_change": {"turnout": self.could_change_turnout, "majority": self.could_change_majority,
                             "ips_40_percent": self.could_change_ips_40, "supported": self.could_change_support},
            "could_affect_result": self.could_affect_result,
            "actual": self.actual.as_dict(),
            "scenarios": [s.as_dict() for s in self.scenarios],
            "citations": [c.as_dict() for c in self.citations],
            "warnings": [w.as_dict() for w in self.warnings],
        }


def accidental_omission_whatif(unit: str, omitted: int, facts: BallotFacts,
                               params: ParameterSet | None = None) -> OmissionWhatIf:
    """Could ``omitted`` members left out by accident in ``unit`` have changed its outcome (s.232B)?

    Recomputes the unit with the omitted members added to those entitled and voting all Yes, all No, or
    all abstaining, and compares turnout, majority, 40% and support with the actual result.
    """
    p = resolve(params)
    validate_facts(facts)
    _check_int(omitted, "omitted")
    if omitted < 0:
        raise ValueError("omitted cannot be negative")
    matches = [u for u in facts.units if u.name == unit]
    if not matches:
        raise ValueError(f"no unit named {unit!r}; units are: {', '.join(u.name for u in facts.units)}")
    actual_unit = matches[0]
    rules = _rules_for(facts, p)
    actual = _assess_unit(actual_unit, rules)

    def scenario(name: str, add_yes: int, add_no: int, add_votes: int) -> OmissionScenario:
        qs = {q: QuestionResult(yes=r.yes + add_yes, no=r.no + add_no, spoilt=r.spoilt, blank=r.blank)
              for q, r in actual_unit.questions.items()}
        changed = UnitResult(name=actual_unit.name, entitled=actual_unit.entitled + omitted,
                             votes_cast=actual_unit.votes_cast + add_votes, questions=qs)
        return OmissionScenario(name=name, unit=_assess_unit(changed, rules))

    scenarios = (scenario("all_yes", omitted, 0, omitted), scenario("all_no", 0, omitted, omitted),
                 scenario("all_abstain", 0, 0, 0))

    def differs(get: Any) -> bool:
        return any(get(s.unit) != get(actual) for s in scenarios)

    qs = list(actual.questions)
    out = Collector()
    out.cite(S232B)
    out.cite(rules.turnout.citation)
    out.cite(rules.majority.citation)
    if rules.ips_applies:
        out.cite(rules.ips.citation)
    out.warn_all(p.notes_for(rules.turnout))
    out.warn(LawWarning(code="s232b-scope", message="s.232B covers failures under s.227(1), s.230(2) and s.230(2B) "
                        "only, judged together and only if accidental; it does not excuse defects in the notices, "
                        "the voting paper or the statement of the result."))
    return OmissionWhatIf(
        unit=unit, omitted=omitted, actual=actual, scenarios=scenarios,
        could_change_turnout=differs(lambda u: u.turnout_threshold_met),
        could_change_majority=differs(lambda u: tuple(u.questions[q].majority for q in qs)),
        could_change_ips_40=differs(lambda u: tuple(u.questions[q].ips_40_percent_met for q in qs)),
        could_change_support=differs(lambda u: tuple(u.questions[q].supported for q in qs)),
        citations=tuple(out.citations), warnings=tuple(out.warnings))
