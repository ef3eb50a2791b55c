"""The ballot timeline (spec §11): every statutory date from an opening day, a closing day and action days."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from mandate.dates import human_date
from mandate.law.dates import days_before, months_from, weeks_beginning_with
from mandate.law.means import MethodConditions, method_conditions
from mandate.law.model import Citation, Collector, LawWarning, OutOfScope
from mandate.law.params import ParameterSet, resolve
from mandate.law.rules import _mandate

S231A = Citation(section="TULRCA 1992 s.231, s.231A",
                 url="https://www.legislation.gov.uk/ukpga/1992/52/section/231A",
                 rule="tell members and every relevant employer the result as soon as reasonably practicable")
S233 = Citation(section="TULRCA 1992 s.233(3)(b)", url="https://www.legislation.gov.uk/ukpga/1992/52/section/233",
                rule="no call, authorisation or endorsement of the action before the date of the ballot")


# Conditions of a means of voting that must be met before the ballot opens (voting_methods.toml `check`s).
BEFORE_OPENING = ("scrutineer_appointed", "security_assessment_recorded", "workplace_agreement_recorded")


@dataclass(frozen=True)
class Event:
    day: date
    what: str
    section: str

    def as_dict(self) -> dict[str, str]:
        return {"date": self.day.isoformat(), "event": self.what, "section": self.section}


@dataclass(frozen=True)
class ActionDay:
    day: date
    after_ballot: bool
    within_mandate: bool
    notice_latest_receipt: date
    notice_regime: str

    @property
    def ok(self) -> bool:
        return self.after_ballot and self.within_mandate

    def as_dict(self) -> dict[str, Any]:
        return {"date": self.day.isoformat(), "after_ballot": self.after_ballot,
                "within_mandate": self.within_mandate,
                "notice_latest_receipt": self.notice_latest_receipt.isoformat(),
                "notice_regime": self.notice_regime}


@dataclass(frozen=True)
class ActionNotice:
    regime: str
    period_days: int
    window_opens: date
    window_opens_is_estimate: bool
    latest_receipt: date
    citation: Citation

    @property
    def feasible(self) -> bool:
        return self.window_opens <= self.latest_receipt

    def as_dict(self) -> dict[str, Any]:
        return {"regime": self.regime, "period_days": self.period_days,
                "window_opens": self.window_opens.isoformat(),
                "window_opens_is_estimate": self.window_opens_is_estimate,
                "latest_receipt": self.latest_receipt.isoformat(), "feasible": self.feasible}


@dataclass(frozen=True)
class Timeline:
    regime: str
    opening: date
    closing: date
    entitled: int | None
    ballot_notice_latest: date
    ballot_notice_content_regime: str
    sample_paper_latest: date
    scrutineer_required: bool | None
    scrutineer_report_deadline: date
    report_copies_until: date
    mandate_last_day: date
    mandate_review: bool
    action_notice: ActionNotice | None
    action_days: tuple[ActionDay, ...]
    events: tuple[Event, ...]
    citations: tuple[Citation, ...]
    warnings: tuple[LawWarning, ...]
    mandate_months: int = 0
    court_excluded_days: int = 0
    method: MethodConditions | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "regime": self.regime,
            "opening": self.opening.isoformat(),
            "closing": self.closing.isoformat(),
            "ballot_notice": {"latest_receipt": self.ballot_notice_latest.isoformat(),
                              "content_regime": self.ballot_notice_content_regime},
            "sample_voting_paper": {"latest_receipt": self.sample_paper_latest.isoformat()},
            "scrutineer": {"entitled": self.entitled, "required": self.scrutineer_required,
                           "report_deadline": self.scrutineer_report_deadline.isoformat(),
                           "copies_requests_until": self.report_copies_until.isoformat()},
            "mandate": {"last_day": self.mandate_last_day.isoformat(), "review": self.mandate_review,
                        "months": self.mandate_months, "court_excluded_days": self.court_excluded_days},
            "action_notice": self.action_notice.as_dict() if self.action_notice else None,
            "action_days": [a.as_dict() for a in self.action_days],
            "events": [e.as_dict() for e in self.events],
            "citations": [c.as_dict() for c in self.citations],
            "warnings": [w.as_dict() for w in self.warnings],
            **({"method": self.method.as_dict()} if self.method else {}),
        }


def latest_action_notice_receipt(first_day: date, agreed_7_days: bool = False,
                                 params: ParameterSet | None = None) -> tuple[date, str, int]:
    """Latest day the employer may receive the s.234A notice for action starting on ``first_day``.

    The period depends on the regime for the day of receipt, so the answer is the latest day ``d`` with
    ``d <= first_day - period(d)``: (date, regime id, days). A notice received on or after 18 February 2026
    needs 10 days; one received earlier needed 14 (or 7 by agreement).
    """
    p = resolve(params)
    first_regime = p.regime_periods("action_notice_receipt")[0]
    d = first_day - timedelta(days=1)
    for _ in range(400):
        if d < first_regime.start:
            raise OutOfScope(f"Out of scope: a notice of industrial action for action starting on "
                             f"{human_date(first_day)} would have to be received before {human_date(first_regime.start)}, "
                             f"under the law before this rulebook's first regime.")
        days = int(p.value("action_notice_days", d).value)
        if agreed_7_days:
            agreed = p.value("action_notice_agreed_days", d)
            if not agreed.repealed:
                days = int(agreed.value)
        if d <= days_before(first_day, days):
            return d, p.regime_for("action_notice_receipt", d).id, days
        d -= timedelta(days=1)
    raise ValueError(f"no notice period found for action starting on {first_day.isoformat()}")  # pragma: no cover


def timeline(opening: date, closing: date, entitled: int | None = None, action_days: Iterable[date] = (),
             notice_agreed_7_days: bool = False, s231a_done: date | None = None,
             params: ParameterSet | None = None, *, agreed_months: int | None = None,
             court_excluded_days: int = 0, method: str | None = None) -> Timeline:
    """Every statutory date for a ballot opening on ``opening`` and closing on ``closing`` (the date of the
    ballot, s.246), with ``action_days`` checked against the mandate and the notice of action.

    ``agreed_months`` (an employer's agreement to a longer TUA16 mandate, up to 9 months) and
    ``court_excluded_days`` (days a court ordered not to count, s.234(2)-(6)) lengthen the mandate as they do
    in :func:`mandate.law.assess` and in the union wing. ``method`` (postal, electronic, hybrid, workplace)
    adds the method's conditions and content (:func:`mandate.law.means.method_conditions`): a new method
    needs a scrutineer whatever the ballot's size, and its security assessment before the opening day."""
    p = resolve(params)
    if closing < opening:
        raise ValueError(f"closing ({closing.isoformat()}) is before opening ({opening.isoformat()})")
    if entitled is not None and (isinstance(entitled, bool) or not isinstance(entitled, int) or entitled < 0):
        raise ValueError(f"entitled must be a whole number of at least 0, got {entitled!r}")
    if s231a_done is not None and s231a_done < closing:
        raise ValueError(f"s231a_done ({s231a_done.isoformat()}) is before the date of the ballot "
                         f"({closing.isoformat()}): the result cannot be given before voting closes")
    out = Collector()
    events: list[Event] = []
    regime = p.regime_for("opening_day", opening)
    out.cite(regime.citation)

    notice_v = p.value("ballot_notice_days_before_opening", opening)
    notice_latest = days_before(opening, int(notice_v.value))
    first_notice_regime = p.regime_periods("ballot_notice_receipt")[0]
    if notice_latest < first_notice_regime.start:
        # A ballot opening in the rulebook's first week: its notice is received under the law before it.
        content_regime_id = "out of scope"
        out.warn(LawWarning(
            code="ballot-notice-out-of-scope", parameter="ballot_notice_content",
            message=f"A notice of ballot received before {human_date(first_notice_regime.start)} follows the law "
                    f"before the Trade Union Act 2016 rules, which this rulebook does not cover: check its content "
                    f"by hand."))
        events.append(Event(notice_latest, "Latest day the employer receives the notice of ballot (content: law "
                                           "before this rulebook)", notice_v.citation.section))
    else:
        content_regime = p.regime_for("ballot_notice_receipt", notice_latest)
        content_regime_id = content_regime.id
        content_v = p.value("ballot_notice_content", notice_latest)
        out.cite(content_v.citation)
        events.append(Event(notice_latest, f"Latest day the employer receives the notice of ballot "
                                           f"({content_regime.id} content if received on this day)",
                            notice_v.citation.section))
        if content_regime.start > notice_latest - timedelta(days=90):
            earlier = [r for r in p.regime_periods("ballot_notice_receipt")
                       if r.end and r.end < content_regime.start]
            if earlier:
                out.warn(LawWarning(
                    code="ballot-notice-content-by-receipt", parameter="ballot_notice_content",
                    message=f"The content of the notice of ballot is fixed by the day the employer receives it: "
                            f"received before {human_date(content_regime.start)} it must follow the "
                            f"{earlier[-1].id} rules (per-category and per-workplace numbers and an explanation), "
                            f"on or after that day the {content_regime.id} rules."))

    sample_v = p.value("sample_paper_days_before_opening", opening)
    sample_latest = days_before(opening, int(sample_v.value))
    out.cite(sample_v.citation)
    events.append(Event(sample_latest, "Latest day the employer receives the sample voting paper (one of each form)",
                        sample_v.citation.section))
    events.append(Event(opening, "Opening day: voting papers sent", "TULRCA 1992 s.226A(4)"))
    events.append(Event(closing, "Date of the ballot: last day votes may be cast; no call before this day",
                        "TULRCA 1992 s.246, s.233(3)(b)"))
    out.cite(S233)

    answer = method_conditions(method, opening, entitled=entitled, params=p) if method is not None else None
    if answer is not None:
        out.warn_all(list(answer.warnings))
        for c in answer.citations:
            out.cite(c)
        before_opening = [c for c in answer.conditions if c.applies and c.check in BEFORE_OPENING]
        if before_opening:
            events.append(Event(opening - timedelta(days=1), "Before the ballot opens, recorded: "
                                + "; ".join(c.text for c in before_opening),
                                "; ".join(dict.fromkeys(part for c in before_opening
                                                        for part in c.section.split("; ")))))
    threshold_v = p.value("scrutineer_entitled_threshold", opening)
    weeks_v = p.value("scrutineer_report_weeks", opening)
    copies_v = p.value("report_copy_request_months", opening)
    for v in (threshold_v, weeks_v, copies_v):
        out.cite(v.citation)
    required = None if entitled is None else entitled > int(threshold_v.value)
    if answer is not None and answer.scrutineer_always:
        required = True  # every ballot by a new method, whatever its size
    report_deadline = weeks_beginning_with(closing, int(weeks_v.value))
    copies_until = months_from(closing, int(copies_v.value))  # 'within 6 months from': excludes the day
    if required is None and not (answer is not None and answer.scrutineer_always):
        out.warn(LawWarning(code="entitled-unknown", parameter="scrutineer_entitled_threshold",
                            message=f"The number entitled to vote (all units together) was not given: a scrutineer "
                                    f"is needed if it is more than {threshold_v.value} ({threshold_v.citation.section})."))
    if required is not False:
        events.append(Event(report_deadline, "Scrutineer's report due (end of 4 weeks beginning with the date of "
                                             "the ballot)", weeks_v.citation.section))
        events.append(Event(copies_until, "Last day to ask for a copy of the scrutineer's report (within "
                                          f"{copies_v.value} months from the date of the ballot)",
                            copies_v.citation.section))

    out.cite(S231A)
    events.append(Event(closing, "From now: tell members and every relevant employer the result as soon as "
                                 "reasonably practicable", S231A.section))

    mandate, mandate_warnings = _mandate(closing, opening, agreed_months, court_excluded_days, p)
    out.cite(mandate.citation)
    for w in mandate_warnings:
        out.warn(w)
    agreed_words = " as agreed with the employer" if mandate.months != int(p.value("mandate_months", opening).value) \
        else ""
    court_words = (f", plus {court_excluded_days} day{'s' if court_excluded_days != 1 else ''} excluded by court "
                   f"order" if court_excluded_days else "")
    events.append(Event(mandate.last_day, f"Last day of the mandate ({mandate.months} months{agreed_words} "
                                          f"beginning with the date of the ballot{court_words})",
                        mandate.citation.section + (", s.234(2)-(6)" if court_excluded_days else "")))

    days = sorted(set(action_days))
    checked: list[ActionDay] = []
    notice: ActionNotice | None = None
    for d in days:
        latest, nregime, _ = latest_action_notice_receipt(d, notice_agreed_7_days, p)
        a = ActionDay(day=d, after_ballot=d > closing, within_mandate=d <= mandate.last_day,
                      notice_latest_receipt=latest, notice_regime=nregime)
        checked.append(a)
        if not a.after_ballot:
            out.warn(LawWarning(code="action-before-ballot-closed",
                                message=f"Action day {human_date(d)} is not after the date of the ballot "
                                        f"({human_date(closing)}): it cannot have the ballot's support."))
        if not a.within_mandate:
            out.warn(LawWarning(code="action-after-mandate",
                                message=f"Action day {human_date(d)} is after the last day of the mandate "
                                        f"({human_date(mandate.last_day)}): a fresh ballot is needed (s.234(1A))."))
    if days:
        first = days[0]
        latest, nregime, ndays = latest_action_notice_receipt(first, notice_agreed_7_days, p)
        period_v = p.value("action_notice_days", latest)
        out.cite(period_v.citation)
        if notice_agreed_7_days:
            agreed_v = p.value("action_notice_agreed_days", latest)
            out.cite(agreed_v.citation)
            if agreed_v.repealed:
                out.warn(LawWarning(code="agreed-notice-ignored", parameter="action_notice_agreed_days",
                                    message=f"Shorter notice by agreement was asked for, but a notice received on "
                                            f"{human_date(latest)} cannot be shortened by agreement "
                                            f"({agreed_v.citation.section})."))
        opens = s231a_done or closing
        notice = ActionNotice(regime=nregime, period_days=ndays, window_opens=opens,
                              window_opens_is_estimate=s231a_done is None, latest_receipt=latest,
                              citation=period_v.citation)
        events.append(Event(opens, "Window for the notice of industrial action opens (the day the union tells "
                                   "the employer the result, s.231A; the same day is allowed)"
                            + ("" if s231a_done else " - at the earliest"), "TULRCA 1992 s.234A(4)(a)"))
        events.append(Event(latest, f"Latest day the employer receives the notice of industrial action "
                                    f"({ndays} days before {human_date(first)}; {nregime} content)",
                            period_v.citation.section))
        if not notice.feasible:
            out.warn(LawWarning(code="action-notice-window-empty", parameter="action_notice_days",
                                message=f"The notice of industrial action must be received between "
                                        f"{human_date(opens)} and {human_date(latest)}: no such day exists, so "
                                        f"action cannot start on {human_date(first)}."))
        protection = p.value("dismissal_protection", first)
        out.cite(protection.citation)
        for d in days:
            events.append(Event(d, "Action day", "TULRCA 1992 s.234(1), s.234A(3)(b)"))
    events.sort(key=lambda e: e.day)
    return Timeline(
        regime=regime.id, opening=opening, closing=closing, entitled=entitled,
        ballot_notice_latest=notice_latest, ballot_notice_content_regime=content_regime_id,
        sample_paper_latest=sample_latest, scrutineer_required=required,
        scrutineer_report_deadline=report_deadline, report_copies_until=copies_until,
        mandate_last_day=mandate.last_day, mandate_review=mandate.review,
        action_notice=notice, action_days=tuple(checked), events=tuple(events),
        citations=tuple(out.citations), warnings=tuple(out.warnings), mandate_months=mandate.months,
        court_excluded_days=court_excluded_days, method=answer)
