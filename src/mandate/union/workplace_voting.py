"""Workplace voting: ballot boxes at the workplace, by the prior agreement of union, scrutineer and employer.

A ballot whose method is ``workplace`` sends every member their own numbered paper by post, as any ballot does
(post stays the default and the fallback), and also sets up **ballot stations**: a member comes to the station
of their ballot unit, the clerk (the scrutineer or someone acting for them, signed in with the scrutineer's
account) finds them on the frozen register and marks it, and hands over one paper from the station's stock.
The register records **who took a paper, never which**: the stock is numbered apart from the postal papers and
shuffled before voting starts. At the close each box is sealed; the scrutineer opens it at the count and records
its papers as returns, through the same store and constraints as the postal returns.

One vote per member, whichever channel comes first:
- a member whose postal paper has been returned and counted is refused a paper at a station;
- a postal paper returned by a member who already voted at a station is set aside, not counted;
- one marked-register entry per elector in the whole ballot (a database constraint), one counted return per
  paper number, and a box never holds more counted papers than the members marked at its station.

Every step goes through :func:`mandate.union.lifecycle.run`, so two clerks marking the same member at once, or a
box recorded twice, are serialised on the ballot's lock and answered as once.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from typing import IO, Any

from django.db.models import Count, Max
from django.utils import timezone

from mandate.dates import human_date
from mandate.platform.audit import record
from mandate.union import lifecycle, rules
from mandate.union.ballots import (
    COLUMN_ALIASES,
    ReturnRow,
    ReturnsImportError,
    _mark,
    actor_name,
)
from mandate.union.errors import BallotError
from mandate.union.models import (
    Ballot,
    BallotStation,
    BallotUnit,
    Elector,
    MarkedRegisterEntry,
    ReturnedPaper,
    WorkplaceVotingAgreement,
)

METHOD = "workplace"
MAX_STOCK = 100_000


def _need_workplace(ballot: Ballot) -> None:
    if ballot.voting_method != METHOD:
        raise BallotError(f"This is a {ballot.get_voting_method_display().lower()} ballot: ballot stations are only "
                          "for a ballot with workplace voting (chosen when the ballot is set up).")


def _text(value: str, what: str, limit: int) -> str:
    value = (value or "").strip()
    if not value:
        raise BallotError(f"Give {what}.")
    if len(value) > limit:
        raise BallotError(f"{what[0].upper() + what[1:]} is {len(value):,} characters long: at most {limit:,}.")
    if "\x00" in value or any(c in value for c in "\r\n"):
        raise BallotError(f"{what[0].upper() + what[1:]} must be one line of text.")
    return value


# ---------------------------------------------------------------------------------------------------------------
# Before the ballot opens: the agreement and the stations
# ---------------------------------------------------------------------------------------------------------------


def record_agreement(ballot: Ballot, *, union_agreed_by: str, union_agreed_on: date, scrutineer_agreed_by: str,
                     scrutineer_agreed_on: date, employer_agreed_by: str, employer_agreed_on: date,
                     reference: str = "", actor: Any = None, today: date | None = None) -> WorkplaceVotingAgreement:
    """Record the prior agreement of the union, the scrutineer and the employer to workplace voting (the
    rulebook's condition ``workplace_agreement_recorded``). Each must have agreed on or before today and before
    the opening day; recording it again with the same facts changes nothing, with other facts replaces it
    (until the ballot opens)."""
    today = today or date.today()
    _need_workplace(ballot)
    facts: dict[str, Any] = {"union_agreed_by": _text(union_agreed_by, "who agreed for the union", 200),
             "scrutineer_agreed_by": _text(scrutineer_agreed_by, "who agreed as scrutineer", 200),
             "employer_agreed_by": _text(employer_agreed_by, "who agreed for the employer", 200),
             "union_agreed_on": union_agreed_on, "scrutineer_agreed_on": scrutineer_agreed_on,
             "employer_agreed_on": employer_agreed_on,
             "reference": _text(reference, "the reference", 200) if reference.strip() else ""}
    for who in ("union", "scrutineer", "employer"):
        day = facts[f"{who}_agreed_on"]
        if day >= ballot.opening_day:
            raise BallotError(f"The {who}'s agreement is dated {human_date(day)}, not before the opening day "
                              f"{human_date(ballot.opening_day)}: workplace voting needs agreement in advance.")
        if day > today:
            raise BallotError(f"The {who}'s agreement is dated {human_date(day)}, after today: record an agreement "
                              "once it is made.")

    def body(b: Ballot) -> WorkplaceVotingAgreement:
        agreement, created = WorkplaceVotingAgreement.objects.update_or_create(
            ballot=b, defaults={**facts, "recorded_by": actor_name(actor)})
        record(actor, "ballot.workplace_agreement_recorded", "Ballot", b.pk, created=created,
               employer_agreed_on=facts["employer_agreed_on"])
        return agreement

    return lifecycle.run(ballot, "record_workplace_agreement", actor, body)


def add_station(ballot: Ballot, *, unit: BallotUnit | str, code: str, name: str, place: str, papers: int,
                actor: Any = None) -> BallotStation:
    """Set up a ballot station for one unit with a stock of `papers` numbered papers, numbered after every postal
    paper and every other station's stock. The same station again (same code, unit, place and stock) changes
    nothing; the same code with other facts is refused."""
    _need_workplace(ballot)
    code = _text(code, "the station's code", 32).lower()
    if not code.replace("-", "").replace("_", "").isalnum():
        raise BallotError(f"The station's code {code!r} may hold only letters, digits, - and _.")
    name = _text(name, "the station's name", 200)
    place = _text(place, "where the box stands", 300)
    if not 1 <= papers <= MAX_STOCK:
        raise BallotError(f"A station's stock is between 1 and {MAX_STOCK:,} papers, not {papers:,}.")

    def body(b: Ballot) -> BallotStation:
        target = unit if isinstance(unit, BallotUnit) else b.units.filter(name=unit).first()
        if target is None or target.ballot_id != b.pk:
            names = ", ".join(b.units.values_list("name", flat=True)) or "none yet: freeze the electorate first"
            raise BallotError(f"This ballot has no unit {unit!s}: its units are {names}.")
        existing = b.stations.filter(code=code).first()
        if existing is not None:
            if (existing.unit_id, existing.place, existing.name, existing.stock) == (target.pk, place, name, papers):
                return existing
            raise BallotError(f"Station {code} is already set up with other facts ({existing.name}, "
                              f"{existing.stock:,} papers): choose another code.")
        top = max(b.electors.aggregate(n=Max("paper_number"))["n"] or 0,
                  b.void_papers.aggregate(n=Max("replaced_by"))["n"] or 0,
                  b.stations.aggregate(n=Max("last_number"))["n"] or 0)
        # Leave room above the postal papers for replacement papers (they are numbered after the highest).
        first = max(top + 1, _postal_ceiling(b) + 1)
        station = BallotStation.objects.create(ballot=b, unit=target, code=code, name=name, place=place,
                                               first_number=first, last_number=first + papers - 1,
                                               created_by=actor_name(actor))
        record(actor, "ballot.station_set_up", "Ballot", b.pk, station=code, unit=target.name, papers=papers)
        return station

    return lifecycle.run(ballot, "set_up_station", actor, body)


def _postal_ceiling(ballot: Ballot) -> int:
    """Station stock starts above 10 times the electorate, rounded up to a round number, so replacement postal
    papers (numbered after the highest postal number) never run into it."""
    n = ballot.electors.count()
    ceiling = 1000
    while ceiling < 10 * max(n, 1):
        ceiling *= 10
    return ceiling


def stock_problems(ballot: Ballot) -> list[str]:
    """Why the ballot's workplace voting cannot open: the rulebook's conditions for the method not shown met,
    and a unit with no station."""
    if ballot.voting_method != METHOD:
        return []
    facts = {"workplace_agreement_recorded": WorkplaceVotingAgreement.objects.filter(ballot=ballot).exists(),
             "industrial_action_ballot": True,
             "scrutineer_appointed": bool(ballot.scrutineer_name)}
    problems = []
    for condition in rules.unmet_method_conditions(METHOD, ballot.opening_day, facts,
                                                   entitled=ballot.electors.count()):
        if condition.get("check") in facts:
            problems.append(f"Workplace voting needs {condition['text']} ({condition['section']}).")
    without = ballot.units.exclude(pk__in=ballot.stations.values("unit_id")).values_list("name", flat=True)
    if ballot.units.exists() and without:
        problems.append("No ballot station is set up for " + ", ".join(without) + ": members there could vote "
                        "only by post.")
    return problems


# ---------------------------------------------------------------------------------------------------------------
# While the ballot is open: the marked register
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Issue:
    station: str
    membership_number: str
    issued_on: date
    unchanged: bool


def issue_paper(ballot: Ballot, station_code: str, membership_number: str, *, actor: Any = None,
                today: date | None = None) -> Issue:
    """Mark the member on the register at `station_code` and tell the clerk to hand over one paper. Refused, in
    words, when the member is not entitled to vote in this ballot, belongs to another unit's station, already
    took a paper (here or elsewhere), already voted by post, or the station's stock is gone or its box sealed."""
    today = today or date.today()
    _need_workplace(ballot)
    number = (membership_number or "").strip()
    if not number or len(number) > 32:
        raise BallotError("Give the member's membership number (at most 32 characters).")

    def body(b: Ballot) -> Issue:
        if not b.opening_day <= today <= b.closing_day:
            raise BallotError(f"Papers are issued at stations from {human_date(b.opening_day)} to "
                              f"{human_date(b.closing_day)}, not on {human_date(today)}.")
        station = b.stations.filter(code=station_code).first()
        if station is None:
            raise BallotError(f"This ballot has no station {station_code!r}.")
        if station.sealed_at is not None:
            raise BallotError(f"The box at {station.name} was sealed: no more papers are issued there.")
        elector = Elector.objects.filter(ballot=b, membership_number=number).select_related("unit").first()
        if elector is None:
            raise BallotError(f"Membership number {number} is not on this ballot's register: the member is not "
                              "entitled to vote in it. Do not issue a paper; the official can check the register.")
        if elector.unit_id != station.unit_id:
            raise BallotError(f"This member votes in {elector.unit.name}: send them to a station for that unit, not "
                              f"{station.name} ({station.unit.name}).")
        marked = MarkedRegisterEntry.objects.filter(ballot=b, elector=elector).select_related("station").first()
        if marked is not None:
            if marked.station_id == station.pk and marked.issued_on == today:
                return Issue(station.code, number, marked.issued_on, unchanged=True)
            raise BallotError(f"This member already took a paper at {marked.station.name} on "
                              f"{human_date(marked.issued_on)}: one paper each. Do not issue another.")
        if ReturnedPaper.objects.filter(ballot=b, elector=elector, status="counted").exists():
            raise BallotError("This member has already voted by post: their vote is recorded. Do not issue a paper.")
        if MarkedRegisterEntry.objects.filter(station=station).count() >= station.stock:
            raise BallotError(f"{station.name} has issued all {station.stock:,} of its papers: the scrutineer must "
                              "set up more stock at another station.")
        MarkedRegisterEntry.objects.create(ballot=b, station=station, elector=elector, issued_on=today,
                                           issued_by=actor_name(actor))
        # The audit entry names the station, never the member: the marked register is the scrutineer's alone.
        record(actor, "ballot.station_paper_issued", "Ballot", b.pk, station=station.code)
        return Issue(station.code, number, today, unchanged=False)

    return lifecycle.run(ballot, "issue_station_paper", actor, body)


def seal_box(ballot: Ballot, station_code: str, seal_number: str, *, actor: Any = None) -> BallotStation:
    """Seal a station's box (at the close, or when the station closes early) with the seal's number. Sealing it
    again with the same seal changes nothing; with another seal is refused."""
    _need_workplace(ballot)
    seal = _text(seal_number, "the seal's number", 64)

    def body(b: Ballot) -> BallotStation:
        station = b.stations.filter(code=station_code).first()
        if station is None:
            raise BallotError(f"This ballot has no station {station_code!r}.")
        if station.sealed_at is not None:
            if station.seal_number == seal:
                return station
            raise BallotError(f"The box at {station.name} was sealed with seal {station.seal_number}, not {seal}: "
                              "a different seal means the box must be examined before the count.")
        station.sealed_at = timezone.now()
        station.seal_number = seal
        station.sealed_by = actor_name(actor)
        station.save(update_fields=["sealed_at", "seal_number", "sealed_by"])
        record(actor, "ballot.box_sealed", "Ballot", b.pk, station=station.code, seal=seal)
        return station

    return lifecycle.run(ballot, "seal_box", actor, body)


# ---------------------------------------------------------------------------------------------------------------
# At the count: the boxes' papers, as returns
# ---------------------------------------------------------------------------------------------------------------


def read_box(ballot: Ballot, station: BallotStation, source: IO[str] | str, name: str = "box.csv") -> list[ReturnRow]:
    """The papers found in a station's box, as a CSV: paper_number, then one column per question (yes, no, both
    or blank). Checked whole: a paper number outside the station's stock, a bad mark, a missing, unknown or
    repeated column refuses the file, naming each line."""
    text = source if isinstance(source, str) else source.read()
    text = text.lstrip("\ufeff")
    if "\x00" in text:
        raise ReturnsImportError(["the file holds NUL bytes: it is not a CSV text file (save it as CSV UTF-8)"])
    if "\r" in text and "\n" not in text:
        text = text.replace("\r", "\n")
    reader = csv.reader(io.StringIO(text))
    kinds = list(ballot.questions.values_list("kind", flat=True))
    header = [COLUMN_ALIASES.get(h.strip().lower(), h.strip().lower()) for h in next(reader, [])]
    wanted = ["paper_number", *kinds]
    problems = [f"line 1: the header needs a {c} column" for c in wanted if c not in header]
    problems += [f"line 1: column {h or '(unnamed)'!r} is not one of {', '.join(wanted)}"
                 for h in header if h not in wanted]
    problems += [f"line 1: column {h} is named more than once" for h in sorted(set(header)) if header.count(h) > 1]
    if problems:
        raise ReturnsImportError(problems)
    received = min(ballot.closing_day, timezone.localdate(station.sealed_at)) if station.sealed_at else ballot.closing_day
    rows: list[ReturnRow] = []
    errors: list[str] = []
    for line, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(header):
            errors.append(f"line {line}: {len(values)} fields, the header has {len(header)}")
            continue
        row = dict(zip(header, (v.strip() for v in values), strict=True))
        try:
            number = int(row["paper_number"])
        except ValueError:
            errors.append(f"line {line}: {row['paper_number'][:40]!r} is not a paper number")
            continue
        if not station.first_number <= number <= station.last_number:
            errors.append(f"line {line}: paper number {number} is not from {station.name}'s stock "
                          f"({station.first_number}–{station.last_number})")
            continue
        marks = {}
        for kind in kinds:
            mark = _mark(row[kind])
            if mark is None:
                errors.append(f"line {line}: {row[kind][:40]!r} is not a mark (yes, no, both, blank)")
                break
            marks[kind] = mark
        else:
            rows.append(ReturnRow(number, received, marks, f"box {station.code}, {name} line {line}"))
    if errors:
        raise ReturnsImportError(errors)
    return rows


def count_box(ballot: Ballot, station_code: str, source: IO[str] | str, *, name: str = "box.csv",
              actor: Any = None) -> dict[str, Any]:
    """Record a sealed box's papers as returns of the station's unit, all or nothing, after the close. The same
    papers again change nothing; a paper number twice in the box is set aside as a duplicate; a box holding
    more papers than members were marked at its station is refused whole, for the scrutineer to examine."""
    _need_workplace(ballot)
    station = ballot.stations.filter(code=station_code).first()
    if station is None:
        raise BallotError(f"This ballot has no station {station_code!r}.")
    rows = read_box(ballot, station, source, name)

    def body(b: Ballot) -> dict[str, Any]:
        st = BallotStation.objects.get(pk=station.pk)
        if st.sealed_at is None:
            raise BallotError(f"The box at {st.name} has not been sealed: seal it, with its seal number, first.")
        known = set(b.returns.filter(paper_number__gte=st.first_number, paper_number__lte=st.last_number)
                    .exclude(fingerprint="").values_list("fingerprint", flat=True))
        counted = set(b.returns.filter(status="counted", paper_number__gte=st.first_number,
                                       paper_number__lte=st.last_number).values_list("paper_number", flat=True))
        papers: list[ReturnedPaper] = []
        summary: dict[str, Any] = {"station": st.code, "lines": len(rows), "counted": 0, "duplicates": 0, "unchanged": 0}
        for row in rows:
            if row.fingerprint in known:
                summary["unchanged"] += 1
                continue
            known.add(row.fingerprint)
            if row.paper_number in counted:
                status, reason = "duplicate", f"paper {row.paper_number} is in the box twice: the first counts"
                summary["duplicates"] += 1
            else:
                status, reason = "counted", ""
                counted.add(row.paper_number)
                summary["counted"] += 1
            papers.append(ReturnedPaper(ballot=b, unit_id=st.unit_id, elector=None, paper_number=row.paper_number,
                                        received_on=row.received_on, marks=row.marks, status=status,
                                        source=row.source, fingerprint=row.fingerprint, reason=reason,
                                        recorded_by=actor_name(actor)))
        marked = MarkedRegisterEntry.objects.filter(station=st).count()
        if len(counted) > marked:
            raise BallotError(f"The box at {st.name} holds {len(counted):,} papers but only {marked:,} members were "
                              "marked on the register there: nothing was recorded. Examine the box and the seal "
                              f"({st.seal_number}) before counting it.")
        ReturnedPaper.objects.bulk_create(papers)
        if papers:
            st.counted_at = timezone.now()
            st.counted_by = actor_name(actor)
            st.save(update_fields=["counted_at", "counted_by"])
        record(actor, "ballot.box_counted", "Ballot", b.pk, **summary)
        return summary

    return lifecycle.run(ballot, "count_box", actor, body)


def voted_in_person(ballot: Ballot) -> dict[int, str]:
    """elector id -> where and when they took a paper (for setting aside their postal paper)."""
    return {e.elector_id: f"{e.station.name} on {human_date(e.issued_on)}"
            for e in MarkedRegisterEntry.objects.filter(ballot=ballot).select_related("station")}


def stations(ballot: Ballot) -> list[dict[str, Any]]:
    """Per station: its facts, papers issued (members marked), and papers counted from its box."""
    marked = dict(MarkedRegisterEntry.objects.filter(ballot=ballot).values_list("station_id")
                  .annotate(n=Count("pk")).order_by())
    out = []
    for st in ballot.stations.select_related("unit"):
        counted = ballot.returns.filter(status="counted", paper_number__gte=st.first_number,
                                        paper_number__lte=st.last_number).count()
        out.append({"station": st, "issued": marked.get(st.pk, 0), "counted": counted,
                    "left": st.stock - marked.get(st.pk, 0)})
    return out
