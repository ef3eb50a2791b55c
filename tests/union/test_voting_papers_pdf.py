"""Voting papers by stamping: each unit's paper laid out once by WeasyPrint, each paper's number and barcode
stamped on it; the members' names and addresses on separate address sheets. Checked page by page: the text
pypdf extracts, and pages rendered to images by PDFium (pypdfium2, another PDF implementation than the one that
wrote them) against the template WeasyPrint rendered; the barcode is read back from the pixels and imported as
a bureau's returns file."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pypdfium2 as pdfium
import pytest
from barcode.charsets.code128 import CODES, STOP
from PIL import ImageChops
from pypdf import PdfReader
from tests.union.helpers import register_csv

from mandate.platform.pdf import Box, render_template
from mandate.union import ballots as svc
from mandate.union import documents as docs
from mandate.union.models import Dispute, Elector, Employer
from mandate.union.register import import_register

pytestmark = pytest.mark.django_db

SCALE = 2.0  # pixels a PDF point in the rendered images


@pytest.fixture
def ballot(union_org):
    import_register(union_org, register_csv({"newport": 40, "titchfield": 25}))
    ons = Employer.objects.get(code="ons")
    dispute = Dispute.objects.create(union=union_org, code="d", title="Attendance", matters="40%",
                                     opened_on=date(2024, 4, 1))
    ballot = svc.create_ballot(union_org, dispute, code="b", title="Office attendance", opening_day=date(2026, 11, 2),
                               closing_day=date(2026, 11, 16), employers=[ons],
                               questions={"strike": {}, "action_short_of_strike": {"action_types": ["Overtime ban"]}},
                               scrutineer_name="Civica", return_address="PO Box 1")
    svc.freeze_electorate(ballot)
    return ballot


def _texts(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def _image(pdf: bytes, index: int) -> Any:
    document = pdfium.PdfDocument(pdf)
    try:
        return document[index].render(scale=SCALE).to_pil().convert("L")
    finally:
        document.close()


def _pixels(box: Box, height_pt: float = 841.89) -> tuple[int, int, int, int]:
    """A PDF box as an image crop box (left, upper, right, lower) in pixels."""
    return (round(box.left * SCALE), round((height_pt - box.top) * SCALE), round(box.right * SCALE),
            round((height_pt - box.bottom) * SCALE))


def read_code128(image: Any, box: Box) -> str:
    """Read a Code 128 barcode from a row of pixels through the middle of ``box``: the widths of the dark and
    light runs, in modules, matched against the symbol table (python-barcode's), the check symbol verified."""
    left, upper, right, lower = _pixels(box)
    row = [image.getpixel((x, (upper + lower) // 2)) < 128 for x in range(left, right)]
    first, last = row.index(True), len(row) - row[::-1].index(True)
    runs: list[int] = []
    for dark in row[first:last]:
        if runs and (len(runs) % 2 == 1) == dark:
            runs[-1] += 1
        else:
            runs.append(1)
    # a run is a bar when its index is even; the symbol count fixes the module width
    total_modules = (len(runs) - 7) // 6 * 11 + 13
    module = sum(runs) / total_modules
    bits = "".join(("1" if i % 2 == 0 else "0") * max(1, round(r / module)) for i, r in enumerate(runs))
    assert bits.endswith(STOP + "11"), bits
    values = [CODES.index(bits[i:i + 11]) for i in range(0, len(bits) - 13, 11)]
    assert values[-1] == (values[0] + sum(i * v for i, v in enumerate(values[1:-1], 1))) % 103, "check symbol"
    out, code_set = "", {103: "A", 104: "B", 105: "C"}[values[0]]
    for v in values[1:-1]:
        if code_set == "C" and v in (100, 101) or code_set != "C" and v in (99, 101):
            code_set = {99: "C", 100: "B", 101: "A"}[v]
        elif code_set == "C":
            out += f"{v:02d}"
        else:
            out += chr(v + 32)
    return out


def test_each_paper_carries_its_number_and_no_member(ballot) -> None:
    doc = docs.issue_voting_papers(ballot)
    sheets = docs.address_sheets(ballot)
    assert sheets is not None
    electors = list(Elector.objects.filter(ballot=ballot).order_by("paper_number"))
    assert len(electors) == 68  # the fixture's 3 members and the 65 imported
    papers, sheet_texts = _texts(bytes(doc.pdf)), _texts(bytes(sheets.pdf))
    assert len(papers) == len(sheet_texts) == len(electors)
    statement = docs._paper_context(ballot)["statement"]
    for n, (paper, sheet, elector) in enumerate(zip(papers, sheet_texts, electors, strict=True), 1):
        assert elector.paper_number == n
        assert paper.startswith("Paper No.") and f"\n{n}" in paper, (n, paper[:80])
        assert f"Ballot: {elector.unit.name}." in paper
        flat = " ".join(paper.split())
        assert " ".join(statement.split()) in flat and "16 November 2026" in flat
        for other in electors:  # no member's name or address on any paper
            assert other.name not in paper and other.home_address.split(",")[0] not in paper
        assert elector.name in sheet and elector.home_address.split(",")[0] in sheet
        assert "Enclosed: voting paper No." in sheet and sheet.split("\n")[-1] == str(n), sheet  # stamped last
        assert "Page " not in paper
    numbers = [int(p.split("\n")[-1]) for p in papers]  # the stamped number is the page's last text
    assert numbers == list(range(1, len(electors) + 1))
    units = list(ballot.units.values_list("name", flat=True))
    assert len(units) == 2 and all(f"Ballot: {unit}." in doc.html for unit in units)  # one page a unit
    assert "Member 101" not in doc.html and "Member 101" not in bytes(doc.pdf).decode("latin-1")
    assert docs.ballot_documents(ballot) == [doc]  # the sheets are not among the ballot's documents
    pdf = bytes(doc.pdf)
    assert pdf.count(b"/FontFile2") >= 2  # WeasyPrint's fonts and the stamp's, embedded


def test_a_stamped_page_is_the_template_plus_its_number_and_barcode(ballot) -> None:
    """Rendered to pixels, a paper is its unit's template (as WeasyPrint made it) everywhere but the number's
    and the barcode's boxes; the barcode reads back as the paper's number."""
    from django.template.loader import render_to_string

    doc = docs.issue_voting_papers(ballot)
    pdf = bytes(doc.pdf)
    ctx = {**docs._paper_context(ballot), "union": ballot.union, "ballot": ballot, "replacement": False}
    for n in (1, 2, 43, 44, 68):
        elector = Elector.objects.select_related("unit").get(ballot=ballot, paper_number=n)
        template = render_template(render_to_string("union/docs/voting_papers.html", {
            **ctx, "title": "Voting paper", "papers": [{"number": "", "unit": elector.unit.name}]}), docs.PAPER_CSS)
        number, code = template.anchors[0]["stamp-number"], template.anchors[0]["stamp-code"]
        stamped, plain = _image(pdf, n - 1), _image(template.pdf, 0)
        assert stamped.size == plain.size
        boxes = [_pixels(Box(number.left, number.bottom - 4, number.right, number.top + 2)), _pixels(code)]
        masked_stamped, masked_plain = stamped.copy(), plain.copy()
        for crop in boxes:
            masked_stamped.paste(255, crop)
            masked_plain.paste(255, crop)
        # the rest is the template: the same pixels, but for the anti-aliasing of a glyph or two (PDFium places
        # text drawn through a form at a sub-pixel offset): under 0.03% of the page's pixels differ at all
        difference = ImageChops.difference(masked_stamped, masked_plain)
        assert sum(difference.histogram()[9:]) < 600, n
        for crop in boxes:
            assert stamped.crop(crop).getextrema()[0] < 64 and plain.crop(crop).getextrema()[0] > 200  # stamped
        assert read_code128(stamped, code) == str(n)


def test_the_barcode_read_by_a_bureau_is_the_returns_file_paper_number(union_org) -> None:
    """A ballot taken through the lifecycle's services to open: the barcodes read from its issued papers'
    pixels, written as a bureau's returns file, are counted for those papers."""
    from datetime import timedelta

    from tests.union.helpers import lifecycle_ballot, returns_text

    from mandate.platform.models import Document
    from mandate.union import services

    b = lifecycle_ballot(union_org, stage="open")
    doc = Document.objects.get(kind="voting-papers", related_type="Ballot", related_id=str(b.pk))
    code = render_template(doc.html, docs.PAPER_CSS).anchors[0]["stamp-code"]
    wanted = (3, 7, b.electors.count())
    read = [read_code128(_image(bytes(doc.pdf), n - 1), code) for n in wanted]
    assert read == [str(n) for n in wanted]
    day = b.opening_day + timedelta(days=1)
    services.import_returns(b, returns_text([(int(r), day, "yes", "no") for r in read]))
    assert sorted(b.returns.filter(status="counted").values_list("paper_number", flat=True)) == list(wanted)


def test_replacement_papers_for_named_members(ballot) -> None:
    a, b = Elector.objects.filter(ballot=ballot).order_by("paper_number")[:2]
    papers, sheets = docs.render_replacement_papers(ballot, [
        docs.PaperFor(69, a.unit.name, a.name, a.home_address), docs.PaperFor(70, b.unit.name, b.name, b.home_address)])
    paper_texts, sheet_texts = _texts(papers), _texts(sheets)
    assert len(paper_texts) == len(sheet_texts) == 2
    for text, number, member in zip(paper_texts, (69, 70), (a, b), strict=True):
        assert "REPLACEMENT VOTING PAPER" in text and text.endswith(f"\n{number}") and member.name not in text
    assert a.name in sheet_texts[0] and "replacement voting paper" in sheet_texts[0]
    assert b.name in sheet_texts[1]
    with pytest.raises(svc.BallotError):
        docs.render_replacement_papers(ballot, [])
    with pytest.raises(svc.BallotError):
        docs.render_replacement_papers(ballot, [docs.PaperFor(70, a.unit.name, a.name, "x")] * 2)


def test_hostile_names_and_addresses_stay_in_the_window(ballot) -> None:
    """A 10,000-character name, an address with CR-only line ends, NUL bytes, characters outside the font and
    right-to-left text: the sheet cuts them to the window with an ellipsis; the paper is untouched."""
    unit = ballot.units.first().name
    hostile = [docs.PaperFor(1, unit, "Zoë " + "Ł" * 10_000, "1 Rue\rde l'Église\r\x00Cardiff\rCF10 1AA"),
               docs.PaperFor(2, unit, "\x00\u202eأحمد 🗳", "\n".join(["Long line " * 200] * 30))]
    papers, sheets = io.BytesIO(), io.BytesIO()
    assert docs.render_papers(ballot, hostile, papers, sheets) == 2
    sheet_texts = _texts(sheets.getvalue())
    assert sheet_texts[0].startswith("Private and confidential")
    assert "Zoë ŁŁ" in sheet_texts[0] and "…" in sheet_texts[0] and "Cardiff" in sheet_texts[0]
    assert len(sheet_texts[0]) < 2_000 and len(sheet_texts[1]) < 2_000
    assert all("Ł" not in t and "Long line" not in t for t in _texts(papers.getvalue()))
    image = _image(sheets.getvalue(), 0)
    assert image.size == (round(595.28 * SCALE), round(841.89 * SCALE))


def test_no_papers_is_refused_not_an_empty_pdf(ballot) -> None:
    with pytest.raises(svc.BallotError, match="no papers"):
        docs.render_papers(ballot, [], io.BytesIO(), io.BytesIO())


def test_a_paper_longer_than_a_page_is_refused(ballot) -> None:
    ballot.return_address = "\n".join(f"Line {i}" for i in range(120))
    ballot.save(update_fields=["return_address"])
    with pytest.raises(svc.BallotError, match="runs to .* pages"):
        docs.issue_voting_papers(ballot)
