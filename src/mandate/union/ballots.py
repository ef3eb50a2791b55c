"""Ballot services: set-up, electorate, opening, postal returns, the count and mandates.

Every rule (thresholds, dates, wording) comes from the statutory rulebook through `mandate.union.rules`;
this module only gathers the facts, stores them and writes the audit log. Marks on papers are read only by
`record_return`, `import_returns` and `count`, which the scrutineer's pages and commands call.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from typing import IO, Any

from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils import timezone

from mandate.dates import human_date
from mandate.platform.audit import record
from mandate.platform.models import Document
from mandate.union import lifecycle, rules
from mandate.union.errors import BallotError
from mandate.union.models import (
    AccidentalOmission,
    Ballot,
    BallotQuestion,
    BallotUnit,
    Dispute,
    Elector,
    Employer,
    IssuedDocument,
    Mandate,
    Member,
    ReturnedPaper,
    Union,
    UnitResult,
    Workplace,
)
from mandate.union.register import csv_records


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
    try:  # whether the means is lawful on the opening day is the rulebook's answer, never the wing's
        rules.refuse_impermissible_method(voting_method, opening_day)
    except ValueError as refusal:
        raise BallotError(str(refusal)) from None
    if voting_method not in Ballot.AVAILABLE_METHODS:
        raise BallotError(f"A {voting_method} ballot is permissible for this opening day, but mandate cannot run "
                          "one yet: only postal and electronic ballots can be set up for now.")
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
    """New opening and closing days, while the ballot is being set up (the notice of ballot states them)."""
    if closing_day < opening_day:
        raise BallotError("The closing day cannot be before the opening day.")

    def body(b: Ballot) -> None:
        b.opening_day, b.closing_day = opening_day, closing_day
        b.save(update_fields=["opening_day", "closing_day"])
        record(actor, "ballot.dates_changed", "Ballot", b.pk, opening_day=opening_day, closing_day=closing_day)

    lifecycle.run(ballot, "change_setup", actor, body)


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
    return lifecycle.run(ballot, "change_setup", actor, lambda b: _freeze(b, actor))


def unfreeze_electorate(ballot: Ballot, actor: Any = None) -> int:
    """Undo the freeze while the ballot is being set up (after a withdrawn notice, say), to freeze it again
    from the register as it is now. Returns the number of electors removed."""

    def body(b: Ballot) -> int:
        if b.status != "frozen":
            raise BallotError("The electorate is not frozen.")
        n = b.electors.count()
        b.electors.all().delete()
        b.units.all().delete()
        b.status, b.frozen_at = "draft", None
        b.save(update_fields=["status", "frozen_at"])
        record(actor, "ballot.electorate_unfrozen", "Ballot", b.pk, electors=n)
        return n

    return lifecycle.run(ballot, "change_setup", actor, body)


def _freeze(ballot: Ballot, actor: Any) -> int:
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
    if discovered_on > date.today():
        raise BallotError(f"The omission is dated {human_date(discovered_on)}, after today: record it once found.")

    def body(b: Ballot) -> AccidentalOmission:
        omission = AccidentalOmission.objects.create(
            ballot=b, unit=unit, kind=kind, description=description, discovered_on=discovered_on,
            membership_number=membership_number, recorded_by=actor_name(actor))
        record(actor, "ballot.omission_recorded", "Ballot", b.pk, unit=unit.name, kind=kind)
        return omission

    return lifecycle.run(ballot, "record_omission", actor, body)


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


def current_documents(ballot: Ballot, kind: str, addressee: str | None = None) -> list[Document]:
    """The documents of a kind issued for the ballot that still stand (not withdrawn or superseded)."""
    issued = IssuedDocument.objects.filter(ballot=ballot, kind=kind, state="current")
    if addressee is not None:
        issued = issued.filter(addressee=addressee)
    ids = list(issued.values_list("document_id", flat=True))
    return list(Document.objects.filter(pk__in=ids).defer("pdf", "html").order_by("created_at"))


def notice_status(ballot: Ballot) -> list[dict[str, Any]]:
    """For each employer: the current notice and sample paper documents, their dates and whether each is late."""
    out = []
    reqs = rules.timeline_for(ballot)
    for employer in employers_in_electorate(ballot):
        row: dict[str, Any] = {"employer": employer}
        for kind, deadline_key in (("s226a-notice", "notice_by"), ("sample-paper", "sample_by")):
            current = current_documents(ballot, kind, employer.code)
            doc = current[-1] if current else None
            deadline = reqs[deadline_key]
            received = doc.received_on if doc else None
            row[kind] = {"document": doc, "deadline": deadline, "received_on": received,
                         "late": received is None or received > deadline,
                         "missing_receipt": doc is not None and received is None}
        out.append(row)
    return out


def open_problems(ballot: Ballot, today: date | None = None) -> list[str]:
    """Why the ballot cannot open now (empty: it can)."""
    today = today or date.today()
    problems = []
    if ballot.stage in ("setup", "notices_issued"):
        problems.append("The notices of ballot and then the voting papers must be issued first."
                        if ballot.stage == "setup" else "The voting papers have not been issued.")
    elif ballot.stage != "papers_issued":
        problems.append(f"The ballot is at '{ballot.get_stage_display()}': it opens only once.")
    if today < ballot.opening_day:
        problems.append(f"The ballot opens on its opening day, {human_date(ballot.opening_day)}, not before.")
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
    if ballot.voting_method == "electronic":
        from mandate.union.electronic import services as electronic

        problems += electronic.open_problems(ballot)
    elif not ballot.return_address.strip():
        problems.append("Voting papers need a return address (s.229(1A)(b)).")
    return problems


def open_ballot(ballot: Ballot, actor: Any = None, today: date | None = None) -> None:
    """Open the ballot: from 'Voting papers issued', on or after its opening day, with every notice on time."""

    def body(b: Ballot) -> None:
        problems = open_problems(b, today)
        if problems:
            raise BallotError("The ballot cannot open: " + " ".join(problems))
        b.opened_at = timezone.now()
        b.save(update_fields=["opened_at"])
        record(actor, "ballot.opened", "Ballot", b.pk, opening_day=b.opening_day)

    lifecycle.run(ballot, "open", actor, body)


# ---------------------------------------------------------------------------------------------------------------
# Postal returns
# ---------------------------------------------------------------------------------------------------------------


@dataclass
class ReturnOutcome:
    paper_number: int
    status: str  # counted, duplicate, late, or unchanged (the same paper already recorded: nothing changed)
    unit: str
    notes: list[str]


@dataclass(frozen=True)
class ReturnRow:
    """One returned paper read from a file or a page, checked but not yet recorded."""

    paper_number: int
    received_on: date
    marks: dict[str, str]
    source: str

    @property
    def fingerprint(self) -> str:
        """The same paper, date and marks give the same fingerprint, whatever the bytes or the order they
        came in (spaces, capitals, y for yes, column order)."""
        marks = ",".join(f"{k}={self.marks[k]}" for k in sorted(self.marks))
        return hashlib.sha256(f"{self.paper_number}|{self.received_on.isoformat()}|{marks}".encode()).hexdigest()


MARK_SPELLINGS = {"y": "yes", "n": "no", "": "blank", "x": "both", "yes+no": "both", "spoilt": "both",
                  "spoiled": "both"}
COLUMN_ALIASES = {"asos": "action_short_of_strike"}


def _mark(value: str | None) -> str | None:
    v = (value or "").strip().lower()
    v = MARK_SPELLINGS.get(v, v)
    return v if v in ReturnedPaper.MARKS else None


def _received_problem(ballot: Ballot, received: date, today: date) -> str:
    if received < ballot.opening_day:
        return (f"received on {human_date(received)}, before the opening day {human_date(ballot.opening_day)}: "
                "a paper cannot come back before it was sent")
    if received > today:
        return f"received on {human_date(received)}, after today ({human_date(today)})"
    return ""


def _check_open_for_returns(ballot: Ballot) -> None:
    if ballot.stage != "open":
        if ballot.is_locked:
            raise BallotError("The ballot has been counted: its returns can no longer change.")
        raise BallotError(f"The ballot is at '{ballot.get_stage_display()}': returns can be recorded only while "
                          "it is open.")


def record_return(ballot: Ballot, paper_number: int, marks: dict[str, str], received_on: date, actor: Any = None,
                  source: str = "by hand", today: date | None = None) -> ReturnOutcome:
    """Record one returned paper, its mark for each of the ballot's questions given (none assumed). An unissued
    or void number is refused; a repeat of the same paper changes nothing; another paper with a number already
    returned is kept as a duplicate; a paper received after the closing day as late."""
    today = today or date.today()
    _check_open_for_returns(ballot)
    kinds = list(ballot.questions.values_list("kind", flat=True))
    given = {COLUMN_ALIASES.get(k, k): v for k, v in marks.items()}
    problems = [f"this ballot has no {k.replace('_', ' ')} question" for k in given if k not in kinds]
    clean: dict[str, str] = {}
    for kind in kinds:
        if kind not in given or given[kind] is None:
            problems.append(f"give the mark on the paper for the {kind.replace('_', ' ')} question "
                            "(yes, no, both ways or blank)")
            continue
        mark = _mark(given[kind])
        if mark is None:
            problems.append(f"{given[kind]!r} is not a mark (yes, no, both, blank)")
        else:
            clean[kind] = mark
    when = _received_problem(ballot, received_on, today)
    if when:
        problems.append(when)
    if problems:
        raise BallotError(f"Paper {paper_number}: " + "; ".join(problems) + ".")
    row = ReturnRow(paper_number, received_on, clean, source)

    def body(b: Ballot) -> ReturnOutcome:
        outcomes = _store(b, [row], actor)
        o = outcomes[0]
        record(actor, "ballot.return_recorded", "Ballot", b.pk, paper_number=paper_number, status=o.status,
               source=source)
        return o

    return lifecycle.run(ballot, "record_returns", actor, body)


class ReturnsImportError(BallotError):
    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("returns file refused: " + "; ".join(errors[:10]) + (" …" if len(errors) > 10 else ""))


def _store(ballot: Ballot, rows: list[ReturnRow], actor: Any) -> list[ReturnOutcome]:
    """Record checked rows on the locked ballot: the same paper again is left as it is, a second paper with a
    returned number is a duplicate (with the first's source as the reason), a late one is late. A void or an
    unissued number refuses the whole batch (numbers can be voided while a file waits)."""
    electors = {e.paper_number: e for e in ballot.electors.select_related("unit")}
    void = dict(ballot.void_papers.values_list("paper_number", "replaced_by"))
    errors = []
    for row in rows:
        if row.paper_number in void:
            errors.append(f"{row.source}: paper number {row.paper_number} is void (a replacement paper, number "
                          f"{void[row.paper_number]}, was issued): not counted")
        elif row.paper_number not in electors:
            errors.append(f"{row.source}: paper number {row.paper_number} was never issued")
    if errors:
        raise ReturnsImportError(errors)
    recorded = set(ballot.returns.exclude(fingerprint="").values_list("fingerprint", flat=True))
    first = dict(ballot.returns.filter(status="counted").values_list("paper_number", "source"))
    papers, outcomes = [], []
    for row in rows:
        elector = electors[row.paper_number]
        both = [f"{k.replace('_', ' ')}: marked both ways, spoilt for that question"
                for k, v in row.marks.items() if v == "both"]
        fp = row.fingerprint
        if fp in recorded:
            outcomes.append(ReturnOutcome(row.paper_number, "unchanged", elector.unit.name,
                                          ["this paper was already recorded: nothing changed"]))
            continue
        recorded.add(fp)
        if row.received_on > ballot.closing_day:
            status = "late"
            reason = (f"received on {human_date(row.received_on)}, after the closing day "
                      f"{human_date(ballot.closing_day)}: not counted")
        elif row.paper_number in first:
            status = "duplicate"
            reason = (f"paper {row.paper_number} was already returned ({first[row.paper_number]}): the first "
                      "paper counts, this one is set aside")
        else:
            status, reason = "counted", ""
            first[row.paper_number] = row.source
        papers.append(ReturnedPaper(ballot=ballot, unit=elector.unit, elector=elector, paper_number=row.paper_number,
                                    received_on=row.received_on, marks=row.marks, status=status, source=row.source,
                                    fingerprint=fp, reason=reason, recorded_by=actor_name(actor)))
        outcomes.append(ReturnOutcome(row.paper_number, status, elector.unit.name, ([reason] if reason else []) + both))
    ReturnedPaper.objects.bulk_create(papers, batch_size=2000)
    return outcomes


def _header_problems(header: list[str], kinds: list[str]) -> list[str]:
    """The header must have paper_number, received_on and exactly one column for each of the ballot's questions."""
    columns = [COLUMN_ALIASES.get(h, h) for h in header]
    problems = [f"line 1: the header needs a {c} column" for c in ("paper_number", "received_on") if c not in columns]
    missing = [k for k in kinds if k not in columns]
    if missing:
        problems.append("line 1: the header lacks the column(s) for this ballot's question(s): " + ", ".join(missing))
    unknown = [h or "(unnamed)" for h, c in zip(header, columns, strict=True)
               if c not in ("paper_number", "received_on", *kinds)]
    if unknown:
        problems.append("line 1: the header has column(s) this ballot does not have: " + ", ".join(unknown)
                        + f" (its columns are paper_number, received_on, {', '.join(kinds)})")
    twice = sorted({c for c in columns if columns.count(c) > 1})
    if twice:
        problems.append("line 1: column(s) named more than once: " + ", ".join(twice))
    return problems


def _read_row(ballot: Ballot, line: int, row: dict[str, str], kinds: list[str], issued: set[int], today: date,
              name: str) -> ReturnRow | str:
    """One line of a returns file: the paper it records, or why it is refused."""
    try:
        number = int(row["paper_number"])
        if number < 1:
            raise ValueError
    except ValueError:
        return f"line {line}: {row['paper_number'][:40]!r} is not a paper number"
    try:
        received = date.fromisoformat(row["received_on"])
    except ValueError:
        return f"line {line}: {row['received_on'][:40]!r} is not a date (use YYYY-MM-DD)"
    if number not in issued:
        return f"line {line}: paper number {number} was never issued"
    when = _received_problem(ballot, received, today)
    if when:
        return f"line {line}: paper {number} {when}"
    marks = {}
    for kind in kinds:
        mark = _mark(row.get(kind))
        if mark is None:
            return f"line {line}: {row.get(kind, '')[:40]!r} is not a mark (yes, no, both, blank)"
        marks[kind] = mark
    return ReturnRow(number, received, marks, f"{name} line {line}")


def read_returns(ballot: Ballot, source: IO[str] | str, name: str = "returns.csv",
                 today: date | None = None) -> list[ReturnRow]:
    """A scanning bureau's CSV, checked whole: paper_number, received_on, then exactly one column for each of
    the ballot's questions (strike; action_short_of_strike, or asos) holding yes/no/both/blank. An unknown,
    missing or repeated column, a bad number, date or mark, a date before the opening day or after today
    refuses it, naming each line."""
    today = today or date.today()
    text = source if isinstance(source, str) else source.read()
    text = text.lstrip("\ufeff")
    if "\x00" in text:
        raise ReturnsImportError(["the file holds NUL bytes: it is not a CSV text file (save it as CSV UTF-8)"])
    if "\r" in text and "\n" not in text:
        text = text.replace("\r", "\n")  # CR-only line endings
    header, records = csv_records(text)
    kinds = list(ballot.questions.values_list("kind", flat=True))
    problems = _header_problems(header, kinds)
    if problems:
        raise ReturnsImportError(problems)
    # void numbers pass here and are refused under the lock, saying so
    issued = set(ballot.electors.values_list("paper_number", flat=True)) | set(
        ballot.void_papers.values_list("paper_number", flat=True))
    errors: list[str] = []
    rows: list[ReturnRow] = []
    for line, record_ in records:
        if record_.get(None):
            errors.append(f"line {line}: {len(record_[None])} more fields than the header has columns")
            continue
        row = {COLUMN_ALIASES.get(k.strip(), k.strip()): (v or "").strip() for k, v in record_.items() if k}
        read = _read_row(ballot, line, row, kinds, issued, today, name)
        if isinstance(read, str):
            errors.append(read)
        else:
            rows.append(read)
    if errors:
        raise ReturnsImportError(errors)
    return rows


def import_returns(ballot: Ballot, source: IO[str] | str, actor: Any = None, name: str = "returns.csv",
                   today: date | None = None) -> dict[str, Any]:
    """Import a scanning bureau's CSV (see `read_returns`), all or nothing. Importing the same rows again, in
    any order or spelling, changes nothing ('unchanged' in the summary)."""
    _check_open_for_returns(ballot)
    try:
        rows = read_returns(ballot, source, name, today)
    except ReturnsImportError as error:
        record(actor, "ballot.returns_refused", "Ballot", ballot.pk, file=name, problems=len(error.errors))
        raise

    def body(b: Ballot) -> dict[str, Any]:
        outcomes = _store(b, rows, actor)
        statuses = Counter(o.status for o in outcomes)
        both = sum(1 for r, o in zip(rows, outcomes, strict=True)
                   if o.status != "unchanged" and "both" in r.marks.values())
        summary = {"file": name, "lines": len(rows), "counted": statuses["counted"],
                   "duplicates": statuses["duplicate"], "late": statuses["late"],
                   "unchanged": statuses["unchanged"], "marked_both_ways": both}
        record(actor, "ballot.returns_imported", "Ballot", b.pk, **summary)
        return summary

    return lifecycle.run(ballot, "record_returns", actor, body)


def close_ballot(ballot: Ballot, actor: Any = None, today: date | None = None) -> None:
    """Close the ballot after its closing day: no more returns; the count comes next."""
    today = today or date.today()

    def body(b: Ballot) -> None:
        if today <= b.closing_day:
            raise BallotError(f"Voting runs until the end of {human_date(b.closing_day)}; close after that day.")
        if b.voting_method == "electronic":  # the end of voting and the encrypted tallies join the record
            from mandate.union.electronic import services as electronic

            electronic.close_record(b.election)
        record(actor, "ballot.closed", "Ballot", b.pk, counted_papers=b.returns.filter(status="counted").count())

    lifecycle.run(ballot, "close", actor, body)


# ---------------------------------------------------------------------------------------------------------------
# Turnout (papers returned, never votes)
# ---------------------------------------------------------------------------------------------------------------


def turnout(ballot: Ballot, as_of: date | None = None) -> list[dict[str, Any]]:
    """Per unit: entitled, papers returned by `as_of` (on time, not duplicates), share, and the daily curve."""
    from mandate.union import projection

    as_of = as_of or date.today()
    entitled = dict(ballot.electors.values_list("unit_id").annotate(n=Count("pk")).order_by())
    daily: dict[int, dict[date, int]] = defaultdict(dict)
    for unit_id, day, n in (ballot.returns.filter(status="counted", received_on__lte=as_of)
                            .values_list("unit_id", "received_on")
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
    """Count a closed ballot, every unit and question through the rulebook; create the mandates. Once."""
    if ballot.is_locked:
        raise BallotError("The ballot has already been counted; a counted result cannot change.")
    return lifecycle.run(ballot, "count", actor, lambda b: _count(b, actor))


def _count(ballot: Ballot, actor: Any) -> dict[str, Any]:
    void = set(ballot.void_papers.values_list("paper_number", flat=True))
    if ballot.returns.filter(status="counted", paper_number__in=void).exists():
        raise BallotError("A counted paper has a void number: the count is refused until it is set aside.")
    if ballot.voting_method == "electronic":  # the decrypted result, once the record verifies
        from mandate.union.electronic import services as electronic

        electronic.result_figures(ballot.election)
        outcome = electronic.verify(ballot.election)
        if not outcome["ok"]:
            raise BallotError("The election record does not verify, so it is not counted: "
                              + "; ".join(outcome["failed"] or [outcome["error"] or "see mandate record verify"]))
        figures = electronic.figures_for_count(ballot)
    else:
        figures = tally(ballot)
    for f in figures.values():
        if f["votes_cast"] > f["entitled"]:
            raise BallotError(f"{f['unit'].name}: more papers counted ({f['votes_cast']}) than members entitled "
                              f"({f['entitled']}): the count is refused.")
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
        ballot.counted_at = timezone.now()
        ballot.counted_by = actor_name(actor)
        ballot.save(update_fields=["assessment", "counted_at", "counted_by"])
        record(actor, "ballot.counted", "Ballot", ballot.pk, regime=assessment["regime"],
               units=len(assessment["units"]),
               mandates=Mandate.objects.filter(ballot=ballot).count())
    return assessment


def result_rows(ballot: Ballot) -> list[UnitResult]:
    return list(UnitResult.objects.filter(unit__ballot=ballot).select_related("unit", "question"))
