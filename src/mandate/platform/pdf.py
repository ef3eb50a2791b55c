"""HTML to PDF with WeasyPrint; a long print run rendered in parallel and joined with pypdf.

No Django import: the parallel workers start fresh (``spawn``, safe beside a threaded web server) and import
only this module.
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from multiprocessing import get_context

PRINT_CSS = """
@page { size: A4; margin: 20mm 18mm; @bottom-right { content: "Page " counter(page) " of " counter(pages);
        font-size: 8pt; color: #444; } }
body { font-family: "DejaVu Sans", sans-serif; font-size: 10.5pt; line-height: 1.4; color: #111; }
h1 { font-size: 16pt; } h2 { font-size: 13pt; } table { border-collapse: collapse; width: 100%; }
th, td { border-bottom: 1px solid #999; padding: 3pt 4pt; text-align: left; vertical-align: top; }
td.num, th.num { text-align: right; } .page-break { page-break-after: always; }
.statement { border: 1.5pt solid #000; padding: 6pt; font-weight: bold; }
"""

# For documents whose pages stand alone (a voting paper each): no "page n of N" in the margin, which would
# restart in each part of a parallel render and means nothing on a paper sent to one member.
NO_PAGE_NUMBERS_CSS = "@page { @bottom-right { content: none; } }"


def html_to_pdf(html: str, extra_css: str = "") -> bytes:
    """Render HTML to PDF bytes with WeasyPrint (fonts from the system; no network fetches)."""
    from weasyprint import CSS, HTML

    stylesheets = [CSS(string=PRINT_CSS + extra_css)]
    return HTML(string=html, base_url=None).write_pdf(stylesheets=stylesheets)


def html_parts_to_pdf(parts: Sequence[str], extra_css: str = "", workers: int | None = None) -> bytes:
    """Several HTML documents as one PDF, their pages in order: rendered one part a process (every core by
    default), then joined with pypdf. Page counters restart in each part, so give ``NO_PAGE_NUMBERS_CSS`` (or
    parts that show none)."""
    from pypdf import PdfReader, PdfWriter

    render = partial(html_to_pdf, extra_css=extra_css)
    workers = min(len(parts), workers or os.cpu_count() or 1)
    if workers > 1:
        with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
            pdfs = list(pool.map(render, parts))
    else:
        pdfs = [render(part) for part in parts]
    writer = PdfWriter()
    for pdf in pdfs:
        writer.append(PdfReader(io.BytesIO(pdf)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
