"""The union wing's steps, one function each, called alike by the pages, the `mandate ballot` commands and the
background jobs. Each step goes through the lifecycle (`union/lifecycle.py`: its stage, its role, the ballot's
lock, one transaction: a refusal part-way, the results for the third of several employers say, leaves nothing
issued) and owns its refusals (`BallotError`, worded as a sentence for the page or the terminal). The views and
the CLI only read their input and show the outcome.

Issued documents are immutable: each is registered (`IssuedDocument`) as current until a withdrawal or a
correction marks it withdrawn or superseded, with the reason and who; the database allows one current document
of a kind per ballot and addressee. The steps of the ballot itself (set-up, opening, returns, close, count)
are in `union/ballots.py`, through the same lifecycle, and are named here too so that callers need one module.
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

from django.template.loader import render_to_string

from mandate.dates import human_date
from mandate.platform.audit import record
from mandate.platform.models import Document
from mandate.union import ballots as svc
from mandate.union import documents as docs
from mandate.union import lifecycle
from mandate.union.errors import BallotError
from mandate.union.models import Ballot, BallotStep, Elector, IssuedDocument, VoidPaper

__all__ = ["BallotError", "close_ballot", "correct_report", "correct_results", "count", "freeze_electorate",
           "import_returns", "issue_notices", "issue_report", "issue_results", "issue_voting_papers",
           "open_ballot", "record_credentials_sent", "record_document_dates", "record_omission", "record_return", "replace_papers",
           "unfreeze_electorate", "update_dates", "withdraw_notices"]

update_dates = svc.update_dates
freeze_electorate = svc.freeze_electorate
unfreeze_electorate = svc.unfreeze_electorate
record_omission = svc.record_omission
record_return = svc.record_return
import_returns = svc.import_returns
close_ballot = svc.close_ballot

NOTICE_KINDS = ("s226a-notice", "sample-paper")
PAPER_KINDS = ("voting-papers", "replacement-papers")
RESULT_KINDS = ("s231-result", "s231a-result")


def _register(ballot: Ballot, doc: Document, *, addressee: str = "", supersedes: IssuedDocument | None = None,
              reason: str = "", actor: Any = None) -> IssuedDocument:
    return IssuedDocument.objects.create(
        ballot=ballot, document=doc, kind=doc.kind, addressee=addressee, supersedes=supersedes, reason=reason,
        changed_by=svc.actor_name(actor) if supersedes else "", changed_on=date.today() if supersedes else None)


def _retire(items: list[IssuedDocument], state: str, reason: str, actor: Any, on: date) -> None:
    for item in items:
        item.state, item.reason, item.changed_by, item.changed_on = state, reason, svc.actor_name(actor), on
        item.save(update_fields=["state", "reason", "changed_by", "changed_on"])


def _not_future(day: date, what: str, today: date) -> None:
    if day > today:
        raise BallotError(f"{what} is dated {human_date(day)}, after today ({human_date(today)}): record it on "
                          "or after the day it happens.")


def _need_reason(reason: str, what: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise BallotError(f"Give the reason for {what}: it is kept with the record.")
    if len(reason) > 2000:
        raise BallotError(f"The reason for {what} is too long ({len(reason)} characters; at most 2000).")
    return reason


# ---------------------------------------------------------------------------------------------------------------
# Notices
# ---------------------------------------------------------------------------------------------------------------


def issue_notices(ballot: Ballot, *, sent_on: date, expected_receipt: date | None = None,
                  received_on: date | None = None, sample_sent_on: date | None = None,
                  sample_received_on: date | None = None, actor: Any = None,
                  today: date | None = None) -> list[Document]:
    """The notice of ballot (s.226A) and the sample voting paper to every employer in the electorate, all or
    none; from set-up, with the electorate frozen. `expected_receipt` (default the receipt date, else `sent_on`)
    chooses the notice's content by the law on that day. After a withdrawal the new notices are sent no
    earlier than it, so their statutory periods run from the new notice."""
    today = today or date.today()
    expected = expected_receipt or received_on or sent_on
    for day, what in ((sent_on, "The notice"), (sample_sent_on or sent_on, "The sample paper")):
        _not_future(day, what, today)

    def body(b: Ballot) -> list[Document]:
        if b.status != "frozen":
            raise BallotError("Freeze the electorate first: the notices state its figures.")
        withdrawn = b.steps.filter(step="withdraw_notices").order_by("-at").first()
        if withdrawn is not None:
            since = date.fromisoformat(withdrawn.detail["withdrawn_on"])
            if sent_on < since:
                raise BallotError(f"The notices were withdrawn on {human_date(since)}: a new notice is sent on or "
                                  f"after that day, not {human_date(sent_on)}.")
        made: list[Document] = []
        for employer in svc.employers_in_electorate(b):
            notice = docs.issue_notice(b, employer, sent_on=sent_on, expected_receipt=expected, actor=actor)
            sample = docs.issue_sample(b, employer, sent_on=sample_sent_on or sent_on, actor=actor)
            for doc in (notice, sample):
                _register(b, doc, addressee=employer.code)
            if received_on is not None:
                _record_dates(b, notice, None, received_on, actor, today)
                _record_dates(b, sample, None, sample_received_on or received_on, actor, today)
            made += [notice, sample]
        return made

    return lifecycle.run(ballot, "issue_notices", actor, body)


def withdraw_notices(ballot: Ballot, *, reason: str, withdrawn_on: date | None = None, actor: Any = None,
                     today: date | None = None) -> int:
    """Withdraw the notices of ballot (and the sample papers and any voting papers, which state the same
    facts), recording the reason and who; the ballot returns to set-up, where its dates, units, questions and
    electorate can change, and new notices whose periods run afresh can be issued. Refused once the ballot has
    opened. Returns the number of documents withdrawn."""
    today = today or date.today()
    withdrawn_on = withdrawn_on or today
    reason = _need_reason(reason, "withdrawing the notices")
    _not_future(withdrawn_on, "The withdrawal", today)

    def body(b: Ballot) -> int:
        if b.voting_method == "electronic" and hasattr(b, "election"):
            raise BallotError("The electronic ballot's election record has begun: it states the questions and units "
                              "the notices stated, and the trustees' keys are bound to it. The notices cannot be "
                              "withdrawn; set up a new ballot instead.")
        current = list(IssuedDocument.objects.filter(ballot=b, state="current", kind__in=NOTICE_KINDS + PAPER_KINDS)
                       .select_related("document"))
        sent = [i.document.sent_on for i in current if i.kind in NOTICE_KINDS and i.document.sent_on]
        if sent and withdrawn_on < max(sent):
            raise BallotError(f"The notices were sent on {human_date(max(sent))}: they cannot be withdrawn "
                              f"before that ({human_date(withdrawn_on)}).")
        _retire(current, "withdrawn", reason, actor, withdrawn_on)
        record(actor, "ballot.notices_withdrawn", "Ballot", b.pk, documents=len(current), withdrawn_on=withdrawn_on)
        return len(current)

    return lifecycle.run(ballot, "withdraw_notices", actor, body, reason=reason,
                         detail={"withdrawn_on": withdrawn_on.isoformat()})


def withdrawals(ballot: Ballot) -> list[BallotStep]:
    """The notices' withdrawals, each with its day (`withdrawn_on`), the reason and who."""
    out = list(ballot.steps.filter(step="withdraw_notices").order_by("at"))
    for step in out:
        step.withdrawn_on = date.fromisoformat(step.detail["withdrawn_on"])  # type: ignore[attr-defined]
    return out


def record_document_dates(ballot: Ballot, document: Document, *, sent_on: date | None = None,
                          received_on: date | None = None, actor: Any = None, today: date | None = None) -> str:
    """The day a ballot's document was sent or received; returns a warning to show, or "". A notice's or sample
    paper's dates are fixed once the ballot opens; a withdrawn or superseded document's are fixed."""
    today = today or date.today()
    step = "record_notice_dates" if document.kind in NOTICE_KINDS else "record_document_dates"
    return lifecycle.run(ballot, step, actor,
                         lambda b: _record_dates(b, document, sent_on, received_on, actor, today))


def _record_dates(ballot: Ballot, document: Document, sent_on: date | None, received_on: date | None, actor: Any,
                  today: date) -> str:
    for day, what in ((sent_on, "The sending"), (received_on, "The receipt")):
        if day is not None:
            _not_future(day, what, today)
    issued = IssuedDocument.objects.filter(document=document).first()
    if issued is not None and issued.state != "current":
        raise BallotError(f"That document was {issued.state} on {human_date(issued.changed_on or today)}: its dates "
                          "are fixed.")
    return docs.record_dates(document, ballot, sent_on=sent_on, received_on=received_on, actor=actor)


# ---------------------------------------------------------------------------------------------------------------
# Voting papers and their replacements
# ---------------------------------------------------------------------------------------------------------------


def issue_voting_papers(ballot: Ballot, *, actor: Any = None) -> Document:
    """Every elector's paper, numbered 1 to N, once (the long render: the platform's jobs call this too)."""

    if ballot.voting_method == "electronic":
        raise BallotError("An electronic ballot has no voting papers: record that the credential authority has "
                          "sent the credentials instead (`mandate ballot credentials-sent`).")

    def body(b: Ballot) -> Document:
        doc = docs.issue_voting_papers(b, actor=actor)
        _register(b, doc)
        return doc

    return lifecycle.run(ballot, "issue_papers", actor, body)


def record_credentials_sent(ballot: Ballot, *, actor: Any = None) -> None:
    """An electronic ballot's 'voting papers issued': the credential authority has sent each member their
    credential (the signed list is in the record)."""
    from mandate.union.electronic import services as electronic

    lifecycle.run(ballot, "issue_papers", actor, lambda b: electronic.credentials_sent(b, actor))


def replace_papers(ballot: Ballot, membership_numbers: list[str], *, reason: str, actor: Any = None) -> Document:
    """Replacement voting papers for named members whose paper was spoilt, lost or never received: each gets
    a new number after every number used so far, the old number is void (a paper returned with it is refused),
    and the papers are one new document. Refused for a member not in the electorate, named twice, or whose
    paper has already come back counted."""
    reasons = dict(VoidPaper.REASON_CHOICES)
    if reason not in reasons:
        raise BallotError("Say why the paper is replaced: spoilt, lost or never received.")
    wanted = [n.strip() for n in membership_numbers if n.strip()]
    if not wanted:
        raise BallotError("Name the members (membership numbers) who need a replacement paper.")
    repeated = sorted({n for n in wanted if wanted.count(n) > 1})
    if repeated:
        raise BallotError(f"Membership number(s) named twice: {', '.join(repeated)}.")

    def body(b: Ballot) -> Document:
        electors = {e.membership_number: e for e in b.electors.filter(membership_number__in=wanted)
                    .select_related("unit")}
        unknown = [n for n in wanted if n not in electors]
        if unknown:
            raise BallotError(f"Not in this ballot's electorate: {', '.join(unknown)}.")
        back = set(b.returns.filter(status="counted", paper_number__in=[e.paper_number for e in electors.values()])
                   .values_list("paper_number", flat=True))
        if back:
            names = [e.membership_number for e in electors.values() if e.paper_number in back]
            raise BallotError(f"The paper of {', '.join(names)} has already come back and is counted: it cannot "
                              "be replaced.")
        used = max([*b.electors.values_list("paper_number", flat=True),
                    *b.void_papers.values_list("paper_number", flat=True), 0])
        replaced: list[Elector] = []
        for n in wanted:
            e = electors[n]
            used += 1
            VoidPaper.objects.create(ballot=b, elector=e, paper_number=e.paper_number, replaced_by=used,
                                     reason=reason, voided_by=svc.actor_name(actor))
            e.paper_number = used
            e.save(update_fields=["paper_number"])
            replaced.append(e)
        doc = _render_replacements(b, replaced, reasons[reason].lower())
        _register(b, doc, addressee=f"run-{doc.pk}")
        record(actor, "document.issued", "Ballot", b.pk, kind="replacement-papers", document=doc.pk,
               papers=len(replaced), reason=reason)
        return doc

    return lifecycle.run(ballot, "replace_papers", actor, body, reason=reason,
                         detail={"members": len(wanted)})


def _render_replacements(ballot: Ballot, electors: list[Elector], why: str) -> Document:
    """The replacement papers, stamped as the voting papers are (union/documents.py), with their address sheets
    in a document of their own: a replacement paper carries no member's name or address either."""
    papers_pdf, sheets_pdf = docs.render_replacement_papers(
        ballot, [docs.PaperFor(e.paper_number, e.unit.name, e.name, e.home_address) for e in electors])
    numbers = ", ".join(str(e.paper_number) for e in electors)
    ctx = {**docs._paper_context(ballot), "union": ballot.union, "ballot": ballot}
    units = sorted({e.unit.name for e in electors})
    html = render_to_string("union/docs/voting_papers.html", {
        **ctx, "title": f"Replacement voting papers ({why}), numbers {numbers}",
        "papers": [{"number": "", "unit": u} for u in units]})
    doc = Document.objects.create(
        kind="replacement-papers", title=f"Replacement voting papers ({why}), numbers {numbers}",
        issued_by_side="union", issued_by_scope=ballot.union.code, html=html, pdf=papers_pdf,
        sha256=hashlib.sha256(papers_pdf).hexdigest(), related_type="Ballot", related_id=str(ballot.pk))
    Document.objects.create(
        kind="address-sheets", title=f"Address sheets for replacement voting papers, numbers {numbers}",
        issued_by_side="union", issued_by_scope=ballot.union.code, html="", pdf=sheets_pdf,
        sha256=hashlib.sha256(sheets_pdf).hexdigest(), related_type=docs.ADDRESS_SHEETS,
        related_id=str(ballot.pk))
    return doc


# ---------------------------------------------------------------------------------------------------------------
# Opening, the count
# ---------------------------------------------------------------------------------------------------------------


def open_ballot(ballot: Ballot, *, actor: Any = None, today: date | None = None) -> None:
    svc.open_ballot(ballot, actor, today=today)


def count(ballot: Ballot, *, actor: Any = None, today: date | None = None) -> dict[str, Any]:
    """Close the ballot if it is still open (after its closing day), then count it."""
    if ballot.stage == "open":
        svc.close_ballot(ballot, actor, today=today)
    return svc.count(ballot, actor, today=today)


# ---------------------------------------------------------------------------------------------------------------
# Results and the scrutineer's report: issued once; a correction supersedes, with its reason
# ---------------------------------------------------------------------------------------------------------------


def _result_documents(b: Ballot, sent_on: date, actor: Any,
                      old: dict[str, IssuedDocument] | None = None, reason: str = "") -> list[Document]:
    made = [docs.issue_result_to_members(b, sent_on=sent_on, actor=actor)]
    _register(b, made[0], supersedes=(old or {}).get(""), reason=reason, actor=actor)
    for employer in svc.employers_in_electorate(b):
        doc = docs.issue_result_to_employer(b, employer, sent_on=sent_on, actor=actor)
        _register(b, doc, addressee=employer.code, supersedes=(old or {}).get(employer.code), reason=reason,
                  actor=actor)
        made.append(doc)
    return made


def _check_sent(b: Ballot, sent_on: date, today: date) -> None:
    _not_future(sent_on, "The result", today)
    if sent_on < b.closing_day:
        raise BallotError(f"The result cannot be sent ({human_date(sent_on)}) before the ballot closed "
                          f"({human_date(b.closing_day)}).")


def issue_results(ballot: Ballot, *, sent_on: date, actor: Any = None, today: date | None = None) -> list[Document]:
    """The result to members (s.231) and to every employer in the electorate (s.231A), all or none, once."""
    today = today or date.today()

    def body(b: Ballot) -> list[Document]:
        _check_sent(b, sent_on, today)
        return _result_documents(b, sent_on, actor)

    return lifecycle.run(ballot, "issue_results", actor, body)


def correct_results(ballot: Ballot, *, reason: str, sent_on: date, actor: Any = None,
                    today: date | None = None) -> list[Document]:
    """Issue the results again as a correction: each new document supersedes the one it corrects, with the
    reason; the superseded ones stay, shown as superseded."""
    today = today or date.today()
    reason = _need_reason(reason, "the correction")

    def body(b: Ballot) -> list[Document]:
        _check_sent(b, sent_on, today)
        old = {i.addressee: i for i in IssuedDocument.objects.filter(ballot=b, state="current", kind__in=RESULT_KINDS)}
        _retire(list(old.values()), "superseded", reason, actor, today)
        return _result_documents(b, sent_on, actor, old, reason)

    return lifecycle.run(ballot, "correct_results", actor, body, reason=reason)


def _report(b: Ballot, sent_on: date, satisfied: dict[str, bool] | None, reasons: dict[str, str] | None,
            actor: Any, today: date) -> Document:
    _not_future(sent_on, "The report", today)
    if sent_on < b.closing_day:
        raise BallotError(f"The report cannot be dated ({human_date(sent_on)}) before the ballot closed "
                          f"({human_date(b.closing_day)}).")
    return docs.issue_scrutineer_report(b, sent_on=sent_on, satisfied=satisfied, reasons=reasons, actor=actor)


def issue_report(ballot: Ballot, *, sent_on: date, satisfied: dict[str, bool] | None = None,
                 reasons: dict[str, str] | None = None, actor: Any = None, today: date | None = None) -> Document:
    """The scrutineer's report (s.231B), once a ballot."""
    today = today or date.today()

    def body(b: Ballot) -> Document:
        doc = _report(b, sent_on, satisfied, reasons, actor, today)
        _register(b, doc)
        return doc

    return lifecycle.run(ballot, "issue_report", actor, body)


def correct_report(ballot: Ballot, *, reason: str, sent_on: date, satisfied: dict[str, bool] | None = None,
                   reasons: dict[str, str] | None = None, actor: Any = None, today: date | None = None) -> Document:
    """A corrected scrutineer's report that supersedes the current one, with the reason."""
    today = today or date.today()
    reason = _need_reason(reason, "the correction")

    def body(b: Ballot) -> Document:
        old = IssuedDocument.objects.get(ballot=b, state="current", kind="s231b-report")
        _retire([old], "superseded", reason, actor, today)
        doc = _report(b, sent_on, satisfied, reasons, actor, today)
        _register(b, doc, supersedes=old, reason=reason, actor=actor)
        return doc

    return lifecycle.run(ballot, "correct_report", actor, body, reason=reason)


def document_states(ballot: Ballot) -> dict[int, IssuedDocument]:
    """document id -> its registration (state, reason, what it supersedes), for the pages."""
    return {i.document_id: i for i in IssuedDocument.objects.filter(ballot=ballot).select_related("supersedes")}
