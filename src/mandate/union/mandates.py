"""Mandates: entered by hand from an existing ballot, lengthened by agreement with the employer (TUA16
ballots), and days a court ordered not to count (s.234). The rulebook gives every last day; each change is one
transaction and in the audit log."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction

from mandate.dates import human_date
from mandate.platform.audit import record
from mandate.union import rules
from mandate.union.ballots import BallotError, actor_name
from mandate.union.models import CourtOrderExclusion, Dispute, Employer, Mandate, Union


def enter_mandate(union: Union, *, employer: Employer, unit_name: str, kind: str, opening_day: date,
                  date_of_ballot: date, entitled: int, voted: int, yes: int, no: int, spoiled: int = 0,
                  reference: str = "", dispute: Dispute | None = None, ips_majority: bool = False,
                  actor: Any = None) -> Mandate:
    """A mandate won in an existing ballot: the rulebook checks the figures and gives the last day."""
    assessment = rules.assess_figures(opening_day, date_of_ballot, unit_name, entitled, voted,
                                      {kind: (yes, no, spoiled)}, ips_majority=ips_majority)
    unit = assessment["units"][0]
    if not unit["questions"][kind]["supported"]:
        raise BallotError(f"Those figures do not give the support of a ballot for {kind.replace('_', ' ')}: "
                          + rules.why_not(assessment, kind))
    mandate = Mandate.objects.create(
        union=union, dispute=dispute, unit_name=unit_name, employer=employer, kind=kind, opening_day=opening_day,
        date_of_ballot=date_of_ballot, last_day=date.fromisoformat(assessment["mandate"]["last_day"]),
        entitled=entitled, voted=voted, yes=yes, no=no, spoiled=spoiled, source="entered",
        reference=reference, basis=assessment["mandate"], created_by=actor_name(actor))
    record(actor, "mandate.entered", "Mandate", mandate.pk, employer=employer.code, kind=kind,
           date_of_ballot=date_of_ballot, last_day=mandate.last_day)
    return mandate


def lengthen_mandate_by_agreement(mandate: Mandate, *, months: int, agreed_on: date, reference: str = "",
                                  whole_ballot: bool = True, actor: Any = None,
                                  today: date | None = None) -> list[Mandate]:
    """Record that the members' employer agreed a longer mandate (Trade Union Act 2016 ballots, up to 9 months,
    s.234(1)(b)); the rulebook gives the new last day. With ``whole_ballot``, every mandate of the same ballot
    with the same employer is lengthened (the agreement is the employer's, not a unit's).

    Refused, with nothing changed: where the ballot's regime allows no agreement, months out of its range, an
    agreement dated before the ballot closed or after ``today``, one dated after a mandate had already ended
    (its statutory months, or an earlier agreement's), and one that would end a mandate before the day it was
    made. An ended mandate cannot be revived by agreement: our cautious reading, the statute sets no date."""
    today = today or date.today()
    if agreed_on > today:
        raise BallotError(f"Today is {human_date(today)}, and the agreement is dated {human_date(agreed_on)}: record "
                          "an agreement once it is made.")
    mandates = _with_its_ballot(mandate) if whole_ballot else [mandate]
    planned = []
    for m in mandates:
        try:
            last, review, section = rules.agreed_mandate_last_day(m.date_of_ballot, m.opening_day, months,
                                                                  m.court_excluded_days())
        except ValueError as error:
            raise BallotError(str(error)) from None
        if agreed_on < m.date_of_ballot:
            raise BallotError(f"The agreement ({human_date(agreed_on)}) is dated before the ballot closed "
                              f"({human_date(m.date_of_ballot)}).")
        statutory_last, _, _ = rules.mandate_last_day(m.date_of_ballot, m.opening_day)
        ended = max(statutory_last, m.last_day)  # an earlier agreement may have lengthened it
        what = f"The {m.get_kind_display().lower()} mandate at {m.unit_name}"
        if agreed_on > ended:
            raise BallotError(f"{what} ended on {human_date(ended)}, before the agreement ({human_date(agreed_on)}): "
                              "an agreement cannot revive an ended mandate.")
        if last < agreed_on:
            raise BallotError(f"{what} would end on {human_date(last)}, before the agreement ({human_date(agreed_on)}) "
                              f"was made: {months} months cannot be agreed on that day.")
        planned.append((m, last, review, section))
    with transaction.atomic():
        for m, last, review, section in planned:
            m.last_day, m.agreed_months, m.agreed_on = last, months, agreed_on
            m.agreement_reference = reference
            m.basis = {**m.basis, "last_day": last.isoformat(), "review": review, "months": months,
                       "agreed_with_employer": {"months": months, "agreed_on": agreed_on.isoformat(),
                                                "section": section}}
            m.save(update_fields=["last_day", "agreed_months", "agreed_on", "agreement_reference", "basis"])
            record(actor, "mandate.lengthened_by_agreement", "Mandate", m.pk, employer=m.employer.code,
                   kind=m.kind, months=months, agreed_on=agreed_on, last_day=last)
    return [m for m, *_ in planned]


def record_court_exclusion(mandate: Mandate, *, court: str, made_on: date, excluded_from: date, excluded_to: date,
                           reference: str = "", whole_ballot: bool = True, actor: Any = None,
                           today: date | None = None) -> list[Mandate]:
    """Record a court order that a period does not count towards the mandate (s.234(2)-(6), both regimes; no
    cap): the rulebook gives the new last day, with any agreed length kept. With ``whole_ballot``, every mandate
    of the same ballot with the same employer (the prohibited action was the union's against that employer).

    Refused, with nothing changed: a period that ends before it starts, starts before the ballot closed, ends
    after the order was made, or overlaps a period already excluded; an order dated in the future."""
    today = today or date.today()
    if not court.strip():
        raise BallotError("Name the court that made the order.")
    if made_on > today:
        raise BallotError(f"Today is {human_date(today)}, and the order is dated {human_date(made_on)}: record an "
                          "order once it is made.")
    if excluded_to < excluded_from:
        raise BallotError(f"The excluded period ends ({human_date(excluded_to)}) before it starts "
                          f"({human_date(excluded_from)}).")
    if excluded_to > made_on:
        raise BallotError(f"The excluded period ends ({human_date(excluded_to)}) after the order was made "
                          f"({human_date(made_on)}): the time after the decision counts.")
    mandates = _with_its_ballot(mandate) if whole_ballot else [mandate]
    for m in mandates:
        if excluded_from < m.date_of_ballot:
            raise BallotError(f"The excluded period starts ({human_date(excluded_from)}) before the ballot closed "
                              f"({human_date(m.date_of_ballot)}).")
        for e in m.court_exclusions.all():
            if excluded_from <= e.excluded_to and e.excluded_from <= excluded_to:
                raise BallotError(f"The {m.get_kind_display().lower()} mandate at {m.unit_name} already excludes "
                                  f"{human_date(e.excluded_from)} to {human_date(e.excluded_to)} ({e.court}): a day "
                                  "cannot be excluded twice.")
    with transaction.atomic():
        for m in mandates:
            exclusion = CourtOrderExclusion.objects.create(
                mandate=m, court=court.strip(), made_on=made_on, excluded_from=excluded_from,
                excluded_to=excluded_to, reference=reference, created_by=actor_name(actor))
            days = m.court_excluded_days()
            last, review, section = rules.mandate_last_day_after_orders(m.date_of_ballot, m.opening_day,
                                                                        m.agreed_months, days)
            m.last_day = last
            m.basis = {**m.basis, "last_day": last.isoformat(), "review": review,
                       "court_excluded_days": days, "section": section}
            m.save(update_fields=["last_day", "basis"])
            record(actor, "mandate.court_exclusion_recorded", "Mandate", m.pk, employer=m.employer.code,
                   kind=m.kind, exclusion=exclusion.pk, days=exclusion.days, last_day=last)
    return mandates


def _with_its_ballot(mandate: Mandate) -> list[Mandate]:
    """Every mandate of the same ballot with the same employer (an agreement or a court order is about the
    union's action against that employer, not one unit's or one question's)."""
    return list(Mandate.objects.filter(
        union=mandate.union, employer=mandate.employer, opening_day=mandate.opening_day,
        date_of_ballot=mandate.date_of_ballot, ballot=mandate.ballot).order_by("pk"))
