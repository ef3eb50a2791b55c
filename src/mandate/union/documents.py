"""The ballot's statutory documents, each HTML + PDF (platform.documents), kept with send and receipt dates.

The content of each document is chosen by the rulebook for the right trigger date: the s.226A notice by the
day the employer receives it, the voting paper and the statement of the result by the opening day.
"""

from __future__ import annotations

import hashlib
import io
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, BinaryIO

from django.template.loader import render_to_string

from mandate.platform.audit import record
from mandate.platform.documents import issue_document
from mandate.platform.models import Document
from mandate.platform.pdf import (
    NO_PAGE_NUMBERS_CSS,
    Bars,
    Box,
    StampedPdfWriter,
    Text,
    code128,
    fit,
    render_template,
    wrap,
)
from mandate.union import ballots as svc
from mandate.union import rules
from mandate.union.models import Ballot, Employer

KINDS = {
    "s226a-notice": "Notice of ballot (s.226A)",
    "sample-paper": "Sample voting paper (s.226A(1)(b))",
    "voting-papers": "Voting papers (s.229)",
    "address-sheets": "Address sheets for the voting papers (s.230(2))",
    "s231-result": "Result to members (s.231)",
    "s231a-result": "Result to the employer (s.231A)",
    "s231b-report": "Scrutineer's report (s.231B)",
}
TO_EMPLOYER = {"s226a-notice", "sample-paper", "s231a-result"}


def ballot_documents(ballot: Ballot) -> list[Document]:
    return list(Document.objects.filter(related_type="Ballot", related_id=str(ballot.pk)).defer("pdf", "html")
                .order_by("created_at"))


def _issue(ballot: Ballot, kind: str, title: str, template: str, context: dict[str, Any], *, actor: Any,
           employer: Employer | None = None, sent_on: date | None = None, received_on: date | None = None) -> Document:
    doc = issue_document(
        kind=kind, title=title, template=template, context={"union": ballot.union, "ballot": ballot, "title": title,
                                                            "sent_on": sent_on, **context},
        issued_by_side="union", issued_by_scope=ballot.union.code,
        addressed_to_scope=employer.code if employer else "", sent_on=sent_on, received_on=received_on,
        related=ballot)
    record(actor, "document.issued", "Ballot", ballot.pk, kind=kind, document=doc.pk,
           employer=employer.code if employer else "", sent_on=sent_on, received_on=received_on)
    return doc


def _require_frozen(ballot: Ballot) -> None:
    if ballot.status == "draft":
        raise svc.BallotError("Freeze the electorate first: the documents are built from it.")


def issue_notice(ballot: Ballot, employer: Employer, *, sent_on: date, expected_receipt: date,
                 actor: Any = None) -> Document:
    """The s.226A notice, its content fixed by the rulebook for the day the employer will receive it."""
    _require_frozen(ballot)
    req = rules.notice_requirements(expected_receipt)
    ids = {i["id"] for i in req["items"]}
    context = {"employer": employer, "figures": svc.notice_figures(ballot, employer), "requirements": req,
               "show_per_category": "per_category" in ids, "show_per_workplace": "per_workplace" in ids,
               "show_explanation": "explanation" in ids}
    return _issue(ballot, "s226a-notice", f"Notice of ballot to {employer.name}", "union/docs/s226a_notice.html",
                  context, actor=actor, employer=employer, sent_on=sent_on)


def _paper_context(ballot: Ballot) -> dict[str, Any]:
    req = rules.paper_requirements(ballot.opening_day)
    paper = {i["id"]: True for i in req["items"]}
    if not rules.needs_scrutineer(ballot):
        paper.pop("scrutineer_name", None)
    return {"paper": paper, "statement": req["statement"], "questions": list(ballot.questions.all()),
            "requirements": req}


def issue_sample(ballot: Ballot, employer: Employer, *, sent_on: date, actor: Any = None) -> Document:
    _require_frozen(ballot)
    ctx = _paper_context(ballot)
    html = render_to_string("union/docs/voting_papers.html", {
        **ctx, "union": ballot.union, "ballot": ballot, "title": "Sample voting paper", "sample": True,
        "papers": [{"number": "(sample)", "name": "", "address": "", "unit": "each workplace"}]})
    doc = _issue(ballot, "sample-paper", f"Sample voting paper to {employer.name}", "union/docs/_base.html",
                 {}, actor=actor, employer=employer, sent_on=sent_on)
    from mandate.platform.documents import html_to_pdf

    doc.html, doc.pdf = html, html_to_pdf(html)
    doc.sha256 = hashlib.sha256(html.encode()).hexdigest()
    doc.save(update_fields=["html", "pdf", "sha256"])
    return doc


@dataclass(frozen=True)
class PaperFor:
    """One paper to print: its number, the ballot unit it votes in, and the member it is posted to (the name
    and address go on the address sheet only, never on the paper)."""

    number: int
    unit: str
    name: str
    address: str


PAPER_CSS = NO_PAGE_NUMBERS_CSS  # a paper stands alone: no "page n of N" in the margin


def _code_stamp(box: Box, number: int) -> Bars:
    """The paper's number as a Code 128 barcode, centred in the template's code box with quiet zones of ten
    modules. It encodes the number exactly as the returns file's paper_number column gives it (decimal digits,
    no prefix, no leading zeros), so a bureau's scanner writes that column as it reads."""
    modules = code128(str(number))
    module = min(1.2, box.width / (len(modules) + 20))
    return Bars(box.left + (box.width - module * len(modules)) / 2, box.bottom + 1, module, box.height - 2, modules)


def _address_stamps(box: Box, paper: PaperFor) -> list[Text]:
    size, leading = 10.0, 12.5
    lines = [fit(" ".join(paper.name.split()), size, box.width, bold=True)]
    lines += wrap(paper.address, size, box.width, lines=int(box.height // leading) - 1)
    return [Text(box.left, box.top - size - i * leading, size, line, bold=i == 0) for i, line in enumerate(lines)]


def render_papers(ballot: Ballot, papers: Iterable[PaperFor], papers_out: BinaryIO, sheets_out: BinaryIO, *,
                  replacement: bool = False) -> int:
    """Write the voting papers to ``papers_out`` and their address sheets (the same order, one a paper) to
    ``sheets_out``, as two PDFs; return the number of papers.

    Each ballot unit's paper is laid out once by WeasyPrint (its statutory content for the opening day, from
    the rulebook), and each paper is that page with its number and barcode stamped on it; each address sheet
    is one laid-out sheet with the member's name, address and the paper's number stamped on it. Both files are
    written as the papers come, so memory does not grow with the electorate. ``replacement`` heads the papers
    and sheets as replacements."""
    ctx = {**_paper_context(ballot), "union": ballot.union, "ballot": ballot, "replacement": replacement}
    out, sheets = StampedPdfWriter(papers_out), StampedPdfWriter(sheets_out)
    sheet = render_template(render_to_string("union/docs/address_sheets.html", {
        **ctx, "title": "Address sheet", "sheets": [{"number": ""}]}), PAPER_CSS)
    sheet_form = sheets.add_forms(sheet.pdf)[0]
    window, sheet_number = sheet.anchors[0]["stamp-address"], sheet.anchors[0]["stamp-number"]
    units: dict[str, tuple[int, Box, Box]] = {}
    for paper in papers:
        if paper.unit not in units:
            tpl = render_template(render_to_string("union/docs/voting_papers.html", {
                **ctx, "title": "Voting paper", "papers": [{"number": "", "unit": paper.unit}]}), PAPER_CSS)
            forms = out.add_forms(tpl.pdf)
            if len(forms) != 1:
                raise svc.BallotError(f"The voting paper for {paper.unit} runs to {len(forms)} pages; a paper must "
                                      "fit one page (shorten the summary of the matters in dispute).")
            units[paper.unit] = (forms[0], tpl.anchors[0]["stamp-number"], tpl.anchors[0]["stamp-code"])
        form, number_box, code_box = units[paper.unit]
        number = str(paper.number)
        out.add_page(form, [Text(number_box.left, number_box.bottom, 10.5, number, bold=True),
                            _code_stamp(code_box, paper.number)])
        sheets.add_page(sheet_form, [*_address_stamps(window, paper),
                                     Text(sheet_number.left, sheet_number.bottom, 10.5, number, bold=True)])
    if not out.pages:
        raise svc.BallotError("There are no papers to print.")
    sheets.close()
    return out.close()


def render_replacement_papers(ballot: Ballot, papers: Sequence[PaperFor]) -> tuple[bytes, bytes]:
    """Replacement papers for named members (spoilt, lost, never received): each ``PaperFor`` carries the new
    number the ballot gave the member. Returns (papers PDF, address sheets PDF), headed as replacements; the
    caller stores them and voids the old numbers."""
    if not papers:
        raise svc.BallotError("Name at least one member to send a replacement paper to.")
    numbers = [p.number for p in papers]
    if len(set(numbers)) != len(numbers) or min(numbers) < 1:
        raise svc.BallotError("Each replacement paper needs its own new number.")
    papers_out, sheets_out = io.BytesIO(), io.BytesIO()
    render_papers(ballot, papers, papers_out, sheets_out, replacement=True)
    return papers_out.getvalue(), sheets_out.getvalue()


ADDRESS_SHEETS = "BallotAddressSheets"  # related_type: not listed or served with the ballot's other documents


def _electors(ballot: Ballot) -> Iterator[PaperFor]:
    """The frozen electorate in paper-number order, read in chunks; refused unless numbered 1, 2, 3, ..."""
    expected = 1
    for number, unit, name, address in (ballot.electors.order_by("paper_number")
                                        .values_list("paper_number", "unit__name", "name", "home_address")
                                        .iterator(chunk_size=5000)):
        if number != expected:
            raise svc.BallotError("Paper numbers are not one consecutive series: re-freeze the electorate.")
        expected += 1
        yield PaperFor(number, unit, name, address)


def issue_voting_papers(ballot: Ballot, *, actor: Any = None) -> Document:
    """Every elector's paper, numbered consecutively, in one print-ready PDF, and their address sheets (the
    same order) in another: the voting papers carry no member's name or address. Returns the papers'
    document; ``address_sheets(ballot)`` gives the sheets'."""
    _require_frozen(ballot)
    with tempfile.TemporaryFile() as papers_file, tempfile.TemporaryFile() as sheets_file:
        count = render_papers(ballot, _electors(ballot), papers_file, sheets_file)
        papers_file.seek(0)
        sheets_file.seek(0)
        pdf, sheets_pdf = papers_file.read(), sheets_file.read()
    units = list(ballot.units.order_by("name").values_list("name", flat=True))
    ctx = {**_paper_context(ballot), "union": ballot.union, "ballot": ballot}
    html = render_to_string("union/docs/voting_papers.html", {
        **ctx, "title": f"Voting papers, numbers 1 to {count}: each ballot unit's paper, on which each paper's "
                        "number and barcode are printed", "papers": [{"number": "", "unit": u} for u in units]})
    sheets_html = render_to_string("union/docs/address_sheets.html", {
        **ctx, "title": f"Address sheets for voting papers 1 to {count}", "sample": True,
        "sheets": [{"number": ""}]})
    doc = Document.objects.create(
        kind="voting-papers", title=f"Voting papers, numbers 1 to {count}", issued_by_side="union",
        issued_by_scope=ballot.union.code, html=html, pdf=pdf, sha256=hashlib.sha256(pdf).hexdigest(),
        related_type="Ballot", related_id=str(ballot.pk))
    sheets_doc = Document.objects.create(
        kind="address-sheets", title=f"Address sheets for voting papers 1 to {count}", issued_by_side="union",
        issued_by_scope=ballot.union.code, html=sheets_html, pdf=sheets_pdf,
        sha256=hashlib.sha256(sheets_pdf).hexdigest(), related_type=ADDRESS_SHEETS, related_id=str(ballot.pk))
    record(actor, "document.issued", "Ballot", ballot.pk, kind="voting-papers", document=doc.pk,
           address_sheets=sheets_doc.pk, papers=count, first=1, last=count)
    return doc


def address_sheets(ballot: Ballot, pk: int | None = None) -> Document | None:
    """The ballot's address sheets with id ``pk``, or the latest (every elector's name and home address)."""
    sheets = all_address_sheets(ballot, with_pdf=True)
    return sheets.filter(pk=pk).first() if pk is not None else sheets.first()


def all_address_sheets(ballot: Ballot, *, with_pdf: bool = False) -> Any:
    """Every address-sheets document of the ballot (the print run's, then each replacement's), newest first."""
    found = (Document.objects.filter(kind="address-sheets", related_type=ADDRESS_SHEETS, related_id=str(ballot.pk))
             .order_by("-created_at", "-pk"))
    return found.defer("html") if with_pdf else found.defer("html", "pdf")


def _result_units(ballot: Ballot, employer: Employer | None) -> list[dict[str, Any]]:
    rows = svc.result_rows(ballot)
    overseas = {r.unit.name: r.overseas for r in rows}
    unit_names = None
    if employer is not None:
        unit_names = set(ballot.electors.filter(employer=employer).values_list("unit__name", flat=True))
    out = []
    for unit in ballot.assessment.get("units", []):
        if unit_names is not None and unit["name"] not in unit_names:
            continue
        items = []
        for item in unit.get("result_information", []):
            value = item["value"]
            if isinstance(value, dict):
                shown = "<br>".join(f"{k.replace('_', ' ').capitalize()}: {_yn(v)}" for k, v in value.items())
            else:
                shown = _yn(value)
            if value is None:
                continue
            items.append({**item, "shown": shown})
        out.append({"name": unit["name"], "items": items, "overseas": overseas.get(unit["name"], 0)})
    return out


def _yn(value: Any) -> str:
    if value is True:
        return "Yes"
    if value is False:
        return "No"
    return str(value)


def _require_counted(ballot: Ballot) -> None:
    if ballot.status != "counted":
        raise svc.BallotError("The ballot has not been counted yet.")


def issue_result_to_members(ballot: Ballot, *, sent_on: date, actor: Any = None) -> Document:
    _require_counted(ballot)
    return _issue(ballot, "s231-result", "Result of the ballot, for members", "union/docs/result.html",
                  {"units": _result_units(ballot, None), "warnings": ballot.assessment.get("warnings", []),
                   "employer": None, "election_record": _election_record(ballot)}, actor=actor, sent_on=sent_on)


def _election_record(ballot: Ballot) -> dict[str, Any] | None:
    """An electronic ballot's record as the s.231 result and the s.231B report state it (fingerprint, head hash,
    the verifier's outcome); None for a ballot without one."""
    from mandate.union.electronic.services import record_statement

    return record_statement(ballot)


def issue_result_to_employer(ballot: Ballot, employer: Employer, *, sent_on: date, actor: Any = None) -> Document:
    _require_counted(ballot)
    return _issue(ballot, "s231a-result", f"Result of the ballot, for {employer.name}", "union/docs/result.html",
                  {"units": _result_units(ballot, employer), "warnings": [], "employer": employer},
                  actor=actor, employer=employer, sent_on=sent_on)


def issue_scrutineer_report(ballot: Ballot, *, sent_on: date, satisfied: dict[str, bool] | None = None,
                            reasons: dict[str, str] | None = None, actor: Any = None) -> Document:
    _require_counted(ballot)
    satisfied = {k: True for k in ("no_contravention", "security", "independence")} | (satisfied or {})
    missing = [k for k, ok in satisfied.items() if not ok and not (reasons or {}).get(k)]
    if missing:
        raise svc.BallotError("Where the scrutineer is not satisfied, the report must give reasons (s.231B(1)).")
    rows = svc.result_rows(ballot)
    units: dict[str, dict[str, Any]] = {}
    for r in rows:
        units.setdefault(r.unit.name, {"name": r.unit.name, "rows": []})["rows"].append(r)
    returns = ballot.returns
    t = rules.timeline_for(ballot)
    context = {"satisfied": satisfied, "reasons": reasons or {}, "units": list(units.values()),
               "issued": ballot.electors.count(), "counted": returns.filter(status="counted").count(),
               "duplicates": returns.filter(status="duplicate").count(),
               "late": returns.filter(status="late").count(), "report_by": t.get("report_by"),
               "copy_months": rules.report_copy_months(ballot.opening_day),
               "election_record": _election_record(ballot)}
    return _issue(ballot, "s231b-report", "Scrutineer's report", "union/docs/scrutineer_report.html", context,
                  actor=actor, sent_on=sent_on)


def record_dates(document: Document, ballot: Ballot, *, sent_on: date | None = None,
                 received_on: date | None = None, actor: Any = None) -> str:
    """Record the day a ballot's document was sent or received; return a warning to show, or "" if none
    (a notice received under another regime than the one it was drafted for)."""
    if document.related_type != "Ballot" or document.related_id != str(ballot.pk):
        raise svc.BallotError("That document belongs to another ballot.")
    if ballot.status in ("open", "counted") and document.kind in ("s226a-notice", "sample-paper"):
        raise svc.BallotError("The notices of an open ballot are fixed.")
    fields = []
    if sent_on is not None:
        document.sent_on = sent_on
        fields.append("sent_on")
    if received_on is not None:
        if document.sent_on and received_on < document.sent_on:
            raise svc.BallotError("A document cannot be received before it was sent.")
        document.received_on = received_on
        fields.append("received_on")
    if fields:
        Document.objects.filter(pk=document.pk).update(**{f: getattr(document, f) for f in fields})
    warning = ""
    if document.kind == "s226a-notice" and received_on is not None:
        drafted_for = rules.notice_regime_in_document(document)
        actual = rules.regime("ballot_notice_receipt", received_on)["id"]
        if drafted_for and drafted_for != actual:
            warning = (f"This notice was drafted for regime {drafted_for} but was received under {actual}: "
                       "issue a new notice with the right content.")
    record(actor, "document.dates_recorded", "Ballot", ballot.pk, document=document.pk, kind=document.kind,
           sent_on=document.sent_on, received_on=document.received_on, warning=warning)
    return warning
