"""Ballot services: set-up, electorate, opening, postal returns, the count and mandates.

Every rule (thresholds, dates, wording) comes from the statutory rulebook through `mandate.union.rules`;
this module only gathers the facts, stores them and writes the audit log. Marks on papers are read only by
`record_return`, `import_returns` and `count`, which the scrutineer's pages and commands call.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from typing import IO, Any

from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils import timezone

from mandate.dates import human_date
from mandate.platform.audit import record
from mandate.union import rules
from mandate.union.models import (
    AccidentalOmission,
    Ballot,
    BallotQuestion,
    BallotUnit,
    Dispute,
    Elector,
    Employer,
    Mandate,
    Member,
    ReturnedPaper,
    Union,
    UnitResult,
    Workplace,
)
from mandate.union.register import csv_records


class BallotError(ValueError):
    """A step that cannot be taken now; the message says why, in plain words."""


def actor_name(actor: Any) -> str:
    if actor is None:
        return "system"
    return actor if isinstance(actor, str) else getattr(actor, "username", "") or "anonymous"


# ---------------------------------------------------------------------------------------------------------------
# Set-up
# ---------------------------------------------------------------------------------------------------------------

DEFAULT_QUESTIONS = {
    "strike": "Are you prepared to take part in a strike?",
    "action_short_of_strike": "Are you prepared to take part in industrial action short of a strike?",
}


def create_ballot(
    union: Union, dispute: Dispute, *, code: str, title: str, opening_day: date, closing_day: date,
    employers: list[Employer], questions: dict[str, dict[str, str]], actor: Any = None,
    workplaces: list[Workplace] | None = None, categories: list[str] | None = None,
    units_mode: str = "separate", aggregation_basis: str = "", aggregation_reason: str = "",
    scrutineer_name: str = "", scrutineer_username: str = "", return_address: str = "", caller: str = "",
    dispute_summary: str = "", voting_method: str = "postal", ips_majority: bool = False,
    union_belief_not_ips: bool = False, ips_rationale: str = "",
) -> Ballot:
    if closing_day < opening_day:
        raise BallotError("The closing day cannot be before the opening day.")
    if voting_method not in Ballot.AVAILABLE_METHODS:
        raise BallotError(f"Voting method {voting_method!r} is not available yet: postal ballots only for now.")
    if units_mode == "aggregated" and not aggregation_basis:
        raise BallotError("An aggregated ballot needs its s.228A basis recorded.")
    if units_mode == "aggregated" and not aggregation_reason.strip():
        raise BallotError("Record why the union believes the s.228A basis applies.")
    if not questions:
        raise BallotError("A ballot needs at least one question: strike, action short of a strike, or both.")
    for kind in questions:
        if kind not in DEFAULT_QUESTIONS:
            raise BallotError(f"Unknown question {kind!r}: use strike or action_short_of_strike.")
    with transaction.atomic():
        ballot = Ballot.objects.create(
            union=union, dispute=dispute, code=code, title=title, opening_day=opening_day, closing_day=closing_day,
            units_mode=units_mode, aggregation_basis=aggregation_basis if units_mode == "aggregated" else "",
            aggregation_reason=aggregation_reason, scrutineer_name=scrutineer_name,
            scrutineer_username=scrutineer_username, return_address=return_address,
            caller=caller or Ballot._meta.get_field("caller").default, dispute_summary=dispute_summary,
            voting_method=voting_method, ips_majority=ips_majority, union_belief_not_ips=union_belief_not_ips,
            ips_rationale=ips_rationale, categories="\n".join(categories or []),
        )
        ballot.employers.set(employers)
        if workplaces:
            ballot.workplaces.set(workplaces)
        for kind, spec in questions.items():
            BallotQuestion.objects.create(
                ballot=ballot, kind=kind, text=spec.get("text") or DEFAULT_QUESTIONS[kind],
                action_types=spec.get("action_types", ""), expected_periods=spec.get("expected_periods", ""))
        record(actor, "ballot.created", "Ballot", ballot.pk, code=code, dispute=dispute.code,
               opening_day=opening_day, closing_day=closing_day, units_mode=units_mode,
               aggregation_basis=ballot.aggregation_basis, questions=sorted(questions))
    return ballot


def update_dates(ballot: Ballot, opening_day: date, closing_day: date, actor: Any = None) -> None:
    if ballot.status in ("open", "counted"):
        raise BallotError("The dates of an open or counted ballot cannot change.")
    if closing_day < opening_day:
        raise BallotError("The closing day cannot be before the opening day.")
    ballot.opening_day, ballot.closing_day = opening_day, closing_day
    ballot.save(update_fields=["opening_day", "closing_day"])
    record(actor, "ballot.dates_changed", "Ballot", ballot.pk, opening_day=opening_day, closing_day=closing_day)


def candidate_members(ballot: Ballot) -> QuerySet[Member]:
    members = Member.objects.filter(union=ballot.union, left_on__isnull=True,
                                    employer__in=ballot.employers.all())
    if ballot.workplaces.exists():
        members = members.filter(workplace__in=ballot.workplaces.all())
    categories = [c.strip() for c in ballot.categories.splitlines() if c.strip()]
    if categories:
        members = members.filter(job_category__in=categories)
    return members.select_related("employer", "workplace")


def freeze_electorate(ballot: Ballot, actor: Any = None) -> int:
    """Copy the entitled members from the register, make the ballot units, number the papers consecutively."""
    if ballot.status != "draft":
        raise BallotError("The electorate is already frozen.")
    members = list(candidate_members(ballot).order_by("workplace__name", "membership_number"))
    if not members:
        raise BallotError("No current member of the register matches this ballot's employers, workplaces and categories.")
    with transaction.atomic():
        units: dict[Any, BallotUnit] = {}
        if ballot.units_mode == "aggregated":
            single = BallotUnit.objects.create(ballot=ballot, name=f"All members ({ballot.get_aggregation_basis_display().split(':')[0]})")
        electors = []
        number = 0
        for m in members:
            if ballot.units_mode == "aggregated":
                unit = single
            elif m.workplace_id in units:
                unit = units[m.workplace_id]
            else:
                unit = units[m.workplace_id] = BallotUnit.objects.create(
                        ballot=ballot, name=f"{m.workplace.name} ({m.employer.name})", workplace=m.workplace)
            number += 1
            basis = (f"separate workplace ballot at {m.workplace.name} (s.228)" if ballot.units_mode == "separate"
                     else f"aggregated ballot on the basis of {ballot.aggregation_basis}")
            electors.append(Elector(
                ballot=ballot, unit=unit, member=m, membership_number=m.membership_number, name=m.name,
                home_address=m.home_address, employer=m.employer, workplace=m.workplace,
                job_category=m.job_category, overseas=m.overseas, paper_number=number,
                reason=f"{ballot.entitlement_reason}: {m.job_category} employed by {m.employer.name}; {basis}"
                       + ("; overseas member given a vote (s.232)" if m.overseas else ""),
            ))
        Elector.objects.bulk_create(electors, batch_size=2000)
        ballot.status = "frozen"
        ballot.frozen_at = timezone.now()
        ballot.save(update_fields=["status", "frozen_at"])
        record(actor, "ballot.electorate_frozen", "Ballot", ballot.pk, electors=len(electors),
               units=len(units) or 1, first_paper=1, last_paper=number)
    return len(electors)


def record_omission(ballot: Ballot, unit: BallotUnit, *, kind: str, description: str, discovered_on: date,
                    membership_number: str = "", actor: Any = None) -> AccidentalOmission:
    if unit.ballot_id != ballot.pk:
        raise BallotError("That unit belongs to another ballot.")
    omission = AccidentalOmission.objects.create(
        ballot=ballot, unit=unit, kind=kind, description=description, discovered_on=discovered_on,
        membership_number=membership_number, recorded_by=actor_name(actor))
    record(actor, "ballot.omission_recorded", "Ballot", ballot.pk, unit=unit.name, kind=kind)
    return omission


def employers_in_electorate(ballot: Ballot) -> list[Employer]:
    ids = ballot.electors.values_list("employer_id", flat=True).distinct()
    return list(Employer.objects.filter(pk__in=ids).order_by("name"))


def notice_figures(ballot: Ballot, employer: Employer) -> dict[str, Any]:
    """The lists and figures for an employer's s.226A notice (the rulebook decides which are used)."""
    electors = ballot.electors.filter(employer=employer)
    by_category = dict(electors.values_list("job_category").annotate(n=Count("pk")).order_by("job_category"))
    by_workplace = {Workplace.objects.get(pk=k).name: v for k, v in
                    electors.values_list("workplace_id").annotate(n=Count("pk")).order_by("workplace__name")}
    return {"total": electors.count(), "by_category": by_category, "by_workplace": by_workplace,
            "explanation": "Counted from the union's membership register as frozen for this ballot on "
                           f"{human_date(timezone.localtime(ballot.frozen_at))}: every current member employed by "
                           f"{employer.name} in the categories and workplaces balloted."}


# ---------------------------------------------------------------------------------------------------------------
# Opening
# ---------------------------------------------------------------------------------------------------------------


def notice_status(ballot: Ballot) -> list[dict[str, Any]]:
    """For each employer: the notice and sample paper documents, their dates and whether each is late."""
    from mandate.platform.models import Document

    out = []
    reqs = rules.timeline_for(ballot)
    for employer in employers_in_electorate(ballot):
        row: dict[str, Any] = {"employer": employer}
        for kind, deadline_key in (("s226a-notice", "notice_by"), ("sample-paper", "sample_by")):
            doc = (Document.objects.filter(kind=kind, related_type="Ballot", related_id=str(ballot.pk),
                                           addressed_to_scope=employer.code).order_by("-created_at").first())
            deadline = reqs[deadline_key]
            received = doc.received_on if doc else None
            row[kind] = {"document": doc, "deadline": deadline, "received_on": received,
                         "late": received is None or received > deadline,
                         "missing_receipt": doc is not None and received is None}
        out.append(row)
    return out


def open_problems(ballot: Ballot) -> list[str]:
    problems = []
    if ballot.status != "frozen":
        problems.append("The electorate must be frozen (and the ballot not already open).")
    for row in notice_status(ballot):
        for kind, label in (("s226a-notice", "notice of ballot (s.226A)"), ("sample-paper", "sample voting paper")):
            state = row[kind]
            if state["document"] is None:
                problems.append(f"No {label} has been issued to {row['employer'].name}.")
            elif state["received_on"] is None:
                problems.append(f"The {label} to {row['employer'].name} has no receipt date recorded.")
            elif state["late"]:
                problems.append(f"The {label} to {row['employer'].name} was received on "
                                f"{human_date(state['received_on'])}, after the last day {human_date(state['deadline'])}.")
    if rules.needs_scrutineer(ballot) and not ballot.scrutineer_name:
        problems.append("More than the threshold are entitled to vote: appoint a scrutineer (s.226B).")
    if not ballot.return_address.strip():
        problems.append("Voting papers need a return address (s.229(1A)(b)).")
    from mandate.platform.models import Document

    if not Document.objects.filter(kind="voting-papers", related_type="Ballot", related_id=str(ballot.pk)).exists():
        problems.append("The voting papers have not been produced.")
    return problems


def open_ballot(ballot: Ballot, actor: Any = None) -> None:
    problems = open_problems(ballot)
    if problems:
        raise BallotError("The ballot cannot open: " + " ".join(problems))
    ballot.status = "open"
    ballot.opened_at = timezone.now()
    ballot.save(update_fields=["status", "opened_at"])
    record(actor, "ballot.opened", "Ballot", ballot.pk, opening_day=ballot.opening_day)


# ---------------------------------------------------------------------------------------------------------------
# Postal returns
# ---------------------------------------------------------------------------------------------------------------


@dataclass
class ReturnOutcome:
    paper_number: int
    status: str
    unit: str
    notes: list[str]


def _normalise_marks(ballot: Ballot, marks: dict[str, str], kinds: list[str]) -> tuple[dict[str, str], list[str]]:
    out: dict[str, str] = {}
    problems = []
    for key, value in marks.items():
        kind = {"asos": "action_short_of_strike"}.get(key, key)
        if kind not in kinds:
            problems.append(f"this ballot has no {key!r} question")
            continue
        v = (value or "").strip().lower()
        v = {"y": "yes", "n": "no", "": "blank", "x": "both", "yes+no": "both", "spoilt": "both",
             "spoiled": "both"}.get(v, v)
        if v not in ReturnedPaper.MARKS:
            problems.append(f"{value!r} is not a mark (yes, no, both, blank)")
            continue
        out[kind] = v
    for kind in kinds:
        out.setdefault(kind, "blank")
    return out, problems


def _check_recordable(ballot: Ballot) -> None:
    if ballot.is_locked:
        raise BallotError("The ballot has been counted: its returns can no longer change.")
    if ballot.status != "open":
        raise BallotError("Returns can be recorded only while the ballot is open.")


def record_return(ballot: Ballot, paper_number: int, marks: dict[str, str], received_on: date, actor: Any = None,
                  source: str = "by hand") -> ReturnOutcome:
    """Record one returned paper. An unissued number is refused; a repeat is kept as a duplicate."""
    _check_recordable(ballot)
    kinds = list(ballot.questions.values_list("kind", flat=True))
    elector = ballot.electors.filter(paper_number=paper_number).select_related("unit").first()
    if elector is None:
        raise BallotError(f"Paper number {paper_number} was never issued in this ballot.")
    clean, problems = _normalise_marks(ballot, marks, kinds)
    if problems:
        raise BallotError(f"Paper {paper_number}: " + "; ".join(problems))
    with transaction.atomic():
        outcome = _store(ballot, elector, clean, received_on, actor, source)
        record(actor, "ballot.return_recorded", "Ballot", ballot.pk, paper_number=paper_number,
               status=outcome.status, source=source)
    return outcome


def _store(ballot: Ballot, elector: Elector, marks: dict[str, str], received_on: date, actor: Any,
           source: str, already: set[int] | None = None) -> ReturnOutcome:
    notes = []
    if already is not None:
        seen = elector.paper_number in already
    else:
        seen = ballot.returns.filter(paper_number=elector.paper_number, status="counted").exists()
    if received_on > ballot.closing_day:
        status = "late"
        notes.append("received after the closing day: not counted")
    elif seen:
        status = "duplicate"
        notes.append("this number was already returned: the first paper counts, this one is set aside")
    else:
        status = "counted"
        if already is not None:
            already.add(elector.paper_number)
    notes += [f"{k.replace('_', ' ')}: marked both ways, spoilt for that question" for k, v in marks.items() if v == "both"]
    ReturnedPaper.objects.create(ballot=ballot, unit=elector.unit, paper_number=elector.paper_number,
                                 received_on=received_on, marks=marks, status=status, source=source,
                                 recorded_by=actor_name(actor))
    return ReturnOutcome(elector.paper_number, status, elector.unit.name, notes)


class ReturnsImportError(BallotError):
    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("returns file refused: " + "; ".join(errors[:10]) + (" …" if len(errors) > 10 else ""))


def import_returns(ballot: Ballot, source: IO[str] | str, actor: Any = None, name: str = "returns.csv") -> dict[str, Any]:
    """Import a scanning bureau's CSV: paper_number, received_on, then one column per question (strike,
    action_short_of_strike or asos) holding yes/no/both/blank. The file is checked whole first: an unissued
    number or a bad mark refuses it, naming each line."""
    _check_recordable(ballot)
    text = source if isinstance(source, str) else source.read()
    header, records = csv_records(text.lstrip("\ufeff"))
    kinds = list(ballot.questions.values_list("kind", flat=True))
    electors = {e.paper_number: e for e in ballot.electors.select_related("unit")}
    errors: list[str] = []
    rows: list[tuple[int, Elector, dict[str, str], date]] = []
    if "paper_number" not in header or "received_on" not in header:
        raise ReturnsImportError(["line 1: the header needs paper_number and received_on"])
    for line, record_ in records:
        if record_.get(None):
            errors.append(f"line {line}: {len(record_[None])} more fields than the header has columns")
            continue
        row = {k.strip(): (v or "").strip() for k, v in record_.items() if k}
        try:
            number = int(row["paper_number"])
        except ValueError:
            errors.append(f"line {line}: {row['paper_number']!r} is not a paper number")
            continue
        if number not in electors:
            errors.append(f"line {line}: paper number {number} was never issued")
            continue
        try:
            received = date.fromisoformat(row["received_on"])
        except ValueError:
            errors.append(f"line {line}: {row['received_on']!r} is not a date (use YYYY-MM-DD)")
            continue
        marks = {k: v for k, v in row.items() if k not in ("paper_number", "received_on")}
        clean, problems = _normalise_marks(ballot, marks, kinds)
        if problems:
            errors.append(f"line {line}: " + "; ".join(problems))
            continue
        rows.append((line, electors[number], clean, received))
    if errors:
        record(actor, "ballot.returns_refused", "Ballot", ballot.pk, file=name, problems=len(errors))
        raise ReturnsImportError(errors)
    statuses: Counter[str] = Counter()
    already = set(ballot.returns.filter(status="counted").values_list("paper_number", flat=True))
    with transaction.atomic():
        papers = []
        for line, elector, marks, received in rows:
            if received > ballot.closing_day:
                status = "late"
            elif elector.paper_number in already:
                status = "duplicate"
            else:
                status = "counted"
                already.add(elector.paper_number)
            statuses[status] += 1
            papers.append(ReturnedPaper(ballot=ballot, unit=elector.unit, paper_number=elector.paper_number,
                                        received_on=received, marks=marks, status=status,
                                        source=f"{name} line {line}", recorded_by=actor_name(actor)))
        ReturnedPaper.objects.bulk_create(papers, batch_size=2000)
        both = sum(1 for _, _, m, _ in rows if "both" in m.values())
        summary = {"file": name, "lines": len(rows), "counted": statuses["counted"],
                   "duplicates": statuses["duplicate"], "late": statuses["late"], "marked_both_ways": both}
        record(actor, "ballot.returns_imported", "Ballot", ballot.pk, **summary)
    return summary


# ---------------------------------------------------------------------------------------------------------------
# Turnout (papers returned, never votes)
# ---------------------------------------------------------------------------------------------------------------


def turnout(ballot: Ballot, as_of: date | None = None) -> list[dict[str, Any]]:
    """Per unit: entitled, papers returned (on time, not duplicates), share, and the daily curve."""
    from mandate.union import projection

    as_of = as_of or date.today()
    entitled = dict(ballot.electors.values_list("unit_id").annotate(n=Count("pk")).order_by())
    daily: dict[int, dict[date, int]] = defaultdict(dict)
    for unit_id, day, n in (ballot.returns.filter(status="counted").values_list("unit_id", "received_on")
                            .annotate(n=Count("pk")).order_by("received_on")):
        daily[unit_id][day] = n
    threshold = rules.turnout_threshold(ballot)
    out = []
    for unit in ballot.units.all():
        e = entitled.get(unit.pk, 0)
        curve = daily.get(unit.pk, {})
        returned = sum(curve.values())
        proj = projection.project(ballot.opening_day, ballot.closing_day, e, curve, as_of=as_of,
                                  threshold=threshold)
        out.append({"unit": unit, "name": unit.name, "entitled": e, "returned": returned,
                    "share": returned / e if e else 0.0, "projection": proj})
    return out


# ---------------------------------------------------------------------------------------------------------------
# The count
# ---------------------------------------------------------------------------------------------------------------


def tally(ballot: Ballot) -> dict[int, dict[str, Any]]:
    """unit id -> entitled, overseas, votes cast and per-question yes/no/spoilt, from the counted papers."""
    kinds = list(ballot.questions.values_list("kind", flat=True))
    out: dict[int, dict[str, Any]] = {}
    for unit in ballot.units.all():
        out[unit.pk] = {"unit": unit, "entitled": 0, "overseas": 0, "votes_cast": 0,
                        "questions": {k: {"yes": 0, "no": 0, "spoilt": 0} for k in kinds}}
    for unit_id, overseas, n in ballot.electors.values_list("unit_id", "overseas").annotate(n=Count("pk")).order_by():
        out[unit_id]["entitled"] += n
        if overseas:
            out[unit_id]["overseas"] += n
    for unit_id, marks in ballot.returns.filter(status="counted").values_list("unit_id", "marks").iterator():
        t = out[unit_id]
        t["votes_cast"] += 1
        for k in kinds:
            mark = marks.get(k, "blank")
            t["questions"][k]["yes" if mark == "yes" else "no" if mark == "no" else "spoilt"] += 1
    return out


def count(ballot: Ballot, actor: Any = None, today: date | None = None) -> dict[str, Any]:
    """Close the ballot and count every unit and question through the rulebook; create the mandates."""
    today = today or date.today()
    if ballot.is_locked:
        raise BallotError("The ballot has already been counted; a counted result cannot change.")
    if ballot.status != "open":
        raise BallotError("Only an open ballot can be closed and counted.")
    if today <= ballot.closing_day:
        raise BallotError(f"Voting runs until the end of {human_date(ballot.closing_day)}; count after that day.")
    figures = tally(ballot)
    assessment = rules.assess_ballot(ballot, list(figures.values()))
    questions = {q.kind: q for q in ballot.questions.all()}
    by_name = {f["unit"].name: f for f in figures.values()}
    with transaction.atomic():
        for unit_a in assessment["units"]:
            f = by_name[unit_a["name"]]
            for kind, qa in unit_a["questions"].items():
                qf = f["questions"][kind]
                UnitResult.objects.create(
                    unit=f["unit"], question=questions[kind], entitled=f["entitled"], overseas=f["overseas"],
                    voted=f["votes_cast"], yes=qf["yes"], no=qf["no"], spoiled=qf["spoilt"],
                    supported=bool(qa["supported"]),
                    verdict={"turnout": unit_a["turnout"], "turnout_threshold_met": unit_a["turnout_threshold_met"],
                             **qa})
                if qa["supported"]:
                    employer_ids = f["unit"].electors.values_list("employer_id", flat=True).distinct()
                    for employer in Employer.objects.filter(pk__in=employer_ids):
                        Mandate.objects.create(
                            union=ballot.union, dispute=ballot.dispute, ballot=ballot, unit=f["unit"],
                            unit_name=f["unit"].name, employer=employer, kind=kind, opening_day=ballot.opening_day,
                            date_of_ballot=ballot.closing_day, last_day=date.fromisoformat(assessment["mandate"]["last_day"]),
                            entitled=f["entitled"], voted=f["votes_cast"], yes=qf["yes"], no=qf["no"],
                            spoiled=qf["spoilt"], basis=assessment["mandate"], created_by=actor_name(actor),
                            reference=f"Counted by the scrutineer, ballot {ballot.code}")
        ballot.assessment = assessment
        ballot.status = "counted"
        ballot.counted_at = timezone.now()
        ballot.counted_by = actor_name(actor)
        ballot.save(update_fields=["assessment", "status", "counted_at", "counted_by"])
        record(actor, "ballot.counted", "Ballot", ballot.pk, regime=assessment["regime"],
               units=len(assessment["units"]),
               mandates=Mandate.objects.filter(ballot=ballot).count())
    return assessment


def result_rows(ballot: Ballot) -> list[UnitResult]:
    return list(UnitResult.objects.filter(unit__ballot=ballot).select_related("unit", "question"))
