"""PDFs: a long print run rendered in parallel parts (real WeasyPrint in spawned processes), joined with pypdf."""

from __future__ import annotations

import io

from pypdf import PdfReader

from mandate.platform.pdf import NO_PAGE_NUMBERS_CSS, html_parts_to_pdf, html_to_pdf


def _texts(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def _part(first: int, last: int) -> str:
    return "".join(f'<p style="page-break-after: always">Paper {n}</p>' for n in range(first, last + 1))


def test_parts_are_joined_in_order_across_processes() -> None:
    parts = [_part(1, 3), _part(4, 4), _part(5, 7)]
    texts = _texts(html_parts_to_pdf(parts, NO_PAGE_NUMBERS_CSS, workers=2))
    assert [t.split()[:2] for t in texts] == [["Paper", str(n)] for n in range(1, 8)]
    assert not any("Page" in t for t in texts)  # no page counter restarting in each part


def test_one_part_is_the_same_document_as_a_plain_render() -> None:
    html = _part(1, 2)
    assert _texts(html_parts_to_pdf([html])) == _texts(html_to_pdf(html))
    assert "Page 1 of 2" in _texts(html_to_pdf(html))[0]  # the ordinary documents keep their page numbers
